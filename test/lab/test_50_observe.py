# SPDX-License-Identifier: BSD-3-Clause
"""Lab tests of observability (issue 20): a packet capture of a curl
exchange through the NAT service read back with tcpdump, the Prometheus
endpoint scraped with curl and checked by promtool, and the daemon's DPDK
telemetry commands read through the telemetry socket.
"""
import json
import os
import re
import socket
import subprocess

from lab import CIP, RIP1, RIP2, VIP, TOP, Lab, wait_until

LAB = Lab("ob")
METRICS = "127.0.0.1:9108"  # the director namespace's own loopback


def setup():
    LAB.up(daemon=False)
    conf = LAB.state + "/observe.conf"
    with open(os.path.join(TOP, "conf", "lab-nat.conf")) as f:
        text = f.read()
    text = text.replace("[global]\n", "[global]\nmetrics_listen = %s\n" % METRICS, 1)
    with open(conf, "w") as f:
        f.write(text)
    LAB.start_daemon(conf)
    LAB.ipvsadm("-A", "-t", "%s:80" % VIP, "-s", "rr")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP1, "-m")
    LAB.ipvsadm("-a", "-t", "%s:80" % VIP, "-r", "%s:80" % RIP2, "-m")


def curl_vip():
    p = LAB.ns(LAB.ns_c, "curl", "-s", "-m", "5", "http://%s/" % VIP, check=False, timeout=10)
    assert p.stdout.startswith("I am RealServer"), p.stdout + p.stderr
    return p.stdout


def capture_show():
    return LAB.dpip("capture", "show").stdout


def written(out):
    m = re.search(r"written (\d+)", out)
    return int(m.group(1)) if m else -1


