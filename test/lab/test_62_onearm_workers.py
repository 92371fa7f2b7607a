# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of one arm with two workers (issue 15 item 4): the DR lab's
topology (scripts/lab.sh up --mode dr) on conf/lab-onearm-2workers.conf,
one port read through two af_packet queues, one per worker. Client and
real servers are behind the same port. In DR only the requests pass the
director (owned by their source, the client); in Full-NAT the real
servers' answers come back on the same port to LIP:lport (owned by the
worker whose share of local ports holds lport). Thirty client addresses
make both workers own connections and the kernel's fanout keeps putting
packets on the worker that does not own them: every request must be
answered, the handovers must show and none be lost, and every received
frame must have exactly one fate.
"""
import os
import re

from lab import RIP1, RIP2, TOP, VIP_LAN, Lab

LAB = Lab("lq")
CONF = os.path.join(TOP, "conf", "lab-onearm-2workers.conf")
CLIENTS = ["192.168.1.%d" % i for i in range(20, 50)]
LIP = "192.168.229.140"



def setup():
    LAB.up(daemon=True, conf=CONF, mode="dr")
    for a in CLIENTS:
        LAB.ns(LAB.ns_c, "ip", "addr", "add", a + "/24", "dev", "c0")
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk0")


def workers():
    """`dpip stats` rows: [{lcore, conns, redir-out, redir-in, redir-drop}]."""
    rows = []
    for line in LAB.dpip("stats").stdout.splitlines():
        f = line.split()
        if len(f) >= 14 and f[0].isdigit():
            rows.append(dict(lcore=int(f[0]), conns=int(f[8]), redir_out=int(f[11]),
                             redir_in=int(f[12]), redir_drop=int(f[13])))
    return rows


def fetch(rounds):
    # HTTP only: in the DR lab the real servers' UDP echo is bound to
    # their own address, not to the VIP they hold on lo
    return LAB.clients_fetch(VIP_LAN, CLIENTS, rounds, path="/peer", udp=False)


def service(method):
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP_LAN, "-s", "rr")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "-t", "%s:80" % VIP_LAN, "-r", "%s:80" % rip, method)
    if method == "--fullnat":
        LAB.ipvsadm("-P", "-z", LIP, "-t", "%s:80" % VIP_LAN)


def run_round(method, peer_re):
    service(method)
    before = workers()
    assert len(before) == 2, before
    lines = fetch(2)
    bad = [l for l in lines if not l.startswith("OK ")]
    assert len(lines) == 2 * len(CLIENTS) and not bad, (len(lines), bad[:10])
    # both real servers answered; each saw the peer this mode shows it
    for rip in (RIP1, RIP2):
        assert any(rip in l for l in lines), lines[:6]
    for l in lines:
        assert re.search(peer_re, l), l
    after = workers()
    # both workers own connections (TIME_WAIT conns live on for a while)
    assert all(w["conns"] > 0 for w in after), after
    # frames changed worker, none was lost doing so; each handed-over
    # frame was taken in by the other worker
    moved_out = [a["redir_out"] - b["redir_out"] for a, b in zip(after, before)]
    moved_in = [a["redir_in"] - b["redir_in"] for a, b in zip(after, before)]
    assert sum(moved_out) > 0, (before, after)
    assert sum(moved_out) == sum(moved_in), (moved_out, moved_in)
    assert moved_out[0] == moved_in[1] and moved_out[1] == moved_in[0], (moved_out, moved_in)
    assert all(w["redir_drop"] == 0 for w in after), after
    assert LAB.drop("stray-reply", "dpdk0") == 0
    LAB.fates_add_up("dpdk0")
    return lines


def test_dr_one_arm_two_workers():
    # DR: the real server sees the client itself
    run_round("-g", r"peer 192\.168\.1\.\d+:\d+$")


def test_fullnat_one_arm_two_workers():
    # Full-NAT: the real server sees the LIP; its answers come back to the
    # one port and must find the worker that made the conn
    run_round("--fullnat", r"peer %s:\d+$" % re.escape(LIP))
    LAB.wrk_no_errors("http://%s/" % VIP_LAN, seconds=5)
    assert all(w["redir_drop"] == 0 for w in workers())
    assert LAB.drop("stray-reply", "dpdk0") == 0
    LAB.fates_add_up("dpdk0")
