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
# The flood rows (issue 21's two bench targets) run on a table pre-filled
# with --prefill spoofed half-open conns from lbbench's own flood generator
# (random, or tuples of one bucket of the old CRC hash); syn-flood-chain-L
# runs a flood whose tuples do share one bucket of the table, L deep, with
# its own packet counts (--chain-short, --chain-long; the chain grows by
# one a packet); lbbench-attack-syn counts lbbench's own instructions per
# generated SYN (--toggle-collect=attack_generate*, two runs of 1 and 3 s
# on net_null ports, the difference over the difference of SYNs sent).
# The Markdown then derives the targets' figures (see docs/dos.md, Bench).
#
# Usage: test/bench/instr.sh [--json FILE] [--md FILE] [--build DIR]
#                            [--flows N] [--short N] [--long N]
#                            [--prefill N] [--chain-short N] [--chain-long N]
#                            [--only ROW[,ROW..]]
# --only: just those rows, printed; the files are written only when
# --json or --md name them.
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
PREFILL=60000
CHAIN_SHORT=100
CHAIN_LONG=400
ONLY=
CMDLINE="test/bench/instr.sh $*"
# SCENARIO-capture: the same with a capture on whose filter matches
# nothing (what capture costs when on); +ENGINE picks the filter engine
SCENARIOS="nat-udp-fwd nat-udp-rev nat-tcp-new icmp-echo dr-udp-fwd tun-udp-fwd fnat-udp-fwd fnat-udp-rev nat-udp-fwd-capture nat-udp-fwd-capture+cbpf"
# the flood rows (dp_instr's flood scenarios; lbbench-attack-syn is lbbench)
SCENARIOS="$SCENARIOS syn-flood-random syn-flood-collide syn-flood-random-est syn-flood-collide-est syn-flood-chain-256 syn-flood-chain-1024 synproxy-syn synproxy-ack lbbench-attack-syn"

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
	--prefill) num "$1" "${2:-}"; PREFILL=$2; shift 2 ;;
	--chain-short) num "$1" "${2:-}"; CHAIN_SHORT=$2; shift 2 ;;
	--chain-long) num "$1" "${2:-}"; CHAIN_LONG=$2; shift 2 ;;
	--only) [ $# -ge 2 ] || die "--only wants rows"; ONLY=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ "$LONG" -gt "$SHORT" ] || die "--long ($LONG) must be more than --short ($SHORT)"
[ "$CHAIN_LONG" -gt "$CHAIN_SHORT" ] ||
	die "--chain-long ($CHAIN_LONG) must be more than --chain-short ($CHAIN_SHORT)"
if [ -n "$ONLY" ]; then
	for o in ${ONLY//,/ }; do
		[[ " $SCENARIOS " == *" $o "* ]] || die "--only: unknown row '$o' (rows: $SCENARIOS)"
	done
	# a partial table must not replace the recorded one
	[ -n "$OUT_MD" ] && [ "$OUT_MD" != "$ROOT/docs/instructions.md" ] || OUT_MD=/dev/null
	[ -n "$OUT_JSON" ] || OUT_JSON=/dev/null
	SCENARIOS=${ONLY//,/ }
fi
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

# dp_instr's scenario and arguments for a row, and the row's packet counts:
# sets SC, ARGS, R_SHORT, R_LONG.
spec() { # row
	SC=${1%%+*}
	ARGS=(--flows "$FLOWS" --warmup "$FLOWS")
	R_SHORT=$SHORT
	R_LONG=$LONG
	[ "$SC" = "$1" ] || ARGS+=(--capture-engine "${1#*+}")
	case $SC in
	syn-flood-chain-*)
		ARGS=(--chain "${SC##*-}" --warmup 0)
		SC=syn-flood-chain R_SHORT=$CHAIN_SHORT R_LONG=$CHAIN_LONG ;;
	syn-flood-*) ARGS+=(--prefill "$PREFILL") ;;
	esac
}

# callgrind on one run; prints the collected instruction total.
measure() { # row packets tag
	local out=$WORK/$1.$3.out
	spec "$1"
	if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=dp_instr_burst \
		"$EXE" "$SC" --packets "$2" "${ARGS[@]}" \
		>"$WORK/$1.$3.json" 2>"$WORK/$1.$3.err"; then
		say "$1 with $2 packets failed:"
		tail -5 "$WORK/$1.$3.err" >&2
		return 1
	fi
	total_ir "$out"
}

# lbbench's own cost of one flood SYN: lbbench under callgrind on two
# net_null ports (no peer, no rx), tcp-cps with --attack random at full
# rate for SECONDS; prints "instructions sent" of attack_generate.
LBBENCH=$BUILD/tools/lbbench/lbbench
measure_lbbench() { # seconds tag
	local out=$WORK/lbbench.$2.out j=$WORK/lbbench.$2.json n
	[ -x "$LBBENCH" ] || { say "lbbench-attack-syn: $LBBENCH is not built"; return 1; }
	if ! timeout $((60 + 20 * $1)) valgrind --tool=callgrind --callgrind-out-file="$out" \
		'--toggle-collect=attack_generate*' "$LBBENCH" --no-huge -m 256 --no-pci \
		--no-shconf --file-prefix "instr-lbb-$$" -l 0 --log-level '*:error' \
		--vdev=net_null0,no-rx=1 --vdev=net_null1,no-rx=1 -- --mode tcp-cps \
		--duration "$1" --warmup 0 --attack random --attack-rate 0 \
		--peer-mac0 02:00:00:00:00:01 --peer-mac1 02:00:00:00:00:02 --json "$j" \
		>"$WORK/lbbench.$2.log" 2>&1; then
		say "lbbench-attack-syn: lbbench under callgrind failed:"
		tail -5 "$WORK/lbbench.$2.log" >&2
		return 1
	fi
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attack"]["sent"])' "$j") ||
		return 1
	echo "$(total_ir "$out") $n"
}

declare -A IPP PKTS
fail=0
for s in $SCENARIOS; do
	if [ "$s" = lbbench-attack-syn ]; then
		say "$s: lbbench under callgrind, 1 s and 3 s"
		read -r a na < <(measure_lbbench 1 short) && read -r b nb < <(measure_lbbench 3 long) &&
			[ -n "${a:-}" ] && [ -n "${b:-}" ] && [ "$nb" -gt "$na" ] ||
			{ say "$s: no count"; fail=1; continue; }
		IPP[$s]=$(awk -v a="$a" -v b="$b" -v n=$((nb - na)) 'BEGIN { printf "%.1f", (b - a) / n }')
		PKTS[$s]="$na/$nb SYNs"
		eval "TOT_${s//[-+]/_}_a=$a; TOT_${s//[-+]/_}_b=$b"
		continue
	fi
	spec "$s"
	say "$s: $R_SHORT and $R_LONG packets, ${ARGS[*]}"
	a=$(measure "$s" "$R_SHORT" short) || { fail=1; continue; }
	b=$(measure "$s" "$R_LONG" long) || { fail=1; continue; }
	[ -n "$a" ] && [ -n "$b" ] || { say "$s: no instruction total in the output"; fail=1; continue; }
	IPP[$s]=$(awk -v a="$a" -v b="$b" -v n=$((R_LONG - R_SHORT)) 'BEGIN { printf "%.1f", (b - a) / n }')
	PKTS[$s]="$R_SHORT/$R_LONG"
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
top_of() { # row packet-difference -> the top 10 "ipp<TAB>function" lines
	[ -f "$WORK/$1.long.out" ] && [ -f "$WORK/$1.short.out" ] || return 0
	incl "$WORK/$1.short.out" >"$WORK/top.short"
	incl "$WORK/$1.long.out" >"$WORK/top.long"
	awk -F'\t' -v n="$2" '
		NR == FNR { short[$2] = $1; next }
		{ printf "%.1f\t%s\n", ($1 - short[$2]) / n, $2 }' \
		"$WORK/top.short" "$WORK/top.long" | sort -t$'\t' -k1,1 -rn | head -10
}
TOP=$WORK/top.txt
top_of nat-udp-fwd $((LONG - SHORT)) >"$TOP"
# where a cookie's instructions go (the SYN proxy's cost at full flood rate)
TOP_SYNP=$WORK/top-synp.txt
top_of synproxy-syn $((LONG - SHORT)) >"$TOP_SYNP"

# ---- the flood targets, derived (docs/dos.md, Bench) ----
# FLOOD holds "name value" lines; FLOOD_MD the Markdown that explains them.
FLOOD=$WORK/flood.txt
FLOOD_MD=$WORK/flood.md
: >"$FLOOD"
: >"$FLOOD_MD"
ipp() { echo "${IPP[$1]:-}"; }
# the old CRC's longest chain over the collide prefill (dp_instr computes it
# with lbbench's lbb_old_bucket)
OLD_CHAIN=$(sed -n 's/.*"old_crc_chain_max":\([0-9]*\).*/\1/p' "$WORK/syn-flood-collide.long.json" 2>/dev/null)
OLD_CHAIN_RANDOM=$(sed -n 's/.*"old_crc_chain_max":\([0-9]*\).*/\1/p' "$WORK/syn-flood-random.long.json" 2>/dev/null)
CHAIN_MAX_COLLIDE=$(sed -n 's/.*"chain_max":\([0-9]*\).*/\1/p' "$WORK/syn-flood-collide.long.json" 2>/dev/null)
CHAIN_MAX_RANDOM=$(sed -n 's/.*"chain_max":\([0-9]*\).*/\1/p' "$WORK/syn-flood-random.long.json" 2>/dev/null)
R=$(ipp syn-flood-random) C=$(ipp syn-flood-collide)
RE=$(ipp syn-flood-random-est) CE=$(ipp syn-flood-collide-est)
L1=$(ipp syn-flood-chain-256) L2=$(ipp syn-flood-chain-1024)
SS=$(ipp synproxy-syn) SA=$(ipp synproxy-ack) LG=$(ipp lbbench-attack-syn)
if [ -n "$R" ] && [ -n "$C" ] && [ -n "$RE" ] && [ -n "$CE" ]; then
	awk -v r="$R" -v c="$C" -v re="$RE" -v ce="$CE" -v cr="${CHAIN_MAX_RANDOM:-0}" \
		-v cc="${CHAIN_MAX_COLLIDE:-0}" -v oc="${OLD_CHAIN:-0}" -v ocr="${OLD_CHAIN_RANDOM:-0}" \
		-v p="$PREFILL" 'BEGIN {
		printf "ratio_collide_random_syn %.3f\nratio_collide_random_est %.3f\n", c / r, ce / re
		printf "chain_max_random %d\nchain_max_collide %d\n", cr, cc
		printf "old_crc_chain_random %d\nold_crc_chain_collide %d\n", ocr, oc }' >>"$FLOOD"
	{
		echo "### Collision flood against random flood (keyed hash)"
		echo
		echo "A table of $PREFILL spoofed half-open conns (lbbench's flood"
		echo "tuples, made by real SYNs): the collide tuples all fall into one"
		echo "bucket of the old CRC32C table of this size (dp_instr computes it with"
		echo "lbbench's own lbb_old_bucket: longest old chain $OLD_CHAIN of $PREFILL,"
		echo "$OLD_CHAIN_RANDOM for the random ones); in the keyed table the longest"
		echo "chain a new conn joined was $CHAIN_MAX_COLLIDE (collide) and $CHAIN_MAX_RANDOM (random)."
		echo
		echo "| instructions | random flood | collide flood | collide / random |"
		echo "|---|---:|---:|---:|"
		awk -v r="$R" -v c="$C" 'BEGIN { printf "| per flood SYN | %s | %s | %.3f |\n", r, c, c / r }'
		awk -v r="$RE" -v c="$CE" 'BEGIN { printf "| per legitimate established segment | %s | %s | %.3f |\n", r, c, c / r }'
		echo
		awk -v r="$R" -v c="$C" -v re="$RE" -v ce="$CE" 'BEGIN {
			a = c / r; b = ce / re
			v = a <= 1.5 && b <= 1.5 ? "met" : "NOT met"
			printf "Target (issue 21 item 6): collide within 1.5x of random: %s (%.3f and %.3f).\n", v, a, b }'
	} >>"$FLOOD_MD"
