# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-oldkernel.sh - each fallback for a system call newer than Linux 4.14,
# proven by running minirun under tests/enosys-launcher with that system call
# failing with ENOSYS (as on a 4.14 kernel), in every mode of the runner.
# The whole suite also runs that way (run.sh, MR_OLD_KERNEL=1).

# enosys LIST: $MR with the system calls LIST (comma-separated) failing.
enosys() {
  local launcher=$MINIRUN_BUILDDIR/tests/enosys-launcher
  [ -x "$launcher" ] || fail "$launcher is missing (make check-programs)"
  MR="$launcher -s $1 -- $MR"
}

# Without openat2 the mount destination /data -> /etc is resolved inside the
# rootfs: the tmpfs shows up at the container's /etc. Resolved by host path
# it would land on the host's /etc, outside the new root, and the container
# would see nothing: only the userspace in-root resolver gets this right.
test_no_openat2_resolves_in_root() {
  enosys openat2
  make_bundle "$T/b" sh -c 'ls /etc; grep " /etc " /proc/self/mountinfo'
  ln -s /etc "$T/b/rootfs/data"
  mkdir -p "$T/host"
  ln -s ../../../../../../..$T/host "$T/b/rootfs/up"
  ln -s up/sub "$T/b/rootfs/chain"
  jqset "$T/b" '.mounts += [
      {"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
      {"destination": "/chain/deeper", "type": "tmpfs", "source": "tmpfs"}]'
  run_ok c1 "$T/b"
  assert_not_contains "$OUT" passwd "/etc of the container is the tmpfs (the image's passwd hidden)"
  assert_contains "$OUT" " /etc " "a mount at the container's /etc"
  assert_eq "" "$(ls -A "$T/host")" "the host directory behind ../ stays empty"
  [ -d "$T/b/rootfs$T/host/sub/deeper" ] || fail "mount point not created inside the rootfs"
  [ -f /etc/passwd ] || fail "the host's /etc/passwd is gone"
}

# Without openat2: a file bind whose destination is a dangling absolute
# symlink creates the file inside the rootfs, never on the host.
test_no_openat2_file_bind_through_dangling_link() {
  enosys openat2
  make_bundle "$T/b" cat /etc/target
  echo bound >"$T/src"
  ln -s "$T/hostfile" "$T/b/rootfs/etc/target"
  add_bind "$T/b" "$T/src" /etc/target ro
  run_ok c1 "$T/b"
  assert_eq bound "$OUT" "the bind is at the link's in-root target"
  [ ! -e "$T/hostfile" ] || fail "a file was created on the host at $T/hostfile"
  [ -f "$T/b/rootfs$T/hostfile" ] || fail "file mount point not created inside the rootfs"
}

# Without openat2: /dev a symlink to a host directory, masked paths and
# devices still go inside.
test_no_openat2_dev_symlink_and_masks() {
  enosys openat2
  make_bundle "$T/b" sh -c 'test -c /dev/null && echo null-ok; grep " /proc/timer_list " /proc/self/mountinfo'
  mkdir -p "$T/hostdev"
  rmdir "$T/b/rootfs/dev"
  ln -s "$T/hostdev" "$T/b/rootfs/dev"
  run_ok c1 "$T/b"
  assert_eq "" "$(ls -A "$T/hostdev")" "no device node or link created in the host directory"
  assert_contains "$OUT" null-ok
  assert_contains "$OUT" " /proc/timer_list " "masked /proc/timer_list (a bind of /dev/null)"
}

# Without mount_setattr (5.12) the recursive options reach every mount of a
# recursive bind by one remount each: /ro and /ro/sub both read-only and
# nosuid, the bind's source (/data) untouched.
test_no_mount_setattr_recursive_options() {
  enosys mount_setattr
  make_bundle "$T/b" sh -c 'cat /proc/self/mountinfo; touch /ro/sub/x && echo sub-writable; touch /data/sub/y && echo data-writable'
  mkdir -p "$T/b/rootfs/data"
  jqset "$T/b" --arg src "$T/b/rootfs/data" '.mounts += [
      {"destination": "/data", "type": "tmpfs", "source": "tmpfs"},
      {"destination": "/data/sub", "type": "tmpfs", "source": "tmpfs"},
      {"destination": "/ro", "type": "bind", "source": $src, "options": ["rbind", "rro", "rnosuid", "rnoatime"]}]'
  run_ok c1 "$T/b"
  local m
  for m in /ro /ro/sub; do
    has_opt "$(mi_opts "$OUT" $m)" ro || fail "$m is not read-only: $(mi_opts "$OUT" $m)"
    has_opt "$(mi_opts "$OUT" $m)" nosuid || fail "$m is not nosuid: $(mi_opts "$OUT" $m)"
    has_opt "$(mi_opts "$OUT" $m)" noatime || fail "$m is not noatime: $(mi_opts "$OUT" $m)"
  done
  has_opt "$(mi_opts "$OUT" /data/sub)" rw || fail "/data/sub (the source) lost rw: $(mi_opts "$OUT" /data/sub)"
  assert_not_contains "$OUT" sub-writable "touch in /ro/sub"
  assert_contains "$OUT" data-writable "touch in /data/sub"
}

