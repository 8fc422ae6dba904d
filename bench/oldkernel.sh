#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/oldkernel.sh: what each old-kernel fallback costs in start latency.
# `minirun run` of a busybox `true` container (the `minirun spec` default:
# masked and read-only paths, /proc, /dev, /sys ...) with hyperfine, as is
# and under tests/enosys-launcher with one group of system calls failing
# with ENOSYS, as on a kernel without them. The baseline runs under the
# launcher too (with an unused system call number), so only the fallback's
# cost differs. Prints wall and CPU time (user+system, mean) per case.
# Not part of the test suite; needs root, hyperfine, jq,
# busybox-static, and `make check TESTS=` (builds the launcher).
#
# env: MINIRUN_BUILDDIR (default: the top of this tree), WORK (default
#      /tmp/minirun-bench-oldkernel), RUNS=50, WARMUP=5
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
work=${WORK:-/tmp/minirun-bench-oldkernel}
runs=${RUNS:-50}
warmup=${WARMUP:-5}
launcher=$builddir/tests/enosys-launcher

# shellcheck source=lib.sh
source "$top/bench/lib.sh"
bench_require hyperfine jq busybox
[ -x "$launcher" ] || { echo "bench: $launcher missing: make check TESTS=" >&2; exit 1; }
bench_minirun "$builddir"

rm -rf "$work"
mkdir -p "$work/state"
bench_true_bundle "$work/b"

run="$minirun --root $work/state run --bundle $work/b bench"
cmds=(-n baseline "$launcher -s 4000 -- $run")
for group in openat2 mount_setattr close_range clone3,pidfd_open,pidfd_send_signal \
  fsopen,fsconfig,fsmount,open_tree,move_mount all; do
  if [ "$group" = all ]; then
    cmds+=(-n "all (4.14)" "$launcher -- $run")
  else
    cmds+=(-n "$group" "$launcher -s $group -- $run")
  fi
done
hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$work/results.json" \
  "${cmds[@]}" >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log"; exit 1; }
# Wall time drifts with the machine's load; CPU time (user + system of
# minirun and the container, which it reaps) much less: wall median, CPU mean.
echo "| fallback (ENOSYS for) | wall median ms | CPU (user+sys) mean ms | CPU vs baseline |"
echo "|---|---:|---:|---:|"
jq -r '(.results[0] | [.user, .system] | add) as $b
  | .results[] | [.command, (.median * 1000),
      ((.user + .system) * 1000), (((.user + .system) / $b - 1) * 100)]
  | "| \(.[0]) | \(.[1] | floor) | \(.[2] * 10 | floor / 10) | \(if .[3] >= 0 then "+" else "" end)\(.[3] | floor)% |"' \
  "$work/results.json"
