#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Client flows for the ECMP lab (test_92_ecmp.py), run in the client
namespace: long-lived TCP connections and UDP flows to the VIP from many
source addresses, each flow a fixed (address, port), all in one
single-threaded loop (the machine has 2 CPUs to share).

  * TCP: each connection sends an HTTP/1.1 GET every --tcp-interval
    seconds on the same connection (keep-alive) and reads the answer
    ("I am RealServerN ..."). A connection that is reset or closed is
    dead from then on (never reopened): that is what the test looks for.
    An answer that takes long (a director died, the router has not yet
    withdrawn it) is a stall, measured, not an error.
  * UDP: each flow's socket sends a datagram every --udp-interval
    seconds and reads the echo ("I am RealServerN ...: ping").

Every change of real server of a flow is recorded with its time
(time.time(), the same clock as the test's). The loop ends when the file
--stop exists or after --max-seconds; it then writes --out (JSON):

  {"tcp": [{"flow": "A:P", "changes": [[t, rs], ...], "answers": N,
            "dead": null | "reset ..." , "max_wait": S, "last": t}, ...],
   "udp": [{"flow": "A:P", "changes": [[t, rs], ...], "answers": N,
            "sent": N, "last": t}, ...]}

While it runs it rewrites --progress (the same JSON) about every second,
so the test can see that every flow answers before it changes anything.
"""
import argparse
import errno
import json
import os
import selectors
import socket
import time

REQ = b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"


def rs_of(text):
    """'I am RealServer2 10.98.0.22' -> 'RealServer2'."""
    for word in text.split():
        if word.startswith("RealServer"):
            return word.rstrip(":")
    return None


class Flow:
    def __init__(self, sock, proto):
        self.sock = sock
        self.proto = proto
        a, p = sock.getsockname()
        self.name = "%s:%d" % (a, p)
        self.changes = []
        self.answers = 0
        self.sent = 0
        self.dead = None
        self.max_wait = 0.0
        self.last = None
        self.sent_at = None
        self.next_at = 0.0
        self.buf = b""

    def answered(self, now, rs):
        self.answers += 1
        self.last = now
        if not self.changes or self.changes[-1][1] != rs:
            self.changes.append([now, rs])

    def report(self):
        r = {"flow": self.name, "changes": self.changes, "answers": self.answers,
             "last": self.last}
        if self.proto == "tcp":
            r.update(dead=self.dead, max_wait=round(self.max_wait, 3))
        else:
            r["sent"] = self.sent
        return r


def http_answer(buf):
    """(body, rest) once buf holds a whole answer, else (None, buf)."""
    head, sep, rest = buf.partition(b"\r\n\r\n")
    if not sep:
        return None, buf
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if len(rest) < length:
        return None, buf
    return rest[:length].decode(errors="replace"), rest[length:]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vip", required=True)
    ap.add_argument("--clients", required=True, help="first client address, e.g. 10.99.0.10")
    ap.add_argument("--nclients", type=int, default=40)
    ap.add_argument("--tcp", type=int, default=20, help="long-lived TCP connections")
    ap.add_argument("--udp", type=int, default=120, help="UDP flows")
    ap.add_argument("--tcp-interval", type=float, default=0.1)
    ap.add_argument("--udp-interval", type=float, default=0.3)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--stop", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--progress", required=True)
    args = ap.parse_args()

    base = args.clients.rsplit(".", 1)
    addrs = ["%s.%d" % (base[0], int(base[1]) + i) for i in range(args.nclients)]
    sel = selectors.DefaultSelector()
    tcp, udp = [], []
    for i in range(args.tcp):
        s = socket.create_connection((args.vip, 80), timeout=10,
                                     source_address=(addrs[i % len(addrs)], 0))
        s.setblocking(False)
        f = Flow(s, "tcp")
        f.next_at = time.time() + i * args.tcp_interval / max(args.tcp, 1)
        tcp.append(f)
        sel.register(s, selectors.EVENT_READ, f)
    for i in range(args.udp):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addrs[i % len(addrs)], 0))
        s.setblocking(False)
        f = Flow(s, "udp")
        f.next_at = time.time() + i * args.udp_interval / max(args.udp, 1)
        udp.append(f)
        sel.register(s, selectors.EVENT_READ, f)

    def dump(path):
        tmp = path + ".tmp"
        with open(tmp, "w") as out:
            json.dump({"tcp": [f.report() for f in tcp], "udp": [f.report() for f in udp]}, out)
        os.replace(tmp, path)

    end = time.time() + args.max_seconds
    next_dump = 0.0
    while time.time() < end and not os.path.exists(args.stop):
        now = time.time()
        for f in tcp:
            if f.dead:
                continue
            if f.sent_at is not None:
                f.max_wait = max(f.max_wait, now - f.sent_at)
            elif now >= f.next_at:
                try:
                    f.sock.send(REQ)
                    f.sent += 1
                    f.sent_at = now
                except OSError as e:
                    f.dead = "send: %s at %.3f" % (errno.errorcode.get(e.errno, e), now)
        for f in udp:
            if now >= f.next_at:
                try:
                    f.sock.sendto(b"ping", (args.vip, 7))
                    f.sent += 1
                except OSError:
                    pass  # a route being replaced: counted as not answered
                f.next_at = now + args.udp_interval
        for key, _ in sel.select(timeout=0.02):
            f = key.data
            now = time.time()
            if f.proto == "udp":
                try:
                    data, peer = f.sock.recvfrom(2048)
                except OSError:
                    continue
                if peer == (args.vip, 7):
                    f.answered(now, rs_of(data.decode(errors="replace")))
                continue
            try:
                data = f.sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError as e:
                f.dead = "reset: %s at %.3f" % (errno.errorcode.get(e.errno, e), now)
                sel.unregister(f.sock)
                continue
            if not data:
                f.dead = "closed by the peer at %.3f" % now
                sel.unregister(f.sock)
                continue
            f.buf += data
            body, f.buf = http_answer(f.buf)
            if body is not None and f.sent_at is not None:
                f.max_wait = max(f.max_wait, now - f.sent_at)
                f.answered(now, rs_of(body))
                f.sent_at = None
                f.next_at = now + args.tcp_interval
        if time.time() >= next_dump:
            dump(args.progress)
            next_dump = time.time() + 1.0
    dump(args.out)


if __name__ == "__main__":
    main()
