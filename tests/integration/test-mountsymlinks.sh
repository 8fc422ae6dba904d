# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086
#
# test-mountsymlinks.sh - crun's symlink options of bind mounts, seen from
# inside real containers: src-nofollow (a symlink source is bound itself),
# dest-nofollow (a symlink at the destination is mounted on, not followed),
# copy-symlink (a symlink source is recreated in the container, no mount).

# add_mount DIR SRC DEST OPTIONS-JSON
add_mount() {
  jqset "$1" '.mounts += [{"destination": $dst, "type": "bind", "source": $src, "options": $opts}]' \
    --arg src "$2" --arg dst "$3" --argjson opts "$4"
}

symlink_host() {
  mkdir -p "$T/host"
  echo host-file >"$T/host/real"
  ln -s real "$T/host/link"
  ln -s ../usr/share/zoneinfo/UTC "$T/host/localtime"
}

test_mount_src_nofollow() {
  symlink_host
  make_bundle "$T/b" sh -c 'readlink /target; cat /target 2>&1 || echo no-target'
  add_mount "$T/b" "$T/host/link" /target '["bind", "src-nofollow"]'
  run_ok c1 "$T/b"
  # The symlink itself is bound: its text is "real", which resolves to
  # nothing inside the container.
  assert_eq "real" "$(echo "$OUT" | head -n1)" "readlink of the bound symlink"
  assert_contains "$OUT" no-target "the host file must not be reachable through the mount"
}

# Without the option the source's symlink is followed, as mount(2) does.
test_mount_src_follow_default() {
  symlink_host
  make_bundle "$T/b" cat /target
  add_mount "$T/b" "$T/host/link" /target '["bind"]'
  run_ok c1 "$T/b"
  assert_eq host-file "$OUT" "a symlink source is followed without src-nofollow"
}

test_mount_dest_nofollow() {
  symlink_host
  make_bundle "$T/b" sh -c 'cat /link; cat /marker'
  echo untouched >"$T/b/rootfs/marker"
  ln -s /marker "$T/b/rootfs/link"
  add_mount "$T/b" "$T/host/real" /link '["bind", "dest-nofollow"]'
  run_ok c1 "$T/b"
  assert_eq "host-file
untouched" "$OUT" "mounted on the symlink, not on what it points to"
  assert_eq /marker "$(readlink "$T/b/rootfs/link")" "the image's symlink on disk"
}

# Both: a symlink bound onto a symlink.
test_mount_src_and_dest_nofollow() {
  symlink_host
  make_bundle "$T/b" sh -c 'readlink /link; cat /marker'
  echo untouched >"$T/b/rootfs/marker"
  ln -s /marker "$T/b/rootfs/link"
  add_mount "$T/b" "$T/host/link" /link '["bind", "src-nofollow", "dest-nofollow"]'
  run_ok c1 "$T/b"
  assert_eq "real
untouched" "$OUT" "the host's symlink over the image's"
}

test_mount_copy_symlink() {
  symlink_host
  make_bundle "$T/b" sh -c 'readlink /etc/localtime; grep -c " /etc/localtime " /proc/self/mountinfo || true
                            cat /etc/plain'
  add_mount "$T/b" "$T/host/localtime" /etc/localtime '["bind", "ro", "copy-symlink"]'
  # A source that is not a symlink: bound as usual.
  add_mount "$T/b" "$T/host/real" /etc/plain '["bind", "copy-symlink"]'
  run_ok c1 "$T/b"
  assert_eq "../usr/share/zoneinfo/UTC
0
host-file" "$OUT" "copied symlink (no mount) and plain bind"
  assert_eq ../usr/share/zoneinfo/UTC "$(readlink "$T/b/rootfs/etc/localtime")" \
    "the symlink is in the image's /etc"
}

# An existing destination: the same symlink is fine, anything else an error.
test_mount_copy_symlink_exists() {
  symlink_host
  make_bundle "$T/b" readlink /etc/localtime
  ln -s ../usr/share/zoneinfo/UTC "$T/b/rootfs/etc/localtime"
  add_mount "$T/b" "$T/host/localtime" /etc/localtime '["bind", "copy-symlink"]'
  run_ok c1 "$T/b"
  assert_eq ../usr/share/zoneinfo/UTC "$OUT" "the same symlink was there"
  rm "$T/b/rootfs/etc/localtime"
  ln -s /elsewhere "$T/b/rootfs/etc/localtime"
  run_ctr c2 "$T/b"
  assert_ne 0 "$RC" "exit status with a different symlink at the destination"
  assert_contains "$ERR" "/etc/localtime exists and is not the same symlink" "error"
  assert_nothing_left "copy-symlink onto another symlink"
}
