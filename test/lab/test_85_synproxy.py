# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of the SYN proxy (issue #21 item 4) in the NAT lab: a service
with `ipvsadm --synproxy enable` (DPVS's -j) is listed and saved with it
and refused where it cannot work; curl, an upload and a bounded wrk run go
through it with no error while the counters show each handshake answered
with a cookie and spliced; a real server that refuses reaches the client
as an RST at once; and a spoofed SYN flood (raw socket, bounded) makes no
conn at all while curl keeps being served, as do ACKs with forged cookies.
"""
import os
import re
import subprocess
import time

from lab import RIP1, RIP2, VIP, Lab, wait_until

LAB = Lab("ly")

# Spoofed SYNs (or ACKs, with random sequence numbers: forged cookies) to
# VIP:80 from 192.168.1.100-199 (the client's LAN, no such hosts), random
# ports, at RATE a second (paced by 10 ms), bounded in time and count.
# Prints how many it sent.
FLOOD = r'''
import random, socket, struct, sys, time
vip, secs, limit, rate, flags = (sys.argv[1], float(sys.argv[2]), int(sys.argv[3]),
                                 int(sys.argv[4]), int(sys.argv[5]))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
d = socket.inet_aton(vip)
def csum(b):
    if len(b) % 2: b += b"\0"
    n = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    n = (n >> 16) + (n & 0xffff); n += n >> 16
    return ~n & 0xffff
start = time.time()
end, sent = start + secs, 0
while sent < limit and time.time() < end:
    if sent >= (time.time() - start) * rate:
        time.sleep(0.01)
        continue
    src = socket.inet_aton("192.168.1.%d" % random.randint(100, 199))
    sp = random.randint(1024, 65535)
    ack = random.getrandbits(32) if flags & 0x10 else 0
    tcp = struct.pack("!HHIIBBHHH", sp, 80, random.getrandbits(32), ack, 5 << 4, flags, 64240,
                      0, 0)
    c = csum(src + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, src, d)
    try:
        s.sendto(ip + tcp, (vip, 0))
        sent += 1
    except OSError:
        time.sleep(0.001)
print(sent)
'''
SYN, ACK = 0x02, 0x10


def setup():
    LAB.up(daemon=True)
    proxied(80)


def proxied(port, rport=80):
    LAB.ipvsadm("-A", "-t", "%s:%d" % (VIP, port), "-s", "rr", "--synproxy", "enable")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "-t", "%s:%d" % (VIP, port), "-r", "%s:%d" % (rip, rport), "-m")


def synp():
    """`dpip -s stats`'s synproxy counters, summed over the workers."""
    tot = {}
    for line in LAB.dpip("-s", "stats").stdout.splitlines():
        if " synproxy: " in line:
            for name, val in re.findall(r"([a-z-]+) (\d+)", line.split(":", 1)[1]):
                tot[name] = tot.get(name, 0) + int(val)
    assert tot, LAB.dpip("-s", "stats").stdout
    return tot


def conns():
    """Live conns, summed over the workers' lines of `dpip stats`."""
    out = LAB.dpip("stats").stdout
    return sum(int(l.split()[8]) for l in out.splitlines()[1:] if l.split()[0].isdigit())


def curl(url="http://%s/" % VIP, timeout=5, *extra):
    return LAB.ns(LAB.ns_c, "curl", "-s", "-m", str(timeout), *extra, url, check=False,
                  timeout=timeout + 5)


def test_listing_save_and_refusals():
    out = LAB.ipvsadm("-Ln").stdout
    assert "TCP  %s:80 rr synproxy" % VIP in out.splitlines(), out
    save = LAB.ipvsadm("-S", "-n").stdout
    assert "-A -t %s:80 -s rr --synproxy enable" % VIP in save.splitlines(), save
    # -E without the switch turns it off (as every flag of -E); -j enable
    # turns it back on
    LAB.ipvsadm("-E", "-t", "%s:80" % VIP, "-s", "rr")
    assert "TCP  %s:80 rr\n" % VIP in LAB.ipvsadm("-Ln").stdout
    LAB.ipvsadm("-E", "-t", "%s:80" % VIP, "-s", "rr", "-j", "enable")
    assert "TCP  %s:80 rr synproxy" % VIP in LAB.ipvsadm("-Ln").stdout
    # the daemon's reasons, named
    p = LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "192.168.229.135:80", "-g", check=False)
    assert p.returncode != 0 and "synproxy" in p.stderr and "-g (DR)" in p.stderr, p.stderr
    p = LAB.ipvsadm("-A", "-u", "%s:53" % VIP, "-j", "enable", check=False)
    assert p.returncode != 0 and "synproxy: only for a TCP service" in p.stderr, p.stderr
    p = LAB.ipvsadm("-A", "-t", "%s:82" % VIP, "-p", "60", "-j", "enable", check=False)
    assert p.returncode != 0 and "persistence" in p.stderr, p.stderr
    p = LAB.ipvsadm("-A", "-t", "%s:82" % VIP, "-j", "maybe", check=False)
    assert p.returncode != 0 and "enable or disable" in p.stderr, p.stderr
    p = LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP1, "-m", "-j", "enable",
                    check=False)
    assert p.returncode != 0 and "Illegal 'synproxy' option" in p.stderr, p.stderr
    # a DR real server in a plain service: the switch is then refused
    LAB.ipvsadm("-A", "-t", "%s:83" % VIP, "-s", "rr")
    try:
        LAB.ipvsadm("-a", "-t", "%s:83" % VIP, "-r", "%s:83" % RIP1, "-g")
        p = LAB.ipvsadm("-E", "-t", "%s:83" % VIP, "-s", "rr", "-j", "enable", check=False)
        assert p.returncode != 0 and "cannot splice" in p.stderr, p.stderr
    finally:
        LAB.ipvsadm("-D", "-t", "%s:83" % VIP)


