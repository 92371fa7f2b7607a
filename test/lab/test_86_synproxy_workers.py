# SPDX-License-Identifier: BSD-3-Clause
"""Lab test of the SYN proxy with Full-NAT on two workers (issue 21 item
4): the NAT lab on conf/lab-nat-2workers.conf (two af_packet queues per
port, the kernel's fanout spreading flows over them), a TCP service with
--synproxy enable and --fullnat real servers. A client's SYN is answered
by whichever worker gets it (no state), the conn is made by the worker
that gets the good ACK, with a local port of its own share, so the real
server's SYN-ACK and every later reply are steered to the worker that
holds the splice. The fanout hashes each flow's 4-tuple, not the
client's address alone, so about half of the SYNs land on the worker
that does not own their client: that worker answers them itself
(synproxy-local), without the ring, and their ACKs go to the owner,
which opens the conn on the cookie the other worker made (one key for
all). Thirty client addresses: every request answered with
the LIP as the real server's peer, local ports of both shares, every
handshake spliced, no stray reply, the fates add up.
"""
import os
import re

from lab import RIP1, RIP2, TOP, VIP, Lab

LAB = Lab("lw")
CONF = os.path.join(TOP, "conf", "lab-nat-2workers.conf")
CLIENTS = ["192.168.1.%d" % i for i in range(20, 50)]
LIP = "192.168.229.140"


def setup():
    LAB.up(daemon=True, conf=CONF)
    for a in CLIENTS:
        LAB.ns(LAB.ns_c, "ip", "addr", "add", a + "/24", "dev", "c0")
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk1")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP, "-s", "rr", "--synproxy", "enable")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % rip, "--fullnat")
    LAB.ipvsadm("-P", "-z", LIP, "-t", "%s:80" % VIP)


def synp():
    """`dpip -s stats`'s synproxy counters, per worker."""
    rows = []
    for line in LAB.dpip("-s", "stats").stdout.splitlines():
        if " synproxy: " in line:
            rows.append({k: int(v) for k, v in
                         re.findall(r"([a-z-]+) (\d+)", line.split(":", 1)[1])})
    return rows


def test_spliced_across_workers():
    lines = LAB.clients_fetch(VIP, CLIENTS, 2, path="/peer", must=" peer %s:" % LIP,
                              udp=False)
    bad = [l for l in lines if not l.startswith("OK ")]
    assert len(lines) == 2 * len(CLIENTS) and not bad, (len(lines), bad[:10])
    for rip in (RIP1, RIP2):
        assert any(rip in l for l in lines), lines[:6]
    # conns made by both workers: local ports of both shares
    lports = [int(l.split(":")[-1]) for l in lines]
    assert {p % 2 for p in lports} == {0, 1}, lports
    rows = synp()
    assert len(rows) == 2, rows
    assert sum(r["spliced"] for r in rows) == sum(r["cookies-valid"] for r in rows) \
        >= 2 * len(CLIENTS), rows
    # each worker spliced the conns it made: the real servers' SYN-ACKs
    # reached the conns' owners
    assert all(r["spliced"] == r["cookies-valid"] > 0 for r in rows), rows
    assert sum(r["cookies-bad"] for r in rows) == 0, rows
    # SYNs answered where they landed: the 4-tuple spread puts some on
    # the other worker (60 SYNs, each even odds: none is 2^-60)
    assert sum(r["synproxy-local"] for r in rows) > 0, rows
    print("synproxy: %r, absorbed %d" % (rows, LAB.drop("synproxy-absorbed")))
    for port in ("dpdk0", "dpdk1"):
        assert LAB.drop("stray-reply", port) == 0
        assert LAB.drop("fnat-no-port", port) == 0
        LAB.fates_add_up(port)
