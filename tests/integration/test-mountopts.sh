# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-mountopts.sh - a mount's "options" as parsed by libminirun's own
# parser (libminirun/mounts/options.c, which replaced libmount's), seen from
# inside real containers: flags and their inverses (the last one wins),
# elements holding several options, filesystem data with values in order,
# mount(8)/fstab options dropped with a warning, an unclosed quote refused.
# tests/unit/test-mountopts.c has the whole table (and compares with
# libmount where it is installed).

# add_tmpfs DIR DEST OPTIONS-JSON
add_tmpfs() {
  jqset "$1" '.mounts += [{"destination": $dst, "type": "tmpfs", "source": "tmpfs",
                           "options": $opts}]' --arg dst "$2" --argjson opts "$3"
}

# The mountinfo line of DEST: "MOUNT-OPTIONS SUPER-OPTIONS".
SHOW_OPTS='show() { awk -v d="$1" '\''$5 == d { for (i = 7; $i != "-"; i++); print $6, $(i + 3) }'\'' /proc/self/mountinfo; }'

test_mountopts_flags_and_data() {
  make_bundle "$T/b" sh -c "$SHOW_OPTS"'; show /a; show /b'
  add_tmpfs "$T/b" /a '["nosuid,nodev", "mode=1770", "ro", "size=64k", "noexec", "rw", "nosuid"]'
  add_tmpfs "$T/b" /b '["rw", "ro", "", "nr_inodes=100,mode=700", "defaults"]'
  run_ok c1 "$T/b"
  local a b
  a=$(echo "$OUT" | sed -n 1p)
  b=$(echo "$OUT" | sed -n 2p)
  assert_contains "$a" "rw,nosuid,nodev,noexec" "/a: rw after ro, every flag of the element"
  assert_contains "$a" "size=64k" "/a: size given to tmpfs"
  assert_contains "$a" "mode=1770" "/a: mode given to tmpfs"
  assert_contains "$b" "ro," "/b: ro after rw"
  assert_contains "$b" "nr_inodes=100" "/b: both options of one element"
  assert_contains "$b" "mode=700" "/b: mode"
  [[ $ERR != *warning* ]] || fail "a warning for plain options: $ERR"
}

# fstab options (nofail, x-*, user): tmpfs would refuse them as unknown
# parameters; they are dropped, as libmount did, and said; "user" still
# means noexec,nosuid,nodev.
test_mountopts_fstab_options_dropped() {
  make_bundle "$T/b" sh -c "$SHOW_OPTS"'; show /a'
  add_tmpfs "$T/b" /a '["nofail", "x-systemd.automount", "user", "mode=700"]'
  run_ok c1 "$T/b"
  assert_contains "$OUT" "nosuid,nodev,noexec" "/a: the flags 'user' implies"
  assert_contains "$OUT" "mode=700" "/a: mode"
  assert_contains "$ERR" "mounts[" "the warning names the mount"
  assert_contains "$ERR" "option 'nofail' is a mount(8)/fstab option" "warning for nofail"
  assert_contains "$ERR" "option 'x-systemd.automount'" "warning for x-systemd.automount"
  assert_contains "$ERR" "option 'user'" "warning for user"
}

test_mountopts_unclosed_quote_refused() {
  make_bundle "$T/b" true
  add_tmpfs "$T/b" /a '["ro", "context=\"system_u:object_r:x:s0:c1,c2"]'
  assert_fail_with "(/a): options 'ro,context=\"system_u:object_r:x:s0:c1,c2': a double quote is not closed" \
    $MR run --bundle "$T/b" c1
  assert_no_state
}
