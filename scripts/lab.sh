#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The function lab: the LVS guide's NAT topology in network namespaces.
#
#   client ns (${P}c)          director ns (${P}d)             switch ns (${P}sw)   real servers
#   c0 192.168.1.10/24 ---- d0 [dpdk0]  dpvs  [dpdk1] d1 ---- swd  br0  sw1 ---- eth0 192.168.229.132 (${P}rs1)
#                              VIP 192.168.1.111  DIP 192.168.229.133   sw2 ---- eth0 192.168.229.134 (${P}rs2)
#                              dpdk0.kni dpdk1.kni (KNI)
#
# The daemon attaches to d0 and d1 with net_af_packet inside its own
# namespace, so its KNI interfaces and routes never touch the host. The
# real servers' default gateway is the DIP, as in the guide. Traffic only
# flows inside these namespaces.
#
# Usage: scripts/lab.sh up [--daemon] | down | daemon-start [CONF] | daemon-stop | status
#        LAB_PREFIX=xy scripts/lab.sh ...   (default "lb"; several labs side by side)
#        DPVS=path/to/dpvs (default build/src/dpvs)
set -euo pipefail

P=${LAB_PREFIX:-lb}
TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=/tmp/dpvs-lab-$P
DPVS=${DPVS:-$TOP/build/src/dpvs}
NS_C=${P}c NS_D=${P}d NS_SW=${P}sw NS_RS1=${P}rs1 NS_RS2=${P}rs2
VIP=192.168.1.111 DIP=192.168.229.133 CIP=192.168.1.10
RIP1=192.168.229.132 RIP2=192.168.229.134

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

servers_start() {
  local i rip
  for i in 1 2; do
    rip=$RIP1; [ $i = 2 ] && rip=$RIP2
    start_bg "http$i" "${P}rs$i" /usr/bin/python3 "$TOP/test/lab/rs_server.py" \
      --bind "$rip" --http 80 --udp 7 --name "I am RealServer$i $rip"
  done
  # wait until both answer (python starts slowly on a loaded 2-CPU machine)
  for i in 1 2; do
    rip=$RIP1; [ $i = 2 ] && rip=$RIP2
    for _ in $(seq 150); do
      nsx "${P}rs$i" curl -s -m 1 "http://$rip/" 2>/dev/null | grep -q RealServer && break
      sleep 0.2
    done
  done
}

lab_up() {
  [ -e "$STATE/up" ] && die "lab '$P' is already up (scripts/lab.sh down first)"
  mkdir -p "$STATE"
  for ns in $NS_C $NS_D $NS_SW $NS_RS1 $NS_RS2; do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
  done
  touch "$STATE/up"
  veth "$NS_C" c0 "$NS_D" d0
  veth "$NS_D" d1 "$NS_SW" swd
  # d0 and d1 belong to the data plane: net_af_packet reads them before
  # the kernel's ingress hook, so dropping there keeps the director's own
  # kernel (which holds the VIP and DIP on the KNI interfaces, and accepts
  # packets for local addresses on any interface) from answering too.
  nsx "$NS_D" nft -f - <<NFT
table netdev dpvs_lab {
  chain d0_in { type filter hook ingress device d0 priority 0; policy drop; }
  chain d1_in { type filter hook ingress device d1 priority 0; policy drop; }
}
NFT
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
  servers_start
  echo "lab.sh: lab '$P' up (namespaces $NS_C $NS_D $NS_SW $NS_RS1 $NS_RS2)"
}

# The lab config with this lab's socket, pid file and EAL prefix.
lab_conf() {
  local src=${1:-$TOP/conf/lab-nat.conf}
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
  nsx "$NS_D" ip addr add $VIP/24 dev dpdk0.kni 2>/dev/null || true
  nsx "$NS_D" ip addr add $DIP/24 dev dpdk1.kni 2>/dev/null || true
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
  for ns in $NS_C $NS_D $NS_SW $NS_RS1 $NS_RS2; do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$STATE"
  echo "lab.sh: lab '$P' down"
}

case "${1:-}" in
  up) lab_up; if [ "${2:-}" = "--daemon" ]; then daemon_start || { lab_down; exit 1; }; fi ;;
  down) lab_down ;;
  daemon-start) daemon_start "${2:-}" ;;
  daemon-stop) daemon_stop ;;
  conf) lab_conf "${2:-}" ;;
  status) ls "$STATE" 2>/dev/null; ip netns list | grep "^$P" || true ;;
  -h|--help|help) sed -n '3,21p' "$0" ;;
  *) echo "usage: scripts/lab.sh up [--daemon] | down | daemon-start [CONF] | daemon-stop | status" >&2; exit 2 ;;
esac
