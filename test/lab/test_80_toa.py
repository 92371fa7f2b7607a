# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of the real server's TOA reader without a kernel module
(tools/toabpf, issue 16 item 4): the client address Full-NAT carries in
the SYN's TOA option, as the real server's applications read it.

No balancer is needed to make TOA-bearing SYNs: two namespaces joined by
a veth, the client's process in a cgroup with `toa-peer claim` (a
sock_ops writer: its SYNs carry a TOA claiming CLAIMED), the server's in
a cgroup with `toa-peer attach` (the reader). The server is
`toa-peer serve`, which answers each connection with what getpeername()
and toa_peer() say. Checked: the claimed address comes back from
toa_peer() while getpeername() keeps the real peer; the SYN on the wire
carries the option; a client without the writer gets "toa none"; a
listener opened before the reader was attached gets none and is counted;
detach stops the reader; every mistake an operator can make gets an
error that names it.

Everything is the test's own: namespaces (prefix + "tac"/"tas"), cgroups
under the cgroup v2 mount, a bpffs mounted in the lab's state folder;
all removed by teardown, whatever happened.
"""
import os
import re
import shutil
import subprocess
import time

from lab import BUILD, run, wait_until

PREFIX = os.environ.get("LAB_PREFIX", "") + "ta"
STATE = "/tmp/dpvs-lab-" + PREFIX
BPFFS = STATE + "/bpffs"
READER = BPFFS + "/reader"
WRITER = BPFFS + "/writer"
NS_C, NS_S = PREFIX + "c", PREFIX + "s"
CLIENT, SERVER = "10.251.0.1", "10.251.0.2"
CLAIMED = "203.0.113.7:40000"
TOA_PEER = os.path.join(BUILD, "tools", "toabpf", "toa-peer")

servers = []  # Popen of every toa-peer serve started, stopped in teardown


def cgroup2_root():
    with open("/proc/mounts") as f:
        for line in f:
            dev, path, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return path
    raise AssertionError("no cgroup v2 mount (the reader attaches to a cgroup v2 folder)")


CG_ROOT = cgroup2_root()
CG_SRV = os.path.join(CG_ROOT, PREFIX + "-toa-srv")
CG_CLI = os.path.join(CG_ROOT, PREFIX + "-toa-cli")


def tool(*args, check=True):
    return run([TOA_PEER] + list(args), check=check, timeout=20)


def setup():
    assert os.access(TOA_PEER, os.X_OK), \
        "%s not built (tools/toabpf needs clang and libbpf-dev)" % TOA_PEER
    teardown()  # what an interrupted run left
    os.makedirs(BPFFS, exist_ok=True)
    run(["mount", "-t", "bpf", "bpf", BPFFS])
    for cg in (CG_SRV, CG_CLI):
        os.mkdir(cg)
    for ns in (NS_C, NS_S):
        run(["ip", "netns", "add", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
    run(["ip", "link", "add", "tac0", "netns", NS_C, "type", "veth", "peer", "tas0", "netns",
         NS_S])
    for ns, ifname, addr in ((NS_C, "tac0", CLIENT), (NS_S, "tas0", SERVER)):
        run(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", ifname])
        run(["ip", "-n", ns, "link", "set", ifname, "up"])
    tool("attach", CG_SRV, "--pin", READER)
    tool("claim", CG_CLI, CLAIMED, "--pin", WRITER)


def teardown():
    for p in servers:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)
    servers.clear()
    for pin in (READER, WRITER):
        if os.path.exists(pin + "/link"):
            tool("detach", "--pin", pin, check=False)
    for ns in (NS_C, NS_S):
        run(["ip", "netns", "del", ns], check=False)
    for cg in (CG_SRV, CG_CLI):
        if os.path.isdir(cg):
            # empty by now: every process the test put there has exited
            wait_until(lambda: not open(cg + "/cgroup.procs").read().strip(), timeout=5,
                       what="%s to be empty" % cg)
            os.rmdir(cg)
    if os.path.ismount(BPFFS):
        run(["umount", BPFFS])
    shutil.rmtree(STATE, ignore_errors=True)


def in_cgroup(cgroup, ns, cmd):
    """cmd in network namespace ns, its process in cgroup: the cgroup is
    joined first, since `ip netns exec` mounts a sysfs of its own (the
    cgroup folders are not there) and the membership goes along."""
    return ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup,
            "ip", "netns", "exec", ns] + cmd


def serve(port, count, pin=READER, cgroup=CG_SRV):
    """toa-peer serve in the server's namespace and cgroup; returns the
    Popen once it listens (it exits after `count` connections or 20 s)."""
    p = subprocess.Popen(
        in_cgroup(cgroup, NS_S, ["timeout", "30", TOA_PEER, "serve", str(port), "--bind",
                                 SERVER, "--count", str(count), "--timeout", "20", "--pin",
                                 pin]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    servers.append(p)
    line = p.stdout.readline()
    assert line.startswith("listening on"), (line, p.stderr.read() if p.poll() is not None
                                             else "")
    return p


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


def connect(port, cgroup=None):
    """One connection from the client namespace (inside `cgroup` when
    given): (the client's own address:port, the server's answer line)."""
    cmd = ["/usr/bin/python3", "-c", CONNECT, SERVER, str(port)]
    p = run(in_cgroup(cgroup, NS_C, cmd) if cgroup else ["ip", "netns", "exec", NS_C] + cmd,
            timeout=15)
    me, answer = p.stdout.strip().split("\n")
    return me, answer


def stats():
    out = tool("stats", "--pin", READER).stdout
    return {k: int(v) for k, v in re.findall(r"^(\S+) (\d+)$", out, re.M)}


def finish(p):
    p.wait(timeout=25)
    assert p.returncode == 0, (p.returncode, p.stderr.read())


def test_claimed_client_through_toa_peer():
    before = stats()
    p = serve(8080, 5)
    for _ in range(5):
        me, answer = connect(8080, cgroup=CG_CLI)
        # getpeername() still says who really connected; toa_peer() says
        # whom the option names
        assert answer == "peer %s toa %s" % (me, CLAIMED), (me, answer)
    finish(p)
    after = stats()
    assert after["found"] - before["found"] == 5, (before, after)
    assert after["absent"] == before["absent"], (before, after)


def test_option_on_the_wire():
    """The SYN the server got carries kind 254, length 8, the claimed
    port and address: the reader read a real option, not a shortcut."""
    cap = os.path.join(STATE, "syn.pcap")
    tcpdump = subprocess.Popen(["ip", "netns", "exec", NS_S, "timeout", "30", "tcpdump", "-i",
                                "tas0", "-n", "-U", "--immediate-mode", "-c", "1", "-w", cap,
                                "tcp[tcpflags] == tcp-syn and dst port 8081"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on" in tcpdump.stderr.readline()
        p = serve(8081, 1)
        connect(8081, cgroup=CG_CLI)
        finish(p)
        tcpdump.wait(timeout=10)
    finally:
        if tcpdump.poll() is None:
            tcpdump.kill()
            tcpdump.wait(timeout=5)
    out = run(["tcpdump", "-r", cap, "-n", "-x"]).stdout
    hexdump = "".join(re.findall(r"0x[0-9a-f]+:\s+([0-9a-f ]+)", out)).replace(" ", "")
    # kind fe, length 08, port 40000 = 9c40, 203.0.113.7 = cb007107
    assert "fe089c40cb007107" in hexdump, out


def test_no_option_says_none():
    before = stats()
    p = serve(8082, 2)
    for _ in range(2):
        me, answer = connect(8082)  # not in the writer's cgroup
        assert answer == "peer %s toa none" % me, (me, answer)
    finish(p)
    after = stats()
    assert after["absent"] - before["absent"] == 2, (before, after)
    assert after["found"] == before["found"], (before, after)


def test_listener_before_attach():
    """A listener opened before the reader came kept no SYN: its clients
    get none (even with a TOA) and the reader counts them."""
    tool("detach", "--pin", READER)
    try:
        old_listener()
    finally:
        if not os.path.exists(READER + "/link"):  # the tests after this one need it
            tool("attach", CG_SRV, "--pin", READER)


def old_listener():
    # the map is gone with the detach: serve refuses until the reader is back
    r = tool("serve", "8083", "--pin", READER, check=False)
    assert r.returncode == 1 and "no reader under %s" % READER in r.stderr, r.stderr
    p = subprocess.Popen(
        in_cgroup(CG_SRV, NS_S, ["timeout", "30", "/usr/bin/python3", "-c",
         "import socket, sys\n"
         "l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "l.bind(('%s', 8083)); l.listen(8); print('listening', flush=True)\n"
         "sys.stdin.readline()\n"  # the reader is attached now
         "c, _ = l.accept(); print('accepted', flush=True); sys.stdin.readline()\n" % SERVER]),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    servers.append(p)
    assert p.stdout.readline().strip() == "listening", p.stderr.read()
    tool("attach", CG_SRV, "--pin", READER)
    before = stats()
    p.stdin.write("go\n")
    p.stdin.flush()
    run(in_cgroup(CG_CLI, NS_C, ["/usr/bin/python3", "-c",
                                 "import socket; socket.create_connection(('%s', 8083), "
                                 "timeout=5).close()" % SERVER]), timeout=15)
    assert p.stdout.readline().strip() == "accepted"
    p.stdin.write("done\n")
    p.stdin.flush()
    p.wait(timeout=10)
    wait_until(lambda: stats()["no-saved-syn"] - before["no-saved-syn"] == 1, timeout=5,
               what="no-saved-syn to count the old listener's connection")
    # a listener opened now works again
    p = serve(8084, 1)
    me, answer = connect(8084, cgroup=CG_CLI)
    assert answer == "peer %s toa %s" % (me, CLAIMED), (me, answer)
    finish(p)


def test_detach_stops_the_writer():
    tool("detach", "--pin", WRITER)
    try:
        p = serve(8085, 1)
        me, answer = connect(8085, cgroup=CG_CLI)
        assert answer == "peer %s toa none" % me, (me, answer)
        finish(p)
    finally:
        tool("claim", CG_CLI, CLAIMED, "--pin", WRITER)


def test_operator_mistakes():
    nofs = os.path.join(STATE, "plain")
    os.makedirs(nofs, exist_ok=True)
    for args, text in (
            (["attach", "/tmp", "--pin", BPFFS + "/x"], "/tmp is not a cgroup v2 folder"),
            (["attach", CG_ROOT + "/nonexistent-toa", "--pin", BPFFS + "/x"],
             "cgroup %s/nonexistent-toa: No such file or directory" % CG_ROOT),
            (["attach", CG_SRV, "--pin", READER],
             "already attached: %s/link exists" % READER),
            (["attach", CG_SRV, "--pin", nofs + "/r"], "is not on a bpf filesystem"),
            (["claim", CG_CLI, "203.0.113.7", "--pin", BPFFS + "/x"],
             "'203.0.113.7' is not an IPv4 ADDR:PORT"),
            (["claim", CG_CLI, "203.0.113.7:0", "--pin", BPFFS + "/x"],
             "'203.0.113.7:0' is not an IPv4 ADDR:PORT"),
            (["claim", CG_CLI, "host:80", "--pin", BPFFS + "/x"], "is not an IPv4 ADDR:PORT"),
            (["detach", "--pin", BPFFS + "/x"], "nothing attached under %s/x" % BPFFS),
            (["stats", "--pin", BPFFS + "/x"], "no reader under %s/x" % BPFFS),
            (["serve", "99999", "--pin", READER], "port '99999' is not 1-65535"),
            (["serve", "80", "--bind", "nowhere", "--pin", READER],
             "--bind 'nowhere' is not an IPv4 address"),
            (["serve", "80", "--count", "x"], "--count 'x' is not a number"),
            (["serve"], "serve: wrong number of arguments"),
            (["frobnicate"], "unknown command 'frobnicate'"),
            (["attach", CG_SRV, "--bogus"], "unknown option '--bogus'"),
            (["attach", CG_SRV, "--pin"], "--pin needs a value")):
        r = tool(*args, check=False)
        assert r.returncode != 0 and text in r.stderr, (args, r.returncode, r.stderr)
    # none of the refused attaches left a pin folder behind (the kernel's
    # own maps.debug/progs.debug live in every bpffs)
    left = sorted(f for f in os.listdir(BPFFS) if not f.endswith(".debug"))
    assert left == ["reader", "writer"], left
    # a serve that waits in vain ends by itself, saying so
    t0 = time.time()
    r = run(["ip", "netns", "exec", NS_S, TOA_PEER, "serve", "8086", "--timeout", "1", "--pin",
             READER], check=False, timeout=15)
    assert r.returncode == 1 and "--timeout 1 s passed after 0 connection(s)" in r.stderr, \
        r.stderr
    assert time.time() - t0 < 10
