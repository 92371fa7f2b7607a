# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of TUN (-i), issue 16: the LVS guide's TUN example
(scripts/lab.sh up --mode tun). The real servers sit on another network
behind the router; the director tunnels the client's packets to them and
they answer the client directly. This kernel has no ipip module: a tc-BPF
program on each real server's eth0 (test/lab/tun_decap.bpf.c) takes the
outer headers off, and the VIP is on lo.

Checked: curl alternates; a capture on the director's link shows the
outer header (protocol 4, DIP -> RIP, DF and the inner packet) and no
reply; GUE (UDP to the tunnel port, checksum none or right) and GRE (with
and without its checksum) carry real HTTP; -Ln --tun-info and -Sn print
them as ipvsadm 1.31; a 300 kB upload with DF gets the director's
"fragmentation needed" (the client's route to the VIP learns 1480, or
1468 through GUE) and completes.
"""
import os
import re

from lab import CIP, GUE_PORT, TUN_RIP1, TUN_RIP2, VIP_LAN, Capture, Lab

LAB = Lab("lu")
DIP = "192.168.229.133"
UPLOAD = 300000


def setup():
    LAB.up(daemon=True, mode="tun")


def guide_tun(*tun):
    """The guide's director script; tun: tunnel options for both dests."""
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP_LAN, "-s", "rr")
    for rip in (TUN_RIP1, TUN_RIP2):
        LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", rip, "-i", *tun)


def curl(*args, timeout=5):
    p = LAB.ns(LAB.ns_c, "curl", "-s", "-m", str(timeout), *args, "http://%s/" % VIP_LAN,
               check=False, timeout=timeout + 5)
    return p.stdout.strip()


def alternates():
    got = [curl() for _ in range(4)]
    assert got == ["I am RealServer1 %s" % TUN_RIP1, "I am RealServer2 %s" % TUN_RIP2] * 2, got


def capture(name, bpf):
    """On the router's leg towards the director."""
    return Capture(LAB, LAB.ns_r, "r1", bpf, name)


def test_guide_tun_listing():
    guide_tun()
    lines = LAB.ipvsadm("-Ln").stdout.split("\n")
    for rip in (TUN_RIP1, TUN_RIP2):
        want = "  -> %-28s %-7s %-6d %-10u %-10u" % (rip + ":80", "Tunnel", 1, 0, 0)
        assert want in lines, (want, lines)
    info = LAB.ipvsadm("-Ln", "--tun-info").stdout.split("\n")
    assert "  -> %-28s %-7s %-13s %-6d %-10u %-10u" % (TUN_RIP1 + ":80", "Tunnel", "ipip", 1,
                                                        0, 0) in info, info
    save = LAB.ipvsadm("-Sn").stdout
    assert "-a -t %s:80 -r %s:80 -i -w 1 --tun-type ipip" % (VIP_LAN, TUN_RIP1) in save, save


def test_ipip_curl_and_outer_header():
    guide_tun()
    cap = capture("ipip", "ip proto 4 or tcp port 80")
    try:
        alternates()
    finally:
        cap.stop()
    out = cap.text("-v")
    # IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto IPIP (4), length 80)
    #     192.168.229.133 > 10.10.10.132: IP (...) 192.168.1.10.P > 192.168.229.111.80: ...
    outer = re.findall(r"flags \[DF\], proto IPIP \(4\), length (\d+)\)\n\s+(\S+) > (\S+): "
                       r"IP \(.*?\)\n\s+(\S+) > (\S+):", out)
    assert len(outer) >= 4 * 4, out
    assert {(o[1], o[2]) for o in outer} == {(DIP, TUN_RIP1), (DIP, TUN_RIP2)}, outer
    assert {o[4] for o in outer} == {VIP_LAN + ".80"}, outer
    assert all(o[3].startswith(CIP + ".") for o in outer), outer
    # the real servers answer the client through the router's other legs:
    # nothing from the VIP crosses the director's link
    assert not re.search(r"%s\.80 > " % re.escape(VIP_LAN), out), out
    stats = LAB.ipvsadm("-Ln", "--stats").stdout
    m = re.search(r"^TCP  %s:80 +(\d+) +(\d+) +(\d+)" % re.escape(VIP_LAN), stats, re.M)
    assert m and int(m.group(1)) >= 4 and int(m.group(3)) == 0, stats


