#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""SCTP ends for the lab, on raw sockets: this kernel has no SCTP, so the
associations are built here, chunk by chunk (RFC 9260), with a CRC32c of
our own (bit-reflected 0x82F63B78, table driven) on every packet sent and
checked on every packet received. Holding a raw socket of protocol 132
also keeps the kernel from answering "protocol unreachable".

  sctp_peer.py server --name N --port P --log FILE --seconds S [--bind A]
      answers INIT with INIT-ACK (a state cookie), COOKIE-ECHO with
      COOKIE-ACK, DATA with SACK + DATA "<name>", SHUTDOWN with
      SHUTDOWN-ACK; logs one JSON line per packet it receives (source,
      ports, first chunk type, whether the CRC32c was right).
  sctp_peer.py client --vip V --vport P --count N --hold H [--base PORT]
      opens N associations from ports BASE.. one after another: INIT,
      INIT-ACK, COOKIE-ECHO, COOKIE-ACK, DATA, SACK+DATA, SACK, and closes
      all but the last H with SHUTDOWN, SHUTDOWN-ACK, SHUTDOWN-COMPLETE;
      prints one JSON line per association (the server that answered,
      whether every reply came from VIP:PORT with a right CRC32c).

Every wait is bounded (a timeout per reply, --seconds for the server).
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

PROTO = 132
DATA, INIT, INIT_ACK, SACK, SHUTDOWN, SHUTDOWN_ACK = 0, 1, 2, 3, 7, 8
COOKIE_ECHO, COOKIE_ACK, SHUTDOWN_COMPLETE = 10, 11, 14


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


TABLE = _table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def chunk(ctype, value=b"", flags=0):
    n = 4 + len(value)
    return struct.pack("!BBH", ctype, flags, n) + value + b"\0" * (-n % 4)


def packet(sport, dport, vtag, *chunks):
    body = b"".join(chunks)
    head = struct.pack("!HHI", sport, dport, vtag)
    crc = crc32c(head + b"\0\0\0\0" + body)
    return head + struct.pack("<I", crc) + body


def parse(raw):
    """(src, sport, dport, vtag, crc_ok, [(type, value)]) of an IPv4 packet."""
    ihl = (raw[0] & 0x0F) * 4
    src = socket.inet_ntoa(raw[12:16])
    s = raw[ihl:]
    if len(s) < 12:
        return None
    sport, dport, vtag = struct.unpack("!HHI", s[:8])
    crc_ok = struct.unpack("<I", s[8:12])[0] == crc32c(s[:8] + b"\0\0\0\0" + s[12:])
    chunks, p = [], 12
    while p + 4 <= len(s):
        ctype, _, n = struct.unpack("!BBH", s[p:p + 4])
        if n < 4:
            break
        chunks.append((ctype, s[p + 4:p + n]))
        p += (n + 3) & ~3
    return src, sport, dport, vtag, crc_ok, chunks


def init_value(tag, tsn):
    return struct.pack("!IIHHI", tag, 65536, 1, 1, tsn)


def data_value(tsn, payload):
    return struct.pack("!IHHI", tsn, 0, 0, 0) + payload


def server(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, PROTO)
    if args.bind:
        # DR and TUN: the packets are to the VIP (on lo), and the replies
        # must leave from it, straight to the client
        s.bind((args.bind, 0))
    s.settimeout(0.5)
    log = open(args.log, "a", buffering=1)
    peers = {}  # (addr, port) -> (their tag, my tag)
    end = time.time() + args.seconds
    while time.time() < end:
        try:
            raw, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        p = parse(raw)
        if not p or p[2] != args.port or not p[5]:
            continue
        src, sport, dport, vtag, crc_ok, chunks = p
        ctype, value = chunks[0]
        log.write(json.dumps({"src": src, "sport": sport, "dport": dport, "type": ctype,
                              "crc_ok": crc_ok, "vtag": vtag}) + "\n")
        if not crc_ok:
            continue  # as a real SCTP stack: silently discarded
        key = (src, sport)
        if ctype == INIT:
            their = struct.unpack("!I", value[:4])[0]
            mine = int.from_bytes(os.urandom(4), "big") | 1
            peers[key] = (their, mine)
            cookie = struct.pack("!HH", 7, 4 + 16) + ("cookie-%s" % args.name).encode()[:16].ljust(16, b".")
            reply = packet(args.port, sport, their, chunk(INIT_ACK, init_value(mine, 100) + cookie))
        elif key not in peers:
            continue
        elif ctype == COOKIE_ECHO:
            reply = packet(args.port, sport, peers[key][0], chunk(COOKIE_ACK))
        elif ctype == DATA:
            tsn = struct.unpack("!I", value[:4])[0]
            reply = packet(args.port, sport, peers[key][0],
                           chunk(SACK, struct.pack("!IIHH", tsn, 65536, 0, 0)),
                           chunk(DATA, data_value(100, args.name.encode()), flags=3))
        elif ctype == SHUTDOWN:
            reply = packet(args.port, sport, peers[key][0], chunk(SHUTDOWN_ACK))
        else:
            continue  # SACK, SHUTDOWN-COMPLETE: nothing to answer
        s.sendto(reply, (src, 0))


