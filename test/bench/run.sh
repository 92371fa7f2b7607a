#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The performance bench: dpvs (NAT) between lbbench's two arms over
# net_memif (or virtio_user <-> vhost-user with --link vhost, or
# net_af_packet on veth pairs between two namespaces with --link af_packet:
# slow, for smoke runs), and in the same run, on the same kind of link, the
# ceiling:
# dpdk-testpmd (io / macswap forwarding) in place of dpvs: a reference the
# box cannot exceed on that link, and lbbench against testpmd macswap on one
# port (ceil-loopback): the generator's own limit. Runs are interleaved
# (dpvs block, testpmd block, alternating which goes first); each figure is
# the median of --runs rounds with their min and max, because this kind of
# machine swings by 2x between identical runs.
#
# The headline of a dpvs scenario is the box's cycles per packet on its
# busy time (dpip stats: busy-cycles / packets, summed over workers, read
# when lbbench's warm-up ends and after its measured part), next to what
# lbbench got through. nat-udp-expiry-1m: 1M UDP flows in the warm-up, then
# only 1K of them while the other connections time out together (udp
# timeout EXPIRY_TIMEOUT s, set with ipvsadm --set); dpip stats is polled
# every POLL_S s during that run for the table's drain and the cycles per
# packet before and during the expiry.
#
# A scenario whose run failed, or whose frames did not pass lbbench's
# rewrite checks (checks_clean false) or did not pass both ways, is failed
# in the JSON and the Markdown, and the script exits 1.
#
# Writes a JSON file with every run and docs/performance.md (the table,
# the date, the CPU, the exact commands). --smoke: one short scenario and a
# tiny expiry run (20K flows), each checked as above, and the report to
# --json/--md when given (else into the work dir); never a speed
# assertion (CI).
#
# --workers N (1..64; memif or vhost): dpvs with N workers, worker k on
# lcore k and CPU 1 + (k-1) mod (CPUs-1): CPU 0 stays lbbench's, and from
# N = CPUs on two workers share a CPU (on a 2-CPU box all share CPU 1,
# beside the daemon's main lcore), each polling queue k-1 of both ports
# (bench.py workers-conf rewrites the conf); lbbench with N queue pairs
# per port, each frame on its owner's queue (lbbench --spread client).
# Each UDP flood scenario and tcp-cps also runs as a "-tuple" twin, frames
# spread by their 4-tuple (a NIC's usual RSS: most land on a worker that
# does not own them and are handed over), back to back with it on the
# same daemon; the report adds per-worker rates, the redirect share
# (redir-in / packets) and the redirect cost (twin against aligned, in
# cycles per packet and per redirected frame), by default into
# docs/performance-Nworkers.md. The ceil-* rows keep one queue. --smoke --workers N: one aligned and one spread scenario, and
# checks that the aligned one moved no frame between workers (lbbench's
# queue choice is dpvs's owner), every worker got frames and the spread
# one moved some.
#
# Usage: test/bench/run.sh [--runs N] [--duration S] [--smoke] [--json FILE]
#                          [--md FILE] [--build DIR] [--no-daemon] [--no-ceiling]
#                          [--link memif|vhost|af_packet] [--only NAME[,NAME..]]
#                          [--workers N [--worker-cpus C1,C2,..]]
# --worker-cpus: the CPU of each worker instead (e.g. 1,0: the second one
# on lbbench's CPU 0)
# --only: just these scenarios (a targeted run, e.g. --only nat-udp-expiry-1m)
# Needs: root, hugepages (set up here when missing), lbbench and dpvs built
# (BUILD dir, default: the first of build-lbbench, build), dpdk-testpmd for
# the ceiling (Debian package dpdk-dev).
# Exit: 0 ok; 1 a scenario failed (or a smoke check); 2 usage or nothing
# could run; 77 (smoke only) neither dpvs nor testpmd is available.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/test/bench
RUNS=3
DURATION=5
SMOKE=0
USE_DAEMON=1
USE_CEILING=1
OUT_JSON=
OUT_MD=
EXPIRY_TIMEOUT=5   # udp timeout (s) of the expiry scenario's daemon
POLL_S=0.2         # dpip stats every POLL_S s during the expiry scenario
LINK=memif
ONLY=
WORKERS=1
WORKER_CPUS=
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
	--only) ONLY=${2:-}; shift 2 ;;
	--link) LINK=${2:-}; shift 2 ;;
	--workers) WORKERS=${2:-}; shift 2 ;;
	--worker-cpus) WORKER_CPUS=${2:-}; shift 2 ;;
	-h|--help) sed -n '3,63p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs '$RUNS': expected a positive integer"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--duration '$DURATION': expected whole seconds >= 1"
