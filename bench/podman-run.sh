#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/podman-run.sh: median wall time of `podman run --rm IMAGE true` with
# minirun, crun and runc as the runtime (hyperfine, one run of this script,
# the runtimes interleaved by hyperfine's order). Not part of the test suite.
#
# Everything runs in a private mount namespace with the host's
# /sys/fs/cgroup/unified unmounted (crun refuses this host's hybrid layout),
# so the three are measured alike; podman's storage is private to WORK.
# minirun is the build tree's ./minirun (the libtool wrapper: one extra
# shell exec, ~1 ms of a ~100+ ms podman run).
#
# env: WORK (default /tmp/minirun-bench-podman), RUNS (default 20),
#      MINIRUN (default the build tree's ./minirun)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp/minirun-bench-podman}
runs=${RUNS:-20}
minirun=${MINIRUN:-$top/minirun}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
for tool in podman conmon hyperfine crun runc busybox; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install $tool)" >&2; exit 1; }
done

if [ -z "${MR_BENCH_IN_NS:-}" ]; then
  exec unshare -m --propagation private -- env MR_BENCH_IN_NS=1 bash "$0" "$@"
fi
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi

mkdir -p "$work"/{root,runroot,tmp}
nofile=$(ulimit -Hn) nproc=$(cat /proc/sys/kernel/pid_max) hu=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
[ "$hu" != unlimited ] && [ "$hu" -lt "$nproc" ] && nproc=$hu
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/root"\nrunroot = "%s/runroot"\n' \
  "$work" "$work" >"$work/storage.conf"
cat >"$work/containers.conf" <<EOC
[containers]
netns = "none"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "$work/tmp"
runtime_supports_json = ["crun", "runc", "minirun"]
EOC
export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf TMPDIR=$work/tmp
img=localhost/minirun-bench-busybox:1
if ! podman image exists $img; then
  r=$work/tmp/rootfs
  rm -rf "$r" && mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp}
  cp "$(command -v busybox)" "$r/bin/busybox"
  ln -s busybox "$r/bin/true"
  tar -C "$r" -cf "$work/tmp/rootfs.tar" . && rm -rf "$r"
  podman import --change 'ENV PATH=/bin' "$work/tmp/rootfs.tar" $img >/dev/null
fi
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/podman-run.json" \
  -n minirun "podman --runtime $minirun run --rm $img true" \
  -n crun "podman --runtime $(command -v crun) run --rm $img true" \
  -n runc "podman --runtime $(command -v runc) run --rm $img true"
jq -r '.results[] | "\(.command): median \(.median * 1000 | floor) ms (mean \(.mean * 1000 | floor) ms, n=\(.times | length))"' \
  "$work/podman-run.json"
podman rm -a -f >/dev/null 2>&1 || true
