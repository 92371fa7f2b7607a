#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""SIP-like UDP ends for the --pe sip lab test.

  sip_peer.py server --bind ADDR --port P --name N --seconds S
      answers every datagram with "<name>" (bounded: S seconds).
  sip_peer.py client --vip V --port P CALLID:SPORT ...
      sends, for each CALLID:SPORT, an INVITE whose Call-ID header is
      CALLID ("none": no Call-ID header at all) from source port SPORT, and
      prints "<callid> <sport> <name of the server that answered>" (or
      TIMEOUT).
"""
import argparse
import socket
import sys
import time


def server(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.bind, a.port))
    s.settimeout(0.5)
    end = time.time() + a.seconds
    while time.time() < end:
        try:
            _, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        s.sendto(a.name.encode(), peer)


def client(a):
    for spec in a.calls:
        callid, sport = spec.rsplit(":", 1)
        hdr = "" if callid == "none" else "Call-ID: %s\r\n" % callid
        msg = ("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP client\r\n%s"
               "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n" % hdr).encode()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sport)))
        s.settimeout(3)
        s.sendto(msg, (a.vip, a.port))
        try:
            data, _ = s.recvfrom(4096)
            got = data.decode()
        except socket.timeout:
            got = "TIMEOUT"
        s.close()
        print(callid, sport, got, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="mode", required=True)
    sv = sub.add_parser("server")
    sv.add_argument("--bind", required=True)
    sv.add_argument("--port", type=int, default=5060)
    sv.add_argument("--name", required=True)
    sv.add_argument("--seconds", type=float, default=60)
    cl = sub.add_parser("client")
    cl.add_argument("--vip", required=True)
    cl.add_argument("--port", type=int, default=5060)
    cl.add_argument("calls", nargs="+")
    a = ap.parse_args()
    server(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    sys.exit(main())
