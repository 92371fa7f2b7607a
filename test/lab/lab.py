# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the lab tests: bring the namespace lab up and down
(scripts/lab.sh), start and stop the daemon, run commands inside the
namespaces, and call dpip/ipvsadm against this lab's socket.

Every command is bounded by a timeout; everything started is stopped by
Lab.down(), also after a failure.
"""
import os
import re
import signal
import subprocess
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("DPVS_BUILD", os.path.join(TOP, "build"))

VIP = "192.168.1.111"
DIP = "192.168.229.133"
CIP = "192.168.1.10"
RIP1 = "192.168.229.132"
RIP2 = "192.168.229.134"
# the DR and TUN labs (scripts/lab.sh up --mode dr|tun): the VIP on the
# director's LAN, the client behind a router; TUN's real servers on
# another network behind it
VIP_LAN = "192.168.229.111"
CGW = "192.168.1.1"
TUN_RIP1 = "10.10.10.132"
TUN_RIP2 = "10.10.10.134"
GUE_PORT = 6080


class CmdError(Exception):
    pass


def run(cmd, timeout=30, check=True, input=None, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input,
                       env=env)
    if check and p.returncode != 0:
        raise CmdError("%s -> rc %d\nstdout: %s\nstderr: %s" %
                       (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


class Lab:
    def __init__(self, prefix="lt"):
        # LAB_PREFIX in the environment goes in front (LAB_PREFIX=wp: wplt,
        # wpln, ...), so labs of several people or checkouts on one machine
        # never share namespaces, sockets or EAL files.
        prefix = os.environ.get("LAB_PREFIX", "") + prefix
        self.prefix = prefix
        self.state = "/tmp/dpvs-lab-" + prefix
        self.sock = self.state + "/dpvs.sock"
        self.env = dict(os.environ, LAB_PREFIX=prefix,
                        DPVS=os.path.join(BUILD, "src", "dpvs"), DPVS_SOCK=self.sock)
        self.ns_c, self.ns_d = prefix + "c", prefix + "d"
        self.ns_rs1, self.ns_rs2 = prefix + "rs1", prefix + "rs2"
        self.ns_r, self.ns_sw = prefix + "r", prefix + "sw"
        self.rips = (RIP1, RIP2)

    def lab(self, *args, timeout=60, check=True):
        return run(["bash", os.path.join(TOP, "scripts", "lab.sh")] + list(args),
                   timeout=timeout, check=check, env=self.env)

    def up(self, daemon=True, conf=None, mode="nat"):
        """The lab of scripts/lab.sh in mode nat, dr or tun."""
        self.lab("down", check=False)
        self.lab("up", "--mode", mode)
        if mode == "tun":
            self.rips = (TUN_RIP1, TUN_RIP2)
        self.wait_servers()
        if daemon:
            self.start_daemon(conf)

    def down(self):
        self.lab("down", check=False)

    def start_daemon(self, conf=None):
        args = ["daemon-start"] + ([conf] if conf else [])
        self.lab(*args, timeout=60)

    def stop_daemon(self):
        self.lab("daemon-stop", check=False)

    def daemon_pid(self):
        with open(self.state + "/dpvs.pid") as f:
            return int(f.read().strip())

    def daemon_log(self):
        try:
            with open(self.state + "/dpvs.log") as f:
                return f.read()
        except OSError:
            return ""

    def conf_path(self):
        return self.state + "/dpvs.conf"

    def ns(self, ns, *cmd, timeout=30, check=True, input=None):
        return run(["ip", "netns", "exec", ns] + list(cmd), timeout=timeout, check=check,
                   input=input)

    def tool(self, name, *args, check=True, timeout=30, input=None):
        return run([os.path.join(BUILD, "tools", name, name)] + list(args), timeout=timeout,
                   check=check, env=self.env, input=input)

    def dpip(self, *args, check=True):
        return self.tool("dpip", *args, check=check)

    def ipvsadm(self, *args, check=True, input=None):
        return self.tool("ipvsadm", *args, check=check, input=input)

    def wrk_no_errors(self, url, seconds=6, threads=1, conns=8):
        """A bounded wrk run from the client namespace: more than 100
        requests, no socket error, no non-2xx answer. Returns wrk's output."""
        p = self.ns(self.ns_c, "wrk", "-t", str(threads), "-c", str(conns), "-d",
                    "%ds" % seconds, "--timeout", "4s", url, timeout=seconds + 54)
        out = p.stdout
        m = re.search(r"(\d+) requests in", out)
        assert m and int(m.group(1)) > 100, out
        assert "Socket errors" not in out, out
        assert "Non-2xx" not in out, out
        return out

    def clients_fetch(self, vip, clients, rounds, path="/", must="", udp=True):
        """From each client address in turn, `rounds` times: an HTTP GET of
        path over a new connection (the body must start "I am RealServer"
        and contain `must`) and, with udp, a UDP datagram to vip:7
        (answered from vip:7 by a real server). One line per answer: "OK
        http|udp ADDR TEXT" or "BAD ..."."""
        p = self.ns(self.ns_c, "/usr/bin/python3", "-c", CLIENTS_SCRIPT, vip, path, must,
                    str(rounds), "udp" if udp else "tcp", *clients, timeout=240)
        return p.stdout.strip().splitlines()

    def wait_servers(self, timeout=15):
        def answers(ns, rip):
            p = self.ns(ns, "curl", "-s", "-m", "1", "http://%s/" % rip, check=False)
            return p.returncode == 0 and "RealServer" in p.stdout

        end = time.time() + timeout
        for ns, rip in ((self.ns_rs1, self.rips[0]), (self.ns_rs2, self.rips[1])):
            wait_until(lambda: answers(ns, rip), timeout=max(end - time.time(), 1),
                       what="real server %s to answer HTTP" % rip)

    def port_lines(self, port="dpdk0"):
        """The lines `dpip -s -s link show` prints about one port."""
        out = self.dpip("-s", "-s", "link", "show").stdout
        lines, cur = [], None
        for line in out.splitlines():
            m = re.match(r"^\d+: (\S+?):", line)
            if m:
                cur = m.group(1)
            elif cur == port:
                lines.append(line)
        return lines

    def link_counters(self, port="dpdk0"):
        """Parses `dpip -s -s link show` into {name: value} for one port."""
        counters = {}
        for line in self.port_lines(port):
            for name, val in re.findall(r"([a-z][a-z0-9_-]*)[ :]+(\d+)", line):
                counters.setdefault(name, int(val))
        return counters

    def fates(self, port="dpdk0"):
        """(rx packets, the sum of their fates) of a port, from `dpip -s -s
        link show`: equal when every received frame has exactly one fate
        (include/dpvs/ctl.h)."""
        rx, fates = None, None
        for line in self.port_lines(port):
            m = re.match(r"\s+RX: packets (\d+)", line)
            if m:
                rx = int(m.group(1))
            m = re.match(r"\s+fates: forwarded (\d+) arp-replied (\d+) icmp-echo-replied (\d+) "
                         r"to-kernel (\d+) dropped (\d+)", line)
            if m:
                fates = sum(int(g) for g in m.groups())
        return rx, fates

    def fates_add_up(self, port="dpdk0", timeout=5):
        """Waits (bounded) until the port's fates add up: counters are read
        while ARP or the kernel's own traffic may still come in."""
        wait_until(lambda: (lambda r: r[0] is not None and r[0] == r[1])(self.fates(port)),
                   timeout=timeout, what="the fates of %s to add up (rx, fates: %r)" %
                   (port, self.fates(port)))

    def drop(self, reason, port="dpdk0"):
        for line in self.port_lines(port):
            m = re.search(r"\bdrop\s+%s\s+(\d+)" % re.escape(reason), line)
            if m:
                return int(m.group(1))
        return 0


