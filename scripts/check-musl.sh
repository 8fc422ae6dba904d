#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-musl.sh - libminirun and the static musl CLI run real containers.
#
#   scripts/check-musl.sh [OUTDIR]      (default: build-musl in the source tree)
#
# Builds the fully static musl CLI with scripts/musl-build.sh OUTDIR (its
# dependencies are cached there: a rerun only remakes minirun), checks that
# it is a static executable carrying musl (not glibc), then in that musl
# build tree
#   - make check TESTS="the unit tests": every test program built with
#     musl-gcc (libminirun.so and the programs dynamically linked against
#     musl), the unit tests run;
#   - the integration tests of MUSL_TESTS (a run.sh -k pattern; default
#     below) with the musl CLI as MINIRUN and the musl tree as
#     MINIRUN_BUILDDIR: the tests that drive the library from C (api.*,
#     contract.*, examples.*, isolation.*, exec.api, seccomp.api_*) use its programs or
#     compile theirs with its compiler (lib.sh: mr_cc), so they run the
#     musl library.
# Exit status 0 when every test passed (skips allowed), 1 otherwise, 77
# (skip) when not root or musl-tools cannot be installed.
set -euo pipefail
me=check-musl
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$SRCDIR/build-musl}
MUSL_TESTS=${MUSL_TESTS:-'^(run|exec|lifecycle|seccomp|caps|terminal|cgroup|mounts2|masked|devices|api|contract|examples|isolation)\.'}
jobs=${JOBS:-2}

if [ "$(id -u)" != 0 ]; then
  echo "$me: SKIP: the containers of the check need root" >&2
  exit 77
fi
t0=$SECONDS
rc=0
"$SRCDIR/scripts/musl-build.sh" "$OUT" || rc=$?
[ $rc -eq 0 ] || exit $rc
OUT=$(cd "$OUT" && pwd)
B=$OUT/minirun/build
bin=$B/minirun
echo "$me: built in $((SECONDS - t0)) s"

# Static, and musl's: musl's strerror table is in the binary (glibc words
# ELOOP "Too many levels of symbolic links").
file -L "$bin" | grep -q 'statically linked' || {
  echo "$me: FAIL: $bin is not statically linked: $(file -L "$bin")" >&2
  exit 1
}
if ! grep -qa 'Symbolic link loop' "$bin"; then
  echo "$me: FAIL: $bin does not carry musl's strerror table (glibc linked?)" >&2
  exit 1
fi
"$bin" --version | grep -q '^minirun version' || {
  echo "$me: FAIL: $bin --version" >&2
  exit 1
}

# The unit tests, and every test program, built with musl.
t1=$SECONDS
# shellcheck disable=SC2016 # $(UNIT_TESTS) is for make
units=$(printf 'p:\n\t@echo $(UNIT_TESTS)\n' | make -s -C "$B" -f Makefile -f - p)
rm -f "$OUT/logs/unit.log"
rc=0
make -C "$B" -j"$jobs" check TESTS="$units" >"$OUT/logs/unit.log" 2>&1 </dev/null || rc=$?
grep -E '^(FAIL|ERROR|XPASS):' "$OUT/logs/unit.log" || true
npass=$(sed -n 's/^# PASS: *//p' "$OUT/logs/unit.log")
echo "$me: unit tests: ${npass:-0} passed ($((SECONDS - t1)) s; log $OUT/logs/unit.log)"
if [ $rc -ne 0 ] || [ "${npass:-0}" -eq 0 ]; then
  tail -n 30 "$OUT/logs/unit.log" >&2
  echo "$me: FAIL (unit tests)" >&2
  exit 1
fi

t1=$SECONDS
log=$OUT/logs/integration.log
echo "$me: tests/integration/run.sh -k '$MUSL_TESTS' with MINIRUN=$bin"
rc=0
MINIRUN=$bin MINIRUN_BUILDDIR=$B MINIRUN_SRCDIR=$SRCDIR \
  "$SRCDIR/tests/integration/run.sh" -k "$MUSL_TESTS" >"$log" 2>&1 </dev/null || rc=$?
grep -E '^(FAIL|SKIP) ' "$log" || true
summary=$(tail -n 1 "$log")
echo "$me: $summary ($((SECONDS - t1)) s; log $log)"
case $summary in
  *" passed, 0 failed, "*) [ $rc -eq 0 ] && [ "${summary%% *}" -gt 0 ] && exit 0 ;;
esac
echo "$me: FAIL" >&2
exit 1
