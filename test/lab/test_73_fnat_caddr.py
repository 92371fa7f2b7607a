# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of Full-NAT's client address (issue 16 item 4), two arms
(the NAT lab, scripts/lab.sh up; the LIP on the servers' side):

  - TOA: a capture on the real server's side shows option 254 with the
    client's address and port on the SYN from the LIP and on the first
    segments after it, never after the third, every checksum right; the
    client's capture shows the real server's SYN-ACK MSS 8 lower (1452);
    the real server's application (toa_server.py: TCP_SAVE_SYN) reads
    the client's address while its kernel sees the LIP;
  - a bounded wrk run (20 connections, 5 s) through the TOA service with
    zero errors, every connection with the client's address;
  - UOA: a capture shows IPv4 option 31 with the client's address and port
    on a UDP flow's first three datagrams, not on the others; every
    datagram answered;
  - dpip stats counts them; [ipvs] fnat_toa = no (a reload) stops TOA;
    the fates add up.
"""
import os
import re

from caddr import (counters, curl, ip_ok, mss, pcap_ip_packets, start_toa_server, stop, toa,
                   tcp_flags, tcp_payload_len, tcp_ports, udp_client, uoa)
from lab import CIP, RIP1, VIP, Capture, Lab

LAB = Lab("lk")
LIP = "192.168.229.140"
TOA_PORT = 8081
servers = []


def setup():
    LAB.up(daemon=True)
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk1")
    LAB.ipvsadm("-A", "-t", "%s:%d" % (VIP, TOA_PORT), "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:%d" % (VIP, TOA_PORT), "-r", "%s:%d" % (RIP1, TOA_PORT), "--fullnat")
    LAB.ipvsadm("-P", "-z", LIP, "-t", "%s:%d" % (VIP, TOA_PORT))
    LAB.ipvsadm("-A", "-u", "%s:7" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-u", "%s:7" % VIP, "-r", "%s:7" % RIP1, "--fullnat")
    LAB.ipvsadm("-P", "-z", LIP, "-u", "%s:7" % VIP)
    servers.append(start_toa_server(LAB, LAB.ns_rs1, RIP1, TOA_PORT))


def teardown():
    for p in servers:
        stop(p)


def test_toa_seen_by_capture_and_server():
    rs = Capture(LAB, LAB.ns_rs1, "eth0", "tcp port %d" % TOA_PORT, "toa_rs")
    cl = Capture(LAB, LAB.ns_c, "c0", "tcp port %d" % TOA_PORT, "toa_cl")
    try:
        body = curl(LAB, "http://%s:%d/" % (VIP, TOA_PORT))
    finally:
        rs.stop()
        cl.stop()
    m = re.match(r"toa %s:(\d+) peer %s:(\d+)$" % (re.escape(CIP), re.escape(LIP)), body)
    assert m, body
    cport, lport = int(m.group(1)), int(m.group(2))
    # towards the real server: from LIP:lport, TOA on the SYN and on the
    # handshake's ACK and first data, none later
    pk = [p for p in pcap_ip_packets(rs.path) if tcp_ports(p)[0] == lport]
    assert pk, "no packet from the LIP in the capture"
    for p in pk:
        assert ip_ok(p), p.hex()
    assert tcp_flags(pk[0]) & 0x02, "the first is the SYN"
    with_toa = [i for i, p in enumerate(pk) if toa(p)]
    for i in with_toa:
        assert toa(pk[i]) == (CIP, cport), (i, toa(pk[i]))
    assert with_toa == list(range(min(4, len(pk)))), (with_toa, len(pk))
    assert any(tcp_payload_len(pk[i]) > 0 for i in with_toa), "the request carried it"
    # towards the client: the SYN-ACK's MSS, 1460 less the option
    synack = [p for p in pcap_ip_packets(cl.path) if (tcp_flags(p) & 0x12) == 0x12]
    assert synack and mss(synack[0]) == 1452, [mss(p) for p in synack]
    assert toa(synack[0]) is None


def test_wrk_through_toa_no_errors():
    out = LAB.wrk_no_errors("http://%s:%d/" % (VIP, TOA_PORT), seconds=5, conns=20)
    m = re.match(r"with (\d+) without (\d+)$", curl(LAB, "http://%s:%d/count" % (VIP, TOA_PORT)))
    assert m and int(m.group(1)) >= 21 and int(m.group(2)) == 0, (m and m.group(0), out)
    c = counters(LAB)
    assert c["toa"] > 0 and c["toa-noroom"] == 0 and c["mss-clamped"] > 0, c


def test_uoa_seen_by_capture():
    cap = Capture(LAB, LAB.ns_rs1, "eth0", "udp port 7", "uoa_rs")
    try:
        cport, got = udp_client(LAB, CIP, VIP, 7, 5)
    finally:
        cap.stop()
    assert got == 5, got
    pk = [p for p in pcap_ip_packets(cap.path) if p[12:16] != bytes(map(int, RIP1.split(".")))]
    assert len(pk) == 5, len(pk)
    for i, p in enumerate(pk):
        assert ip_ok(p), p.hex()
        if i < 3:
            assert p[0] == 0x47 and uoa(p) == (CIP, cport), (i, p[:28].hex())
        else:
            assert p[0] == 0x45 and uoa(p) is None, (i, p[:28].hex())
    c = counters(LAB)
    assert c["uoa"] >= 3 and c["uoa-noroom"] == 0, c


def test_toa_off_by_config():
    conf = LAB.conf_path()
    with open(conf) as f:
        text = f.read()
    try:
        with open(conf, "w") as f:
            f.write(text.replace("[ipvs]\n", "[ipvs]\nfnat_toa = no\n") if "[ipvs]" in text
                    else text + "\n[ipvs]\nfnat_toa = no\n")
        LAB.dpip("config", "reload")
        assert curl(LAB, "http://%s:%d/" % (VIP, TOA_PORT)).startswith("toa none peer %s:" % LIP)
    finally:
        with open(conf, "w") as f:
            f.write(text)
        LAB.dpip("config", "reload")
    assert curl(LAB, "http://%s:%d/" % (VIP, TOA_PORT)).startswith("toa %s:" % CIP)


def test_fates_add_up():
    LAB.fates_add_up("dpdk0")
    LAB.fates_add_up("dpdk1")
