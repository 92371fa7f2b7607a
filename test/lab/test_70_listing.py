# SPDX-License-Identifier: BSD-3-Clause
"""Lab test of listings bigger than one control message (issue 19):
about 50,000 UDP connections, more than the 38,836 entries a 4 MiB
message holds, made by datagrams from many client ports through a NAT
service of a two-worker daemon (conf/lab-nat-2workers.conf), so the
listing goes page by page through both workers' tables. `ipvsadm -Lnc`
must print every one of them, once, in ipvsadm 1.31's format, and exit 0:
as many rows as `dpip stats` counts connections.
"""
import os
import re
import time

from lab import RIP1, TOP, VIP, Lab, wait_until

LAB = Lab("ll")
CONF = os.path.join(TOP, "conf", "lab-nat-2workers.conf")
# several client addresses: a worker owns the conns of the clients whose
# address hashes to it, so both workers get some
CLIENTS = ["192.168.1.%d" % i for i in range(20, 28)]
PORTS = range(1024, 1024 + 6250)  # 8 x 6,250 = 50,000 conns
ONE_MESSAGE = (4 << 20) // 108     # dpvs_conn entries one reply holds
PORT = 9                           # nothing listens there: no answers to carry

# UDP datagrams from every client address and port to VIP:9, over a raw
# socket (one socket per source port would be 50,000 sockets), paced in
# bursts the daemon's af_packet ring holds.
SENDER = r'''
import socket, struct, sys, time
vip, dport = sys.argv[1], int(sys.argv[2])
p0, p1 = int(sys.argv[3]), int(sys.argv[4])
clients = sys.argv[5:]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
d = socket.inet_aton(vip)
payload = b"list"
n = 0
for c in clients:
    src = socket.inet_aton(c)
    for sport in range(p0, p1):
        ulen = 8 + len(payload)
        u = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
        ck = csum(src + d + struct.pack("!BBH", 0, 17, ulen) + u) or 0xffff
        u = u[:6] + struct.pack("!H", ck) + u[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0, 64, 17, 0, src, d)
        s.sendto(ip + u, (vip, 0))
        n += 1
        if n % 200 == 0:
            time.sleep(0.002)
print(n)
'''


def setup():
    LAB.up(daemon=True, conf=CONF)
    for a in CLIENTS:
        LAB.ns(LAB.ns_c, "ip", "addr", "add", a + "/24", "dev", "c0")
    LAB.ipvsadm("--set", "0", "0", "600")  # UDP conns outlive the test
    LAB.ipvsadm("-A", "-u", "%s:%d" % (VIP, PORT), "-s", "rr")
    LAB.ipvsadm("-a", "-u", "%s:%d" % (VIP, PORT), "-r", "%s:%d" % (RIP1, PORT), "-m")


def conns():
    """(total, [per worker]) from `dpip stats`."""
    out = LAB.dpip("stats").stdout
    per = [int(f[8]) for f in (l.split() for l in out.splitlines())
           if len(f) >= 14 and f[0].isdigit()]
    return sum(per), per


def send_all():
    LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", SENDER, VIP, str(PORT), str(PORTS[0]),
           str(PORTS[-1] + 1), *CLIENTS, timeout=240)


def settled():
    """The conn count once it stops growing (the daemon has taken in
    what was sent)."""
    last = [-1]

    def same():
        n = conns()[0]
        done, last[0] = n == last[0], n
        return done and n
    return wait_until(same, timeout=30, interval=1.0, what="the conn count to settle")


# "%-3s %-6s %-11s %-18s %-18s %s" as ipvsadm 1.31 prints a conn
TITLE = "pro expire %-11s %-18s %-18s %s" % ("state", "source", "virtual", "destination")
ROW = re.compile(r"^UDP (\d\d:\d\d)  UDP {9}(192\.168\.1\.\d+:\d+) +"
                 r"192\.168\.1\.111:9 +192\.168\.229\.132:9$")


def test_conn_listing_bigger_than_a_message():
    want = len(CLIENTS) * len(PORTS)
    # a datagram the ring had no room for is sent again with the next
    # round (an existing conn is only refreshed): at most three rounds
    for _ in range(3):
        send_all()
        total = settled()
        if total >= want:
            break
    total, per = conns()
    assert total > ONE_MESSAGE, "only %d conns (%r): not more than one message" % (total, per)
    assert all(per), "a worker without conns: %r" % per

    t0 = time.time()
    p = LAB.ipvsadm("-Lnc", check=False)
    took = time.time() - t0
    assert p.returncode == 0, (p.returncode, p.stderr)
    assert p.stderr == "", p.stderr
    lines = p.stdout.split("\n")
    assert lines[-1] == "", "no newline at the end"
    lines = lines[:-1]
    assert lines[0] == "IPVS connection entries", lines[:2]
    assert lines[1] == TITLE, lines[1]
    rows = lines[2:]
    after = conns()[0]
    assert len(rows) == total == after, "listed %d rows, the daemon counts %d (then %d)" % (
        len(rows), total, after)
    clients = set()
    for r in rows:
        m = ROW.match(r)
        assert m, "row not in ipvsadm's format: %r" % r
        clients.add(m.group(2))
    assert len(clients) == len(rows), "%d rows listed twice" % (len(rows) - len(clients))
    print("ipvsadm -Lnc: %d conns (workers %r) listed in %.2f s" % (len(rows), per, took))
