# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of Full-NAT's client address with one arm (issue 16 item 4):
the DR lab's topology (scripts/lab.sh up --mode dr), the director on the
LAN with the VIP and the LIP on its one port, the client behind the
router. The real server's capture shows TOA with the client's address
on the SYN from the LIP, its application reads it (TCP_SAVED_SYN), a
proxy-protocol v2 service is read by a server that requires the header,
a bounded wrk run through TOA has no errors, UDP carries UOA.
"""
import re

from caddr import (counters, curl, ip_ok, pcap_ip_packets, start_toa_server, stop, tcp_flags,
                   tcp_ports, toa, udp_client, uoa)
from lab import CIP, RIP1, VIP_LAN, Capture, Lab

LAB = Lab("lo")
LIP = "192.168.229.140"
TOA_PORT, PP_PORT = 8081, 8082
servers = []


def service(proto_opt, vport, rport, *extra):
    svc = "%s:%d" % (VIP_LAN, vport)
    LAB.ipvsadm("-A", proto_opt, svc, "-s", "rr", *extra)
    LAB.ipvsadm("-a", proto_opt, svc, "-r", "%s:%d" % (RIP1, rport), "--fullnat")
    LAB.ipvsadm("-P", "-z", LIP, proto_opt, svc)


def setup():
    LAB.up(daemon=True, mode="dr")
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk0")
    service("-t", TOA_PORT, TOA_PORT)
    service("-t", PP_PORT, PP_PORT, "--proxy-protocol", "v2")
    service("-u", 7, 7)
    servers.append(start_toa_server(LAB, LAB.ns_rs1, RIP1, TOA_PORT))
    servers.append(start_toa_server(LAB, LAB.ns_rs1, RIP1, PP_PORT, mode="pp"))


def teardown():
    for p in servers:
        stop(p)


def test_one_arm_toa():
    cap = Capture(LAB, LAB.ns_rs1, "eth0", "tcp port %d" % TOA_PORT, "toa1_rs")
    try:
        body = curl(LAB, "http://%s:%d/" % (VIP_LAN, TOA_PORT))
    finally:
        cap.stop()
    m = re.match(r"toa %s:(\d+) peer %s:(\d+)$" % (re.escape(CIP), re.escape(LIP)), body)
    assert m, body
    lport = int(m.group(2))
    pk = [p for p in pcap_ip_packets(cap.path) if tcp_ports(p)[0] == lport]
    assert pk and tcp_flags(pk[0]) & 0x02, len(pk)
    assert all(ip_ok(p) for p in pk)
    assert toa(pk[0]) == (CIP, int(m.group(1))), toa(pk[0])


def test_one_arm_proxy_protocol_v2():
    body = curl(LAB, "http://%s:%d/" % (VIP_LAN, PP_PORT))
    assert re.match(r"pp v2 %s:\d+ peer %s:\d+$" % (re.escape(CIP), re.escape(LIP)), body), body


def test_one_arm_wrk_through_toa():
    LAB.wrk_no_errors("http://%s:%d/" % (VIP_LAN, TOA_PORT), seconds=5, conns=20)
    m = re.match(r"with (\d+) without (\d+)$",
                 curl(LAB, "http://%s:%d/count" % (VIP_LAN, TOA_PORT)))
    assert m and int(m.group(2)) == 0, m and m.group(0)


def test_one_arm_uoa():
    cap = Capture(LAB, LAB.ns_rs1, "eth0", "udp port 7", "uoa1_rs")
    try:
        cport, got = udp_client(LAB, CIP, VIP_LAN, 7, 4)
    finally:
        cap.stop()
    assert got == 4, got
    pk = [p for p in pcap_ip_packets(cap.path) if p[12:16] != bytes(map(int, RIP1.split(".")))]
    assert [uoa(p) for p in pk] == [(CIP, cport)] * 3 + [None], [uoa(p) for p in pk]
    assert all(ip_ok(p) for p in pk)
    c = counters(LAB)
    assert c["toa-noroom"] == 0 and c["uoa-noroom"] == 0, c
    LAB.fates_add_up("dpdk0")
