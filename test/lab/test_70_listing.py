# SPDX-License-Identifier: BSD-3-Clause
"""Lab test of listings bigger than one control message (issue 19):
about 50,000 UDP connections, more than the 38,836 entries a 4 MiB
message holds, made by datagrams from many client ports through a NAT
service of a two-worker daemon (conf/lab-nat-2workers.conf), so the
listing goes page by page through both workers' tables. `ipvsadm -Lnc`
must print every one of them, once, in ipvsadm 1.31's format, and exit 0:
as many rows as `dpip stats` counts connections. And a listing that
stops early (the daemon hangs up, or answers a page that does not move
on) is printed as far as it came, said to be incomplete on stderr, and
ipvsadm exits 1.
"""
import os
import re
import socket
import struct
import tempfile
import threading
import time

from lab import BUILD, RIP1, TOP, VIP, Lab, run, wait_until

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


# ---- a listing that stops early, against a daemon of our own making ----
#
# Not the lab: a socket that answers as a dpvs would, page 1 of the conn
# list and then, for page 2, whatever `second` says (hang up, or a page
# whose cursor does not move on). ipvsadm must print what it got, say on
# stderr that the listing is incomplete and exit 1.

HDR = struct.Struct("<IHHIIiI")  # magic version type len seq status flags
PING, CONN_LIST, F_PAGE = 1, 71, 0x4


def conn(cport):
    """A struct dpvs_conn: UDP 10.0.0.9:cport -> 10.0.0.1:53 -> 10.1.0.2:53."""
    a = lambda s: socket.inet_aton(s) + bytes(12)
    return (struct.pack("<HH", socket.AF_INET, 17) + a("10.0.0.9") + a("10.0.0.1") +
            a("10.1.0.2") + bytes(16) + struct.pack("!HHHH", cport, 53, 53, 0) +
            struct.pack("<II", 0, 0) + b"UDP".ljust(16, b"\0") + struct.pack("<II", 300, 1))


def fake_daemon(path, second):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    srv.settimeout(10)

    def serve():
        try:
            for _ in range(3):  # PING, page 1, page 2
                c, _ = srv.accept()
                with c:
                    h = c.recv(HDR.size, socket.MSG_WAITALL)
                    magic, ver, typ, ln, seq, _st, flags = HDR.unpack(h)
                    q = c.recv(ln, socket.MSG_WAITALL) if ln else b""
                    if typ == PING:
                        body = bytes(56)
                    else:
                        assert typ == CONN_LIST and flags & F_PAGE, (typ, flags)
                        cursor = struct.unpack("<IIII", q)[1:]
                        if cursor == (0, 0, 0):
                            page = (0, 5, 0, 1)
                        elif second == "hang up":
                            return
                        else:  # the same cursor again: a listing without end
                            page = (0, 5, 0, 1)
                        body = (struct.pack("<IIII", *page) + struct.pack("<II", 2, 108) +
                                conn(1000) + conn(1001))
                    c.sendall(HDR.pack(magic, ver, typ, len(body), seq, 0, flags) + body)
        except OSError:
            pass
        finally:
            srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def listing_cut(second):
    d = tempfile.mkdtemp(prefix="dpvs-cut-")
    path = os.path.join(d, "s")
    try:
        t = fake_daemon(path, second)
        p = run([os.path.join(BUILD, "tools", "ipvsadm", "ipvsadm"), "-Lnc"], check=False,
                timeout=60, env=dict(os.environ, DPVS_SOCK=path))
        t.join(timeout=15)
        return p
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(d)


def test_listing_cut_says_so():
    for second, why in (("hang up", ""), ("same cursor", "does not advance")):
        p = listing_cut(second)
        assert p.returncode == 1, (second, p.returncode, p.stdout, p.stderr)
        rows = p.stdout.splitlines()
        assert rows[:2] == ["IPVS connection entries", TITLE], (second, rows)
        assert len(rows) == 4 and all("10.0.0.9:100" in r for r in rows[2:]), (second, rows)
        assert "connection list incomplete: 2 entries listed" in p.stderr, (second, p.stderr)
        assert why in p.stderr, (second, p.stderr)
