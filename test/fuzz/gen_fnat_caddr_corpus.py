#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of fuzz_fnat_caddr (test/fuzz/corpus/fnat_caddr/):
one byte of choices (see fuzz_fnat_caddr.c: bit 0 UDP, bits 1-2 the
rewrite, bit 3 MTU 1500, bits 5-7 the PROXY header's length, bit 6 little
headroom), then an IPv4 packet with every checksum right.

    test/fuzz/gen_fnat_caddr_corpus.py [DIR]
"""
import os
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pkt(proto, opts=b"", payload=b"", ihl=5):
    src, dst = socket.inet_aton("172.16.0.5"), socket.inet_aton("10.0.0.1")
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", 40000, 80, 1000, 2000, ((20 + len(opts)) // 4) << 4,
                         0x12, 65535, 0, 0) + opts + payload
    else:
        l4 = struct.pack("!HHHH", 5000, 53, 8 + len(payload), 0) + payload
    tl = ihl * 4 + len(l4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl, 1, 0x4000, 64, proto, 0, src,
                     dst) + b"\x01" * (ihl * 4 - 20)
    ip = ip[:10] + struct.pack("!H", 0xffff - csum(ip)) + ip[12:]
    c = 0xffff - csum(src + dst + struct.pack("!BBH", 0, proto, len(l4)) + l4)
    off = 16 if proto == 6 else 6
    return ip + l4[:off] + struct.pack("!H", c or 0xffff) + l4[off + 2:]


SYN = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
SEEDS = {
    "toa_syn": (0x08, pkt(6, SYN)),
    "mss_syn": (0x0a, pkt(6, SYN)),
    "pp_tcp": (0x2c, pkt(6, b"", b"GET / HTTP/1.1\r\n\r\n")),
    "pp_tcp_odd": (0xac, pkt(6, b"", b"abc")),
    "uoa": (0x09, pkt(17, b"", b"hello")),
    "pp_udp": (0x2d, pkt(17, b"", b"x" * 30)),
    "uoa_ihl13": (0x09, pkt(17, b"", b"y", 13)),
    "toa_full": (0x08, pkt(6, b"\x01" * 40)),
}

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "fnat_caddr")
    os.makedirs(out, exist_ok=True)
    for name, (op, p) in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([op]) + p)
