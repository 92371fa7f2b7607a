#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Instructions per packet of the data path, counted by valgrind's callgrind
# on dp_instr (test/bench/dp_instr.c: the real inet + ipvs + worker code on
# synthetic frames, no NIC). Unlike packets per second, an instruction
# count does not move with the load of a shared machine, so it tells
# whether a change to the data path made it cheaper.
#
# Each scenario runs twice with the same flows and warm-up and two packet
# counts (--short, --long); only dp_instr_burst (one worker loop iteration:
# prefetch, ipvs_prefetch_burst, eth_input per packet, dp_tx_flush,
# ipvs_worker_timer) is counted (--toggle-collect), so building the frames
# is not. (long total - short total) / (long - short packets) is the cost
# of one more packet: set-up, flow creation and warm-up cancel out.
# The tx side is a port without a driver: the count includes tx accounting
# and freeing the mbuf, not a driver's rx or tx descriptors.
#
# Writes docs/instructions.json (every total), docs/instructions.md
# (the table, the top functions of nat-udp-fwd by inclusive cost, the date,
# the CPU, the exact command) and prints the table.
#
# Usage: test/bench/instr.sh [--json FILE] [--md FILE] [--build DIR]
#                            [--flows N] [--short N] [--long N]
# Needs: valgrind (callgrind, callgrind_annotate), dp_instr built
# (ninja -C BUILD test/bench/dp_instr; BUILD defaults to the first of
# build-cg, build-lead, build that has it). No root, no hugepages.
# Exit: 0 ok; 1 a run failed; 2 usage or nothing to run.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT_JSON=
OUT_MD=$ROOT/docs/instructions.md
BUILD=${BUILD:-}
FLOWS=1000
SHORT=20000
LONG=120000
CMDLINE="test/bench/instr.sh $*"
# SCENARIO-capture: the same with a capture on whose filter matches
# nothing (what capture costs when on); +ENGINE picks the filter engine
SCENARIOS="nat-udp-fwd nat-udp-rev nat-tcp-new icmp-echo dr-udp-fwd tun-udp-fwd fnat-udp-fwd fnat-udp-rev nat-udp-fwd-capture nat-udp-fwd-capture+cbpf"

die() { echo "instr: $*" >&2; exit 2; }
say() { echo "instr: $*" >&2; }

num() { [[ "$2" =~ ^[0-9]+$ ]] || die "$1 wants a number, got '$2'"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--json) [ $# -ge 2 ] || die "--json wants a file"; OUT_JSON=$2; shift 2 ;;
	--md) [ $# -ge 2 ] || die "--md wants a file"; OUT_MD=$2; shift 2 ;;
	--build) [ $# -ge 2 ] || die "--build wants a directory"; BUILD=$2; shift 2 ;;
	--flows) num "$1" "${2:-}"; FLOWS=$2; shift 2 ;;
	--short) num "$1" "${2:-}"; SHORT=$2; shift 2 ;;
	--long) num "$1" "${2:-}"; LONG=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ "$LONG" -gt "$SHORT" ] || die "--long ($LONG) must be more than --short ($SHORT)"
[ "$FLOWS" -ge 1 ] || die "--flows must be at least 1"
command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"
command -v callgrind_annotate >/dev/null || die "callgrind_annotate is missing (valgrind package)"

if [ -z "$BUILD" ]; then
	for d in "$ROOT/build-cg" "$ROOT/build-lead" "$ROOT/build"; do
		if [ -x "$d/test/bench/dp_instr" ]; then BUILD=$d; break; fi
	done
fi
[ -n "$BUILD" ] || die "dp_instr is not built: ninja -C BUILD test/bench/dp_instr"
# a stale binary would count yesterday's code
ninja -C "$BUILD" test/bench/dp_instr > /dev/null || die "ninja -C $BUILD test/bench/dp_instr failed"
EXE=$BUILD/test/bench/dp_instr
[ -x "$EXE" ] || die "$EXE is not built: ninja -C $BUILD test/bench/dp_instr"
[ -n "$OUT_JSON" ] || OUT_JSON=$ROOT/docs/instructions.json

