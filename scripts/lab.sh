#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The function lab: the LVS guide's topologies in network namespaces.
#
# nat (the default): the guide's NAT example, the director between the
# client and the real servers, their default gateway the DIP.
#
#   client ns (${P}c)          director ns (${P}d)             switch ns (${P}sw)   real servers
#   c0 192.168.1.10/24 ---- d0 [dpdk0]  dpvs  [dpdk1] d1 ---- swd  br0  sw1 ---- eth0 192.168.229.132 (${P}rs1)
#                              VIP 192.168.1.111  DIP 192.168.229.133   sw2 ---- eth0 192.168.229.134 (${P}rs2)
#                              dpdk0.kni dpdk1.kni (KNI)
#
# dr: the guide's DR example. A router between the client and the LAN;
# the director has one arm on the LAN (DIP and VIP); the real servers hold
# the VIP on lo (arp_ignore=1, arp_announce=2) and answer the client
# straight through the router, never through the director.
#
#   client (${P}c)              router (${P}r)                switch (${P}sw) br0
#   c0 192.168.1.10/24 ---- r0 192.168.1.1/24
#      gw 192.168.1.1         r1 192.168.229.1/24 ---------- swr
#                                                             swd ---- d0 [dpdk0] dpvs (${P}d)
#                                                                      DIP 192.168.229.133, VIP 192.168.229.111
#                                                             sw1 ---- eth0 192.168.229.132 (${P}rs1), lo VIP
#                                                             sw2 ---- eth0 192.168.229.134 (${P}rs2), lo VIP
#
# tun: the guide's TUN example. The real servers sit on another network,
# behind the router; the director tunnels to them (IPIP, GUE or GRE). This
# kernel has no ipip module: a tc-BPF program on each real server's eth0
# (test/lab/tun_decap.bpf.c) takes the outer headers off; the VIP is on lo.
#
#   client (${P}c)              router (${P}r)
#   c0 192.168.1.10/24 ---- r0 192.168.1.1/24
#                           r1 192.168.229.1/24 ---------- d0 [dpdk0] dpvs (${P}d), DIP .133, VIP .111
#                           r2 10.10.10.1/24 ---- swr br0 (${P}sw) sw1 ---- eth0 10.10.10.132 (${P}rs1), lo VIP
#                                                                 sw2 ---- eth0 10.10.10.134 (${P}rs2), lo VIP
#
# The daemon attaches to its veth ends with net_af_packet inside its own
# namespace, so its KNI interfaces and routes never touch the host.
# Traffic only flows inside these namespaces.
#
# Usage: scripts/lab.sh up [--daemon] [--mode nat|dr|tun] | down | daemon-start [CONF] |
#        daemon-stop | status
#        LAB_PREFIX=xy scripts/lab.sh ...   (default "lb"; several labs side by side)
#        DPVS=path/to/dpvs (default build/src/dpvs)
set -euo pipefail

P=${LAB_PREFIX:-lb}
TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=/tmp/dpvs-lab-$P
DPVS=${DPVS:-$TOP/build/src/dpvs}
NS_C=${P}c NS_D=${P}d NS_SW=${P}sw NS_RS1=${P}rs1 NS_RS2=${P}rs2 NS_R=${P}r
VIP=192.168.1.111 DIP=192.168.229.133 CIP=192.168.1.10
RIP1=192.168.229.132 RIP2=192.168.229.134
# dr and tun: the VIP on the director's LAN, the client behind a router
VIP_LAN=192.168.229.111 CGW=192.168.1.1 LGW=192.168.229.1
TUN_NET=10.10.10 TUN_RIP1=10.10.10.132 TUN_RIP2=10.10.10.134 GUE_PORT=6080

