# SPDX-License-Identifier: BSD-3-Clause
"""Health checks built into the daemon ([check:NAME], src/control/health.c),
as an operator sees them: the NAT lab with the service and its check in
the file (conf/lab-health.conf: HTTP GET every second, fall 2, rise 2).
One real server's HTTP service is stopped: within interval x fall (plus
one interval) it is quiesced (weight 0 in ipvsadm -Ln) and new
connections all go to the other; started again, it comes back after rise
successes with the weight it had. Then the same with on_fail = remove and
a TCP check (a reload switches them), an exec check, and `dpvs -t` on
bad check sections.
"""
import os
import re
import subprocess
import time

from lab import BUILD, RIP1, RIP2, TOP, VIP, Lab, run, wait_until

LAB = Lab("lh")
CONF = os.path.join(TOP, "conf", "lab-health.conf")
INTERVAL, FALL, RISE = 1, 2, 2
# what the test adds to the daemon's own bound: polling, and a 2-CPU
# machine shared with the lab's other processes
SLACK = 1.0


def setup():
    LAB.up(daemon=True, conf=CONF)


def check_lines():
    """{rip: (state, weight, restore, line)} from `dpip check show`."""
    out = LAB.dpip("check", "show").stdout
    got = {}
    for line in out.splitlines():
        m = re.match(r"\s+(\S+):80 (up|down) weight (\S+) restore (\d+) (.*)", line)
        if m:
            got[m.group(1)] = (m.group(2), m.group(3), int(m.group(4)), line)
    return got


def probed(rip):
    """The server's line once it has a probe result that is ok."""
    line = check_lines().get(rip, ("", "", 0, ""))[3]
    return line if ' last ok ' in line else None


def state(rip):
    return check_lines().get(rip, ("?",))[0]


def weights():
    """{rip: weight} from ipvsadm -Ln (absent: not in the table)."""
    out = LAB.ipvsadm("-Ln").stdout
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"->\s+(\S+):80\s+\S+\s+(\d+)", out)}


def fetch(n):
    """n new connections from the client: which real server answered each."""
    seen = []
    for _ in range(n):
        p = LAB.ns(LAB.ns_c, "curl", "-s", "-m", "3", "http://%s/" % VIP, check=False)
        m = re.search(r"I am (RealServer\d)", p.stdout)
        seen.append(m.group(1) if m else "none")
    return seen


def http_stop(i):
    pidfile = os.path.join(LAB.state, "http%d.pid" % i)
    with open(pidfile) as f:
        pid = int(f.read().strip())
    os.kill(pid, 15)
    wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
               open("/proc/%d/stat" % pid).read().split()[2] == "Z",
               timeout=5, what="http server %d to stop" % i)
    os.unlink(pidfile)


def http_start(i):
    """The same server lab.sh starts (its pid file, so lab down stops it)."""
    rip = (RIP1, RIP2)[i - 1]
    ns = (LAB.ns_rs1, LAB.ns_rs2)[i - 1]
    log = open(os.path.join(LAB.state, "http%d.log" % i), "a")
    p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3",
                          os.path.join(TOP, "test", "lab", "rs_server.py"), "--bind", rip,
                          "--http", "80", "--udp", "7", "--name",
                          "I am RealServer%d %s" % (i, rip)],
                         stdout=log, stderr=log)
    with open(os.path.join(LAB.state, "http%d.pid" % i), "w") as f:
        f.write(str(p.pid))
    wait_until(lambda: "RealServer" in LAB.ns(ns, "curl", "-s", "-m", "1", "http://%s/" % rip,
                                               check=False).stdout,
               timeout=20, what="http server %d to answer" % i)


def set_check(**keys):
    """Rewrites keys of [check:web] in the lab's copy of the file (None:
    the key goes), reloads; the reload's report."""
    path = LAB.conf_path()
    text = open(path).read()
    head, sec = text.split("[check:web]", 1)
    lines = [l for l in sec.splitlines() if l.split("=")[0].strip() not in keys]
    lines += ["%s = %s" % kv for kv in keys.items() if kv[1] is not None]
    with open(path, "w") as f:
        f.write(head + "[check:web]" + "\n".join(lines) + "\n")
    return LAB.dpip("config", "reload").stdout


def wait_state(rip, want, bound, what):
    t0 = time.time()
    wait_until(lambda: state(rip) == want, timeout=bound + 5, interval=0.05, what=what)
    took = time.time() - t0
    assert took <= bound, "%s took %.2f s, more than %.2f s" % (what, took, bound)
    return took


def test_servers_start_up_and_probed():
    for rip in (RIP1, RIP2):
        wait_until(lambda: probed(rip), timeout=10, what="a good probe of %s" % rip)
        assert state(rip) == "up"
    assert weights() == {RIP1: 1, RIP2: 1}
    assert sorted(set(fetch(4))) == ["RealServer1", "RealServer2"]
    out = LAB.dpip("check", "show", "web").stdout
    assert "check web: http every 1 s, timeout 1 s, rise 2, fall 2, on fail quiesce" in out, out


def test_quiesce_and_back():
    # an operator's weight since the file is what coming back restores
    LAB.ipvsadm("-e", "-t", VIP + ":80", "-r", RIP1 + ":80", "-m", "-w", "3")
    http_stop(1)
    took = wait_state(RIP1, "down", INTERVAL * FALL + INTERVAL + SLACK,
                      "%s to go down" % RIP1)
    assert weights() == {RIP1: 0, RIP2: 1}, weights()
    assert set(fetch(6)) == {"RealServer2"}
    line = check_lines()[RIP1][3]
    assert 'last fail' in line and "consecutive ok 0 fail" in line, line
    assert "changes 1" in line, line
    log = LAB.daemon_log()
    assert re.search(r"health: \[check:web\] TCP 192\.168\.1\.111:80 real server "
                     r"192\.168\.229\.132:80 up -> down \(2 failures in a row, last: "
                     r"connect: Connection refused\): weight 3 -> 0", log), log[-2000:]
    http_start(1)
    back = wait_state(RIP1, "up", INTERVAL * RISE + INTERVAL + SLACK, "%s to come back" % RIP1)
    assert weights() == {RIP1: 3, RIP2: 1}, weights()
    assert "RealServer1" in fetch(8)
    assert "192.168.229.132:80 down -> up (2 successes in a row" in LAB.daemon_log()
    LAB.ipvsadm("-e", "-t", VIP + ":80", "-r", RIP1 + ":80", "-m", "-w", "1")
    print("down after %.2f s, back after %.2f s" % (took, back))


def test_remove_mode_tcp_check_by_reload():
    report = set_check(type="tcp", on_fail="remove", http_path=None, http_status=None)
    assert "health: [check:web] TCP 192.168.1.111:80 updated: tcp every 1 s" in report, report
    wait_until(lambda: "tcp: connected" in check_lines()[RIP2][3], timeout=5,
               what="a tcp probe of %s" % RIP2)
    http_stop(2)
    wait_state(RIP2, "down", INTERVAL * FALL + INTERVAL + SLACK, "%s to be removed" % RIP2)
    assert weights() == {RIP1: 1}, weights()
    assert " weight - " in check_lines()[RIP2][3]
    assert set(fetch(6)) == {"RealServer1"}
    http_start(2)
    wait_state(RIP2, "up", INTERVAL * RISE + INTERVAL + SLACK, "%s to be added back" % RIP2)
    assert weights() == {RIP1: 1, RIP2: 1}, weights()
    assert "RealServer2" in fetch(8)


def test_reload_keeps_a_down_server_down():
    http_stop(2)
    wait_state(RIP2, "down", INTERVAL * FALL + INTERVAL + SLACK, "%s to be removed" % RIP2)
    # a reload that changes nothing about it must not put it back
    report = set_check(rise="3")
    assert "updated" in report, report
    assert weights() == {RIP1: 1}, weights()
    assert state(RIP2) == "down"
    http_start(2)
    wait_state(RIP2, "up", INTERVAL * 3 + INTERVAL + SLACK, "%s to be added back" % RIP2)
    assert weights() == {RIP1: 1, RIP2: 1}, weights()


