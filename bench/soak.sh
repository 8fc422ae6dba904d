#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/soak.sh: the in-process soak of issue 8. One process runs N (default
# 10000) create/start/wait/delete cycles of a `true` busybox container
# through the library (tests/api/test-contract.c, case soak) and reports the
# open fds and the RSS after a 50-cycle warm-up and at the end; it fails when
# the fds changed or the RSS grew by 64 KiB or more. Then, with valgrind
# installed, VALGRIND_N (default 100) cycles and the error paths of the
# `sideeffects` case run under memcheck (no leak, no error allowed).
#
#   bash bench/soak.sh            (after make; needs root)
#
# env: MINIRUN_BUILDDIR (default: the top of this tree), WORK (default
#      /tmp/minirun-soak), N=10000, THREADS_N=100 (lifecycles per thread of
#      the 4-thread case), VALGRIND_N=100, VALGRIND=0 to skip valgrind.
# Not part of the test suite (the test suite runs 300 cycles:
# tests/integration/test-contract.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
work=${WORK:-/tmp/minirun-soak}
n=${N:-10000}
vn=${VALGRIND_N:-100}

[ "$(id -u)" -eq 0 ] || { echo "soak: needs root" >&2; exit 1; }
lib=$builddir/.libs
[ -e "$lib/libminirun.so.0" ] || { echo "soak: $lib/libminirun.so.0 missing: run make" >&2; exit 1; }

rm -rf --one-file-system "$work"
mkdir -p "$work"
# The program is compiled against the build tree's library, as an embedder would.
gcc -std=gnu11 -O2 -g -pthread -I"$top/include" "$top/tests/api/test-contract.c" \
  -L"$lib" -lminirun -Wl,-rpath,"$lib" -o "$work/test-contract"

make_bundle() { # DIR ARGS...
  local dir=$1
  shift
  bash "$top/scripts/make-rootfs.sh" "$dir/rootfs" >/dev/null
  (cd "$dir" && LD_LIBRARY_PATH=$lib "$builddir/minirun" spec)
  # No rlimits: valgrind lowers the hard RLIMIT_NOFILE below the spec's 1024.
  jq '.process.terminal = false | .process.args = $ARGS.positional | del(.process.rlimits)' \
    --args -- "$@" \
    <"$dir/config.json" >"$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}
make_bundle "$work/true" true
make_bundle "$work/bad" /no/such/program

echo "soak: $n cycles (results in $work/soak.tap)"
rc=0
"$work/test-contract" soak "$work/true" "$work/state" "$n" | tee "$work/soak.tap" || rc=1

# The issue's full thread case: 4 threads x 100 lifecycles (the suite runs 25).
echo "soak: 4 threads x ${THREADS_N:-100} lifecycles (results in $work/threads.tap)"
"$work/test-contract" threads "$work/true" "$work/state" "${THREADS_N:-100}" >"$work/threads.tap" ||
  { rc=1; grep '^not ok' "$work/threads.tap" >&2; }
grep -c '^ok' "$work/threads.tap" | sed 's/^/soak: threads: /; s/$/ checks passed/'

if [ "${VALGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
  vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --child-silent-after-fork=yes --trace-children=no)
  echo "soak: $vn cycles under valgrind memcheck"
  MR_CONTRACT_NO_RSS=1 "${vg[@]}" "$work/test-contract" soak "$work/true" "$work/state" "$vn" >"$work/vg-soak.tap" \
    2>"$work/vg-soak.log" || { rc=1; echo "soak: valgrind soak failed: $work/vg-soak.log" >&2; }
  echo "soak: the error paths (case sideeffects) under valgrind memcheck"
  MR_TEST_BAD_BUNDLE=$work/bad "${vg[@]}" "$work/test-contract" sideeffects "$work/true" \
    "$work/state" >"$work/vg-side.tap" 2>"$work/vg-side.log" ||
    { rc=1; echo "soak: valgrind sideeffects failed: $work/vg-side.log" >&2; }
  grep -h '^not ok' "$work/vg-soak.tap" "$work/vg-side.tap" >&2 || true
  [ "$rc" -ne 0 ] || echo "soak: valgrind clean"
fi
exit "$rc"
