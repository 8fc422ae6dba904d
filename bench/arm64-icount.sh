#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/arm64-icount.sh - instructions per container start on arm64, minirun
# against crun, counted exactly in one emulated arm64 VM.
#
#   bash bench/arm64-icount.sh          (as root, from a build tree; N=20 starts each)
#
# The VM runs with QEMU's -icount shift=0 (tests/vm/vm-run.sh --arch arm64
# --icount, one vCPU): the emulated PMU then counts retired instructions
# exactly, so the figures are reproducible to a few hundred instructions;
# emulated milliseconds are not a board's. Each figure is
# tests/vm/count-insns over N `RUNTIME run` of the same bundle (busybox
# `true` as the process, arm64 busybox-static rootfs, the config of
# `minirun spec` with terminal off), user + kernel instructions of the
# runtime and everything it starts, averaged; one warm-up run first. The
# baseline row is fork + exec + wait of the static busybox `true` alone.
#
# minirun: the aarch64 cross build (scripts/cross-build.sh aarch64, in
# BUILDDIR/build-aarch64). crun: Debian's crun:arm64 with libsystemd0:arm64
# and its libraries (apt-get download, unpacked into
# /var/cache/minirun-cross/arm64/crun, run with LD_LIBRARY_PATH; the host's
# dpkg database is not touched). Not part of the test suite.
# Env: N (starts per runtime), MINIRUN_BUILDDIR, MINIRUN_CROSS_BUILDDIR.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
BUILD=${MINIRUN_CROSS_BUILDDIR:-$builddir/build-aarch64}
N=${N:-20}
CACHE=${MINIRUN_CROSS_CACHE:-/var/cache/minirun-cross}
CRUN=$CACHE/arm64/crun

[ "$(id -u)" = 0 ] || {
  echo "arm64-icount: needs root" >&2
  exit 1
}
"$top/tests/vm/vm-run.sh" --arch arm64 --setup >/dev/null
MINIRUN_CROSS_BUILDDIR=$BUILD "$top/scripts/cross-build.sh" aarch64 >/dev/null

if [ ! -x "$CRUN/usr/bin/crun" ]; then
  echo "arm64-icount: fetching crun:arm64 into $CRUN" >&2
  rm -rf "$CRUN" "$CRUN.debs"
  mkdir -p "$CRUN.debs"
  (cd "$CRUN.debs" && apt-get download crun:arm64 libsystemd0:arm64 libgcrypt20:arm64 \
    libgpg-error0:arm64 liblz4-1:arm64 liblzma5:arm64 libzstd1:arm64 libcap2:arm64 \
    libseccomp2:arm64 libyajl2:arm64 >/dev/null 2>&1)
  for d in "$CRUN.debs"/*.deb; do dpkg-deb -x "$d" "$CRUN"; done
  rm -rf "$CRUN.debs"
fi
[ -x "$CRUN/usr/bin/crun" ] || {
  echo "arm64-icount: could not fetch crun:arm64" >&2
  exit 1
}

W=$(mktemp -d "$BUILD/icount.XXXXXX")
trap 'rm -rf --one-file-system "$W"' EXIT
mkdir -p "$W/b/rootfs/bin" "$W/b/rootfs/proc" "$W/b/rootfs/dev" "$W/b/rootfs/sys" "$W/b/rootfs/tmp"
cp "${VMRUN_CACHE:-/var/cache/minirun-vm}/busybox-arm64/bin/busybox" "$W/b/rootfs/bin/busybox"
for a in sh true; do ln -s busybox "$W/b/rootfs/bin/$a"; done
"${MINIRUN:-$builddir/minirun}" spec -b "$W/b"
jq '.process.terminal = false | .process.args = ["true"]' "$W/b/config.json" >"$W/b/c.json"
mv "$W/b/c.json" "$W/b/config.json"

C=$BUILD/obj/tests/vm/count-insns
M=$BUILD/stage/usr/bin/minirun
L=$CRUN/usr/lib/aarch64-linux-gnu:$CRUN/lib/aarch64-linux-gnu
guest="
cd $W/b
export LD_LIBRARY_PATH=$BUILD/stage/usr/lib/aarch64-linux-gnu
echo \"baseline   \$($C $N $W/b/rootfs/bin/true)\"
$C 1 $M --root /run/m run w >/dev/null
echo \"minirun    \$($C $N $M --root /run/m run ctr)\"
export LD_LIBRARY_PATH=$L
$C 1 $CRUN/usr/bin/crun --root /run/c run w >/dev/null
echo \"crun       \$($C $N $CRUN/usr/bin/crun --root /run/c run ctr)\"
echo \"crun version: \$($CRUN/usr/bin/crun --version | head -n1)\"
"
echo "arm64-icount: $N starts each, emulated cortex-a72, -icount shift=0, $(date -u +%F)"
out=$("$top/tests/vm/vm-run.sh" --arch arm64 --icount --timeout 900 --workdir "$BUILD" -- "$guest")
printf '%s\n' "$out"
m=$(printf '%s\n' "$out" | awk '/^minirun/{print $3}')
c=$(printf '%s\n' "$out" | awk '/^crun /{print $3}')
b=$(printf '%s\n' "$out" | awk '/^baseline/{print $3}')
if [ -n "$m" ] && [ -n "$c" ] && [ -n "$b" ]; then
  awk -v m="$m" -v c="$c" -v b="$b" 'BEGIN {
    printf "instructions per start: minirun %.2f M, crun %.2f M (crun/minirun %.2fx); without the fork+exec baseline: minirun %.2f M, crun %.2f M (%.2fx)\n",
      m / 1e6, c / 1e6, c / m, (m - b) / 1e6, (c - b) / 1e6, (c - b) / (m - b) }'
fi
