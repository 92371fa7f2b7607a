#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ctl_scale.sh: how the control plane copes with a big configuration.
# A benchmark, not a test: it prints figures and writes them as JSON, it
# asserts nothing about time.
#
#   1. starts a dpvs of its own (one worker, one net_ring port: no NIC,
#      no namespace, no hugepage files left behind);
#   2. writes an `ipvsadm -S` style rules file of SVCS services (NAT,
#      -s SCHED) with DESTS real servers each;
#   3. times `ipvsadm -R < rules`, then REPS single `ipvsadm -a` on top of
#      it (median), then `ipvsadm -Ln > FILE` and checks its line count;
#   4. prints the figures and adds them to OUT (JSON: {"runs": [...]},
#      one entry per run, so runs of several builds sit side by side).
#
# Usage: test/bench/ctl_scale.sh
#   SVCS=10000 DESTS=10 SCHED=wlc   the rule set (default 10,000 x 10, wlc)
#   REPS=21                         single -a (and no-op requests) timed
#   BUILD=build                     where dpvs and ipvsadm are (or DPVS=, IPVSADM=)
#   OUT=docs/ctl-scale.json         the JSON the run is added to (OUT= for none;
#                                   FRESH=1 starts it afresh)
#   LABEL=...                       a name for the run in the JSON
#   TIMEOUT=600                     seconds allowed to each ipvsadm command
#   LCORES=0@0,1@1                  the EAL lcore map (worker on lcore 1)
#   LIMITS=config|memory            [pool] svc_max/dest_max written for the
#                                   rule set (config, the default), or left
#                                   to the daemon, which sizes them from
#                                   hugepage memory (memory: what an operator
#                                   gets without setting them)
#   MEMORY=256                      [eal] memory, MB (at most 512 here)
#
# Limits: with LIMITS=config the daemon is given [pool] svc_max/dest_max
# big enough for the rule set when it knows these keys (a daemon that does
# not is run with its built-in limits, and a rule set over them fails in
# -R, as it would). `dpip stats`' limits line is printed either way.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
DPVS=${DPVS:-$BUILD/src/dpvs}
IPVSADM=${IPVSADM:-$BUILD/tools/ipvsadm/ipvsadm}
SVCS=${SVCS:-10000}
DESTS=${DESTS:-10}
SCHED=${SCHED:-wlc}
REPS=${REPS:-21}
TIMEOUT=${TIMEOUT:-600}
LCORES=${LCORES:-0@0,1@1}
LIMITS=${LIMITS:-config}
MEMORY=${MEMORY:-256}
DPIP=${DPIP:-$BUILD/tools/dpip/dpip}
OUT=${OUT-$TOP/docs/ctl-scale.json}
LABEL=${LABEL:-$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)}
STATE=$(mktemp -d /tmp/dpvs-ctlscale.XXXXXX)
PREFIX=ctlscale-$$
DPID=

die() { echo "ctl_scale.sh: $*" >&2; exit 1; }

cleanup() {
  if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
    kill -TERM "$DPID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DPID" 2>/dev/null || true
  fi
  rm -rf "$STATE"
}
trap cleanup EXIT

[ -x "$DPVS" ] || die "no daemon at $DPVS (build first: meson setup build && ninja -C build)"
[ -x "$IPVSADM" ] || die "no ipvsadm at $IPVSADM"
ndests_total=$((SVCS * DESTS))

# nanoseconds -> milliseconds with three decimals
ms() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e6 }'; }
now() { date +%s%N; }

conf() { # conf WITH_LIMITS
  cat <<EOF
[global]
log_level = notice
ctl_socket = $STATE/dpvs.sock
pid_file = $STATE/dpvs.pid
; the bench shares the CPUs: an idle worker sleeps (and is offline for RCU)
idle_sleep_us = 1000
idle_polls = 16

[eal]
lcores = $LCORES
main_lcore = 0
memory = $MEMORY
file_prefix = $PREFIX
in_memory = yes

[pool]
mbufs = 2047
mbuf_cache = 64
conn_max = 1024
EOF
  if [ "$1" = yes ]; then
    echo "svc_max = $((SVCS + 16))"
    echo "dest_max = $((ndests_total + REPS + 16))"
  fi
  cat <<EOF

[port:dpdk0]
device = net_ring0
kni = no
rx_desc = 256
tx_desc = 256

[worker:1]
queues = dpdk0:0
EOF
}

if [ "$LIMITS" = memory ]; then
  conf no >"$STATE/dpvs.conf"
  limits=memory
elif conf yes >"$STATE/dpvs.conf" && limits=configured && ! "$DPVS" -t -c "$STATE/dpvs.conf" >"$STATE/check.log" 2>&1; then
  if grep -q "svc_max\|dest_max" "$STATE/check.log"; then
    echo "ctl_scale.sh: limits not taken ($(grep -m1 "svc_max\|dest_max" "$STATE/check.log")):" \
      "running with the daemon's built-in ones" >&2
    conf no >"$STATE/dpvs.conf"
    limits=built-in
    "$DPVS" -t -c "$STATE/dpvs.conf" >/dev/null 2>&1 || die "config refused: $(cat "$STATE/check.log")"
  else
    die "config refused: $(cat "$STATE/check.log")"
  fi
fi

