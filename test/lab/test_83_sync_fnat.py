# SPDX-License-Identifier: BSD-3-Clause
"""Full-NAT failover (issue #18 item 3, Full-NAT): test_80_sync's two
directors and clients (its helpers, imported), with the Full-NAT service
of conf/lab-ha-fnat-X.conf on both (two workers each) and the local
address (LIP) 192.168.229.150 floating with the VIP ([ipvs]
floating_laddr): the backup holds the LIP without owning it, so it
installs the master's synced conns with their LIP:lport, answers no ARP
for it and passes no packet of those conns (fnat-lip-absent) until the
LIP is added there. A is killed with SIGKILL; the LIP and the VIP move to
B (dpip addr add, or keepalived's notify script), whose gratuitous ARPs
turn the real servers and the client; every established connection goes
on with no reset and no lost request, also behind the SYN proxy. The
outage is printed in ms.
"""
import re
import subprocess
import time

import test_80_sync as sync
from lab import VIP, wait_until

LAB = sync.LAB
LIP = "192.168.229.150"
CIP = "192.168.1.10"


def setup():
    LAB.up("fnat")  # the services come from the config files
    LAB.sh("activate", "a")


def dpip(x, *args, check=True):
    return LAB.tool(x, "dpip", *args, check=check)


def mac_of(x, port):
    out = dpip(x, "link", "show").stdout
    m = re.search(r"^\d+: %s:.*\n\s+link/ether (\S+)" % port, out, re.M)
    assert m, out
    return m.group(1)


def drop(x, reason, port):
    out = dpip(x, "-s", "-s", "link", "show").stdout
    cur = None
    for line in out.splitlines():
        m = re.match(r"^\d+: (\S+?):", line)
        if m:
            cur = m.group(1)
        elif cur == port:
            m = re.search(r"\bdrop\s+%s\s+(\d+)" % re.escape(reason), line)
            if m:
                return int(m.group(1))
    return 0


def conns_per_worker(x):
    """dpip stats' connections column, by worker index."""
    out = dpip(x, "stats").stdout
    lines = out.splitlines()
    col = lines[0].split().index("conns")
    rows = [line.split() for line in lines[1:] if re.match(r"^\s*\d+\s", line)]
    return [int(r[col]) for r in rows], out


ARP_WHO = r'''
import sys
from scapy.all import ARP, Ether, srp, conf
conf.verb = 0
ans, _ = srp(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=sys.argv[1]), iface="eth0",
             timeout=1, multi=True)
print(" ".join(sorted({r.hwsrc for _, r in ans})))
'''


def arp_answers(addr):
    """The MACs that answer ARP for addr on the real servers' LAN."""
    p = LAB.ns(sync.PREFIX + "rs1", "/usr/bin/python3", "-c", ARP_WHO, addr, timeout=30)
    return p.stdout.split()


def test_backup_holds_the_lip():
    """Both directors have the service with its LIP (the config file); the
    backup holds it without owning it: its --get-laddr lists it, dpip addr
    does not, and only the master answers ARP for it. --add-laddr of a
    second absent address works the same from ipvsadm."""
    for x in "ab":
        out = LAB.ipvsadm(x, "--get-laddr", "-t", "%s:80" % VIP).stdout
        assert LIP in out, (x, out)
    assert re.search(r"inet %s/24 scope global lip dpdk1" % re.escape(LIP),
                     dpip("a", "addr", "show").stdout)
    assert LIP not in dpip("b", "addr", "show").stdout
    assert arp_answers(LIP) == [mac_of("a", "dpdk1")]
    LAB.ipvsadm("b", "--add-laddr", "-z", "192.168.229.151", "-t", "%s:80" % VIP, "-F", "dpdk1")
    assert "192.168.229.151" in LAB.ipvsadm("b", "--get-laddr", "-t", "%s:80" % VIP).stdout
    p = LAB.ipvsadm("b", "--add-laddr", "-z", "192.168.229.152", "-t", "%s:80" % VIP,
                    "-F", "nosuch0", check=False)
    assert p.returncode == 255 and "nosuch0" in p.stderr, p
    LAB.ipvsadm("b", "--del-laddr", "-z", "192.168.229.151", "-t", "%s:80" % VIP)
    assert "192.168.229.151" not in LAB.ipvsadm("b", "--get-laddr").stdout


