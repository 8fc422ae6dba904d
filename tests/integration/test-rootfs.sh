# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-rootfs.sh - root filesystem and namespace features: --no-pivot,
# linux.rootfsPropagation, bind mount flags, unsupported mount options,
# relative bind sources, time and cgroup namespaces, hostname/domainname
# without a uts namespace, a missing mount namespace, linux.devices, a /dev
# that is not a tmpfs, a read-only root with a writable /tmp, and HOME.
#
# Covered elsewhere (test-run.sh) and not repeated here: tmpfs size=/mode=
# options, domainname with a uts namespace, umask, additionalGids.

# ---------------------------------------------------------------------------
# --no-pivot
# ---------------------------------------------------------------------------

test_no_pivot() {
  make_bundle "$T/b" sh -c 'cat /marker; test -x /bin/busybox && echo busybox-ok
                            test -e "$1" && echo host-visible || echo host-hidden
                            ls /.. | sort | tr "\n" " "; echo
                            ls / | sort | tr "\n" " "; echo' sh "$T"
  echo "rootfs-marker-$$" >"$T/b/rootfs/marker"
  run_ok c1 "$T/b" --no-pivot
  assert_eq "rootfs-marker-$$" "$(echo "$OUT" | sed -n 1p)" "/marker inside with --no-pivot"
  assert_eq busybox-ok "$(echo "$OUT" | sed -n 2p)" "/bin/busybox inside with --no-pivot"
  assert_eq host-hidden "$(echo "$OUT" | sed -n 3p)" "the host test dir $T inside with --no-pivot"
  assert_eq "$(echo "$OUT" | sed -n 5p)" "$(echo "$OUT" | sed -n 4p)" "/.. vs / inside with --no-pivot"
  [ ! -e "$T/state/c1" ] || fail "state dir left after run --no-pivot"
}

test_no_pivot_create_start() {
  make_bundle "$T/b" cat /marker
  echo "marker-cs-$$" >"$T/b/rootfs/marker"
  create_ok c1 "$T/b" --no-pivot
  assert_ok $MR start c1
  wait_for 10 "status stopped" status_is c1 stopped
  assert_eq "marker-cs-$$" "$(cat "$T/c1.out")" "output of a --no-pivot container started separately"
  assert_ok $MR delete c1
}

# ---------------------------------------------------------------------------
# linux.rootfsPropagation
# ---------------------------------------------------------------------------

# run_propagation VALUE: runs a container printing its mountinfo with
# linux.rootfsPropagation = VALUE; sets OUT.
run_propagation() {
  make_bundle "$T/b" sh -c 'echo prop-ok; cat /proc/self/mountinfo'
  jqset "$T/b" '.linux.rootfsPropagation = $p' --arg p "$1"
  run_ok c1 "$T/b"
  assert_eq prop-ok "$(echo "$OUT" | sed -n 1p)" "first line of output with rootfsPropagation $1"
}

test_rootfs_propagation_private() {
  run_propagation private
  local o
  o=$(mi_optional "$OUT" /)
  assert_not_contains "$o" "shared:" "propagation of / with rootfsPropagation private"
  assert_not_contains "$o" "master:" "propagation of / with rootfsPropagation private"
}