case "$LINK" in
memif|vhost|af_packet) ;;
*) die "--link '$LINK': expected memif, vhost or af_packet" ;;
esac
[[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] && [ "$WORKERS" -le 64 ] ||
	die "--workers '$WORKERS': expected 1..64"
if [ -n "$WORKER_CPUS" ]; then
	[[ "$WORKER_CPUS" =~ ^[0-9]+(,[0-9]+)*$ ]] &&
		[ "$(echo "$WORKER_CPUS" | tr ',' '\n' | wc -l)" = "$WORKERS" ] && [ "$WORKERS" -gt 1 ] ||
		die "--worker-cpus '$WORKER_CPUS': expected one CPU per worker, comma-separated, with --workers N > 1"
fi
[ "$WORKERS" = 1 ] || [ "$LINK" != af_packet ] ||
	die "--workers $WORKERS needs --link memif or vhost: over af_packet the kernel's fanout, not lbbench, picks the box's queue"
[ "$(id -u)" = 0 ] || die "needs root (hugepages, /run/dpvs)"
if [ $SMOKE = 1 ]; then
	RUNS=1
	DURATION=2
	EXPIRY_TIMEOUT=2
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
# everything this run names carries its own tag (file prefixes, sockets,
# namespaces): another bench on the machine keeps its own
TAG=$$
RUN_DIR=/run/dpvs/bench-$TAG
mkdir -p $RUN_DIR
SOCK=$RUN_DIR/bench.sock
CONF_SRC=$CONF
CONF=$WORK/$(basename "$CONF_SRC")
sed -e "s#/run/dpvs/#$RUN_DIR/#g" -e "s#^file_prefix = dpvs-bench\$#file_prefix = dpvs-bench-$TAG#" \
	"$CONF_SRC" > "$CONF" || die "cannot write $CONF"
grep -q "^file_prefix = dpvs-bench-$TAG\$" "$CONF" || die "$CONF_SRC: expected 'file_prefix = dpvs-bench'"
DPVS_PID=
TP_PID=
LB_PID=
# lbbench's pool grows by the RX and TX rings of each extra queue pair
GEN_EAL="--file-prefix lbbench-bench-$TAG --no-pci -m $((256 + 10 * (WORKERS - 1))) --lcores 0@0"
TP_EAL="--file-prefix testpmd-bench-$TAG --no-pci -m 256 --lcores 0@1,1@1"
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
gen_vdev() { # I S [NQ]
	case $LINK in
	vhost) echo "--vdev=net_virtio_user$1,path=$2,queues=${3:-1},queue_size=1024" ;;
	af_packet) echo "--vdev=net_af_packet$1,iface=lbg$1" ;;
	*) echo "--vdev=net_memif$1,role=client,socket=$2" ;;
	esac
}

# af_packet: the box (dpvs or testpmd) in namespace lbb-box-TAG on lbd0/lbd1,
# lbbench in lbb-gen-TAG on lbg0/lbg1, veth pairs between them; nothing else
# in either namespace (no addresses: the kernels there stay quiet)
BOX_NS=
GEN_NS=
if [ "$LINK" = af_packet ]; then
	BOX_NS="ip netns exec lbb-box-$TAG"
	GEN_NS="ip netns exec lbb-gen-$TAG"
