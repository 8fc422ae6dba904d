# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-imagefiles.sh - files of a hostile image where the runtime reads,
# opens or creates something: device nodes, FIFOs and huge files must give a
# clear error or be replaced, never hang create or spin the init. Every
# command runs under `timeout`; a hang fails the test as "timed out".

# mr_bounded SECONDS CMD...: capture CMD, failing the test if it hangs.
mr_bounded() {
  local secs=$1
  shift
  capture timeout -k 5 "$secs" "$@"
  [ "$LAST_RC" -ne 124 ] && [ "$LAST_RC" -ne 137 ] || fail "'$*' hung (killed after ${secs}s)"
}

# HOME comes from the image's /etc/passwd when the config sets none.
no_home_bundle() {
  make_bundle "$T/b" sh -c 'echo "home=$HOME"'
  jqset "$T/b" '.process.env = [.process.env[] | select(startswith("HOME=") | not)]'
}

# passwd_refused WHAT ERROR...: run fails on the image's /etc/passwd (WHAT
# it was made), with every ERROR text in its message, and leaves nothing.
passwd_refused() {
  local what=$1 e
  shift
  mr_bounded 20 $MR run --bundle "$T/b" c1
  [ "$LAST_RC" -ne 0 ] || fail "run with $what succeeded: $LAST_OUT"
  for e in "$@"; do
    assert_contains "$LAST_ERR" "$e" "error"
  done
  assert_no_state
}

test_passwd_is_dev_zero() {
  no_home_bundle
  rm "$T/b/rootfs/etc/passwd"
  ln -s /dev/zero "$T/b/rootfs/etc/passwd"
  passwd_refused "/etc/passwd -> /dev/zero" "/etc/passwd" "not a regular file"
}

test_passwd_is_a_fifo() {
  no_home_bundle
  rm "$T/b/rootfs/etc/passwd"
  mkfifo "$T/b/rootfs/etc/passwd"
  passwd_refused "a FIFO as /etc/passwd" "/etc/passwd: not a regular file"
}

test_passwd_huge() {
  no_home_bundle
  truncate -s 200M "$T/b/rootfs/etc/passwd"
  passwd_refused "a 200 MB /etc/passwd" "/etc/passwd: larger than"
}

test_passwd_regular_still_used() {
  no_home_bundle
  mr_bounded 20 $MR run --bundle "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status (stderr: $LAST_ERR)"
  assert_eq "home=/root" "$LAST_OUT" "HOME from /etc/passwd"
}

# A file bind whose mount point in the image is a FIFO: covered by the bind.
test_fifo_as_file_bind_target() {
  make_bundle "$T/b" cat /data
  echo host-content >"$T/hostfile"
  mkfifo "$T/b/rootfs/data"
  add_bind "$T/b" "$T/hostfile" /data bind
  mr_bounded 20 $MR run --bundle "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status (stderr: $LAST_ERR)"
  assert_eq host-content "$LAST_OUT" "content of the bound file"
}

# The image's own /dev (no tmpfs on it), with a devpts and a ptmx link.
image_dev_terminal() {
  jqset "$T/b" '.process.terminal = true | .mounts = [.mounts[] | select(.destination != "/dev")]
    | .linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3}]'
  mkdir -p "$T/b/rootfs/dev/pts"
  ln -s pts/ptmx "$T/b/rootfs/dev/ptmx"
}

test_fifo_as_console() {
  make_bundle "$T/b" sh -c 'ls -l /dev/console'
  image_dev_terminal
  rm -f "$T/b/rootfs/dev/console"
  mkfifo "$T/b/rootfs/dev/console"
  mr_bounded 20 $MR run --bundle "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status (stderr: $LAST_ERR)"
  assert_match "$LAST_OUT" '^c.* 136, +[0-9]+ .*/dev/console' "/dev/console is the pty"
}

test_symlink_as_console() {
  make_bundle "$T/b" sh -c 'ls -l /dev/console; cat /etc/hostname-target 2>&1 | head -c 40'
  image_dev_terminal
  echo image-file >"$T/b/rootfs/etc/hostname-target"
  rm -f "$T/b/rootfs/dev/console"
  ln -s /etc/hostname-target "$T/b/rootfs/dev/console"
  mr_bounded 20 $MR run --bundle "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status (stderr: $LAST_ERR)"
  assert_match "$LAST_OUT" '^c.* 136, +[0-9]+ .*/dev/console' "/dev/console is the pty, not a link"
  assert_contains "$LAST_OUT" image-file "the link's target was not covered by the pty"
}

# In a user namespace devices are bind mounts of the host's nodes onto
# files the runtime creates: a FIFO planted there must not block it.
test_fifo_as_device_bind_target() {
  unshare --user true 2>/dev/null || skip "user namespaces are not available here"
  make_bundle "$T/b" stat -c '%F %t:%T' /dev/null
  jqset "$T/b" '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .mounts = [.mounts[] | select(.destination | startswith("/dev") | not)]
    | .linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3}]'
  mkfifo "$T/b/rootfs/dev/null"
  chown 100000:100000 "$T/b/rootfs/dev" # the image belongs to the mapped root
  mr_bounded 20 $MR run --bundle "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status (stderr: $LAST_ERR)"
  assert_eq "character special file 1:3" "$LAST_OUT" "/dev/null inside"
}