die() { echo "lab.sh: $*" >&2; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

offloads_off() { nsx "$1" ethtool -K "$2" tx off rx off gso off gro off tso off >/dev/null 2>&1 || true; }

veth() { # veth NS_A IF_A NS_B IF_B
  ip link add "$2" netns "$1" type veth peer "$4" netns "$3"
  nsx "$1" ip link set "$2" up
  nsx "$3" ip link set "$4" up
  offloads_off "$1" "$2"
  offloads_off "$3" "$4"
}

start_bg() { # start_bg NAME NS CMD... : runs in background, records the pid
  local name=$1 ns=$2; shift 2
  ip netns exec "$ns" "$@" >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

stop_pid() { # stop_pid NAME : SIGTERM, then SIGKILL after 5 s
  local f=$STATE/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

servers_start() { # servers_start RIP1 RIP2 [BIND]: BIND 0.0.0.0 when they serve the VIP too
  local i rip r1=$1 r2=$2 bind=${3:-}
  for i in 1 2; do
    rip=$r1; [ $i = 2 ] && rip=$r2
    start_bg "http$i" "${P}rs$i" /usr/bin/python3 "$TOP/test/lab/rs_server.py" \
      --bind "${bind:-$rip}" --http 80 --udp 7 --name "I am RealServer$i $rip"
  done
  # wait until both answer (python starts slowly on a loaded 2-CPU machine)
  for i in 1 2; do
    rip=$r1; [ $i = 2 ] && rip=$r2
    for _ in $(seq 150); do
      nsx "${P}rs$i" curl -s -m 1 "http://$rip/" 2>/dev/null | grep -q RealServer && break
      sleep 0.2
    done
  done
}

# The director's veth ends belong to the data plane: net_af_packet reads
# them before the kernel's ingress hook, so dropping there keeps the
# director's own kernel (which holds the VIP and DIP on the KNI
# interfaces, and accepts packets for local addresses on any interface)
# from answering too.
director_ingress_drop() { # director_ingress_drop IF...
  local i
  {
    echo "table netdev dpvs_lab {"
    for i in "$@"; do
      echo "  chain ${i}_in { type filter hook ingress device $i priority 0; policy drop; }"
    done
    echo "}"
  } | nsx "$NS_D" nft -f -
}

namespaces_add() {
  for ns in "$@"; do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
  done
}

# A real server of DR or TUN, as the guide sets it up: the VIP on lo,
# never answering ARP for it nor using it as an ARP source.
rs_vip_on_lo() { # rs_vip_on_lo NS
  nsx "$1" ip addr add $VIP_LAN/32 dev lo
  for k in all.arp_ignore eth0.arp_ignore; do nsx "$1" sysctl -qw net.ipv4.conf.$k=1; done
  for k in all.arp_announce eth0.arp_announce; do nsx "$1" sysctl -qw net.ipv4.conf.$k=2; done
}

# The router between the client's network and the LAN (dr and tun).
router_up() {
  veth "$NS_C" c0 "$NS_R" r0
  nsx "$NS_C" ip addr add $CIP/24 dev c0
  nsx "$NS_C" ip route add default via $CGW
  nsx "$NS_R" ip addr add $CGW/24 dev r0
  nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1
  # the real servers answer from the VIP, which lives on another leg
  for k in all default r0; do nsx "$NS_R" sysctl -qw net.ipv4.conf.$k.rp_filter=0; done
}

lab_up_dr() {
  namespaces_add $NS_C $NS_R $NS_D $NS_SW $NS_RS1 $NS_RS2
  touch "$STATE/up"
  router_up
  nsx "$NS_SW" ip link add br0 type bridge
  veth "$NS_R" r1 "$NS_SW" swr
  veth "$NS_D" d0 "$NS_SW" swd
  director_ingress_drop d0
  veth "$NS_SW" sw1 "$NS_RS1" eth0
  veth "$NS_SW" sw2 "$NS_RS2" eth0
  for i in swr swd sw1 sw2; do nsx "$NS_SW" ip link set "$i" master br0; done
  nsx "$NS_SW" ip link set br0 up
  nsx "$NS_R" ip addr add $LGW/24 dev r1
  nsx "$NS_R" sysctl -qw net.ipv4.conf.r1.rp_filter=0
  nsx "$NS_RS1" ip addr add $RIP1/24 dev eth0
  nsx "$NS_RS2" ip addr add $RIP2/24 dev eth0
  for ns in $NS_RS1 $NS_RS2; do
    rs_vip_on_lo "$ns"
    nsx "$ns" ip route add default via $LGW
  done
  servers_start $RIP1 $RIP2 0.0.0.0
}

# The tc-BPF decapsulation (IPIP, GUE to $GUE_PORT, GRE) on each real
# server's eth0 ingress: this kernel has no ipip module.
tun_decap_up() {
  local obj=$STATE/tun_decap.o
  clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -DGUE_PORT=$GUE_PORT \
    -c "$TOP/test/lab/tun_decap.bpf.c" -o "$obj" || die "cannot build the tc-BPF decapsulation"
  for ns in $NS_RS1 $NS_RS2; do
    nsx "$ns" tc qdisc add dev eth0 clsact
    nsx "$ns" tc filter add dev eth0 ingress bpf da obj "$obj" sec tc
  done
}

lab_up_tun() {
  namespaces_add $NS_C $NS_R $NS_D $NS_SW $NS_RS1 $NS_RS2
  touch "$STATE/up"
  router_up
  veth "$NS_R" r1 "$NS_D" d0
  director_ingress_drop d0
  nsx "$NS_R" ip addr add $LGW/24 dev r1
  nsx "$NS_SW" ip link add br0 type bridge
  veth "$NS_R" r2 "$NS_SW" swr
  veth "$NS_SW" sw1 "$NS_RS1" eth0
  veth "$NS_SW" sw2 "$NS_RS2" eth0
  for i in swr sw1 sw2; do nsx "$NS_SW" ip link set "$i" master br0; done
  nsx "$NS_SW" ip link set br0 up
  nsx "$NS_R" ip addr add $TUN_NET.1/24 dev r2
  for k in r1 r2; do nsx "$NS_R" sysctl -qw net.ipv4.conf.$k.rp_filter=0; done
  nsx "$NS_RS1" ip addr add $TUN_RIP1/24 dev eth0
  nsx "$NS_RS2" ip addr add $TUN_RIP2/24 dev eth0
  for ns in $NS_RS1 $NS_RS2; do
    rs_vip_on_lo "$ns"
    nsx "$ns" ip route add default via $TUN_NET.1
    # the decapsulated packet came in on eth0 to the VIP on lo
    for k in all default eth0; do nsx "$ns" sysctl -qw net.ipv4.conf.$k.rp_filter=0; done
  done
  tun_decap_up
  servers_start $TUN_RIP1 $TUN_RIP2 0.0.0.0
}

lab_up() { # lab_up nat|dr|tun
  local mode=${1:-nat}
  [ -e "$STATE/up" ] && die "lab '$P' is already up (scripts/lab.sh down first)"
  case "$mode" in nat|dr|tun) ;; *) die "unknown mode '$mode' (nat, dr or tun)" ;; esac
  mkdir -p "$STATE"
  echo "$mode" >"$STATE/mode"
  if [ "$mode" = dr ]; then lab_up_dr; fi
  if [ "$mode" = tun ]; then lab_up_tun; fi
  if [ "$mode" != nat ]; then
    echo "lab.sh: lab '$P' up in $mode mode (namespaces $NS_C $NS_R $NS_D $NS_SW $NS_RS1 $NS_RS2)"
    return
  fi
  namespaces_add $NS_C $NS_D $NS_SW $NS_RS1 $NS_RS2
  touch "$STATE/up"
  veth "$NS_C" c0 "$NS_D" d0
  veth "$NS_D" d1 "$NS_SW" swd
  director_ingress_drop d0 d1
  veth "$NS_SW" sw1 "$NS_RS1" eth0
  veth "$NS_SW" sw2 "$NS_RS2" eth0
  nsx "$NS_SW" ip link add br0 type bridge
  for i in swd sw1 sw2; do nsx "$NS_SW" ip link set "$i" master br0; done
  nsx "$NS_SW" ip link set br0 up
  nsx "$NS_C" ip addr add $CIP/24 dev c0
  nsx "$NS_RS1" ip addr add $RIP1/24 dev eth0
  nsx "$NS_RS2" ip addr add $RIP2/24 dev eth0
  nsx "$NS_RS1" ip route add default via $DIP
  nsx "$NS_RS2" ip route add default via $DIP
  servers_start $RIP1 $RIP2
  echo "lab.sh: lab '$P' up (namespaces $NS_C $NS_D $NS_SW $NS_RS1 $NS_RS2)"
}

# The lab config with this lab's socket, pid file and EAL prefix.
lab_conf() {
  local def=$TOP/conf/lab-nat.conf
  [ "$(cat "$STATE/mode" 2>/dev/null)" = nat ] || [ ! -e "$STATE/mode" ] ||
    def=$TOP/conf/lab-onearm.conf
  local src=${1:-$def}
  sed -e "s|^ctl_socket *=.*|ctl_socket = $STATE/dpvs.sock|" \
      -e "s|^pid_file *=.*|pid_file = $STATE/dpvs.pid|" \
      -e "s|^file_prefix *=.*|file_prefix = dpvs-$P|" \
      "$src" >"$STATE/dpvs.conf"
  echo "$STATE/dpvs.conf"
}

daemon_start() {
  [ -e "$STATE/up" ] || die "lab '$P' is not up"
  [ -x "$DPVS" ] || die "no daemon at $DPVS (build first: meson setup build && ninja -C build)"
  local conf
  conf=$(lab_conf "${1:-}")
  start_bg dpvs "$NS_D" "$DPVS" -c "$conf"
  for _ in $(seq 150); do
    [ -S "$STATE/dpvs.sock" ] && break
    kill -0 "$(cat "$STATE/dpvs.pid")" 2>/dev/null || { cat "$STATE/dpvs.log" >&2; die "dpvs exited"; }
    sleep 0.2
  done
  [ -S "$STATE/dpvs.sock" ] || { cat "$STATE/dpvs.log" >&2; die "dpvs did not open its socket in 30 s"; }
  # The kernel side of the KNI gets the same addresses, so management
  # services in the director namespace answer through the data plane.
  for _ in $(seq 50); do nsx "$NS_D" ip link show dpdk0.kni >/dev/null 2>&1 && break; sleep 0.1; done
  if [ "$(cat "$STATE/mode" 2>/dev/null || echo nat)" = nat ]; then
    nsx "$NS_D" ip addr add $VIP/24 dev dpdk0.kni 2>/dev/null || true
    nsx "$NS_D" ip addr add $DIP/24 dev dpdk1.kni 2>/dev/null || true
  else
    nsx "$NS_D" ip addr add $DIP/24 dev dpdk0.kni 2>/dev/null || true
    nsx "$NS_D" ip addr add $VIP_LAN/32 dev dpdk0.kni 2>/dev/null || true
  fi
  echo "lab.sh: dpvs up (pid $(cat "$STATE/dpvs.pid")), DPVS_SOCK=$STATE/dpvs.sock"
}

daemon_stop() {
  stop_pid dpvs
  rm -f /dev/hugepages/dpvs-"$P"map_* 2>/dev/null || true
}

lab_down() {
  daemon_stop
  for f in "$STATE"/*.pid; do
    [ -e "$f" ] && stop_pid "$(basename "$f" .pid)"
  done
  for ns in $NS_C $NS_D $NS_SW $NS_RS1 $NS_RS2 $NS_R; do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$STATE"
  echo "lab.sh: lab '$P' down"
}

lab_up_cmd() { # up [--daemon] [--mode nat|dr|tun]
  local daemon=0 mode=nat
  while [ $# -gt 0 ]; do
    case "$1" in
      --daemon) daemon=1; shift ;;
      --mode) [ $# -ge 2 ] || die "--mode wants nat, dr or tun"; mode=$2; shift 2 ;;
      *) die "up: unknown argument '$1' (--daemon, --mode nat|dr|tun)" ;;
    esac
  done
  lab_up "$mode"
  if [ $daemon = 1 ]; then daemon_start || { lab_down; exit 1; }; fi
}

case "${1:-}" in
  up) shift; lab_up_cmd "$@" ;;
  down) lab_down ;;
  daemon-start) daemon_start "${2:-}" ;;
  daemon-stop) daemon_stop ;;
  conf) lab_conf "${2:-}" ;;
  status) ls "$STATE" 2>/dev/null; ip netns list | grep "^$P" || true ;;
  -h|--help|help) sed -n '3,50p' "$0" ;;
  *) echo "usage: scripts/lab.sh up [--daemon] [--mode nat|dr|tun] | down | daemon-start [CONF] | daemon-stop | status" >&2; exit 2 ;;
esac
