#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh - runs the minirun integration tests.
#
#   tests/integration/run.sh [-k PATTERN] [-v] [-t SECONDS]
#
#   -k PATTERN  only tests whose name (e.g. "run.exit_code", from
#               test-run.sh:test_exit_code) matches the extended regex PATTERN
#   -v          print the output of every test, not only of failed ones
#   -t SECONDS  per-test timeout (default 60, or $MR_TEST_TIMEOUT)
#               (-k defaults to $MR_TEST_PATTERN: how `make check` selects)
#
# Environment: MINIRUN (the binary; default: the build tree's ./minirun),
# MINIRUN_BUILDDIR / MINIRUN_SRCDIR (set by `make check`), TMPDIR,
# MR_TEST_KEEP=1 keeps the temp dirs of failed tests,
# MR_OLD_KERNEL=1 the old-kernel mode: the runner re-runs itself under
# tests/enosys-launcher (the system calls newer than Linux 4.14 fail with
# ENOSYS for everything it starts); test names get the prefix "oldkernel:"
# and tests of newer features skip (lib.sh: need_new_kernel).
#
# Every function named test_* in tests/integration/test-*.sh is one test. It
# runs in its own bash process with `set -eEuo pipefail` under `timeout`, in a
# fresh temp dir $T with a fresh state root. Afterwards the runner checks that
# nothing was left behind (state dirs, processes, mounts) and fails the test
# otherwise. Output: one `PASS name` / `FAIL name (reason)` / `SKIP name
# (reason)` line per test and, last, `N passed, N failed, N skipped`.
# Exit status: 1 when a test failed, else 0.

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
unset MR_TEST_TAG T MR

pattern=${MR_TEST_PATTERN:-}
verbose=0
timeout_s=${MR_TEST_TIMEOUT:-60}
while getopts k:vt:h opt; do
  case $opt in
  k) pattern=$OPTARG ;;
  v) verbose=1 ;;
  t) timeout_s=$OPTARG ;;
  *)
    sed -n '4,12s/^# \{0,1\}//p' "$0"
    exit 2
    ;;
  esac
done

SRCDIR=${MINIRUN_SRCDIR:-$(cd "$HERE/../.." && pwd)}
BUILDDIR=${MINIRUN_BUILDDIR:-$SRCDIR}
MINIRUN=${MINIRUN:-$BUILDDIR/minirun}
case $MINIRUN in
/*) ;;
*/*) MINIRUN=$PWD/$MINIRUN ;;
*) MINIRUN=$(command -v "$MINIRUN" || echo "$MINIRUN") ;;
esac
export MINIRUN MINIRUN_SRCDIR=$SRCDIR MINIRUN_BUILDDIR=$BUILDDIR

name_prefix=
if [ "${MR_OLD_KERNEL:-0}" = 1 ]; then
  if [ -z "${MR_ENOSYS_SYSCALLS:-}" ]; then
    launcher=$BUILDDIR/tests/enosys-launcher
    if [ ! -x "$launcher" ]; then
      echo "FAIL setup ($launcher is missing: make check-programs)"
      echo "0 passed, 1 failed, 0 skipped"
      exit 1
    fi
    exec "$launcher" -- bash "$0" "$@"
  fi
  name_prefix=oldkernel:
  echo "old-kernel mode: ENOSYS for $MR_ENOSYS_SYSCALLS"
fi

npass=0
nfail=0
nskip=0
summary() { echo "$npass passed, $nfail failed, $nskip skipped"; }

setup_fail() {
  echo "FAIL setup ($*)"
  nfail=1
  summary
  exit 1
}

[ -x "$MINIRUN" ] || setup_fail "MINIRUN=$MINIRUN is not an executable; build it or set MINIRUN"
command -v jq >/dev/null || setup_fail "jq is required"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP all (the integration tests need root)"
  nskip=1
  summary
  exit 0
fi
# Locked: `make check` runs this and run-oldkernel.sh in parallel.
MR_ROOTFS_CACHE=$({ flock 9 && mr_rootfs_cache; } 9>"${TMPDIR:-/tmp}/minirun-test-rootfs-$(id -u).lock") ||
  setup_fail "cannot build the busybox rootfs"
export MR_ROOTFS_CACHE

CUR_T=
on_interrupt() {
  if [ -n "$CUR_T" ]; then
    mr_cleanup "$CUR_T" && rm -rf --one-file-system "$CUR_T"
  fi
  echo "interrupted"
  summary
  exit 130
}
trap on_interrupt INT TERM

# run_one FILE FUNC NAME
run_one() {
  local file=$1 func=$2 name=$3 T rc result reason left
  T=$(mktemp -d "${TMPDIR:-/tmp}/minirun-test.XXXXXX") || setup_fail "mktemp failed"
  chmod 755 "$T" # user-namespace containers must reach their rootfs
  CUR_T=$T
  mr_snapshot "$T"
  # shellcheck disable=SC2097,SC2098
  MR_TEST_TAG=$T T=$T timeout -k 5 "$timeout_s" \
    bash "$HERE/lib.sh" __run "$file" "$func" </dev/null >"$T/.log" 2>&1
  rc=$?
  reason=
  case $rc in
  0) result=PASS ;;
  77)
    result=SKIP
    reason=$(head -n1 "$T/.skip" 2>/dev/null)
    ;;
  124 | 137)
    result=FAIL
    reason="timed out after ${timeout_s}s"
    [ -s "$T/.reason" ] && reason+="; $(head -n1 "$T/.reason")"
    ;;
  *)
    result=FAIL
    reason=$(head -n1 "$T/.reason" 2>/dev/null)
    [ -n "$reason" ] || reason="exit status $rc"
    ;;
  esac

  left=$(mr_leftovers "$T")
  if [ -n "$left" ]; then
    left=$(echo "$left" | head -n5 | paste -sd';' -)
    if [ "$result" = FAIL ]; then
      reason+="; left behind: $left"
    else
      result=FAIL
      reason="left behind: $left"
    fi
  fi

  case $result in
  PASS)
    echo "PASS $name"
    npass=$((npass + 1))
    ;;
  SKIP)
    echo "SKIP $name (${reason:-no reason given})"
    nskip=$((nskip + 1))
    ;;
  FAIL)
    echo "FAIL $name ($reason)"
    nfail=$((nfail + 1))
    ;;
  esac
  if [ "$result" = FAIL ] || [ "$verbose" = 1 ]; then
    tail -n 25 "$T/.log" | sed 's/^/    | /'
  fi

  if ! mr_cleanup "$T"; then
    echo "    | mounts remain under $T: not removing it"
  elif [ "$result" = FAIL ] && [ "${MR_TEST_KEEP:-0}" = 1 ]; then
    echo "    | kept $T"
  else
    rm -rf --one-file-system "$T"
  fi
  CUR_T=
}

# MR_TEST_FILES: other test files (e.g. configs/test-footprint.sh, which
# only means something against a build with features configured out).
for file in ${MR_TEST_FILES:-"$HERE"/test-*.sh}; do
  [ -f "$file" ] || continue
  base=$(basename "$file" .sh)
  base=${base#test-}
  # shellcheck disable=SC2013
  for func in $(grep -oE '^test_[A-Za-z0-9_]+[[:space:]]*\(\)' "$file" | sed 's/[[:space:]]*()$//'); do
    name="$base.${func#test_}"
    if [ -n "$pattern" ] && ! [[ $name =~ $pattern ]]; then
      continue
    fi
    run_one "$file" "$func" "$name_prefix$name"
  done
done

summary
[ "$nfail" -eq 0 ]
