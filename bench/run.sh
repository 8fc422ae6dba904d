#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/run.sh: start-latency comparison of the built minirun against crun,
# using the shared benchmark tools beside the project (../shared/bench).
#   make bench            (or: bash bench/run.sh, after make)
# Not part of the test suite. Needs root, crun, hyperfine, jq, busybox-static.
#
#   1. compare.sh crun minirun: latency table (run, create lifecycle, seccomp,
#      batches) with ratios against crun, and a footprint table
#   2. lifecycle.sh: 100 `run` and 100 create/start/delete lifecycles
#
# minirun is measured as the real binary (.libs/minirun with LD_LIBRARY_PATH
# on the build tree), not the libtool wrapper script, which would add a shell.
#
# env: SHARED_BENCH (default ../shared/bench), MINIRUN_BUILDDIR (default: the
#      top of this tree), WORK (default /tmp/minirun-bench), N=100, plus the
#      knobs of compare.sh (RUNS, ROUNDS, WARMUP, BATCH).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
shared=${SHARED_BENCH:-$top/../shared/bench}
work=${WORK:-/tmp/minirun-bench}
n=${N:-100}

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
[ -d "$shared" ] || { echo "bench: $shared not found (set SHARED_BENCH)" >&2; exit 1; }
for tool in crun hyperfine jq busybox; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found: apt-get install $tool" >&2; exit 1; }
done

if [ -x "$builddir/.libs/minirun" ]; then
  minirun=$builddir/.libs/minirun
  export LD_LIBRARY_PATH="$builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
elif [ -x "$builddir/minirun" ]; then
  minirun=$builddir/minirun
else
  echo "bench: no minirun in $builddir: run make first" >&2
  exit 1
fi

mkdir -p "$work"
compare=$work/compare.txt lifecycle=$work/lifecycle.txt
echo "bench: runtimes crun and $minirun; results in $work"

if [ -x "$shared/compare.sh" ]; then
  echo "bench: compare.sh (several minutes)"
  WORK=$work/compare "$shared/compare.sh" crun "$minirun" | tee "$compare"
else
  echo "bench: $shared/compare.sh missing, skipped" >&2
fi

: > "$lifecycle"
"$shared/make-bundle.sh" "$work/true" >/dev/null
for rt in crun "$minirun"; do
  for mode in run create; do
    echo "bench: lifecycle.sh ${rt##*/} $n $mode"
    "$shared/lifecycle.sh" "$rt" "$work/true" "$n" "$mode" 2>&1 | tee -a "$lifecycle"
  done
done

echo
echo "bench: results"
[ -f "$compare" ] && echo "  $compare   (latency and footprint tables, ratios vs crun)"
echo "  $lifecycle (time per lifecycle, $n each)"
echo "  $work/compare/samples.tsv (raw samples)"
