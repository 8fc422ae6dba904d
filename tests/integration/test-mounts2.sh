# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-mounts2.sh - per-mount features of config.json "mounts", seen from
# inside real containers: idmapped binds (idmap/ridmap, per-mount and the
# container's mappings), tmpcopyup, per-mount propagation (mountinfo's
# shared:N/master:N/unbindable), nosymfollow, and the options refused.

# ---------------------------------------------------------------------------
# idmap / ridmap
# ---------------------------------------------------------------------------

idmap_host_dir() {
  mkdir -p "$T/host/sub"
  echo data >"$T/host/root-file"
  touch "$T/host/user-file"
  chown 0:0 "$T/host/root-file" "$T/host/sub"
  chown 1000:1001 "$T/host/user-file"
  chmod 755 "$T" "$T/host"
}

# add_idmapped DIR DEST OPTIONS-JSON [MAPPINGS-JSON]
add_idmapped() {
  jqset "$1" '.mounts += [{"destination": $dst, "type": "bind", "source": $src,
                           "options": $opts} + $maps]' \
    --arg dst "$2" --arg src "$T/host" --argjson opts "$3" --argjson maps "${4:-{\}}"
}

# The old-kernel mode (run.sh MR_OLD_KERNEL=1) has no idmapped mounts: the
# run must fail with the error naming the kernel feature, then the test
# skips saying so.
idmap_or_skip() { # BUNDLE
  old_kernel_mode || return 0
  assert_fail_with "idmapped mounts need open_tree (Linux 5.2) and mount_setattr (Linux 5.12)" \
    $MR run --bundle "$1" c1
  assert_no_state
  skip "old-kernel mode: idmapped mounts need Linux 5.12 (the clear error was checked)"
}

MAPS_2000='{"uidMappings": [{"containerID": 0, "hostID": 2000, "size": 1},
                            {"containerID": 1000, "hostID": 5000, "size": 10}],
            "gidMappings": [{"containerID": 0, "hostID": 3000, "size": 1},
                            {"containerID": 1000, "hostID": 6000, "size": 10}]}'

test_mount_idmap_per_mount_mappings() {
  idmap_host_dir
  make_bundle "$T/b" sh -c 'stat -c "%n %u:%g" /data/root-file /data/user-file /data/sub
                            grep " /data " /proc/self/mountinfo'
  add_idmapped "$T/b" /data '["rbind", "idmap"]' "$MAPS_2000"
  idmap_or_skip "$T/b"
  run_ok c1 "$T/b"
  assert_eq "/data/root-file 2000:3000
/data/user-file 5000:6001
/data/sub 2000:3000" "$(echo "$OUT" | head -n3)" "owners seen through the idmapped mount"
  assert_contains "$(echo "$OUT" | sed -n 4p)" idmapped "mountinfo options of /data"
  # Nothing was chowned on the host.
  assert_eq "0:0 1000:1001" "$(stat -c %u:%g "$T/host/root-file") $(stat -c %u:%g "$T/host/user-file")" \
    "owners on the host"
}

# Mappings without the option: an idmapped mount as well.
test_mount_idmap_implied_by_mappings() {
  idmap_host_dir
  make_bundle "$T/b" stat -c "%u:%g" /data/root-file
  add_idmapped "$T/b" /data '["bind"]' "$MAPS_2000"
  idmap_or_skip "$T/b"
  run_ok c1 "$T/b"
  assert_eq "2000:3000" "$OUT" "owner through a mount with mappings only"
}

