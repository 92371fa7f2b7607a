# SPDX-License-Identifier: BSD-3-Clause
"""DPDK's own capture tool against the daemon ([eal] pdump = yes): the
daemon runs the pdump server, dpdk-dumpcap attaches as a secondary process
with the daemon's file prefix and captures a port's frames into a pcap
file that tcpdump reads. (`dpip capture`, test_50_observe.py, needs none
of this.)
"""
import os
import re
import subprocess
import time

from lab import TOP, VIP, Lab, wait_until

LAB = Lab("lp")


def setup():
    LAB.lab("down", check=False)
    LAB.lab("up")
    LAB.wait_servers()
    src = os.path.join(TOP, "conf", "lab-nat.conf")
    conf = LAB.state + "/pdump-src.conf"
    with open(src) as f, open(conf, "w") as g:
        g.write(re.sub(r"^\[eal\]\n", "[eal]\npdump = yes\n", f.read(), flags=re.M))
    LAB.start_daemon(conf)


def prefix():
    with open(LAB.conf_path()) as f:
        return re.search(r"^file_prefix *= *(\S+)", f.read(), re.M).group(1)


def test_dumpcap_captures_a_port():
    out = LAB.state + "/dumpcap.pcap"
    if os.path.exists(out):
        os.unlink(out)
    # port 0 is dpdk0, the clients' side
    p = subprocess.Popen(["dpdk-dumpcap", "--file-prefix=" + prefix(), "-i", "0", "-f", "icmp", "-c", "4",
                          "-P", "-q", "-w", out],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # the secondary attaches within a few seconds: ping until it has
        # seen its four frames (two echo requests and their replies)
        def pinged():
            LAB.ns(LAB.ns_c, "ping", "-c", "1", "-W", "1", VIP, check=False, timeout=5)
            return p.poll() is not None
        wait_until(pinged, timeout=30, interval=0.2, what="dpdk-dumpcap to capture 4 frames")
        assert p.returncode == 0, p.stdout.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)
    r = subprocess.run(["tcpdump", "-n", "-r", out], capture_output=True, text=True, timeout=20)
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(lines) == 4, r.stdout + r.stderr
    assert any("ICMP echo request" in l and VIP in l for l in lines), r.stdout
    assert any("ICMP echo reply" in l and VIP in l for l in lines), r.stdout
