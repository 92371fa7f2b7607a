#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The two-director lab: the LVS guide's NAT example with a standby
# director, connection sync between the two, and a VIP that moves.
#
#   client (${P}c)        switch (${P}sw)                  directors                        real servers
#   c0 192.168.1.10/24 -- swc  br0  sa0 -- d0 [dpdk0] dpvs A (${P}da) [dpdk1] d1 -- sa1  br1  sw1 -- eth0 .132 (${P}rs1)
#                                   sb0 -- d0 [dpdk0] dpvs B (${P}db) [dpdk1] d1 -- sb1       sw2 -- eth0 .134 (${P}rs2)
#
# Own addresses (config and KNI): A 192.168.1.121, 192.168.229.141;
# B 192.168.1.122, 192.168.229.142. Floating, on the active director
# (`activate`): VIP 192.168.1.111 on dpdk0, DIP 192.168.229.133 (the real
# servers' default gateway) on dpdk1; dpip addr add sends a gratuitous ARP
# for each, so the client and the real servers turn to the new director.
# Sync goes over dpdk1's KNI (UDP to 224.0.0.81:8848 through the bridge).
#
# dr (up --mode dr): the guide's DR example with two directors, each with
# one arm on the LAN (own address A .141, B .142; conf/lab-ha-dr-X.conf);
# a router between the client and the LAN; the real servers hold the VIP
# 192.168.229.111 on lo and answer through the router. `activate` moves
# the VIP (/32 on dpdk0); sync goes over dpdk0's KNI.
#
#   client (${P}c)          router (${P}r)               switch (${P}sw) br0
#   c0 192.168.1.10 ---- r0 192.168.1.1  r1 192.168.229.1 -- swr
#                                                            sa0 -- d0 [dpdk0] dpvs A (${P}da)
#                                                            sb0 -- d0 [dpdk0] dpvs B (${P}db)
#                                                            sw1 -- eth0 .132 (${P}rs1), lo VIP
#                                                            sw2 -- eth0 .134 (${P}rs2), lo VIP
#
# fnat (up --mode fnat): the NAT picture with Full-NAT services
# (conf/lab-ha-fnat-X.conf, two workers each, [ipvs] floating_laddr): the
# real servers answer the local address (LIP) 192.168.229.150, which floats
# with the VIP: `activate` adds the LIP on dpdk1, then the VIP on dpdk0
# (the LIP first: a synced conn passes packets only once its LIP is ours),
# each with a gratuitous ARP, so the real servers' neighbour entry for the
# LIP turns to the new director as the client's for the VIP does. The real
# servers need no gateway (the LIP is on their subnet).
#
# VRRP: `vrrp-start a|b` runs keepalived (conf/keepalived/dpvs-ha.conf; A
# priority 150, B 100; conf/keepalived/dpvs-ha-fnat.conf in fnat mode) in
# the director's namespace on dpdk0.kni; its
# notify script (scripts/ha-notify.sh) moves the floating addresses with
# dpip and logs each move to $STATE/notify-X.log. `vrrp-kill a|b` SIGKILLs it.
#
# Usage: scripts/lab-ha.sh up [--mode nat|dr|fnat] | down | start a|b | kill a|b | activate a|b |
#        vrrp-start a|b | vrrp-kill a|b | sock a|b
#        LAB_PREFIX=xy (default "ha"), DPVS=path/to/dpvs (default build/src/dpvs)
set -euo pipefail

P=${LAB_PREFIX:-ha}
TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=/tmp/dpvs-lab-$P
DPVS=${DPVS:-$TOP/build/src/dpvs}
DPIP=${DPIP:-$(dirname "$DPVS")/../tools/dpip/dpip}
NS_C=${P}c NS_SW=${P}sw NS_RS1=${P}rs1 NS_RS2=${P}rs2
VIP=192.168.1.111 DIP=192.168.229.133 CIP=192.168.1.10
RIP1=192.168.229.132 RIP2=192.168.229.134
VIP_LAN=192.168.229.111 CGW=192.168.1.1 LGW=192.168.229.1 NS_R=${P}r
LIP=192.168.229.150