fi
if [ -n "$L1" ] && [ -n "$L2" ] && [ -n "$R" ] && [ -n "${OLD_CHAIN:-}" ]; then
	# every measured SYN of syn-flood-chain-L walks the L-deep bucket and
	# joins it: the two rows differ by 768 nodes walked, nothing else
	awk -v a="$L1" -v b="$L2" -v r="$R" -v n="$OLD_CHAIN" 'BEGIN {
		node = (b - a) / 768
		printf "per_node_walked %.2f\nold_crc_collide_syn_est %.0f\nold_crc_ratio_est %.0f\n",
			node, r + node * n, (r + node * n) / r }' >>"$FLOOD"
	{
		echo
		echo "What the keyed hash defends against (the old CRC hash, derived, not run:"
		echo "src is not changed for a bench). syn-flood-chain-L puts every SYN into one"
		echo "bucket of the real table already L deep (tuples found by brute force"
		echo "against the worker's key, which only the harness can read), so the rows"
		echo "256 and 1024 differ only by 768 nodes walked per SYN:"
		awk -v a="$L1" -v b="$L2" -v r="$R" -v n="$OLD_CHAIN" 'BEGIN {
			node = (b - a) / 768
			printf "(%s - %s) / 768 = %.2f instructions per node. Under the old CRC all\n", b, a, node
			printf "%d collide conns share one bucket, so a collide SYN walks at least\n", n
			printf "%d nodes: %s + %.2f x %d = about %.0f instructions, %.0fx the\n", n, r, node, n, r + node * n, (r + node * n) / r
			printf "random flood (the issue measured 8K -> 380K cycles a packet in the lab).\n" }'
	} >>"$FLOOD_MD"
