#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The DoS bench (issue 21): dpvs (NAT, one worker, conn_max 65536)
# between lbbench's two arms over net_memif; lbbench opens legitimate TCP
# connections (tcp-cps) while a spoofed SYN flood (lbbench --attack) runs
# beside them, once per defence setting. Per case: the legitimate
# connections per second and their success rate (completed / opened), the
# box's cycles per packet on its busy time (dpip stats: busy-cycles /
# packets over the run), its table occupancy at the end and the
# defences' counters (dpip defense show). Cases:
#   no-attack          tcp-cps alone: the reference rate
#   flood-no-evict     random flood, evict_threshold 0 (the old behaviour:
#                      a full table refuses every new flow)
#   flood              random flood, the defaults (reclaim when full)
#   flood-drop-entry   ... drop_entry 3
#   flood-drop-packet  ... drop_packet 3 (am_droprate 10)
#   flood-secure-tcp   ... secure_tcp 3
#   collide            the flood's tuples all in one bucket of dpvs's old
#                      CRC hash: with the keyed hash it costs what the
#                      random flood costs
#   no-attack-synproxy tcp-cps alone through a SYN-proxy service
#                      (ipvsadm --synproxy enable): the proxy's own cost
#   flood-synproxy     random flood at the SYN proxy: answered with
#                      cookies, no conn made (cookies sent, spliced)
# Each case has its own daemon (a fresh table). Small runs: the machine
# is shared, so figures are indicative; interleave and repeat (--runs) on
# a quiet box for real numbers.
#
# Usage: test/bench/attack.sh [--build DIR] [--duration S] [--rate SYN/S]
#                             [--runs N] [--json FILE] [--only CASE[,CASE..]]
# --rate: the flood's SYNs per second (default 0: the generator's max)
# Needs: root, hugepages, dpvs, dpip, ipvsadm and lbbench built in DIR
# (default build). Writes the JSON (default: the work dir) and prints a
# Markdown table. Exit: 0 ok; 1 a case failed to run; 2 usage.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build
DURATION=5
RATE=0
RUNS=1
OUT_JSON=
ONLY=
CONN_MAX=65536

die() { echo "attack: $*" >&2; exit 2; }
say() { echo "attack: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=${2:?}; shift 2 ;;
	--duration) DURATION=${2:?}; shift 2 ;;
	--rate) RATE=${2:?}; shift 2 ;;
	--runs) RUNS=${2:?}; shift 2 ;;
	--json) OUT_JSON=${2:?}; shift 2 ;;
	--only) ONLY=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 1 ] && [ "$DURATION" -le 60 ] ||
	die "--duration: 1..60 seconds"
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] && [ "$RUNS" -le 10 ] || die "--runs: 1..10"
[[ "$RATE" =~ ^[0-9]+$ ]] || die "--rate: SYNs per second, 0 = max"
DPVS=$BUILD/src/dpvs
DPIP=$BUILD/tools/dpip/dpip
IPVSADM=$BUILD/tools/ipvsadm/ipvsadm
LBBENCH=$BUILD/tools/lbbench/lbbench
for x in "$DPVS" "$DPIP" "$IPVSADM" "$LBBENCH"; do [ -x "$x" ] || die "$x is not built"; done

TAG=$$
WORK=$(mktemp -d /tmp/dpvs-attack.XXXXXX)
RUN_DIR=/run/dpvs/attack-$TAG
mkdir -p "$RUN_DIR"
export DPVS_SOCK=$RUN_DIR/bench.sock
CONF=$WORK/attack.conf
# the bench's NAT config: this run's sockets and EAL prefix, a table the
# flood fills in seconds, at most 512 MB (the machine is shared)
sed -e "s#/run/dpvs/#$RUN_DIR/#g" -e "s#^file_prefix = dpvs-bench\$#file_prefix = dpvs-attack-$TAG#" \
	-e "s#^conn_max = .*#conn_max = $CONN_MAX#" -e "s#^memory = .*#memory = 512#" \
	"$ROOT/conf/bench-nat.conf" > "$CONF" || die "cannot write $CONF"