test_rootfs_propagation_rslave() {
  # rslave and rprivate only differ when the rootfs sits on a shared mount:
  # make it one, in a private mount namespace of the test. The container's /
  # must then be a slave of that peer group (master:N), and a mount made on
  # the host side after the start must propagate in.
  make_bundle "$T/b" sh -c 'cat /proc/self/mountinfo; echo ---
                            for i in $(seq 100); do test -e /mnt/here && break; sleep 0.05; done
                            cat /proc/self/mountinfo'
  jqset "$T/b" '.linux.rootfsPropagation = "rslave"'
  mkdir -p "$T/probe" && touch "$T/probe/here"
  capture unshare -m sh -c '
    mount --make-rprivate / && mount --bind "$1/b/rootfs" "$1/b/rootfs" &&
      mount --make-shared "$1/b/rootfs" || exit 99
    grep " $1/b/rootfs " /proc/self/mountinfo >"$1/host-mi"
    $2 run --bundle "$1/b" c1 >"$1/out" 2>"$1/err" &
    ctr=$!
    sleep 0.5
    mount --bind "$1/probe" "$1/b/rootfs/mnt"
    wait $ctr' sh "$T" "$MR"
  [ "$LAST_RC" != 99 ] || skip "cannot make a shared mount in a private mount namespace: $LAST_ERR"
  assert_eq 0 "$LAST_RC" "exit status of the container (stderr: $(cat "$T/err"))"
  local group before after
  group=$(grep -oE 'shared:[0-9]+' "$T/host-mi" | head -n1)
  [ -n "$group" ] || fail "the bind of the rootfs is not shared: $(cat "$T/host-mi")"
  before=$(sed '/^---$/,$d' "$T/out")
  after=$(sed '1,/^---$/d' "$T/out")
  assert_contains "$(mi_optional "$before" /)" "master:${group#shared:}" \
    "propagation of / with rootfsPropagation rslave (host peer group $group)"
  assert_not_contains "$(mi_optional "$before" /)" "shared:" "propagation of / with rootfsPropagation rslave"
  [ -n "$(mi_line "$after" /mnt)" ] || fail "a host mount made after the start did not propagate into the rslave rootfs"
}

test_rootfs_propagation_rshared() {
  run_propagation rshared
  assert_contains "$(mi_optional "$OUT" /)" "shared:" "propagation of / with rootfsPropagation rshared"
}

test_rootfs_propagation_invalid() {
  make_bundle "$T/b" true
  jqset "$T/b" '.linux.rootfsPropagation = "sideways"'
  assert_fail_with "linux.rootfsPropagation" $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" sideways "stderr for an invalid rootfsPropagation"
  assert_no_state
  assert_fail_with "linux.rootfsPropagation" $MR create --bundle "$T/b" c1
  assert_no_state
}

# ---------------------------------------------------------------------------
# Bind mount options
# ---------------------------------------------------------------------------

test_bind_rro_is_readonly() {
  mkdir "$T/host"
  echo host-data >"$T/host/file"
  make_bundle "$T/b" sh -c 'cat /data/file; grep " /data " /proc/self/mountinfo; touch /data/new'
  add_bind "$T/b" "$T/host" /data bind rro
  run_ctr c1 "$T/b"
  assert_eq host-data "$(echo "$OUT" | sed -n 1p)" "content of /data/file"
  has_opt "$(mi_opts "$OUT" /data)" ro || fail "/data with 'bind,rro' is not read-only in mountinfo: $(_mr_show "$OUT")"
  assert_ne 0 "$RC" "exit status of touch on a 'bind,rro' mount"
  assert_contains "$ERR" "Read-only file system" "stderr of touch"
  [ ! -e "$T/host/new" ] || fail "a file was created through a 'bind,rro' mount"
}

test_bind_nosuid_nodev_noexec() {
  mkdir "$T/host"
  printf '#!/bin/sh\necho script-ran\n' >"$T/host/s.sh"
  chmod 755 "$T/host/s.sh"
  make_bundle "$T/b" sh -c 'grep " /data " /proc/self/mountinfo; /data/s.sh || echo exec-failed'
  add_bind "$T/b" "$T/host" /data bind nosuid nodev noexec
  run_ok c1 "$T/b"
  local opts
  opts=$(mi_opts "$OUT" /data)
  [ -n "$opts" ] || fail "no /data mount in mountinfo: $(_mr_show "$OUT")"
  local o
  for o in nosuid nodev noexec; do
    has_opt "$opts" $o || fail "/data lacks $o in mountinfo: $opts"
  done
  has_opt "$opts" rw || fail "/data is not rw: $opts"
  assert_not_contains "$OUT" script-ran "output of a script on a noexec mount"
  assert_contains "$OUT" exec-failed "output of a script on a noexec mount"
}

test_bind_flags_without_noexec_executes() {
  # Counterpart of the test above: the same script runs from a plain bind.
  mkdir "$T/host"
  printf '#!/bin/sh\necho script-ran\n' >"$T/host/s.sh"
  chmod 755 "$T/host/s.sh"
  make_bundle "$T/b" /data/s.sh
  add_bind "$T/b" "$T/host" /data bind nosuid nodev
  run_ok c1 "$T/b"
  assert_eq script-ran "$OUT" "output of a script on a bind mount without noexec"
}