# Without clone3 and pidfds (before 5.2/5.3): clone, then kill and delete by
# pid after the start-time check; run waits for its child as before.
test_no_clone3_no_pidfds_lifecycle() {
  enosys clone3,pidfd_open,pidfd_send_signal,pidfd_getfd
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b"
  assert_eq running "$(ctr_status c1)" "status after run -d"
  local pid
  pid=$(ctr_pid c1)
  assert_ok $MR kill c1 KILL
  wait_for 10 "the init to go after kill KILL" pid_gone "$pid"
  assert_eq stopped "$(ctr_status c1)" "status after the kill"
  assert_ok $MR delete c1
  assert_no_state
  # A foreground run returns the init's exit status.
  set_args "$T/b" sh -c 'exit 7'
  run_ctr c2 "$T/b"
  assert_eq 7 "$RC" "exit status of run without clone3/pidfds"
}

# Without close_range (before 5.9): the child still closes every fd of the
# caller: only 0-2 (and ls's own 3) inside.
test_no_close_range_closes_caller_fds() {
  enosys close_range
  make_bundle "$T/b" sh -c 'ls /proc/self/fd | sort -n | xargs'
  exec 7<"$T/b/config.json" 8<"$T" 9</dev/null
  run_ok c1 "$T/b"
  exec 7<&- 8<&- 9<&-
  assert_eq "0 1 2 3" "$OUT" "fds open inside (ls has 3)"
}

# Without the new mount API (fsopen/fsmount/open_tree, 5.2) the procfs
# writes from inside (sysctl, oomScoreAdj) go through the host's /proc,
# checked to be a procfs root, and land in the container's namespace.
test_no_fsopen_procfs_writes() {
  enosys fsopen,fsconfig,fsmount,fspick,open_tree,move_mount,openat2
  make_bundle "$T/b" sh -c 'cat /proc/sys/kernel/domainname /proc/self/oom_score_adj'
  jqset "$T/b" '.linux.namespaces += [{"type": "uts"}] | .linux.namespaces |= unique_by(.type)
    | .linux.sysctl = {"kernel.domainname": "old.example"} | .process.oomScoreAdj = 123'
  local host_dom
  host_dom=$(cat /proc/sys/kernel/domainname)
  run_ok c1 "$T/b"
  assert_eq "old.example
123" "$OUT" "domainname and oom_score_adj inside"
  assert_eq "$host_dom" "$(cat /proc/sys/kernel/domainname)" "host kernel.domainname"
}

# Time namespaces (5.6) have no fallback: the error names the kernel feature
# and nothing is left behind.
test_no_time_namespace_is_a_clear_error() {
  enosys timens
  make_bundle "$T/b" true
  jqset "$T/b" '.linux.namespaces += [{"type": "time"}]'
  assert_fail_with "create time namespace (this kernel has no time namespaces: needs Linux 5.6 with CONFIG_TIME_NS)" \
    $MR run --bundle "$T/b" c1
  assert_no_state
}

# `features` tells the truth on an old kernel: no idmapped mounts without
# mount_setattr (and the create that would need them fails, see mounts2).
test_features_without_mount_setattr() {
  assert_ok $MINIRUN features
  local normal=$LAST_OUT
  enosys mount_setattr
  assert_ok $MR features
  assert_eq false "$(echo "$LAST_OUT" | jq -r '.linux.mountExtensions.idmap.enabled')" \
    "idmap in features without mount_setattr"
  old_kernel_mode ||
    assert_eq true "$(echo "$normal" | jq -r '.linux.mountExtensions.idmap.enabled')" \
      "idmap in features on this kernel"
}

# Inside a container engine whose seccomp profile predates openat2 (Docker
# before 20.10 answers EPERM for what it does not know), the walk is used
# as on an old kernel: the mount through /data -> /etc lands inside.
test_openat2_eperm_walks_in_root() {
  local launcher=$MINIRUN_BUILDDIR/tests/enosys-launcher
  MR="$launcher -s openat2 -e EPERM -- $MR"
  make_bundle "$T/b" sh -c 'grep " /etc " /proc/self/mountinfo; cat /proc/self/oom_score_adj'
  ln -s /etc "$T/b/rootfs/data"
  jqset "$T/b" '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs"}]
    | .process.oomScoreAdj = 321'
  run_ok c1 "$T/b"
  assert_contains "$OUT" " /etc " "a mount at the container's /etc"
  assert_eq 321 "$(echo "$OUT" | tail -n1)" "oom_score_adj written through the verified procfs"
}
