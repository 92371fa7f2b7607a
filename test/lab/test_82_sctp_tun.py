# SPDX-License-Identifier: BSD-3-Clause
"""Lab test of SCTP by TUN (-i), in the TUN lab (scripts/lab.sh up --mode
tun: the real servers on another network behind the router, a tc-BPF
program taking the IPIP header off, the VIP on lo): whole associations
(sctp_peer.py on raw sockets) reach the real servers inside IPIP, the
inner SCTP packet unchanged (a right CRC32c), and are answered from the
VIP straight to the client; LVS's input-only SCTP states.
"""
from lab import TUN_RIP1, TUN_RIP2, VIP_LAN, Lab
from sctp_lab import SctpPeers

LAB = Lab("lsu")
VPORT = 3868


def setup():
    LAB.up(daemon=True, mode="tun")


def test_sctp_tun_associations():
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "--sctp-service", "%s:%d" % (VIP_LAN, VPORT), "-s", "rr")
    for rip in (TUN_RIP1, TUN_RIP2):
        LAB.ipvsadm("-a", "--sctp-service", "%s:%d" % (VIP_LAN, VPORT), "-r", rip, "-i")
    save = LAB.ipvsadm("-S", "-n").stdout
    assert "-a --sctp-service %s:%d -r %s:%d -i -w 1 --tun-type ipip" % (
        VIP_LAN, VPORT, TUN_RIP1, VPORT) in save, save
    peers = SctpPeers(LAB, VIP_LAN, VPORT)
    try:
        # input-only states: the client's COOKIE-ECHO establishes, its
        # SHUTDOWN-COMPLETE closes
        peers.run(VPORT, bind=VIP_LAN)
        LAB.fates_add_up()
    finally:
        peers.stop()
