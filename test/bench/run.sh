#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The performance bench: dpvs (NAT) between lbbench's two arms over
# net_memif (or virtio_user <-> vhost-user with --link vhost, or
# net_af_packet on veth pairs between two namespaces with --link af_packet:
# slow, for smoke runs), and in the same run, on the same kind of link, the
# ceiling:
# dpdk-testpmd (io / macswap forwarding) in place of dpvs. Runs are
# interleaved (dpvs block, testpmd block, alternating which goes first) and
# each figure is the median of --runs rounds, because this kind of machine
# swings by 2x between identical runs.
#
# Writes a JSON file with every run and docs/performance.md (the table,
# the date, the CPU, the exact commands). --smoke: one short scenario,
# checks that traffic passed both ways and that the JSON is well formed;
# never a speed assertion (CI).
#
# Usage: test/bench/run.sh [--runs N] [--duration S] [--smoke] [--json FILE]
#                          [--md FILE] [--build DIR] [--no-daemon] [--no-ceiling]
#                          [--link memif|vhost|af_packet]
# Needs: root, hugepages (set up here when missing), lbbench and dpvs built
# (BUILD dir, default: the first of build-lbbench, build), dpdk-testpmd for
# the ceiling (Debian package dpdk-dev).
# Exit: 0 ok; 1 a smoke check failed; 2 usage or nothing could run; 77
# (smoke only) neither dpvs nor testpmd is available.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/test/bench
RUNS=3
DURATION=5
SMOKE=0
USE_DAEMON=1
USE_CEILING=1
OUT_JSON=
OUT_MD=$ROOT/docs/performance.md
LINK=memif
BUILD=${BUILD:-}
CMDLINE="test/bench/run.sh $*"

die() { echo "bench: $*" >&2; exit 2; }
say() { echo "bench: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=${2:-}; shift 2 ;;
	--duration) DURATION=${2:-}; shift 2 ;;
	--smoke) SMOKE=1; shift ;;
	--json) OUT_JSON=${2:-}; shift 2 ;;
	--md) OUT_MD=${2:-}; shift 2 ;;
	--build) BUILD=${2:-}; shift 2 ;;
	--no-daemon) USE_DAEMON=0; shift ;;
	--no-ceiling) USE_CEILING=0; shift ;;
	--link) LINK=${2:-}; shift 2 ;;
	-h|--help) sed -n '3,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs '$RUNS': expected a positive integer"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--duration '$DURATION': expected whole seconds >= 1"
case "$LINK" in
memif|vhost|af_packet) ;;
*) die "--link '$LINK': expected memif, vhost or af_packet" ;;
esac
[ "$(id -u)" = 0 ] || die "needs root (hugepages, /run/dpvs)"
if [ $SMOKE = 1 ]; then
	RUNS=1
	DURATION=2
fi

# ---- what we have ----

if [ -z "$BUILD" ]; then
	for d in "$ROOT/build-lbbench" "$ROOT/build"; do
		if [ -x "$d/tools/lbbench/lbbench" ]; then BUILD=$d; break; fi
	done
fi
[ -n "$BUILD" ] || die "no lbbench built: meson setup build && ninja -C build tools/lbbench/lbbench"
LBBENCH=$BUILD/tools/lbbench/lbbench
DPVS=$BUILD/src/dpvs
IPVSADM=$BUILD/tools/ipvsadm/ipvsadm
DPIP=$BUILD/tools/dpip/dpip
CONF=$ROOT/conf/bench-nat.conf
[ "$LINK" = vhost ] && CONF=$ROOT/conf/bench-nat-vhost.conf
[ "$LINK" = af_packet ] && CONF=$ROOT/conf/bench-nat-afpacket.conf
TESTPMD=$(command -v dpdk-testpmd || true)
declare -A SKIPPED=()

