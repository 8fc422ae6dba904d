# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-devices.sh - linux.devices: mode, owner and numbers exact inside the
# container whatever the umask; numbers, paths, types and modes that do not
# fit are refused naming the field (never truncated), leaving nothing behind.
# (The basic char-device cases live in test-rootfs.sh.)

test_device_mode_owner_exact() {
  make_bundle "$T/b" sh -c 'stat -c "%a %u %g %t %T %F" /dev/mydev /dev/sub/blk /dev/fifo'
  jqset "$T/b" '.linux.devices = [
      {"path": "/dev/mydev", "type": "c", "major": 1, "minor": 7, "fileMode": 384, "uid": 1000, "gid": 1000},
      {"path": "/dev/sub/blk", "type": "b", "major": 7, "minor": 200, "fileMode": 1530, "uid": 0, "gid": 6},
      {"path": "/dev/fifo", "type": "p", "fileMode": 511}]'
  # The caller's umask must not matter.
  (
    umask 077
    run_ok c1 "$T/b"
    printf '%s\n' "$OUT" >"$T/out"
  )
  assert_eq "600 1000 1000 1 7 character special file
2772 0 6 7 c8 block special file
777 0 0 0 0 fifo" "$(cat "$T/out")" "stat of the devices inside (umask 077 in the caller)"
}

test_device_u_type_is_char() {
  make_bundle "$T/b" stat -c "%F %t:%T" /dev/unbuf
  jqset "$T/b" '.linux.devices = [{"path": "/dev/unbuf", "type": "u", "major": 1, "minor": 3}]'
  run_ok c1 "$T/b"
  assert_eq "character special file 1:3" "$OUT" "type u device"
}

test_device_largest_numbers() {
  make_bundle "$T/b" stat -c "%t:%T" /dev/big
  jqset "$T/b" '.linux.devices = [{"path": "/dev/big", "type": "c", "major": 4095, "minor": 1048575}]'
  run_ok c1 "$T/b"
  assert_eq "fff:fffff" "$OUT" "largest device numbers"
}

# bad_device JQ-DEVICE MESSAGE: a container with that single device fails
# with MESSAGE and leaves nothing.
bad_device() {
  jqset "$T/b" ".linux.devices = [{\"path\": \"/dev/ok\", \"type\": \"c\", \"major\": 1, \"minor\": 3}, $1]"
  assert_fail_with "$2" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_device_bad_values() {
  make_bundle "$T/b" true
  # 2^32+1 used to become 1 (the major of /dev/mem).
  bad_device '{"path": "/dev/x", "type": "c", "major": 4294967297, "minor": 1}' \
    "linux.devices[1].major: 4294967297 out of range"
  bad_device '{"path": "/dev/x", "type": "c", "major": 4096, "minor": 1}' \
    "linux.devices[1].major: 4096 out of range (0-4095)"
  bad_device '{"path": "/dev/x", "type": "b", "major": -1, "minor": 1}' \
    "linux.devices[1].major: -1 out of range"
  bad_device '{"path": "/dev/x", "type": "c", "major": 1, "minor": 1048576}' \
    "linux.devices[1].minor: 1048576 out of range (0-1048575)"
  bad_device '{"path": "/dev/x", "type": "c", "major": 1, "minor": -3}' \
    "linux.devices[1].minor: -3 out of range"
  bad_device '{"path": "/dev/x", "type": "c", "major": 1, "minor": 18446744073709551617}' \
    "linux.devices[1].minor"
  bad_device '{"path": "/dev/x", "type": "c", "minor": 1}' \
    "linux.devices[1].major: missing"
  bad_device '{"path": "/dev/x", "type": "b", "major": 1}' \
    "linux.devices[1].minor: missing"
  bad_device '{"path": "/etc/x", "type": "c", "major": 1, "minor": 3}' \
    "linux.devices[1].path: '/etc/x' is not under /dev"
  bad_device '{"path": "/dev/../etc/x", "type": "c", "major": 1, "minor": 3}' \
    "linux.devices[1].path: '/dev/../etc/x' is not under /dev"
  bad_device '{"path": "/dev", "type": "c", "major": 1, "minor": 3}' \
    "linux.devices[1].path: '/dev' is not under /dev"
  bad_device '{"path": "dev/x", "type": "c", "major": 1, "minor": 3}' \
    "linux.devices[1].path: 'dev/x' is not an absolute path"
  bad_device '{"path": "/dev/x", "type": "x", "major": 1, "minor": 3}' \
    "linux.devices[1].type: unknown device type 'x'"
  bad_device '{"path": "/dev/x", "type": "c", "major": 1, "minor": 3, "fileMode": 8630}' \
    "linux.devices[1].fileMode: 8630 (020666) has bits beyond 07777"
  [ ! -e "$T/b/rootfs/etc/x" ] || fail "a bad device entry created /etc/x"
  [ ! -e "$T/b/rootfs/dev/x" ] || fail "a bad device entry created /dev/x"
}

# userns_devices DIR DEVICES-JSON: a bundle in a new user namespace (root
# mapped to 200000) with these linux.devices.
userns_devices() {
  jqset "$1" '.linux.namespaces = [(.linux.namespaces[] | select(.type != "user")), {"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .mounts |= map(select(.destination != "/sys/fs/cgroup"))
    | .linux.devices = $devs' --argjson devs "$2"
}

# In a user namespace the host's node is bound: a mode or owner it does not
# have cannot be applied (a chmod/chown would change the host's node), as in
# crun and runc; each such field is a warning naming it, never silence.
test_device_userns_mode_owner_warned() {
  make_bundle "$T/b" stat -c "%a %u %g %t:%T %F" /dev/null /dev/zero
  userns_devices "$T/b" '[{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 1000, "gid": 1000},
                          {"path": "/dev/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 438}]'
  run_ok c1 "$T/b"
  assert_eq "666 65534 65534 1:3 character special file
666 65534 65534 1:5 character special file" "$OUT" "the host's nodes, as they are, inside"
  assert_contains "$ERR" "linux.devices[0].fileMode: 0600 not applied to /dev/null" "fileMode warning"
  assert_contains "$ERR" "linux.devices[0].uid: 1000 not applied" "uid warning"
  assert_contains "$ERR" "linux.devices[0].gid: 1000 not applied" "gid warning"
  # What the host's node already satisfies is no warning.
  assert_not_contains "$ERR" "linux.devices[1]" "no warning for /dev/zero (0666 as requested)"
}

# The host's node must be the requested device: never another one silently.
test_device_userns_other_device_refused() {
  make_bundle "$T/b" true
  userns_devices "$T/b" '[{"path": "/dev/null", "type": "c", "major": 1, "minor": 5}]'
  assert_fail_with "linux.devices[0]: in a user namespace the host's /dev/null is bound, and it is 1:3, not 1:5" \
    $MR run --bundle "$T/b" c1
  assert_no_state
  userns_devices "$T/b" '[{"path": "/dev/null", "type": "b", "major": 1, "minor": 3}]'
  assert_fail_with "linux.devices[0].type: in a user namespace the host's /dev/null is bound, and it is not a block device" \
    $MR run --bundle "$T/b" c1
  userns_devices "$T/b" '[{"path": "/dev/no-such-dev", "type": "c", "major": 1, "minor": 3}]'
  assert_fail_with "linux.devices[0].path: in a user namespace the host's /dev/no-such-dev is bound" \
    $MR run --bundle "$T/b" c1
  assert_nothing_left "devices refused in a user namespace"
}
