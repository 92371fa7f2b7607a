#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A lab real server that learns the client's address behind Full-NAT, as
an application on a real server would, without a kernel module:

  --mode toa: the listener sets TCP_SAVE_SYN, and each accepted
      connection's SYN (getsockopt TCP_SAVED_SYN: its IPv4 and TCP headers)
      is searched for the TOA option (kind 254, length 8: port, IPv4
      address; include/dpvs/toa.h). The kernel's peer is the LIP.
  --mode pp: each connection starts with a PROXY header (haproxy's
      proxy-protocol.txt, v1 line or v2 binary), parsed as a server that
      requires it does (a connection without one is closed); with --udp
      PORT, each datagram there starts with a v2 header (DGRAM) and is
      answered "pp ADDR:PORT <payload>".

Minimal HTTP/1.1 with keep-alive (curl, wrk): every answer is
"toa ADDR:PORT peer LIP:LPORT" ("toa none" without one), or "pp v1|v2
ADDR:PORT peer ..."; GET /count answers "with N without M" (connections
with and without the client's address so far).

Bounded: exits after --seconds (default 600).
"""
import argparse
import socket
import struct
import threading

TCP_SAVE_SYN = 27
TCP_SAVED_SYN = 28
TOA_KIND, TOA_LEN = 254, 8

counts = {"with": 0, "without": 0}
lock = threading.Lock()


def toa_of_syn(syn):
    """(addr, port) from the TOA option of a saved SYN, or None."""
    if len(syn) < 20:
        return None
    ihl = (syn[0] & 15) * 4
    tcp = syn[ihl:]
    if len(tcp) < 20:
        return None
    doff = (tcp[12] >> 4) * 4
    opts, i = tcp[20:doff], 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if kind == TOA_KIND and opts[i + 1] == TOA_LEN:
            port, = struct.unpack("!H", opts[i + 2:i + 4])
            return socket.inet_ntoa(opts[i + 4:i + 8]), port
        i += opts[i + 1]
    return None


PP2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def pp_parse(buf):
    """(version, (addr, port), rest) of a buffer that starts with a PROXY
    header; None when more bytes are needed; ValueError when it is not one."""
    if buf.startswith(PP2_SIG[:len(buf)]) and len(buf) < 16:
        return None
    if buf.startswith(PP2_SIG):
        ver_cmd, fam, alen = buf[12], buf[13], struct.unpack("!H", buf[14:16])[0]
        if len(buf) < 16 + alen:
            return None
        if ver_cmd != 0x21 or fam not in (0x11, 0x12) or alen < 12:
            raise ValueError("bad v2 header %r" % buf[:16])
        a = buf[16:16 + alen]
        return 2, (socket.inet_ntoa(a[0:4]), struct.unpack("!H", a[8:10])[0]), buf[16 + alen:]
    if b"PROXY "[:len(buf)] == buf[:6] and b"\r\n" not in buf:
        if len(buf) > 107:
            raise ValueError("v1 line too long")
        return None
    if buf.startswith(b"PROXY TCP4 "):
        line, rest = buf.split(b"\r\n", 1)
        f = line.split(b" ")
        return 1, (f[2].decode(), int(f[4])), rest
    raise ValueError("no PROXY header: %r" % buf[:16])


def serve(conn, peer, mode):
    buf = b""
    conn.settimeout(30)
    if mode == "pp":
        who = None
        try:
            while who is None:
                d = conn.recv(4096)
                if not d:
                    break
                buf += d
                r = pp_parse(buf)
                if r:
                    ver, addr, buf = r
                    who = "pp v%d %s:%d" % ((ver,) + addr)
        except (OSError, ValueError, IndexError):
            who = None
        with lock:
            counts["with" if who else "without"] += 1
        if who is None:
            conn.close()
            return
    else:
        try:
            syn = conn.getsockopt(socket.IPPROTO_TCP, TCP_SAVED_SYN, 512)
        except OSError:
            syn = b""
        toa = toa_of_syn(syn)
        with lock:
            counts["with" if toa else "without"] += 1
        who = ("toa %s:%d" % toa) if toa else "toa none"
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = conn.recv(4096)
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1] if b" " in head else b"/"
            if path == b"/count":
                with lock:
                    body = "with %d without %d\n" % (counts["with"], counts["without"])
            else:
                body = "%s peer %s:%d\n" % (who, peer[0], peer[1])
            conn.sendall(("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" %
                          (len(body), body)).encode())
    except OSError:
        pass
    finally:
        conn.close()


def udp_serve(sock):
    while True:
        d, peer = sock.recvfrom(4096)
        try:
            r = pp_parse(d)
            if not r or r[0] != 2:
                raise ValueError("no v2 header")
            ver, addr, rest = r
            sock.sendto(b"pp %s:%d " % (addr[0].encode(), addr[1]) + rest, peer)
        except (ValueError, IndexError, struct.error):
            sock.sendto(b"no header", peer)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["toa", "pp"], default="toa")
    ap.add_argument("--udp", type=int, default=0)
    ap.add_argument("--seconds", type=int, default=600)
    args = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, TCP_SAVE_SYN, 1)
    s.bind((args.bind, args.port))
    s.listen(256)
    if args.udp:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((args.bind, args.udp))
        threading.Thread(target=udp_serve, args=(u,), daemon=True).start()
    threading.Timer(args.seconds, lambda: __import__("os")._exit(0)).start()
    print("listening", flush=True)
    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve, args=(conn, peer, args.mode), daemon=True).start()


if __name__ == "__main__":
    main()