fi
veth_up() {
	local ns i
	for ns in lbb-box-$TAG lbb-gen-$TAG; do
		ip netns add $ns || return 1
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	for i in 0 1; do
		ip link add lbg$i netns lbb-gen-$TAG type veth peer name lbd$i netns lbb-box-$TAG ||
			return 1
		ip -n lbb-gen-$TAG link set lbg$i up && ip -n lbb-box-$TAG link set lbd$i up || return 1
	done
}
veth_down() {
	ip netns del lbb-box-$TAG 2>/dev/null
	ip netns del lbb-gen-$TAG 2>/dev/null
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
	rm -f /dev/hugepages/lbbench-bench-${TAG}map_* /dev/hugepages/testpmd-bench-${TAG}map_* \
		/dev/hugepages/dpvs-bench-${TAG}map_*
	rm -rf "$RUN_DIR" /var/run/dpdk/lbbench-bench-$TAG /var/run/dpdk/testpmd-bench-$TAG \
		/var/run/dpdk/dpvs-bench-$TAG
	[ "$LINK" = af_packet ] && veth_down
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT
if [ "$LINK" = af_packet ]; then
	veth_down
	veth_up || die "cannot make the namespaces lbb-box-$TAG/lbb-gen-$TAG and their veths"
fi

# several workers: worker k on CPU 1 + (k-1) mod (NCPU-1), the conf
# rewritten for them. CPU 0 stays lbbench's: a generator that shares its
# CPU stalls every worker at once (tried on 2 CPUs: worker 2 beside
# lbbench made rates swing 10x between identical runs), two workers on
# one CPU slow those two
NCPU=$(nproc)
if [ -z "$WORKER_CPUS" ]; then
	for k in $(seq "$WORKERS"); do
		WORKER_CPUS="$WORKER_CPUS${WORKER_CPUS:+,}$((NCPU > 1 ? 1 + (k - 1) % (NCPU - 1) : 0))"
	done
fi
if [ "$WORKERS" -gt 1 ]; then
	python3 "$HERE/bench.py" workers-conf "$CONF" "$WORKERS" "$WORKER_CPUS" ||
		die "cannot rewrite $CONF for $WORKERS workers"
	if [ $USE_DAEMON = 1 ] && ! "$DPVS" -t -c "$CONF" > "$WORK/conf-check.log" 2>&1; then
		cat "$WORK/conf-check.log" >&2
		die "$CONF (for $WORKERS workers) is refused by dpvs -t"
	fi
	say "$WORKERS workers on CPUs $WORKER_CPUS (lbbench on CPU 0)"
fi

# ---- the boxes ----

# The forwarding modes' scenarios: their daemon's real servers are added
# with the mode's flag; Full-NAT's local address is on the server side.
# 16 local addresses (DPVS_LADDR_MAX): 64,512 ports each, so a million
# concurrent UDP flows fit (a LIP is a share of ports, as in DPVS)
LIPS=$(seq -f "192.168.229.%g" 140 155)
LIP_RANGE=192.168.229.140-192.168.229.155
mode_flag() { # MODE
	case "$1" in nat) echo -m ;; dr) echo -g ;; tun) echo -i ;; fnat) echo --fullnat ;; esac
}

start_daemon() { # ROUND [MODE: nat (default), dr, tun, fnat]
	local i mode=${2:-nat}
	BOX_MODE=$mode
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
	# the service, as an operator would add it (LVS-HOWTO's NAT example;
	# the other modes likewise, Full-NAT with DPVS's --add-laddr)
	if [ "$mode" = fnat ]; then
		for lip in $LIPS; do "$DPIP" addr add $lip/24 dev dpdk1 || return 1; done
	fi
	for proto in -u -t; do
		"$IPVSADM" -A $proto $VIP:9 -s rr || return 1
		for rip in $RIPS; do
			"$IPVSADM" -a $proto $VIP:9 -r $rip:9 $(mode_flag "$mode") || return 1
		done
		if [ "$mode" = fnat ]; then
			for lip in $LIPS; do
				"$IPVSADM" --add-laddr -z $lip $proto $VIP:9 || return 1
			done
		fi
	done
	return 0
}

box_links() { # up|down: the daemon's bench ports
	"$DPIP" link set dpdk0 "$1" && "$DPIP" link set dpdk1 "$1" ||
		say "  dpip link set ... $1 failed"
}

stop_daemon() {
	stop_pid "$DPVS_PID"; DPVS_PID=
	rm -f /dev/hugepages/dpvs-bench-${TAG}map_*
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
	rm -f /dev/hugepages/testpmd-bench-${TAG}map_*
}

# ---- one lbbench run ----

printf 'scenario\tround\tbox\tstatus\tfile\tcpp_from\tconns\tcommand\n' > "$WORK/index.tsv"
declare -a BOX_COMMANDS=()

dpip_sample() { # FILE: the box's per-worker packets and busy cycles now
	"$DPIP" stats > "$1" 2>&1
}

