#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/cgroup-res.sh: what linux.resources costs per start. `minirun run`
# of a busybox `true` container without linux.resources and with the set
# podman sends for `--memory 256m --cpus 0.5 --cpu-shares 512 --pids-limit
# 2048` plus its device rules (deny-all, then a /dev/net/tun allow): the
# system calls of the whole run (strace -f -c), those naming a cgroup path
# and bpf() calls, and the wall time (hyperfine, mean).
# Not part of the test suite; needs root, strace, hyperfine, jq,
# busybox-static.
#
# env: MINIRUN_BUILDDIR (default: the top of this tree), WORK (default
#      /tmp/minirun-bench-cgroup-res), RUNS=30, WARMUP=3
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
work=${WORK:-/tmp/minirun-bench-cgroup-res}
runs=${RUNS:-30}
warmup=${WARMUP:-3}

# shellcheck source=lib.sh
source "$top/bench/lib.sh"
bench_require strace hyperfine jq busybox
bench_minirun "$builddir"

rm -rf "$work"
mkdir -p "$work/state"
bench_true_bundle "$work/b0" 'del(.linux.resources)'
cp -a "$work/b0" "$work/b1"
jq '.linux.resources = {
      "devices": [{"allow": false, "access": "rwm"},
                  {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rwm"}],
      "memory": {"limit": 268435456, "swap": 536870912},
      "cpu": {"shares": 512, "quota": 50000, "period": 100000},
      "pids": {"limit": 2048}}' "$work/b0/config.json" >"$work/b1/config.json"

n=0
count() { # BUNDLE -> "total cgroup-path bpf"
  n=$((n + 1))
  strace -f -qq -o "$work/trace" "$minirun" --root "$work/state" run --bundle "$1" "c$n" \
    </dev/null >/dev/null
  echo "$(wc -l <"$work/trace") $(grep -c '/sys/fs/cgroup' "$work/trace" || true)" \
    "$(grep -cE '^[0-9]+ +bpf\(' "$work/trace" || true)"
}

printf '%-26s %10s %14s %6s %10s\n' case syscalls "cgroup paths" bpf "wall (ms)"
for b in b0 b1; do
  read -r total cg bpf < <(count "$work/$b")
  hyperfine -N -r "$runs" -w "$warmup" --export-json "$work/h.json" \
    "$minirun --root $work/state run --bundle $work/$b h" >/dev/null 2>&1
  ms=$(jq '.results[0].mean * 1000 | . * 100 | round / 100' "$work/h.json")
  name=$([ $b = b0 ] && echo "no linux.resources" || echo "podman-like resources")
  printf '%-26s %10s %14s %6s %10s\n' "$name" "$total" "$cg" "$bpf" "$ms"
done
rm -rf "$work"
