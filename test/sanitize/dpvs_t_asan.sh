#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dpvs -t` under AddressSanitizer (with LeakSanitizer): every config
# sample in conf/ must be valid and leak nothing, and refused files (a
# few kinds of broken ones, written here) must be refused and leak
# nothing either. Builds build-asan (meson -Db_sanitize=address) when it
# is missing. Prints PASS:/FAIL: lines, or one SKIP: line when no
# sanitizer build can be made; exits 0 (all passed or skipped) or 1.
#   test/sanitize/dpvs_t_asan.sh [BUILD_DIR]
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
B=${1:-build-asan}
FAIL=0

# set up once, brought up to date every time (a stale binary proves nothing)
if ! { [ -d "$B" ] || meson setup "$B" -Db_sanitize=address -Db_lundef=false -Dtests=false \
       >/tmp/dpvs-asan-setup.$$.log 2>&1; } ||
   ! ninja -C "$B" src/dpvs >/tmp/dpvs-asan-build.$$.log 2>&1; then
  echo "SKIP: dpvs -t under ASan (no sanitizer build: see /tmp/dpvs-asan-*.$$.log)"
  exit 0
fi
rm -f /tmp/dpvs-asan-setup.$$.log /tmp/dpvs-asan-build.$$.log

# a leak or a memory error gets its own exit code, and a report on stderr
export ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0
export LSAN_OPTIONS=exitcode=98
T=$(mktemp -d /tmp/dpvs-asan.XXXXXX)
trap 'rm -rf "$T"' EXIT

# check NAME FILE WANT_RC
check() {
  "$B/src/dpvs" -t -c "$2" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq "$3" ] && ! grep -q "Sanitizer" "$T/err"; then
    echo "PASS: dpvs -t under ASan: $1 (exit $rc, no leak)"
  else
    echo "FAIL: dpvs -t under ASan: $1 (exit $rc, wanted $3)"
    head -40 "$T/err"
    FAIL=1
  fi
}

for f in conf/*.conf conf/*.sample; do
  [ -e "$f" ] && check "$f" "$f" 0
done

# refused files: the parser's errors, the validator's (layers') errors
base=$(sed -n '1,/^\[addresses\]/p' conf/lab-nat.conf | sed '$d')
printf '%s\n[global]\nno_such_key = 1\n' "$base" >"$T/bad-key.conf"
printf '%s\n[service:web]\nservice = -t 192.168.1.111:80 -s nosuchsched\n' "$base" >"$T/bad-sched.conf"
printf '%s\n[service:web]\nservice = -t 192.168.1.111:80 -s rr\nrs1 = -r 10.0.0.1:80 -m -w x\n' \
  "$base" >"$T/bad-weight.conf"
printf '%s\n[routes]\nr1 = 10.9.0.0/16 via 172.31.0.1 dev dpdk0\n' "$base" >"$T/bad-gateway.conf"
printf '[global\nthis is not ini\n' >"$T/not-ini.conf"
for f in bad-key bad-sched bad-weight bad-gateway not-ini; do
  check "refused $f.conf" "$T/$f.conf" 1
done
exit $FAIL