gen() { # NAME ROUND BOX WARMUP NPORTS LBBENCH-ARGS...
	# GEN_DURATION=S: this scenario's measured seconds (default --duration);
	# GEN_POLL=1: `dpip stats` every POLL_S s during the measured part,
	# each after an "@ EPOCH" line, into NAME.ROUND.poll (expiry scenario)
	local name=$1 round=$2 box=$3 warmup=$4 nports=$5 s0 s1 cmd rc status=ok conns=
	local dur=${GEN_DURATION:-$DURATION} poll=${GEN_POLL:-0} cpp_from= nq=1
	shift 5
	wanted "$name" || return 0
	if [ "$box" = dpvs ]; then s0=$BOX0; s1=$BOX1; nq=$WORKERS; else s0=$CEIL0; s1=$CEIL1; fi
	# one queue pair per worker of the box
	[ "$nq" -gt 1 ] && set -- --queues "$nq" "$@"
	local vdev
	vdev=$(gen_vdev 0 "$s0" $nq)
	[ "$nports" = 2 ] && vdev="$vdev $(gen_vdev 1 "$s1" $nq)"
	local json=$WORK/$name.$round.json base=$WORK/$name.$round
	cmd="lbbench $GEN_EAL $vdev -- --duration $dur --warmup $warmup $*"
	say "round $round: $name"
	if [ "$box" = dpvs ] && ! kill -0 "$DPVS_PID" 2>/dev/null; then
		# the daemon died during the previous scenario: say so, start it again
		local st
		wait "$DPVS_PID" 2>/dev/null
		st=$?
		SKIPPED["dpvs crash before $name.$round"]="dpvs exited (status $st) during the scenario before; restarted (log $WORK/dpvs.$round.log)"
		say "  dpvs is gone (exit status $st): restarting it"
		DPVS_PID=
		rm -f /dev/hugepages/dpvs-bench-${TAG}map_*
		start_daemon "$round.restart" "${BOX_MODE:-nat}" || return 1
	fi
	# drops by reason: before lbbench starts and after it is done
	if [ "$box" = dpvs ]; then
		"$DPIP" -s -s link show > "$base.link0" 2>&1
		dpip_sample "$base.stats00"
	fi
	# lbbench holds its links after the summary until we have set the
	# box's ports down: DPDK 22.11's memif unmaps a departing peer's rings
	# under a poller that is still inside them (it crashed dpvs early on);
	# harmless with vhost, which has its own hand-shake
	local log=$base.log limit=$((dur + warmup + 40)) pid i t_end rest=$((warmup + dur + 2))
	$GEN_NS "$LBBENCH" $GEN_EAL $vdev -- --duration "$dur" \
		--warmup "$warmup" --quiet --label "$name" --json "$json" --hold 30 "$@" \
		> "$log" 2>&1 &
	pid=$!
	LB_PID=$pid
	# cycles per packet on the measured part: the box's counters when
	# lbbench says its warm-up is over (EAL start and ARP take about a
	# second before the warm-up) and after the measured part. Latency
	# runs read them before lbbench starts instead (warm-up included): a
	# fork on this 2-CPU machine stalls the box or lbbench for a
	# millisecond, which is what a p99 latency would then measure
	if [ "$box" = dpvs ] && [[ " $* " != *" --mode latency "* ]]; then
		for i in $(seq $(((warmup + 15) * 20))); do
			grep -q 'warm-up over' "$log" 2>/dev/null && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.05
		done
		if grep -q 'warm-up over' "$log" 2>/dev/null; then
			dpip_sample "$base.stats0"
			cpp_from=measured
			rest=$((dur + 1))
		fi
	fi
	if [ "$box" = dpvs ] && [ -z "$cpp_from" ]; then
		cp "$base.stats00" "$base.stats0"
		cpp_from=run
	fi
	if [ "$poll" = 1 ] && [ "$box" = dpvs ]; then
		# the expiry scenario: the box's counters and table size over
		# time, polled the same way before and during the expiry
		: > "$base.poll"
		t_end=$((SECONDS + dur + 2))
		while [ $SECONDS -le $t_end ] && kill -0 $pid 2>/dev/null &&
			! grep -q 'holding the links' "$log" 2>/dev/null; do
			echo "@ $EPOCHREALTIME" >> "$base.poll"
			"$DPIP" stats >> "$base.poll" 2>&1
			sleep "$POLL_S"
		done
	else
		# nothing runs beside the two during the measured part: the
		# first look at the log is past its end
		sleep $rest
	fi
	for i in $(seq $((limit * 10))); do
		grep -q 'holding the links' "$log" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if [ "$box" = dpvs ]; then # its drops by reason during the run: report's "dpvs drops"
		dpip_sample "$base.stats"
		"$DPIP" -s -s link show > "$base.link" 2>&1
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
		status="failed: lbbench exit status $rc"
		say "  $name failed (rc $rc): $(grep -v '^EAL\|^TELEMETRY' "$log" | tail -2 | tr '\n' ' ')"
	else
		# frames that failed lbbench's rewrite checks (or traffic that
		# did not pass) fail the scenario: its figures measure something
		# other than the NAT it claims
		local why
		if ! why=$(python3 "$HERE/bench.py" verdict "$json"); then
			status="failed: $why"
			say "  $name failed: $why"
		fi
	fi
	rm -f /dev/hugepages/lbbench-bench-${TAG}map_*
	[ -s "$base.stats" ] && conns=$(awk '$1 == "total" {print $NF}' "$base.stats")
	[ -s "$base.poll" ] && python3 "$HERE/bench.py" expiry "$json" "$base.poll" >&2
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$box" "$status" "$json" "$cpp_from" \
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

wanted() { # NAME: true unless --only leaves it out (a -tuple twin comes with its scenario)
	[ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]] || [[ ",$ONLY," == *",${1%-tuple},"* ]]
}

