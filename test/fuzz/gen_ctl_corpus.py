#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of fuzz_ctl (test/fuzz/corpus/ctl/): the exact
bytes ipvsadm and dpip send for a set of commands, taken from the tools
themselves over a socket of our own that records each request (and
answers a PING with a dpvs_info of zeros, anything else with an empty
success, so each tool gets to its real request). An input is records
"flags hdr payload" (fuzz_ctl.c); flags 0 here, the bytes are the tools'.
One seed per command, and one with every command in a row (services,
real servers, addresses, then the listings of what they made).

    test/fuzz/gen_ctl_corpus.py BUILD_DIR [DIR]
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading

HDR = struct.Struct("<IHHIIiI")  # magic version type len seq status flags
PING, INFO_LEN = 1, 56

VIP = "10.0.0.1"
COMMANDS = {
    "svc_add": ["ipvsadm", "-A", "-t", VIP + ":80", "-s", "wrr", "-p", "60"],
    "svc_add_udp": ["ipvsadm", "-A", "-u", VIP + ":53", "-s", "mh", "-b", "mh-port"],
    "svc_add_fwmark": ["ipvsadm", "-A", "-f", "7", "-s", "rr"],
    "dest_add": ["ipvsadm", "-a", "-t", VIP + ":80", "-r", "192.168.1.10:8080", "-m", "-w",
                 "3", "-x", "100", "-y", "10"],
    "dest_add_udp": ["ipvsadm", "-a", "-u", VIP + ":53", "-r", "192.168.1.11", "-m"],
    "dest_edit": ["ipvsadm", "-e", "-t", VIP + ":80", "-r", "192.168.1.10:8080", "-m", "-w",
                  "0"],
    "svc_edit": ["ipvsadm", "-E", "-t", VIP + ":80", "-s", "lc"],
    # IPv6 services and real servers, -f -6, -s none (issue 17)
    "svc_add6": ["ipvsadm", "-A", "-t", "[2001:db8::1]:80", "-s", "sh", "-p", "60", "-M", "64"],
    "dest_add6": ["ipvsadm", "-a", "-t", "[2001:db8::1]:80", "-r", "[2001:db8::10]:8080", "-m"],
    "svc_add_fwmark6": ["ipvsadm", "-A", "-f", "7", "-6", "-s", "none"],
    "list_svc6": ["ipvsadm", "-Ln", "-t", "[2001:db8::1]:80"],
    "timeout_set": ["ipvsadm", "--set", "100", "20", "30"],
    "list": ["ipvsadm", "-Ln"],
    "list_svc": ["ipvsadm", "-Ln", "-t", VIP + ":80"],
    "list_conns": ["ipvsadm", "-Lnc"],
    "timeout_get": ["ipvsadm", "-L", "--timeout"],
    "zero": ["ipvsadm", "-Z"],
    "dest_del": ["ipvsadm", "-d", "-t", VIP + ":80", "-r", "192.168.1.10:8080"],
    "svc_del": ["ipvsadm", "-D", "-t", VIP + ":80"],
    "flush": ["ipvsadm", "-C"],
    "addr_add": ["dpip", "addr", "add", "10.0.0.254/8", "dev", "dpdk0"],
    "addr_add2": ["dpip", "addr", "add", "192.168.200.1/24", "dev", "dpdk1"],
    "route_add": ["dpip", "route", "add", "default", "via", "10.255.255.1", "dev", "dpdk0"],
    "route_add2": ["dpip", "route", "add", "192.168.0.0/16", "via", "192.168.200.254", "dev",
                   "dpdk1"],
    "neigh_add": ["dpip", "neigh", "add", "10.255.255.1", "lladdr", "02:00:00:00:00:01", "dev",
                  "dpdk0"],
    "fwmark_add": ["dpip", "fwmark", "add", "proto", "tcp", "dst", "10.0.0.0/24", "dport",
                   "80-81", "mark", "7"],
    "addr_show": ["dpip", "addr", "show"],
    "route_show": ["dpip", "route", "show"],
    "neigh_show": ["dpip", "neigh", "show"],
    "fwmark_show": ["dpip", "fwmark", "show"],
    "route_del": ["dpip", "route", "del", "192.168.0.0/16", "via", "192.168.200.254", "dev",
                  "dpdk1"],
    "addr_del": ["dpip", "addr", "del", "10.0.0.254/8", "dev", "dpdk0"],
}
# the order of the seed with every command: make, list, take apart
SEQUENCE = ["addr_add", "addr_add2", "route_add", "route_add2", "neigh_add", "svc_add",
            "svc_add_udp", "svc_add_fwmark", "svc_add6", "dest_add6", "svc_add_fwmark6", "fwmark_add", "dest_add", "dest_add_udp",
            "dest_edit", "svc_edit", "timeout_set", "list", "list_svc", "list_svc6", "list_conns",
            "timeout_get", "addr_show", "route_show", "neigh_show", "fwmark_show", "zero",
            "dest_del", "svc_del", "route_del", "addr_del", "flush"]


def read_full(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            return None
        b += d
    return b


def serve(srv, got, stop):
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        with c:
            c.settimeout(5)
            while True:
                h = read_full(c, HDR.size)
                if h is None:
                    break
                magic, ver, typ, ln, seq, _st, flags = HDR.unpack(h)
                payload = read_full(c, ln) if ln else b""
                if typ != PING:
                    got.append(h + payload)
                body = bytes(INFO_LEN) if typ == PING else b""
                c.sendall(HDR.pack(magic, ver, typ, len(body), seq, 0, flags) + body)


def main():
    build = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "ctl")
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="gen_ctl_")
    path = os.path.join(tmp, "s")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    stop = threading.Event()
    seeds = {}
    try:
        for name, cmd in COMMANDS.items():
            got = []
            t = threading.Thread(target=serve, args=(srv, got, stop))
            t.start()
            tool = os.path.join(build, "tools", cmd[0], cmd[0])
            subprocess.run([tool] + cmd[1:], env=dict(os.environ, DPVS_SOCK=path),
                           capture_output=True, timeout=10)
            stop.set()
            t.join()
            stop.clear()
            if not got:
                sys.exit("gen_ctl_corpus: %s sent nothing" % " ".join(cmd))
            # the first request is the command (a listing's next pages
            # would follow a real reply)
            seeds[name] = b"\0" + got[0]
    finally:
        srv.close()
        os.unlink(path)
        os.rmdir(tmp)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "all_in_a_row"), "wb") as f:
        f.write(b"".join(seeds[n] for n in SEQUENCE))
    print("gen_ctl_corpus: %d seeds in %s" % (len(seeds) + 1, out))


if __name__ == "__main__":
    main()
