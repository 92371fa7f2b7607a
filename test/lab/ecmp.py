# SPDX-License-Identifier: BSD-3-Clause
"""The ECMP lab (scripts/ecmp-lab.sh) for the lab tests: up and down,
directors and their bird started and stopped, the router's route for
the VIP, each director's connections, and the client flows
(ecmp_flows.py) run in the background in the client namespace.

Every command is bounded by a timeout; down() stops everything the lab
started (by the pids the script recorded), also after a failure.
"""
import json
import os
import re
import signal
import subprocess
import time

from lab import BUILD, TOP, run, wait_until

VIP = "10.97.0.100"
ROUTER = "10.98.0.1"
FIRST_CLIENT = "10.99.0.10"
NCLIENTS = 40
MAX_DIRECTORS = 3
UDP_TIMEOUT = 300  # [ipvs] udp_timeout's default: a refreshed UDP conn shows 05:00
TCP_TIMEOUT = 900
# a conn refreshed this recently (seconds) carries its flow now: flows
# send every 0.3 s at most, ipvsadm -Lnc shows whole seconds
FRESH = 2


def dip(k):
    return "10.98.0.%d" % (10 + k)


def expire_secs(text):
    """ipvsadm -Lnc's expire column ('04:59') in seconds."""
    m, s = text.split(":")
    return int(m) * 60 + int(s)


class EcmpLab:
    def __init__(self, prefix="ec"):
        self.prefix = os.environ.get("LAB_PREFIX", "") + prefix
        self.state = "/tmp/dpvs-ecmp-" + self.prefix
        self.env = dict(os.environ, LAB_PREFIX=self.prefix,
                        DPVS=os.path.join(BUILD, "src", "dpvs"),
                        ECMP_CLIENTS=str(NCLIENTS))
        self.ns_c, self.ns_r = self.prefix + "c", self.prefix + "r"
        self.flows = None

    def script(self, *args, timeout=120, check=True):
        return run(["bash", os.path.join(TOP, "scripts", "ecmp-lab.sh")] + list(args),
                   timeout=timeout, check=check, env=self.env)

    def up(self, directors=2):
        self.script("down", check=False)
        self.script("up", "--directors", str(directors), timeout=180)

    def down(self):
        self.stop_flows()
        self.script("down", check=False, timeout=120)

    def daemon_log(self):
        """The tails of every director's and bird's log (for a failure)."""
        out = []
        for name in ["d%d" % k for k in range(1, MAX_DIRECTORS + 1)] + \
                    ["bird-d%d" % k for k in range(1, MAX_DIRECTORS + 1)] + ["bird-r"]:
            try:
                with open(os.path.join(self.state, name + ".log")) as f:
                    out.append("--- %s ---\n%s" % (name, f.read()[-600:]))
            except OSError:
                pass
        return "\n".join(out)

    def pid(self, name):
        with open(os.path.join(self.state, name + ".pid")) as f:
            return int(f.read().strip())

    def tool(self, k, name, *args, check=True):
        env = dict(self.env, DPVS_SOCK=os.path.join(self.state, "d%d.sock" % k))
        return run([os.path.join(BUILD, "tools", name, name)] + list(args), timeout=30,
                   check=check, env=env)

    def nexthops(self):
        """The gateways of the router's route for the VIP (a set)."""
        p = run(["ip", "-n", self.ns_r, "route", "show", VIP], check=False, timeout=10)
        return set(re.findall(r"via (\S+)", p.stdout))

    def wait_nexthops(self, want, timeout):
        """Polls the router's FIB until its route for the VIP goes via
        exactly the DIPs of directors `want`; returns the seconds it took."""
        t0 = time.time()
        want = {dip(k) for k in want}
        wait_until(lambda: self.nexthops() == want, timeout=timeout, interval=0.05,
                   what="the router's route to %s via %s (has %s)" %
                   (VIP, sorted(want), sorted(self.nexthops())))
        return time.time() - t0

    def fresh_flows(self, k, proto="UDP", window=FRESH):
        """{client addr:port: seconds to expiry} of the conns of director
        k that a packet refreshed in the last `window` seconds (a conn
        left behind by a flow that went to another director counts down
        from its timeout)."""
        full = UDP_TIMEOUT if proto == "UDP" else TCP_TIMEOUT
        out = self.tool(k, "ipvsadm", "-Lnc").stdout
        flows = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) == 6 and f[0] == proto and expire_secs(f[1]) >= full - window:
                flows[f[3]] = expire_secs(f[1])
        return flows

    # ---- the client flows ----

    def start_flows(self, tcp=20, udp=120, max_seconds=240):
        for name in ("stop", "flows.json", "progress.json"):
            try:
                os.unlink(os.path.join(self.state, name))
            except OSError:
                pass
        log = open(os.path.join(self.state, "flows.log"), "w")
        self.flows = subprocess.Popen(
            ["ip", "netns", "exec", self.ns_c, "/usr/bin/python3",
             os.path.join(TOP, "test", "lab", "ecmp_flows.py"), "--vip", VIP,
             "--clients", FIRST_CLIENT, "--nclients", str(NCLIENTS), "--tcp", str(tcp),
             "--udp", str(udp), "--max-seconds", str(max_seconds),
             "--stop", os.path.join(self.state, "stop"),
             "--out", os.path.join(self.state, "flows.json"),
             "--progress", os.path.join(self.state, "progress.json")],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def progress(self):
        try:
            with open(os.path.join(self.state, "progress.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def all_answered_since(self, t):
        """The progress once every flow has an answer later than t (and
        no TCP connection died meanwhile: then at once, for the assert)."""
        assert self.flows.poll() is None, "the client flows exited:\n" + self.flows_log()
        p = self.progress()
        if not p:
            return None
        if any(f["dead"] for f in p["tcp"]):
            return p
        if all(f["last"] and f["last"] > t for f in p["tcp"] + p["udp"]):
            return p
        return None

    def wait_all_answered_since(self, t, timeout=30):
        return wait_until(lambda: self.all_answered_since(t), timeout=timeout, interval=0.3,
                          what="every flow to answer after %.1f" % t)

    def flows_log(self):
        try:
            with open(os.path.join(self.state, "flows.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop_flows(self):
        """Ends the client flows; their final report (or None)."""
        p, self.flows = self.flows, None
        if not p:
            return None
        open(os.path.join(self.state, "stop"), "w").close()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=5)
        try:
            with open(os.path.join(self.state, "flows.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
