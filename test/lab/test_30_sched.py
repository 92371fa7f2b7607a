# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of the schedulers, persistence and fwmark services (issue 5):
real HTTP and UDP clients in the client namespace against the two real
servers with different weights; the replies name the server that served
each request, and the per-server counts must match the expected split.

Clients use extra source addresses (192.168.1.20-59 on the client's
interface) so that the hashing schedulers see many clients. Each test is
bounded: at most about 100 requests.
"""
import re

from lab import CIP, RIP1, RIP2, VIP, Lab

LAB = Lab("ls")
CLIENTS = ["192.168.1.%d" % i for i in range(20, 60)]
RS1 = "I am RealServer1 %s" % RIP1
RS2 = "I am RealServer2 %s" % RIP2

# One process per batch: each request a new TCP connection from the given
# source address; prints "source|reply" lines.
HTTP_CLIENT = r'''
import http.client, sys
vip, reqs = sys.argv[1], sys.argv[2:]
for r in reqs:
    src, port = r.split(",")
    try:
        c = http.client.HTTPConnection(vip, int(port), timeout=5, source_address=(src, 0))
        c.request("GET", "/", headers={"Connection": "close"})
        body = c.getresponse().read().decode().strip()
        c.close()
    except Exception as e:
        body = "ERROR %s" % e
    print("%s|%s" % (src, body), flush=True)
'''

UDP_CLIENT = r'''
import socket, sys
vip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((vip, port))
    s.send(b"ping%d" % i)
    try:
        print(s.recv(1000).decode().split(":")[0].strip(), flush=True)
    except Exception as e:
        print("ERROR %s" % e, flush=True)
    s.close()
'''


def setup():
    LAB.up(daemon=True)
    for ip in CLIENTS:
        LAB.ns(LAB.ns_c, "ip", "addr", "add", ip + "/24", "dev", "c0")


def http(reqs, vip=VIP, timeout=90):
    """reqs: [(source, port)] -> [(source, reply)]"""
    args = ["%s,%d" % r for r in reqs]
    out = LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", HTTP_CLIENT, vip, *args,
                 timeout=timeout).stdout.strip().split("\n")
    got = [tuple(line.split("|", 1)) for line in out]
    assert len(got) == len(reqs) and all(g[1] in (RS1, RS2) for g in got), got
    return got


def udp(n, vip=VIP, port=7):
    got = LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", UDP_CLIENT, vip, str(port), str(n),
                 timeout=60).stdout.strip().split("\n")
    assert len(got) == n and all(g in (RS1, RS2) for g in got), got
    return got


def service(sched, w1, w2, extra=(), key=("-t", "%s:80" % VIP), rport=":80"):
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", *key, "-s", sched, *extra)
    LAB.ipvsadm("-a", *key, "-r", RIP1 + rport, "-m", "-w", str(w1))
    LAB.ipvsadm("-a", *key, "-r", RIP2 + rport, "-m", "-w", str(w2))


def count(replies):
    return sum(1 for r in replies if r == RS1), sum(1 for r in replies if r == RS2)


def test_wrr_split():
    service("wrr", 1, 3)
    got = [b for _, b in http([(CIP, 80)] * 80)]
    n1, n2 = count(got)
    # wrr's cycle is exact: 1 of every 4
    assert abs(n1 - 20) <= 2 and n1 + n2 == 80, (n1, n2)
    out = LAB.ipvsadm("-Ln").stdout
    assert "TCP  192.168.1.111:80 wrr" in out, out


def test_wlc_split():
    service("wlc", 1, 3)
    got = [b for _, b in http([(CIP, 80)] * 80)]
    n1, n2 = count(got)
    # sequential requests: closed conns count as inactive, wlc keeps
    # inactive/weight level: about a quarter
    assert 14 <= n1 <= 26, (n1, n2)


def sh_expected(src, weights=(1, 3)):
    """LVS's sh table and key, computed here: weight-long runs of buckets,
    key hash_32(ntohl(saddr), 8)."""
    table = []
    while len(table) < 256:
        for i, w in enumerate(weights):
            table += [i] * max(w, 1)
    a = [int(x) for x in src.split(".")]
    v = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]
    b = ((v * 0x61C88647) & 0xffffffff) >> 24
    return (RS1, RS2)[table[b]]


def test_sh_mapping():
    service("sh", 1, 3)
    got = http([(c, 80) for c in CLIENTS] + [(c, 80) for c in CLIENTS[:20]])
    for src, body in got:
        assert body == sh_expected(src), (src, body)
    n1, n2 = count([b for _, b in got])
    assert n1 > 0 and n2 > n1, (n1, n2)


def test_mh_consistent_and_weighted():
    service("mh", 1, 3)
    first = dict(http([(c, 80) for c in CLIENTS]))
    again = dict(http([(c, 80) for c in CLIENTS[:30]]))
    for c, body in again.items():
        assert first[c] == body, (c, first[c], body)
    n1, n2 = count(first.values())
    # 40 clients, 1:3: about 10 on RealServer1 (binomial, +-3 sigma)
    assert 2 <= n1 <= 19, (n1, n2)
    # the same table after a configuration change that keeps the dests
    LAB.ipvsadm("-E", "-t", "%s:80" % VIP, "-s", "mh", "-b", "mh-fallback")
    third = dict(http([(c, 80) for c in CLIENTS[:20]]))
    for c, body in third.items():
        assert first[c] == body, (c, first[c], body)


def test_persistence():
    service("rr", 1, 1, extra=("-p", "60"))
    got = http([(CIP, 80)] * 10 + [(CLIENTS[0], 80)] * 10)
    mine = {b for s, b in got if s == CIP}
    other = {b for s, b in got if s == CLIENTS[0]}
    # each client sticks to one server; rr gave the second client the other
    assert len(mine) == 1 and len(other) == 1 and mine != other, got
    out = LAB.ipvsadm("-Lnc").stdout
    assert re.search(r"^TCP +\d\d:\d\d +NONE +192\.168\.1\.10:0 +192\.168\.1\.111:80 +"
                     r"192\.168\.229\.13[24]:80$", out, re.M), out
    out = LAB.ipvsadm("-Ln").stdout
    assert "TCP  192.168.1.111:80 rr persistent 60" in out, out
    out = LAB.ipvsadm("-Ln", "--persistent-conn").stdout
    assert re.search(r"-> 192\.168\.229\.13[24]:80 +1 +1 ", out), out


def test_persistence_netmask_port0():
    # -M 255.255.255.0: all the lab's clients are one /24, so one server
    # for them all, on every port of the VIP (port 0 service)
    service("rr", 1, 1, extra=("-p", "60", "-M", "255.255.255.0"),
            key=("-t", "%s:0" % VIP), rport="")
    got = http([(c, 80) for c in CLIENTS[:20]])
    assert len({b for _, b in got}) == 1, got


def test_fwmark_service():
    LAB.ipvsadm("-C")
    second_vip = "192.168.1.112"
    LAB.dpip("addr", "add", second_vip + "/24", "dev", "dpdk0")
    try:
        LAB.dpip("fwmark", "add", "proto", "tcp", "dst", VIP + "/32", "dport", "80", "mark", "1")
        LAB.dpip("fwmark", "add", "proto", "tcp", "dst", second_vip, "dport", "80",
                 "mark", "1")
        LAB.dpip("fwmark", "add", "proto", "udp", "dst", VIP, "dport", "7", "mark", "1")
        # one service for two VIPs, TCP 80 and UDP 7; dests without a
        # port keep the packet's port
        service("wrr", 1, 3, key=("-f", "1"), rport="")
        got = [b for _, b in http([(CIP, 80)] * 40)]
        got += [b for _, b in http([(CIP, 80)] * 20, vip=second_vip)]
        got += udp(20)
        n1, n2 = count(got)
        assert abs(n1 - 20) <= 2 and n1 + n2 == 80, (n1, n2)
        out = LAB.dpip("fwmark", "show", "-s").stdout
        lines = out.strip().split("\n")
        assert lines[0].startswith("proto tcp dst 192.168.1.111/32 dport 80 mark 1 packets "), out
        assert int(lines[0].split()[-1]) >= 40, out
        assert lines[2].startswith("proto udp dst 192.168.1.111/32 dport 7 mark 1"), out
        out = LAB.ipvsadm("-Ln").stdout
        assert "FWM  1 wrr" in out, out
    finally:
        LAB.ipvsadm("-C")
        for rule in (["proto", "tcp", "dst", VIP, "dport", "80", "mark", "1"],
                     ["proto", "tcp", "dst", second_vip, "dport", "80", "mark", "1"],
                     ["proto", "udp", "dst", VIP, "dport", "7", "mark", "1"]):
            LAB.dpip("fwmark", "del", *rule, check=False)
        LAB.dpip("addr", "del", second_vip + "/24", "dev", "dpdk0", check=False)
    assert LAB.dpip("fwmark", "show").stdout.strip() == ""