# VIP i: 10.1.(i / 250).(i % 250 + 1):80; dest d (global index): 172.(16 + d / 65536)...:8080
awk -v n="$SVCS" -v k="$DESTS" -v s="$SCHED" 'BEGIN {
  for (i = 0; i < n; i++) {
    vip = sprintf("10.%d.%d.%d:80", 1 + int(i / 62500), int(i / 250) % 250, i % 250 + 1);
    printf "-A -t %s -s %s\n", vip, s;
    for (j = 0; j < k; j++) {
      d = i * k + j + 1;
      printf "-a -t %s -r 172.%d.%d.%d:8080 -m -w 1\n", vip, 16 + int(d / 65536), int(d / 256) % 256, d % 256;
    }
  }
}' >"$STATE/rules"
rules_lines=$(wc -l <"$STATE/rules")

"$DPVS" -c "$STATE/dpvs.conf" >"$STATE/dpvs.log" 2>&1 &
DPID=$!
for _ in $(seq 150); do
  [ -S "$STATE/dpvs.sock" ] && break
  kill -0 "$DPID" 2>/dev/null || { cat "$STATE/dpvs.log" >&2; die "dpvs exited"; }
  sleep 0.2
done
[ -S "$STATE/dpvs.sock" ] || { cat "$STATE/dpvs.log" >&2; die "dpvs did not open its socket in 30 s"; }
export DPVS_SOCK=$STATE/dpvs.sock
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status"; }
rss0=$(rss_kb)
limits_line=$("$DPIP" stats 2>/dev/null | grep '^ipvs:' || echo "ipvs: (no limits line from dpip stats)")

# 1. restore
t0=$(now)
rc=0
timeout "$TIMEOUT" "$IPVSADM" -R <"$STATE/rules" >"$STATE/restore.out" 2>"$STATE/restore.err" || rc=$?
t1=$(now)
restore_ns=$((t1 - t0))
restore_errors=$(wc -l <"$STATE/restore.err")
[ "$rc" = 0 ] || echo "ctl_scale.sh: ipvsadm -R exited $rc ($restore_errors error lines; first: $(head -1 "$STATE/restore.err"))" >&2

# 2. one more real server on top, REPS times (each a new one), median;
#    and a request that changes nothing (-L --timeout) for the round-trip
#    cost of starting ipvsadm and asking the daemon
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }
add_ns=()
ping_ns=()
for r in $(seq "$REPS"); do
  t0=$(now)
  timeout 10 "$IPVSADM" -a -t 10.1.0.1:80 -r "192.0.2.$r:8080" -m -w 1 || echo "ctl_scale.sh: ipvsadm -a failed" >&2
  t1=$(now)
  add_ns+=($((t1 - t0)))
  t0=$(now)
  timeout 10 "$IPVSADM" -L --timeout >/dev/null || true
  t1=$(now)
  ping_ns+=($((t1 - t0)))
done
add_med=$(printf '%s\n' "${add_ns[@]}" | median)
ping_med=$(printf '%s\n' "${ping_ns[@]}" | median)

# 3. the whole listing
t0=$(now)
rc_list=0
timeout "$TIMEOUT" "$IPVSADM" -Ln >"$STATE/list.out" 2>"$STATE/list.err" || rc_list=$?
t1=$(now)
list_ns=$((t1 - t0))
list_lines=$(wc -l <"$STATE/list.out")
# header (3 lines) + one per service + one per real server
expect_lines=$((3 + SVCS + ndests_total + REPS))
list_ok=false
[ "$rc_list" = 0 ] && [ "$list_lines" = "$expect_lines" ] && list_ok=true
rss1=$(rss_kb)

restore_ms=$(ms "$restore_ns")
add_ms=$(ms "$add_med")
ping_ms=$(ms "$ping_med")
list_ms=$(ms "$list_ns")
echo "ctl_scale ($LABEL): $SVCS services x $DESTS real servers ($SCHED, NAT), limits $limits"
echo "  ipvsadm -R ($rules_lines lines):  $restore_ms ms  (exit $rc, $restore_errors error lines)"
echo "  ipvsadm -a (one more, median of $REPS): $add_ms ms  (ipvsadm -L --timeout: $ping_ms ms;" \
  "the difference, about what the daemon spends: $(ms $((add_med - ping_med))) ms)"
echo "  ipvsadm -Ln:  $list_ms ms  ($list_lines lines, expected $expect_lines: $list_ok)"
echo "  daemon RSS:  $rss0 kB idle, $rss1 kB with the rules"
echo "  dpip stats at start: $limits_line"

if [ -n "$OUT" ]; then
  mkdir -p "$(dirname "$OUT")"
  cat >"$STATE/run.json" <<EOF
{
  "label": "$LABEL",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "services": $SVCS,
  "dests_per_service": $DESTS,
  "scheduler": "$SCHED",
  "limits": "$limits",
  "limits_line": "$limits_line",
  "memory_mb": $MEMORY,
  "restore": { "lines": $rules_lines, "ms": $restore_ms, "exit": $rc, "error_lines": $restore_errors },
  "add_one": { "ms_median": $add_ms, "reps": $REPS, "noop_request_ms_median": $ping_ms, "difference_ms": $(ms $((add_med - ping_med))) },
  "list": { "ms": $list_ms, "lines": $list_lines, "expected_lines": $expect_lines, "complete": $list_ok, "exit": $rc_list },
  "daemon_rss_kb": { "idle": $rss0, "loaded": $rss1 }
}
EOF
  [ "${FRESH:-0}" = 1 ] && rm -f "$OUT"
  python3 - "$OUT" "$STATE/run.json" <<'PY'
import json, os, sys
out, run = sys.argv[1], json.load(open(sys.argv[2]))
doc = {"bench": "ctl_scale", "runs": []}
if os.path.exists(out):
    doc = json.load(open(out))
doc["runs"].append(run)
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
PY
  echo "  -> $OUT"
fi
