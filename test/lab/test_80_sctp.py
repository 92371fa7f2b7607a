# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of SCTP services and the SIP persistence engine (issue #17
item 2), in the NAT lab:

- `ipvsadm -A --sctp-service VIP:3868` with two NAT real servers on
  another port (3869): whole associations built from the client's
  namespace (sctp_peer.py: INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK, DATA,
  SACK, SHUTDOWN, SHUTDOWN-ACK, SHUTDOWN-COMPLETE on raw sockets, this
  kernel has no SCTP), answered by raw-socket servers in the real
  servers' namespaces, which log every packet they get: each arrives
  rewritten to RIP:3869 with a right CRC32c, each reply reaches the
  client from VIP:3868 with a right one; rr spreads the associations;
  `-Lnc` shows LVS's SCTP states (ESTABLISHED, CLOSED), `-Ln` the
  service and the active/inactive counts;
- -S, -C, -R, -S gives the same bytes, SCTP and --pe sip included; an
  SCTP service declared in the config file and reloaded;
- `--pe sip`: SIP-like datagrams of one call from several client ports
  reach one real server, another call of the same client the other one;
  datagrams without a Call-ID stick to the client's plain template.
Every helper process is bounded in time and stopped by PID.
"""
import os

from lab import RIP1, RIP2, VIP, Lab, wait_until
from sctp_lab import SctpPeers, spawn, stop

LAB = Lab("lsc")
HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
VPORT, RPORT = 3868, 3869
SIP = 5060

procs = []


def setup():
    LAB.up(daemon=True)


def teardown():
    stop(procs)


def sctp_services():
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "--sctp-service", "%s:%d" % (VIP, VPORT), "-s", "rr")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "--sctp-service", "%s:%d" % (VIP, VPORT), "-r",
                    "%s:%d" % (rip, RPORT), "-m")


def test_sctp_service_listing():
    sctp_services()
    lines = LAB.ipvsadm("-Ln").stdout.split("\n")
    assert "SCTP %s:%d rr" % (VIP, VPORT) in lines, lines
    for rip in (RIP1, RIP2):
        want = "  -> %-28s %-7s %-6d %-10u %-10u" % ("%s:%d" % (rip, RPORT), "Masq", 1, 0, 0)
        assert want in lines, (want, lines)
    out = LAB.ipvsadm("-L", "-n", "--sctp-service", "%s:%d" % (VIP, VPORT)).stdout
    assert "SCTP %s:%d rr" % (VIP, VPORT) in out, out
    save = LAB.ipvsadm("-S", "-n").stdout
    assert "-A --sctp-service %s:%d -s rr\n" % (VIP, VPORT) in save, save
    assert "-a --sctp-service %s:%d -r %s:%d -m -w 1\n" % (VIP, VPORT, RIP1, RPORT) in save, save
    # Full-NAT is refused for SCTP (the daemon says why; ipvsadm still
    # prints 1.31's errno text for EOPNOTSUPP until issue 17 item 1)
    p = LAB.ipvsadm("-a", "--sctp-service", "%s:%d" % (VIP, VPORT), "-r", "%s:9" % RIP1,
                    "--fullnat", check=False)
    assert p.returncode != 0, p
    assert "%s:9" % RIP1 not in LAB.ipvsadm("-Ln").stdout


def test_sctp_associations_nat():
    sctp_services()
    peers = SctpPeers(LAB, VIP, VPORT)
    try:
        # LVS's states in the connection list: ESTABLISHED, CLOSED
        got, rows = peers.run(RPORT)
        servers = [r["server"] for r in got]
        assert servers.count("RealServer1") == 3 and servers.count("RealServer2") == 3, servers
        assert rows[40004][2] in ("14:59", "15:00"), rows
        lines = LAB.ipvsadm("-Ln").stdout.split("\n")
        for rip in (RIP1, RIP2):
            # one held association each, ESTABLISHED: active (the closed
            # ones count as inactive)
            m = [ln for ln in lines if ln.startswith("  -> %s:%d " % (rip, RPORT))]
            assert m and m[0].split()[4] == "1", (m, lines)
        assert LAB.drop("l4-bad-csum") == 0 and LAB.drop("sctp-not-init") == 0
        LAB.fates_add_up()
        LAB.fates_add_up("dpdk1")
    finally:
        peers.stop()


def test_save_restore_round_trip():
    sctp_services()
    LAB.ipvsadm("-A", "-u", "%s:%d" % (VIP, SIP), "-s", "rr", "-p", "360", "--pe", "sip")
    LAB.ipvsadm("-a", "-u", "%s:%d" % (VIP, SIP), "-r", "%s:%d" % (RIP1, SIP), "-m")
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP, "-s", "wlc")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP2, "-m", "-w", "3")
    first = LAB.ipvsadm("-S", "-n").stdout
    assert "-A -u %s:%d -s rr -p 360 --pe sip\n" % (VIP, SIP) in first, first
    LAB.ipvsadm("-C")
    assert LAB.ipvsadm("-S", "-n").stdout == ""
    LAB.ipvsadm("-R", input=first)
    assert LAB.ipvsadm("-S", "-n").stdout == first
    lines = LAB.ipvsadm("-Ln").stdout.split("\n")
    assert "UDP  %s:%d rr persistent 360 pe sip" % (VIP, SIP) in lines, lines


def test_sctp_in_config_file():
    LAB.ipvsadm("-C")
    with open(LAB.conf_path()) as f:
        orig = f.read()
    try:
        with open(LAB.conf_path(), "w") as f:
            f.write(orig + "\n[service:diameter]\nservice = --sctp-service %s:%d -s wlc\n"
                    "rs1 = -r %s:%d -m\nrs2 = -r %s -g\n" % (VIP, VPORT, RIP1, RPORT, RIP2))
        LAB.dpip("config", "reload")
        lines = LAB.ipvsadm("-Ln").stdout.split("\n")
        assert "SCTP %s:%d wlc" % (VIP, VPORT) in lines, lines
        assert any(ln.startswith("  -> %s:%d" % (RIP2, VPORT)) and "Route" in ln
                   for ln in lines), lines
    finally:
        with open(LAB.conf_path(), "w") as f:
            f.write(orig)
        LAB.dpip("config", "reload", check=False)


def sip(*calls):
    out = LAB.ns(LAB.ns_c, "timeout", "60", PY, os.path.join(HERE, "sip_peer.py"), "client",
                 "--vip", VIP, "--port", str(SIP), *calls, timeout=70).stdout
    return [line.split() for line in out.strip().split("\n")]


def test_sip_call_id_persistence():
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-A", "-u", "%s:%d" % (VIP, SIP), "-s", "rr", "-p", "360", "--pe", "sip")
    for rip in (RIP1, RIP2):
        LAB.ipvsadm("-a", "-u", "%s:%d" % (VIP, SIP), "-r", "%s:%d" % (rip, SIP), "-m")
    for name, ns, rip in (("RealServer1", LAB.ns_rs1, RIP1), ("RealServer2", LAB.ns_rs2, RIP2)):
        procs.append(spawn(ns, "sip_peer.py", "server", "--bind", rip, "--port", str(SIP),
                           "--name", name, "--seconds", "90"))
    try:
        # both servers up: two new calls (rr) answered, bounded
        warm = iter(range(100))
        wait_until(lambda: all(r[2] != "TIMEOUT" for r in
                               sip(*("warm%d@x:%d" % (i, 5090 + i % 2)
                                     for i in (next(warm), next(warm))))),
                   timeout=30, interval=0.5, what="both SIP servers to answer")
        got = sip("call-a@pc33:5070", "call-b@pc33:5071", "call-a@pc33:5072",
                  "call-b@pc33:5073", "call-a@pc33:5074", "none:5075", "none:5076", "none:5077")
        by = {}
        for callid, sport, server in got:
            assert server != "TIMEOUT", got
            by.setdefault(callid, set()).add(server)
        # one server per call, whatever the client port; the client's two
        # calls on different servers (plain persistence would not split them)
        assert all(len(s) == 1 for s in by.values()), got
        assert by["call-a@pc33"] != by["call-b@pc33"], got
        assert len(by["none"]) == 1, got  # no Call-ID: the plain template
        lines = LAB.ipvsadm("-Ln").stdout.split("\n")
        assert "UDP  %s:%d rr persistent 360 pe sip" % (VIP, SIP) in lines, lines
        assert "-A -u %s:%d -s rr -p 360 --pe sip" % (VIP, SIP) in LAB.ipvsadm("-S", "-n").stdout
        LAB.fates_add_up()
    finally:
        stop(procs)