die() { echo "lab-ha.sh: $*" >&2; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
offloads_off() { nsx "$1" ethtool -K "$2" tx off rx off gso off gro off tso off >/dev/null 2>&1 || true; }

veth() { # veth NS_A IF_A NS_B IF_B
  ip link add "$2" netns "$1" type veth peer "$4" netns "$3"
  nsx "$1" ip link set "$2" up
  nsx "$3" ip link set "$4" up
  offloads_off "$1" "$2"
  offloads_off "$3" "$4"
}

start_bg() { # start_bg NAME NS CMD...
  local name=$1 ns=$2; shift 2
  ip netns exec "$ns" "$@" >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

stop_pid() { # stop_pid NAME [SIGNAL]: the signal (TERM), then KILL after 5 s
  local f=$STATE/$1.pid sig=${2:-TERM} pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -"$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

ns_d() { echo "${P}d$1"; }
own_c() { [ "$1" = a ] && echo 192.168.1.121 || echo 192.168.1.122; }
own_s() { [ "$1" = a ] && echo 192.168.229.141 || echo 192.168.229.142; }

mode() { cat "$STATE/mode" 2>/dev/null || echo nat; }

director_ingress_drop() { # director_ingress_drop NS IF...
  local ns=$1 i
  shift
  {
    echo "table netdev dpvs_lab {"
    for i in "$@"; do
      echo "  chain ${i}_in { type filter hook ingress device $i priority 0; policy drop; }"
    done
    echo "}"
  } | nsx "$ns" nft -f -
}

servers_start() { # servers_start BIND1 BIND2
  local i rip b
  for i in 1 2; do
    rip=$RIP1; [ $i = 2 ] && rip=$RIP2
    b=$1; [ $i = 2 ] && b=$2
    start_bg "http$i" "${P}rs$i" /usr/bin/python3 "$TOP/test/lab/rs_server.py" \
      --bind "$b" --http 80 --udp 7 --name "I am RealServer$i $rip"
  done
  for i in 1 2; do
    rip=$RIP1; [ $i = 2 ] && rip=$RIP2
    for _ in $(seq 150); do
      nsx "${P}rs$i" curl -s -m 1 "http://$rip/" 2>/dev/null | grep -q RealServer && break
      sleep 0.2
    done
  done
}

lab_up_dr() {
  local ns x
  for ns in $NS_C $NS_R $NS_SW $NS_RS1 $NS_RS2 "$(ns_d a)" "$(ns_d b)"; do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
  done
  touch "$STATE/up"
  veth $NS_C c0 $NS_R r0
  nsx $NS_C ip addr add $CIP/24 dev c0
  nsx $NS_C ip route add default via $CGW
  nsx $NS_R ip addr add $CGW/24 dev r0
  nsx $NS_R sysctl -qw net.ipv4.ip_forward=1
  nsx $NS_SW ip link add br0 type bridge mcast_snooping 0
  veth $NS_R r1 $NS_SW swr
  nsx $NS_R ip addr add $LGW/24 dev r1
  for k in all default r0 r1; do nsx $NS_R sysctl -qw net.ipv4.conf.$k.rp_filter=0; done
  veth $NS_RS1 eth0 $NS_SW sw1
  veth $NS_RS2 eth0 $NS_SW sw2
  for x in a b; do
    veth "$(ns_d $x)" d0 $NS_SW s${x}0
    director_ingress_drop "$(ns_d $x)" d0
  done
  for i in swr sa0 sb0 sw1 sw2; do nsx $NS_SW ip link set $i master br0; done
  nsx $NS_SW ip link set br0 up
  nsx $NS_RS1 ip addr add $RIP1/24 dev eth0
  nsx $NS_RS2 ip addr add $RIP2/24 dev eth0
  for ns in $NS_RS1 $NS_RS2; do
    # the guide's DR real server: the VIP on lo, never ARPed for
    nsx "$ns" ip addr add $VIP_LAN/32 dev lo
    for k in all.arp_ignore eth0.arp_ignore; do nsx "$ns" sysctl -qw net.ipv4.conf.$k=1; done
    for k in all.arp_announce eth0.arp_announce; do nsx "$ns" sysctl -qw net.ipv4.conf.$k=2; done
    nsx "$ns" ip route add default via $LGW
  done
  servers_start 0.0.0.0 0.0.0.0
  echo "lab-ha.sh: lab '$P' up in dr mode"
}

lab_up() { # lab_up [--mode nat|dr]
  [ -e "$STATE/up" ] && die "lab '$P' is already up (scripts/lab-ha.sh down first)"
  local m=nat
  if [ "${1:-}" = --mode ]; then m=${2:-}; fi
  case "$m" in nat|dr|fnat) ;; *) die "unknown mode '$m' (nat, dr or fnat)" ;; esac
  mkdir -p "$STATE"
  echo "$m" >"$STATE/mode"
  if [ "$m" = dr ]; then lab_up_dr; return; fi
  for ns in $NS_C $NS_SW $NS_RS1 $NS_RS2 "$(ns_d a)" "$(ns_d b)"; do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
  done
  touch "$STATE/up"
  nsx $NS_SW ip link add br0 type bridge mcast_snooping 0
  nsx $NS_SW ip link add br1 type bridge mcast_snooping 0
  veth $NS_C c0 $NS_SW swc
  veth $NS_RS1 eth0 $NS_SW sw1
  veth $NS_RS2 eth0 $NS_SW sw2
  for x in a b; do
    veth "$(ns_d $x)" d0 $NS_SW s${x}0
    veth "$(ns_d $x)" d1 $NS_SW s${x}1
    # the veth ends belong to the data plane (see scripts/lab.sh)
    director_ingress_drop "$(ns_d $x)" d0 d1
  done
  for i in swc sa0 sb0; do nsx $NS_SW ip link set $i master br0; done
  for i in sw1 sw2 sa1 sb1; do nsx $NS_SW ip link set $i master br1; done
  nsx $NS_SW ip link set br0 up
  nsx $NS_SW ip link set br1 up
  nsx $NS_C ip addr add $CIP/24 dev c0
  nsx $NS_RS1 ip addr add $RIP1/24 dev eth0
  nsx $NS_RS2 ip addr add $RIP2/24 dev eth0
  if [ "$m" = nat ]; then
    nsx $NS_RS1 ip route add default via $DIP
    nsx $NS_RS2 ip route add default via $DIP
  fi
  servers_start $RIP1 $RIP2
  echo "lab-ha.sh: lab '$P' up"
}

daemon_start() { # daemon_start a|b
  local x=$1 ns conf
  ns=$(ns_d "$x")
  [ -e "$STATE/up" ] || die "lab '$P' is not up"
  [ -x "$DPVS" ] || die "no daemon at $DPVS"
  conf=$STATE/dpvs-$x.conf
  sed -e "s|^ctl_socket *=.*|ctl_socket = $STATE/dpvs-$x.sock|" \
      -e "s|^pid_file *=.*|pid_file = $STATE/dpvs-$x.pid|" \
      -e "s|^file_prefix *=.*|file_prefix = dpvs-$P$x|" \
      "$TOP/conf/lab-ha-$(case "$(mode)" in dr) echo dr- ;; fnat) echo fnat- ;; esac)$x.conf" >"$conf"
  start_bg "dpvs-$x" "$ns" "$DPVS" -c "$conf"
  for _ in $(seq 150); do
    [ -S "$STATE/dpvs-$x.sock" ] && break
    kill -0 "$(cat "$STATE/dpvs-$x.pid")" 2>/dev/null || { cat "$STATE/dpvs-$x.log" >&2; die "dpvs $x exited"; }
    sleep 0.2
  done
  [ -S "$STATE/dpvs-$x.sock" ] || die "dpvs $x did not open its socket in 30 s"
  local last=dpdk1.kni
  [ "$(mode)" = dr ] && last=dpdk0.kni
  for _ in $(seq 50); do nsx "$ns" ip link show $last >/dev/null 2>&1 && break; sleep 0.1; done
  # the KNI's own addresses: the sync socket's source, management
  if [ "$(mode)" = dr ]; then
    nsx "$ns" ip addr add "$(own_s "$x")/24" dev dpdk0.kni 2>/dev/null || true
  else
    nsx "$ns" ip addr add "$(own_c "$x")/24" dev dpdk0.kni 2>/dev/null || true
    nsx "$ns" ip addr add "$(own_s "$x")/24" dev dpdk1.kni 2>/dev/null || true
  fi
  echo "lab-ha.sh: dpvs $x up (pid $(cat "$STATE/dpvs-$x.pid")), DPVS_SOCK=$STATE/dpvs-$x.sock"
}

daemon_kill() { # daemon_kill a|b [SIGNAL]
  stop_pid "dpvs-$1" "${2:-KILL}"
  rm -f /dev/hugepages/dpvs-"$P$1"map_* 2>/dev/null || true
}

# The floating addresses onto director x (what keepalived's notify does).
activate() {
  if [ "$(mode)" = dr ]; then
    DPVS_SOCK=$STATE/dpvs-$1.sock "$DPIP" addr add $VIP_LAN/32 dev dpdk0
    return
  fi
  if [ "$(mode)" = fnat ]; then
    DPVS_SOCK=$STATE/dpvs-$1.sock "$DPIP" addr add $LIP/24 dev dpdk1
    DPVS_SOCK=$STATE/dpvs-$1.sock "$DPIP" addr add $VIP/24 dev dpdk0
    return
  fi
  DPVS_SOCK=$STATE/dpvs-$1.sock "$DPIP" addr add $VIP/24 dev dpdk0
  DPVS_SOCK=$STATE/dpvs-$1.sock "$DPIP" addr add $DIP/24 dev dpdk1
}

vrrp_start() { # vrrp_start a|b
  local x=$1 prio=100 conf=$STATE/keepalived-$1.conf
  [ "$x" = a ] && prio=150
  command -v keepalived >/dev/null || die "keepalived is not installed (apt-get install keepalived)"
  sed -e "s|@NAME@|$x|" -e "s|@PRIO@|$prio|" -e "s|@NOTIFY@|$TOP/scripts/ha-notify.sh|" \
      -e "s|@SOCK@|$STATE/dpvs-$x.sock|" \
      "$TOP/conf/keepalived/dpvs-ha$([ "$(mode)" = fnat ] && echo -fnat).conf" >"$conf"
  # keepalived runs notify scripts with a clean environment: dpip's path
  # and the log go in through the script's defaults and a wrapper
  cat >"$STATE/notify-$x.sh" <<EOS
#!/bin/sh
DPIP=$DPIP HA_NOTIFY_LOG=$STATE/notify-$x.log exec $TOP/scripts/ha-notify.sh "\$@"
EOS
  chmod +x "$STATE/notify-$x.sh"
  sed -i "s|$TOP/scripts/ha-notify.sh|$STATE/notify-$x.sh|" "$conf"
  start_bg "keepalived-$x" "$(ns_d "$x")" keepalived -n -l -D -P -f "$conf" \
    -p "$STATE/kad-$x.pid" -r "$STATE/kad-vrrp-$x.pid" -c "$STATE/kad-chk-$x.pid"
}

vrrp_kill() { # vrrp_kill a|b: the whole keepalived, as a dead director's
  local f pid
  for f in "$STATE/kad-vrrp-$1.pid" "$STATE/kad-$1.pid"; do
    [ -f "$f" ] && pid=$(cat "$f") && kill -KILL "$pid" 2>/dev/null || true
  done
  stop_pid "keepalived-$1" KILL
}

lab_down() {
  for x in a b; do vrrp_kill $x; done
  for x in a b; do daemon_kill $x TERM; done
  for f in "$STATE"/*.pid; do
    [ -e "$f" ] && stop_pid "$(basename "$f" .pid)"
  done
  for ns in $NS_C $NS_SW $NS_RS1 $NS_RS2 $NS_R "$(ns_d a)" "$(ns_d b)"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$STATE"
  echo "lab-ha.sh: lab '$P' down"
}

ab() { case "${1:-}" in a|b) ;; *) die "which director: a or b" ;; esac; }

case "${1:-}" in
  up) shift; lab_up "$@" ;;
  down) lab_down ;;
  start) ab "${2:-}"; daemon_start "$2" ;;
  kill) ab "${2:-}"; daemon_kill "$2" KILL ;;
  activate) ab "${2:-}"; activate "$2" ;;
  vrrp-start) ab "${2:-}"; vrrp_start "$2" ;;
  vrrp-kill) ab "${2:-}"; vrrp_kill "$2" ;;
  sock) ab "${2:-}"; echo "$STATE/dpvs-$2.sock" ;;
  -h|--help|help) sed -n '3,48p' "$0" ;;
  *) echo "usage: scripts/lab-ha.sh up [--mode nat|dr|fnat] | down | start a|b | kill a|b | activate a|b | vrrp-start a|b | vrrp-kill a|b | sock a|b" >&2; exit 2 ;;
esac