def test_curl_spliced():
    before = synp()
    got = [curl().stdout.strip() for _ in range(6)]
    assert set(got) == {"I am RealServer1 %s" % RIP1, "I am RealServer2 %s" % RIP2}, got
    after = synp()
    d = {k: after[k] - before[k] for k in after}
    assert d["cookies-sent"] >= 6 and d["cookies-valid"] >= 6, d
    assert d["spliced"] == d["cookies-valid"], d
    assert d["cookies-bad"] == 0 and d["rs-refused"] == 0, d
    for port in ("dpdk0", "dpdk1"):
        LAB.fates_add_up(port)


def test_upload_through_the_splice():
    # 2 MB from the client: its segments' acks come back translated, the
    # real server counts every byte
    path = "/tmp/dpvs-lab-%s-upload" % LAB.prefix
    with open(path, "wb") as f:
        f.write(os.urandom(2 * 1024 * 1024))
    try:
        p = curl("http://%s/up" % VIP, 20, "--data-binary", "@" + path)
        assert re.match(r"I am RealServer\d \S+ got 2097152 bytes", p.stdout.strip()), \
            (p.returncode, p.stdout, p.stderr)
    finally:
        os.unlink(path)


def test_wrk_no_errors():
    before = synp()
    LAB.wrk_no_errors("http://%s/" % VIP, seconds=5, conns=8)
    d = {k: v - before[k] for k, v in synp().items()}
    # wrk keeps its 8 connections alive: each spliced once
    assert d["spliced"] >= 8 and d["spliced"] == d["cookies-valid"], d
    assert d["cookies-bad"] == 0, d


def test_real_server_refuses():
    # nothing listens on the real servers' port 81: the client learns it
    # at once (an RST), not after its timeout
    proxied(81, 81)
    try:
        before = synp()
        t0 = time.time()
        p = curl("http://%s:81/" % VIP, 8)
        # the handshake was the proxy's, so the client's connect() had
        # succeeded: the RST refuses it (7) or resets it (56), at once
        assert p.returncode in (7, 56), (p.returncode, p.stdout, p.stderr)
        assert time.time() - t0 < 4
        d = {k: v - before[k] for k, v in synp().items()}
        assert d["rs-refused"] == 1 and d["spliced"] == 0, d
    finally:
        LAB.ipvsadm("-D", "-t", "%s:81" % VIP)


def flood(secs, flags, rate=4000, limit=60000):
    return subprocess.Popen(["ip", "netns", "exec", LAB.ns_c, "/usr/bin/python3", "-c", FLOOD,
                             VIP, str(secs), str(limit), str(rate), str(flags)],
                            stdout=subprocess.PIPE, text=True)


def test_syn_flood_makes_no_conns():
    base = conns()  # the earlier tests' conns, closing (they only go)
    before = synp()
    f = flood(10, SYN)
    ok, peak = 0, 0
    try:
        wait_until(lambda: synp()["cookies-sent"] - before["cookies-sent"] > 2000, timeout=8,
                   what="the flood to reach the proxy")
        for _ in range(10):
            ok += curl(timeout=4).stdout.startswith("I am RealServer")
            peak = max(peak, conns())
    finally:
        out, _ = f.communicate(timeout=30)
    sent = int(out.strip())
    d = {k: v - before[k] for k, v in synp().items()}
    print("flood: %d SYNs sent, %d curl of 10 served, conns %d -> peak %d, %r" %
          (sent, ok, base, peak, d))
    assert ok == 10, (ok, d)
    # each answered SYN left nothing behind: the only new conns are curl's
    assert peak <= base + 10, (base, peak, d)
    # the veth and af_packet path of this shared machine loses some of
    # a flood before the daemon; what arrives is answered
    assert d["cookies-sent"] >= sent // 2, (sent, d)
    assert d["cookies-valid"] == d["spliced"] and d["spliced"] >= 10, d


def test_forged_cookies_dropped():
    before_drop = LAB.drop("synproxy-bad-cookie")
    before = synp()
    f = flood(2, ACK, rate=500, limit=500)
    out, _ = f.communicate(timeout=30)
    sent = int(out.strip())
    wait_until(lambda: synp()["cookies-bad"] - before["cookies-bad"] >= sent * 9 // 10,
               timeout=5, what="the forged ACKs to be counted")
    d = {k: v - before[k] for k, v in synp().items()}
    assert d["cookies-valid"] == 0, d
    assert LAB.drop("synproxy-bad-cookie") - before_drop == d["cookies-bad"], d
    LAB.fates_add_up("dpdk0")
