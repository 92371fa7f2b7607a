# SPDX-License-Identifier: BSD-3-Clause
"""Lab test of SCTP by DR (-g), in the DR lab (scripts/lab.sh up --mode
dr: the client behind a router, the real servers holding the VIP on lo
and answering the client straight): whole associations (sctp_peer.py on
raw sockets) reach the real servers unchanged (their port, a right
CRC32c: DR touches only the Ethernet header) and are answered from the
VIP; the connection list shows LVS's input-only SCTP states (the client's
COOKIE-ECHO establishes, its SHUTDOWN-COMPLETE closes).
"""
from lab import RIP1, RIP2, VIP_LAN, Lab
from sctp_lab import SctpPeers

LAB = Lab("lsr")
VPORT = 3868


def setup():
    LAB.up(daemon=True, mode="dr")


def test_sctp_dr_associations():
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "--sctp-service", "%s:%d" % (VIP_LAN, VPORT), "-s", "rr")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "--sctp-service", "%s:%d" % (VIP_LAN, VPORT), "-r", rip, "-g")
    lines = LAB.ipvsadm("-Ln").stdout.split("\n")
    for rip in (RIP1, RIP2):
        want = "  -> %-28s %-7s %-6d" % ("%s:%d" % (rip, VPORT), "Route", 1)
        assert any(ln.startswith(want) for ln in lines), (want, lines)
    peers = SctpPeers(LAB, VIP_LAN, VPORT)
    try:
        # input-only states: the client's COOKIE-ECHO establishes, its
        # SHUTDOWN-COMPLETE closes
        peers.run(VPORT, bind=VIP_LAN)
        assert LAB.drop("l4-bad-csum") == 0
        LAB.fates_add_up()
    finally:
        peers.stop()
