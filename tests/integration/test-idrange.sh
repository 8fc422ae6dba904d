# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-idrange.sh - ids and sizes that do not fit what the kernel takes are
# refused with the JSON path, before anything is created. 4294967295 is
# (uid_t)-1: setresuid() reads it as "unchanged", so a container asking for
# it would run as root.

# bad_value JQ_EDIT MESSAGE: create must fail naming MESSAGE, leaving nothing.
bad_value() {
  local edit=$1 msg=$2
  rm -rf "$T/b"
  make_bundle "$T/b" id -u
  jqset "$T/b" "$edit"
  assert_fail_with "$msg" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_uid_minus_one() {
  bad_value '.process.user.uid = 4294967295' 'process.user.uid: expected id from 0 to 4294967294'
  bad_value '.process.user.uid = -1' 'process.user.uid: expected id'
  bad_value '.process.user.uid = 4294967296' 'process.user.uid: expected id'
}

test_gid_minus_one() {
  bad_value '.process.user.gid = 4294967295' 'process.user.gid: expected id'
}

test_additional_gid_minus_one() {
  bad_value '.process.user.additionalGids = [1, 4294967295]' 'process.user.additionalGids[1]: expected id'
}

test_device_uid_gid_minus_one() {
  bad_value '.linux.devices = [{"path": "/dev/xnull", "type": "c", "major": 1, "minor": 3, "uid": 4294967295}]' \
    'linux.devices[0].uid: expected id'
  bad_value '.linux.devices = [{"path": "/dev/xnull", "type": "c", "major": 1, "minor": 3, "gid": 4294967295}]' \
    'linux.devices[0].gid: expected id'
}

userns() {
  printf '%s' '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

test_id_mapping_ranges() {
  bad_value "$(userns) | .linux.uidMappings[0].hostID = 4294967295" 'linux.uidMappings[0].hostID: expected id'
  bad_value "$(userns) | .linux.gidMappings[0].containerID = 4294967295" 'linux.gidMappings[0].containerID: expected id'
  bad_value "$(userns) | .linux.uidMappings[0].size = 0" 'linux.uidMappings[0].size: must be at least 1'
  bad_value "$(userns) | .linux.uidMappings[0].hostID = 4294967200" \
    'linux.uidMappings[0]: hostID 4294967200 + size 65536 goes past'
  bad_value "$(userns) | .linux.gidMappings[0].containerID = 4294967295 - 10 | .linux.gidMappings[0].size = 11" \
    'linux.gidMappings[0]: containerID 4294967285 + size 11 goes past'
}

test_console_size_16_bits() {
  bad_value '.process.consoleSize = {"height": 65536, "width": 80}' 'process.consoleSize.height: expected unsigned 16-bit'
  bad_value '.process.consoleSize = {"height": 25, "width": 4294967376}' 'process.consoleSize.width: expected unsigned 16-bit'
}

# The largest valid ids still work, inside a real container.
test_largest_ids_accepted() {
  make_bundle "$T/b" sh -c 'id -u; id -G'
  jqset "$T/b" '.process.user.uid = 4294967294 | .process.user.gid = 4294967294
    | .process.user.additionalGids = [4294967294]'
  run_ok c1 "$T/b"
  assert_eq "4294967294" "$(echo "$OUT" | sed -n 1p)" "uid inside"
  assert_contains "$(echo "$OUT" | sed -n 2p)" "4294967294" "groups inside"
}
