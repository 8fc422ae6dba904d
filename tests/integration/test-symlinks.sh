# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-symlinks.sh - a hostile image's symlinks must not lead the runtime out
# of the rootfs: mount points, mounted-over files and device nodes are
# resolved inside it (as if it were /), so nothing is created on the host.

test_absolute_symlink_mount_point_stays_inside() {
  make_bundle "$T/b" sh -c 'grep -q " /escape/sub\| $ESC/sub" /proc/self/mountinfo && echo mounted'
  mkdir -p "$T/host"
  ln -s "$T/host" "$T/b/rootfs/escape"
  jqset "$T/b" --arg esc "$T/host" '.process.env += ["ESC=" + $esc]
    | .mounts += [{"destination": "/escape/sub", "type": "tmpfs", "source": "tmpfs"}]'
  run_ok c1 "$T/b"
  assert_eq "" "$(ls -A "$T/host")" "host directory the symlink names stays empty"
  [ -d "$T/b/rootfs$T/host/sub" ] || fail "mount point not created inside the rootfs"
  assert_contains "$OUT" mounted
}

test_relative_symlink_cannot_climb_out() {
  make_bundle "$T/b" true
  mkdir -p "$T/host"
  # ../ beyond the rootfs is clamped to the rootfs, as for any process in it.
  ln -s ../../../../../../../../../../.. "$T/b/rootfs/up"
  jqset "$T/b" --arg d "/up$T/host/sub" '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
  run_ok c1 "$T/b"
  assert_eq "" "$(ls -A "$T/host")" "host directory reached through ../ stays empty"
  [ -d "$T/b/rootfs$T/host/sub" ] || fail "mount point not created inside the rootfs"
}

test_dev_symlink_keeps_device_nodes_inside() {
  make_bundle "$T/b" sh -c 'test -c /dev/null && echo null-ok'
  mkdir -p "$T/hostdev"
  rmdir "$T/b/rootfs/dev"
  ln -s "$T/hostdev" "$T/b/rootfs/dev"
  run_ok c1 "$T/b"
  assert_eq "" "$(ls -A "$T/hostdev")" "no device node or link created in the host directory"
  assert_contains "$OUT" null-ok
}

test_file_bind_over_symlink_keeps_host_file() {
  make_bundle "$T/b" cat /etc/target
  echo host-original >"$T/hostfile"
  echo bound-content >"$T/src"
  mkdir -p "$T/b/rootfs/etc"
  ln -s "$T/hostfile" "$T/b/rootfs/etc/target"
  add_bind "$T/b" "$T/src" /etc/target ro
  run_ok c1 "$T/b"
  assert_eq bound-content "$OUT" "the bind is visible at the symlink's in-root target"
  assert_eq host-original "$(cat "$T/hostfile")" "host file untouched"
  [ -f "$T/b/rootfs$T/hostfile" ] || fail "file mount point not created inside the rootfs"
}
