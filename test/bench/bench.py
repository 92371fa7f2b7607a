#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of test/bench/run.sh: the parts that are easier in Python.

  bench.py heap PREFIX           bytes in use in a DPDK process's heaps
                                 (EAL telemetry, /eal/heap_info), or "" when
                                 the process has no telemetry socket
  bench.py smoke FILE            checks one lbbench summary: well-formed
                                 JSON, traffic passed both ways, checks clean
  bench.py verdict FILE          exit 0 when one lbbench summary may count
                                 (traffic passed both ways, sampled frames
                                 passed the rewrite checks); else exit 1 and
                                 print why on one line
  bench.py expiry FILE POLL      the expiry scenario's figures on one line:
                                 FILE is lbbench's summary (with --timeline),
                                 POLL run.sh's `dpip stats` samples
  bench.py report DIR OUT.json OUT.md
                                 aggregates DIR/index.tsv (one line per run
                                 written by run.sh) into medians with min and
                                 max, the JSON file and the Markdown table;
                                 exit 1 when a scenario failed
  bench.py render IN.json OUT.md the Markdown again from a report's JSON
                                 (also an older one); no measurement
  bench.py workers-conf CONF N CPUS
                                 rewrites a one-worker bench conf in place for
                                 N workers: worker k on lcore k, CPU CPUS[k-1]
                                 (comma-separated), polling queue k-1 of every
                                 port; N RX queues per port; pools resized
  bench.py smoke-workers DIR     the multi-worker smoke's checks on run.sh's
                                 runs in DIR: the aligned runs moved no frame
                                 between workers and every worker got some;
                                 the spread runs (-tuple) moved some
  bench.py col FILE NAME         the first worker row's column NAME of a
                                 `dpip stats` output
"""
import json
import math
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
    "loopback": ("forward.rx_pps", "pps", "one port, own frames back: the generator's own limit"),
    "tcp-cps": ("tcp.cps", "conn/s", "completed connections (7 segments each, both directions)"),
    "latency": ("rtt_ns.p99", "ns", "round trip client -> server -> client, p99"),
    "expiry": ("forward.rx_pps", "pps", "one direction, 1K flows while the other connections "
               "expire (whole measured part; windows below)"),
}

# The box's targets. The headline of a dpvs scenario is its cycles per
# packet on its busy time: a packet rate is capped by the single-core
# generator (ceil-loopback) long before a fast box, so no target is a rate
# relative to a ceiling.
TARGET_MPPS_PER_CORE = 12e6  # nat-udp-1k-1way, stated as cycles per packet


def target_text(name, tsc_hz):
    if name == "nat-udp-1k-1way":
        if tsc_hz:
            return ("<= %.0f cycles/pkt (12 Mpps per busy core at the TSC's %.2f GHz)"
                    % (tsc_hz / TARGET_MPPS_PER_CORE, tsc_hz / 1e9))
        return "<= TSC Hz / 12M cycles/pkt (12 Mpps per busy core)"
    return {
        "nat-udp-1m-1way": "cycles/pkt <= nat-udp-1k-1way's / 0.7",
        "nat-udp-10m-stride-1way": "cycles/pkt <= nat-udp-1k-stride-1way's / 0.7 (issue 15: lookups "
                              "at 10M flows >= 0.7 of the 1K rate)",
        "nat-tcp-cps": ">= 500,000 conn/s",
        "nat-latency": "added p99 (nat - ceil-latency, same rate) < 10 us",
    }.get(name, "")


def role_text(name, box):
    """What a row is for: a ceiling is a reference, never the box's target."""
    if name == "ceil-loopback":
        return "the generator's own limit (lbbench alone, one core): no figure can exceed it"
    if name.startswith("ceil-"):
        return ("ceiling/reference: %s on the same link, which dpvs cannot exceed; "
                "not a target" % box)
    return ""


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


def problems_of(d):
    """Why an lbbench summary cannot count as a measurement ([] if it can)."""
    p = []
    if not d.get("passed_both_ways"):
        p.append("traffic did not pass both ways (forward rx %s, reverse rx %s)"
                 % (dig(d, "forward.rx_packets"), dig(d, "reverse.rx_packets")))
    if not d.get("checks_clean"):
        def bad(side):
            c = dig(d, side + ".check") or {}
            return ", ".join("%s %s" % (k, v) for k, v in c.items()
                             if k not in ("sampled", "ok") and v) or "none"
        p.append("sampled frames failed the rewrite checks (client side: %s; server side: %s)"
                 % (bad("client_side"), bad("server_side")))
    return p


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
    problems += problems_of(d)
    if problems:
        print("smoke: %s: %s" % (path, "; ".join(problems)))
        return 1
    print("smoke: %s: ok (forward %.0f pps, reverse %s pps, %d frames checked)"
          % (path, dig(d, "forward.rx_pps") or 0, dig(d, "reverse.rx_pps"),
             (dig(d, "client_side.check.sampled") or 0) + (dig(d, "server_side.check.sampled") or 0)))
    return 0


