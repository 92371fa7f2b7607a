#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ctl_starve.py: can misbehaving control clients lock operators out?
A benchmark, not a test (the unit test test_ctl_server's test_no_lockout
is the scaled-down check): it prints figures and asserts nothing.

  1. starts a dpvs of its own (net_ring ports, test/lab/daemon.py);
  2. opens IDLE connections that never send a byte and DRIP connections
     that send one byte of a header every DRIP_EVERY seconds (reopened
     when the daemon closes them at its whole-message deadline);
  3. for SECONDS, runs `ipvsadm -Ln` every 0.2 s and times it;
  4. prints how many answered, median and slowest time, and the
     daemon's closes (from its log), then stops everything.

Usage: test/bench/ctl_starve.py [--idle 10000] [--drip 100] [--seconds 15]
  DPVS_BUILD=build  where dpvs and ipvsadm are
"""
import argparse
import os
import resource
import socket
import statistics
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
from daemon import Daemon  # noqa: E402

HDR = struct.pack("<IHHIIiI", 0x53565044, 2, 1, 0, 1, 0, 0)  # a PING header


def connect(path):
    # a full backlog says EAGAIN until the daemon accepts: retry, bounded
    for _ in range(10000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            time.sleep(0.001)
    raise RuntimeError("the daemon accepts nothing on " + path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--drip", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--drip-every", type=float, default=1.0)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = a.idle + a.drip + 256
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, need)), hard))
    d = Daemon("starve")
    idle, drip = [], []
    times, failed = [], 0
    try:
        d.start()
        t0 = time.time()
        for _ in range(a.idle):
            idle.append(connect(d.sock))
        print("opened %d idle connections in %.2f s" % (len(idle), time.time() - t0))
        drip = [[connect(d.sock), 0] for _ in range(a.drip)]
        reopened = 0
        next_drip = time.time()
        end = time.time() + a.seconds
        while time.time() < end:
            if time.time() >= next_drip:
                for e in drip:
                    try:
                        e[0].send(HDR[e[1] % len(HDR):e[1] % len(HDR) + 1])
                        e[1] += 1
                    except OSError:
                        e[0].close()
                        e[0], e[1] = connect(d.sock), 0
                        reopened += 1
                next_drip += a.drip_every
            t = time.time()
            p = d.ipvsadm("-Ln", check=False, timeout=30)
            if p.returncode == 0:
                times.append(time.time() - t)
            else:
                failed += 1
            time.sleep(0.2)
        print("ipvsadm -Ln with %d idle and %d dripping clients: %d answered, %d failed"
              % (a.idle, a.drip, len(times), failed))
        if times:
            print("  median %.1f ms, slowest %.1f ms" % (statistics.median(times) * 1e3,
                                                          max(times) * 1e3))
        print("  drippers reopened after the daemon closed them: %d" % reopened)
        alive = sum(1 for s in idle if s.fileno() >= 0 and not closed(s))
        print("  idle connections still open at the end: %d of %d" % (alive, len(idle)))
        for line in d.read_log().splitlines():
            if "clients closed" in line:
                print("  daemon: " + line.strip())
    finally:
        for s in idle:
            s.close()
        for e in drip:
            e[0].close()
        d.cleanup()


def closed(s):
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


if __name__ == "__main__":
    main()
