# SPDX-License-Identifier: BSD-3-Clause
"""What the Full-NAT client-address labs share (test_73, test_74): a pcap
reader, the TOA and UOA options of a captured packet, checksums computed
from scratch, the TOA-reading real server (toa_server.py) and a UDP
client."""
import os
import socket
import struct
import subprocess

from lab import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
TOA_KIND, UOA_TYPE = 254, 31


def pcap_ip_packets(path):
    """The IPv4 packets of an Ethernet pcap file (tcpdump -w), in order."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) > 34 and frame[12:14] == b"\x08\x00":
            out.append(frame[14:])
    return out


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def ip_ok(p):
    """The IPv4 header checksum and the TCP/UDP checksum (with its pseudo
    header) both right, computed from scratch."""
    ihl = (p[0] & 15) * 4
    tl, = struct.unpack("!H", p[2:4])
    l4 = p[ihl:tl]
    ph = p[12:20] + struct.pack("!BBH", 0, p[9], len(l4))
    if p[9] == 17 and l4[6:8] == b"\0\0":
        return csum(p[:ihl]) == 0xffff
    return csum(p[:ihl]) == 0xffff and csum(ph + l4) == 0xffff


def tcp_options(p):
    """[(kind, bytes)] of the TCP segment at IPv4 packet p."""
    ihl = (p[0] & 15) * 4
    t = p[ihl:]
    doff = (t[12] >> 4) * 4
    o, i, out = t[20:doff], 0, []
    while i < len(o):
        if o[i] == 0:
            break
        if o[i] == 1:
            i += 1
            continue
        n = o[i + 1]
        out.append((o[i], o[i + 2:i + n]))
        i += max(n, 2)
    return out


def toa(p):
    """(address, port) of the TOA of a TCP packet, or None."""
    for k, v in tcp_options(p):
        if k == TOA_KIND and len(v) == 6:
            return socket.inet_ntoa(v[2:6]), struct.unpack("!H", v[0:2])[0]
    return None


def uoa(p):
    """(address, port) of the UOA of an IPv4 packet, or None."""
    ihl = (p[0] & 15) * 4
    o = p[20:ihl]
    i = 0
    while i + 1 < len(o):
        if o[i] == 0:
            break
        if o[i] == 1:
            i += 1
            continue
        if o[i] == UOA_TYPE and o[i + 1] == 8:
            return socket.inet_ntoa(o[i + 4:i + 8]), struct.unpack("!H", o[i + 2:i + 4])[0]
        i += max(o[i + 1], 2)
    return None


def tcp_ports(p):
    ihl = (p[0] & 15) * 4
    return struct.unpack("!HH", p[ihl:ihl + 4])


def tcp_flags(p):
    return p[(p[0] & 15) * 4 + 13]


def tcp_payload_len(p):
    ihl = (p[0] & 15) * 4
    tl, = struct.unpack("!H", p[2:4])
    return tl - ihl - (p[ihl + 12] >> 4) * 4


def mss(p):
    for k, v in tcp_options(p):
        if k == 2 and len(v) == 2:
            return struct.unpack("!H", v)[0]
    return None


def start_toa_server(lab, ns, rip, port, seconds=300, mode="toa", udp=0):
    """toa_server.py in namespace ns on rip:port (mode toa or pp; a UDP
    port for pp), bounded; its Popen."""
    p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3",
                          os.path.join(HERE, "toa_server.py"), "--bind", rip, "--port",
                          str(port), "--seconds", str(seconds), "--mode", mode,
                          "--udp", str(udp)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert p.stdout.readline().strip() == "listening"
    return p


def stop(p):
    if p and p.poll() is None:
        p.kill()
        p.wait(timeout=10)


UDP_CLIENT = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])
for i in range(int(sys.argv[4])):
    s.sendto(b"dgram %d" % i, (sys.argv[2], int(sys.argv[3])))
    try:
        print(s.recvfrom(2048)[0].decode(errors="replace"))
    except socket.timeout:
        print("-")
'''


def udp_exchange(lab, cip, vip, port, n):
    """n datagrams "dgram I" from cip to vip:port, one at a time, each
    answer awaited (2 s at most): (client port, [answer or "-"])."""
    out = lab.ns(lab.ns_c, "/usr/bin/python3", "-c", UDP_CLIENT, cip, vip, str(port), str(n),
                 timeout=n * 2 + 20).stdout.splitlines()
    return int(out[0]), out[1:]


def udp_client(lab, cip, vip, port, n):
    """udp_exchange's (client port, answers received)."""
    cport, answers = udp_exchange(lab, cip, vip, port, n)
    return cport, sum(1 for a in answers if a != "-")


def curl(lab, url, timeout=5):
    p = lab.ns(lab.ns_c, "curl", "-s", "-m", str(timeout), url, check=False,
               timeout=timeout + 5)
    return p.stdout.strip()


def counters(lab):
    """dpip stats' client-address columns summed over the workers."""
    out = lab.dpip("stats").stdout.splitlines()
    cols = out[0].split()
    tot = {k: 0 for k in ("toa", "toa-noroom", "uoa", "uoa-noroom", "mss-clamped", "pp",
                          "pp-noroom")}
    for line in out[1:]:
        f = line.split()
        if f and f[0].isdigit() and len(f) == len(cols):
            for k in tot:
                tot[k] += int(f[cols.index(k)])
    return tot


__all__ = ["pcap_ip_packets", "ip_ok", "toa", "uoa", "mss", "tcp_ports", "tcp_flags",
           "tcp_payload_len", "start_toa_server", "stop", "udp_client", "udp_exchange", "curl",
           "counters",
           "wait_until"]