class Client:
    def __init__(self, vip, vport, timeout):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW, PROTO)
        self.vip, self.vport, self.timeout = vip, vport, timeout
        self.ok = True  # every reply from VIP:vport with a right CRC

    def send(self, cport, vtag, *chunks):
        self.s.sendto(packet(cport, self.vport, vtag, *chunks), (self.vip, 0))

    def wait(self, cport, ctype):
        """The chunks of the next packet to cport whose first chunk is
        ctype; None after the timeout."""
        end = time.time() + self.timeout
        while time.time() < end:
            self.s.settimeout(max(0.01, end - time.time()))
            try:
                raw, _ = self.s.recvfrom(65535)
            except socket.timeout:
                break
            p = parse(raw)
            if not p or p[2] != cport or not p[5]:
                continue
            src, sport, _, _, crc_ok, chunks = p
            if src != self.vip or sport != self.vport or not crc_ok:
                self.ok = False
            if chunks[0][0] == ctype:
                return chunks
        return None

    def associate(self, cport, close):
        r = {"cport": cport, "steps": []}
        mine = int.from_bytes(os.urandom(4), "big") | 1
        self.send(cport, 0, chunk(INIT, init_value(mine, 1)))
        ch = self.wait(cport, INIT_ACK)
        if not ch:
            return r
        r["steps"].append("INIT-ACK")
        value = ch[0][1]
        their = struct.unpack("!I", value[:4])[0]
        cookie = value[16 + 4:16 + 4 + 16]  # after the fixed fields and the parameter header
        self.send(cport, their, chunk(COOKIE_ECHO, cookie))
        if not self.wait(cport, COOKIE_ACK):
            return r
        r["steps"].append("COOKIE-ACK")
        self.send(cport, their, chunk(DATA, data_value(1, b"hello"), flags=3))
        ch = self.wait(cport, SACK)
        if not ch:
            return r
        r["steps"].append("SACK")
        r["server"] = next((v[12:].decode() for t, v in ch if t == DATA), None)
        self.send(cport, their, chunk(SACK, struct.pack("!IIHH", 100, 65536, 0, 0)))
        if close:
            self.send(cport, their, chunk(SHUTDOWN, struct.pack("!I", 100)))
            if not self.wait(cport, SHUTDOWN_ACK):
                return r
            r["steps"].append("SHUTDOWN-ACK")
            self.send(cport, their, chunk(SHUTDOWN_COMPLETE))
        return r


def client(args):
    c = Client(args.vip, args.vport, args.timeout)
    for i in range(args.count):
        r = c.associate(args.base + i, close=i < args.count - args.hold)
        r["replies_ok"] = c.ok
        print(json.dumps(r), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="mode", required=True)
    sv = sub.add_parser("server")
    sv.add_argument("--name", required=True)
    sv.add_argument("--port", type=int, required=True)
    sv.add_argument("--log", required=True)
    sv.add_argument("--bind", default="")
    sv.add_argument("--seconds", type=float, default=60)
    cl = sub.add_parser("client")
    cl.add_argument("--vip", required=True)
    cl.add_argument("--vport", type=int, required=True)
    cl.add_argument("--count", type=int, default=4)
    cl.add_argument("--hold", type=int, default=0)
    cl.add_argument("--base", type=int, default=40000)
    cl.add_argument("--timeout", type=float, default=3)
    args = ap.parse_args()
    server(args) if args.mode == "server" else client(args)


if __name__ == "__main__":
    sys.exit(main())