def verdict(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print("summary unreadable: %s" % e)
        return 1
    p = problems_of(d)
    if p:
        print("; ".join(p))
        return 1
    return 0


# The "bad spread" twin of a scenario (several workers only): the same
# traffic with lbbench's frames spread over the queues by their 4-tuple
# (--spread tuple), as a NIC's usual RSS would, so that most of them land
# on a worker that does not own them and are handed over.
TWIN_SUFFIXES = ("-tuple", "-rr")


def twin_of(name):
    """nat-udp-1k-1way-tuple -> ("nat-udp-1k-1way", "tuple"); else (None, None)."""
    for suf in TWIN_SUFFIXES:
        if name.endswith(suf):
            return name[:-len(suf)], suf[1:]
    return None, None


def kind_of(name):
    """nat-udp-1m-2way -> udp-2way; ceil-tcp-cps -> tcp-cps (twins: as their scenario)."""
    base, _ = twin_of(name)
    if base:
        name = base
    if "-expiry-" in name:
        return "expiry"
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


def fmt_span(lo, hi, unit):
    """'7.86 - 8.77 Mpps': a min and a max in one unit."""
    if lo is None or hi is None:
        return "-"
    a, b = fmt(lo, unit), fmt(hi, unit)
    if unit in ("pps", "ns"):
        a = a.rsplit(" ", 1)[0]
    return "%s - %s" % (a, b)


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


def warmup_short(r, d, base):
    """Why a UDP round's measured part was not lookups alone: fewer
    connections in the box when it began than the flows it visits (the
    warm-up did not reach every flow, so the measured part made
    connections too); None when it was."""
    if r["box"] != "dpvs" or r["cpp_from"] != "measured" or d.get("mode") != "udp":
        return None
    try:
        with open(base + ".stats0") as f:
            st = parse_stats(f)
    except OSError:
        return None
    want = d.get("measured_flows") or d.get("flows") or 0
    if not st or st[2] is None or st[2] >= 0.99 * want:
        return None
    return ("%d connections when the measured part began, for %d flows: the %s s "
            "warm-up did not reach every flow (the generator was slow)"
            % (st[2], want, d.get("warmup_s")))


def parse_stats(lines):
    """`dpip stats` text -> (packets, busy cycles, conns), packets and busy
    cycles summed over the workers; None when no worker row is there."""
    pk = busy = 0
    conns = None
    rows = 0
    for line in lines:
        f = line.split()
        # lcore cpu loops idle% packets busy-cycles cycles/pkt pps conns ...
        if len(f) >= 9 and f[0].isdigit():
            pk += int(f[4])
            busy += int(f[5])
            rows += 1
        elif f and f[0] == "total":
            conns = int(f[-1])
    if not rows:
        return None
    return pk, busy, conns


def read_stats(path):
    try:
        with open(path) as f:
            return parse_stats(f)
    except (OSError, ValueError):
        return None


def parse_workers(lines):
    """`dpip stats` text -> one dict per worker row, keyed by the header's
    column names (lcore, cpu, packets, busy-cycles, redir-out, redir-in,
    redir-drop, ...); [] without a header."""
    cols, rows = None, []
    for line in lines:
        f = line.split()
        if f and f[0] == "lcore":
            cols = f
        elif cols and f and f[0].isdigit() and len(f) == len(cols):
            row = {}
            for k, v in zip(cols, f):
                try:
                    row[k] = int(v)
                except ValueError:
                    try:
                        row[k] = float(v.rstrip("%"))
                    except ValueError:
                        row[k] = v
            rows.append(row)
    return rows


def read_workers(path):
    try:
        with open(path) as f:
            return parse_workers(f)
    except OSError:
        return []


WORKER_COUNTS = ("packets", "busy-cycles", "redir-out", "redir-in", "redir-drop")


def worker_figures(base, secs):
    """Per worker over one run (BASE.stats0 -> BASE.stats): packets it
    received from its queues, their rate over the measured seconds, its
    busy cycles per packet (its busy time includes the packets others
    handed it), frames it handed over (redir-out) and got (redir-in); the
    run's redirect share: frames handed over / frames received, all
    workers. None without both samples."""
    a, b = read_workers(base + ".stats0"), read_workers(base + ".stats")
    if not a or not b or len(a) != len(b):
        return None
    ws = []
    for x, y in zip(a, b):
        d = {k: y.get(k, 0) - x.get(k, 0) for k in WORKER_COUNTS}
        ws.append(dict(lcore=y.get("lcore"), cpu=y.get("cpu"), packets=d["packets"],
                       busy_cycles=d["busy-cycles"], redir_out=d["redir-out"],
                       redir_in=d["redir-in"], redir_drop=d["redir-drop"],
                       pps=d["packets"] / secs if secs else None,
                       cycles_per_pkt=d["busy-cycles"] / d["packets"] if d["packets"] else None))
    pk = sum(w["packets"] for w in ws)
    moved = sum(w["redir_in"] for w in ws)
    return dict(workers=ws, packets=pk, redirected=moved,
                redirect_drops=sum(w["redir_drop"] for w in ws),
                redirect_share=moved / pk if pk else None)


def box_cycles(base):
    """The box's cycles per packet on its busy time over one run: busy
    cycles / packets between BASE.stats0 and BASE.stats, all workers."""
    a, b = read_stats(base + ".stats0"), read_stats(base + ".stats")
    if not a or not b or b[0] <= a[0]:
        return None
    return dict(cycles_per_pkt=(b[1] - a[1]) / (b[0] - a[0]), box_packets=b[0] - a[0],
                box_busy_cycles=b[1] - a[1])


# ---- the expiry scenario ----

def read_polls(path):
    """run.sh's poll file ("@ EPOCH" then `dpip stats`) -> [(t, pkts, busy, conns)]."""
    polls, t, buf = [], None, []

    def flush():
        if t is not None:
            s = parse_stats(buf)
            if s and s[2] is not None:
                polls.append((t, s[0], s[1], s[2]))
    with open(path) as f:
        for line in f:
            if line.startswith("@ "):
                flush()
                t, buf = float(line[2:].replace(",", ".")), []
            else:
                buf.append(line)
    flush()
    return polls


def t0_of(d):
    """Wall-clock second lbbench's measured part began (its timeline's start)."""
    us = dig(d, "timeline.t0_unix_us")
    return us / 1e6 if us is not None else None


def window(polls, i, j, d):
    """Figures between polls i and j: the box's cycles/pkt and packets/s,
    lbbench's rates over the timeline intervals that lie inside."""
    (ta, pa, ba, _), (tb, pb, bb, _) = polls[i], polls[j]
    w = dict(t_from_s=ta - t0_of(d), t_to_s=tb - t0_of(d),
             cycles_per_pkt=(bb - ba) / (pb - pa) if pb > pa else None,
             box_pps=(pb - pa) / (tb - ta) if tb > ta else None)
    iv = dig(d, "timeline.interval_s") or 0.1
    cols = dig(d, "timeline.columns") or ["end_s", "tx", "fwd_rx", "rev_rx"]
    t0 = t0_of(d)
    secs = tx = rx = 0.0
    worst = None
    prev_end = 0.0
    for pt in dig(d, "timeline.points") or []:
        p = dict(zip(cols, pt))
        start, end = prev_end, p["end_s"]
        prev_end = end
        if start + t0 < ta or end + t0 > tb or end <= start:
            continue
        secs += end - start
        tx += p["tx"]
        rx += p["fwd_rx"]
        if end - start >= 0.5 * iv:
            r = p["fwd_rx"] / (end - start)
            worst = r if worst is None else min(worst, r)
    w["fwd_pps"] = rx / secs if secs else None
    w["offered_pps"] = tx / secs if secs else None
    w["worst_interval_fwd_pps"] = worst
    w["timeline_s"] = secs
    return w


def expiry_figures(d, polls):
    """Before, during and after the expiry of the quiet connections; how
    long the table took to drain (bracketed by the polls)."""
    t0 = t0_of(d)
    keep = d.get("measured_flows") or 0
    out = dict(flows=d.get("flows"), measured_flows=keep, polls=len(polls),
               poll_interval_s=None)
    if t0 is None or len(polls) < 3:
        out["error"] = "no timeline or fewer than 3 polls of dpip stats"
        return out
    out["poll_interval_s"] = (polls[-1][0] - polls[0][0]) / (len(polls) - 1)
    conns = [p[3] for p in polls]
    ipeak = max(range(len(polls)), key=lambda i: conns[i])
    peak = conns[ipeak]
    quiet = peak - keep
    out["conns_peak"] = peak
    out["conns_end"] = conns[-1]
    if quiet <= 0:
        out["error"] = "the table never held more than the measured flows"
        return out
    # began: the first poll below 99 % of the quiet part; drained: down to
    # the measured flows plus 1 % of the quiet part
    i_s = next((i for i in range(ipeak + 1, len(polls)) if conns[i] < peak - 0.01 * quiet), None)
    if i_s is None:
        out["error"] = "no expiry within the run (the table stayed at %d)" % conns[-1]
        return out
    i_e = next((i for i in range(i_s, len(polls)) if conns[i] <= keep + 0.01 * quiet), None)
    out["began_after_s"] = [polls[i_s - 1][0] - t0, polls[i_s][0] - t0]
    out["drained"] = i_e is not None
    b0 = next((i for i in range(len(polls)) if polls[i][0] >= t0 + 0.5), None)
    if b0 is not None and b0 < i_s - 1:
        out["before"] = window(polls, b0, i_s - 1, d)
    if i_e is None:
        out["drain_s"] = None
        out["during"] = window(polls, i_s - 1, len(polls) - 1, d)
        return out
    # the true drain time lies between these two
    out["drain_s"] = [max(0.0, polls[i_e - 1][0] - polls[i_s][0]) if i_e > i_s else 0.0,
                      polls[i_e][0] - polls[i_s - 1][0]]
    out["during"] = window(polls, i_s - 1, i_e, d)
    end = max((i for i in range(len(polls)) if polls[i][0] <= t0 + d.get("duration_s", 0)),
              default=None)
    if end is not None and end > i_e:
        out["after"] = window(polls, i_e, end, d)
    return out


def expiry_line(e):
    if e.get("error"):
        return "expiry: %s" % e["error"]

    def w(k):
        x = e.get(k)
        if not x:
            return "%s: -" % k
        return ("%s: %s forwarded (worst 100 ms %s), %s cycles/pkt"
                % (k, fmt(x.get("fwd_pps"), "pps"), fmt(x.get("worst_interval_fwd_pps"), "pps"),
                   "%.0f" % x["cycles_per_pkt"] if x.get("cycles_per_pkt") else "-"))
    if e.get("drained"):
        drain = "drained in %.1f..%.1f s" % tuple(e["drain_s"])
    else:
        drain = "NOT drained within the run (%d left)" % e["conns_end"]
    return ("expiry: %d of %d connections %s, beginning %.1f..%.1f s after they went quiet; "
            "%d flows on: %s; %s; %s"
            % (e["conns_peak"] - e["measured_flows"], e["conns_peak"], drain,
               e["began_after_s"][0], e["began_after_s"][1], e["measured_flows"],
               w("before"), w("during"), w("after")))


def expiry(path, poll_path):
    try:
        with open(path) as f:
            d = json.load(f)
        e = expiry_figures(d, read_polls(poll_path))
    except (OSError, ValueError) as ex:
        print("expiry: %s" % ex)
        return 1
    print(expiry_line(e))
    return 0


# ---- the report ----

def spread(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


def report(wdir, out_json, out_md):
    rows = []
    with open(os.path.join(wdir, "index.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 8 or p[0] == "scenario":
                continue
            rows.append(dict(scenario=p[0], round=int(p[1]), box=p[2], status=p[3], file=p[4],
                             cpp_from=p[5], conns=p[6], command=p[7]))
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
            s = scen[r["scenario"]] = dict(
                kind=k, metric=METRICS[k][0], unit=METRICS[k][1], counts=METRICS[k][2],
                box=r["box"], role=role_text(r["scenario"], r["box"]),
                target=None, command=r["command"], status="ok", failures=[], rounds=[],
                values=[], runs=[], cycles_per_pkt=[], failed=0)
            order.append(r["scenario"])
        base = r["file"][:-5] if r["file"].endswith(".json") else r["file"]
        rnd = dict(round=r["round"], status="ok" if r["status"] == "ok" else "failed")
        s["rounds"].append(rnd)
        if r["status"] != "ok":
            s["failed"] += 1
            s["status"] = "failed"
            rnd["why"] = r["status"]
            s["failures"].append("round %d: %s" % (r["round"], r["status"]))
            try:  # what it measured, for the diagnosis; never in the figures
                with open(r["file"]) as f:
                    rnd["lbbench"] = {k: v for k, v in json.load(f).items() if k != "timeline"}
            except (OSError, ValueError):
                pass
            continue
        try:
            with open(r["file"]) as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            s["failed"] += 1
            s["status"] = "failed"
            rnd.update(status="failed", why="summary unreadable: %s" % e)
            s["failures"].append("round %d: summary unreadable" % r["round"])
            continue
        s.setdefault("tsc_hz", d.get("tsc_hz"))
        short = warmup_short(r, d, base)
        if short:
            s["failed"] += 1
            s["status"] = "failed"
            rnd.update(status="failed", why=short)
            s["failures"].append("round %d: %s" % (r["round"], short))
            continue
        v = dig(d, s["metric"])
        if v is not None:
            s["values"].append(v)
        rnd["value"] = v
        if s["kind"] == "udp-2way":
            s.setdefault("forward_pps", []).append(dig(d, "forward.rx_pps"))
        if s["kind"] == "latency":
            s.setdefault("p50", []).append(dig(d, "rtt_ns.p50"))
            s.setdefault("p999", []).append(dig(d, "rtt_ns.p999"))
            s.setdefault("rate", []).append(dig(d, "rate_target"))
        if r["box"] == "dpvs":
            c = box_cycles(base)
            if c:
                rnd.update(c)
                rnd["cycles_over"] = ("measured part" if r["cpp_from"] == "measured"
                                      else "whole run (warm-up included)")
                s["cycles_per_pkt"].append(c["cycles_per_pkt"])
            s.setdefault("box_drops", []).append(box_drops(base))
            wf = worker_figures(base, d.get("duration_s"))
            if wf and len(wf["workers"]) > 1:
                rnd["workers"] = wf
                s.setdefault("worker_rounds", []).append(wf)
        s.setdefault("spread", d.get("spread"))
        s.setdefault("queues", d.get("queues"))
        if r["conns"]:
            s.setdefault("conns", []).append(int(r["conns"]))
        if s["kind"] == "expiry" and os.path.exists(base + ".poll"):
            try:
                e = expiry_figures(d, read_polls(base + ".poll"))
            except (OSError, ValueError) as ex:
                e = dict(error=str(ex))
            s.setdefault("expiry", []).append(e)
            d = {k: v for k, v in d.items() if k != "timeline"}  # kept in the work dir
        s["runs"].append(d)
    med = {}
    for name, s in scen.items():
        s["median"], s["min"], s["max"] = spread(s["values"])
        med[name] = s["median"]
        for extra in ("forward_pps", "p50", "p999", "cycles_per_pkt", "rate"):
            s[extra + "_median"], s[extra + "_min"], s[extra + "_max"] = spread(s.get(extra, []))
        overs = {r.get("cycles_over") for r in s["rounds"] if r.get("cycles_over")}
        s["cycles_over"] = ", ".join(sorted(overs)) or None
        s["target"] = target_text(name, s.get("tsc_hz")) or None
        if s.get("expiry"):
            s["expiry_median"] = expiry_medians(s["expiry"])
        if s.get("worker_rounds"):
            s["workers_median"] = workers_medians(s["worker_rounds"])
    tsc_hz = next((s.get("tsc_hz") for s in scen.values() if s.get("tsc_hz")), None)

    def ratio(a, b):
        return med[a] / med[b] if med.get(a) and med.get(b) else None

    def cpp(n):
        return scen[n].get("cycles_per_pkt_median") if n in scen else None

    def cpp_ratio(a, b):
        """a's cycles per packet over b's: how fast b runs against a."""
        return cpp(a) / cpp(b) if cpp(a) and cpp(b) else None

    derived = {
        # a share of a reference, not a target: the reference is itself
        # capped by the generator (ceil-loopback)
        "nat_1way_vs_ceiling": ratio("nat-udp-1k-1way", "ceil-udp-1way"),
        "nat_1m_vs_1k": ratio("nat-udp-1m-1way", "nat-udp-1k-1way"),
        "nat_1k_vs_1m_cycles": cpp_ratio("nat-udp-1k-1way", "nat-udp-1m-1way"),
        # the same daemon (a 10M-slot table), flows met in a strided order
        "nat_1k_vs_10m_cycles": cpp_ratio("nat-udp-1k-stride-1way", "nat-udp-10m-stride-1way"),
        # ... and at 100K flows (a 13 MB table: in the L3 cache of most
        # servers, beyond the TLB's reach where pages translate 4 KiB at
        # a time)
        "nat_1k_vs_100k_cycles": cpp_ratio("nat-udp-1k-stride-1way", "nat-udp-100k-stride-1way"),
        "added_p99_ns": (med["nat-latency"] - med["ceil-latency"])
        if med.get("nat-latency") is not None and med.get("ceil-latency") is not None else None,
        "tsc_hz": tsc_hz,
        # packets per second a fully busy worker would move at that cost
        "pps_per_busy_core": {n: tsc_hz / scen[n]["cycles_per_pkt_median"] for n in order
                              if tsc_hz and scen[n].get("cycles_per_pkt_median")
                              and scen[n]["unit"] == "pps"},
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
        if not name.startswith("nat-") or s["median"] is None or s["kind"] in ("latency", "expiry"):
            continue
        ceil = "ceil-" + s["kind"]
        if med.get(ceil):
            gen_bound[name] = s["median"] >= 0.9 * med[ceil]
    derived["generator_bound"] = gen_bound
    if meta.get("workers", 1) > 1:
        derived["redirect_cost"] = redirect_costs(scen)
        derived["aligned_redirected"] = {
            n: s["workers_median"]["redirected_total"] for n, s in scen.items()
            if not twin_of(n)[0] and s.get("workers_median")
            and s["workers_median"]["redirected_total"]}

    failed = [n for n in order if scen[n]["status"] != "ok"]
    out = dict(date=meta["date"], host=meta["host"], command=meta["command"], runs=meta["runs"],
               duration_s=meta["duration"], link=meta.get("link"), link_desc=meta.get("link_desc"),
               note=meta.get("note"), box_commands=meta.get("box_commands", []),
               expiry_udp_timeout_s=meta.get("expiry_udp_timeout_s"),
               poll_interval_s=meta.get("poll_interval_s"),
               skipped=meta.get("skipped", {}), memory=mem, derived=derived,
               mem_probe=meta.get("mem_probe"),
               workers=meta.get("workers", 1), layout=meta.get("layout"),
               status="failed" if failed else "ok", failed_scenarios=failed,
               scenarios={n: scen[n] for n in order})
    with open(out_json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    write_md(out, out_md)
    print("bench: wrote %s and %s" % (out_json, out_md))
    for n in failed:
        print("bench: FAILED %s: %s" % (n, "; ".join(scen[n]["failures"])))
    return 1 if failed else 0


def workers_medians(rounds):
    """Per worker index, the median over rounds of its rate and cycles per
    packet (with min and max); the median redirect share; totals of the
    frames handed over and of the redirect drops."""
    n = min(len(r["workers"]) for r in rounds)
    per = []
    for i in range(n):
        w = dict(lcore=rounds[0]["workers"][i]["lcore"], cpu=rounds[0]["workers"][i]["cpu"])
        for k in ("pps", "cycles_per_pkt"):
            w[k], w[k + "_min"], w[k + "_max"] = spread([r["workers"][i][k] for r in rounds])
        per.append(w)
    share, share_min, share_max = spread([r["redirect_share"] for r in rounds])
    return dict(workers=per, redirect_share=share, redirect_share_min=share_min,
                redirect_share_max=share_max,
                redirected_total=sum(r["redirected"] for r in rounds),
                redirect_drops_total=sum(r["redirect_drops"] for r in rounds))


def redirect_costs(scen):
    """Each spread twin against its aligned scenario, round by round (the
    two ran back to back on the same daemon): the cycles per packet it
    added, and those divided by its redirect share (what one frame handed
    to another worker cost, both workers' work together). Medians over
    the rounds both have, with min and max."""
    out = {}
    for name, t in scen.items():
        base, how = twin_of(name)
        a = scen.get(base)
        if not base or not a:
            continue
        ra = {r["round"]: r for r in a["rounds"] if r.get("cycles_per_pkt") is not None}
        added, per_moved, shares, drops = [], [], [], []
        for rt in t["rounds"]:
            r0 = ra.get(rt["round"])
            if r0 is None or rt.get("cycles_per_pkt") is None:
                continue
            d = rt["cycles_per_pkt"] - r0["cycles_per_pkt"]
            added.append(d)
            wf = rt.get("workers") or {}
            sh = wf.get("redirect_share")
            shares.append(sh)
            if wf.get("packets"):
                drops.append(wf["redirect_drops"] / wf["packets"])
            if sh:
                per_moved.append(d / sh)
        c = dict(spread=how, twin=name, rounds=len(added),
                 aligned_cycles_per_pkt=a.get("cycles_per_pkt_median"),
                 spread_cycles_per_pkt=t.get("cycles_per_pkt_median"))
        c["added_cycles_per_pkt"], c["added_min"], c["added_max"] = spread(added)
        c["cycles_per_redirected"], c["per_redirected_min"], c["per_redirected_max"] = \
            spread(per_moved)
        c["redirect_share"], _, _ = spread(shares)
        c["redirect_drop_share"], _, _ = spread(drops)
        c["aligned_redirect_share"] = (a.get("workers_median") or {}).get("redirect_share")
        out[base] = c
    return out


def expiry_medians(es):
    """The median over rounds of the expiry figures that every round has."""
    ok = [e for e in es if not e.get("error")]
    m = dict(rounds=len(es), rounds_with_figures=len(ok),
             drained_rounds=sum(1 for e in ok if e.get("drained")))
    for k in ("drain_s", "began_after_s"):
        pairs = [e[k] for e in ok if e.get(k)]
        if pairs:
            m[k] = [statistics.median(x[0] for x in pairs), statistics.median(x[1] for x in pairs)]
    for w in ("before", "during", "after"):
        for k in ("fwd_pps", "worst_interval_fwd_pps", "cycles_per_pkt", "box_pps"):
            vals = [e[w][k] for e in ok if e.get(w) and e[w].get(k) is not None]
            if vals:
                m.setdefault(w, {})[k] = statistics.median(vals)
                m[w][k + "_min"] = min(vals)
                m[w][k + "_max"] = max(vals)
    if ok:
        m["conns_peak"] = statistics.median(e["conns_peak"] for e in ok)
        m["measured_flows"] = ok[0]["measured_flows"]
    return m


# ---- the Markdown (from the report's JSON alone) ----

def upgrade(out):
    """A report JSON from before spreads, statuses and roles: fill them in
    from what it has (its runs are lbbench's summaries)."""
    for n, s in out["scenarios"].items():
        if "status" not in s:
            fails = []
            for i, d in enumerate(s.get("runs", [])):
                p = problems_of(d)
                if p:
                    fails.append("run %d: %s" % (i + 1, "; ".join(p)))
            if s.get("failed"):
                fails.append("%d run(s) failed" % s["failed"])
            s["status"] = "failed" if fails else "ok"
            s["failures"] = fails
        if "min" not in s:
            _, s["min"], s["max"] = spread(s.get("values", []))
        for extra in ("cycles_per_pkt", "forward_pps", "p50", "p999"):
            if extra + "_min" not in s:
                _, s[extra + "_min"], s[extra + "_max"] = spread(s.get(extra, []))
        s.setdefault("role", role_text(n, s.get("box", "")))
        s.setdefault("target", target_text(n, (s.get("runs") or [{}])[0].get("tsc_hz")) or None)
        if "cycles_over" not in s:
            s["cycles_over"] = "whole run (warm-up included)" if s.get("cycles_per_pkt") else None
        if n == "ceil-loopback":
            s["counts"] = METRICS["loopback"][2]
    if "note" not in out:  # run.sh has always said it; older reports kept it in meta only
        out["note"] = ("Shared 2-vCPU machine: other work may run beside the bench; compare only "
                       "figures of the same run.")
    if "status" not in out:
        failed = [n for n, s in out["scenarios"].items() if s["status"] != "ok"]
        out["status"] = "failed" if failed else "ok"
        out["failed_scenarios"] = failed
    if not out.get("link_desc"):
        link = "vhost" if "--link vhost" in out.get("command", "") else \
            "af_packet" if "--link af_packet" in out.get("command", "") else "memif"
        out["link_desc"] = {"memif": "net_memif",
                            "vhost": "virtio_user <-> vhost-user (net_virtio_user / net_vhost)",
                            "af_packet": "net_af_packet on veth pairs between two namespaces"}[link]
    d = out.setdefault("derived", {})
    if "tsc_hz" not in d:
        d["tsc_hz"] = next((r.get("tsc_hz") for s in out["scenarios"].values()
                            for r in s.get("runs", []) if r.get("tsc_hz")), None)
    if "pps_per_busy_core" not in d and d.get("tsc_hz"):
        d["pps_per_busy_core"] = {n: d["tsc_hz"] / s["cycles_per_pkt_median"]
                                  for n, s in out["scenarios"].items()
                                  if s.get("cycles_per_pkt_median") and s.get("unit") == "pps"}
    if "nat_1k_vs_1m_cycles" not in d:
        a = (out["scenarios"].get("nat-udp-1k-1way") or {}).get("cycles_per_pkt_median")
        b = (out["scenarios"].get("nat-udp-1m-1way") or {}).get("cycles_per_pkt_median")
        d["nat_1k_vs_1m_cycles"] = a / b if a and b else None
    return out


def write_md(out, out_md, rerendered=None):
    scen = out["scenarios"]
    derived = out.get("derived", {})
    L = []
    L.append("# Performance baseline" if (out.get("workers") or 1) == 1 else
             "# Performance with %d workers" % out["workers"])
    L.append("")
    L.append("Generated by `test/bench/run.sh`; do not edit by hand (rerun it).")
    if rerendered:
        L.append("")
        L.append(rerendered)
    L.append("")
    L.append("- Date: %s" % out["date"])
    L.append("- CPU: %s, %s CPUs; kernel %s" % (out["host"]["cpu"], out["host"]["ncpu"],
                                                out["host"]["kernel"]))
    L.append("- Command: `%s`" % out["command"])
    nworkers = out.get("workers") or 1
    if nworkers > 1:
        where = ("lbbench (one lcore) on CPU 0 with %d queue pairs per port, dpvs with %d workers "
                 "(%s), joined by %s" % (nworkers, nworkers, layout_text(out.get("layout")),
                                         out.get("link_desc") or "net_memif"))
    else:
        where = ("lbbench on CPU 0, the box's one forwarding lcore on CPU 1, joined by %s"
                 % (out.get("link_desc") or "net_memif"))
    L.append("- Each figure is the median of %d interleaved runs of %s s (box = dpvs or testpmd "
             "alternating) with the min and max of those runs, %s." % (out["runs"],
                                                                      out["duration_s"], where))
    L.append("- **The headline of a dpvs scenario is the box's cycles per packet on its busy "
             "time**: `dpip stats` busy-cycles / packets over the measured part, all workers "
             "(busy-cycles count the worker's loops that moved packets, in TSC cycles). A rate "
             "depends on what the generator can offer; cycles per packet do not.")
    L.append("- lbbench is one core: `ceil-loopback` (its own frames back through testpmd "
             "macswap on one port) is **the generator's own limit**, and the other `ceil-*` "
             "rows (testpmd io forwarding on the same link, in the same run) are a "
             "**ceiling/reference** that dpvs cannot exceed on this bench, never the box's "
             "target. Where dpvs gets close to them, its rate measures the generator.")
    L.append("- A scenario is **FAILED** when a run failed, its frames did not pass lbbench's "
             "rewrite checks (`checks_clean` false), traffic did not pass both ways, or (UDP) the "
             "box held fewer connections than the flows when the measured part began (the "
             "warm-up did not reach them all, so connections were made while measuring); its "
             "figures are then not a measurement of the NAT and run.sh exits non-zero.")
    L.append("- Frames are 64 B (FCS included); pps counts frames delivered by the box, in the "
             "direction the column says.")
    if out.get("note"):
        L.append("- " + out["note"])
    L.append("")
    L.append("| Scenario | cycles/pkt (box busy time), median [min-max] | Median | Min - max | "
             "Status | Box | What is counted | dpvs drops (all runs) | Target or role |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for n, s in scen.items():
        unit = s["unit"]
        counts = s["counts"]
        if s["kind"] == "latency" and s.get("rate_median"):
            counts += " at %.2f Mpps offered" % (s["rate_median"] / 1e6)
        med_s = fmt(s.get("median"), unit)
        if s["kind"] == "udp-2way" and s.get("forward_pps_median"):
            med_s += " (forward %s)" % fmt(s["forward_pps_median"], "pps")
        if s["kind"] == "latency" and s.get("p50_median") is not None:
            med_s += " (p50 %s, p999 %s)" % (fmt(s["p50_median"], "ns"), fmt(s["p999_median"], "ns"))
        rng = fmt_span(s.get("min"), s.get("max"), unit)
        if s.get("cycles_per_pkt_median"):
            cpp = "**%.0f** [%.0f-%.0f]" % (s["cycles_per_pkt_median"], s["cycles_per_pkt_min"],
                                            s["cycles_per_pkt_max"])
            if s.get("cycles_over") and s["cycles_over"] != "measured part":
                cpp += "; over the %s" % s["cycles_over"]
        else:
            cpp = "-"
        nruns = len(s.get("rounds") or s.get("runs") or [])
        status = "ok" if s["status"] == "ok" else "**FAILED** (%s)" % "; ".join(s["failures"])
        if s["status"] == "ok" and nruns:
            status = "ok (%d/%d)" % (nruns, nruns)
        drops = "-"
        if s.get("box_drops"):
            tot = {}
            for d in s["box_drops"]:
                for k, v in d.items():
                    tot[k] = tot.get(k, 0) + v
            drops = ", ".join("%s %d" % (k, v) for k, v in sorted(tot.items())) or "none"
        tr = s.get("role") or s.get("target") or ""
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                 % (n, cpp, med_s, rng, status, s["box"], counts, drops, tr))
    L.append("")
    if nworkers > 1:
        workers_md(L, out)
    ex = [(n, s) for n, s in scen.items() if s.get("expiry_median")]
    for n, s in ex:
        m = s["expiry_median"]
        L.append("## Expiry: %s" % n)
        L.append("")
        L.append("About %s connections made in the warm-up (their own daemon, udp timeout set "
                 "short with `ipvsadm --set`); then only %s of the flows go on, at full rate, "
                 "while the others time out together. `dpip stats` is polled through the whole "
                 "measured part (the same way before and during the expiry); windows are "
                 "bracketed by those polls. Figures only, never asserted. %d of %d round(s) "
                 "drained within the run."
                 % ("{:,}".format(int(m.get("conns_peak") or 0)), m.get("measured_flows", "-"),
                    m.get("drained_rounds", 0), m.get("rounds", 0)))
        L.append("")
        tmo = out.get("expiry_udp_timeout_s")
        if m.get("began_after_s"):
            L.append("- The expiry began %.1f..%.1f s after the flows went quiet (udp timeout %s "
                     "s; the timer wheel turns once a second)."
                     % (m["began_after_s"][0], m["began_after_s"][1], tmo or "?"))
        if m.get("drain_s"):
            L.append("- The table drained in %.2f..%.2f s (median over rounds; the true time "
                     "lies between the two, set by the poll interval)." % tuple(m["drain_s"]))
        L.append("")
        L.append("| Window | cycles/pkt (box busy time) | Forwarded (lbbench) | Worst 100 ms | "
                 "Box packets/s |")
        L.append("|---|---|---|---|---|")
        names = {"before": "%s flows, before the expiry" % m.get("measured_flows", ""),
                 "during": "while the others expire", "after": "after the table drained"}
        for w in ("before", "during", "after"):
            x = m.get(w)
            if not x:
                L.append("| %s | - | - | - | - |" % names[w])
                continue

            def c(k, u):
                if x.get(k) is None:
                    return "-"
                if u == "cyc":
                    return "%.0f [%.0f-%.0f]" % (x[k], x[k + "_min"], x[k + "_max"])
                return "%s [%s]" % (fmt(x[k], "pps"), fmt_span(x[k + "_min"], x[k + "_max"], "pps"))
            L.append("| %s | %s | %s | %s | %s |" % (names[w], c("cycles_per_pkt", "cyc"),
                                                     c("fwd_pps", "pps"),
                                                     c("worst_interval_fwd_pps", "pps"),
                                                     c("box_pps", "pps")))
        L.append("")
    L.append("## Derived")
    L.append("")
    hz = derived.get("tsc_hz")
    for n, pps in (derived.get("pps_per_busy_core") or {}).items():
        L.append("- %s: %.0f cycles/pkt = %.2f Mpps per fully busy worker at the TSC's %.2f GHz"
                 % (n, hz / pps, pps / 1e6, hz / 1e9))
    if derived.get("nat_1way_vs_ceiling") is not None:
        L.append("- NAT 1K flows one direction / testpmd on the same link: %.2f (a share of a "
                 "reference capped by the generator, not a target)"
                 % derived["nat_1way_vs_ceiling"])
    if derived.get("nat_1k_vs_1m_cycles") is not None:
        L.append("- NAT 1K / 1M flows in cycles per packet: %.2f (target >= 0.7)"
                 % derived["nat_1k_vs_1m_cycles"])
    if derived.get("nat_1k_vs_10m_cycles") is not None:
        L.append("- NAT 1K / 10M flows in cycles per packet, one daemon with a 10M-slot "
                 "table, flows met in a strided order (nat-udp-1k-stride-1way / nat-udp-10m-stride-1way): "
                 "%.2f (target >= 0.7)" % derived["nat_1k_vs_10m_cycles"])
    if derived.get("nat_1k_vs_100k_cycles") is not None:
        L.append("- NAT cycles per packet, 1K / 100K flows on the same table, strided "
                 "(nat-udp-1k-stride-1way / nat-udp-100k-stride-1way): %.2f"
                 % derived["nat_1k_vs_100k_cycles"])
    probe = out.get("mem_probe")
    if probe and probe.get("hugepages"):
        L.append("- The machine's memory (`mem_probe`): %s; a dependent miss over %d MiB costs "
                 "%.0f ns. A table that outgrows the TLB's reach pays a page walk a miss "
                 "wherever hugepages translate 4 KiB at a time (see docs/conn-scale.md)."
                 % ("hugepages translate **4 KiB at a time** (4096 lines in 4096 pages of "
                    "16 MiB: %.1f cycles a load against %.1f packed)"
                    % (probe["p4k_cycles"], probe["packed_cycles"])
                    if probe.get("translation_4k") else
                    "hugepages translate as 2 MiB pages",
                    probe["span_mib"], probe["latency_ns"]))
    if derived.get("nat_1m_vs_1k") is not None:
        L.append("- NAT 1M / 1K flows in Mpps: %.2f (the rates may be the generator's)"
                 % derived["nat_1m_vs_1k"])
    if derived.get("added_p99_ns") is not None:
        L.append("- Added p99 latency (NAT - testpmd at the same offered rate): %.1f us "
                 "(target < 10 us)" % (derived["added_p99_ns"] / 1e3))
    mem = out.get("memory") or {}
    if derived.get("heap_bytes_per_conn"):
        L.append("- Hugepage heap bytes in use / live connections after the 1M-flow run: %.0f B "
                 "(%d B in use, %d connections; target <= 160 B). The conn pool is sized up front "
                 "from [pool] conn_max, so this counts the whole reserved table, not only live "
                 "entries." % (derived["heap_bytes_per_conn"], mem["heap_bytes"], mem["conns"]))
    if derived.get("conn_slot_bytes"):
        L.append("- Hugepage bytes per connection slot (conn pool element with its header, plus "
                 "its share of the hash buckets; `dpip stats` conn-bytes): %d B (target <= 160 B)"
                 % derived["conn_slot_bytes"])
    gen_bound = derived.get("generator_bound") or {}
    for n, b in gen_bound.items():
        if b:
            L.append("- %s is **generator-bound**: dpvs got >= 90%% of what lbbench reached "
                     "through testpmd in the same run; its rate measures lbbench, its cycles "
                     "per packet still measure dpvs." % n)
    if gen_bound and not any(gen_bound.values()):
        L.append("- lbbench is not the bottleneck: in every dpvs scenario its own maximum "
                 "through testpmd in the same run exceeds what dpvs achieved.")
    for what, why in (out.get("skipped") or {}).items():
        L.append("- Skipped: %s: %s" % (what, why))
    if out.get("failed_scenarios"):
        L.append("- **FAILED**: %s" % ", ".join(out["failed_scenarios"]))
    L.append("")
    L.append("Instructions per packet of the data path, counted by callgrind (stable on a noisy "
             "machine): [instructions.md](instructions.md), made by `test/bench/instr.sh`.")
    L.append("")
    L.append("## Commands")
    L.append("")
    L.append("```")
    for n, s in scen.items():
        L.append("# %s (box: %s)" % (n, s["box"]))
        L.append(s["command"])
    for c in out.get("box_commands", []):
        L.append(c)
    L.append("```")
    L.append("")
    with open(out_md, "w") as f:
        f.write("\n".join(L))


def layout_text(layout):
    """'worker 1 on CPU 1, worker 2 on CPU 0 (shared with lbbench)'."""
    if not layout:
        return "CPUs not recorded"
    parts = []
    for k, cpu in enumerate(layout.get("worker_cpus") or [], 1):
        shared = []
        if cpu == layout.get("gen_cpu"):
            shared.append("lbbench")
        others = [j for j, c in enumerate(layout["worker_cpus"], 1) if c == cpu and j != k]
        if others:
            shared.append("worker " + ", ".join(str(j) for j in others))
        parts.append("worker %d on CPU %d%s" % (k, cpu, " (shared with %s)" % " and ".join(shared)
                                                 if shared else ""))
    return ", ".join(parts)


def workers_md(L, out):
    """The multi-worker part: per-worker rates, the redirect share, and
    the redirect cost (each spread twin against its aligned scenario)."""
    scen = out["scenarios"]
    layout = out.get("layout") or {}
    n = out.get("workers")
    L.append("## Workers")
    L.append("")
    L.append("%d workers, each polling its own queue of both ports; the owner of a packet is the "
             "Toeplitz hash of its client address through a 128-entry table (src/worker/steer.c), "
             "and a packet that lands elsewhere is handed to its owner through a ring (dpip stats "
             "redir-out / redir-in). lbbench sends each frame on the queue a NIC's RSS at the box "
             "would give it: by default by the same hash of the client address (the *aligned* "
             "rows: every frame lands on its owner), and in the `-tuple` rows by the hash of its "
             "4-tuple, a NIC's usual RSS (`lbbench --spread tuple`: most frames land away from "
             "their owner)." % n)
    L.append("")
    if any(c == layout.get("gen_cpu") for c in layout.get("worker_cpus") or []) or \
            len(set(layout.get("worker_cpus") or [])) < len(layout.get("worker_cpus") or []):
        L.append("**CPUs are shared** on this %s-CPU machine (%s): a worker that shares its CPU "
                 "gets part of it (an idle one sleeps %s us, so the other gets it), and its busy "
                 "cycles (TSC time of its loops that moved packets) include the time it waited "
                 "for the CPU; the owner of a redirect ring that does not run for a time slice "
                 "lets it overflow (redirect-full). Compare rows of this run with each other, "
                 "and see a machine with a CPU per worker and one for lbbench for the scaling "
                 "itself." % (out["host"].get("ncpu", "?"), layout_text(layout),
                              SHARED_IDLE_SLEEP_US))
        L.append("")
    L.append("| Scenario | Spread | Rate per worker, median [min-max] | cycles/pkt per worker "
             "(busy time) | Redirect share (redir-in / packets) | Redirect drops (measured parts) |")
    L.append("|---|---|---|---|---|---|")
    for name, s in scen.items():
        wm = s.get("workers_median")
        if not wm:
            continue
        rates = "<br>".join("w%d %s [%s]" % (i + 1, fmt(w["pps"], "pps"),
                                              fmt_span(w["pps_min"], w["pps_max"], "pps"))
                            for i, w in enumerate(wm["workers"]))
        cyc = "<br>".join("w%d %s" % (i + 1, "%.0f [%.0f-%.0f]" % (
            w["cycles_per_pkt"], w["cycles_per_pkt_min"], w["cycles_per_pkt_max"])
            if w.get("cycles_per_pkt") is not None else "-")
            for i, w in enumerate(wm["workers"]))
        share = ("%.1f%% [%.1f-%.1f]" % (100 * wm["redirect_share"], 100 * wm["redirect_share_min"],
                                          100 * wm["redirect_share_max"])
                 if wm.get("redirect_share") is not None else "-")
        L.append("| %s | %s | %s | %s | %s | %d |" % (name, s.get("spread") or "client", rates, cyc,
                                                   share, wm["redirect_drops_total"]))
    L.append("")
    costs = (out.get("derived") or {}).get("redirect_cost") or {}
    if costs:
        L.append("### Redirect cost")
        L.append("")
        L.append("Each spread run against its aligned run of the same round (back to back, same "
                 "daemon, same flows): the box's cycles per packet (all workers' busy cycles / "
                 "packets received) that the spread added, and that divided by the share of "
                 "frames handed over: what one redirected frame costs, the handing worker's and "
                 "the owner's work together. Medians over rounds [min-max]. Frames dropped at "
                 "the redirect (the owner's ring full: redirect-full) skip the NAT, so where "
                 "their share is not small the cost is understated.")
        L.append("")
        L.append("| Scenario | cycles/pkt aligned | cycles/pkt spread | Redirect share spread "
                 "(aligned) | Redirect drops / packets, spread | Added cycles/pkt | "
                 "Cycles per redirected frame |")
        L.append("|---|---|---|---|---|---|---|")
        for base, c in costs.items():
            def cy(v):
                return "%.0f" % v if v is not None else "-"
            sh = "%s (%s)" % ("%.1f%%" % (100 * c["redirect_share"])
                              if c.get("redirect_share") is not None else "-",
                              "%.1f%%" % (100 * c["aligned_redirect_share"])
                              if c.get("aligned_redirect_share") is not None else "-")
            add = ("%+.0f [%+.0f..%+.0f]" % (c["added_cycles_per_pkt"], c["added_min"],
                                            c["added_max"])
                   if c.get("added_cycles_per_pkt") is not None else "-")
            per = ("%.0f [%.0f-%.0f]" % (c["cycles_per_redirected"], c["per_redirected_min"],
                                         c["per_redirected_max"])
                   if c.get("cycles_per_redirected") is not None else "-")
            dr = ("%.1f%%" % (100 * c["redirect_drop_share"])
                  if c.get("redirect_drop_share") is not None else "-")
            L.append("| %s vs %s | %s | %s | %s | %s | %s | %s |"
                     % (c["twin"], base, cy(c.get("aligned_cycles_per_pkt")),
                        cy(c.get("spread_cycles_per_pkt")), sh, dr, add, per))
        L.append("")
    moved = (out.get("derived") or {}).get("aligned_redirected") or {}
    for name, k in moved.items():
        L.append("- **%s moved %d frames between workers although aligned**: lbbench's queue "
                 "choice and dpvs's owner disagree." % (name, k))
    if moved:
        L.append("")
    L.append("lbbench is one lcore whatever N: the workers share what it offers, so their "
             "rates show the split and the scaling shows in the cycles per packet per worker "
             "(on its busy time), not in the total rate. The `ceil-*` rows use one queue pair "
             "and one testpmd core: a reference for the link, not for %d workers." % n)
    L.append("")


def render(in_json, out_md):
    with open(in_json) as f:
        out = json.load(f)
    old = "status" not in out
    out = upgrade(out)
    if not out.get("box_commands") and os.path.exists(out_md):
        # older reports kept the box's commands only in their Markdown
        with open(out_md) as f:
            out["box_commands"] = [l.rstrip("\n") for l in f
                                   if l.startswith("# dpvs: ") or l.startswith("# testpmd (")]
    note = None
    if old:
        note = ("Rendered again on %s by `test/bench/bench.py render` from %s, the JSON of "
                "the run below (no new measurement). In that run cycles/pkt covered the whole "
                "lbbench run (warm-up included) and there was no expiry scenario."
                % (time.strftime("%Y-%m-%d"), os.path.basename(in_json)))
    write_md(out, out_md, note)
    print("bench: wrote %s from %s" % (out_md, in_json))
    return 0


SHARED_IDLE_SLEEP_US = 20


def workers_conf(path, n, cpus):
    """Rewrites, in place, a one-worker bench conf (conf/bench-nat*.conf)
    for n workers: [eal] lcores (the main lcore keeps its CPU; worker k is
    lcore k on cpus[k-1]), one [worker:k] per worker polling queue k-1 of
    every port, rx_queues = n on every port (and queues=n in a vhost
    device), and the pools: the same connections in all (conn_max per
    worker shrinks, with room for an uneven split of the clients), mbufs
    for the extra rings, memory for both; where workers share a CPU, an
    idle one sleeps. 0, or 1 with the reason."""
    with open(path) as f:
        lines = f.read().split("\n")
    if len(cpus) != n:
        print("workers-conf: %d CPUs for %d workers" % (len(cpus), n))
        return 1
    ports, sec, out = [], None, []
    vals = {}
    for line in lines:
        m = re.match(r"\s*\[([^\]]+)\]", line)
        if m:
            sec = m.group(1)
            if sec.startswith("port:"):
                ports.append(sec[5:])
        kv = re.match(r"\s*([a-z_]+)\s*=\s*(.*?)\s*$", line)
        if kv and sec and not sec.startswith("worker:"):
            vals[(sec, kv.group(1))] = kv.group(2)
    main = re.match(r"0@(\d+)", vals.get(("eal", "lcores"), ""))
    if not ports or not main or ("pool", "conn_max") not in vals:
        print("workers-conf: %s: expected [eal] lcores = 0@CPU,..., [pool] conn_max and ports"
              % path)
        return 1
    conn0, mbufs0 = int(vals[("pool", "conn_max")]), int(vals.get(("pool", "mbufs"), 16383))
    mem0 = int(vals.get(("eal", "memory"), 1024))
    conn = max(65536, int(math.ceil(conn0 * 1.25 / n / 1024)) * 1024)
    # every port's RX rings and each worker's TX ring on every port, 1024
    # descriptors each, and as much again in flight
    need = 2 * (len(ports) * n * 1024 * 2)
    mbufs = mbufs0 if need <= mbufs0 else (1 << (need - 1).bit_length()) - 1
    mem = mem0 + max(0, int(math.ceil(((n * conn - conn0) * 160 + (mbufs - mbufs0) * 2560)
                                      / 2**20)))
    shared = len(set(cpus)) < len(cpus)
    if shared and ("global", "idle_sleep_us") not in vals:
        print("workers-conf: %s: expected [global] idle_sleep_us" % path)
        return 1
    sec = None
    workers_done = False
    for line in lines:
        m = re.match(r"\s*\[([^\]]+)\]", line)
        if m:
            sec = m.group(1)
            if sec.startswith("worker:"):
                if not workers_done:
                    for k in range(1, n + 1):
                        out.append("[worker:%d]" % k)
                        out.append("queues = " + ", ".join("%s:%d" % (p, k - 1) for p in ports))
                        out.append("")
                    workers_done = True
                continue
            out.append(line)
            if sec.startswith("port:"):
                out.append("rx_queues = %d" % n)
            continue
        if sec and sec.startswith("worker:"):
            continue  # the one-worker sections are replaced above
        kv = re.match(r"\s*([a-z_]+)\s*=", line)
        key = kv.group(1) if kv else None
        if sec == "global" and key == "idle_sleep_us" and shared:
            # workers that share a CPU (a small box) give it up when they
            # have nothing to do, so the one with work gets it at once
            line = "idle_sleep_us = %d" % SHARED_IDLE_SLEEP_US
        elif sec == "eal" and key == "lcores":
            line = "lcores = 0@%s,%s" % (main.group(1), ",".join(
                "%d@%d" % (k, c) for k, c in enumerate(cpus, 1)))
        elif sec == "eal" and key == "memory":
            line = "memory = %d" % mem
        elif sec == "pool" and key == "conn_max":
            line = "conn_max = %d" % conn
        elif sec == "pool" and key == "mbufs":
            line = "mbufs = %d" % mbufs
        elif sec and sec.startswith("port:") and key == "rx_queues":
            continue  # written after the section's header
        elif sec and sec.startswith("port:") and key == "device":
            line = re.sub(r"\bqueues=\d+", "queues=%d" % n, line)
        out.append(line)
    if not workers_done:
        print("workers-conf: %s: no [worker:N] section to replace" % path)
        return 1
    head = ["; Rewritten by test/bench/bench.py workers-conf for %d workers (worker k: lcore k on "
            "CPU %s, queue k-1 of every port); where the text below speaks of one worker, "
            "these sections rule." % (n, ",".join(str(c) for c in cpus)), ""]
    with open(path, "w") as f:
        f.write("\n".join(head + out))
    return 0


def smoke_workers(wdir):
    """The multi-worker smoke's checks (no speed): in the aligned runs no
    frame changed worker (lbbench's queue choice is dpvs's owner) and
    every worker received frames; the spread runs handed some over."""
    problems, runs = [], 0
    with open(os.path.join(wdir, "index.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 8 or p[0] == "scenario" or p[2] != "dpvs" or p[3] != "ok":
                continue
            base = p[4][:-5] if p[4].endswith(".json") else p[4]
            wf = worker_figures(base, 1.0)
            if not wf:
                problems.append("%s: no `dpip stats` samples" % p[0])
                continue
            runs += 1
            ws = wf["workers"]
            desc = ", ".join("w%d %d pkts in %d out %d" % (i + 1, w["packets"], w["redir_in"],
                                                         w["redir_out"]) for i, w in enumerate(ws))
            if len(ws) < 2:
                problems.append("%s: %d worker row(s) in dpip stats" % (p[0], len(ws)))
            elif twin_of(p[0])[0]:
                if not wf["redirected"]:
                    problems.append("%s: spread badly, yet no frame was handed over (%s)"
                                    % (p[0], desc))
            else:
                if wf["redirected"] or any(w["redir_out"] for w in ws):
                    problems.append("%s: aligned, yet frames were handed over: lbbench's queue "
                                    "and dpvs's owner disagree (%s)" % (p[0], desc))
                if any(w["packets"] == 0 for w in ws):
                    problems.append("%s: a worker received nothing (%s)" % (p[0], desc))
            print("smoke-workers: %s: %s" % (p[0], desc))
    if not runs:
        problems.append("no dpvs run to check")
    for x in problems:
        print("smoke-workers: %s" % x)
    return 1 if problems else 0


def col(path, name):
    rows = read_workers(path)
    print(rows[0].get(name, "") if rows else "")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "heap":
        heap(argv[2])
        return 0
    if len(argv) >= 3 and argv[1] == "smoke":
        return smoke(argv[2])
    if len(argv) >= 3 and argv[1] == "verdict":
        return verdict(argv[2])
    if len(argv) >= 4 and argv[1] == "expiry":
        return expiry(argv[2], argv[3])
    if len(argv) >= 5 and argv[1] == "report":
        return report(argv[2], argv[3], argv[4])
    if len(argv) >= 4 and argv[1] == "render":
        return render(argv[2], argv[3])
    if len(argv) >= 5 and argv[1] == "workers-conf":
        try:
            cpus = [int(c) for c in argv[4].split(",")]
        except ValueError:
            print("workers-conf: CPUS '%s': expected numbers, comma-separated" % argv[4])
            return 2
        return workers_conf(argv[2], int(argv[3]), cpus)
    if len(argv) >= 3 and argv[1] == "smoke-workers":
        return smoke_workers(argv[2])
    if len(argv) >= 4 and argv[1] == "col":
        return col(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
