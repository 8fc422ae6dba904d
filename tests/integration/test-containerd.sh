# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-containerd.sh - containerd's runc v2 shim driving minirun (ctr
# --runc-binary): run (plain and -t), detached run + task exec (plain and
# -t) + ps + pause/resume + metrics + kill + delete. containerd runs on a
# private socket and state dir under $T, in a private mount namespace, and
# is stopped in the test; containers get a cgroup parent removed after.

test_flow() {
  for t in containerd ctr podman script; do
    command -v $t >/dev/null || skip "$t not installed (containerd, podman, util-linux)"
  done
  local cgp=/minirun-test-ctrd-${T##*.} d rc=0
  mkdir "$T/c"
  unshare -m --propagation private -- bash "$(dirname "$MR_LIB")/containerd-flow.sh" \
    "$T/c" "$MINIRUN" "$cgp" >"$T/flow" 2>&1 || rc=$?
  for d in /sys/fs/cgroup/*/"${cgp#/}"; do
    [ -d "$d" ] || continue
    rmdir "$d"/* 2>/dev/null || true
    rmdir "$d" 2>/dev/null || true
  done
  cat "$T/flow"
  grep -q '^FAIL' "$T/flow" && fail "$(grep '^FAIL' "$T/flow" | head -n3 | paste -sd';' -)"
  [ "$rc" -eq 0 ] || fail "containerd-flow.sh exited $rc"
  grep -qE '^[0-9]+ passed, 0 failed$' "$T/flow" || fail "no summary: $(tail -n1 "$T/flow")"
}