def test_gue_with_and_without_checksum():
    for csum in ("--tun-nocsum", "--tun-csum", "--tun-remcsum"):
        guide_tun("--tun-type", "gue", "--tun-port", str(GUE_PORT), csum)
        cap = capture("gue", "udp port %d" % GUE_PORT)
        try:
            alternates()
        finally:
            cap.stop()
        out = cap.text("-vv")
        pkts = re.findall(r"proto UDP \(17\).*\n\s+%s\.(\d+) > (\S+)\.%d: (\[[^]]*\])" %
                          (re.escape(DIP), GUE_PORT), out)
        assert len(pkts) >= 4 * 4, out
        assert {p[1] for p in pkts} == {TUN_RIP1, TUN_RIP2}, pkts
        assert all(32768 <= int(p[0]) <= 60999 for p in pkts), pkts
        want = "[no cksum]" if csum == "--tun-nocsum" else "[udp sum ok]"
        assert {p[2] for p in pkts} == {want}, (csum, pkts)
    info = LAB.ipvsadm("-Ln", "--tun-info").stdout
    assert "  -> %-28s %-7s %-13s" % (TUN_RIP1 + ":80", "Tunnel", "gue:%d:r+c" % GUE_PORT) \
        in info, info
    save = LAB.ipvsadm("-Sn").stdout
    assert ("-a -t %s:80 -r %s:80 -i -w 1 --tun-type gue --tun-port %d --tun-remcsum" %
            (VIP_LAN, TUN_RIP2, GUE_PORT)) in save, save


def test_gre_with_and_without_checksum():
    for csum, flags in (("--tun-nocsum", "0x0"), ("--tun-csum", "0x8000")):
        guide_tun("--tun-type", "gre", csum)
        cap = capture("gre", "ip proto 47")
        try:
            alternates()
        finally:
            cap.stop()
        # the GRE header's first word, read from the raw bytes
        # (-x starts at the outer IPv4 header: GRE at 20)
        out = cap.text("-x")
        words = re.findall(r"0x0010:  \S+ \S+ (\S{4}) (\S{4}) ", out)
        assert len(words) >= 4 * 4, out
        assert {(int(w[0], 16), w[1]) for w in words} == {(int(flags, 16), "0800")}, words
    assert "gre:+c" in LAB.ipvsadm("-Ln", "--tun-info").stdout


def test_path_mtu_discovery_through_the_tunnel():
    for tun, mtu in (((), 1480), (("--tun-type", "gue", "--tun-port", str(GUE_PORT)), 1468)):
        guide_tun(*tun)
        LAB.ns(LAB.ns_c, "ip", "route", "flush", "cache")
        before = LAB.drop("ip-too-big")
        path = os.path.join(LAB.state, "upload.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(UPLOAD))
        got = curl("-H", "Expect:", "--data-binary", "@" + path, timeout=20)
        assert re.match(r"I am RealServer\d \S+ got %d bytes$" % UPLOAD, got), got
        # the client's segments did not fit with the encapsulation: the
        # director said so (and dropped them), the client's route learnt
        assert LAB.drop("ip-too-big") > before
        route = LAB.ns(LAB.ns_c, "ip", "route", "get", VIP_LAN).stdout
        assert re.search(r"\bmtu %d\b" % mtu, route), route
    LAB.fates_add_up("dpdk0")


def test_path_mtu_of_a_router_behind_the_director():
    """The router's leg towards the real servers carries 1300 bytes: it
    tells the director (the outer source) that our 1500-byte IPIP packets
    need fragmenting; the director tells the client, from the VIP, 1280
    (1300 less the outer header), and the upload completes."""
    guide_tun()
    LAB.ns(LAB.ns_r, "ip", "link", "set", "r2", "mtu", "1300")
    try:
        LAB.ns(LAB.ns_c, "ip", "route", "flush", "cache")
        path = os.path.join(LAB.state, "upload.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(UPLOAD))
        got = curl("-H", "Expect:", "--data-binary", "@" + path, timeout=20)
        assert re.match(r"I am RealServer\d \S+ got %d bytes$" % UPLOAD, got), got
        route = LAB.ns(LAB.ns_c, "ip", "route", "get", VIP_LAN).stdout
        assert re.search(r"\bmtu 1280\b", route), route
    finally:
        LAB.ns(LAB.ns_r, "ip", "link", "set", "r2", "mtu", "1500")
    LAB.fates_add_up("dpdk0")