# Without mappings of its own the mount takes the container's user
# namespace mappings: host root's files appear as the container's root.
test_mount_idmap_container_userns() {
  idmap_host_dir
  make_bundle "$T/b" sh -c 'stat -c "%u:%g" /data/root-file /plain/root-file; echo new >/data/created && echo create-ok'
  jqset "$T/b" '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .root.readonly = false
    | .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
  add_idmapped "$T/b" /data '["rbind", "idmap"]'
  add_bind "$T/b" "$T/host" /plain rbind
  chown -R 200000:200000 "$T/b/rootfs"
  idmap_or_skip "$T/b"
  run_ok c1 "$T/b"
  assert_eq "0:0
65534:65534
create-ok" "$OUT" "owners inside a user namespace with and without idmap"
  # Created by the container's root through the mapping: host root on disk.
  assert_eq "0:0" "$(stat -c %u:%g "$T/host/created")" "owner on the host of a file created inside"
}

# ridmap idmaps every mount of the tree; idmap only the top one.
ridmap_run() {
  idmap_host_dir
  make_bundle "$T/b" sh -c 'stat -c "%u:%g" /data/root-file /data/sub/f'
  add_idmapped "$T/b" /data "$1" "$MAPS_2000"
  idmap_or_skip "$T/b"
  # The submount exists in a private mount namespace only (never on the host).
  capture unshare -m --propagation private sh -c '
    mount -t tmpfs tmpfs "$1/host/sub" && touch "$1/host/sub/f" &&
      exec '"$MR"' run --bundle "$1/b" c1' sh "$T"
  [ "$LAST_RC" -eq 0 ] || fail "run with $1 exited $LAST_RC: $LAST_ERR"
}

test_mount_ridmap_recursive() {
  ridmap_run '["rbind", "ridmap"]'
  assert_eq "2000:3000
2000:3000" "$LAST_OUT" "owners with ridmap (top mount, submount)"
}

test_mount_idmap_top_only() {
  ridmap_run '["rbind", "idmap"]'
  assert_eq "2000:3000
0:0" "$LAST_OUT" "owners with idmap (top mount, submount)"
}

test_mount_idmap_errors() {
  idmap_host_dir
  make_bundle "$T/b" true
  cp "$T/b/config.json" "$T/orig.json"
  jqset "$T/b" '.mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}]'
  assert_fail_with "mounts[7] (/t): idmapped mounts must be bind mounts" $MR run --bundle "$T/b" c1
  assert_no_state
  cp "$T/orig.json" "$T/b/config.json"
  add_idmapped "$T/b" /data '["rbind", "idmap"]'
  assert_fail_with "mounts[7] (/data): an idmapped mount needs uidMappings and gidMappings" \
    $MR run --bundle "$T/b" c1
  assert_no_state
  cp "$T/orig.json" "$T/b/config.json"
  add_idmapped "$T/b" /data '["rbind"]' '{"uidMappings": [{"containerID": 0, "hostID": 1, "size": 0}],
                                          "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}'
  assert_fail_with "mounts[7].uidMappings[0].size: must be at least 1" $MR run --bundle "$T/b" c1
  assert_no_state
  cp "$T/orig.json" "$T/b/config.json"
  add_idmapped "$T/b" /data '["rbind"]' '{"uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}'
  assert_fail_with "mounts[7] (/data): an idmapped mount needs uidMappings and gidMappings" \
    $MR run --bundle "$T/b" c1
  assert_no_state
  cp "$T/orig.json" "$T/b/config.json"
  add_idmapped "$T/b" /data '["rbind"]' '{"uidMappings": [{"containerID": 4294967295, "hostID": 1, "size": 2}],
                                          "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}'
  assert_fail_with "mounts[7].uidMappings[0]" $MR run --bundle "$T/b" c1
  assert_no_state
}

# ---------------------------------------------------------------------------
# tmpcopyup
# ---------------------------------------------------------------------------

copyup_image() {
  local r=$1/rootfs/opt/app
  mkdir -p "$r/sub/deeper"
  echo content >"$r/file"
  echo deep >"$r/sub/deeper/f"
  ln -s file "$r/link"
  mkfifo "$r/fifo"
  chown 5:6 "$r/file"
  chmod 640 "$r/file"
  chmod 2750 "$r/sub"
  chmod 710 "$r"
  chown 7:8 "$r"
}

