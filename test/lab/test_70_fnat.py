# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of Full-NAT (--fullnat, DPVS's -b), issue 16 item 3, on the
NAT lab's two arms (scripts/lab.sh up): the director gets a local address
(LIP) on the real servers' side with dpip, and ipvsadm --add-laddr gives
it to the service. The real servers see the LIP as the source of every
connection (rs_server.py's /peer), their answers come back to it and
leave as the VIP's; ipvsadm -Ln says FullNat, --get-laddr lists the LIP
in DPVS's format with its connections; the laddr commands refuse what is
wrong with the daemon's words; a bounded wrk run has no errors; the
fates add up on both ports.
"""
import re

from lab import RIP1, RIP2, VIP, Lab

LAB = Lab("lf")
LIP = "192.168.229.140"


def setup():
    LAB.up(daemon=True)
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk1")


def fnat_service():
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP1, "--fullnat")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP2, "--fullnat")
    LAB.ipvsadm("--add-laddr", "-z", LIP, "-t", "%s:80" % VIP, "-F", "dpdk1")


def curl(path="/peer", timeout=5):
    p = LAB.ns(LAB.ns_c, "curl", "-s", "-m", str(timeout), "http://%s%s" % (VIP, path),
               check=False, timeout=timeout + 5)
    return p.stdout.strip()


def test_listing_and_laddr():
    fnat_service()
    lines = LAB.ipvsadm("-Ln").stdout.split("\n")
    for rip in (RIP1, RIP2):
        want = "  -> %-28s %-7s %-6d %-10u %-10u" % (rip + ":80", "FullNat", 1, 0, 0)
        assert want in lines, (want, lines)
    out = LAB.ipvsadm("--get-laddr", "-t", "%s:80" % VIP).stdout
    assert out == ("%-20s %-8s %-20s %-10s %-10s\n" % ("VIP:VPORT", "TOTAL", "SNAT_IP",
                                                         "CONFLICTS", "CONNS") +
                   "%-20s %-8u \n" % (VIP + ":80", 1) +
                   "%-20s %-8s %-20s %-10u %-10u\n" % ("", "", LIP, 0, 0)), out
    # dpip shows the flag; the address cannot go while the service has it
    assert re.search(r"inet %s/24 scope global lip dpdk1" % re.escape(LIP),
                     LAB.dpip("addr", "show").stdout)
    p = LAB.dpip("addr", "del", LIP + "/24", "dev", "dpdk1", check=False)
    assert p.returncode != 0 and "ipvsadm --del-laddr it first" in p.stderr, p.stderr


def test_laddr_refusals():
    fnat_service()
    for args, text in (
            (["-P", "-z", "192.168.229.199", "-t", "%s:80" % VIP],
             "192.168.229.199 is not an address of the daemon (add it first: dpip addr add "
             "192.168.229.199/PLEN dev PORT)"),
            (["-P", "-z", LIP, "-t", "%s:80" % VIP],
             "local address %s already on service TCP %s:80" % (LIP, VIP)),
            (["-P", "-z", LIP, "-t", "%s:81" % VIP], "no such service TCP %s:81" % VIP),
            (["-P", "-z", LIP, "-t", "%s:80" % VIP, "-F", "dpdk0"],
             None),
            (["-Q", "-z", DIP_OTHER, "-t", "%s:80" % VIP],
             "local address %s is not on service TCP %s:80" % (DIP_OTHER, VIP))):
        p = LAB.ipvsadm(*args, check=False)
        assert p.returncode == 255, (args, p.returncode, p.stderr)
        if text:
            assert p.stderr.strip() == text, (args, p.stderr)
    p = LAB.ipvsadm("-P", "-t", "%s:80" % VIP, check=False)
    assert p.returncode == 2 and p.stderr == ("You need to supply the 'laddr' option for the "
                                              "'add-laddr' command\n"), p.stderr


DIP_OTHER = "192.168.229.133"


def test_real_servers_see_the_lip():
    fnat_service()
    got = [curl() for _ in range(6)]
    names = set()
    for g in got:
        m = re.match(r"I am RealServer(\d) \S+ peer %s:(\d+)$" % re.escape(LIP), g)
        assert m, got
        assert int(m.group(2)) >= 1024, got
        names.add(m.group(1))
    assert names == {"1", "2"}, got
    # the real servers answered the LIP; the client saw the VIP: a
    # connection table row per request, with the local address
    conns = LAB.ipvsadm("-Lnc").stdout
    assert re.search(r"TCP .* 192\.168\.1\.10:\d+ +%s:80 +(%s|%s):80" %
                     (re.escape(VIP), re.escape(RIP1), re.escape(RIP2)), conns), conns
    out = LAB.ipvsadm("-G", "-t", "%s:80" % VIP).stdout.splitlines()
    f = out[2].split()
    assert f[0] == LIP and int(f[1]) == 0 and int(f[2]) >= 6, out


def test_wrk_no_errors():
    fnat_service()
    LAB.wrk_no_errors("http://%s/" % VIP)
    assert LAB.drop("fnat-no-port", "dpdk0") == 0
    assert LAB.drop("stray-reply", "dpdk1") == 0


def test_fates_add_up():
    fnat_service()
    for _ in range(3):
        assert "peer %s:" % LIP in curl()
    LAB.fates_add_up("dpdk0")
    LAB.fates_add_up("dpdk1")


def test_del_laddr_then_no_port():
    fnat_service()
    LAB.ipvsadm("--del-laddr", "-z", LIP, "-t", "%s:80" % VIP)
    assert not re.search(r" lip ", LAB.dpip("addr", "show").stdout)
    before = LAB.drop("fnat-no-laddr", "dpdk0")
    assert curl(timeout=2) == ""
    assert LAB.drop("fnat-no-laddr", "dpdk0") > before
    LAB.ipvsadm("-P", "-z", LIP, "-t", "%s:80" % VIP)
    assert "peer %s:" % LIP in curl()