ceiling_io() { # NAME ROUND LBBENCH-ARGS...: testpmd io between the arms
	local name=$1 round=$2 warmup=1
	shift 2
	wanted "$name" || return 0
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
	if wanted ceil-loopback; then
		start_testpmd macswap 1 $((DURATION + 31))
		sleep 1
		gen ceil-loopback $r testpmd-macswap 1 1 --loopback --mode udp --flows 1000
		stop_testpmd
	fi
	ceiling_io ceil-tcp-cps $r --mode tcp-cps
	if [ -z "$LAT_RATE" ]; then
		LAT_RATE=$(json_get "$WORK/ceil-udp-2way.$r.json" forward.rx_pps)
		[ -n "$LAT_RATE" ] && LAT_RATE=$((LAT_RATE / 2))
	fi
	[ -n "$LAT_RATE" ] && ceiling_io ceil-latency $r --mode latency --rate "$LAT_RATE" --flows 1000
}

# 1M UDP connections (their own daemon, udp timeout EXPIRY_TIMEOUT s) made
# in the warm-up, then only the first 1K flows in the measured part: the
# others go quiet and expire together about EXPIRY_TIMEOUT s into it, with
# a few seconds on either side of that to compare against (the same 1K
# flows before the expiry, in the same run). smoke: 20K flows, 2 s.
expiry_block() { # ROUND
	local r=$1 flows=1000000 warmup=3 name=nat-udp-expiry-1m
	if [ $SMOKE = 1 ]; then
		flows=20000 warmup=1 name=nat-udp-expiry-20k
	fi
	wanted $name || return 0
	if ! start_daemon "$r.expiry"; then
		SKIPPED[dpvs expiry round $r]="the daemon did not start (log kept in $WORK/dpvs.$r.expiry.log)"
		return 1
	fi
	if ! "$IPVSADM" --set 0 0 "$EXPIRY_TIMEOUT"; then
		SKIPPED[dpvs expiry round $r]="ipvsadm --set 0 0 $EXPIRY_TIMEOUT failed"
		stop_daemon
		return 1
	fi
	BOX_COMMANDS+=("# $name: its own dpvs, then ipvsadm --set 0 0 $EXPIRY_TIMEOUT (udp timeout ${EXPIRY_TIMEOUT} s); dpip stats every $POLL_S s during the run")
	GEN_DURATION=$((EXPIRY_TIMEOUT + 5)) GEN_POLL=1 gen $name $r dpvs $warmup 2 \
		--mode udp --flows $flows --measured-flows 1000 --no-reply --timeline 100
	stop_daemon
}

# A scenario and, with several workers, its "-tuple" twin: the same
# traffic spread over the queues by the 4-tuple (most frames land on a
# worker that does not own them), back to back on the same daemon and
# the same connections; which of the two goes first alternates by round.
pair() { # NAME ROUND WARMUP LBBENCH-ARGS...
	local name=$1 r=$2 w=$3
	shift 3
	if [ "$WORKERS" = 1 ]; then
		gen "$name" $r dpvs $w 2 "$@"
	elif [ $((r % 2)) = 1 ]; then
		gen "$name" $r dpvs $w 2 "$@"
		gen "$name-tuple" $r dpvs $w 2 "$@" --spread tuple
	else
		gen "$name-tuple" $r dpvs $w 2 "$@" --spread tuple
		gen "$name" $r dpvs $w 2 "$@"
	fi
}

