# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of Full-NAT with two workers (issue 16 item 3): the NAT lab on
conf/lab-nat-2workers.conf (two af_packet queues per port, one per worker:
the kernel's fanout puts packets on either). A Full-NAT conn's replies
come to LIP:lport; steering sends them to the worker whose share of local
ports holds lport, the worker that made the conn. Thirty client addresses
over HTTP and UDP: every request answered, no stray reply, no handover
lost, the fates add up.
"""
import os

from lab import RIP1, RIP2, TOP, VIP, Lab

LAB = Lab("lv")
CONF = os.path.join(TOP, "conf", "lab-nat-2workers.conf")
CLIENTS = ["192.168.1.%d" % i for i in range(20, 50)]
LIP = "192.168.229.140"


def setup():
    LAB.up(daemon=True, conf=CONF)
    for a in CLIENTS:
        LAB.ns(LAB.ns_c, "ip", "addr", "add", a + "/24", "dev", "c0")
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk1")
    for proto, port in (("-t", 80), ("-u", 7)):
        LAB.ipvsadm("-A", proto, "%s:%d" % (VIP, port), "-s", "rr")
        for rip in (RIP1, RIP2):
            LAB.ipvsadm("-a", proto, "%s:%d" % (VIP, port), "-r", "%s:%d" % (rip, port),
                        "--fullnat")
        LAB.ipvsadm("-P", "-z", LIP, proto, "%s:%d" % (VIP, port))


def worker_conns():
    """Live conns per worker, from `dpip stats`."""
    rows = []
    for line in LAB.dpip("stats").stdout.splitlines():
        f = line.split()
        if len(f) >= 14 and f[0].isdigit():
            rows.append(int(f[8]))
    return rows


def test_every_request_answered_across_workers():
    # the real servers must name the LIP as the connection's peer
    lines = LAB.clients_fetch(VIP, CLIENTS, 2, path="/peer", must=" peer %s:" % LIP)
    bad = [l for l in lines if not l.startswith("OK ")]
    assert len(lines) == 2 * 2 * len(CLIENTS) and not bad, (len(lines), bad[:10])
    for rip in (RIP1, RIP2):
        assert any(l.startswith("OK http") and rip in l for l in lines), lines[:6]
    # both workers made conns (the UDP ones live on): local ports of both shares
    conns_per_worker = worker_conns()
    assert len(conns_per_worker) == 2 and all(c > 0 for c in conns_per_worker), \
        conns_per_worker
    lports = [int(l.split(":")[-1]) for l in lines if l.startswith("OK http")]
    assert {p % 2 for p in lports} == {0, 1}, lports
    conns = LAB.ipvsadm("-G", "-t", "%s:80" % VIP).stdout.splitlines()
    assert conns[2].split()[0] == LIP and int(conns[2].split()[1]) == 0, conns
    for port in ("dpdk0", "dpdk1"):
        assert LAB.drop("stray-reply", port) == 0
        assert LAB.drop("fnat-no-port", port) == 0
        assert LAB.drop("redirect-full", port) == 0
        LAB.fates_add_up(port)
