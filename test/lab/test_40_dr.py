# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of DR (-g), issue 16: the LVS guide's DR example
(scripts/lab.sh up --mode dr). The director has one arm on the LAN with
its DIP and the VIP; the real servers hold the VIP on lo with
arp_ignore=1 and arp_announce=2 and their default gateway is the router,
so they answer the client directly: a capture on the router's LAN leg
shows every reply coming from a real server's MAC, never the director's,
and the director counts no packet out. Also: ipvsadm's default mode is
-g, -Ln shows Route, a real server that is not on-link is refused with a
clear error, and one service mixes a NAT dest and a DR dest.
"""
import re

from lab import CIP, RIP1, RIP2, VIP_LAN, Capture, Lab

LAB = Lab("lr")
DIP = "192.168.229.133"


def setup():
    LAB.up(daemon=True, mode="dr")


def guide_dr():
    """The guide's director script: -g given once, left to the default once."""
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP_LAN, "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", RIP1, "-g")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", RIP2)


def curl(url="http://%s/" % VIP_LAN, timeout=5):
    p = LAB.ns(LAB.ns_c, "curl", "-s", "-m", str(timeout), url, check=False,
               timeout=timeout + 5)
    return p.stdout.strip()


def mac_of(ns, ifname):
    return LAB.ns(ns, "cat", "/sys/class/net/%s/address" % ifname).stdout.strip()


def test_guide_dr_listing():
    guide_dr()
    lines = LAB.ipvsadm("-Ln").stdout.split("\n")
    assert "TCP  %s:80 rr" % VIP_LAN in lines, lines
    for rip in (RIP1, RIP2):
        # the default (-g) too, and the service's port given to the dest
        want = "  -> %-28s %-7s %-6d %-10u %-10u" % (rip + ":80", "Route", 1, 0, 0)
        assert want in lines, (want, lines)
    save = LAB.ipvsadm("-Sn").stdout
    assert "-a -t %s:80 -r %s:80 -g -w 1" % (VIP_LAN, RIP1) in save, save


def test_curl_alternates_replies_bypass_the_director():
    guide_dr()
    rs_macs = {mac_of(LAB.ns_rs1, "eth0"), mac_of(LAB.ns_rs2, "eth0")}
    director_mac = mac_of(LAB.ns_d, "d0")
    cap = Capture(LAB, LAB.ns_r, "r1", "tcp port 80", "dr_replies")
    try:
        got = [curl() for _ in range(6)]
    finally:
        cap.stop()
    assert all(g.startswith("I am RealServer") for g in got), got
    for a, b in zip(got, got[1:]):
        assert a != b, "rr did not alternate: %s" % got
    assert {"I am RealServer1 %s" % RIP1, "I am RealServer2 %s" % RIP2} == set(got), got

    # on the router's LAN leg: requests go to the director's MAC, replies
    # (from the VIP) come from the real servers' own MACs
    lines = cap.text("-e").splitlines()
    replies = [l for l in lines if re.search(r" %s\.80 > %s\.\d+:" % (re.escape(VIP_LAN),
                                                                       re.escape(CIP)), l)]
    requests = [l for l in lines if re.search(r" %s\.\d+ > %s\.80:" % (re.escape(CIP),
                                                                       re.escape(VIP_LAN)), l)]
    assert len(replies) >= 6 * 3 and len(requests) >= 6 * 3, lines
    reply_macs = {l.split()[1] for l in replies}
    assert reply_macs == rs_macs, (reply_macs, rs_macs, director_mac)
    assert {l.split()[3].rstrip(",") for l in requests} == {director_mac}, requests

    # the director forwarded the client's packets and saw no reply
    out = LAB.ipvsadm("-Ln", "--stats").stdout
    m = re.search(r"^TCP  %s:80 +(\d+) +(\d+) +(\d+)" % re.escape(VIP_LAN), out, re.M)
    assert m and int(m.group(1)) >= 6 and int(m.group(2)) >= 6 * 3, out
    assert int(m.group(3)) == 0, out
    conns = LAB.ipvsadm("-Lnc").stdout
    assert re.search(r"TCP .*(ESTABLISHED|FIN_WAIT) +%s:\d+ +%s:80 +(%s|%s):80" %
                     (re.escape(CIP), re.escape(VIP_LAN), re.escape(RIP1), re.escape(RIP2)),
                     conns), conns


def test_not_onlink_real_server_refused():
    guide_dr()
    before = LAB.ipvsadm("-Ln").stdout
    p = LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", "10.20.30.40", "-g", check=False)
    assert p.returncode == 255, (p.returncode, p.stderr)
    assert p.stderr.strip() == ("real server 10.20.30.40 is not on-link: DR (-g) needs it in "
                                "a connected prefix of a port (dpip addr add ADDR/LEN dev "
                                "PORT); use -i (tunnel) or -m (NAT) to reach it through a "
                                "router"), p.stderr
    p = LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", DIP, check=False)
    assert p.returncode == 255 and "is an address of this balancer" in p.stderr, p.stderr
    assert LAB.ipvsadm("-Ln").stdout == before


def test_service_mixing_nat_and_dr():
    # rs1 is a NAT real server: its replies (from the RIP) must come back
    # through the director, so its answers from RIP1 go by the DIP (a
    # source rule: its DR answers, from the VIP, still go by the router)
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP_LAN, "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", "%s:80" % RIP1, "-m")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", RIP2, "-g")
    LAB.ns(LAB.ns_rs1, "ip", "route", "add", "default", "via", DIP, "table", "100")
    LAB.ns(LAB.ns_rs1, "ip", "rule", "add", "from", RIP1, "table", "100")
    try:
        lines = LAB.ipvsadm("-Ln").stdout.split("\n")
        for rip, fwd in ((RIP1, "Masq"), (RIP2, "Route")):
            want = "  -> %-28s %-7s %-6d" % (rip + ":80", fwd, 1)
            assert any(l.startswith(want) for l in lines), (want, lines)
        got = [curl() for _ in range(6)]
        assert got.count("I am RealServer1 %s" % RIP1) == 3, got
        assert got.count("I am RealServer2 %s" % RIP2) == 3, got
        out = LAB.ipvsadm("-Ln", "--stats").stdout
        # only the NAT dest's replies passed the director
        m1 = re.search(r"-> %s:80 +\d+ +\d+ +(\d+)" % re.escape(RIP1), out)
        m2 = re.search(r"-> %s:80 +\d+ +\d+ +(\d+)" % re.escape(RIP2), out)
        assert m1 and int(m1.group(1)) > 0, out
        assert m2 and int(m2.group(1)) == 0, out
    finally:
        LAB.ns(LAB.ns_rs1, "ip", "rule", "del", "from", RIP1, "table", "100", check=False)
        LAB.ns(LAB.ns_rs1, "ip", "route", "flush", "table", "100", check=False)
        LAB.ipvsadm("-C")


def test_fates_add_up():
    guide_dr()
    for _ in range(3):
        assert curl().startswith("I am RealServer")
    LAB.fates_add_up("dpdk0")