daemon_block() { # ROUND
	local r=$1
	if [ -n "$ONLY" ] && ! [[ ",$ONLY," =~ ,nat-(udp-[0-9]+[km]-[0-9]way|latency|tcp-cps) ]]; then
		expiry_block $r # none of the scenarios of the daemon started here
		return
	fi
	if ! start_daemon "$r"; then
		SKIPPED[dpvs round $r]="the daemon did not start (log kept in $WORK/dpvs.$r.log)"
		return 1
	fi
	if [ $SMOKE = 1 ]; then
		pair nat-udp-1k-2way $r 1 --mode udp --flows 1000 --reply
		stop_daemon
		# the one-worker smoke covers the expiry: this one stays short
		[ "$WORKERS" = 1 ] && expiry_block $r
		return
	fi
	pair nat-udp-1k-1way $r 1 --mode udp --flows 1000 --no-reply
	pair nat-udp-1k-2way $r 1 --mode udp --flows 1000 --reply
	# latency before the big tables: 1M connections created together also
	# expire together, and the worker's expiry work would be measured too
	if [ -z "$LAT_RATE" ]; then
		LAT_RATE=$(json_get "$WORK/nat-udp-1k-2way.$r.json" forward.rx_pps)
		[ -n "$LAT_RATE" ] && LAT_RATE=$((LAT_RATE / 2))
	fi
	[ -n "$LAT_RATE" ] && gen nat-latency $r dpvs 1 2 --mode latency --rate "$LAT_RATE" --flows 1000
	pair nat-udp-100k-1way $r 2 --mode udp --flows 100000 --no-reply
	pair nat-udp-100k-2way $r 2 --mode udp --flows 100000 --reply
	pair nat-udp-1m-1way $r 3 --mode udp --flows 1000000 --no-reply
	pair nat-udp-1m-2way $r 3 --mode udp --flows 1000000 --reply
	if [ -z "$MEM_HEAP" ]; then
		MEM_HEAP=$(python3 "$HERE/bench.py" heap dpvs-bench-$TAG)
		MEM_CONNS=$("$DPIP" stats 2>/dev/null | awk '$1 == "total" {print $NF}')
		"$DPIP" stats > "$WORK/mem-stats.txt" 2>&1
		MEM_SLOT=$(python3 "$HERE/bench.py" col "$WORK/mem-stats.txt" conn-bytes)
	fi
	"$DPIP" -s link show > "$WORK/dpip-link.$r.txt" 2>&1
	# connections per second on an empty table: the million UDP connections
	# above expire together within LVS's 300 s (120 s here) and that expiry
	# work, not connection set-up, would be measured otherwise
	stop_daemon
	if wanted nat-tcp-cps; then
		start_daemon "$r.cps" || return 1
		pair nat-tcp-cps $r 1 --mode tcp-cps
		stop_daemon
	fi
	# and the expiry of a million connections, measured on purpose
	expiry_block $r
}

# DR, TUN and Full-NAT, each on a daemon of its own (the same conf; the
# real servers added with -g, -i or -b). DR and TUN deliver one way: the
# real servers answer the clients around the box, so only the requests
# cross it (lbbench checks the MACs-only rewrite, the IPIP header).
modes_block() { # ROUND
	local r=$1 mode
	for mode in dr tun fnat; do
		if [ -n "$ONLY" ] && ! [[ ",$ONLY," =~ ,$mode- ]]; then
			continue
		fi
		if [ $SMOKE = 1 ] && [ "$mode" != fnat ]; then
			continue # the smoke: Full-NAT (both ways, the most rewriting)
		fi
		if ! start_daemon "$r.$mode" $mode; then
			SKIPPED[dpvs $mode round $r]="the daemon did not start (log kept in $WORK/dpvs.$r.$mode.log)"
			stop_daemon
			continue
		fi
		if [ "$mode" = fnat ]; then
			pair fnat-udp-1k-2way $r 1 --fwd fnat --lip $LIP_RANGE --mode udp --flows 1000 --reply
			if [ $SMOKE = 0 ]; then
				pair fnat-udp-1k-1way $r 1 --fwd fnat --lip $LIP_RANGE --mode udp --flows 1000 --no-reply
				pair fnat-udp-1m-2way $r 3 --fwd fnat --lip $LIP_RANGE --mode udp --flows 1000000 --reply
			fi
		else
			pair $mode-udp-1k-1way $r 1 --fwd $mode --mode udp --flows 1000 --no-reply
			pair $mode-udp-1m-1way $r 3 --fwd $mode --mode udp --flows 1000000 --no-reply
		fi
		stop_daemon
		if [ "$mode" = fnat ] && [ $SMOKE = 0 ] && wanted fnat-tcp-cps; then
			start_daemon "$r.fnat-cps" fnat || continue
			pair fnat-tcp-cps $r 1 --fwd fnat --lip $LIP_RANGE --mode tcp-cps
			stop_daemon
		fi
	done
}