WORK=$(mktemp -d /tmp/dp_instr.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The "summary:" line of a callgrind output file: the total of Ir.
total_ir() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

# callgrind on one run; prints the collected instruction total.
measure() { # scenario[+engine] packets tag
	local out=$WORK/$1.$3.out sc=${1%%+*} eng=()
	[ "$sc" = "$1" ] || eng=(--capture-engine "${1#*+}")
	if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=dp_instr_burst \
		"$EXE" "$sc" --flows "$FLOWS" --packets "$2" --warmup "$FLOWS" "${eng[@]}" \
		>"$WORK/$1.$3.json" 2>"$WORK/$1.$3.err"; then
		say "$1 with $2 packets failed:"
		tail -5 "$WORK/$1.$3.err" >&2
		return 1
	fi
	total_ir "$out"
}

declare -A IPP
fail=0
for s in $SCENARIOS; do
	say "$s: $SHORT and $LONG packets, $FLOWS flows"
	a=$(measure "$s" "$SHORT" short) || { fail=1; continue; }
	b=$(measure "$s" "$LONG" long) || { fail=1; continue; }
	[ -n "$a" ] && [ -n "$b" ] || { say "$s: no instruction total in the output"; fail=1; continue; }
	IPP[$s]=$(awk -v a="$a" -v b="$b" -v n=$((LONG - SHORT)) 'BEGIN { printf "%.1f", (b - a) / n }')
	eval "TOT_${s//[-+]/_}_a=$a; TOT_${s//[-+]/_}_b=$b"
done

# Top functions of nat-udp-fwd by inclusive cost, per packet: each one's
# inclusive count in the long run minus the short run, over the packet
# difference (callers outside the counted part are left out).
incl() { # out-file -> "count<TAB>file:function"
	# from a neutral directory: run from the source tree, callgrind_annotate
	# lists a function once per spelling of its file's path
	(cd "$WORK" && callgrind_annotate --inclusive=yes --auto=no --show-percs=no \
		--threshold=100 "$1" 2>/dev/null) |
		awk '/^-+$/ { dash++; next }
		     dash >= 3 && NF >= 2 && $1 ~ /^[0-9,]+$/ {
			n = $1; gsub(",", "", n); $1 = ""; sub(/^ +/, "")
			if ($0 !~ /\/dp_instr\]$/ || $0 ~ /^\?\?\?:|dp_instr\.c:/)
				next # outside the counted part, or the harness itself
			sub(/ \[[^]]*\]$/, ""); sub(/^.*\.\.\//, "")
			print n "\t" $0 }'
}
TOP=$WORK/top.txt
: >"$TOP"
if [ -f "$WORK/nat-udp-fwd.long.out" ] && [ -f "$WORK/nat-udp-fwd.short.out" ]; then
	incl "$WORK/nat-udp-fwd.short.out" >"$WORK/top.short"
	incl "$WORK/nat-udp-fwd.long.out" >"$WORK/top.long"
	awk -F'\t' -v n=$((LONG - SHORT)) '
		NR == FNR { short[$2] = $1; next }
		{ printf "%.1f\t%s\n", ($1 - short[$2]) / n, $2 }' \
		"$WORK/top.short" "$WORK/top.long" | sort -t$'\t' -k1,1 -rn | head -10 >"$TOP"
fi

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
VG=$(valgrind --version)

