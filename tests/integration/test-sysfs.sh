# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-sysfs.sh - recursive binds of host trees keep the config's flags.
# In a user namespace without its own network namespace sysfs cannot be
# mounted and the host's /sys is bound instead; a bind ignores the flags of
# its first mount(2), so /sys (and every mount below it) must be remounted
# read-only, nosuid, nodev, noexec, and checked. The same holds for the
# bind of a v1 host's /sys/fs/cgroup.

userns_no_netns() {
  jqset "$1" '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# assert_restricted MOUNTINFO MOUNTPOINT-REGEX: every mount matching is
# ro,nosuid,nodev,noexec; at least one matches.
assert_restricted() {
  local mi=$1 re=$2 n=0 mp o
  while read -r mp o; do
    n=$((n + 1))
    for f in ro nosuid nodev noexec; do
      has_opt "$o" $f || fail "$mp is mounted $o inside: lacks $f"
    done
  done < <(echo "$mi" | awk -v re="$re" '$5 ~ re { print $5, $6 }')
  [ "$n" -gt 0 ] || fail "no mount matching $re inside"
}

test_sysfs_bind_fallback_is_read_only() {
  unshare --user true 2>/dev/null || skip "user namespaces are not available here"
  make_bundle "$T/b" sh -c 'cat /proc/self/mountinfo; echo ---; echo x > /sys/kernel/uevent_helper 2>&1; echo rc=$?'
  userns_no_netns "$T/b"
  # Without the cgroup mount the host's submounts of /sys show through.
  jqset "$T/b" '.mounts = [.mounts[] | select(.destination != "/sys/fs/cgroup")]'
  run_ok c1 "$T/b"
  local mi
  mi=$(echo "$OUT" | sed '/^---$/,$d')
  assert_eq sysfs "$(mi_fstype "$mi" /sys)" "fs type on /sys"
  assert_restricted "$mi" '^/sys$'
  # The host's mounts below /sys came along with the recursive bind.
  assert_restricted "$mi" '^/sys/'
  assert_not_contains "$(echo "$OUT" | sed '1,/^---$/d')" "rc=0" "writing into /sys"
}

test_cgroup_bind_is_read_only() {
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "cgroup v2 host: no bind of the host's tree"
  make_bundle "$T/b" cat /proc/self/mountinfo
  run_ok c1 "$T/b"
  jq -e '.mounts[] | select(.destination == "/sys/fs/cgroup") | .options | index("ro")' \
    "$T/b/config.json" >/dev/null || fail "the default config mounts /sys/fs/cgroup without ro"
  assert_restricted "$OUT" '^/sys/fs/cgroup$'
  assert_restricted "$OUT" '^/sys/fs/cgroup/'
}
