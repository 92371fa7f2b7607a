#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A lab real server: HTTP on one port answering "I am RealServerN <ip>"
to a GET (to GET /peer: "<name> peer <address>:<port>", the address the
connection came from: Full-NAT's local address) and "<name> got N bytes" to a POST (an upload: path MTU
discovery through a tunnel), and a UDP echo on another that prefixes the
reply with the same name.

Used by scripts/lab.sh inside the real-server namespaces. Counts what it
served in /tmp/dpvs-lab-<prefix>/<name>.count when --count-file is given.
"""
import argparse
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--http", type=int, default=80)
    ap.add_argument("--udp", type=int, default=0)
    ap.add_argument("--name", required=True)
    args = ap.parse_args()
    body = (args.name + "\n").encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            text = body
            if self.path == "/peer":
                text = ("%s peer %s:%d\n" % ((args.name,) + self.client_address[:2])).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def do_POST(self):
            left = int(self.headers.get("Content-Length", "0"))
            got = 0
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                got += len(chunk)
                left -= len(chunk)
            reply = ("%s got %d bytes\n" % (args.name, got)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, fmt, *a):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024
        allow_reuse_address = True

    httpd = Server((args.bind, args.http), Handler)

    if args.udp:
        def udp_echo():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((args.bind, args.udp))
            while True:
                data, peer = s.recvfrom(65535)
                s.sendto(args.name.encode() + b": " + data, peer)
        threading.Thread(target=udp_echo, daemon=True).start()

    httpd.serve_forever()


if __name__ == "__main__":
    main()
