#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# arm64-guest.sh - the part of tests/vm/test-arm64.sh that runs inside the
# emulated arm64 VM (busybox sh: the host's x86 programs do not run there).
#
#   arm64-guest.sh OBJ STAGE DIR [ICOUNT_RUNS]
#
# OBJ is the aarch64 cross build tree (scripts/cross-build.sh), STAGE its
# `make install DESTDIR`, DIR holds two bundles with an arm64 busybox rootfs:
# DIR/b prints what it sees, DIR/l sleeps, DIR/s runs mkdir under a seccomp
# filter that refuses it.
# Runs every unit test of OBJ, then containers through the installed minirun:
# `run` (output, exit status, pid 1, the architecture seen inside), seccomp and a
# create/start/state/kill/delete lifecycle. TAP lines, then one
# `N passed, N failed` line. With ICOUNT_RUNS, also prints the instructions
# per `minirun run` (tests/vm/count-insns) and per a trivial exec.
OBJ=$1 STAGE=$2 W=$3 RUNS=${4:-0}
B=$W/b LB=$W/l
TRIPLET=aarch64-linux-gnu
n=0 pass=0 failed=0
ok() {
  n=$((n + 1)) pass=$((pass + 1))
  echo "ok $n - $*"
}
not_ok() {
  n=$((n + 1)) failed=$((failed + 1))
  echo "not ok $n - $*"
}
check() { # NAME CMD...: ok when CMD succeeds
  name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# The dynamic loader and libraries: multiarch (/lib/ld-linux-aarch64.so.1 +
# /usr/lib/aarch64-linux-gnu from the host), else the cross toolchain's libc
# and the sysroot of scripts/install-cross.sh (this guest's / is a throw-away
# overlay, so the loader link is made here only).
LIBS=$STAGE/usr/lib/$TRIPLET
if [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
  ln -sf /usr/$TRIPLET/lib/ld-linux-aarch64.so.1 /lib/ld-linux-aarch64.so.1
  SYS=/var/cache/minirun-cross/arm64/sysroot
  LIBS=$LIBS:/usr/$TRIPLET/lib:$SYS/usr/lib/$TRIPLET:$SYS/lib/$TRIPLET
fi
export LD_LIBRARY_PATH=$LIBS
MR="$STAGE/usr/bin/minirun --root /run/minirun-arm64"
echo "# $(uname -m) $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPU"

# ---------------------------------------------------------------- unit tests
for t in "$OBJ"/tests/unit/test-*; do
  case ${t##*/} in *.* | *-*-*) continue ;; esac
  [ -x "$t" ] || continue
  out=$(cd "$OBJ" && "$t" 2>&1)
  rc=$?
  bad=$(printf '%s\n' "$out" | grep -c '^not ok')
  good=$(printf '%s\n' "$out" | grep -c '^ok')
  if [ $rc = 0 ] && [ "$bad" = 0 ] && [ "$good" -gt 0 ]; then
    ok "unit ${t##*/}: $good ok"
  else
    printf '%s\n' "$out" | grep -v '^ok' | tail -n 20 | sed 's/^/# /'
    not_ok "unit ${t##*/}: exit $rc, $good ok, $bad not ok"
  fi
done

# ---------------------------------------------------------------- containers
out=$($MR run -b "$B" arm64-run 2>&1)
rc=$?
check "run: exit status 0 ($rc)" [ "$rc" = 0 ]
case $out in
*"arch=aarch64 pid=1 hostname=arm64-ctr"*) ok "run: the container's process saw aarch64, pid 1, its hostname" ;;
*)
  echo "# $out"
  not_ok "run: unexpected output"
  ;;
esac

# seccomp: the filter (DIR/s) makes mkdirat fail with EPERM
out=$($MR run -b "$W/s" arm64-seccomp 2>&1)
case $out in
*"Operation not permitted"*) ok "seccomp: mkdirat failed with the filter's EPERM" ;;
*)
  echo "# $out"
  not_ok "seccomp: mkdirat was not refused by the filter"
  ;;
esac

# create/start/kill/delete
state() { $MR state "$1" 2>/dev/null | grep -o '"status": *"[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"'; }
check "create" $MR create -b $LB arm64-life
check "state after create: created" [ "$(state arm64-life)" = created ]
check "start" $MR start arm64-life
check "state after start: running" [ "$(state arm64-life)" = running ]
check "kill KILL" $MR kill arm64-life KILL
i=0
while [ "$(state arm64-life)" = running ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
check "state after kill: stopped" [ "$(state arm64-life)" = stopped ]
check "delete" $MR delete arm64-life
check "state after delete: gone" [ -z "$(state arm64-life)" ]
check "no mount of the bundles left" sh -c "! grep -qF '$W' /proc/self/mountinfo"
check "no container process left" sh -c "! ps -o args | grep -q '^sleep 600'"

# ---------------------------------------------------------------- instructions per start
if [ "$RUNS" -gt 0 ]; then
  "$OBJ/tests/vm/count-insns" "$RUNS" "$B/rootfs/bin/true" | sed 's/^/baseline (exec busybox true) /'
  "$OBJ/tests/vm/count-insns" 1 $MR run -b "$B" warmup >/dev/null
  "$OBJ/tests/vm/count-insns" "$RUNS" $MR run -b "$B" arm64-count | sed 's/^/minirun run /'
fi

echo "$pass passed, $failed failed"
[ $failed = 0 ]
