# SPDX-License-Identifier: BSD-3-Clause
"""Issue 19 item 4: one dpvs per configuration, decided before EAL, any
port or TAP is touched; signals safe from the first moment.
Daemons of the test's own on net_ring ports (daemon.py); the KNI case in
a namespace the test makes.
"""
import os
import signal
import subprocess
import time

from daemon import Daemon, stop_all
from lab import pid_alive, run, wait_until

NS = os.environ.get("LAB_PREFIX", "") + "ctlkni"


def test_second_instance_refused_naming_the_pid():
    a = Daemon("si1")
    try:
        a.start()
        pid = a.proc.pid
        with open(a.pid_file) as f:
            assert int(f.read().strip()) == pid
        # another file_prefix, same pid file: refused before EAL
        other = a.state + "/other.conf"
        a.write_conf("", base=a.base.replace("file_prefix = dpvs-" + a.name,
                                             "file_prefix = dpvs-" + a.name + "x"))
        os.rename(a.conf, other)
        a.write_conf("")
        for conf in (a.conf, other):
            t0 = time.time()
            p = a.run_fg(conf)
            assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
            assert "another dpvs (pid %d) is running with pid_file %s" % (pid, a.pid_file) \
                in p.stderr, p.stderr
            assert "EAL" not in p.stderr and "Success" not in p.stderr, p.stderr
            assert time.time() - t0 < 5
        # the running one is untouched: same pid file, still answering
        with open(a.pid_file) as f:
            assert int(f.read().strip()) == pid
        assert "IP Virtual Server" in a.ipvsadm("-Ln").stdout
        assert a.stop() == 0
        assert not os.path.exists(a.pid_file), "pid file left after a clean stop"
        # a stale pid file (its daemon gone) does not block the next start
        with open(a.pid_file, "w") as f:
            f.write("%d\n" % pid)
        a.start()
        assert a.stop() == 0
    finally:
        a.cleanup()


def test_other_pid_file_same_socket_refused_before_eal():
    a = Daemon("si2")
    try:
        a.start()
        b = a.state + "/b.conf"
        a.write_conf("", base=a.base.replace(a.pid_file, a.state + "/b.pid"))
        os.rename(a.conf, b)
        p = a.run_fg(b)
        assert p.returncode == 1 and "another dpvs is listening on %s" % a.sock in p.stderr, \
            p.stderr
        assert "EAL" not in p.stderr and not os.path.exists(a.state + "/b.pid"), p.stderr
        assert "IP Virtual Server" in a.ipvsadm("-Ln").stdout
    finally:
        a.cleanup()


def test_pid_file_symlink_not_followed():
    a = Daemon("si3")
    try:
        target = a.state + "/victim"
        with open(target, "w") as f:
            f.write("precious\n")
        os.symlink(target, a.pid_file)
        p = a.run_fg()
        assert p.returncode == 1 and "is a symbolic link: refusing to follow it" in p.stderr, \
            p.stderr
        with open(target) as f:
            assert f.read() == "precious\n"
    finally:
        a.cleanup()


def test_second_instance_leaves_the_running_kni_alone():
    """Another pid file, socket and file_prefix, same KNI name: refused
    before any TAP is made; the running daemon's dpdk0.kni stays up."""
    run(["ip", "netns", "del", NS], check=False)
    run(["ip", "netns", "add", NS])
    a = Daemon("si4", kni="yes", netns=NS)
    b = Daemon("si5", kni="yes", netns=NS)
    try:
        a.start()
        wait_until(lambda: run(["ip", "-n", NS, "link", "show", "dpdk0.kni"],
                               check=False).returncode == 0, timeout=10, what="dpdk0.kni")
        run(["ip", "-n", NS, "link", "set", "dpdk0.kni", "up"])
        p = b.run_fg()
        assert p.returncode == 1, (p.stdout, p.stderr)
        assert "interface dpdk0.kni already exists" in p.stderr, p.stderr
        assert "EAL" not in p.stderr, p.stderr
        out = run(["ip", "-n", NS, "link", "show", "dpdk0.kni"]).stdout
        assert ",UP" in out or "<UP" in out, out
        assert "IP Virtual Server" in a.ipvsadm("-Ln").stdout
    finally:
        a.cleanup()
        b.cleanup()
        run(["ip", "netns", "del", NS], check=False)


def wait_pid_file(d, proc, timeout=10):
    def written():
        try:
            with open(d.pid_file) as f:
                return f.read().strip() == str(proc.pid)
        except OSError:
            return False
    wait_until(lambda: proc.poll() is not None or written(), timeout=timeout,
               interval=0.005, what="the pid file")


def test_sighup_during_start_up_is_deferred():
    """SIGHUP in the first moments (the pid file is written right after
    the handlers are in place, before EAL) reloads once the config is
    live; it never kills the daemon."""
    d = Daemon("si6")
    p = None
    try:
        p = d.spawn()
        wait_pid_file(d, p)
        for _ in range(3):
            p.send_signal(signal.SIGHUP)
            time.sleep(0.02)
        d.proc = p
        wait_until(lambda: p.poll() is not None or d.answers(), timeout=30,
                   what="the daemon to answer")
        assert p.poll() is None, "died: rc %s\n%s" % (p.returncode, d.read_log())
        wait_until(lambda: "SIGHUP reload done" in d.read_log(), timeout=10,
                   what="the deferred reload")
        assert d.stop() == 0
    finally:
        stop_all(p)
        d.cleanup()


def test_sigterm_during_start_up_stops_cleanly():
    d = Daemon("si7")
    p = None
    try:
        p = d.spawn()
        wait_pid_file(d, p)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0, d.read_log()
        assert not os.path.exists(d.pid_file) and not os.path.exists(d.sock)
    finally:
        stop_all(p)
        d.cleanup()


def test_ctl_group_gives_the_socket_to_a_group():
    """[global] ctl_group: the socket is root:GROUP 0660; an unknown group
    is refused by dpvs -t (and so by a start) naming the key."""
    import grp
    g = grp.getgrnam("daemon")
    a = Daemon("si8", global_extra="ctl_group = daemon")
    try:
        a.start()
        st = os.stat(a.sock)
        assert st.st_gid == g.gr_gid and st.st_mode & 0o777 == 0o660, (st.st_gid, oct(st.st_mode))
        a.stop()
        a.write_conf("", base=a.base.replace("ctl_group = daemon", "ctl_group = nosuchgrp9"))
        p = a.check()
        assert p.returncode == 1 and "[global] ctl_group: no group 'nosuchgrp9'" in p.stderr, \
            p.stderr
    finally:
        a.cleanup()
