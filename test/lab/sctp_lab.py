# SPDX-License-Identifier: BSD-3-Clause
"""What the SCTP lab modules (test_80_sctp, test_81_sctp_dr,
test_82_sctp_tun) share: sctp_peer.py servers in the real servers'
namespaces (bounded in time, stopped by PID), the client's associations,
the servers' packet logs and the connection list's SCTP rows.
"""
import json
import os
import re
import subprocess

from lab import CIP, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
NAMES = ("RealServer1", "RealServer2")


def spawn(ns, script, *args):
    """script (of this folder) in namespace ns, cut off after 120 s."""
    return subprocess.Popen(["ip", "netns", "exec", ns, "timeout", "120", PY,
                             os.path.join(HERE, script)] + list(args),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(procs):
    """Stops what spawn() started, by PID, and empties the list."""
    while procs:
        p = procs.pop()
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


class SctpPeers:
    def __init__(self, lab, vip, vport):
        self.lab, self.vip, self.vport = lab, vip, vport
        self.procs = []
        self.warm = iter(range(39000, 39400, 2))

    def log_path(self, name):
        return os.path.join(self.lab.state, "sctp-%s.log" % name)

    def start(self, port, bind=None):
        """A server on each real server (port: the one it listens on;
        bind: the address it answers from, the VIP for DR and TUN), then
        waits (bounded) until both answer an association."""
        for name, ns, rip in zip(NAMES, (self.lab.ns_rs1, self.lab.ns_rs2), self.lab.rips):
            if os.path.exists(self.log_path(name)):
                os.unlink(self.log_path(name))
            args = ["server", "--name", name, "--port", str(port), "--log",
                    self.log_path(name), "--seconds", "90"] + (["--bind", bind] if bind else [])
            self.procs.append(spawn(ns, "sctp_peer.py", *args))
        # rr: two associations reach both servers; closed again
        wait_until(lambda: all("server" in r for r in self.client(2, 0, next(self.warm))),
                   timeout=30, interval=0.5, what="both SCTP servers to answer")

    def stop(self):
        stop(self.procs)

    def client(self, count, hold, base):
        """count associations from ports base..: all but the last hold
        closed again; one dict per association (sctp_peer.py client)."""
        out = self.lab.ns(self.lab.ns_c, "timeout", "60", PY,
                          os.path.join(HERE, "sctp_peer.py"), "client", "--vip", self.vip,
                          "--vport", str(self.vport), "--count", str(count), "--hold",
                          str(hold), "--base", str(base), timeout=70).stdout
        return [json.loads(line) for line in out.strip().split("\n")]

    def log(self, name, ports):
        """What server `name` received from the client ports `ports`."""
        try:
            with open(self.log_path(name)) as f:
                return [e for e in (json.loads(line) for line in f if line.strip())
                        if e["sport"] in ports]
        except OSError:
            return []

    def check_associations(self, count, hold, base, rport):
        """count associations, hold of them left open: each went through
        every step with right replies from VIP:vport; rr alternated the
        servers; each server got its packets from the client, to rport,
        with a right CRC32c, every kind of chunk the client sends."""
        got = self.client(count, hold, base)
        for r in got:
            assert r["replies_ok"], got
            closed = r["cport"] < base + count - hold
            assert r["steps"] == ["INIT-ACK", "COOKIE-ACK", "SACK"] + (
                ["SHUTDOWN-ACK"] if closed else []), got
        servers = [r["server"] for r in got]
        for a, b in zip(servers, servers[1:]):
            assert a != b, "rr did not alternate: %s" % servers
        for name in NAMES:
            log = self.log(name, range(base, base + count))
            assert log, name
            for e in log:
                assert e["src"] == CIP and e["dport"] == rport and e["crc_ok"], e
            assert {1, 10, 0, 3, 7, 14} <= {e["type"] for e in log}, (name, log)
        return got

    def run(self, rport, bind=None, count=6, hold=2, base=40000):
        """Servers up, count associations of which the last hold stay
        open (check_associations), then the connection list: the open
        ones ESTABLISHED, the others CLOSED. Returns the associations."""
        self.start(rport, bind)
        got = self.check_associations(count, hold, base, rport)
        rows = self.conn_rows(rport)
        for port in range(base, base + count):
            state = "ESTABLISHED" if port >= base + count - hold else "CLOSED"
            assert port in rows and rows[port][0] == state, (port, rows)
        return got, rows

    def conn_rows(self, rport):
        """{client port: (state, real server, expire)} of `ipvsadm -Lnc`'s
        SCTP rows of this service."""
        rows = {}
        for line in self.lab.ipvsadm("-Lnc").stdout.split("\n"):
            m = re.match(r"SCTP (\d+:\d\d)\s+(\S+)\s+%s:(\d+)\s+%s:%d\s+(\S+):%d$" %
                         (re.escape(CIP), re.escape(self.vip), self.vport, rport), line)
            if m:
                rows[int(m.group(3))] = (m.group(2), m.group(4), m.group(1))
        return rows
