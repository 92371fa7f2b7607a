#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs what dpvs needs on Debian 12 (idempotent) and prepares hugepages.
#   scripts/setup.sh            packages + hugepages
#   scripts/setup.sh --hugepages-only
set -euo pipefail

PKGS=(
  build-essential meson ninja-build pkg-config clang
  libdpdk-dev dpdk dpdk-dev libnuma-dev libpcap-dev libiniparser-dev libev-dev libcmocka-dev
  libmicrohttpd-dev prometheus
  python3 python3-scapy iproute2 iputils-ping ethtool curl wrk procps nftables tcpdump
  bird2   # BGP for the ECMP example and its lab test (scripts/ecmp-lab.sh)
)
HUGEPAGES=${HUGEPAGES:-1024}

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: run as root (it installs packages and sets hugepages)" >&2
    exit 1
  fi
}

install_pkgs() {
  local missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup.sh: all packages present"
    return
  fi
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

hugepages() {
  local cur
  cur=$(cat /proc/sys/vm/nr_hugepages)
  if [ "$cur" -lt "$HUGEPAGES" ]; then
    echo "$HUGEPAGES" > /proc/sys/vm/nr_hugepages
  fi
  cur=$(cat /proc/sys/vm/nr_hugepages)
  if [ "$cur" -lt 256 ]; then
    echo "setup.sh: only $cur hugepages could be reserved (need at least 256 x 2 MiB)" >&2
    exit 1
  fi
  mkdir -p /dev/hugepages
  mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
  echo "setup.sh: $cur hugepages, hugetlbfs on /dev/hugepages"
}

need_root
case "${1:-}" in
  --hugepages-only) hugepages ;;
  "") install_pkgs; hugepages ;;
  -h|--help) sed -n '2,5p' "$0" ;;
  *) echo "setup.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac
