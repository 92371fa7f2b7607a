# SPDX-License-Identifier: BSD-3-Clause
"""Lab test of the whole client-address path with a real server that has
no module (issue 16 item 4): the daemon's Full-NAT puts the client's
address into the SYN (TOA), and the real server's application asks the
eBPF reader (tools/toabpf `toa-peer attach` + `toa-peer serve`, which
answers "peer GETPEERNAME toa TOA_PEER") for it. Two arms (the NAT lab).

Checked: toa_peer() names the client (its address and port) while
getpeername() names the LIP and a local port; the reader counts them
found. Everything the test makes (a bpffs in the lab's state folder, a
cgroup for the server) goes in teardown.
"""
import os
import re
import subprocess

from lab import BUILD, CIP, RIP1, VIP, Lab, run, wait_until

LAB = Lab("le")
LIP = "192.168.229.140"
PORT = 8090
TOA_PEER = os.path.join(BUILD, "tools", "toabpf", "toa-peer")
BPFFS = LAB.state + "/bpffs"
READER = BPFFS + "/reader"
servers = []


def cgroup2_root():
    with open("/proc/mounts") as f:
        for line in f:
            dev, path, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return path
    raise AssertionError("no cgroup v2 mount")


CG = os.path.join(cgroup2_root(), LAB.prefix + "-toa-rs")


def setup():
    assert os.access(TOA_PEER, os.X_OK), "%s not built (tools/toabpf)" % TOA_PEER
    LAB.up(daemon=True)
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk1")
    LAB.ipvsadm("-A", "-t", "%s:%d" % (VIP, PORT), "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:%d" % (VIP, PORT), "-r", "%s:%d" % (RIP1, PORT), "--fullnat")
    LAB.ipvsadm("-P", "-z", LIP, "-t", "%s:%d" % (VIP, PORT))
    os.makedirs(BPFFS, exist_ok=True)
    if not os.path.ismount(BPFFS):
        run(["mount", "-t", "bpf", "bpf", BPFFS])
    if not os.path.isdir(CG):
        os.mkdir(CG)
    run([TOA_PEER, "attach", CG, "--pin", READER], timeout=20)


def teardown():
    for p in servers:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)
    if os.path.exists(READER + "/link"):
        run([TOA_PEER, "detach", "--pin", READER], check=False, timeout=20)
    if os.path.isdir(CG):
        wait_until(lambda: not open(CG + "/cgroup.procs").read().strip(), timeout=5,
                   what="%s to be empty" % CG)
        os.rmdir(CG)
    if os.path.ismount(BPFFS):
        run(["umount", BPFFS])


CONNECT = r'''
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print("%s:%d" % s.getsockname())
data = b""
while not data.endswith(b"\n"):
    d = s.recv(200)
    if not d:
        break
    data += d
print(data.decode().strip())
'''


def test_ebpf_reader_names_the_client():
    n = 3
    # the server joins the cgroup first: `ip netns exec` mounts a sysfs of
    # its own, and the membership goes along
    p = subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', CG,
                          "ip", "netns", "exec", LAB.ns_rs1, "timeout", "30", TOA_PEER, "serve",
                          str(PORT), "--bind", RIP1, "--count", str(n), "--timeout", "20",
                          "--pin", READER],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    servers.append(p)
    line = p.stdout.readline()
    assert line.startswith("listening on"), (line, p.poll() is not None and p.stderr.read())
    for _ in range(n):
        out = LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", CONNECT, VIP, str(PORT),
                     timeout=15).stdout.strip().split("\n")
        me, answer = out[0], out[1]
        assert me.startswith(CIP + ":"), me
        assert re.match(r"peer %s:\d+ toa %s$" % (re.escape(LIP), re.escape(me)), answer), \
            (me, answer)
    p.wait(timeout=25)
    assert p.returncode == 0, (p.returncode, p.stderr.read())
    out = run([TOA_PEER, "stats", "--pin", READER], timeout=20).stdout
    found = dict(re.findall(r"^(\S+) (\d+)$", out, re.M))
    assert int(found.get("found", 0)) >= n, out