def tcpdump(path):
    p = subprocess.run(["tcpdump", "-nn", "-r", path], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stderr
    return [l for l in p.stdout.splitlines() if l.strip()]


def test_capture_nat_exchange():
    path = LAB.state + "/nat.pcap"
    out = LAB.dpip("capture", "start", "dev", "any", "both", "filter",
                   "tcp port 80 and host %s" % CIP, "file", path).stdout
    assert out.startswith("capture running: dev any both filter \"tcp port 80 and host "), out
    try:
        curl_vip()
        # a TCP exchange is at least 8 frames each side (handshake, GET,
        # reply, two FINs and their ACKs): wait until the file has them
        wait_until(lambda: written(capture_show()) >= 16, timeout=10,
                   what="16 frames written")
    finally:
        stop = LAB.dpip("capture", "stop", check=False)
    assert stop.returncode == 0, stop.stderr
    assert "capture stopped (stopped)" in stop.stdout, stop.stdout
    lines = tcpdump(path)
    assert len(lines) == written(stop.stdout), (stop.stdout, lines)

    ip = r"\d+\.\d+\.\d+\.\d+"
    pat = re.compile(r"^\S+ IP (%s)\.(\d+) > (%s)\.(\d+): Flags" % (ip, ip))
    sides = {"c->vip": set(), "vip->c": set(), "c->rs": set(), "rs->c": set()}
    for l in lines:
        m = pat.match(l)
        assert m, "not a TCP frame of the exchange: %s" % l
        src, sport, dst, dport = m.group(1), m.group(2), m.group(3), m.group(4)
        if src == CIP and dst == VIP and dport == "80":
            sides["c->vip"].add(sport)
        elif src == VIP and sport == "80" and dst == CIP:
            sides["vip->c"].add(dport)
        elif src == CIP and dst in (RIP1, RIP2) and dport == "80":
            sides["c->rs"].add(sport)
        elif src in (RIP1, RIP2) and sport == "80" and dst == CIP:
            sides["rs->c"].add(dport)
        else:
            raise AssertionError("a frame outside the exchange: %s" % l)
    # the client side and the rewritten server side, of one and the same
    # client port (NAT keeps the client's address and port)
    assert all(sides.values()), sides
    assert sides["c->vip"] == sides["c->rs"] == sides["vip->c"] == sides["rs->c"], sides
    text = subprocess.run(["tcpdump", "-nn", "-A", "-r", path], capture_output=True,
                          text=True, timeout=30).stdout
    assert "GET / HTTP/1.1" in text and "I am RealServer" in text, text[-2000:]


def test_capture_count_and_refusals():
    path = LAB.state + "/count.pcap"
    LAB.dpip("capture", "start", "dev", "dpdk0", "rx", "filter", "tcp dst port 80", "count",
             "2", "file", path)
    busy = LAB.dpip("capture", "start", "dev", "dpdk1", "file", path + "2", check=False)
    assert busy.returncode == 1 and "a capture is running" in busy.stderr, busy.stderr
    curl_vip()
    wait_until(lambda: "capture stopped (count reached)" in capture_show(), timeout=10,
               what="the capture to stop after 2 frames")
    lines = tcpdump(path)
    assert len(lines) == 2, lines
    assert all(" > %s.80: Flags" % VIP in l for l in lines), lines

    bad = [
        (["dev", "dpdk0", "filter", "tcp port", "file", path], "bad filter \"tcp port\""),
        (["dev", "nosuch", "file", path], "no device 'nosuch'"),
        (["dev", "dpdk0", "file", "/nonexistent-dir/x.pcap"], "cannot write"),
    ]
    for args, msg in bad:
        p = LAB.dpip("capture", "start", *args, check=False)
        assert p.returncode == 1 and msg in p.stderr, (args, p.stderr)
    out = capture_show()
    m = re.search(r"refused (\d+)", out)
    assert m and int(m.group(1)) >= 4, out
    assert LAB.dpip("capture", "stop", check=False).returncode == 1


def scrape(path="/metrics", *extra):
    p = LAB.ns(LAB.ns_d, "curl", "-s", "-S", "-m", "5", "-w", "\n%{http_code}", *extra,
               "http://%s%s" % (METRICS, path), check=False, timeout=10)
    assert p.returncode == 0, p.stderr
    body, _, code = p.stdout.rpartition("\n")
    return int(code), body


def series(text, name, **labels):
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all('%s="%s"' % (k, v) in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_scrape_promtool():
    curl_vip()
    code, text = scrape()
    assert code == 200, (code, text[:500])
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    svc = "TCP %s:80" % VIP
    assert series(text, "dpvs_service_connections_total", service=svc) >= 1, text
    assert series(text, "dpvs_service_in_packets_total", service=svc) >= 1
    assert series(text, "dpvs_service_dests", service=svc) == 2
    assert series(text, "dpvs_service_connections_per_second", service=svc) is not None
    assert series(text, "dpvs_dest_connections_total", service=svc,
                  dest="%s:80" % RIP1) is not None
    assert series(text, "dpvs_dest_weight", service=svc, dest="%s:80" % RIP2) == 1
    assert series(text, "dpvs_port_rx_packets_total", port="dpdk0") > 0
    assert series(text, "dpvs_port_drops_total", port="dpdk0", reason="l2-short") is not None
    assert series(text, "dpvs_worker_busy_cycles_total", worker="0") > 0
    assert series(text, "dpvs_worker_cycles_per_packet", worker="0") is not None
    assert series(text, "dpvs_connections") is not None
    # by state: they add up to the live connections (templates apart; the
    # curl's conn is in some TCP state)
    by_state = [float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                if l.startswith("dpvs_connections_by_state{")]
    # TCP's 11 states, UDP's one, SCTP's 14 (LVS's tables)
    assert len(by_state) == 11 + 1 + 14 and sum(by_state) == series(text, "dpvs_connections"), \
        by_state
    assert series(text, "dpvs_connections_by_state", proto="UDP", state="UDP") is not None
    assert series(text, "dpvs_connections_by_state", proto="SCTP", state="ESTABLISHED") \
        is not None
    # fates add up in the scrape as in dpip
    rx = series(text, "dpvs_port_rx_packets_total", port="dpdk0")
    fates = sum(series(text, "dpvs_port_%s_total" % f, port="dpdk0")
                for f in ("forwarded", "arp_replied", "icmp_echo_replied", "to_kernel"))
    for line in text.splitlines():
        if line.startswith("dpvs_port_drops_total{") and 'port="dpdk0"' in line \
                and 'fate="yes"' in line:
            fates += float(line.rsplit(" ", 1)[1])
    assert rx == fates, (rx, fates)


def test_metrics_http_limits():
    code, _ = scrape("/nothing")
    assert code == 404
    code, _ = scrape("/metrics", "-X", "POST", "-d", "x=1")
    assert code == 405
    code, body = scrape("/")
    assert code == 200 and "/metrics" in body
    code, text = scrape()
    assert series(text, "dpvs_metrics_refused_total") >= 2, text[-400:]


TEL_CLIENT = r'''
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
hello = json.loads(s.recv(16384).decode())
out = {"hello": hello}
for cmd in sys.argv[2:]:
    s.send(cmd.encode())
    out[cmd] = json.loads(s.recv(65536).decode())
print(json.dumps(out))
'''


def telemetry(*cmds):
    path = "/var/run/dpdk/dpvs-%s/dpdk_telemetry.v2" % LAB.prefix
    p = subprocess.run(["/usr/bin/python3", "-c", TEL_CLIENT, path] + list(cmds),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_telemetry_commands():
    curl_vip()
    out = telemetry("/", "/dpvs/ports", "/dpvs/drops", "/dpvs/workers", "/dpvs/services")
    listed = out["/"]["/"]
    for c in ("/dpvs/ports", "/dpvs/drops", "/dpvs/workers", "/dpvs/services"):
        assert c in listed, listed
    ports = out["/dpvs/ports"]["/dpvs/ports"]
    assert ports["dpdk0"]["port"] == "dpdk0", ports
    assert ports["dpdk0"]["rx_packets"] > 0 and ports["dpdk1"]["tx_packets"] > 0, ports
    assert ports["dpdk0"]["up"] == 1, ports
    drops = out["/dpvs/drops"]["/dpvs/drops"]
    assert "l2_short" in drops["dpdk0"] and "tx_full" in drops["dpdk1"], drops
    workers = out["/dpvs/workers"]["/dpvs/workers"]
    assert workers["worker0"]["packets"] > 0 and workers["worker0"]["lcore"] == 1, workers
    # the counters of the metrics endpoint's table, all of them
    assert "hw_rx_nombuf" in ports["dpdk0"] and "pp_no_room" in workers["worker0"], workers
    assert len(out["/dpvs/services"]["/dpvs/services"]) == 3, out["/dpvs/services"]
    svcs = list(out["/dpvs/services"]["/dpvs/services"].values())
    key = "TCP %s:80" % VIP
    svc = [e for e in svcs if e["service"] == key and "dest" not in e]
    assert len(svc) == 1 and svc[0]["conns"] >= 1 and svc[0]["dests"] == 2, svcs
    assert svc[0]["sched"] == "rr", svcs
    dests = {e["dest"] for e in svcs if e["service"] == key and "dest" in e}
    assert dests == {"%s:80" % RIP1, "%s:80" % RIP2}, svcs
    # the packaged client too (it reads commands from stdin)
    p = subprocess.run(["dpdk-telemetry.py", "-f", "dpvs-%s" % LAB.prefix],
                       input="/dpvs/workers\n", capture_output=True, text=True, timeout=30)
    assert '"/dpvs/workers"' in p.stdout, p.stdout + p.stderr
