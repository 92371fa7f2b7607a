#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# keepalived's notify script for a dpvs director: moves the floating
# addresses (the VIP, the real servers' gateway) with dpip when VRRP makes
# this director MASTER (add: dpvs sends a gratuitous ARP for each) or takes
# it away (del). keepalived runs it as
#   notify_master "ha-notify.sh SOCK add ADDR/LEN PORT [ADDR/LEN PORT ...]"
#   notify_backup "ha-notify.sh SOCK del ADDR/LEN PORT ..."   (and notify_fault)
# SOCK: the daemon's control socket. DPIP (default: dpip on PATH, else the
# build tree's). Each line it runs goes to $HA_NOTIFY_LOG (default
# /dev/null) with a timestamp, so a test can tell when the VIP moved.
set -u
sock=$1 op=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
dpip=${DPIP:-$(command -v dpip || echo "$here/../build/tools/dpip/dpip")}
log=${HA_NOTIFY_LOG:-/dev/null}
rc=0
while [ $# -ge 2 ]; do
  out=$(DPVS_SOCK=$sock "$dpip" addr "$op" "$1" dev "$2" 2>&1) || rc=1
  echo "$(date +%s.%N) $op $1 dev $2 ${out:-ok}" >>"$log"
  shift 2
done
# "del" of an address already gone (a fresh BACKUP) is not a failure
[ "$op" = del ] && exit 0
exit $rc
