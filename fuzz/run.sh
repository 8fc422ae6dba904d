#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fuzz/run.sh: runs libFuzzer targets for a bounded time (`make fuzz`, CI).
#   fuzz/run.sh [TARGET...]          (default: every target; after
#                                     ./configure CC=clang --enable-fuzzing && make)
# Each target starts from its seed corpus fuzz/corpus/TARGET (read only: new
# inputs go to BUILDDIR/fuzz/work/TARGET) and runs FUZZ_SECONDS. A crash,
# leak, timeout or out-of-memory fails the run and leaves the input in
# BUILDDIR/fuzz/artifacts/: fix the bug, then add the input to the corpus as
# a regression input (make check replays the corpora, see fuzz/replay.sh).
# Prints per target: executions, executions per second, corpus size.
#
# env: FUZZ_SECONDS=60, FUZZ_JOBS=1 (targets run in parallel, one core
#      each), MINIRUN_BUILDDIR, MINIRUN_SRCDIR (default: this tree)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
srcdir=$(cd "${MINIRUN_SRCDIR:-$top}" && pwd)
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(spec state mount-options id signal seccomp)

for t in "${targets[@]}"; do
  [ -x "$builddir/fuzz/fuzz-$t" ] || {
    echo "fuzz: $builddir/fuzz/fuzz-$t not built: ./configure CC=clang --enable-fuzzing && make" >&2
    exit 1
  }
done
mkdir -p "$builddir/fuzz/artifacts" "$builddir/fuzz/logs"

run_one() {
  local t=$1 work=$builddir/fuzz/work/$1
  mkdir -p "$work"
  # -timeout: one input taking 25 s is a finding (a hang; 10 s gave false
  # alarms on a loaded machine, in ASan's free quarantine); -rss_limit_mb:
  # so is 2 GiB of memory; the outer timeout only guards libFuzzer itself.
  LSAN_OPTIONS="suppressions=$srcdir/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    timeout -k 10 $((seconds + 120)) "$builddir/fuzz/fuzz-$t" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$builddir/fuzz/artifacts/$t-" "$work" "$srcdir/fuzz/corpus/$t" \
    >"$builddir/fuzz/logs/$t.log" 2>&1
}

# Start up to $jobs targets at a time; wait for each, in order.
pids=() failed=0
report() {
  local t=$1 rc=$2 log=$builddir/fuzz/logs/$1.log
  local execs rate
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz: %-14s ok     %12s execs %8s/s (%s s)\n' "$t" "${execs:-?}" "${rate:-?}" "$seconds"
  else
    printf 'fuzz: %-14s FAILED (exit %d) after %s execs; log %s\n' "$t" "$rc" "${execs:-?}" "$log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -n 10 | sed 's/^/    | /'
    failed=$((failed + 1))
  fi
}
i=0
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  i=$((i + 1))
  if [ ${#pids[@]} -ge "$jobs" ] || [ $i -eq ${#targets[@]} ]; then
    k=$((i - ${#pids[@]}))
    for pid in "${pids[@]}"; do
      wait "$pid"
      report "${targets[$k]}" $?
      k=$((k + 1))
    done
    pids=()
  fi
done
echo "fuzz: ${#targets[@]} targets, $failed failed"
[ $failed -eq 0 ]
