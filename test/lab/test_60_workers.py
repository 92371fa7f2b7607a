# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests with two workers (issue 15): the LVS guide's NAT example on a
daemon whose ports are each read through two af_packet queues, one per
worker (conf/lab-nat-2workers.conf). The kernel's fanout puts a flow's
packets on either queue, so requests and replies keep arriving at the
worker that does not own their connection; it hands them over. Thirty
client addresses make both workers own connections. Every request must
get its answer, the handovers must show in `dpip stats`, and every
received frame must still have exactly one fate.
"""
import os
import re

from lab import RIP1, RIP2, TOP, VIP, Lab, wait_until

LAB = Lab("lw")
CONF = os.path.join(TOP, "conf", "lab-nat-2workers.conf")
CLIENTS = ["192.168.1.%d" % i for i in range(20, 50)]


def setup():
    LAB.up(daemon=True, conf=CONF)
    for a in CLIENTS:
        LAB.ns(LAB.ns_c, "ip", "addr", "add", a + "/24", "dev", "c0")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP, "-s", "rr")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % rip, "-m")
    LAB.ipvsadm("-A", "-u", "%s:7" % VIP, "-s", "rr")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "-u", "%s:7" % VIP, "-r", "%s:7" % rip, "-m")


def workers():
    """`dpip stats` rows: [{lcore, packets, conns, redir-out, redir-in, redir-drop}]."""
    out = LAB.dpip("stats").stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 14 and f[0].isdigit():
            rows.append(dict(lcore=int(f[0]), packets=int(f[4]), conns=int(f[8]),
                             redir_out=int(f[11]), redir_in=int(f[12]),
                             redir_drop=int(f[13])))
    return rows


def test_every_request_answered_across_workers():
    before = workers()
    assert len(before) == 2, before
    lines = LAB.clients_fetch(VIP, CLIENTS, 2)
    bad = [l for l in lines if not l.startswith("OK ")]
    assert len(lines) == 2 * 2 * len(CLIENTS) and not bad, (len(lines), bad[:10])
    # both real servers answered, over both protocols
    for rip in (RIP1, RIP2):
        assert any(l.startswith("OK http") and rip in l for l in lines), lines[:6]
        assert any(l.startswith("OK udp") and rip in l for l in lines), lines[:6]
    after = workers()
    # both workers own connections (the clients' UDP conns live on)
    assert all(w["conns"] > 0 for w in after), after
    # packets changed worker in both directions, none was lost doing so
    moved_out = [a["redir_out"] - b["redir_out"] for a, b in zip(after, before)]
    moved_in = [a["redir_in"] - b["redir_in"] for a, b in zip(after, before)]
    assert all(m > 0 for m in moved_out) and all(m > 0 for m in moved_in), (before, after)
    assert sum(moved_out) == sum(moved_in), (moved_out, moved_in)
    assert all(w["redir_drop"] == 0 for w in after), after
    assert LAB.drop("stray-reply", "dpdk1") == 0 and LAB.drop("stray-reply", "dpdk0") == 0


def test_rss_by_address_falls_back_in_software():
    # conf: rss = client / server; af_packet cannot hash one address, the
    # daemon says so for each port and steers in software (the test above)
    log = LAB.daemon_log()
    for port, side in (("dpdk0", "client"), ("dpdk1", "server")):
        assert ("port %s: rss = %s: it cannot hash one address alone" % (port, side)) in log, log


def test_connections_listed_from_both_workers():
    out = LAB.ipvsadm("-Lnc").stdout
    owners = set(re.findall(r"^\S+\s+\S+\s+\S+\s+(\d+\.\d+\.\d+\.\d+):\d+", out, re.M))
    # every client's conns are there, whichever worker holds them
    assert len(owners & set(CLIENTS)) == len(CLIENTS), out[:2000]


def test_fates_add_up_per_port():
    for port in ("dpdk0", "dpdk1"):
        c = LAB.link_counters(port)
        rx = c.get("packets", 0)  # RX: packets N is the first "packets"
        fates = (c.get("forwarded", 0) + c.get("arp-replied", 0) +
                 c.get("icmp-echo-replied", 0) + c.get("to-kernel", 0) + c.get("dropped", 0))
        assert rx == fates, (port, rx, fates, c)


def test_wrk_no_errors_two_workers():
    LAB.wrk_no_errors("http://%s/" % VIP, threads=2, conns=16)
    assert all(w["redir_drop"] == 0 for w in workers())


# One datagram per (client address, source port): every one a new
# connection, scheduled by the worker that owns its client.
SPLIT = r'''
import socket, sys
vip, per = sys.argv[1], int(sys.argv[2])
for a in sys.argv[3:]:
    for i in range(per):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((a, 0))
        u.settimeout(3)
        u.sendto(b"x", (vip, 8007))
        try:
            print(u.recvfrom(1000)[0].decode())
        except Exception as e:
            print("BAD %r" % e)
        u.close()
'''


def test_weighted_split_with_per_worker_state():
    # wrr 1:3 on a UDP service; each worker keeps its own wrr cursor, the
    # split over both must still be about 1:3
    LAB.ipvsadm("-A", "-u", "%s:8007" % VIP, "-s", "wrr")
    LAB.ipvsadm("-a", "-u", "%s:8007" % VIP, "-r", "%s:7" % RIP1, "-m", "-w", "1")
    LAB.ipvsadm("-a", "-u", "%s:8007" % VIP, "-r", "%s:7" % RIP2, "-m", "-w", "3")
    try:
        p = LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", SPLIT, VIP, "8", *CLIENTS, timeout=240)
        got = p.stdout.split("\n")
        got = [g for g in got if g]
        assert len(got) == 8 * len(CLIENTS) and not [g for g in got if g.startswith("BAD")], got[:5]
        n1 = sum(1 for g in got if RIP1 in g)
        n2 = sum(1 for g in got if RIP2 in g)
        assert n1 + n2 == len(got), got[:5]
        # 240 new conns: 60 / 180 exactly with one worker; each of two
        # workers may be off by its last unfinished round of 4
        assert abs(n1 - len(got) / 4) <= 4, (n1, n2)
        conns = [w["conns"] for w in workers()]
        assert all(c > 0 for c in conns), conns
    finally:
        LAB.ipvsadm("-D", "-u", "%s:8007" % VIP)