def test_exec_check():
    script = os.path.join(LAB.state, "check-http.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\n# dpvs passes RIP PORT, and DPVS_RS_ADDR/PORT\n'
                '[ "$1" = "$DPVS_RS_ADDR" ] && [ "$2" = "$DPVS_RS_PORT" ] || exit 3\n'
                'exec curl -sf -m 1 -o /dev/null "http://$1:$2/"\n')
    os.chmod(script, 0o755)
    report = set_check(type="exec", on_fail="quiesce", rise="2", command=script)
    assert "updated: exec" in report, report
    wait_until(lambda: '"exec: exit 0"' in check_lines()[RIP1][3], timeout=5,
               what="an exec probe of %s" % RIP1)
    http_stop(1)
    wait_state(RIP1, "down", INTERVAL * FALL + INTERVAL + SLACK, "%s to go down" % RIP1)
    assert weights() == {RIP1: 0, RIP2: 1}, weights()
    assert '"exec: exit 7"' in check_lines()[RIP1][3]  # curl: cannot connect
    http_start(1)
    wait_state(RIP1, "up", INTERVAL * RISE + INTERVAL + SLACK, "%s to come back" % RIP1)
    assert weights() == {RIP1: 1, RIP2: 1}, weights()
    LAB.fates_add_up("dpdk1")


def test_udp_check():
    """A datagram to the servers' UDP echo (port 7) and its answer, both
    through the data plane; the servers' TCP service is what ipvs balances."""
    report = set_check(type="udp", port="7", udp_send="ping", udp_expect="I am RealServer",
                       command=None)
    assert "updated: udp" in report, report
    wait_until(lambda: '"udp: answer of' in check_lines()[RIP2][3], timeout=5,
               what="a udp probe of %s" % RIP2)
    http_stop(2)  # the echo goes with it
    wait_state(RIP2, "down", INTERVAL * FALL + INTERVAL + SLACK, "%s to go down" % RIP2)
    assert weights() == {RIP1: 1, RIP2: 0}, weights()
    line = check_lines()[RIP2][3]
    # the closed port's ICMP error comes back through the data plane
    assert '"read: Connection refused"' in line, line
    http_start(2)
    wait_state(RIP2, "up", INTERVAL * RISE + INTERVAL + SLACK, "%s to come back" % RIP2)
    assert weights() == {RIP1: 1, RIP2: 1}, weights()


BAD = """
[check:web]
type = http
interval = 2
timeout = 5
rise = 0
udp_send = hello

[check:nosuch]
type = ping
"""


def test_bad_check_config_refused():
    path = os.path.join(LAB.state, "bad.conf")
    with open(path, "w") as f:
        f.write(open(CONF).read().split("[check:web]")[0] + BAD)
    p = run([os.path.join(BUILD, "src", "dpvs"), "-t", "-c", path], check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    err = p.stderr
    for want in ("[check:web] rise: ", "[check:web] timeout: 5 s is longer than the interval",
                 "[check:web] udp_send: is for type = udp, not http",
                 "[check:nosuch] type: 'ping' is not one of tcp, http, udp, dns, exec",
                 "[check:nosuch]: no [service:nosuch] to check"):
        assert want in err, "%r not in:\n%s" % (want, err)
    # a reload with it changes nothing and says why
    good = LAB.conf_path()
    saved = open(good).read()
    with open(good, "w") as f:
        f.write(saved.split("[check:web]")[0] + BAD)
    try:
        r = LAB.dpip("config", "reload", check=False)
        assert r.returncode != 0, r
        assert "is invalid, nothing changed (5 errors)" in r.stderr, r.stderr
        assert "[check:web] rise: '0' is out of range 1..100" in r.stderr, r.stderr
    finally:
        with open(good, "w") as f:
            f.write(saved)
    assert state(RIP1) == "up" and weights() == {RIP1: 1, RIP2: 1}