# idmap/ridmap themselves: test-mounts2.sh.

test_bind_relative_source() {
  # The source is relative to the bundle, not to the cwd of minirun.
  mkdir "$T/b" "$T/b/data-rel" "$T/data-rel"
  echo from-bundle >"$T/b/data-rel/f"
  echo from-cwd >"$T/data-rel/f"
  make_bundle "$T/b" cat /data/f
  jqset "$T/b" '.mounts += [{"destination": "/data", "type": "bind", "source": "data-rel",
                             "options": ["rbind", "ro"]}]'
  local rc=0
  (cd "$T" && $MR run --bundle "$T/b" c1 >"$T/out" 2>"$T/err" </dev/null) || rc=$?
  assert_eq 0 "$rc" "exit status with a relative bind source (stderr: $(_mr_show "$(cat "$T/err")"))"
  assert_eq from-bundle "$(cat "$T/out")" "file read through a relative bind source"
}

test_bind_relative_source_dot_slash() {
  mkdir -p "$T/b/sub/dir"
  echo dot-slash >"$T/b/sub/dir/f"
  make_bundle "$T/b" cat /data/f
  add_bind "$T/b" ./sub/dir /data rbind ro
  run_ok c1 "$T/b"
  assert_eq dot-slash "$OUT" "file read through the bind source ./sub/dir"
}

# ---------------------------------------------------------------------------
# Namespaces
# ---------------------------------------------------------------------------

require_time_ns() {
  [ -e /proc/self/ns/time ] || skip "the kernel has no time namespaces (/proc/self/ns/time missing)"
}

# In the old-kernel mode (run.sh MR_OLD_KERNEL=1: unshare(CLONE_NEWTIME)
# fails as before 5.6) a time namespace must fail naming the kernel feature;
# then the test skips saying so.
time_ns_or_skip() { # BUNDLE
  old_kernel_mode || return 0
  assert_fail_with "this kernel has no time namespaces: needs Linux 5.6" $MR run --bundle "$1" c1
  assert_no_state
  skip "old-kernel mode: time namespaces need Linux 5.6 (the clear error was checked)"
}

test_time_namespace_monotonic_offset() {
  require_time_ns
  make_bundle "$T/b" sh -c 'readlink /proc/self/ns/time; cat /proc/self/timens_offsets'
  jqset "$T/b" '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}}'
  time_ns_or_skip "$T/b"
  run_ok c1 "$T/b"
  assert_ne "$(host_ns time)" "$(echo "$OUT" | sed -n 1p)" "time namespace"
  assert_eq "monotonic 86400 0" "$(echo "$OUT" | awk '$1 == "monotonic"' | xargs)" "monotonic offset in /proc/self/timens_offsets"
  assert_eq "boottime 0 0" "$(echo "$OUT" | awk '$1 == "boottime"' | xargs)" "boottime offset in /proc/self/timens_offsets"
}

test_time_namespace_boottime_uptime() {
  # /proc/uptime follows CLOCK_BOOTTIME, so the boottime offset shows there
  # (a monotonic offset does not change it).
  require_time_ns
  make_bundle "$T/b" sh -c 'cat /proc/uptime; cat /proc/self/timens_offsets'
  jqset "$T/b" '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0},
                            "boottime": {"secs": 172800, "nanosecs": 500}}'
  time_ns_or_skip "$T/b"
  run_ok c1 "$T/b"
  local up host_up
  up=$(echo "$OUT" | sed -n 1p | cut -d' ' -f1 | cut -d. -f1)
  host_up=$(cut -d' ' -f1 /proc/uptime | cut -d. -f1)
  assert_match "$up" '^[0-9]+$' "uptime inside"
  [ "$up" -ge $((host_up + 172800 - 5)) ] || fail "uptime inside is $up, host uptime $host_up: the boottime offset 172800 is not applied"
  assert_eq "boottime 172800 500" "$(echo "$OUT" | awk '$1 == "boottime"' | xargs)" "boottime offset"
  assert_eq "monotonic 86400 0" "$(echo "$OUT" | awk '$1 == "monotonic"' | xargs)" "monotonic offset"
}

