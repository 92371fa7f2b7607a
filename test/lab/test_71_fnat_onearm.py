# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of Full-NAT with one arm (issue 16 item 3): the DR lab's
topology (scripts/lab.sh up --mode dr, conf/lab-onearm.conf), the
director on the LAN with its DIP and the VIP, the client behind the
router. With Full-NAT the real servers need no VIP and no route back
through the director: they answer the LIP, an address of the director on
the same LAN, and the director sends the answer to the client from the
VIP. The real servers see the LIP; a bounded wrk run has no errors.
"""
import re

from lab import RIP1, RIP2, VIP_LAN, Lab

LAB = Lab("lg")
LIP = "192.168.229.140"


def setup():
    LAB.up(daemon=True, mode="dr")
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk0")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP_LAN, "-s", "rr")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", "%s:80" % rip, "--fullnat")
    LAB.ipvsadm("-P", "-z", LIP, "-t", "%s:80" % VIP_LAN)


def curl(path="/peer", timeout=5):
    p = LAB.ns(LAB.ns_c, "curl", "-s", "-m", str(timeout), "http://%s%s" % (VIP_LAN, path),
               check=False, timeout=timeout + 5)
    return p.stdout.strip()


def test_one_arm_real_servers_see_the_lip():
    got = [curl() for _ in range(4)]
    names = set()
    for g in got:
        m = re.match(r"I am RealServer(\d) \S+ peer %s:\d+$" % re.escape(LIP), g)
        assert m, got
        names.add(m.group(1))
    assert names == {"1", "2"}, got
    lines = LAB.ipvsadm("-Ln").stdout.split("\n")
    assert any(l.startswith("  -> %-28s %-7s" % (RIP1 + ":80", "FullNat")) for l in lines), lines


def test_one_arm_wrk_no_errors():
    LAB.wrk_no_errors("http://%s/" % VIP_LAN, seconds=5)
    assert LAB.drop("stray-reply", "dpdk0") == 0
    LAB.fates_add_up("dpdk0")
