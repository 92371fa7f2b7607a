#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of test/bench/run.sh: the parts that are easier in Python.

  bench.py heap PREFIX           bytes in use in a DPDK process's heaps
                                 (EAL telemetry, /eal/heap_info), or "" when
                                 the process has no telemetry socket
  bench.py smoke FILE            checks one lbbench summary: well-formed
                                 JSON, traffic passed both ways, checks clean
  bench.py report DIR OUT.json OUT.md
                                 aggregates DIR/index.tsv (one line per run
                                 written by run.sh) into medians, the JSON
                                 file and the Markdown table
"""
import json
import os
import re
import socket
import statistics
import sys
import time

# What each scenario's main figure is, and what it counts.
METRICS = {
    "udp-1way": ("forward.rx_pps", "pps", "one direction: frames clients -> servers delivered"),
    "udp-2way": ("total.rx_pps", "pps", "both directions summed (forward + reverse delivered)"),
    "loopback": ("forward.rx_pps", "pps", "one port, own frames back (lbbench's own ceiling)"),
    "tcp-cps": ("tcp.cps", "conn/s", "completed connections (7 segments each, both directions)"),
    "latency": ("rtt_ns.p99", "ns", "round trip client -> server -> client, p99"),
}

TARGETS = {
    "nat-udp-1k-1way": ">= 12 Mpps and >= 0.5 x ceiling (ceil-udp-1way)",
    "nat-udp-1m-1way": ">= 0.7 x nat-udp-1k-1way",
    "nat-tcp-cps": ">= 500,000 conn/s",
    "nat-latency": "added p99 (nat - ceiling, same rate) < 10 us",
}


def dig(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def heap(prefix):
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.settimeout(2)
        s.connect(path)
        s.recv(1024)  # the greeting
        total = 0
        for heap_id in range(8):
            s.send(("/eal/heap_info,%d" % heap_id).encode())
            r = json.loads(s.recv(65536).decode())
            info = r.get("/eal/heap_info") or {}
            if not info or "Alloc_size" not in info:
                continue
            total += int(info["Alloc_size"])
        print(total)
    except (OSError, ValueError):
        print("")
    finally:
        s.close()


def smoke(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print("smoke: %s: not a JSON document: %s" % (path, e))
        return 1
    problems = []
    for key in ("mode", "forward", "reverse", "client_side", "passed_both_ways", "checks_clean"):
        if key not in d:
            problems.append("key '%s' missing" % key)
    if not d.get("passed_both_ways"):
        problems.append("traffic did not pass both ways (forward rx %s, reverse rx %s)"
                        % (dig(d, "forward.rx_packets"), dig(d, "reverse.rx_packets")))
    if not d.get("checks_clean"):
        problems.append("sampled frames failed their checks: client %s server %s"
                        % (dig(d, "client_side.check"), dig(d, "server_side.check")))
    if problems:
        print("smoke: %s: %s" % (path, "; ".join(problems)))
        return 1
    print("smoke: %s: ok (forward %.0f pps, reverse %s pps, %d frames checked)"
          % (path, dig(d, "forward.rx_pps") or 0, dig(d, "reverse.rx_pps"),
             (dig(d, "client_side.check.sampled") or 0) + (dig(d, "server_side.check.sampled") or 0)))
    return 0


def kind_of(name):
    """nat-udp-1m-2way -> udp-2way; ceil-tcp-cps -> tcp-cps."""
    if name.endswith("-1way"):
        return "udp-1way"
    if name.endswith("-2way"):
        return "udp-2way"
    for k in ("loopback", "tcp-cps", "latency"):
        if name.endswith(k):
            return k
    return None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "pps":
        return "%.2f Mpps" % (v / 1e6)
    if unit == "conn/s":
        return "%.0f" % v
    if unit == "ns":
        return "%.1f us" % (v / 1e3)
    return "%g" % v


def box_drops(base):
    """dpvs's drops by reason during one run: `dpip -s -s link show` after
    (BASE.link) minus before (BASE.link0), summed over ports; {} if absent."""
    def read(path):
        c = {}
        try:
            with open(path) as f:
                for line in f:
                    m = re.match(r"\s+drop (\S+) (\d+)$", line)
                    if m:
                        c[m.group(1)] = c.get(m.group(1), 0) + int(m.group(2))
        except OSError:
            return None
        return c
    before, after = read(base + ".link0"), read(base + ".link")
    if before is None or after is None:
        return {}
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0}


def report(wdir, out_json, out_md):
    rows = []
    with open(os.path.join(wdir, "index.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 8 or p[0] == "scenario":
                continue
            rows.append(dict(scenario=p[0], round=int(p[1]), box=p[2], status=p[3], file=p[4],
                             cycles_per_pkt=p[5], conns=p[6], command=p[7]))
    with open(os.path.join(wdir, "meta.json")) as f:
        meta = json.load(f)
    scen = {}
    order = []
    for r in rows:
        s = scen.get(r["scenario"])
        if s is None:
            k = kind_of(r["scenario"])
            if k is None:
                continue
            s = scen[r["scenario"]] = dict(kind=k, metric=METRICS[k][0], unit=METRICS[k][1],
                                          counts=METRICS[k][2], box=r["box"], command=r["command"],
                                          values=[], runs=[], cycles_per_pkt=[], failed=0)
            order.append(r["scenario"])
        if r["status"] != "ok":
            s["failed"] += 1
            continue
        try:
            with open(r["file"]) as f:
                d = json.load(f)
        except (OSError, ValueError):
            s["failed"] += 1
            continue
        v = dig(d, s["metric"])
        if v is not None:
            s["values"].append(v)
        if s["kind"] == "udp-2way":
            s.setdefault("forward_pps", []).append(dig(d, "forward.rx_pps"))
        if s["kind"] == "latency":
            s.setdefault("p50", []).append(dig(d, "rtt_ns.p50"))
            s.setdefault("p999", []).append(dig(d, "rtt_ns.p999"))
            s.setdefault("rate", []).append(dig(d, "rate_target"))
        if r["cycles_per_pkt"]:
            s["cycles_per_pkt"].append(float(r["cycles_per_pkt"]))
        if r["conns"]:
            s.setdefault("conns", []).append(int(r["conns"]))
        if r["box"] == "dpvs" and r["file"].endswith(".json"):
            s.setdefault("box_drops", []).append(box_drops(r["file"][:-5]))
        s["runs"].append(d)
    med = {}
    for name, s in scen.items():
        s["median"] = statistics.median(s["values"]) if s["values"] else None
        med[name] = s["median"]
        for extra in ("forward_pps", "p50", "p999", "cycles_per_pkt", "rate"):
            vals = [x for x in s.get(extra, []) if x is not None]
            s[extra + "_median"] = statistics.median(vals) if vals else None

    def ratio(a, b):
        return med[a] / med[b] if med.get(a) and med.get(b) else None

    derived = {
        "nat_1way_vs_ceiling": ratio("nat-udp-1k-1way", "ceil-udp-1way"),
        "nat_1m_vs_1k": ratio("nat-udp-1m-1way", "nat-udp-1k-1way"),
        "added_p99_ns": (med["nat-latency"] - med["ceil-latency"])
        if med.get("nat-latency") is not None and med.get("ceil-latency") is not None else None,
    }
    mem = meta.get("memory") or {}
    if mem.get("heap_bytes") and mem.get("conns"):
        derived["heap_bytes_per_conn"] = mem["heap_bytes"] / mem["conns"]
    if mem.get("conn_slot_bytes"):
        derived["conn_slot_bytes"] = mem["conn_slot_bytes"]
    # lbbench is the bottleneck where the daemon gets (nearly) what the
    # generator manages against testpmd in the same run
    gen_bound = {}
    for name, s in scen.items():
        if not name.startswith("nat-") or s["median"] is None or s["kind"] == "latency":
            continue
        ceil = "ceil-" + s["kind"]
        if med.get(ceil):
            gen_bound[name] = s["median"] >= 0.9 * med[ceil]
    derived["generator_bound"] = gen_bound

    out = dict(date=meta["date"], host=meta["host"], command=meta["command"], runs=meta["runs"],
               duration_s=meta["duration"], skipped=meta.get("skipped", {}), memory=mem,
               derived=derived, scenarios={n: {k: v for k, v in scen[n].items()} for n in order})
    with open(out_json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")

    L = []
    L.append("# Performance baseline")
    L.append("")
    L.append("Generated by `test/bench/run.sh`; do not edit by hand (rerun it).")
    L.append("")
    L.append("- Date: %s" % meta["date"])
    L.append("- CPU: %s, %s CPUs; kernel %s" % (meta["host"]["cpu"], meta["host"]["ncpu"],
                                                meta["host"]["kernel"]))
    L.append("- Command: `%s`" % meta["command"])
    L.append("- Each figure is the median of %d interleaved runs of %s s (box = dpvs or testpmd "
             "alternating), lbbench on CPU 0, the box's one forwarding lcore on CPU 1, joined by "
             "%s." % (meta["runs"], meta["duration"], meta.get("link_desc", "net_memif")))
    L.append("- Frames are 64 B (FCS included); pps counts frames delivered by the box, in the "
             "direction the second column says.")
    if meta.get("note"):
        L.append("- " + meta["note"])
    L.append("")
    L.append("| Scenario | Box | What is counted | Median | All runs | cycles/pkt (dpvs) | "
             "dpvs drops (all runs) | Target |")
    L.append("|---|---|---|---|---|---|---|---|")
    for n in order:
        s = scen[n]
        allv = ", ".join(fmt(v, s["unit"]) for v in s["values"]) or "-"
        if s["failed"]:
            allv += " (%d failed)" % s["failed"]
        counts = s["counts"]
        if s["kind"] == "latency" and s.get("rate_median"):
            counts += " at %.2f Mpps offered" % (s["rate_median"] / 1e6)
        med_s = fmt(s["median"], s["unit"])
        if s["kind"] == "udp-2way" and s.get("forward_pps_median"):
            med_s += " (forward %s)" % fmt(s["forward_pps_median"], "pps")
        if s["kind"] == "latency" and s.get("p50_median") is not None:
            med_s += " (p50 %s, p999 %s)" % (fmt(s["p50_median"], "ns"), fmt(s["p999_median"], "ns"))
        cpp = "%.0f" % s["cycles_per_pkt_median"] if s.get("cycles_per_pkt_median") else "-"
        drops = "-"
        if s.get("box_drops"):
            tot = {}
            for d in s["box_drops"]:
                for k, v in d.items():
                    tot[k] = tot.get(k, 0) + v
            drops = ", ".join("%s %d" % (k, v) for k, v in sorted(tot.items())) or "none"
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (n, s["box"], counts, med_s, allv,
                                                                cpp, drops, TARGETS.get(n, "")))
    L.append("")
    L.append("## Derived")
    L.append("")
    if derived["nat_1way_vs_ceiling"] is not None:
        L.append("- NAT 1K flows one direction / testpmd ceiling: %.2f (target >= 0.5)"
                 % derived["nat_1way_vs_ceiling"])
    if derived["nat_1m_vs_1k"] is not None:
        L.append("- NAT 1M flows / 1K flows: %.2f (target >= 0.7)" % derived["nat_1m_vs_1k"])
    if derived["added_p99_ns"] is not None:
        L.append("- Added p99 latency (NAT - testpmd at the same offered rate): %.1f us "
                 "(target < 10 us)" % (derived["added_p99_ns"] / 1e3))
    if derived.get("heap_bytes_per_conn"):
        L.append("- Hugepage heap bytes in use / live connections after the 1M-flow run: %.0f B "
                 "(%d B in use, %d connections; target <= 160 B). The conn pool is sized up front "
                 "from [pool] conn_max, so this counts the whole reserved table, not only live "
                 "entries." % (derived["heap_bytes_per_conn"], mem["heap_bytes"], mem["conns"]))
    if derived.get("conn_slot_bytes"):
        L.append("- Hugepage bytes per connection slot (conn pool element with its header, plus "
                 "its share of the hash buckets; `dpip stats` conn-bytes): %d B (target <= 160 B)"
                 % derived["conn_slot_bytes"])
    for n, b in gen_bound.items():
        if b:
            L.append("- %s is **generator-bound**: dpvs got >= 90%% of what lbbench reached "
                     "through testpmd in the same run; the true figure may be higher." % n)
    if gen_bound and not any(gen_bound.values()):
        L.append("- lbbench is not the bottleneck: in every dpvs scenario its own maximum "
                 "through testpmd in the same run exceeds what dpvs achieved.")
    for what, why in meta.get("skipped", {}).items():
        L.append("- Skipped: %s: %s" % (what, why))
    L.append("")
    L.append("Instructions per packet of the data path, counted by callgrind (stable on a noisy "
             "machine): [instructions.md](instructions.md), made by `test/bench/instr.sh`.")
    L.append("")
    L.append("## Commands")
    L.append("")
    L.append("```")
    for n in order:
        L.append("# %s (box: %s)" % (n, scen[n]["box"]))
        L.append(scen[n]["command"])
    for c in meta.get("box_commands", []):
        L.append(c)
    L.append("```")
    L.append("")
    with open(out_md, "w") as f:
        f.write("\n".join(L))
    print("bench: wrote %s and %s" % (out_json, out_md))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "heap":
        heap(argv[2])
        return 0
    if len(argv) >= 3 and argv[1] == "smoke":
        return smoke(argv[2])
    if len(argv) >= 5 and argv[1] == "report":
        return report(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
