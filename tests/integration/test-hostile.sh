# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086
#
# test-hostile.sh - hostile bundles, one test per class of runc/crun
# advisories, with real containers. The image (rootfs) is the attacker's;
# every test asserts on the host that nothing outside the rootfs was touched
# and, inside, that the container got nothing of the runtime's.

# A host directory the attacker aims at, with a file whose content must not
# change and a mountinfo entry that must never appear.
make_canary() {
  CANARY=$T/canary
  mkdir -p "$CANARY"
  echo original >"$CANARY/file"
}

assert_canary_untouched() {
  assert_eq original "$(cat "$CANARY/file")" "content of the host canary ($1)"
  assert_eq "file" "$(ls -A "$CANARY" | xargs)" "entries of the host canary dir ($1)"
  ! grep -qF " $CANARY" /proc/self/mountinfo || fail "a mount landed on the host canary ($1)"
}

# CVE-2021-30465 class: a mount destination that is a symlink to a host dir.
test_hostile_mount_destination_symlink_outside() {
  make_canary
  make_bundle "$T/b" sh -c 'echo pwned > /mnt/x/file 2>/dev/null; echo done'
  ln -s "$CANARY" "$T/b/rootfs/mnt/x"
  jqset "$T/b" '.mounts += [{"destination": "/mnt/x", "type": "tmpfs", "source": "tmpfs"}]'
  run_ctr c1 "$T/b"
  assert_canary_untouched "destination symlinked to the host dir"
}

# CVE-2021-30465: the destination swapped between a directory and a symlink
# to the host while create runs, from another process, in a bounded loop.
test_hostile_mount_destination_swap_race() {
  local i n=${MR_RACE_LOOPS:-10} swapper
  make_canary
  make_bundle "$T/b" sh -c 'echo pwned > /mnt/x/file 2>/dev/null; true'
  jqset "$T/b" '.mounts += [{"destination": "/mnt/x", "type": "tmpfs", "source": "tmpfs"}]'
  mkdir "$T/b/rootfs/mnt/x"
  ln -s "$CANARY" "$T/b/rootfs/mnt/link"
  mkdir "$T/b/rootfs/mnt/dir"
  # mv -T is rename(2): the destination flips atomically between the two.
  (
    set +eE
    trap - ERR
    cd "$T/b/rootfs/mnt" || exit 1
    while :; do
      cp -P --remove-destination link x.new 2>/dev/null && mv -T x.new x 2>/dev/null
      rm -rf x.new 2>/dev/null
      mkdir x.new 2>/dev/null && mv -T x.new x 2>/dev/null
    done
  ) &
  swapper=$!
  for i in $(seq "$n"); do
    timeout 20 $MR run --bundle "$T/b" "r$i" </dev/null >/dev/null 2>&1 || true
    $MR delete --force "r$i" >/dev/null 2>&1 || true
    if grep -qF " $CANARY" /proc/self/mountinfo || [ "$(cat "$CANARY/file")" != original ]; then
      kill -9 "$swapper"
      fail "round $i: the host canary was mounted over or written"
    fi
  done
  kill -9 "$swapper"
  wait "$swapper" 2>/dev/null || true
  assert_canary_untouched "after $n racing creates"
}

# CVE-2019-16884/19921 class: /proc (and /sys) of the image are symlinks to
# a host directory: the proc mount must not land there.
test_hostile_proc_and_sys_symlinks() {
  make_canary
  make_bundle "$T/b" sh -c 'stat -f -c %T /proc; stat -f -c %T /sys'
  rmdir "$T/b/rootfs/proc" "$T/b/rootfs/sys"
  ln -s "$CANARY" "$T/b/rootfs/proc"
  ln -s "$CANARY" "$T/b/rootfs/sys"
  run_ctr c1 "$T/b"
  assert_canary_untouched "/proc and /sys symlinked to the host"
  if [ "$RC" -eq 0 ]; then
    assert_eq "proc" "$(echo "$OUT" | sed -n 1p)" "fs type of /proc inside"
    assert_eq "sysfs" "$(echo "$OUT" | sed -n 2p)" "fs type of /sys inside"
  fi
}

# CVE-2025-52565 class: /dev/console and /dev/pts entries of the image are
# symlinks to host files: the console bind must not follow them.
test_hostile_dev_console_symlink() {
  make_canary
  mkdir -p "$T/b"
  make_bundle "$T/b" sh -c 'ls -l /dev/console; echo ok'
  ln -s "$CANARY/file" "$T/b/rootfs/dev/console"
  mkdir -p "$T/b/rootfs/dev/pts"
  ln -s "$CANARY/file" "$T/b/rootfs/dev/pts/ptmx"
  jqset "$T/b" '.process.terminal = true'
  capture $MR run --bundle "$T/b" --console-socket /nonexistent/sock c1
  $MR delete --force c1 >/dev/null 2>&1 || true
  assert_canary_untouched "/dev/console symlinked to a host file"
}