test_no_time_namespace_by_default() {
  require_time_ns
  make_bundle "$T/b" readlink /proc/self/ns/time
  run_ok c1 "$T/b"
  assert_eq "$(host_ns time)" "$OUT" "time namespace without a time entry"
}

test_hostname_without_uts_namespace() {
  make_bundle "$T/b" true
  jqset "$T/b" '.hostname = "no-uts-host" | .linux.namespaces = [.linux.namespaces[] | select(.type != "uts")]'
  # In a uts namespace of our own, so a product bug cannot rename the host.
  assert_fail_with "uts" unshare --uts $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" hostname "stderr for a hostname without a uts namespace"
  assert_no_state
  assert_ne no-uts-host "$(hostname)" "host hostname"
}

test_domainname_without_uts_namespace() {
  # Like runc: a domainname needs a private uts namespace (otherwise it would
  # be set on the namespace shared with the host). Runs in a uts namespace of
  # our own so a product bug cannot change the host's domainname.
  make_bundle "$T/b" cat /proc/sys/kernel/domainname
  jqset "$T/b" 'del(.hostname) | .domainname = "no-uts.example"
    | .linux.namespaces = [.linux.namespaces[] | select(.type != "uts")]'
  capture unshare --uts sh -c '"$@"; rc=$?; echo "outer-domainname $(cat /proc/sys/kernel/domainname)"; exit $rc' sh \
    $MR run --bundle "$T/b" c1
  assert_not_contains "$LAST_OUT" "outer-domainname no-uts.example" "domainname of the caller's uts namespace after the run"
  assert_ne 0 "$LAST_RC" "exit status of run with a domainname but no uts namespace (stdout: '$(_mr_show "$LAST_OUT")')"
  assert_contains "${LAST_ERR,,}" uts "stderr for a domainname without a uts namespace"
  assert_no_state
}

test_no_mount_namespace() {
  make_bundle "$T/b" true
  jqset "$T/b" '.linux.namespaces = [.linux.namespaces[] | select(.type != "mount")]'
  assert_fail_with "mount namespace is required" $MR run --bundle "$T/b" c1
  assert_no_state
  assert_fail_with "mount namespace is required" $MR create --bundle "$T/b" c1
  assert_no_state
}

test_cgroup_namespace() {
  make_bundle "$T/b" readlink /proc/self/ns/cgroup
  jqset "$T/b" '.linux.namespaces = ([.linux.namespaces[] | select(.type != "cgroup")] + [{"type": "cgroup"}])'
  run_ok c1 "$T/b"
  assert_match "$OUT" '^cgroup:\[[0-9]+\]$' "cgroup namespace link inside"
  assert_ne "$(host_ns cgroup)" "$OUT" "cgroup namespace with a cgroup entry"
}

test_no_cgroup_namespace() {
  make_bundle "$T/b" readlink /proc/self/ns/cgroup
  jqset "$T/b" '.linux.namespaces = [.linux.namespaces[] | select(.type != "cgroup")]
    | .mounts = [.mounts[] | select(.destination != "/sys/fs/cgroup")]'
  run_ok c1 "$T/b"
  assert_eq "$(host_ns cgroup)" "$OUT" "cgroup namespace without a cgroup entry"
}

# ---------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------

test_linux_devices_char() {
  make_bundle "$T/b" sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/mydev; echo data > /dev/mydev && echo write-ok'
  jqset "$T/b" '.linux.devices = [{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 3,
                                   "fileMode": 438, "uid": 0, "gid": 0}]'
  run_ok c1 "$T/b"
  assert_eq "character special file 1:3 666 0:0
write-ok" "$OUT" "stat of /dev/mydev and a write to it"
}

test_linux_devices_owner_and_mode() {
  make_bundle "$T/b" sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/myzero; head -c 3 /dev/myzero | wc -c'
  jqset "$T/b" '.linux.devices = [{"path": "/dev/myzero", "type": "c", "major": 1, "minor": 5,
                                   "fileMode": 416, "uid": 65534, "gid": 65534}]'
  # The owner reads it (root of the default spec has no CAP_DAC_OVERRIDE).
  jqset "$T/b" '.process.user = {"uid": 65534, "gid": 65534}'
  run_ok c1 "$T/b"
  assert_eq "character special file 1:5 640 65534:65534