test_mount_tmpcopyup_content() {
  make_bundle "$T/b" sh -c 'cd /opt/app && stat -c "%n %F %a %u:%g" . file sub sub/deeper/f link fifo
                            readlink link; cat file sub/deeper/f; echo changed >file
                            grep " /opt/app " /proc/self/mountinfo'
  copyup_image "$T/b"
  jqset "$T/b" '.mounts += [{"destination": "/opt/app", "type": "tmpfs", "source": "tmpfs",
                             "options": ["tmpcopyup", "mode=700"]}]'
  # The copied tree keeps the image's owners and modes (710 7:8): root
  # needs DAC_OVERRIDE to look inside, as it would on the host.
  jqset "$T/b" '.process.capabilities[] += ["CAP_DAC_OVERRIDE"]'
  run_ok c1 "$T/b"
  assert_eq ". directory 710 7:8
file regular file 640 5:6
sub directory 2750 0:0
sub/deeper/f regular file 644 0:0
link symbolic link 777 0:0
fifo fifo 644 0:0
file
content
deep" "$(echo "$OUT" | head -n9)" "the copied tree inside"
  assert_eq tmpfs "$(mi_fstype "$OUT" /opt/app)" "file system on /opt/app"
  assert_eq content "$(cat "$T/b/rootfs/opt/app/file")" "the image's file after a write inside"
}

test_mount_tmpcopyup_readonly() {
  make_bundle "$T/b" sh -c 'cat /opt/app/file; touch /opt/app/new 2>&1 || true'
  copyup_image "$T/b"
  jqset "$T/b" '.mounts += [{"destination": "/opt/app", "type": "tmpfs", "source": "tmpfs",
                             "options": ["tmpcopyup", "ro"]}]'
  jqset "$T/b" '.process.capabilities[] += ["CAP_DAC_OVERRIDE"]'
  run_ok c1 "$T/b"
  assert_eq "content
touch: /opt/app/new: Read-only file system" "$OUT" "read-only tmpcopyup tmpfs"
}

test_mount_tmpcopyup_missing_dir() {
  make_bundle "$T/b" sh -c 'ls -A /new/dir | wc -l'
  jqset "$T/b" '.mounts += [{"destination": "/new/dir", "type": "tmpfs", "source": "tmpfs",
                             "options": ["tmpcopyup"]}]'
  run_ok c1 "$T/b"
  assert_eq 0 "$(echo $OUT)" "entries in a tmpcopyup tmpfs over a new directory"
}

test_mount_tmpcopyup_not_tmpfs() {
  mkdir -p "$T/host"
  make_bundle "$T/b" true
  add_bind "$T/b" "$T/host" /data rbind tmpcopyup
  assert_fail_with "mounts[7] (/data): tmpcopyup needs a tmpfs mount" $MR run --bundle "$T/b" c1
  assert_no_state
}

# ---------------------------------------------------------------------------
# Propagation, nosymfollow, refused options
# ---------------------------------------------------------------------------

test_mount_propagation_per_mount() {
  mkdir -p "$T/host/a" "$T/host/b"
  make_bundle "$T/b" cat /proc/self/mountinfo
  mkdir -p "$T/b/rootfs/sh"
  add_bind "$T/b" "$T/host" /sh bind shared
  # A bind of the shared mount (in the container's mount namespace) made a slave of it.
  add_bind "$T/b" "$T/b/rootfs/sh" /sl bind slave
  add_bind "$T/b" "$T/host/a" /pr bind private
  add_bind "$T/b" "$T/host/b" /ub bind unbindable
  # The last propagation option wins.
  add_bind "$T/b" "$T/host/a" /last bind shared private
  run_ok c1 "$T/b"
  local sh sl
  sh=$(mi_optional "$OUT" /sh)
  sl=$(mi_optional "$OUT" /sl)
  assert_match "$sh" '^ shared:[0-9]+$' "optional fields of the shared mount"
  assert_eq " master:${sh#*shared:}" "$sl" "optional fields of the slave mount"
  assert_eq "" "$(mi_optional "$OUT" /pr)" "optional fields of the private mount"
  assert_eq " unbindable" "$(mi_optional "$OUT" /ub)" "optional fields of the unbindable mount"
  assert_eq "" "$(mi_optional "$OUT" /last)" "optional fields of 'shared private'"
}

