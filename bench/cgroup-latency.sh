#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/cgroup-latency.sh: what cgroup placement costs per `minirun run` of a
# busybox `true` container, on the host's layout: with cgroups against
# `--cgroup-manager disabled`, runs interleaved (A B A B ...) so that load
# bursts hit both alike, medians of the wall time. Then, from one strace of
# each, the system calls that add up: cgroupfs paths touched, pids written
# to a cgroup.procs (each move by pid makes the kernel wait for an RCU grace
# period: should be 0 on v1 hierarchies, where the init moves itself by
# writing 0 to `tasks`), fsync (0: state files are not synced).
# Like ../shared/bench/compare.sh, it hides a hybrid host's
# /sys/fs/cgroup/unified in a private mount namespace (crun refuses hybrid
# hosts, and compare.sh measures all runtimes that way); HYBRID=1 keeps it.
# Not part of the test suite; needs root, strace, busybox-static, jq.
#
# env: MINIRUN_BUILDDIR (default: the top of this tree), WORK (default
#      /tmp/minirun-bench-cglat), N=40 (runs of each), HYBRID=0
set -euo pipefail
if [ "${HYBRID:-0}" != 1 ]; then
  while read -r _ _ _ _ mp _; do
    # shellcheck disable=SC2016 # the inner sh's own "$0" "$@"
    [ "$mp" = /sys/fs/cgroup/unified ] &&
      exec unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$0" "$@"' "$0" "$@"
  done </proc/self/mountinfo
fi
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
work=${WORK:-/tmp/minirun-bench-cglat}
n=${N:-40}

# shellcheck source=lib.sh
source "$top/bench/lib.sh"
bench_require strace jq busybox
bench_minirun "$builddir"

rm -rf "$work"
bench_true_bundle "$work"

variants=("cgroups" "disabled")
opts=("" "--cgroup-manager disabled")
: >"$work/samples"
for ((i = 0; i < n; i++)); do
  for ((j = 0; j < 2; j++)); do
    v=$(((i + j) % 2))
    t0=$EPOCHREALTIME
    # shellcheck disable=SC2086
    "$minirun" ${opts[v]} run --bundle "$work" "cglat-$$" >/dev/null 2>&1 </dev/null
    t1=$EPOCHREALTIME
    echo "${variants[v]} $(awk "BEGIN{print ($t1 - $t0) * 1000}")" >>"$work/samples"
  done
done

median() {
  awk -v k="$1" '$1 == k {print $2}' "$work/samples" | sort -g |
    awk '{v[NR] = $1} END {printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
echo "minirun run (true), wall ms, median of $n interleaved runs each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for v in "${variants[@]}"; do printf '  %-9s %8s\n' "$v" "$(median "$v")"; done

for ((v = 0; v < 2; v++)); do
  # shellcheck disable=SC2086
  strace -f -qq -o "$work/strace.$v" "$minirun" ${opts[v]} run --bundle "$work" "cglat-$$" \
    >/dev/null 2>&1 </dev/null || true
  printf '  %-9s syscalls %4s  on cgroupfs %3s  pid to cgroup.procs %2s  fsync %2s\n' \
    "${variants[v]}" "$(grep -vcE '^[0-9]+ +(\+\+\+|---)' "$work/strace.$v")" \
    "$(grep -c '/sys/fs/cgroup/' "$work/strace.$v" || true)" \
    "$(grep -A1 'cgroup.procs", O_WRONLY' "$work/strace.$v" | grep -c 'write(' || true)" \
    "$(grep -c 'fsync(' "$work/strace.$v" || true)"
done
