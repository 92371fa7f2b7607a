# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of the IPVS core and NAT mode (issue #3): the LVS guide's NAT
example typed into our ipvsadm, real HTTP and UDP through the VIP, LVS's
listing, weight 0 and dest removal semantics, reload with live connections,
ICMP errors translated, wrk with no errors.
"""
import re
import socket
import subprocess
import threading

from lab import CIP, RIP1, RIP2, VIP, Lab, wait_until

LAB = Lab("ln")


def setup():
    LAB.up(daemon=True)


def guide_nat():
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP1, "-m")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP2, "-m")


def curl(url="http://%s/" % VIP, timeout=5):
    p = LAB.ns(LAB.ns_c, "curl", "-s", "-m", str(timeout), url, check=False, timeout=timeout + 5)
    return p.stdout.strip()


def test_guide_nat_listing():
    guide_nat()
    out = LAB.ipvsadm("-Ln").stdout
    lines = out.split("\n")
    assert re.match(r"IP Virtual Server version 1\.2\.1 \(size=\d+\)$", lines[0]), out
    assert lines[1] == "Prot LocalAddress:Port Scheduler Flags", out
    assert lines[2] == "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn", out
    assert "TCP  192.168.1.111:80 rr" in lines, out
    for rip in (RIP1, RIP2):
        want = "  -> %-28s %-7s %-6d %-10u %-10u" % (rip + ":80", "Masq", 1, 0, 0)
        assert want in lines, (want, out)


def test_curl_alternates_between_real_servers():
    guide_nat()
    got = [curl() for _ in range(6)]
    assert all(g.startswith("I am RealServer") for g in got), got
    for a, b in zip(got, got[1:]):
        assert a != b, "rr did not alternate: %s" % got
    assert {"I am RealServer1 %s" % RIP1, "I am RealServer2 %s" % RIP2} == set(got), got
    out = LAB.ipvsadm("-Ln", "--stats").stdout
    m = re.search(r"^TCP  192\.168\.1\.111:80 +(\d+)", out, re.M)
    assert m and int(m.group(1)) >= 6, out
    conns = LAB.ipvsadm("-Lnc").stdout
    assert "192.168.1.10:" in conns and "192.168.1.111:80" in conns, conns


def test_dest_port_may_differ():
    LAB.ipvsadm("-A", "-t", "%s:8080" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:8080" % VIP, "-r", "%s:80" % RIP1, "-m")
    try:
        assert curl("http://%s:8080/" % VIP) == "I am RealServer1 %s" % RIP1
    finally:
        LAB.ipvsadm("-D", "-t", "%s:8080" % VIP)


UDP_CLIENT = r'''
import socket, sys
out = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((sys.argv[1], int(sys.argv[3])))
    s.send(b"ping%d" % i)
    try:
        data, peer = s.recvfrom(1000)
        out.append("%s|%s:%d" % (data.decode(), peer[0], peer[1]))
    except ConnectionRefusedError:
        out.append("REFUSED")
    except socket.timeout:
        out.append("TIMEOUT")
    s.close()
print("\n".join(out))
'''


def udp(n, port=7):
    return LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", UDP_CLIENT, VIP, str(n), str(port),
                  timeout=60).stdout.strip().split("\n")


def test_udp_echo_balanced():
    LAB.ipvsadm("-A", "-u", "%s:7" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-u", "%s:7" % VIP, "-r", "%s:7" % RIP1, "-m")
    LAB.ipvsadm("-a", "-u", "%s:7" % VIP, "-r", "%s:7" % RIP2, "-m")
    try:
        got = udp(4)
        assert all(g.endswith("|%s:7" % VIP) for g in got), got
        names = [g.split(":")[0] for g in got]
        assert names.count("I am RealServer1 %s" % RIP1) == 2, got
        assert names.count("I am RealServer2 %s" % RIP2) == 2, got
        out = LAB.ipvsadm("-Ln").stdout
        assert "UDP  192.168.1.111:7 rr" in out, out
    finally:
        LAB.ipvsadm("-D", "-u", "%s:7" % VIP)


def test_icmp_port_unreachable_translated():
    # nothing listens on the real servers' UDP port 9: their ICMP port
    # unreachable must reach the client, translated back to the VIP
    LAB.ipvsadm("-A", "-u", "%s:9" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-u", "%s:9" % VIP, "-r", "%s:9" % RIP1, "-m")
    try:
        got = udp(2, port=9)
        assert got == ["REFUSED", "REFUSED"], got
    finally:
        LAB.ipvsadm("-D", "-u", "%s:9" % VIP)


# One long-lived HTTP connection: the first request at once, each next one
# when the test writes a line to its stdin, so the test changes the
# balancer between requests of the same connection (no guessed pauses).
KEEPALIVE = r'''
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], 80, timeout=5)
for i in range(int(sys.argv[2])):
    if i and not sys.stdin.readline():
        sys.exit("stdin closed before request %d" % (i + 1))
    c.request("GET", "/")
    print(c.getresponse().read().decode().strip(), flush=True)
'''


class Keepalive:
    """The KEEPALIVE client in the client namespace, its replies read as
    they come."""

    def __init__(self, n):
        self.n = n
        self.lines = []
        self.p = subprocess.Popen(["ip", "netns", "exec", LAB.ns_c, "/usr/bin/python3", "-c",
                                   KEEPALIVE, VIP, str(n)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.strip())

    def wait_replies(self, k, timeout=10):
        """Until k replies came on the connection (it is established and
        scheduled)."""
        wait_until(lambda: len(self.lines) >= k or self.p.poll() is not None, timeout=timeout,
                   what="%d replies on the keep-alive connection" % k)
        assert len(self.lines) >= k, (self.lines, self.p.stderr.read())

    def finish(self, timeout=40):
        """The remaining requests on the same connection; all replies."""
        try:
            self.p.stdin.write("\n" * (self.n - 1))
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.p.wait(timeout=timeout)
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait(timeout=5)
        self.reader.join(timeout=5)
        err = self.p.stderr.read()
        assert self.p.returncode == 0, err
        return self.lines


def test_weight_zero_quiesces():
    guide_nat()
    ka = Keepalive(6)              # one long-lived connection, first dest (rr)
    ka.wait_replies(1)
    first = "I am RealServer1 %s" % RIP1
    LAB.ipvsadm("-e", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP1, "-m", "-w", "0")
    new = [curl() for _ in range(4)]
    lines = ka.finish()
    assert lines == [first] * 6, lines            # existing connection continued
    assert set(new) == {"I am RealServer2 %s" % RIP2}, new  # no new ones to weight 0
    out = LAB.ipvsadm("-Ln").stdout
    assert re.search(r"-> 192\.168\.229\.132:80 +Masq +0 ", out), out


def test_dest_removal_lets_connections_finish():
    guide_nat()
    ka = Keepalive(6)
    ka.wait_replies(1)
    LAB.ipvsadm("-d", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP1)
    new = [curl() for _ in range(3)]
    lines = ka.finish()
    assert lines == ["I am RealServer1 %s" % RIP1] * 6, lines
    assert set(new) == {"I am RealServer2 %s" % RIP2}, new
    assert RIP1 not in LAB.ipvsadm("-Ln").stdout


def test_reload_keeps_established_connection():
    LAB.ipvsadm("-C")
    with open(LAB.conf_path()) as f:
        orig = f.read()
    base = orig + ("\n[service:web]\nservice = -t %s:80 -s rr\nrs1 = -r %s:80 -m\n"
                   "\n[service:other]\nservice = -t %s:81 -s rr\nrs1 = -r %s:80 -m\n"
                   % (VIP, RIP1, VIP, RIP2))
    try:
        with open(LAB.conf_path(), "w") as f:
            f.write(base)
        LAB.dpip("config", "reload")
        out = LAB.ipvsadm("-Ln").stdout
        assert "TCP  192.168.1.111:80 rr" in out and "TCP  192.168.1.111:81 rr" in out, out
        ka = Keepalive(8)
        ka.wait_replies(1)
        # remove one service, add another, change the web service's dests
        changed = orig + ("\n[service:web]\nservice = -t %s:80 -s rr\nrs1 = -r %s:80 -m\n"
                          "rs2 = -r %s:80 -m\n"
                          "\n[service:udp]\nservice = -u %s:7 -s rr\nrs1 = -r %s:7 -m\n"
                          % (VIP, RIP1, RIP2, VIP, RIP1))
        with open(LAB.conf_path(), "w") as f:
            f.write(changed)
        LAB.dpip("config", "reload")
        lines = ka.finish()
        assert lines == ["I am RealServer1 %s" % RIP1] * 8, lines
        out = LAB.ipvsadm("-Ln").stdout
        assert "192.168.1.111:81" not in out and "UDP  192.168.1.111:7 rr" in out, out
        assert RIP2 + ":80" in out, out
    finally:
        with open(LAB.conf_path(), "w") as f:
            f.write(orig)
        LAB.dpip("config", "reload", check=False)
        LAB.ipvsadm("-C")


def test_wrk_no_errors():
    guide_nat()
    LAB.wrk_no_errors("http://%s/" % VIP, seconds=8)


def test_invalid_ipvsadm_changes_nothing():
    guide_nat()
    before = LAB.ipvsadm("-Ln").stdout
    for args, code in ((["-A", "-t", "%s:80" % VIP, "-s", "rr"], 255),
                       (["-a", "-t", "%s:80" % VIP, "-r", "%s:99999" % RIP1, "-m"], 2),
                       (["-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP1, "-m", "-w", "-1"], 2),
                       (["-D", "-t", "192.168.1.99:80"], 255),
                       (["-A", "-t", "%s:80" % VIP, "-E"], 2)):
        p = LAB.ipvsadm(*args, check=False)
        assert p.returncode == code and p.stderr.strip(), (args, p.returncode, p.stderr)
    assert LAB.ipvsadm("-Ln").stdout == before
