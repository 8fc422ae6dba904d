#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/cli-icount.sh - instructions the minirun CLI executes, counted with
# `valgrind --tool=callgrind` (repeatable, unlike wall time): `--version`
# (almost all of it the dynamic loader and the libraries' constructors) and
# `run` of a busybox `true` bundle (`minirun spec`'s config). Counted: the
# runtime process only (valgrind does not follow the container's exec).
# Not with seccomp: under valgrind the child cannot load a filter (ENOSYS).
#
#   bench/cli-icount.sh [BUILDDIR...]     (default: this tree; one row each)
#
# A BUILDDIR is a build tree (its .libs/minirun and libminirun.so.0) or an
# install prefix (bin/minirun, lib/ put in LD_LIBRARY_PATH). Not part of the test suite. Needs root.
# env: WORK (default /tmp/minirun-cli-icount)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
work=${WORK:-/tmp/minirun-cli-icount}
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$top")
bench_require valgrind jq busybox

# icount NAME CMD...: the instructions of CMD's first process.
icount() {
  local name=$1 out=$work/callgrind.$1
  shift
  rm -f "$out".*
  valgrind --tool=callgrind --callgrind-out-file="$out.%p" "$@" >"$work/$name.log" 2>&1 ||
    { cat "$work/$name.log" >&2; exit 1; }
  # The runtime's own file (its children write theirs too, pid 1 among them).
  local pid
  pid=$(sed -n '1s/^==\([0-9]*\)==.*/\1/p' "$work/$name.log")
  sed -n 's/^summary: //p' "$out.$pid"
}

mkdir -p "$work"
printf '%-40s %12s %12s\n' build --version run
for d in "${dirs[@]}"; do
  d=$(cd "$d" && pwd)
  if [ -x "$d/bin/minirun" ]; then
    minirun=$d/bin/minirun
    export LD_LIBRARY_PATH=$d/lib
  else
    bench_minirun "$d"
  fi
  rm -rf "$work/true"
  # valgrind lowers the fd limit: a hard RLIMIT_NOFILE of 1024 could not be set.
  bench_true_bundle "$work/true" 'del(.process.rlimits)'
  v=$(icount version "$minirun" --version)
  r=$(icount run "$minirun" --root "$work/state" run --bundle "$work/true" icount-$$)
  printf '%-40s %12s %12s\n' "$d" "$v" "$r"
done