# Ten million connections (issue 15): a daemon of its own with a table of
# SCALE_CONN_MAX slots (the bench conf's memory and conn_max raised for
# it), NAT one way; 1K and 10M flows on the same daemon, the measured part
# in a strided order (lbbench --flow-order stride) so consecutive packets
# meet connections made far apart, as real clients' would be (in the
# warm-up's order the slots would be met one after another, and the
# CPU's prefetcher would hide the table's size). The warm-up sends each of
# the 10M flows about three times, so all are in the table before the
# measured part (its "conns" figure says how many were).
SCALE_CONN_MAX=${SCALE_CONN_MAX:-10500000}
scale_block() { # ROUND
	local r=$1 conf_saved=$CONF
	[ $SMOKE = 1 ] && return 0
	wanted nat-udp-1k-stride-1way || wanted nat-udp-100k-stride-1way ||
		wanted nat-udp-10m-stride-1way || return 0
	# what the machine's memory allows (mem_probe: are hugepages
	# translated as hugepages here, a miss's price), once per bench
	if [ ! -s "$WORK/mem-probe.json" ] && [ -x "$BUILD/test/bench/mem_probe" ]; then
		"$BUILD/test/bench/mem_probe" --span 1024 --entries 1000,100000,1000000 \
			--json "$WORK/mem-probe.json" > "$WORK/mem-probe.txt" 2>&1 ||
			SKIPPED[mem_probe]="mem_probe failed: $WORK/mem-probe.txt"
	fi
	# about 2.6 GB for the daemon and lbbench's 256 MB: raise the
	# hugepages if need be, else say why the scenarios are missing
	local need_mb=2900 free_mb size_kb
	free_mb=$(awk '/HugePages_Free/{f=$2} /Hugepagesize/{s=$2} END{print int(f*s/1024)}' /proc/meminfo)
	size_kb=$(awk '/Hugepagesize/{print $2}' /proc/meminfo)
	if [ "${free_mb:-0}" -lt $need_mb ] && [ "${size_kb:-0}" -gt 0 ]; then
		echo $(($(cat /proc/sys/vm/nr_hugepages) + (need_mb - free_mb) * 1024 / size_kb + 1)) \
			> /proc/sys/vm/nr_hugepages 2>/dev/null
		free_mb=$(awk '/HugePages_Free/{f=$2} /Hugepagesize/{s=$2} END{print int(f*s/1024)}' /proc/meminfo)
	fi
	if [ "${free_mb:-0}" -lt $need_mb ]; then
		SKIPPED[scale round $r]="only ${free_mb} MB of free hugepages: the 10M-connection daemon needs about $need_mb MB"
		return 0
	fi
	sed -e "s/^conn_max = .*/conn_max = $SCALE_CONN_MAX/" \
		-e "s/^memory = .*/memory = 2560/" "$conf_saved" > "$WORK/scale.conf" || return 1
	CONF=$WORK/scale.conf
	if start_daemon "$r.scale"; then
		pair nat-udp-1k-stride-1way $r 1 --mode udp --flows 1000 --no-reply --flow-order stride
		pair nat-udp-100k-stride-1way $r 2 --mode udp --flows 100000 --no-reply --flow-order stride
		pair nat-udp-10m-stride-1way $r 12 --mode udp --flows 10000000 --no-reply --flow-order stride
	else
		SKIPPED[dpvs scale round $r]="the daemon did not start (log kept in $WORK/dpvs.$r.scale.log)"
	fi
	stop_daemon
	CONF=$conf_saved
}

# ---- the rounds, interleaved ----

say "work dir $WORK; $RUNS round(s) of ${DURATION} s per scenario"
for r in $(seq "$RUNS"); do
	if [ $((r % 2)) = 1 ]; then
		[ $USE_DAEMON = 1 ] && daemon_block $r
		[ $USE_DAEMON = 1 ] && [ "$WORKERS" = 1 ] && modes_block $r
		[ $USE_DAEMON = 1 ] && [ "$WORKERS" = 1 ] && scale_block $r
		[ $USE_CEILING = 1 ] && ceiling_block $r
	else
		[ $USE_CEILING = 1 ] && ceiling_block $r
		[ $USE_DAEMON = 1 ] && daemon_block $r
		[ $USE_DAEMON = 1 ] && [ "$WORKERS" = 1 ] && modes_block $r
		[ $USE_DAEMON = 1 ] && [ "$WORKERS" = 1 ] && scale_block $r
	fi
done

# ---- smoke: each summary well formed ----