[ -x "$LBBENCH" ] || die "$LBBENCH missing"
if [ $USE_DAEMON = 1 ]; then
	if [ ! -x "$DPVS" ] || [ ! -x "$IPVSADM" ] || [ ! -x "$DPIP" ]; then
		say "building dpvs, ipvsadm and dpip in $BUILD"
		ninja -C "$BUILD" src/dpvs tools/ipvsadm/ipvsadm tools/dpip/dpip > /tmp/bench-ninja.log 2>&1
	fi
	if [ ! -x "$DPVS" ] || [ ! -x "$IPVSADM" ] || [ ! -x "$DPIP" ]; then
		SKIPPED[dpvs scenarios]="dpvs, ipvsadm or dpip does not build yet in $BUILD (see /tmp/bench-ninja.log)"
		USE_DAEMON=0
	fi
else
	SKIPPED[dpvs scenarios]="--no-daemon"
fi
if [ $USE_CEILING = 1 ] && [ -z "$TESTPMD" ]; then
	SKIPPED[testpmd ceiling]="dpdk-testpmd not installed (apt-get install dpdk-dev)"
	USE_CEILING=0
elif [ $USE_CEILING = 0 ]; then
	SKIPPED[testpmd ceiling]="--no-ceiling"
fi
# smoke: one scenario, through dpvs when it runs, else through testpmd
[ $SMOKE = 1 ] && [ $USE_DAEMON = 1 ] && USE_CEILING=0
for k in "${!SKIPPED[@]}"; do say "SKIPPED $k: ${SKIPPED[$k]}"; done
if [ $USE_DAEMON = 0 ] && [ $USE_CEILING = 0 ]; then
	[ $SMOKE = 1 ] && { say "smoke: nothing to run against"; exit 77; }
	die "nothing to run against"
fi

# ---- hugepages ----

free_mb=$(awk '/HugePages_Free/{f=$2} /Hugepagesize/{s=$2} END{print int(f*s/1024)}' /proc/meminfo)
if [ "${free_mb:-0}" -lt 1536 ]; then
	echo 1024 > /proc/sys/vm/nr_hugepages 2>/dev/null
	mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
	free_mb=$(awk '/HugePages_Free/{f=$2} /Hugepagesize/{s=$2} END{print int(f*s/1024)}' /proc/meminfo)
	[ "${free_mb:-0}" -ge 1280 ] || die "only ${free_mb} MB of free hugepages (need about 1.5 GB)"
fi

# ---- processes we start, and their cleanup ----

WORK=$(mktemp -d /tmp/lbbench-bench.XXXXXX)
RUN_DIR=/run/dpvs
mkdir -p $RUN_DIR
SOCK=$RUN_DIR/bench.sock
DPVS_PID=
TP_PID=
LB_PID=
GEN_EAL="--file-prefix lbbench-bench --no-pci -m 256 --lcores 0@0"
TP_EAL="--file-prefix testpmd-bench --no-pci -m 256 --lcores 0@1,1@1"
# virtio_user shares its memory with the vhost backend: one file per segment list
[ "$LINK" = vhost ] && GEN_EAL="$GEN_EAL --single-file-segments"
CEIL0=$RUN_DIR/ceil0.$LINK
CEIL1=$RUN_DIR/ceil1.$LINK
BOX0=$RUN_DIR/bench0.$LINK
BOX1=$RUN_DIR/bench1.$LINK

# VDEV-ARGS: the --vdev of port I on socket S, for the box (server) or lbbench
box_vdev() { # I S
	case $LINK in
	vhost) echo "--vdev=net_vhost$1,iface=$2,queues=1" ;;
	af_packet) echo "--vdev=net_af_packet$1,iface=lbd$1" ;;
	*) echo "--vdev=net_memif$1,role=server,socket=$2" ;;
	esac
}
gen_vdev() { # I S
	case $LINK in
	vhost) echo "--vdev=net_virtio_user$1,path=$2,queues=1,queue_size=1024" ;;
	af_packet) echo "--vdev=net_af_packet$1,iface=lbg$1" ;;
	*) echo "--vdev=net_memif$1,role=client,socket=$2" ;;
	esac
}

# af_packet: the box (dpvs or testpmd) in namespace lbb-box on lbd0/lbd1,
# lbbench in lbb-gen on lbg0/lbg1, veth pairs between them; nothing else
# in either namespace (no addresses: the kernels there stay quiet)
BOX_NS=
GEN_NS=
if [ "$LINK" = af_packet ]; then
	BOX_NS="ip netns exec lbb-box"
	GEN_NS="ip netns exec lbb-gen"
