# SPDX-License-Identifier: BSD-3-Clause
"""A dpvs of a test's own, without the namespace lab: ports on net_ring
(no traffic, no TAP unless asked), its own state folder, socket, pid
file and EAL prefix, started in about 0.2 s. For tests of the control
side (start-up, the socket, reloads), not of the data path.

    d = Daemon("ci1", services=...)   # writes the config
    d.start(); d.ipvsadm("-Ln"); d.stop()

Every process started is stopped by stop() (SIGTERM, then SIGKILL after
5 s), also when the test failed; cleanup() removes the folder.
"""
import os
import shutil
import signal
import subprocess
import time

from lab import BUILD, run, wait_until

DPVS = os.environ.get("DPVS", os.path.join(BUILD, "src", "dpvs"))

BASE_CONF = """[global]
log_level = info
ctl_socket = {state}/dpvs.sock
pid_file = {state}/dpvs.pid
idle_sleep_us = 1000
{global_extra}
[eal]
lcores = 0@0,1@1
memory = 128
file_prefix = {prefix}
in_memory = yes

[pool]
mbufs = 8191
conn_max = 4096
svc_max = {svc_max}
dest_max = {dest_max}

[port:dpdk0]
device = net_ring0
kni = {kni}

[port:dpdk1]
device = net_ring1
kni = no

[worker:1]
queues = dpdk0:0, dpdk1:0
"""


class Daemon:
    def __init__(self, name, kni="no", svc_max=64, dest_max=256, global_extra="", netns=None):
        self.name = os.environ.get("LAB_PREFIX", "") + name
        self.state = "/tmp/dpvs-ctl-" + self.name
        self.sock = self.state + "/dpvs.sock"
        self.pid_file = self.state + "/dpvs.pid"
        self.conf = self.state + "/dpvs.conf"
        self.log = self.state + "/dpvs.log"
        self.netns = netns
        self.proc = None
        self.env = dict(os.environ, DPVS_SOCK=self.sock)
        os.makedirs(self.state, exist_ok=True)
        self.base = BASE_CONF.format(state=self.state, prefix="dpvs-" + self.name, kni=kni,
                                     svc_max=svc_max, dest_max=dest_max,
                                     global_extra=global_extra)
        self.write_conf("")

    def write_conf(self, extra, base=None):
        """The config: the base (two net_ring ports, one worker) plus
        `extra` (sections appended as they are)."""
        with open(self.conf, "w") as f:
            f.write((self.base if base is None else base) + "\n" + extra)

    def cmd(self, *args):
        c = [DPVS] + list(args)
        return (["ip", "netns", "exec", self.netns] + c) if self.netns else c

    def spawn(self, conf=None):
        """Starts dpvs in the background (returns the Popen); no waiting."""
        logf = open(self.log, "a")
        p = subprocess.Popen(self.cmd("-c", conf or self.conf), stdout=logf,
                             stderr=subprocess.STDOUT)
        logf.close()
        return p

    def start(self, timeout=30):
        self.proc = self.spawn()
        wait_until(lambda: self.proc.poll() is not None or self.answers(), timeout=timeout,
                   what="dpvs %s to answer on its socket" % self.name)
        assert self.proc.poll() is None, "dpvs exited (%s):\n%s" % (self.proc.returncode,
                                                                   self.read_log())
        return self.proc

    def answers(self):
        if not os.path.exists(self.sock):
            return False
        return self.tool("dpip", "link", "show", check=False, timeout=5).returncode == 0

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def check(self, conf=None, timeout=30):
        """dpvs -t on a file: the CompletedProcess."""
        return run(self.cmd("-t", "-c", conf or self.conf), timeout=timeout, check=False)

    def run_fg(self, conf=None, timeout=30):
        """dpvs -c in the foreground (for starts that must fail)."""
        return run(self.cmd("-c", conf or self.conf), timeout=timeout, check=False)

    def tool(self, name, *args, check=True, timeout=30, input=None):
        return run([os.path.join(BUILD, "tools", name, name)] + list(args), timeout=timeout,
                   check=check, env=self.env, input=input)

    def ipvsadm(self, *args, check=True, timeout=30):
        return self.tool("ipvsadm", *args, check=check, timeout=timeout)

    def dpip(self, *args, check=True, timeout=30):
        return self.tool("dpip", *args, check=check, timeout=timeout)

    def stop(self):
        p, self.proc = self.proc, None
        if not p or p.poll() is not None:
            return p.returncode if p else None
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait(timeout=5)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.state, ignore_errors=True)


def stop_all(*procs):
    """SIGTERM, then SIGKILL, for Popen objects a test started itself."""
    for p in procs:
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.time() + 5
    for p in procs:
        if not p:
            continue
        try:
            p.wait(timeout=max(deadline - time.time(), 0.1))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)