test_mount_propagation_recursive() {
  mkdir -p "$T/host/sub"
  make_bundle "$T/b" cat /proc/self/mountinfo
  mkdir -p "$T/b/rootfs/data"
  add_bind "$T/b" "$T/host" /data rbind rshared
  jqset "$T/b" '.mounts += [{"destination": "/data/sub", "type": "tmpfs", "source": "tmpfs"},
                            {"destination": "/data2", "type": "bind", "source": $src, "options": ["rbind", "rslave"]}]' \
    --arg src "$T/b/rootfs/data"
  run_ok c1 "$T/b"
  local top sub
  top=$(mi_optional "$OUT" /data)
  sub=$(mi_optional "$OUT" /data/sub)
  assert_match "$top" '^ shared:[0-9]+$' "optional fields of /data (rshared)"
  # The tmpfs mounted later under a shared mount joins propagation too.
  assert_match "$sub" '^ shared:[0-9]+$' "optional fields of /data/sub"
  assert_eq " master:${top#*shared:}" "$(mi_optional "$OUT" /data2)" "optional fields of /data2 (rslave)"
  assert_eq " master:${sub#*shared:}" "$(mi_optional "$OUT" /data2/sub)" "optional fields of /data2/sub (rslave)"
}

test_mount_nosymfollow() {
  mkdir -p "$T/host"
  ln -s /etc/passwd "$T/host/link"
  make_bundle "$T/b" sh -c 'cat /data/link 2>&1 | head -n1; readlink /data/link
                            ln -s /etc/group /t/l; cat /t/l 2>&1; cat /etc/group >/dev/null && echo direct-ok
                            grep -E " /(data|t) " /proc/self/mountinfo'
  add_bind "$T/b" "$T/host" /data rbind nosymfollow
  jqset "$T/b" '.mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["nosymfollow"]}]'
  run_ok c1 "$T/b"
  assert_eq "cat: can't open '/data/link': Too many levels of symbolic links
/etc/passwd
cat: can't open '/t/l': Too many levels of symbolic links
direct-ok" "$(echo "$OUT" | head -n4)" "following symlinks on nosymfollow mounts"
  has_opt "$(mi_opts "$OUT" /data)" nosymfollow || fail "/data lacks nosymfollow: $(mi_line "$OUT" /data)"
  has_opt "$(mi_opts "$OUT" /t)" nosymfollow || fail "/t lacks nosymfollow: $(mi_line "$OUT" /t)"
}

test_mount_bind_unknown_option() {
  mkdir -p "$T/host"
  make_bundle "$T/b" true
  add_bind "$T/b" "$T/host" /data rbind frobnicate
  assert_fail_with "mounts[7] (/data): option(s) 'frobnicate' are not valid for a bind mount" \
    $MR run --bundle "$T/b" c1
  assert_no_state
}

# Each idmapped mount is an fd the init keeps until it attaches the mount:
# more of them than the init's fd list once had room for (32) all arrive.
test_mount_idmap_many() {
  idmap_host_dir
  make_bundle "$T/b" sh -c 'for i in $(seq 1 40); do stat -c "%u:%g" /data$i/root-file; done | sort | uniq -c'
  local i
  for i in $(seq 1 40); do
    add_idmapped "$T/b" /data$i '["bind"]' "$MAPS_2000"
  done
  idmap_or_skip "$T/b"
  run_ok c1 "$T/b"
  assert_eq "40 2000:3000" "$(echo $OUT)" "owners seen through 40 idmapped mounts"
}
