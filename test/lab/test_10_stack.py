# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of the foundation (issue #2): the daemon in its namespace on
net_af_packet ports, answering ARP and ping, KNI reachability, dpip round
trips, config reload, malformed frames, control-socket garbage, clean stop.
"""
import os
import re
import socket
import struct

from lab import CIP, DIP, TOP, VIP, Lab, pid_alive, run, wait_until

LAB = Lab("lt")


def setup():
    LAB.up(daemon=True)


def ping(count=3, dst=VIP):
    return LAB.ns(LAB.ns_c, "ping", "-c", str(count), "-i", "0.2", "-W", "2", dst, check=False)


def test_addresses_shown():
    out = LAB.dpip("addr", "show").stdout
    assert "inet %s/24" % VIP in out and "dpdk0" in out, out
    assert "inet %s/24" % DIP in out and "dpdk1" in out, out


def test_ping_vip_from_client():
    before = LAB.link_counters("dpdk0").get("icmp-echo-replied", 0)
    p = ping(3)
    assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr
    after = LAB.link_counters("dpdk0").get("icmp-echo-replied", 0)
    assert after >= before + 3, (before, after)


def test_ping_dip_from_real_server():
    p = LAB.ns(LAB.ns_rs1, "ping", "-c", "2", "-i", "0.2", "-W", "2", DIP, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def client_mac():
    out = LAB.ns(LAB.ns_c, "cat", "/sys/class/net/c0/address").stdout.strip()
    return out.lower()


def test_arp_learned_neighbour_shown():
    ping(1)
    out = LAB.dpip("neigh", "show").stdout
    m = re.search(r"^%s dev dpdk0 lladdr (\S+) (\S+)" % re.escape(CIP), out, re.M)
    assert m, out
    assert m.group(1).lower() == client_mac(), (m.group(1), client_mac())
    assert m.group(2) in ("REACHABLE", "STALE"), out


def test_link_show():
    out = LAB.dpip("link", "show").stdout
    assert re.search(r"^\d+: dpdk0:", out, re.M) and re.search(r"^\d+: dpdk1:", out, re.M), out
    assert "dpdk0.kni" in out, out
    out = LAB.dpip("-s", "link", "show").stdout
    assert "rx" in out.lower(), out


def test_link_set_down_up():
    """dpip link set dpdk0 down: the worker stops using the port (no
    answer), the device keeps its carrier; up again, it answers."""
    assert ping(1).returncode == 0
    LAB.dpip("link", "set", "dev", "dpdk0", "down")
    try:
        out = LAB.dpip("link", "show", "dpdk0").stdout
        assert re.search(r"^\d+: dpdk0: <LOWER_UP[,>].* state DOWN$", out, re.M), out
        before = LAB.link_counters("dpdk0").get("packets", 0)  # RX packets
        p = ping(2)
        assert p.returncode != 0, "answered while down: " + p.stdout
        assert LAB.link_counters("dpdk0").get("packets", 0) == before
        bad = LAB.dpip("link", "set", "dpdk9", "down", check=False)
        assert bad.returncode == 1 and "no device 'dpdk9'" in bad.stderr, bad.stderr
    finally:
        LAB.dpip("link", "set", "dpdk0", "up")
    out = LAB.dpip("link", "show", "dpdk0").stdout
    assert re.search(r"^\d+: dpdk0: <UP,LOWER_UP[,>].* state UP$", out, re.M), out
    wait_until(lambda: ping(1).returncode == 0, timeout=10, what="ping after link up")


def test_kni_tcp_reachable():
    # a management service bound on the KNI interface in the director's namespace
    srv = LAB.ns(LAB.ns_d, "sh", "-c", "ip addr show dpdk0.kni")
    assert VIP in srv.stdout, srv.stdout
    code = ("import socket,sys\n"
            "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "s.bind(('%s', 2222)); s.listen(1); s.settimeout(20)\n"
            "c,_=s.accept(); c.settimeout(10); d=c.recv(100); c.sendall(b'kni:'+d); c.close()\n"
            % VIP)
    import subprocess
    p = subprocess.Popen(["ip", "netns", "exec", LAB.ns_d, "/usr/bin/python3", "-c", code])
    try:
        wait_until(lambda: p.poll() is not None or
                   LAB.ns(LAB.ns_d, "ss", "-Hltn", "sport = :2222").stdout.strip(),
                   timeout=10, what="the management service to listen on %s:2222" % VIP)
        assert p.poll() is None, "the management service exited (rc %s)" % p.returncode
        cli = ("import socket\n"
               "s=socket.create_connection(('%s', 2222), timeout=10)\n"
               "s.sendall(b'hello'); print(s.recv(100).decode())\n" % VIP)
        out = LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", cli, timeout=20).stdout
        assert out.strip() == "kni:hello", out
    finally:
        p.wait(timeout=20)
    c = LAB.link_counters("dpdk0")
    assert c.get("to-kernel", 0) > 0 and c.get("from-kernel", 0) > 0, c


def test_dpip_addr_round_trip():
    LAB.dpip("addr", "add", "192.168.1.200/24", "dev", "dpdk0")
    assert "192.168.1.200/24" in LAB.dpip("addr", "show").stdout
    assert ping(2, "192.168.1.200").returncode == 0
    p = LAB.dpip("addr", "add", "192.168.1.200/24", "dev", "dpdk0", check=False)
    assert p.returncode != 0 and p.stderr.strip(), p.stderr
    LAB.dpip("addr", "del", "192.168.1.200/24", "dev", "dpdk0")
    assert "192.168.1.200/24" not in LAB.dpip("addr", "show").stdout
    p = LAB.dpip("addr", "del", "192.168.1.200/24", "dev", "dpdk0", check=False)
    assert p.returncode != 0 and p.stderr.strip(), p.stderr
    p = LAB.dpip("addr", "add", "192.168.1.201/24", "dev", "nosuchport", check=False)
    assert p.returncode != 0 and "nosuchport" in p.stderr, p.stderr


def test_dpip_route_round_trip():
    LAB.dpip("route", "add", "10.99.0.0/16", "via", "192.168.1.10", "dev", "dpdk0")
    assert re.search(r"10\.99\.0\.0/16 via 192\.168\.1\.10 dev dpdk0", LAB.dpip("route", "show").stdout)
    LAB.dpip("route", "del", "10.99.0.0/16", "via", "192.168.1.10", "dev", "dpdk0")
    assert "10.99.0.0/16" not in LAB.dpip("route", "show").stdout
    out = LAB.dpip("route", "show").stdout
    assert re.search(r"192\.168\.1\.0/24 dev dpdk0", out), out


def test_dpip_neigh_round_trip():
    LAB.dpip("neigh", "add", "192.168.1.77", "lladdr", "02:00:00:00:00:77", "dev", "dpdk0")
    out = LAB.dpip("neigh", "show").stdout
    assert re.search(r"192\.168\.1\.77 dev dpdk0 lladdr 02:00:00:00:00:77 PERMANENT", out), out
    LAB.dpip("neigh", "del", "192.168.1.77", "dev", "dpdk0")
    assert "192.168.1.77 " not in LAB.dpip("neigh", "show").stdout


def test_dpip_help_and_errors():
    for args in (["-h"], ["addr", "-h"], ["route", "-h"], ["neigh", "-h"], ["link", "-h"]):
        p = LAB.dpip(*args, check=False)
        assert p.returncode == 0 and "Usage" in (p.stdout + p.stderr), (args, p.stdout, p.stderr)
    p = LAB.dpip("addr", "add", "300.1.1.1/24", "dev", "dpdk0", check=False)
    assert p.returncode != 0 and "300.1.1.1" in p.stderr, p.stderr
    p = LAB.dpip("frobnicate", check=False)
    assert p.returncode != 0, p.stdout


def write_conf(extra):
    with open(LAB.conf_path()) as f:
        text = f.read()
    text = text.replace("[addresses]\n", "[addresses]\n" + extra)
    with open(LAB.conf_path(), "w") as f:
        f.write(text)
    return text


def test_reload_good_and_bad():
    with open(LAB.conf_path()) as f:
        orig = f.read()
    try:
        write_conf("extra = 192.168.1.210/24 dev dpdk0\n")
        out = LAB.dpip("config", "reload").stdout
        assert "192.168.1.210/24" in LAB.dpip("addr", "show").stdout, out
        assert ping(1, "192.168.1.210").returncode == 0
        # a bad file: nothing changes and the caller sees why
        with open(LAB.conf_path(), "w") as f:
            f.write(orig.replace("[addresses]\n", "[addresses]\nbad = 192.168.1.211/99 dev dpdk0\n")
                    + "\n[bogus]\nkey = 1\n")
        p = LAB.dpip("config", "reload", check=False)
        assert p.returncode != 0, p.stdout
        assert "bogus" in p.stderr and "/99" in p.stderr, p.stderr
        assert "192.168.1.210/24" in LAB.dpip("addr", "show").stdout
        # SIGHUP with the original file removes the extra address again
        with open(LAB.conf_path(), "w") as f:
            f.write(orig)
        os.kill(LAB.daemon_pid(), 1)
        wait_until(lambda: "192.168.1.210/24" not in LAB.dpip("addr", "show").stdout,
                   what="SIGHUP reload")
        # an init-only change is reported, not applied
        with open(LAB.conf_path(), "w") as f:
            f.write(orig.replace("memory = 256", "memory = 300"))
        out = LAB.dpip("config", "reload").stdout
        assert "restart" in out, out
    finally:
        with open(LAB.conf_path(), "w") as f:
            f.write(orig)
        LAB.dpip("config", "reload", check=False)


SCAPY = r'''
import sys
from scapy.all import Ether, IP, IPv6, ICMP, UDP, TCP, ARP, Raw, sendp, conf
conf.verb = 0
dmac = sys.argv[1]
smac = sys.argv[2]
vip = "%s"
cip = "%s"
good = IP(src=cip, dst=vip)/ICMP()
frames = {
  "arp-bad": Ether(dst=dmac, src=smac)/ARP(hwtype=6, hwlen=6, plen=4, pdst=vip, psrc=cip),
  "ip-bad-version": Ether(dst=dmac, src=smac, type=0x0800)/Raw(b"\x65" + bytes(good)[1:]),
  "ip-bad-ihl": Ether(dst=dmac, src=smac, type=0x0800)/Raw(b"\x43" + bytes(good)[1:]),
  "ip-bad-len": Ether(dst=dmac, src=smac)/IP(src=cip, dst=vip, len=1000)/ICMP(),
  "ip-bad-csum": Ether(dst=dmac, src=smac)/IP(src=cip, dst=vip, chksum=0x1234)/ICMP(),
  "ip-ttl-expired": Ether(dst=dmac, src=smac)/IP(src=cip, dst=vip, ttl=0)/ICMP(),
  "ip-options": Ether(dst=dmac, src=smac)/IP(src=cip, dst=vip, options=[b"\x01\x01\x01\x00"])/ICMP(),
  "ip-bad-src": Ether(dst=dmac, src=smac)/IP(src="224.0.0.5", dst=vip)/ICMP(),
  "l2-bad-src": Ether(dst=dmac, src="01:00:5e:00:00:01")/IP(src=cip, dst=vip)/ICMP(),
  "ip-short": Ether(dst=dmac, src=smac, type=0x0800)/Raw(b"\x45\x00\x00\x14\x00\x00"),
  # a client's packet to an IPv6 VIP: services may be IPv6, forwarding not yet
  "ipv6-not-forwarded": Ether(dst=dmac, src=smac)/IPv6(src="2001:db8:1::10", dst="2001:db8::1")/UDP(dport=80),
}
which = sys.argv[3:] or list(frames)
for k in which:
    sendp(frames[k], iface="c0", count=3)
'''


def test_malformed_frames_dropped_with_reason():
    dmac = LAB.ns(LAB.ns_d, "cat", "/sys/class/net/d0/address").stdout.strip()
    smac = client_mac()
    # Two reasons cannot be produced over this lab's links and are covered by
    # the unit tests and the fuzzer instead: a frame shorter than Ethernet
    # cannot cross a veth (l2-short), and net_af_packet joins a fanout group
    # with PACKET_FANOUT_FLAG_DEFRAG, so the kernel holds a lone fragment
    # for reassembly and never hands it over (ip-fragment).
    reasons = ["arp-bad", "ip-bad-version", "ip-bad-ihl", "ip-bad-len", "ip-bad-csum",
               "ip-ttl-expired", "ip-options", "ip-bad-src", "l2-bad-src", "ip-short",
               "ipv6-not-forwarded"]
    before = {r: LAB.drop(r) for r in reasons}
    LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", SCAPY % (VIP, CIP), dmac, smac, timeout=60)

    def missing():
        return [r for r in reasons if LAB.drop(r) < before[r] + 3]

    try:
        wait_until(lambda: not missing(), timeout=10, what="the drop counters to move")
    except AssertionError:
        raise AssertionError("counters that did not move: %s\n%s" % (
            missing(), LAB.dpip("-s", "-s", "link", "show").stdout))
    assert ping(2).returncode == 0, "daemon stopped answering after malformed frames"


def test_control_socket_garbage():
    def send(data, read=True):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(LAB.sock)
        s.sendall(data)
        out = b""
        if read:
            try:
                out = s.recv(4096)
            except socket.timeout:
                out = b""
        s.close()
        return out

    hdr = lambda magic, ver, typ, ln: struct.pack("<IHHIIiI", magic, ver, typ, ln, 7, 0, 0)
    with open(os.path.join(TOP, "include", "dpvs", "ctl.h")) as f:
        V = int(re.search(r"#define DPVS_CTL_VERSION (\d+)", f.read()).group(1))
    # bad magic, wrong version, unknown type, oversized, short payload, truncated
    for data in (b"garbage garbage garbage!", hdr(0x53565044, 99, 1, 0),
                 hdr(0x53565044, V, 999, 0), hdr(0x53565044, V, 20, 1 << 30),
                 hdr(0x53565044, V, 20, 3) + b"abc"):
        reply = send(data)
        assert len(reply) >= 24, (data, reply)
        status = struct.unpack("<i", reply[16:20])[0]
        assert status < 0, (data, reply)
    send(hdr(0x53565044, V, 20, 40) + b"short", read=False)
    # LINK_SET (11) with a name that is not terminated, and with a state
    # that is neither up nor down: refused with a reason, nothing changes
    for payload, why in ((b"x" * 16 + struct.pack("<I", 0), b"not terminated"),
                         (b"dpdk0".ljust(16, b"\0") + struct.pack("<I", 7), b"neither up")):
        reply = send(hdr(0x53565044, V, 11, len(payload)) + payload)
        assert struct.unpack("<i", reply[16:20])[0] < 0 and why in reply, reply
    assert ping(1).returncode == 0, "dpdk0 stopped answering after a bad LINK_SET"
    assert "inet %s/24" % VIP in LAB.dpip("addr", "show").stdout


def test_sigterm_leaves_nothing():
    pid = LAB.daemon_pid()
    os.kill(pid, 15)
    wait_until(lambda: not pid_alive(pid), timeout=20, what="dpvs to exit")
    links = LAB.ns(LAB.ns_d, "ip", "-o", "link", "show").stdout
    assert "kni" not in links, links
    assert not os.path.exists(LAB.sock)
    leftovers = [f for f in os.listdir("/dev/hugepages") if f.startswith("dpvs-lt")]
    assert not leftovers, leftovers
    log = LAB.daemon_log()
    assert "stopped" in log, log[-2000:]
