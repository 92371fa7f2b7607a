#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Compile-checks the real servers' kernel modules (kmod/toa, kmod/uoa)
# against installed kernel headers: this machine's kernel cannot load
# modules, so building them warning-free (-Werror, kbuild's W=1) is the
# test. One line per module: "PASS: ...", "FAIL: ..." (with the log) or
# "SKIP: ..." when no headers are installed.
#   kmod/check.sh [KDIR]     default: $KDIR, the running kernel's build
#                            folder, else the newest /usr/src/linux-headers-*-amd64
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
KDIR=${1:-${KDIR:-}}
if [ -z "$KDIR" ]; then
  if [ -d "/lib/modules/$(uname -r)/build" ]; then
    KDIR=/lib/modules/$(uname -r)/build
  else
    KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1)
  fi
fi
if [ -z "$KDIR" ] || [ ! -f "$KDIR/Makefile" ]; then
  for m in toa uoa; do
    echo "SKIP: kmod $m compile check (no kernel headers: apt-get install linux-headers-amd64)"
  done
  exit 0
fi
# a scratch copy of what the modules include (kmod/, include/, the option
# walk in tools/toabpf/): the tree stays free of kbuild's outputs
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$SCRATCH/tools"
cp -r "$TOP/kmod" "$TOP/include" "$SCRATCH/"
cp -r "$TOP/tools/toabpf" "$SCRATCH/tools/"
rc=0
for m in toa uoa; do
  log=$SCRATCH/$m.log
  what="kmod $m compiles against $(basename "$KDIR") (-Werror, W=1)"
  if timeout 300 make -C "$KDIR" M="$SCRATCH/kmod/$m" W=1 modules >"$log" 2>&1 &&
     [ -f "$SCRATCH/kmod/$m/$m.ko" ] && ! grep -q "warning:" "$log"; then
    echo "PASS: $what"
  else
    tail -40 "$log"
    echo "FAIL: $what"
    rc=1
  fi
done
exit $rc
