#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-musl.sh - the static musl CLI runs real containers.
#
#   scripts/check-musl.sh [OUTDIR]      (default: build-musl in the source tree)
#
# Builds the fully static musl CLI with scripts/musl-build.sh OUTDIR (its
# dependencies are cached there: a rerun only remakes minirun), checks that
# it is a static executable carrying musl (not glibc), then runs the
# integration tests of MUSL_TESTS (a run.sh -k pattern; default below: run,
# exec, lifecycle, seccomp, caps, terminal, cgroup, mounts2, masked and
# devices) with it as MINIRUN. MINIRUN_BUILDDIR is the musl build tree, which
# has no test programs: tests that drive the library through a C program
# of the native build (exec.api, seccomp.api_*, ...) skip, and no test
# runs glibc code as if it were the musl build.
# Exit status 0 when every test passed (skips allowed), 1 otherwise, 77
# (skip) when not root or musl-tools cannot be installed.
set -euo pipefail
me=check-musl
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$SRCDIR/build-musl}
MUSL_TESTS=${MUSL_TESTS:-'^(run|exec|lifecycle|seccomp|caps|terminal|cgroup|mounts2|masked|devices)\.'}

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
