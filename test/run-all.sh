#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every test: unit (cmocka via meson), config samples, lab (real
# daemon in namespaces), fuzz smoke. Ends with "N passed, N failed".
#   test/run-all.sh [--unit-only] [--no-fuzz]
# Needs root (namespaces, hugepages); scripts/setup.sh installs the rest.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BUILD=${BUILD:-build}
PASS=0 FAIL=0
FAILED=()
UNIT_ONLY=0 FUZZ=1
for a in "$@"; do
  case $a in
    --unit-only) UNIT_ONLY=1 ;;
    --no-fuzz) FUZZ=0 ;;
    *) echo "run-all.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

ok()   { PASS=$((PASS+1)); echo "PASS: $1"; }
bad()  { FAIL=$((FAIL+1)); FAILED+=("$1"); echo "FAIL: $1"; }

# ---- build ----
if [ ! -d "$BUILD" ]; then
  meson setup "$BUILD" -Dwerror=true >/dev/null || { echo "meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$BUILD" >"$BUILD/build.log" 2>&1; then
  tail -50 "$BUILD/build.log"
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
ok "build (-Werror)"

# ---- unit tests (cmocka through meson) ----
meson test -C "$BUILD" --suite unit --print-errorlogs >"$BUILD/unit.log" 2>&1
while read -r line; do
  name=$(echo "$line" | sed -E 's/^ *[0-9]+\/[0-9]+ +//; s/ +(OK|FAIL|EXPECTEDFAIL|UNEXPECTEDPASS|TIMEOUT|ERROR|SKIP).*//')
  case "$line" in
    *" OK "*) ok "unit $name" ;;
    *" SKIP "*) echo "SKIP: unit $name" ;;
    *) bad "unit $name" ;;
  esac
done < <(grep -E '^ *[0-9]+/[0-9]+ ' "$BUILD/unit.log")
grep -qE '^ *[0-9]+/[0-9]+ ' "$BUILD/unit.log" || { cat "$BUILD/unit.log"; bad "unit tests did not run"; }

# ---- the layers: no include goes up or in a circle (docs/architecture.md) ----
if /usr/bin/python3 test/layers/check_layers.py src >"$BUILD/layers.log" 2>&1; then ok "layers (test/layers/check_layers.py)"; else cat "$BUILD/layers.log"; bad "layers (test/layers/check_layers.py)"; fi

# ---- every config sample is valid ----
for f in conf/*.conf conf/*.sample; do
  [ -e "$f" ] || continue
  if "$BUILD/src/dpvs" -t -c "$f" >/dev/null 2>"$BUILD/conf.err"; then ok "config $f"; else cat "$BUILD/conf.err"; bad "config $f"; fi
done

# ---- dpvs -t leak-free under ASan (its own build; SKIP when none) ----
while read -r line; do
  case "$line" in
    "PASS: "*) ok "${line#PASS: }" ;;
    "FAIL: "*) bad "${line#FAIL: }" ;;
    *) echo "$line" ;;
  esac
done < <(bash test/sanitize/dpvs_t_asan.sh 2>&1)

# ---- the real servers' kernel modules (kmod/toa, kmod/uoa) compile
# warning-free against the installed headers (SKIP when none) ----
while read -r line; do
  case "$line" in
    "PASS: "*) ok "${line#PASS: }" ;;
    "FAIL: "*) bad "${line#FAIL: }" ;;
    *) echo "$line" ;;
  esac
done < <(bash kmod/check.sh 2>&1)

if [ $UNIT_ONLY = 0 ]; then
  # ---- lab tests ----
  bash scripts/setup.sh --hugepages-only >/dev/null
  while read -r line; do
    case "$line" in
      "PASS: "*) ok "${line#PASS: }" ;;
      "FAIL: "*) bad "${line#FAIL: }" ;;
      *) echo "$line" ;;
    esac
  done < <(DPVS="$TOP/$BUILD/src/dpvs" DPVS_BUILD="$TOP/$BUILD" /usr/bin/python3 test/lab/run.py 2>&1)

  # ---- bench smoke: traffic both ways through dpvs and testpmd, JSON well
  # formed; a few seconds, never a speed assertion ----
  for link in memif vhost af_packet; do
    bash test/bench/run.sh --smoke --link $link --build "$TOP/$BUILD" \
      --json "$BUILD/bench-smoke-$link.json" --md "$BUILD/bench-smoke-$link.md" \
      >"$BUILD/bench-smoke-$link.log" 2>&1
    case $? in
      0) ok "bench smoke over $link (test/bench/run.sh --smoke --link $link)" ;;
      77) echo "SKIP: bench smoke over $link (neither dpvs nor dpdk-testpmd available)" ;;
      *) tail -30 "$BUILD/bench-smoke-$link.log"; bad "bench smoke over $link" ;;
    esac
  done
  # two workers, two memif queue pairs: frames on their owner's queue are
  # never handed over, frames spread by the 4-tuple are (no speed assertion)
  bash test/bench/run.sh --smoke --workers 2 --build "$TOP/$BUILD" \
    --json "$BUILD/bench-smoke-workers.json" --md "$BUILD/bench-smoke-workers.md" \
    >"$BUILD/bench-smoke-workers.log" 2>&1
  case $? in
    0) ok "bench smoke with 2 workers (test/bench/run.sh --smoke --workers 2)" ;;
    77) echo "SKIP: bench smoke with 2 workers (neither dpvs nor dpdk-testpmd available)" ;;
    *) tail -30 "$BUILD/bench-smoke-workers.log"; bad "bench smoke with 2 workers" ;;
  esac

  # ---- fuzz smoke (bounded) ----
  if [ $FUZZ = 1 ] && command -v clang >/dev/null; then
    FB=build-fuzz
    if [ ! -d $FB ]; then
      CC=clang meson setup $FB -Dfuzz=true -Dtests=false >/dev/null 2>&1
    fi
    if ninja -C $FB >"$BUILD/fuzz-build.log" 2>&1; then
      for t in $FB/test/fuzz/fuzz_*; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        n=$(basename "$t")
        # seeds from test/fuzz/corpus/NAME (read only: new inputs go to
        # a scratch folder first in the list)
        seeds=test/fuzz/corpus/${n#fuzz_} scratch=$(mktemp -d)
        [ -d "$seeds" ] || seeds=
        if "$t" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=1024 -artifact_prefix="$BUILD/$n-" "$scratch" $seeds >"$BUILD/$n.log" 2>&1; then ok "fuzz $n (${FUZZ_SECONDS:-20}s)"; else tail -30 "$BUILD/$n.log"; bad "fuzz $n"; fi
        rm -rf "$scratch"
      done
    else
      tail -30 "$BUILD/fuzz-build.log"; bad "fuzz build"
    fi
  fi
fi

echo
if [ ${#FAILED[@]} -gt 0 ]; then printf 'failed: %s\n' "${FAILED[@]}"; fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