3" "$OUT" "stat of /dev/myzero (fileMode 0640, uid/gid 65534) and a read"
}

test_dev_not_a_tmpfs() {
  # Without a /dev mount the image's /dev is used as it is (no default
  # devices are created in it); the container still runs and the image's
  # files are not modified. (Masked files need a real /dev/null: without
  # maskedPaths here; test-masked.sh covers an image's fake /dev/null.)
  printf 'image-dev-null\n' >"$T/devnull.orig"
  make_bundle "$T/b" sh -c 'echo dev-run-ok'
  cp "$T/devnull.orig" "$T/b/rootfs/dev/null"
  jqset "$T/b" '.mounts = [.mounts[] | select(.destination != "/dev")] | .linux.maskedPaths = []'
  run_ok c1 "$T/b"
  assert_eq dev-run-ok "$OUT" "output of a container whose /dev is not a tmpfs"
  { [ -f "$T/b/rootfs/dev/null" ] && cmp -s "$T/devnull.orig" "$T/b/rootfs/dev/null"; } ||
    fail "the image's /dev/null file was modified: $(stat -c '%F' "$T/b/rootfs/dev/null" 2>&1 || true)"
}

# ---------------------------------------------------------------------------
# Read-only root, HOME
# ---------------------------------------------------------------------------

test_readonly_root_with_tmpfs_tmp() {
  make_bundle "$T/b" sh -c 'echo data > /tmp/f && cat /tmp/f
                            touch /x 2>/dev/null && echo root-writable || echo root-readonly
                            grep " / " /proc/self/mountinfo'
  jqset "$T/b" '.root.readonly = true
    | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]'
  run_ok c1 "$T/b"
  assert_eq data "$(echo "$OUT" | sed -n 1p)" "write and read of /tmp/f on a tmpfs below a read-only root"
  assert_eq root-readonly "$(echo "$OUT" | sed -n 2p)" "touch /x on a read-only root"
  has_opt "$(mi_opts "$OUT" /)" ro || fail "/ is not ro in mountinfo: $(_mr_show "$(mi_line "$OUT" /)")"
  [ ! -e "$T/b/rootfs/x" ] || fail "/x was created on a read-only root"
  [ ! -e "$T/b/rootfs/tmp/f" ] || fail "/tmp/f was written to the rootfs instead of the tmpfs"
}

# run_home UID GID [ENV...]: prints HOME inside; sets OUT.
run_home() {
  local uid=$1 gid=$2
  shift 2
  make_bundle "$T/b" sh -c 'echo "HOME=$HOME"; env | grep -c "^HOME="'
  jqset "$T/b" '.process.user = {"uid": ($u | tonumber), "gid": ($g | tonumber)}
    | .process.env = ([.process.env[] | select(startswith("HOME=") | not)] + $ARGS.positional)' \
    --arg u "$uid" --arg g "$gid" --args -- "$@"
  run_ok c1 "$T/b"
}

test_home_root_from_passwd() {
  grep -q '^root:x:0:0:root:/root:' "$MR_ROOTFS_CACHE/rootfs/etc/passwd" ||
    fail "unexpected test rootfs /etc/passwd"
  run_home 0 0
  assert_eq "HOME=/root
1" "$OUT" "HOME of uid 0 (and number of HOME entries)"
}

test_home_nobody_from_passwd() {
  grep -q '^nobody:x:65534:65534:nobody:/nonexistent:' "$MR_ROOTFS_CACHE/rootfs/etc/passwd" ||
    fail "unexpected test rootfs /etc/passwd"
  run_home 65534 65534
  assert_eq "HOME=/nonexistent
1" "$OUT" "HOME of uid 65534"
}

test_home_from_env_wins() {
  run_home 0 0 HOME=/x
  assert_eq "HOME=/x
1" "$OUT" "HOME with HOME=/x in process.env"
}

test_home_unknown_uid_is_slash() {
  # Like runc: a uid without a passwd entry gets HOME=/.
  run_home 4242 4242
  assert_eq "HOME=/
1" "$OUT" "HOME of uid 4242 (not in /etc/passwd)"
}
