# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of Full-NAT's proxy protocol (issue 16 item 4: ipvsadm
--proxy-protocol v1|v2), two arms (the NAT lab; the LIP on the servers'
side). The real server (toa_server.py --mode pp) requires the PROXY
header as haproxy's proxy-protocol.txt says and answers with the address
it names:

  - TCP v2 and v1: curl gets the client's address and port from the
    header while the kernel's peer is the LIP; a capture on the real
    server's side shows the header as the first bytes of the stream and
    every checksum right;
  - a bounded wrk run (20 connections, 5 s) through v2 with zero errors,
    every connection with its header;
  - UDP v2: every datagram answered with the client's address (the header
    is on each, DGRAM);
  - -Ln shows ppv2/ppv1, -S saves --proxy-protocol and -R restores it;
    dpip stats counts the headers; the fates add up.
"""
import re
import struct

from caddr import (counters, curl, ip_ok, pcap_ip_packets, start_toa_server, stop, tcp_ports,
                   udp_exchange)
from lab import CIP, RIP1, VIP, Capture, Lab

LAB = Lab("lpp")
LIP = "192.168.229.140"
RS_PORT, UDP_PORT = 8082, 5300
V2, V1 = 8082, 8083  # the services' ports
servers = []


def service(proto_opt, vport, rport, pp):
    svc = "%s:%d" % (VIP, vport)
    LAB.ipvsadm("-A", proto_opt, svc, "-s", "rr", "--proxy-protocol", pp)
    LAB.ipvsadm("-a", proto_opt, svc, "-r", "%s:%d" % (RIP1, rport), "--fullnat")
    LAB.ipvsadm("-P", "-z", LIP, proto_opt, svc)


def setup():
    LAB.up(daemon=True)
    LAB.dpip("addr", "add", LIP + "/24", "dev", "dpdk1")
    service("-t", V2, RS_PORT, "v2")
    service("-t", V1, RS_PORT, "v1")
    service("-u", UDP_PORT, UDP_PORT, "v2")
    servers.append(start_toa_server(LAB, LAB.ns_rs1, RIP1, RS_PORT, mode="pp", udp=UDP_PORT))


def teardown():
    for p in servers:
        stop(p)


def test_v2_and_v1_read_by_the_real_server():
    cap = Capture(LAB, LAB.ns_rs1, "eth0", "tcp port %d" % RS_PORT, "pp_rs")
    try:
        b2 = curl(LAB, "http://%s:%d/" % (VIP, V2))
        b1 = curl(LAB, "http://%s:%d/" % (VIP, V1))
    finally:
        cap.stop()
    m2 = re.match(r"pp v2 %s:(\d+) peer %s:(\d+)$" % (re.escape(CIP), re.escape(LIP)), b2)
    m1 = re.match(r"pp v1 %s:(\d+) peer %s:(\d+)$" % (re.escape(CIP), re.escape(LIP)), b1)
    assert m2 and m1, (b2, b1)
    # the first bytes from LIP:lport of the v2 connection are its header
    lport = int(m2.group(2))
    pk = [p for p in pcap_ip_packets(cap.path) if tcp_ports(p)[0] == lport]
    for p in pk:
        assert ip_ok(p), p.hex()
    data = [p for p in pk if len(p) > (p[0] & 15) * 4 + (p[(p[0] & 15) * 4 + 12] >> 4) * 4]
    assert data, "no data from the LIP"
    p = data[0]
    off = (p[0] & 15) * 4 + (p[(p[0] & 15) * 4 + 12] >> 4) * 4
    h = p[off:off + 28]
    assert h[:12] == b"\r\n\r\n\x00\r\nQUIT\n" and h[12] == 0x21 and h[13] == 0x11, h.hex()
    assert h[16:20] == bytes(map(int, CIP.split("."))), h.hex()
    assert struct.unpack("!H", h[24:26])[0] == int(m2.group(1)), h.hex()
    assert struct.unpack("!H", h[26:28])[0] == V2, h.hex()
    # the header rode on the handshake's ACK or in front of the request;
    # the request follows in the stream
    assert any(b"GET / HTTP/1.1" in q for q in data), [q[-60:] for q in data]


def test_wrk_through_v2_no_errors():
    LAB.wrk_no_errors("http://%s:%d/" % (VIP, V2), seconds=5, conns=20)
    m = re.match(r"with (\d+) without (\d+)$", curl(LAB, "http://%s:%d/count" % (VIP, V2)))
    assert m and int(m.group(1)) >= 21 and int(m.group(2)) == 0, m and m.group(0)
    c = counters(LAB)
    assert c["pp"] >= 21 and c["pp-noroom"] == 0 and c["toa"] == 0, c


def test_udp_v2_every_datagram():
    cport, answers = udp_exchange(LAB, CIP, VIP, UDP_PORT, 5)
    assert answers == ["pp %s:%d dgram %d" % (CIP, cport, i) for i in range(5)], answers


def test_listing_save_restore():
    ln = LAB.ipvsadm("-Ln").stdout
    assert "TCP  %s:%d rr ppv2\n" % (VIP, V2) in ln, ln
    assert "TCP  %s:%d rr ppv1\n" % (VIP, V1) in ln, ln
    assert "UDP  %s:%d rr ppv2\n" % (VIP, UDP_PORT) in ln, ln
    saved = LAB.ipvsadm("-Sn").stdout
    assert "-A -t %s:%d -s rr --proxy-protocol v2\n" % (VIP, V2) in saved, saved
    # restore what was saved over a flushed table: the same listing back
    LAB.ipvsadm("-C")
    LAB.ipvsadm("-R", input=saved)
    assert LAB.ipvsadm("-Sn").stdout == saved
    for svc, proto in (("%s:%d" % (VIP, V2), "-t"), ("%s:%d" % (VIP, V1), "-t"),
                       ("%s:%d" % (VIP, UDP_PORT), "-u")):
        LAB.ipvsadm("-P", "-z", LIP, proto, svc)
    assert curl(LAB, "http://%s:%d/" % (VIP, V2)).startswith("pp v2 %s:" % CIP)
    # what the daemon refuses, with its reason
    p = LAB.ipvsadm("-A", "-u", "%s:5301" % VIP, "--proxy-protocol", "v1", check=False)
    assert p.returncode != 0 and p.stderr == ("proxy protocol v1 has no UDP form: use v2 for "
                                              "a UDP service\n"), p.stderr
    p = LAB.ipvsadm("-E", "-t", "%s:%d" % (VIP, V2), "-p", "60", "--proxy-protocol", "v2",
                    check=False)
    assert p.returncode != 0 and "with persistence (-p) is not supported" in p.stderr, p.stderr


def test_fates_add_up():
    LAB.fates_add_up("dpdk0")
    LAB.fates_add_up("dpdk1")
