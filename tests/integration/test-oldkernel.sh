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
