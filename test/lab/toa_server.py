#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A lab real server that learns the client's address behind Full-NAT, as
an application on a real server would, without a kernel module:

  --mode toa: the listener sets TCP_SAVE_SYN, and each accepted
      connection's SYN (getsockopt TCP_SAVED_SYN: its IPv4 and TCP headers)
      is searched for the TOA option (kind 254, length 8: port, IPv4
      address; include/dpvs/toa.h). The kernel's peer is the LIP.

Minimal HTTP/1.1 with keep-alive (curl, wrk): every answer is
"toa ADDR:PORT peer LIP:LPORT" ("toa none" without one); GET /count
answers "with N without M" (connections so far).

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


def serve(conn, peer):
    try:
        syn = conn.getsockopt(socket.IPPROTO_TCP, TCP_SAVED_SYN, 512)
    except OSError:
        syn = b""
    toa = toa_of_syn(syn)
    with lock:
        counts["with" if toa else "without"] += 1
    who = ("toa %s:%d" % toa) if toa else "toa none"
    buf = b""
    conn.settimeout(30)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["toa"], default="toa")
    ap.add_argument("--seconds", type=int, default=600)
    args = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, TCP_SAVE_SYN, 1)
    s.bind((args.bind, args.port))
    s.listen(256)
    threading.Timer(args.seconds, lambda: __import__("os")._exit(0)).start()
    print("listening", flush=True)
    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


if __name__ == "__main__":
    main()
