#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ECMP scale-out in network namespaces: several directors (a dpvs each,
# DR, Maglev) announce the VIP over BGP (bird2) to a router that spreads
# the clients' flows over them (one route, a next hop per director, L4
# hash).
#
#   clients (${P}c)          router (${P}r), bird2 AS 65000        switch (${P}sw) br0
#   c0 10.99.0.10..         r0 10.99.0.1/24
#      gw 10.99.0.1          r1 10.98.0.1/24 -------------------- swr
#                            10.97.0.100 via 10.98.0.11           swd1 -- d0 [dpdk0] dpvs (${P}d1), bird2 AS 65001
#                                        via 10.98.0.12                    DIP 10.98.0.11 on dpdk0.kni (KNI)
#                                        ...                      swd2 -- d0 [dpdk0] dpvs (${P}d2) DIP .12
#                                                                 swd3 -- d0 [dpdk0] dpvs (${P}d3) DIP .13
#                                                                 sw1 -- eth0 10.98.0.21 (${P}rs1), lo VIP
#                                                                 sw2 -- eth0 10.98.0.22 (${P}rs2), lo VIP
#                                                                 sw3 -- eth0 10.98.0.23 (${P}rs3), lo VIP
#
# Every director runs conf/ecmp-director.conf (VIP 10.97.0.100, its own
# DIP, socket, pid file and EAL prefix) and bird2 with
# conf/ecmp/bird-director.conf on its KNI interface; the router runs
# bird2 with conf/ecmp/bird-router.conf (merge paths: one multipath
# route) and net.ipv4.fib_multipath_hash_policy=1. The real servers hold
# the VIP on lo (arp_ignore=1, arp_announce=2) and answer through the
# router (DR). Traffic stays inside these namespaces.
#
# Usage: scripts/ecmp-lab.sh up [--directors N] | down | status | route
#        scripts/ecmp-lab.sh director-start K | director-stop K
#        scripts/ecmp-lab.sh bird-start K | bird-stop K
#        LAB_PREFIX=xy scripts/ecmp-lab.sh ...   (default "ec")
#        DPVS=path/to/dpvs (default build/src/dpvs)
# director-stop K withdraws the route first (bird stopped), then stops
# the daemon; bird-stop K only withdraws (the daemon keeps running).
set -euo pipefail

P=${LAB_PREFIX:-ec}
TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=/tmp/dpvs-ecmp-$P
DPVS=${DPVS:-$TOP/build/src/dpvs}
MAXD=3
NS_C=${P}c NS_R=${P}r NS_SW=${P}sw
VIP=10.97.0.100
CNET=10.99.0 LAN=10.98.0 ROUTER=10.98.0.1
NCLIENTS=${ECMP_CLIENTS:-40}