# CVE-2026-41579 class: /dev itself a symlink to a host directory: no ptmx
# removed, no link or node created outside the rootfs.
test_hostile_dev_symlink_to_host() {
  make_canary
  make_bundle "$T/b" sh -c 'ls /dev; echo ok'
  rm -rf "$T/b/rootfs/dev"
  ln -s "$CANARY" "$T/b/rootfs/dev"
  run_ctr c1 "$T/b"
  assert_canary_untouched "/dev symlinked to the host"
}

# CVE-2024-21626 class: nothing of the runtime inside. Only 0-2 open, cwd
# inside the rootfs.
test_hostile_no_runtime_fds_or_cwd_inside() {
  make_bundle "$T/b" sh -c 'ls /proc/self/fd | sort -n | xargs; readlink /proc/self/cwd; ls /proc/self/cwd/ >/dev/null && echo cwd-ok'
  # Extra fds of the caller (not preserved) must not show up inside.
  exec 7<"$T/b/config.json" 8<"$T"
  run_ok c1 "$T/b"
  exec 7<&- 8<&-
  # ls itself has one fd open on /proc/self/fd (3).
  assert_eq "0 1 2 3" "$(echo "$OUT" | sed -n 1p)" "fds open inside (ls has 3)"
  assert_eq "/" "$(echo "$OUT" | sed -n 2p)" "cwd inside"
  assert_eq cwd-ok "$(echo "$OUT" | sed -n 3p)" "cwd is usable"
}

# process.cwd = /proc/self/fd/N: must be refused, or resolve to something
# inside the container (never a host directory through a leaked fd).
test_hostile_cwd_through_proc_self_fd() {
  local n
  for n in 3 4 5 6 7 8; do
    make_bundle "$T/b$n" sh -c 'readlink /proc/self/cwd; ls /proc/self/cwd/ | head -n 50'
    jqset "$T/b$n" '.process.cwd = $c' --arg c "/proc/self/fd/$n"
    run_ctr "c$n" "$T/b$n"
    if [ "$RC" -eq 0 ]; then
      assert_not_contains "$OUT" "config.json" "listing of cwd /proc/self/fd/$n"
      assert_not_contains "$(echo "$OUT" | sed -n 1p)" "$T" "cwd /proc/self/fd/$n"
      assert_not_contains "$(echo "$OUT" | sed -n 1p)" "/work" "cwd /proc/self/fd/$n"
    fi
  done
}

# Symlink loops where the runtime resolves mount destinations and devices.
test_hostile_symlink_loops_in_rootfs() {
  make_bundle "$T/b" true
  ln -s loop2 "$T/b/rootfs/mnt/loop1"
  ln -s loop1 "$T/b/rootfs/mnt/loop2"
  jqset "$T/b" '.mounts += [{"destination": "/mnt/loop1/x", "type": "tmpfs", "source": "tmpfs"}]'
  capture timeout 20 $MR run --bundle "$T/b" c1
  assert_ne 0 "$LAST_RC" "exit status with a symlink loop under a mount destination"
  assert_ne 124 "$LAST_RC" "run with a symlink loop (hung)"
  assert_contains "$LAST_ERR" "/mnt/loop1" "error names the destination"
}

# A unix socket and a device node where a mount destination goes.
test_hostile_socket_and_device_as_mount_target() {
  make_bundle "$T/b" true
  mknod "$T/b/rootfs/mnt/node" c 1 3
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/b/rootfs/mnt/sock" 2>/dev/null ||
    mkfifo "$T/b/rootfs/mnt/sock"
  jqset "$T/b" '.mounts += [{"destination": "/mnt/node", "type": "tmpfs", "source": "tmpfs"}]'
  capture timeout 20 $MR run --bundle "$T/b" c1
  assert_ne 124 "$LAST_RC" "run with a device node as mount target (hung)"
  [ "$LAST_RC" -eq 0 ] || assert_contains "$LAST_ERR" "/mnt/node" "error names the destination"
  jqset "$T/b" '.mounts[-1].destination = "/mnt/sock"'
  capture timeout 20 $MR run --bundle "$T/b" c2
  assert_ne 124 "$LAST_RC" "run with a socket as mount target (hung)"
  [ "$LAST_RC" -eq 0 ] || assert_contains "$LAST_ERR" "/mnt/sock" "error names the destination"
  [ -c "$T/b/rootfs/mnt/node" ] || fail "the device node in the image was replaced"
}