fi
veth_up() {
	local ns i
	for ns in lbb-box lbb-gen; do
		ip netns add $ns || return 1
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	for i in 0 1; do
		ip link add lbg$i netns lbb-gen type veth peer name lbd$i netns lbb-box || return 1
		ip -n lbb-gen link set lbg$i up && ip -n lbb-box link set lbd$i up || return 1
	done
}
veth_down() {
	ip netns del lbb-box 2>/dev/null
	ip netns del lbb-gen 2>/dev/null
}
VIP=192.168.1.111
RIPS="192.168.229.11 192.168.229.12 192.168.229.13 192.168.229.14"
export DPVS_SOCK=$SOCK

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
	stop_pid "$TP_PID"; TP_PID=
	stop_pid "$DPVS_PID"; DPVS_PID=
	# DPDK leaves its hugepage files behind when killed
	rm -f /dev/hugepages/lbbench-benchmap_* /dev/hugepages/testpmd-benchmap_* \
		/dev/hugepages/dpvs-benchmap_*
	rm -f "$CEIL0" "$CEIL1"
	[ "$LINK" = af_packet ] && veth_down
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT
if [ "$LINK" = af_packet ]; then
	veth_down
	veth_up || die "cannot make the namespaces lbb-box/lbb-gen and their veths"
fi

# ---- the boxes ----

start_daemon() { # ROUND
	local i
	rm -f "$SOCK" "$BOX0" "$BOX1"
	# core dumps on: a memif peer that disconnects in mid-traffic can
	# fault inside DPDK 22.11's memif PMD; keep the evidence (core_pattern
	# permitting) for a backtrace
	( ulimit -c unlimited 2>/dev/null; exec $BOX_NS "$DPVS" -c "$CONF" ) > "$WORK/dpvs.$1.log" 2>&1 &
	DPVS_PID=$!
	for i in $(seq 300); do
		kill -0 $DPVS_PID 2>/dev/null || break
		"$IPVSADM" -L -n > /dev/null 2>&1 && break
		sleep 0.1
	done
	if ! "$IPVSADM" -L -n > /dev/null 2>&1; then
		say "dpvs did not come up (log: $WORK/dpvs.$1.log):"
		tail -5 "$WORK/dpvs.$1.log" >&2
		stop_pid "$DPVS_PID"; DPVS_PID=
		return 1
	fi
	# the service, as an operator would add it (LVS-HOWTO's NAT example)
	for proto in -u -t; do
		"$IPVSADM" -A $proto $VIP:9 -s rr || return 1
		for rip in $RIPS; do
			"$IPVSADM" -a $proto $VIP:9 -r $rip:9 -m || return 1
		done
	done
	return 0
}

box_links() { # up|down: the daemon's bench ports
	"$DPIP" link set dpdk0 "$1" && "$DPIP" link set dpdk1 "$1" ||
		say "  dpip link set ... $1 failed"
}

stop_daemon() {
	stop_pid "$DPVS_PID"; DPVS_PID=
	rm -f /dev/hugepages/dpvs-benchmap_*
}

start_testpmd() { # MODE NPORTS SECONDS
	local vdev
	vdev=$(box_vdev 0 "$CEIL0")
	[ "$2" = 2 ] && vdev="$vdev $(box_vdev 1 "$CEIL1")"
	rm -f "$CEIL0" "$CEIL1"
	TP_CMD="sleep $3 | dpdk-testpmd $TP_EAL $vdev -- --forward-mode=$1 --auto-start --nb-cores=1"
	# non-interactive testpmd exits when stdin closes: feed it for the run
	sleep "$3" | $BOX_NS "$TESTPMD" $TP_EAL $vdev -- --forward-mode="$1" --auto-start --nb-cores=1 \
		> "$WORK/testpmd.log" 2>&1 &
	TP_PID=$!
	BOX_COMMANDS+=("# testpmd ($1): $TP_CMD")
}

stop_testpmd() {
	stop_pid "$TP_PID"; TP_PID=
	rm -f /dev/hugepages/testpmd-benchmap_*
}

# ---- one lbbench run ----

printf 'scenario\tround\tbox\tstatus\tfile\tcycles_per_pkt\tconns\tcommand\n' > "$WORK/index.tsv"
declare -a BOX_COMMANDS=()