STRAY = r'''
import sys
from scapy.all import IP, TCP, Ether, sendp, conf
conf.verb = 0
mac, vip, cport = sys.argv[1], sys.argv[2], int(sys.argv[3])
sendp(Ether(dst=mac) / IP(src="192.168.1.10", dst=vip) /
      TCP(sport=cport, dport=80, flags="A", seq=1, ack=1), iface="c0", count=3)
'''

HOLD = r'''
import socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=5)
print(s.getsockname()[1], flush=True)
time.sleep(float(sys.argv[2]))
'''


def test_synced_conn_waits_for_its_lip():
    """A conn synced to the backup whose LIP is still the master's passes
    no packet there: three segments of it sent to the backup's MAC are
    counted fnat-lip-absent, not forwarded."""
    LAB.ipvsadm("a", "--start-daemon", "master", "--mcast-interface", LAB.sync_if)
    LAB.ipvsadm("b", "--start-daemon", "backup", "--mcast-interface", LAB.sync_if)
    hold = subprocess.Popen(["ip", "netns", "exec", LAB.ns_c, "/usr/bin/python3", "-c", HOLD,
                             VIP, "15"], stdout=subprocess.PIPE, text=True)
    try:
        cport = int(hold.stdout.readline())
        wait_until(lambda: re.search(r"ESTABLISHED +%s:%d " % (re.escape(CIP), cport),
                                     LAB.ipvsadm("b", "-Lnc").stdout),
                   timeout=10, what="the backup to hold the conn")
        before = drop("b", "fnat-lip-absent", "dpdk0")
        fwd = LAB.sync_counters("b")
        LAB.ns(LAB.ns_c, "/usr/bin/python3", "-c", STRAY, mac_of("b", "dpdk0"), VIP, str(cport))
        wait_until(lambda: drop("b", "fnat-lip-absent", "dpdk0") >= before + 3, timeout=5,
                   what="the backup to count the conn's segments (%d before)" % before)
        assert LAB.sync_counters("b").get("unsupported", 0) == fwd.get("unsupported", 0)
    finally:
        hold.kill()
        hold.wait(timeout=10)
        for x, state in (("a", "master"), ("b", "backup")):
            LAB.ipvsadm(x, "--stop-daemon", state, check=False)


move_by_dpip = sync.move_by_dpip


def test_failover_fnat():
    """Long-lived conns and a stream of new ones through A; A killed, the
    LIP and the VIP added on B. Every synced conn was installed on the
    worker that owns its local port (none unsupported) and goes on."""
    per_a = {}

    def move():
        per_a["a"] = conns_per_worker("a")
        return move_by_dpip()

    sync.failover(move, what="Full-NAT, dpip addr add", unchanged=("unsupported",))
    # the worker holding the conns on A holds them on B (a reply's owner
    # is its lport: both directors run 2 workers)
    a, out_a = per_a["a"]
    b, out_b = conns_per_worker("b")
    assert len(a) == len(b) == 2, (out_a, out_b)
    busy = max(range(2), key=lambda i: a[i])
    assert a[busy] >= sync.NCONNS and b[busy] >= sync.NCONNS, (out_a, out_b)
    assert arp_answers(LIP) == [mac_of("b", "dpdk1")]


def test_failover_fnat_keepalived():
    """The same with VRRP deciding (conf/keepalived/dpvs-ha-fnat.conf): the
    notify script adds the LIP, then the VIP."""
    LAB.up("fnat")
    LAB.sh("vrrp-start", "a")
    LAB.sh("vrrp-start", "b")
    wait_until(lambda: sync.notify_added("a"), timeout=15, what="keepalived to make A master")

    def move():
        LAB.sh("kill", "a")
        LAB.sh("vrrp-kill", "a")
        return wait_until(lambda: sync.notify_added("b"), timeout=15,
                          what="keepalived to make B master")

    sync.failover(move, seconds=20, what="Full-NAT, keepalived", unchanged=("unsupported",))


def test_failover_fnat_synproxy():
    """Full-NAT behind the SYN proxy (-E ... --synproxy enable on both):
    each conn synced with its LIP:lport and its splice."""
    LAB.up("fnat")
    LAB.sh("activate", "a")
    for x in "ab":
        LAB.ipvsadm(x, "-E", "-t", "%s:80" % VIP, "-s", "rr", "--synproxy", "enable")
        assert "TCP  %s:80 rr synproxy" % VIP in LAB.ipvsadm(x, "-Ln").stdout.splitlines()
    sync.synproxy_failover("Full-NAT + SYN proxy, dpip addr add")


def teardown():
    LAB.down()