fi
if [ -n "$SS" ] && [ -n "$SA" ] && [ -n "$LG" ]; then
	awk -v ss="$SS" -v sa="$SA" -v lg="$LG" 'BEGIN {
		f = ss / lg
		printf "synproxy_core_share_of_full_rate %.3f\nsynproxy_target_met %d\n", f, f <= 0.1
		printf "synproxy_box_cores_for_target %.1f\nsynproxy_handshake %.1f\n", 10 * f, ss + sa }' >>"$FLOOD"
	{
		echo
		echo "### SYN proxy at the generator's full rate (derived)"
		echo
		awk -v ss="$SS" -v sa="$SA" -v lg="$LG" 'BEGIN {
			f = ss / lg
			printf "The box answers a flood SYN with a cookie for %s instructions; lbbench\n", ss
			printf "generates and sends one for %s (attack_generate, inclusive). One core of\n", lg
			printf "each, at equal instructions per cycle, the generator flat out needs\n"
			printf "f = %s / %s = %.2f of the box core. A legitimate handshake costs the box\n", ss, lg, f
			printf "%s (its SYN, the cookie) + %s (its ACK: cookie checked, conn, SYN to the\n", ss, sa
			printf "real server) = %.0f before the rest of the connection.\n", ss + sa
			if (f < 1)
				printf "Where the box core limits the legitimate rate, it keeps about 1 - f = %.2f of it.\n", 1 - f
			else
				printf "f >= 1: the flood alone needs more than the box core; what it cannot take is\n" \
				       "lost at its receive queue, blind to what is legitimate: each legitimate\n" \
				       "packet passes with a chance of about 1/f = %.2f, and a connection needs\n" \
				       "several (lbbench'"'"'s: 4 from the client, 3 from the server), so the\n" \
				       "legitimate rate collapses.\n", 1 / f
			v = f <= 0.1 ? "met" : sprintf("not met with one box core against one generator core; it would take %.1f box cores of this code (10 f), were the workers to scale linearly", 10 * f)
			printf "Keeping 0.9 of a legitimate rate the box core limits needs f <= 0.1: %s.\n", v }'
	} >>"$FLOOD_MD"
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
		printf '%s{"scenario":"%s","instr_per_packet":%s,"ir_short":%s,"ir_long":%s,"runs":"%s"}' \
			"$sep" "$s" "${IPP[$s]}" "${!v}" "${!w}" "${PKTS[$s]}"
		sep=,
	done
	printf '],"flood":{'
	sep=
	while read -r k v; do printf '%s"%s":%s' "$sep" "$k" "$v"; sep=,; done <"$FLOOD"
	printf '},"top_inclusive_nat_udp_fwd":['
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
	echo "| scenario | what a packet does | packets (short/long) | instructions/packet |"
	echo "|---|---|---|---:|"
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
		syn-flood-random) what="spoofed SYN (lbbench --attack random) to VIP:80 with $PREFILL such half-open conns in the table: a conn is made" ;;
		syn-flood-collide) what="the same with lbbench --attack collide's tuples (all in one bucket of the old CRC table)" ;;
		syn-flood-random-est) what="a legitimate client's data segment on $FLOWS established conns, the table of syn-flood-random" ;;
		syn-flood-collide-est) what="the same in the table of syn-flood-collide" ;;
		syn-flood-chain-*) what="spoofed SYN into one bucket of the keyed table already ${s##*-} deep and growing (tuples found against the worker's key)" ;;
		synproxy-syn) what="spoofed SYN (lbbench's random flood) at a SYN-proxy service: a cookie SYN-ACK, no conn" ;;
		synproxy-ack) what="a client's ACK of its cookie: cookie checked, conn made, SYN to the real server" ;;
		lbbench-attack-syn) what="the generator's side: lbbench --attack random at full rate builds and sends one SYN (net_null ports)" ;;
		esac
		echo "| $s | $what | ${PKTS[$s]:-} | ${IPP[$s]:-failed} |"
	done
	echo
	if [ -s "$FLOOD_MD" ]; then
		echo "## The flood rows (issue 21's bench targets)"
		echo
		echo "The table of the flood rows holds $((1 << 18)) conns (never full: eviction"
		echo "would be measured, not the flood); the clock stands still, nothing expires."
		echo "The worker's hash key is drawn at every start, so which conns share a"
		echo "bucket differs between runs: these rows move by a few tenths of an"
		echo "instruction between runs (the chain rows by up to about 10)."
		echo
		cat "$FLOOD_MD"
		echo
	fi
	if [ -s "$TOP_SYNP" ]; then
		echo "Top 10 functions of synproxy-syn by inclusive instructions per packet"
		echo "(the same method):"
		echo
		echo "| instructions/packet (inclusive) | function |"
		echo "|---:|---|"
		while IFS=$'\t' read -r ipp fn; do echo "| $ipp | \`$fn\` |"; done <"$TOP_SYNP"
		echo
	fi
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

printf '%-24s %12s %14s %14s %s\n' scenario instr/pkt "Ir(short)" "Ir(long)" "short/long"
for s in $SCENARIOS; do
	v=TOT_${s//[-+]/_}_a; w=TOT_${s//[-+]/_}_b
	printf '%-24s %12s %14s %14s %s\n' "$s" "${IPP[$s]:-failed}" "${!v:-}" "${!w:-}" "${PKTS[$s]:-}"
done
echo
[ ! -s "$FLOOD" ] || { echo "flood targets:"; sed 's/^/  /' "$FLOOD"; echo; }
echo "top functions of nat-udp-fwd, inclusive instructions per packet:"
sed 's/^/  /' "$TOP"
say "wrote $OUT_JSON and $OUT_MD"
exit $fail