# ---- JSON ----
{
	printf '{"date":"%s","cpu":"%s","valgrind":"%s","command":"%s",' \
		"$DATE" "$CPU" "$VG" "$CMDLINE"
	printf '"flows":%s,"short":%s,"long":%s,"scenarios":[' "$FLOWS" "$SHORT" "$LONG"
	sep=
	for s in $SCENARIOS; do
		[ -n "${IPP[$s]:-}" ] || continue
		v=TOT_${s//[-+]/_}_a; w=TOT_${s//[-+]/_}_b
		printf '%s{"scenario":"%s","instr_per_packet":%s,"ir_short":%s,"ir_long":%s}' \
			"$sep" "$s" "${IPP[$s]}" "${!v}" "${!w}"
		sep=,
	done
	printf '],"top_inclusive_nat_udp_fwd":['
	sep=
	while IFS=$'\t' read -r ipp fn; do
		printf '%s{"instr_per_packet":%s,"function":"%s"}' "$sep" "$ipp" "${fn//\"/\\\"}"
		sep=,
	done <"$TOP"
	printf ']}\n'
} >"$OUT_JSON"

# ---- Markdown ----
{
	echo "# Instructions per packet (callgrind)"
	echo
	echo "Generated by \`$CMDLINE\` on $DATE; CPU: $CPU; $VG."
	echo
	echo "Instructions one more packet costs in the data path of one worker"
	echo "(dp_instr: the real inet + ipvs code on synthetic 64 B frames, fed"
	echo "through eth_input in bursts of 32 as the worker loop does). Counted by"
	echo "callgrind only inside one loop iteration (dp_instr_burst), as the"
	echo "difference of two runs with $SHORT and $LONG packets after the same"
	echo "set-up and warm-up, divided by $((LONG - SHORT)): set-up cancels."
	echo "A count of instructions does not swing with the machine's load as"
	echo "packets per second do; it does not see cache misses either (1,000"
	echo "flows stay in cache), so it compares code paths, not hardware."
	echo "Not counted: the NIC driver's rx and tx (tx goes to a port without"
	echo "a driver; freeing the mbuf is counted). One direction per figure."
	echo
	echo "| scenario | what a packet does | instructions/packet |"
	echo "|---|---|---:|"
	for s in $SCENARIOS; do
		case $s in
		nat-udp-fwd) what="client -> VIP:9 UDP, established flow ($FLOWS flows), NAT to a real server" ;;
		nat-udp-rev) what="real server -> client UDP reply, established flow ($FLOWS flows), NAT back" ;;
		nat-tcp-new)
			what="TCP SYN to VIP:80 from a new client port: rr schedules, a conn is created" ;;
		icmp-echo) what="ping to the VIP, answered by the stack" ;;
		dr-udp-fwd) what="client -> VIP:10 UDP, established flow ($FLOWS flows), DR: only the MACs change" ;;
		tun-udp-fwd) what="client -> VIP:11 UDP, established flow ($FLOWS flows), TUN: IPIP from the DIP" ;;
		fnat-udp-fwd) what="client -> VIP UDP, established Full-NAT flow ($FLOWS flows): LIP:lport -> RIP" ;;
		fnat-udp-rev) what="real server -> LIP:lport UDP reply, established Full-NAT flow ($FLOWS flows), back to the client" ;;
		nat-udp-fwd-capture) what="nat-udp-fwd with a dpip capture on (both ports and directions, a filter matching nothing; eBPF JIT)" ;;
		nat-udp-fwd-capture+cbpf) what="the same with the filter in libpcap's classic BPF interpreter" ;;
		esac
		echo "| $s | $what | ${IPP[$s]:-failed} |"
	done
	echo
	echo "Top 10 functions of nat-udp-fwd by inclusive instructions per packet"
	echo "(\`callgrind_annotate --inclusive=yes\` of both runs, difference over"
	echo "$((LONG - SHORT)) packets; dp_instr_burst itself is the total above):"
	echo
	echo "| instructions/packet (inclusive) | function |"
	echo "|---:|---|"
	while IFS=$'\t' read -r ipp fn; do echo "| $ipp | \`$fn\` |"; done <"$TOP"
	echo
	echo "Reproduce: \`meson setup build-cg && ninja -C build-cg test/bench/dp_instr &&"
	echo "BUILD=\$PWD/build-cg $CMDLINE\`. One scenario by hand:"
	echo "\`valgrind --tool=callgrind --toggle-collect=dp_instr_burst"
	echo "build-cg/test/bench/dp_instr nat-udp-fwd --flows 1000 --packets 20000\`."
} >"$OUT_MD"

printf '%-12s %12s %14s %14s\n' scenario instr/pkt "Ir($SHORT)" "Ir($LONG)"
for s in $SCENARIOS; do
	v=TOT_${s//[-+]/_}_a; w=TOT_${s//[-+]/_}_b
	printf '%-12s %12s %14s %14s\n' "$s" "${IPP[$s]:-failed}" "${!v:-}" "${!w:-}"
done
echo
echo "top functions of nat-udp-fwd, inclusive instructions per packet:"
sed 's/^/  /' "$TOP"
say "wrote $OUT_JSON and $OUT_MD"
exit $fail
