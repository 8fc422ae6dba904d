# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-podman.sh - podman (with conmon) driving minirun: the project's own
# checklist (podman-checks.sh) in the host's hybrid cgroup layout, which crun
# refuses, and in a private mount namespace without the unified mount. Each
# group runs in its own private mount namespace (podman's overlay mounts
# die with it) with its own cgroup parent, removed afterwards. podman,
# conmon and catatonit are Debian packages (scripts/install-deps.sh).

podman_group() { # LAYOUT GROUP
  command -v podman >/dev/null && command -v conmon >/dev/null ||
    skip "podman/conmon not installed (scripts/install-deps.sh installs them)"
  local cgp=/minirun-test-podman-${T##*.} d rc=0
  # The image store is built once per suite run under a lock; containers
  # and their mounts are per test.
  local store=${TMPDIR:-/tmp}/minirun-test-podman-$(id -u)
  mkdir -p "$store"
  MR_PODMAN_CGROUP_PARENT=$cgp flock "$store.lock" unshare -m --propagation private -- \
    bash "$(dirname "$MR_LIB")/podman-checks.sh" "$1" "$2" "$store" "$MINIRUN" >"$T/checks" 2>&1 || rc=$?
  # conmon's cgroup below the parent empties a moment after conmon exits
  # (rmdir: EBUSY): retry, directories only, for up to 5 s.
  local d sub try
  for d in /sys/fs/cgroup/*/"${cgp#/}"; do
    for try in $(seq 50); do
      [ -d "$d" ] || break
      for sub in "$d"/*/; do [ -d "$sub" ] && rmdir "$sub" 2>/dev/null || true; done
      rmdir "$d" 2>/dev/null || sleep 0.1
    done
  done
  cat "$T/checks"
  grep -q '^FAIL' "$T/checks" && fail "$(grep '^FAIL' "$T/checks" | head -n3 | paste -sd';' -)"
  [ "$rc" -eq 0 ] || fail "podman-checks.sh exited $rc"
  grep -qE '^[0-9]+ passed, 0 failed$' "$T/checks" || fail "no summary: $(tail -n1 "$T/checks")"
}

test_hybrid_run() { podman_group hybrid run; }
test_hybrid_exec() { podman_group hybrid exec; }
test_hybrid_lifecycle() { podman_group hybrid lifecycle; }
test_v1_run() { podman_group v1 run; }
test_v1_exec() { podman_group v1 exec; }
test_v1_lifecycle() { podman_group v1 lifecycle; }
