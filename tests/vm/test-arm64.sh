#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-arm64.sh - libminirun on arm64 for real: the aarch64 cross build's unit
# tests and containers (run, create/start/kill/delete) inside one emulated
# arm64 VM (tests/vm/vm-run.sh --arch arm64). A `make check` test.
#
#   tests/vm/test-arm64.sh            (as root, from the build tree)
#
# Uses the cross build in $MINIRUN_CROSS_BUILDDIR (default BUILDDIR/build-aarch64,
# where run-tests.sh's cross-build step puts it) and brings it up to date with
# scripts/cross-build.sh aarch64 (incremental), so it needs the toolchain of
# scripts/install-cross.sh. The rootfs is Debian's arm64 busybox-static
# (apt-get download, cached by vm-run.sh). Skips (77) with the reason when no
# arm64 VM can be run here (not root, QEMU or the toolchain not installable).
# Output: the guest's TAP lines and `N passed, N failed`.
#
# Env: ARM64_ICOUNT_RUNS=N also prints the instructions per container start
# (the VM then runs with --icount; see bench/arm64-icount.sh).
# MINIRUN_ARM64_CLI=FILE tests that static arm64 CLI instead of the cross
# build (MUSL_ARCH=aarch64 scripts/musl-build.sh makes a musl one): the
# containers only, no unit tests, no cross build.
set -euo pipefail
SRCDIR=${MINIRUN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILDDIR=${MINIRUN_BUILDDIR:-$SRCDIR}
BUILD=${MINIRUN_CROSS_BUILDDIR:-$BUILDDIR/build-aarch64}
CLI=${MINIRUN_ARM64_CLI:-}
if [ -n "$CLI" ]; then
  CLI=$(cd "$(dirname "$CLI")" && pwd)/$(basename "$CLI")
  BUILD=$(dirname "$CLI")
fi
RUNS=${ARM64_ICOUNT_RUNS:-0}
VMRUN=$SRCDIR/tests/vm/vm-run.sh
skip() {
  echo "SKIP: $*"
  exit 77
}

[ "$(id -u)" = 0 ] || skip "the arm64 VM test needs root (containers, apt-get)"
command -v jq >/dev/null || skip "jq is required"

# The VM (qemu-system-arm, kernel, arm64 busybox) first: it says whether we can run at all.
rc=0
setup=$("$VMRUN" --arch arm64 --setup 2>&1) || rc=$?
[ $rc = 0 ] || skip "$(printf '%s\n' "$setup" | grep -m1 SKIP || printf '%s\n' "$setup" | tail -n1)"
BUSYBOX=${VMRUN_CACHE:-/var/cache/minirun-vm}/busybox-arm64/bin/busybox
[ -x "$BUSYBOX" ] || skip "no arm64 busybox at $BUSYBOX"

# The cross build, incremental when it exists.
mkdir -p "$BUILDDIR/tests/vm"
rc=0
[ -n "$CLI" ] ||
  MINIRUN_CROSS_BUILDDIR=$BUILD "$SRCDIR/scripts/cross-build.sh" aarch64 >"$BUILDDIR/tests/vm/cross-build-aarch64.log" 2>&1 || rc=$?
case $rc in
0) ;;
77) skip "$(grep -m1 SKIP "$BUILDDIR/tests/vm/cross-build-aarch64.log")" ;;
*)
  tail -n 30 "$BUILDDIR/tests/vm/cross-build-aarch64.log"
  echo "not ok 1 - the aarch64 cross build failed"
  echo "0 passed, 1 failed"
  exit 1
  ;;
esac

# A bundle with the arm64 busybox, made on this side (jq is an x86 program).
W=$(mktemp -d "$BUILD/vmtest.XXXXXX")
trap 'rm -rf --one-file-system "$W"' EXIT
mkdir -p "$W/b/rootfs/bin" "$W/b/rootfs/proc" "$W/b/rootfs/dev" "$W/b/rootfs/sys" "$W/b/rootfs/tmp"
cp "$BUSYBOX" "$W/b/rootfs/bin/busybox"
for a in sh echo uname hostname sleep true cat; do ln -s busybox "$W/b/rootfs/bin/$a"; done
"${MINIRUN:-$BUILDDIR/minirun}" spec -b "$W/b"
# shellcheck disable=SC2016 # expanded by the container's shell
jq '.process.terminal = false | .hostname = "arm64-ctr"
    | .process.args = ["sh", "-c", "echo arch=$(uname -m) pid=$$ hostname=$(hostname)"]' \
  "$W/b/config.json" >"$W/b/config.json.new"
mv "$W/b/config.json.new" "$W/b/config.json"
# the lifecycle bundle: the same rootfs, a process that waits to be killed
mkdir -p "$W/l"
ln -s ../b/rootfs "$W/l/rootfs"
jq '.process.args = ["sleep", "600"]' "$W/b/config.json" >"$W/l/config.json"
# the seccomp bundle: mkdirat fails with the filter's EPERM (libseccomp's
# arm64 syscall table, the filter loaded by the child)
mkdir -p "$W/s"
ln -s ../b/rootfs "$W/s/rootfs"
jq '.process.args = ["busybox", "mkdir", "/tmp/x"] | .root.readonly = false
    | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}' \
  "$W/b/config.json" >"$W/s/config.json"

vmargs=(--arch arm64 --timeout 600 --workdir "$BUILD")
[ "$RUNS" = 0 ] || vmargs+=(--icount)
# The guest sees the host's / read-only but its own /tmp: a source tree
# under /tmp (a CI checkout) is invisible there, so the script travels in
# the shared work directory.
cp "$SRCDIR/tests/vm/arm64-guest.sh" "$W/arm64-guest.sh"
OBJ=$BUILD/obj STAGE=$BUILD/stage
if [ -n "$CLI" ]; then # the guest's layout: no unit tests, the CLI installed
  OBJ=$W/obj STAGE=$W/stage
  mkdir -p "$OBJ" "$STAGE/usr/bin"
  cp "$CLI" "$STAGE/usr/bin/minirun"
fi
"$VMRUN" "${vmargs[@]}" -- sh "$W/arm64-guest.sh" "$OBJ" "$STAGE" "$W" "$RUNS"
