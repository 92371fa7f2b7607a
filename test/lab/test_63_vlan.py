# SPDX-License-Identifier: BSD-3-Clause
"""Lab test of a port on an 802.1Q VLAN (issue 16 item 5, "VLAN if
configured"): the NAT lab with dpdk0 on VLAN 100 (conf/lab-nat-vlan.conf).
This kernel has no VLAN devices, so the client speaks tagged frames with
scapy on c0 (its MAC is the director's static neighbour, as ARP replies
in a tagged world would teach it): a tagged UDP datagram to the VIP is
balanced to a real server by NAT and the answer comes back tagged with
VLAN 100 from the VIP; an untagged datagram and one of VLAN 200 are not
the port's (vlan-other); `dpip link show` says the VLAN; the fates add up.
"""
import os
import re

from lab import CIP, RIP1, TOP, VIP, Lab

LAB = Lab("lvl")
CONF = os.path.join(TOP, "conf", "lab-nat-vlan.conf")

SEND = r'''
import sys
from scapy.all import Ether, Dot1Q, IP, UDP, Raw, srp1, sendp, conf
conf.verb = 0
dmac, cmac, cip, vip, vlan = sys.argv[1:6]
l2 = Ether(src=cmac, dst=dmac)
l3 = IP(src=cip, dst=vip) / UDP(sport=40007, dport=7) / Raw(b"ping")
pkt = l2 / Dot1Q(vlan=int(vlan)) / l3 if int(vlan) else l2 / l3
r = srp1(pkt, iface="c0", timeout=3)
if r is None:
    print("NONE")
else:
    tag = r[Dot1Q].vlan if Dot1Q in r else 0
    print("REPLY vlan=%d src=%s sport=%d %s" % (tag, r[IP].src, r[UDP].sport,
                                                  bytes(r[Raw].load).decode(errors="replace")))
'''


def setup():
    LAB.up(daemon=True, conf=CONF)
    LAB.ipvsadm("-A", "-u", "%s:7" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-u", "%s:7" % VIP, "-r", "%s:7" % RIP1, "-m")


def macs():
    link = LAB.dpip("link", "show", "dpdk0").stdout
    dmac = re.search(r"link/ether (\S+)", link).group(1)
    c0 = LAB.ns(LAB.ns_c, "ip", "link", "show", "c0").stdout
    cmac = re.search(r"link/ether (\S+)", c0).group(1)
    return link, dmac, cmac


def send(vlan):
    _, dmac, cmac = macs()
    p = LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", SEND, dmac, cmac, CIP, VIP, str(vlan),
               timeout=30)
    return p.stdout.strip()


def test_link_shows_the_vlan():
    link, _, cmac = macs()
    assert "vlan id 100" in link, link
    # the director cannot learn the client by ARP here (the client's
    # kernel drops tagged frames): a static neighbour
    LAB.dpip("neigh", "add", CIP, "lladdr", cmac, "dev", "dpdk0")


def test_tagged_datagram_balanced_and_answered_tagged():
    got = send(100)
    assert re.match(r"REPLY vlan=100 src=%s sport=7 I am RealServer1" % re.escape(VIP), got), got


def test_untagged_and_other_vlan_not_ours():
    before = LAB.drop("vlan-other", "dpdk0")
    assert send(0) == "NONE"
    assert send(200) == "NONE"
    # at least the two datagrams (the client's kernel may send more)
    assert LAB.drop("vlan-other", "dpdk0") >= before + 2
    LAB.fates_add_up("dpdk0")
    LAB.fates_add_up("dpdk1")