gen() { # NAME ROUND BOX WARMUP NPORTS LBBENCH-ARGS...
	local name=$1 round=$2 box=$3 warmup=$4 nports=$5 s0 s1 cmd rc status=ok cpp= conns=
	shift 5
	if [ "$box" = dpvs ]; then s0=$BOX0; s1=$BOX1; else s0=$CEIL0; s1=$CEIL1; fi
	local vdev
	vdev=$(gen_vdev 0 "$s0")
	[ "$nports" = 2 ] && vdev="$vdev $(gen_vdev 1 "$s1")"
	local json=$WORK/$name.$round.json
	cmd="lbbench $GEN_EAL $vdev -- --duration $DURATION --warmup $warmup $*"
	say "round $round: $name"
	if [ "$box" = dpvs ] && ! kill -0 "$DPVS_PID" 2>/dev/null; then
		# the daemon died during the previous scenario: say so, start it again
		local st
		wait "$DPVS_PID" 2>/dev/null
		st=$?
		SKIPPED["dpvs crash before $name.$round"]="dpvs exited (status $st) during the scenario before; restarted (log $WORK/dpvs.$round.log)"
		say "  dpvs is gone (exit status $st): restarting it"
		DPVS_PID=
		rm -f /dev/hugepages/dpvs-benchmap_*
		start_daemon "$round.restart" || return 1
	fi
	# the worker's cumulative packets and busy cycles before and after the
	# run give its cycles per packet; nothing runs beside the two during
	# the run (a fork on this 2-CPU machine stalls one of them for a
	# millisecond, which is what a p99 latency would then measure)
	if [ "$box" = dpvs ]; then
		"$DPIP" stats > "$WORK/$name.$round.stats0" 2>&1
		"$DPIP" -s -s link show > "$WORK/$name.$round.link0" 2>&1
	fi
	# lbbench holds its links after the summary until we have set the
	# box's ports down: DPDK 22.11's memif unmaps a departing peer's rings
	# under a poller that is still inside them (it crashed dpvs early on);
	# harmless with vhost, which has its own hand-shake
	local log=$WORK/$name.$round.log limit=$((DURATION + warmup + 40)) pid i
	$GEN_NS "$LBBENCH" $GEN_EAL $vdev -- --duration "$DURATION" \
		--warmup "$warmup" --quiet --label "$name" --json "$json" --hold 30 "$@" \
		> "$log" 2>&1 &
	pid=$!
	LB_PID=$pid
	# past the end of the measured part (EAL start and ARP take about a
	# second before it) before the first look at the log
	sleep $((warmup + DURATION + 2))
	for i in $(seq $((limit * 10))); do
		grep -q 'holding the links' "$log" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if [ "$box" = dpvs ]; then # its drops by reason during the run: report's "dpvs drops"
		"$DPIP" stats > "$WORK/$name.$round.stats" 2>&1
		"$DPIP" -s -s link show > "$WORK/$name.$round.link" 2>&1
	fi
	[ "$box" = dpvs ] && box_links down
	if grep -q 'holding the links' "$log" 2>/dev/null; then
		kill -USR1 $pid 2>/dev/null
		wait $pid
		rc=$?
	else # never finished within the limit (or gone): TERM, then KILL
		stop_pid $pid
		rc=124
	fi
	LB_PID=
	[ "$box" = dpvs ] && box_links up
	if [ $rc != 0 ] || [ ! -s "$json" ]; then
		status="failed rc=$rc"
		say "  $name failed (rc $rc): $(grep -v '^EAL\|^TELEMETRY' "$WORK/$name.$round.log" | tail -2 | tr '\n' ' ')"
	fi
	rm -f /dev/hugepages/lbbench-benchmap_*
	if [ -s "$WORK/$name.$round.stats" ] && [ -s "$WORK/$name.$round.stats0" ]; then
		# worker 0's columns: packets ($5) and busy-cycles ($6)
		cpp=$(awk '$1 ~ /^[0-9]+$/ {p[FILENAME] = $5; c[FILENAME] = $6; f[++n] = FILENAME; nextfile}
			END {dp = p[f[2]] - p[f[1]]; if (dp > 0) printf "%.1f", (c[f[2]] - c[f[1]]) / dp}' \
			"$WORK/$name.$round.stats0" "$WORK/$name.$round.stats")
		conns=$(awk '$1 == "total" {print $NF}' "$WORK/$name.$round.stats")
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$box" "$status" "$json" "$cpp" \
		"$conns" "$cmd" >> "$WORK/index.tsv"
	[ "$status" = ok ]
}

json_get() { # FILE DOTTED.PATH
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d.get(k) if isinstance(d,dict) else None
print(int(d) if isinstance(d,(int,float)) else "")' "$1" "$2" 2>/dev/null
}

LAT_RATE=
MEM_HEAP=
MEM_CONNS=
MEM_SLOT=

ceiling_io() { # NAME ROUND LBBENCH-ARGS...: testpmd io between the arms
	local name=$1 round=$2 warmup=1
	shift 2
	start_testpmd io 2 $((DURATION + warmup + 30))
	sleep 1
	gen "$name" "$round" testpmd-io $warmup 2 --fwd none "$@"
	stop_testpmd
}

ceiling_block() { # ROUND
	local r=$1
	if [ $SMOKE = 1 ]; then
		ceiling_io ceil-udp-2way $r --mode udp --flows 1000 --reply
		return
	fi
	ceiling_io ceil-udp-1way $r --mode udp --flows 1000 --no-reply
	ceiling_io ceil-udp-2way $r --mode udp --flows 1000 --reply
	start_testpmd macswap 1 $((DURATION + 31))
	sleep 1
	gen ceil-loopback $r testpmd-macswap 1 1 --loopback --mode udp --flows 1000
	stop_testpmd
	ceiling_io ceil-tcp-cps $r --mode tcp-cps
	if [ -z "$LAT_RATE" ]; then
		LAT_RATE=$(json_get "$WORK/ceil-udp-2way.$r.json" forward.rx_pps)
		[ -n "$LAT_RATE" ] && LAT_RATE=$((LAT_RATE / 2))
	fi
	[ -n "$LAT_RATE" ] && ceiling_io ceil-latency $r --mode latency --rate "$LAT_RATE" --flows 1000
}

daemon_block() { # ROUND
	local r=$1
	if ! start_daemon "$r"; then
		SKIPPED[dpvs round $r]="the daemon did not start (log kept in $WORK/dpvs.$r.log)"
		return 1
	fi
	if [ $SMOKE = 1 ]; then
		gen nat-udp-1k-2way $r dpvs 1 2 --mode udp --flows 1000 --reply
		stop_daemon
		return
	fi
	gen nat-udp-1k-1way $r dpvs 1 2 --mode udp --flows 1000 --no-reply
	gen nat-udp-1k-2way $r dpvs 1 2 --mode udp --flows 1000 --reply
	# latency before the big tables: 1M connections created together also
	# expire together, and the worker's expiry work would be measured too
	if [ -z "$LAT_RATE" ]; then
		LAT_RATE=$(json_get "$WORK/nat-udp-1k-2way.$r.json" forward.rx_pps)
		[ -n "$LAT_RATE" ] && LAT_RATE=$((LAT_RATE / 2))
	fi
	[ -n "$LAT_RATE" ] && gen nat-latency $r dpvs 1 2 --mode latency --rate "$LAT_RATE" --flows 1000
	gen nat-udp-100k-1way $r dpvs 2 2 --mode udp --flows 100000 --no-reply
	gen nat-udp-100k-2way $r dpvs 2 2 --mode udp --flows 100000 --reply
	gen nat-udp-1m-1way $r dpvs 3 2 --mode udp --flows 1000000 --no-reply
	gen nat-udp-1m-2way $r dpvs 3 2 --mode udp --flows 1000000 --reply
	if [ -z "$MEM_HEAP" ]; then
		MEM_HEAP=$(python3 "$HERE/bench.py" heap dpvs-bench)
		MEM_CONNS=$("$DPIP" stats 2>/dev/null | awk '$1 == "total" {print $NF}')
		MEM_SLOT=$("$DPIP" stats 2>/dev/null | awk 'NR == 2 {print $NF}')
	fi
	"$DPIP" -s link show > "$WORK/dpip-link.$r.txt" 2>&1
	# connections per second on an empty table: the million UDP connections
	# above expire together within LVS's 300 s (120 s here) and that expiry
	# work, not connection set-up, would be measured otherwise
	stop_daemon
	start_daemon "$r.cps" || return 1
	gen nat-tcp-cps $r dpvs 1 2 --mode tcp-cps
	stop_daemon
}

# ---- the rounds, interleaved ----

say "work dir $WORK; $RUNS round(s) of ${DURATION} s per scenario"
for r in $(seq "$RUNS"); do
	if [ $((r % 2)) = 1 ]; then
		[ $USE_DAEMON = 1 ] && daemon_block $r
		[ $USE_CEILING = 1 ] && ceiling_block $r
	else
		[ $USE_CEILING = 1 ] && ceiling_block $r
		[ $USE_DAEMON = 1 ] && daemon_block $r
	fi
done

# ---- smoke verdict ----

if [ $SMOKE = 1 ]; then
	rc=0
	n=0
	for f in "$WORK"/*.json; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		python3 "$HERE/bench.py" smoke "$f" || rc=1
	done
	grep -q 'failed' "$WORK/index.tsv" && { say "smoke: a run failed:"; grep failed "$WORK/index.tsv" >&2; rc=1; }
	[ $n -gt 0 ] || { say "smoke: no run produced a summary"; rc=1; }
	for k in "${!SKIPPED[@]}"; do say "smoke: SKIPPED $k: ${SKIPPED[$k]}"; done
	[ -n "$OUT_JSON" ] && cp "$WORK/index.tsv" "$OUT_JSON.index.tsv" 2>/dev/null
	say "smoke: $([ $rc = 0 ] && echo passed || echo FAILED) (runs in $WORK)"
	exit $rc
fi

# ---- report ----

skipped_json=$(for k in "${!SKIPPED[@]}"; do printf '%s\t%s\n' "$k" "${SKIPPED[$k]}"; done |
	python3 -c 'import json,sys; print(json.dumps(dict(l.rstrip("\n").split("\t",1) for l in sys.stdin if "\t" in l)))')
box_json=$(printf '%s\n' "${BOX_COMMANDS[@]}" "# dpvs: $DPVS -c conf/$(basename "$CONF"); ipvsadm -A -u|-t $VIP:9 -s rr; ipvsadm -a -u|-t $VIP:9 -r RIP:9 -m (RIP in $RIPS)" |
	sort -u | python3 -c 'import json,sys; print(json.dumps([l.rstrip("\n") for l in sys.stdin if l.strip()]))')
python3 - "$WORK/meta.json" <<EOF
import json, platform, sys, time, os
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
mem = {}
if "$MEM_HEAP" and "$MEM_CONNS":
    mem = {"heap_bytes": int("$MEM_HEAP"), "conns": int("$MEM_CONNS"),
           "conn_slot_bytes": int("${MEM_SLOT:-0}" or 0)}
json.dump({"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
           "host": {"cpu": cpu, "ncpu": os.cpu_count(), "kernel": platform.release()},
           "command": """$CMDLINE""".strip(), "runs": $RUNS, "duration": $DURATION,
           "link": "$LINK",
           "link_desc": {"memif": "net_memif", "vhost": "virtio_user <-> vhost-user (net_virtio_user / net_vhost)",
                         "af_packet": "net_af_packet on veth pairs between two namespaces"}["$LINK"],
           "skipped": json.loads('''$skipped_json'''), "memory": mem,
           "box_commands": json.loads('''$box_json'''),
           "note": "Shared 2-vCPU machine: other work may run beside the bench; compare only figures of the same run."},
          open(sys.argv[1], "w"), indent=1)
EOF
[ -n "$OUT_JSON" ] || OUT_JSON=$WORK/bench.json
python3 "$HERE/bench.py" report "$WORK" "$OUT_JSON" "$OUT_MD" || die "report failed (runs in $WORK)"
for k in "${!SKIPPED[@]}"; do say "SKIPPED $k: ${SKIPPED[$k]}"; done
say "done: $OUT_JSON, $OUT_MD (runs in $WORK)"