SMOKE_RC=0
if [ $SMOKE = 1 ]; then
	n=0
	for f in "$WORK"/*.json; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		python3 "$HERE/bench.py" smoke "$f" || SMOKE_RC=1
	done
	[ $n -gt 0 ] || { say "smoke: no run produced a summary"; SMOKE_RC=1; }
	if [ "$WORKERS" -gt 1 ] && [ $USE_DAEMON = 1 ]; then
		python3 "$HERE/bench.py" smoke-workers "$WORK" >&2 || SMOKE_RC=1
	fi
	[ -n "$OUT_JSON" ] || OUT_JSON=$WORK/bench.json
	[ -n "$OUT_MD" ] || OUT_MD=$WORK/bench.md
fi

# ---- report ----

skipped_json=$(for k in "${!SKIPPED[@]}"; do printf '%s\t%s\n' "$k" "${SKIPPED[$k]}"; done |
	python3 -c 'import json,sys; print(json.dumps(dict(l.rstrip("\n").split("\t",1) for l in sys.stdin if "\t" in l)))')
CONF_DESC="conf/$(basename "$CONF_SRC")"
[ "$WORKERS" -gt 1 ] && CONF_DESC="$CONF_DESC rewritten by test/bench/bench.py workers-conf CONF $WORKERS $WORKER_CPUS"
box_json=$(printf '%s\n' "${BOX_COMMANDS[@]}" "# dpvs: $DPVS -c $CONF_DESC (a copy per run: sockets under /run/dpvs/bench-PID/, file_prefix dpvs-bench-PID); ipvsadm -A -u|-t $VIP:9 -s rr; ipvsadm -a -u|-t $VIP:9 -r RIP:9 -m (RIP in $RIPS); the dr-, tun- and fnat- scenarios: -g, -i or --fullnat instead of -m, and for fnat 16 LIPs ($LIP_RANGE): dpip addr add LIP/24 dev dpdk1; ipvsadm --add-laddr -z LIP -u|-t $VIP:9" |
	sort -u | python3 -c 'import json,sys; print(json.dumps([l.rstrip("\n") for l in sys.stdin if l.strip()]))')
python3 - "$WORK/meta.json" <<EOF
import json, platform, sys, time, os
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
probe_file = "$WORK/mem-probe.json"
probe = json.load(open(probe_file)) if os.path.exists(probe_file) and os.path.getsize(probe_file) else None
mem = {}
if "$MEM_HEAP" and "$MEM_CONNS":
    mem = {"heap_bytes": int("$MEM_HEAP"), "conns": int("$MEM_CONNS"),
           "conn_slot_bytes": int("${MEM_SLOT:-0}" or 0)}
json.dump({"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
           "host": {"cpu": cpu, "ncpu": os.cpu_count(), "kernel": platform.release()},
           "command": """$CMDLINE""".strip(), "runs": $RUNS, "duration": $DURATION,
           "link": "$LINK", "expiry_udp_timeout_s": $EXPIRY_TIMEOUT, "poll_interval_s": $POLL_S,
           "link_desc": {"memif": "net_memif", "vhost": "virtio_user <-> vhost-user (net_virtio_user / net_vhost)",
                         "af_packet": "net_af_packet on veth pairs between two namespaces"}["$LINK"],
           "skipped": json.loads('''$skipped_json'''), "memory": mem,
           "mem_probe": probe,
           "workers": $WORKERS,
           "layout": {"gen_cpu": 0, "main_cpu": 1, "worker_cpus": [$WORKER_CPUS]},
           "box_commands": json.loads('''$box_json'''),
           "note": "Shared 2-vCPU machine: other work may run beside the bench; compare only figures of the same run."},
          open(sys.argv[1], "w"), indent=1)
EOF
[ -n "$OUT_JSON" ] || OUT_JSON=$WORK/bench.json
# several workers: their own page, beside the one-worker baseline
if [ -z "$OUT_MD" ]; then
	OUT_MD=$ROOT/docs/performance.md
	[ "$WORKERS" -gt 1 ] && OUT_MD=$ROOT/docs/performance-${WORKERS}workers.md
fi
python3 "$HERE/bench.py" report "$WORK" "$OUT_JSON" "$OUT_MD"
rc=$?
[ $rc -le 1 ] || die "report failed (runs in $WORK)"
for k in "${!SKIPPED[@]}"; do say "SKIPPED $k: ${SKIPPED[$k]}"; done
if grep -q $'\tfailed' "$WORK/index.tsv"; then
	say "FAILED runs:"
	awk -F'\t' '$4 ~ /^failed/ {print "  " $1 " round " $2 ": " $4}' "$WORK/index.tsv" >&2
	rc=1
fi
[ $SMOKE_RC = 0 ] || rc=1
[ $SMOKE = 1 ] && say "smoke: $([ $rc = 0 ] && echo passed || echo FAILED) (runs in $WORK)"
say "done: $OUT_JSON, $OUT_MD (runs in $WORK)$([ $rc = 0 ] || echo '; a scenario FAILED')"
exit $rc