class Capture:
    """tcpdump in one of the lab's namespaces, bounded in time, written to
    a file in the lab's state directory; text() reads it back."""

    def __init__(self, lab, ns, ifname, bpf, name):
        self.ns = ns
        self.path = os.path.join(lab.state, name + ".pcap")
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, "timeout", "60", "tcpdump", "-i",
                                   ifname, "-n", "-U", "--immediate-mode", "-w", self.path, bpf],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # tcpdump says so on stderr once it listens
        line = self.p.stderr.readline()
        assert "listening on" in line, line

    def stop(self):
        time.sleep(0.3)  # -U: the last packets' records reach the file
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(timeout=5)

    def text(self, *opts):
        return run(["ip", "netns", "exec", self.ns, "tcpdump", "-r", self.path, "-n"] +
                   list(opts), check=False).stdout


CLIENTS_SCRIPT = r'''
import socket, sys
vip, path, must, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
udp = sys.argv[5] == "udp"
for r in range(rounds):
    for a in sys.argv[6:]:
        try:
            s = socket.create_connection((vip, 80), timeout=5, source_address=(a, 0))
            s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                data += d
            s.close()
            body = data.split(b"\r\n\r\n", 1)[-1].decode().strip()
            ok = body.startswith("I am RealServer") and must in body
            print(("OK" if ok else "BAD") + " http %s %s" % (a, body))
        except Exception as e:
            print("BAD http %s %r" % (a, e))
        if not udp:
            continue
        try:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind((a, 0))
            u.settimeout(3)
            u.sendto(b"ping", (vip, 7))
            d, peer = u.recvfrom(1000)
            ok = peer == (vip, 7) and d.decode().startswith("I am RealServer")
            print(("OK" if ok else "BAD") + " udp %s %s" % (a, d.decode()))
            u.close()
        except Exception as e:
            print("BAD udp %s %r" % (a, e))
'''


def wait_until(fn, timeout=10, interval=0.1, what="condition"):
    """Polls fn() until it returns something true (returned) or timeout
    seconds passed (AssertionError naming `what`, the time waited and
    fn's last value). The lab waits on conditions this way, never on a
    guessed sleep."""
    start = time.time()
    end = start + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.time() >= end:
            break
        time.sleep(min(interval, max(end - time.time(), 0)))
    raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" %
                         (time.time() - start, what, last))


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
