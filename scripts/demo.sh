#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: one of the LVS guide's examples, for real, in namespaces.
# Installs what is missing, builds, brings up the lab (scripts/lab.sh)
# with dpvs in the director namespace, types the guide's ipvsadm lines,
# and curls the VIP from the client namespace.
#   scripts/demo.sh [nat|dr|tun|fnat] [--keep]
#     nat (default)  the guide's NAT example: the director between client and servers
#     dr             direct routing: the servers hold the VIP and answer the client
#                    through the router, never through the director
#     tun            IP tunnelling to servers on another network (IPIP; the servers
#                    take the outer header off with a tc-BPF program)
#     fnat           Full-NAT (DPVS's): the NAT lab, but the servers see a local
#                    address of the director (LIP) as the client, and the client's
#                    own address in the TOA option of its SYN
#   --keep leaves the lab running (then: scripts/lab.sh down)
set -euo pipefail
cd "$(dirname "$0")/.."
KEEP=0 MODE=nat
for a in "$@"; do
  case "$a" in
    --keep) KEEP=1 ;;
    nat|dr|tun|fnat) MODE=$a ;;
    -h|--help) sed -n '3,16p' "$0"; exit 0 ;;
    *) echo "usage: scripts/demo.sh [nat|dr|tun|fnat] [--keep]" >&2; exit 2 ;;
  esac
done
export LAB_PREFIX=${LAB_PREFIX:-demo}
STATE=/tmp/dpvs-lab-$LAB_PREFIX
export DPVS_SOCK=$STATE/dpvs.sock

bash scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
export PATH=$PWD/build/tools/ipvsadm:$PWD/build/tools/dpip:$PATH
cleanup() { [ $KEEP = 1 ] || bash scripts/lab.sh down; }
trap cleanup EXIT

bash scripts/lab.sh down >/dev/null 2>&1 || true
LAB_MODE=$MODE
[ $MODE = fnat ] && LAB_MODE=nat # Full-NAT runs on the NAT lab's two arms
bash scripts/lab.sh up --daemon --mode $LAB_MODE
C="ip netns exec ${LAB_PREFIX}c"
R="ip netns exec ${LAB_PREFIX}r"
RS1="ip netns exec ${LAB_PREFIX}rs1"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

case $MODE in
  nat|fnat) VIP=192.168.1.111 RIP1=192.168.229.132 RIP2=192.168.229.134 ;;
  dr) VIP=192.168.229.111 RIP1=192.168.229.132 RIP2=192.168.229.134 ;;
  tun) VIP=192.168.229.111 RIP1=10.10.10.132 RIP2=10.10.10.134 ;;
esac

run dpip addr show
run dpip link show
say "ping -c 2 $VIP   (from the client namespace)"
$C ping -c 2 -i 0.2 $VIP

# The guide's director script, line for line.
run ipvsadm -C
run ipvsadm -A -t $VIP:80 -s rr
case $MODE in
  nat)
    run ipvsadm -a -t $VIP:80 -r $RIP1:80 -m
    run ipvsadm -a -t $VIP:80 -r $RIP2:80 -m ;;
  dr)
    run ipvsadm -a -t $VIP:80 -r $RIP1 -g
    run ipvsadm -a -t $VIP:80 -r $RIP2 -g ;;
  tun)
    run ipvsadm -a -t $VIP:80 -r $RIP1 -i
    run ipvsadm -a -t $VIP:80 -r $RIP2 -i ;;
  fnat)
    # DPVS's Full-NAT: a local address (LIP) of the director on the
    # servers' side, given to the service
    LIP=192.168.229.140
    run dpip addr add $LIP/24 dev dpdk1
    run ipvsadm -a -t $VIP:80 -r $RIP1:80 --fullnat
    run ipvsadm -a -t $VIP:80 -r $RIP2:80 --fullnat
    run ipvsadm --add-laddr -z $LIP -t $VIP:80
    run ipvsadm --get-laddr -t $VIP:80 ;;
esac
run ipvsadm -Ln

CAP=
if [ $MODE != nat ]; then
  # what crosses the router's leg towards the LAN (dr) or the director (tun)
  $R timeout 20 tcpdump -i r1 -n -e -c 8 --immediate-mode 'tcp port 80 or ip proto 4' \
    >"$STATE/demo-capture.txt" 2>/dev/null &
  CAP=$!
  sleep 1
fi
PATH_=/
if [ $MODE = fnat ]; then
  # the SYNs the first real server gets: from the LIP, with the TOA option
  # (tcpdump -v reads kind 254 as RFC 6994's "exp-" with the client's port
  # as its ExID; -x shows the whole option: fe 08, port, address)
  $RS1 timeout 20 tcpdump -i eth0 -n -v -x -c 2 --immediate-mode \
    'tcp dst port 80 and tcp[tcpflags] & tcp-syn != 0' >"$STATE/demo-capture.txt" 2>/dev/null &
  CAP=$!
  sleep 1
  PATH_=/peer # the real server names the address the connection came from
fi
for i in 1 2 3 4; do
  say "curl http://$VIP$PATH_   (from the client namespace)"
  $C curl -s -m 5 http://$VIP$PATH_
done
run ipvsadm -Ln --stats
run ipvsadm -Lnc
if [ -n "$CAP" ]; then
  wait $CAP 2>/dev/null || true
  case $MODE in
    dr) say "tcpdump -e on the router's LAN leg: requests to the director's MAC," \
          "replies from the real servers' own MACs (OutPkts above stays 0)" ;;
    tun) say "tcpdump on the router's leg to the director: the client's packets inside" \
           "IPIP (proto 4) from the DIP to each real server; no reply comes this way" ;;
    fnat) say "tcpdump -v -x on RealServer1: the SYNs come from the LIP; option 254 (TOA," \
            "fe08, 'exp-PORT' to tcpdump) carries the client's port and address" \
            "192.168.1.10 (c0a8 010a in the last line)" ;;
  esac
  cat "$STATE/demo-capture.txt"
fi
[ $MODE = fnat ] && run dpip stats
[ $MODE = tun ] && run ipvsadm -Ln --tun-info
if [ $KEEP = 1 ]; then
  echo
  echo "The lab is up. Try: export DPVS_SOCK=$DPVS_SOCK PATH=$PATH"
  echo "  ipvsadm -Ln ; ip netns exec ${LAB_PREFIX}c curl http://$VIP/ ; scripts/lab.sh down (LAB_PREFIX=$LAB_PREFIX)"
fi
