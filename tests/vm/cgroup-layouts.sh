#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cgroup-layouts.sh - the cgroup integration tests once per cgroup layout
# this host does not have, each in one throw-away VM (tests/vm/vm-run.sh:
# one boot per layout, not per test). The host's own layout (hybrid on the
# CI machines) is covered by the ordinary integration run.
#
#   tests/vm/cgroup-layouts.sh [LAYOUT...]     (default: v2 v1)
#
# Environment: MR_VM_CGROUP_TESTS (an ERE of test names, default the set
# below: the VMs are software-emulated, ~10x slower than the host, and each
# layout must stay under 3 minutes); MR_VM_LAYOUTS (instead of arguments).
# Exit status: 0 when every layout passed, 1 when one failed, 77 (skip,
# with the reason printed) when no VM can run here.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=${MINIRUN_SRCDIR:-$(cd "$HERE/../.." && pwd)}
BUILDDIR=${MINIRUN_BUILDDIR:-$SRCDIR}

# Placement in every hierarchy, the cgroup mount, freeze seen from outside
# and delete of a frozen container: ~15-40 s each under emulation.
default_tests='^cgroup\.(placed_in_every_hierarchy|cgroup_mount_own_cgroups_only|pause_resume)$'
# Enforcement, per layout (test-cgroup-res.sh): a fork bomb stopped by the
# pids limit, an allocation OOM-killed, a denied device node, update
# raising a memory limit that then lets the workload through.
default_tests+='|^cgroup-res\.(pids_limit_stops_fork_bomb|memory_limit_oom_kills_allocation|device_denied_eperm|update_raises_memory_limit)$'
tests=${MR_VM_CGROUP_TESTS:-$default_tests}
# shellcheck disable=SC2206
layouts=(${MR_VM_LAYOUTS:-${*:-v2 v1}})

if [ "$(id -u)" != 0 ]; then
  echo "SKIP cgroup layouts in VMs: needs root"
  exit 77
fi
status=0 ran=0
for layout in "${layouts[@]}"; do
  start=$SECONDS
  echo "=== cgroup layout $layout (one VM)"
  rc=0
  # -t: the guest is emulated, a test takes ~10x its time on the host
  # (vm-run.sh passes no MR_TEST_TIMEOUT into the guest).
  (cd "$BUILDDIR" && MINIRUN_SRCDIR=$SRCDIR MINIRUN_BUILDDIR=$BUILDDIR \
    "$SRCDIR/tests/vm/vm-run.sh" --cgroup "$layout" --timeout 600 -- \
    "$SRCDIR/tests/integration/run.sh" -t 240 -k "$tests") || rc=$?
  echo "=== cgroup layout $layout: exit $rc after $((SECONDS - start)) s"
  case $rc in
  0) ran=1 ;;
  77) ;;
  *) ran=1 status=1 ;;
  esac
done
[ "$ran" = 1 ] || exit 77
exit $status
