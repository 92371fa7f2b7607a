#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: the LVS guide's NAT example, for real, in namespaces.
# Installs what is missing, builds, brings up the lab (scripts/lab.sh)
# with dpvs in the director namespace, types the guide's ipvsadm lines,
# and curls the VIP from the client namespace.
#   scripts/demo.sh [--keep]    --keep leaves the lab running (then: scripts/lab.sh down)
set -euo pipefail
cd "$(dirname "$0")/.."
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
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
bash scripts/lab.sh up --daemon
C="ip netns exec ${LAB_PREFIX}c"
VIP=192.168.1.111 RIP1=192.168.229.132 RIP2=192.168.229.134

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

run dpip addr show
run dpip link show
say "ping -c 2 $VIP   (from the client namespace)"
$C ping -c 2 -i 0.2 $VIP

# The guide's director script, line for line.
run ipvsadm -C
run ipvsadm -A -t $VIP:80 -s rr
run ipvsadm -a -t $VIP:80 -r $RIP1:80 -m
run ipvsadm -a -t $VIP:80 -r $RIP2:80 -m
run ipvsadm -Ln

for i in 1 2 3 4; do
  say "curl http://$VIP/   (from the client namespace)"
  $C curl -s -m 5 http://$VIP/
done
run ipvsadm -Ln --stats
run ipvsadm -Lnc
if [ $KEEP = 1 ]; then
  echo
  echo "The lab is up. Try: export DPVS_SOCK=$DPVS_SOCK PATH=$PATH"
  echo "  ipvsadm -Ln ; ip netns exec ${LAB_PREFIX}c curl http://$VIP/ ; scripts/lab.sh down (LAB_PREFIX=$LAB_PREFIX)"
fi