grep -q "^file_prefix = dpvs-attack-$TAG\$" "$CONF" || die "unexpected conf/bench-nat.conf"
GEN_EAL="--file-prefix lbbench-attack-$TAG --no-pci -m 256 --lcores 0@0"
BOX0=$RUN_DIR/bench0.memif
BOX1=$RUN_DIR/bench1.memif
VIP=192.168.1.111
RIPS="192.168.229.11 192.168.229.12 192.168.229.13 192.168.229.14"
DPVS_PID=
LB_PID=
SVC_OPTS= # the service's options of a case (SVC_OPTS=... case_run ...)

stop_pid() { # PID: TERM, then KILL after 10 s; only processes this script started
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
cleanup() {
	stop_pid "$LB_PID"; LB_PID=
	stop_pid "$DPVS_PID"; DPVS_PID=
	rm -f /dev/hugepages/lbbench-attack-${TAG}map_* /dev/hugepages/dpvs-attack-${TAG}map_*
	rm -rf "$RUN_DIR" /var/run/dpdk/lbbench-attack-$TAG /var/run/dpdk/dpvs-attack-$TAG
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT

start_daemon() { # LOG
	local i
	rm -f "$DPVS_SOCK" "$BOX0" "$BOX1"
	"$DPVS" -c "$CONF" > "$1" 2>&1 &
	DPVS_PID=$!
	for i in $(seq 300); do
		kill -0 $DPVS_PID 2>/dev/null || break
		"$IPVSADM" -L -n > /dev/null 2>&1 && break
		sleep 0.1
	done
	"$IPVSADM" -L -n > /dev/null 2>&1 || { tail -5 "$1" >&2; return 1; }
	# shellcheck disable=SC2086
	"$IPVSADM" -A -t $VIP:9 -s rr $SVC_OPTS || return 1
	for rip in $RIPS; do "$IPVSADM" -a -t $VIP:9 -r $rip:9 -m || return 1; done
}

stop_daemon() {
	# the ports down first: memif unmaps a departing peer's rings under
	# a poller still inside them otherwise (see run.sh)
	"$DPIP" link set dpdk0 down > /dev/null 2>&1
	"$DPIP" link set dpdk1 down > /dev/null 2>&1
	stop_pid "$LB_PID"; LB_PID=
	stop_pid "$DPVS_PID"; DPVS_PID=
	rm -f /dev/hugepages/dpvs-attack-${TAG}map_*
}

wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

# one case: NAME RUN "DEFENSE-SETTINGS" LBBENCH-ATTACK-ARGS...
case_run() {
	local name=$1 r=$2 settings=$3 base i
	shift 3
	wanted "$name" || return 0
	base=$WORK/$name.$r
	say "run $r: $name"
	start_daemon "$base.dpvs.log" || { say "$name: dpvs did not start"; return 1; }
	# shellcheck disable=SC2086
	[ -z "$settings" ] || "$DPIP" defense set $settings || return 1
	sleep 1.2 # the worker takes them within a second
	"$DPIP" stats > "$base.stats0"
	"$LBBENCH" $GEN_EAL --vdev=net_memif0,role=client,socket=$BOX0 \
		--vdev=net_memif1,role=client,socket=$BOX1 -- --mode tcp-cps \
		--duration "$DURATION" --warmup 1 --quiet --label "$name" --json "$base.json" \
		--hold 30 "$@" > "$base.lbb.log" 2>&1 &
	LB_PID=$!
	for i in $(seq $(((DURATION + 40) * 10))); do
		[ -s "$base.json" ] && break
		kill -0 $LB_PID 2>/dev/null || break
		sleep 0.1
	done
	"$DPIP" stats > "$base.stats1"
	"$DPIP" -s stats > "$base.synp"
	"$DPIP" defense show > "$base.defense"
	"$DPIP" -s -s link show > "$base.link"
	stop_daemon
	[ -s "$base.json" ] || { say "$name: lbbench wrote no summary ($base.lbb.log)"; return 1; }
	python3 - "$base" "$name" "$r" "$settings" >> "$WORK/cases.jsonl" <<'EOF'
import json, re, sys
base, name, run, settings = sys.argv[1:5]
def stats(f):
    lines = open(f).read().splitlines()
    hdr = lines[0].split()
    row = lines[1].split()
    return dict(zip(hdr, row))
s0, s1 = stats(base + ".stats0"), stats(base + ".stats1")
pk = int(s1["packets"]) - int(s0["packets"])
cyc = int(s1["busy-cycles"]) - int(s0["busy-cycles"])
lb = json.load(open(base + ".json"))
tcp = lb.get("tcp", {})
d = open(base + ".defense").read()
num = lambda k: int((re.search(r"%s (\d+)" % re.escape(k), d) or [0, 0])[1])
link = open(base + ".link").read()
drop = lambda k: sum(int(x) for x in re.findall(r"\b%s\s+(\d+)" % re.escape(k), link))
sp = open(base + ".synp").read()
synp = lambda k: sum(int(x) for x in re.findall(r"\b%s (\d+)" % re.escape(k), sp))
out = dict(case=name, run=int(run), defense=settings,
           cps=tcp.get("cps", 0.0), opened=tcp.get("opened", 0),
           completed=tcp.get("completed", 0), failed=tcp.get("failed", 0),
           success=(tcp.get("completed", 0) / tcp["opened"]) if tcp.get("opened") else 0.0,
           attack_sent=lb.get("attack", {}).get("sent", 0),
           attack_pps=lb.get("attack", {}).get("sent", 0) / max(lb.get("duration_s", 1), 1e-9),
           box_packets=pk, cycles_per_packet=(cyc / pk) if pk else 0.0,
           conns=int(s1["conns"]), conn_max=int(s1["conn-max"]),
           chain_max=int(s1.get("chain-max", 0)),
           evicted=num("evicted"), entries_dropped=num("entries-dropped"),
           packets_dropped=num("packets-dropped"), conn_table_full=drop("conn-table-full"),
           synp_cookies_sent=synp("cookies-sent"), synp_spliced=synp("spliced"),
           synp_cookies_bad=synp("cookies-bad"))
print(json.dumps(out))
EOF
}

: > "$WORK/cases.jsonl"
fail=0
FLOOD=(--attack random --attack-rate "$RATE")
for r in $(seq "$RUNS"); do
	case_run no-attack $r "" || fail=1
	case_run flood-no-evict $r "evict_threshold 0" "${FLOOD[@]}" || fail=1
	case_run flood $r "" "${FLOOD[@]}" || fail=1
	case_run flood-drop-entry $r "drop_entry 3" "${FLOOD[@]}" || fail=1
	case_run flood-drop-packet $r "drop_packet 3 am_droprate 10" "${FLOOD[@]}" || fail=1
	case_run flood-secure-tcp $r "secure_tcp 3" "${FLOOD[@]}" || fail=1
	case_run collide $r "" --attack collide --attack-rate "$RATE" \
		--attack-buckets $((CONN_MAX * 2)) || fail=1
	SVC_OPTS="--synproxy enable" case_run no-attack-synproxy $r "" || fail=1
	SVC_OPTS="--synproxy enable" case_run flood-synproxy $r "" "${FLOOD[@]}" || fail=1
done

[ -n "$OUT_JSON" ] || OUT_JSON=$WORK/attack.json
python3 - "$WORK/cases.jsonl" "$OUT_JSON" "$DURATION" "$RATE" <<'EOF'
import json, platform, statistics, sys, time
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
doc = dict(tool="test/bench/attack.sh", date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           cpu=cpu, duration_s=int(sys.argv[3]), flood_rate=int(sys.argv[4]) or "max",
           cases=rows)
json.dump(doc, open(sys.argv[2], "w"), indent=1)
print("| case | defense | legit cps | success | flood SYN/s | box cycles/pkt | conns / max | chain-max | evicted | entries dropped | packets dropped | conn-table-full | cookies sent | spliced |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
order = []
for r in rows:
    if r["case"] not in order:
        order.append(r["case"])
for c in order:
    rs = [r for r in rows if r["case"] == c]
    med = lambda k: statistics.median(r[k] for r in rs)
    r0 = rs[-1]
    print("| %s | %s | %.0f | %.3f | %.0f | %.0f | %d / %d | %d | %d | %d | %d | %d | %d | %d |" % (
        c, r0["defense"] or "defaults", med("cps"), med("success"), med("attack_pps"),
        med("cycles_per_packet"), r0["conns"], r0["conn_max"], r0["chain_max"],
        r0["evicted"], r0["entries_dropped"], r0["packets_dropped"], r0["conn_table_full"],
        r0.get("synp_cookies_sent", 0), r0.get("synp_spliced", 0)))
EOF
say "JSON: $OUT_JSON (work dir $WORK)"
exit $fail