die() { echo "ecmp-lab.sh: $*" >&2; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
dip() { echo "$LAN.$((10 + $1))"; }
rip() { echo "$LAN.$((20 + $1))"; }
check_k() { [[ "${1:-}" =~ ^[1-9]$ ]] && [ "$1" -le $MAXD ] || die "director number 1..$MAXD expected, got '${1:-}'"; }

offloads_off() { nsx "$1" ethtool -K "$2" tx off rx off gso off gro off tso off >/dev/null 2>&1 || true; }

veth() { # veth NS_A IF_A NS_B IF_B
  ip link add "$2" netns "$1" type veth peer "$4" netns "$3"
  nsx "$1" ip link set "$2" up
  nsx "$3" ip link set "$4" up
  offloads_off "$1" "$2"
  offloads_off "$3" "$4"
}

start_bg() { # start_bg NAME NS CMD... : in the background, its pid recorded
  local name=$1 ns=$2; shift 2
  ip netns exec "$ns" "$@" >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

# A process that has exited is gone even before its reaper collects it
# (the script that started it has exited: init reaps it, in its time).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st:0:1}" != Z ]; }

stop_pid() { # stop_pid NAME : SIGTERM, then SIGKILL after 5 s
  local f=$STATE/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

wait_for() { # wait_for TRIES(0.1 s) WHAT CMD...
  local n=$1 what=$2; shift 2
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "timed out waiting for $what"
}

router_up() {
  veth "$NS_C" c0 "$NS_R" r0
  local i
  for i in $(seq 0 $((NCLIENTS - 1))); do nsx "$NS_C" ip addr add $CNET.$((10 + i))/24 dev c0; done
  nsx "$NS_C" ip route add default via $CNET.1
  nsx "$NS_R" ip addr add $CNET.1/24 dev r0
  nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1
  # ECMP by the flow's 5-tuple, not only its addresses (policy 0)
  nsx "$NS_R" sysctl -qw net.ipv4.fib_multipath_hash_policy=1
  # the real servers answer from the VIP, which the router reaches on r1
  for k in all default r0; do nsx "$NS_R" sysctl -qw net.ipv4.conf.$k.rp_filter=0; done
  veth "$NS_R" r1 "$NS_SW" swr
  nsx "$NS_R" ip addr add $ROUTER/24 dev r1
  nsx "$NS_R" sysctl -qw net.ipv4.conf.r1.rp_filter=0
  # the router's bird: one eBGP session per possible director
  {
    sed -e "s|@ROUTER@|$ROUTER|g" "$TOP/conf/ecmp/bird-router.conf"
    for i in $(seq $MAXD); do
      echo "protocol bgp d$i from director { neighbor $(dip "$i") as 65001; }"
    done
  } >"$STATE/bird-r.conf"
  start_bg bird-r "$NS_R" bird -f -c "$STATE/bird-r.conf" -s "$STATE/bird-r.ctl" \
    -P "$STATE/bird-r.birdpid"
  wait_for 100 "the router's bird" test -S "$STATE/bird-r.ctl"
}

servers_up() {
  local i ns
  for i in $(seq $MAXD); do
    ns=${P}rs$i
    veth "$NS_SW" "sw$i" "$ns" eth0
    nsx "$NS_SW" ip link set "sw$i" master br0
    nsx "$ns" ip addr add "$(rip "$i")/24" dev eth0
    nsx "$ns" ip route add default via $ROUTER
    # DR: the VIP on lo, never answered in ARP nor used as ARP source
    nsx "$ns" ip addr add $VIP/32 dev lo
    for k in all.arp_ignore eth0.arp_ignore; do nsx "$ns" sysctl -qw net.ipv4.conf.$k=1; done
    for k in all.arp_announce eth0.arp_announce; do nsx "$ns" sysctl -qw net.ipv4.conf.$k=2; done
    # bound to the VIP: UDP answers leave from it
    start_bg "rs$i" "$ns" /usr/bin/python3 "$TOP/test/lab/rs_server.py" --bind $VIP \
      --http 80 --udp 7 --name "I am RealServer$i $(rip "$i")"
  done
  for i in $(seq $MAXD); do
    wait_for 150 "real server $i" nsx "${P}rs$i" curl -s -m 1 -o /dev/null "http://$VIP/"
  done
}

lab_up() {
  local n=2
  while [ $# -gt 0 ]; do
    case "$1" in
      --directors) [ $# -ge 2 ] || die "--directors wants a number"; n=$2; shift 2 ;;
      *) die "up: unknown argument '$1' (--directors N)" ;;
    esac
  done
  [[ "$n" =~ ^[0-9]$ ]] && [ "$n" -le $MAXD ] || die "--directors 0..$MAXD, got '$n'"
  command -v bird >/dev/null || die "no bird (apt-get install bird2)"
  [ -x "$DPVS" ] || die "no daemon at $DPVS (build first: meson setup build && ninja -C build)"
  mkdir -p "$STATE"
  local ns
  for ns in $NS_C $NS_R $NS_SW $(for i in $(seq $MAXD); do echo "${P}d$i ${P}rs$i"; done); do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
  done
  touch "$STATE/up"
  nsx "$NS_SW" ip link add br0 type bridge
  nsx "$NS_SW" ip link set br0 up
  router_up
  nsx "$NS_SW" ip link set swr master br0
  servers_up
  for i in $(seq $MAXD); do
    ns=${P}d$i
    veth "$ns" d0 "$NS_SW" "swd$i"
    nsx "$NS_SW" ip link set "swd$i" master br0
    # d0 belongs to the data plane: the director's kernel must not
    # answer on it (it sees the LAN only through dpdk0.kni)
    printf 'table netdev ecmp_lab {\n  chain d0_in { type filter hook ingress device d0 priority 0; policy drop; }\n}\n' |
      nsx "$ns" nft -f -
  done
  for i in $(seq "$n"); do director_start "$i"; done
  echo "ecmp-lab.sh: lab '$P' up, $n director(s) (namespaces $NS_C $NS_R $NS_SW ${P}d1..$MAXD ${P}rs1..$MAXD)"
}

director_conf() { # the example's director config for director K
  local k=$1
  sed -e "s|^ctl_socket *=.*|ctl_socket = $STATE/d$k.sock|" \
      -e "s|^pid_file *=.*|pid_file = $STATE/d$k.dpvspid|" \
      -e "s|^file_prefix *=.*|file_prefix = dpvs-${P}d$k|" \
      -e "s|^dip *=.*|dip = $(dip "$k")/24 dev dpdk0|" \
      "$TOP/conf/ecmp-director.conf" >"$STATE/d$k.conf"
}

daemon_start() { # the dpvs of director K, its KNI interface with the DIP
  local k=$1 ns=${P}d$1
  [ -e "$STATE/d$k.pid" ] && alive "$(cat "$STATE/d$k.pid")" &&
    die "director $k's dpvs already runs (pid $(cat "$STATE/d$k.pid"))"
  director_conf "$k"
  rm -f "$STATE/d$k.sock"
  start_bg "d$k" "$ns" "$DPVS" -c "$STATE/d$k.conf"
  for _ in $(seq 150); do
    [ -S "$STATE/d$k.sock" ] && break
    alive "$(cat "$STATE/d$k.pid")" || { cat "$STATE/d$k.log" >&2; die "director $k's dpvs exited"; }
    sleep 0.2
  done
  [ -S "$STATE/d$k.sock" ] || die "director $k's dpvs did not open its socket in 30 s"
  wait_for 50 "dpdk0.kni in $ns" nsx "$ns" ip link show dpdk0.kni
  nsx "$ns" ip addr add "$(dip "$k")/24" dev dpdk0.kni 2>/dev/null || true
  nsx "$ns" ip link set dpdk0.kni up
}

bird_start() { # bird of director K: announces the VIP
  local k=$1 ns=${P}d$1
  [ -e "$STATE/bird-d$k.pid" ] && alive "$(cat "$STATE/bird-d$k.pid")" &&
    die "director $k's bird already runs"
  sed -e "s|@DIP@|$(dip "$k")|g" -e "s|@VIP@|$VIP|g" -e "s|@ROUTER@|$ROUTER|g" \
    "$TOP/conf/ecmp/bird-director.conf" >"$STATE/bird-d$k.conf"
  rm -f "$STATE/bird-d$k.ctl"
  start_bg "bird-d$k" "$ns" bird -f -c "$STATE/bird-d$k.conf" -s "$STATE/bird-d$k.ctl" \
    -P "$STATE/bird-d$k.birdpid"
  wait_for 100 "director $k's bird" test -S "$STATE/bird-d$k.ctl"
}

director_start() { check_k "$1"; daemon_start "$1"; bird_start "$1"; }

director_stop() {
  check_k "$1"
  stop_pid "bird-d$1" # the route goes first (a BGP notification)
  stop_pid "d$1"
  rm -f /dev/hugepages/dpvs-"${P}d$1"map_* 2>/dev/null || true
}

route() { nsx "$NS_R" ip route show $VIP; }

lab_down() {
  local f i
  for i in $(seq $MAXD); do director_stop "$i"; done
  for f in "$STATE"/*.pid; do
    [ -e "$f" ] && stop_pid "$(basename "$f" .pid)"
  done
  for ns in $NS_C $NS_R $NS_SW $(for i in $(seq $MAXD); do echo "${P}d$i ${P}rs$i"; done); do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$STATE"
  echo "ecmp-lab.sh: lab '$P' down"
}

case "${1:-}" in
  up)
    shift
    [ -e "$STATE/up" ] && die "lab '$P' is already up (scripts/ecmp-lab.sh down first)"
    # a start that fails half-way takes down what it made
    trap 'rc=$?; [ $rc = 0 ] || lab_down >/dev/null 2>&1; exit $rc' EXIT
    lab_up "$@"
    trap - EXIT ;;
  down) lab_down ;;
  director-start) director_start "${2:-}" ;;
  director-stop) director_stop "${2:-}" ;;
  bird-start) check_k "${2:-}"; bird_start "$2" ;;
  bird-stop) check_k "${2:-}"; stop_pid "bird-d$2" ;;
  route) route ;;
  status) ls "$STATE" 2>/dev/null; ip netns list | grep "^$P" || true; route 2>/dev/null || true ;;
  -h|--help|help) sed -n '3,37p' "$0" ;;
  *) echo "usage: scripts/ecmp-lab.sh up [--directors N] | down | status | route | director-start K | director-stop K | bird-start K | bird-stop K" >&2; exit 2 ;;
esac
