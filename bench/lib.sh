# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# lib.sh - what the benchmark scripts share (cgroup-latency.sh,
# cgroup-res.sh, oldkernel.sh, image.sh); sourced.

# bench_require TOOL...: we are root and every TOOL is installed, or the
# script exits 1 saying what is missing.
bench_require() {
  local tool
  [ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
  done
}

# bench_minirun BUILDDIR: sets $minirun to the build tree's CLI, the real binary
# under .libs when libtool made a wrapper script (the wrapper would add its
# own start-up to every figure), with LD_LIBRARY_PATH finding the build's
# libminirun.so.0.
bench_minirun() {
  minirun=$1/.libs/minirun
  [ -x "$minirun" ] || minirun=$1/minirun
  export LD_LIBRARY_PATH="$1/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# bench_true_bundle DIR [JQ-FILTER]: a bundle in DIR whose container runs
# busybox `true` without a terminal: `minirun spec` (so bench_minirun
# first), then JQ-FILTER applied to its config.json.
bench_true_bundle() {
  local b=$1 filter=${2:-.}
  mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp" \
    "$b/rootfs/etc"
  cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
  ln -s busybox "$b/rootfs/bin/true"
  (cd "$b" && "$minirun" spec >/dev/null)
  jq ".process.terminal = false | .process.args = [\"/bin/true\"] | $filter" "$b/config.json" \
    >"$b/config.json.new"
  mv "$b/config.json.new" "$b/config.json"
}
