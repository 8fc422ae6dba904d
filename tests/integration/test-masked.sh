# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-masked.sh - linux.maskedPaths and linux.readonlyPaths, seen from
# inside real containers: the default lists of `minirun spec`, flags kept on
# read-only paths, submounts made read-only too, missing paths skipped, and
# an image whose /dev/null is not the null device (CVE-2025-31133).

# A script run inside the container: for each path argument, one line
# "PATH KIND ENTRIES/BYTES-READ [DEVNUMS] WRITE-RESULT" (KIND: dir, file, absent).
MASK_PROBE='for p in "$@"; do
  if [ ! -e "$p" ]; then echo "$p absent"; continue; fi
  if [ -d "$p" ]; then
    n=$(ls -A "$p" | wc -l)
    w=$(touch "$p/.probe" 2>&1 && echo writable)
    echo "$p dir $n $w"
  else
    n=$(cat "$p" 2>/dev/null | wc -c)
    # Writes reach the null device (a ro mount does not stop device I/O);
    # the node itself cannot be changed.
    w=$(chmod 600 "$p" 2>&1 && echo changeable)
    echo "$p file $n $(stat -c %t:%T "$p") $w"
  fi
done'

test_masked_paths_default_spec() {
  make_bundle "$T/b" true
  local paths
  paths=$(jq -r '.linux.maskedPaths[]' "$T/b/config.json")
  [ -n "$paths" ] || fail "minirun spec has no maskedPaths"
  set_args "$T/b" sh -c "$MASK_PROBE; cat /proc/self/mountinfo" sh $paths
  run_ok c1 "$T/b"
  local p line files=0 dirs=0
  for p in $paths; do
    line=$(echo "$OUT" | grep "^$p " || true)
    if [ ! -e "$p" ]; then
      # Absent on this kernel: skipped silently, and absent inside too.
      assert_eq "$p absent" "$line" "masked path missing on the host"
      continue
    fi
    if [ -d "$p" ]; then
      dirs=$((dirs + 1))
      assert_match "$line" "^$p dir 0 .*Read-only file system" "masked directory $p"
      assert_eq tmpfs "$(mi_fstype "$OUT" "$p")" "file system on masked directory $p"
      has_opt "$(mi_opts "$OUT" "$p")" ro || fail "masked directory $p is not mounted ro"
    else
      files=$((files + 1))
      # The null device itself (char 1:3): reads nothing; on a ro bind.
      assert_match "$line" "^$p file 0 1:3 .*Read-only file system" "masked file $p"
      has_opt "$(mi_opts "$OUT" "$p")" ro || fail "masked file $p is not mounted ro"
    fi
  done
  [ "$files" -gt 0 ] && [ "$dirs" -gt 0 ] ||
    skip "this kernel has none of the default masked files or directories ($files files, $dirs dirs)"
  # /proc/timer_list has content on the host: inside it reads nothing.
  if [ -r /proc/timer_list ] && [ "$(head -c 100 /proc/timer_list | wc -c)" -gt 0 ]; then
    assert_match "$(echo "$OUT" | grep '^/proc/timer_list ')" '^/proc/timer_list file 0 ' \
      "/proc/timer_list inside"
  fi
}

test_readonly_paths_default_spec() {
  make_bundle "$T/b" sh -c 'for p in "$@"; do
      [ -e "$p" ] || { echo "$p absent"; continue; }
      echo "$p present"; done
    (echo evil >/proc/sys/kernel/hostname) 2>&1 || true
    echo "hostname=$(hostname) $(cat /proc/sys/kernel/hostname)"
    (echo 1 >/proc/sys/kernel/ns_last_pid) 2>&1 || true
    cat /proc/self/mountinfo' sh /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger
  local host_hostname paths p
  host_hostname=$(cat /proc/sys/kernel/hostname)
  paths=$(jq -r '.linux.readonlyPaths[]' "$T/b/config.json")
  assert_contains "$paths" /proc/sys "readonlyPaths of minirun spec"
  run_ok c1 "$T/b"
  assert_match "$OUT" "can't create /proc/sys/kernel/hostname: Read-only file system" \
    "writing /proc/sys/kernel/hostname"
  assert_match "$OUT" "can't create /proc/sys/kernel/ns_last_pid: Read-only file system" \
    "writing /proc/sys/kernel/ns_last_pid"
  assert_contains "$OUT" "hostname=minirun minirun" "hostname after the write attempt"
  assert_eq "$host_hostname" "$(cat /proc/sys/kernel/hostname)" "host's hostname"
  for p in $paths; do
    if grep -qx "$p present" <<<"$OUT"; then
      has_opt "$(mi_opts "$OUT" "$p")" ro || fail "read-only path $p is not mounted ro: $(mi_line "$OUT" "$p")"
    else
      [ ! -e "$p" ] || fail "$p exists on the host but not in the container"
    fi
  done
}

# The read-only bind keeps nosuid/nodev/noexec of the mount it covers.
test_readonly_paths_keep_flags() {
  make_bundle "$T/b" cat /proc/self/mountinfo
  jqset "$T/b" '(.mounts[] | select(.destination == "/proc") | .options) = ["nosuid", "nodev", "noexec"]
    | .linux.readonlyPaths = ["/proc/sys"] | .linux.maskedPaths = []'
  run_ok c1 "$T/b"
  local o
  o=$(mi_opts "$OUT" /proc/sys)
  for f in ro nosuid nodev noexec; do
    has_opt "$o" $f || fail "/proc/sys options '$o' lack $f"
  done
}

# Every mount below a read-only path is read-only as well.
test_readonly_paths_recursive() {
  mkdir -p "$T/host/sub"
  make_bundle "$T/b" sh -c 'touch /data/a 2>&1; touch /data/sub/b 2>&1; touch /data/sub/t/c 2>&1; cat /proc/self/mountinfo'
  add_bind "$T/b" "$T/host" /data rbind rw
  jqset "$T/b" '.mounts += [{"destination": "/data/sub/t", "type": "tmpfs", "source": "tmpfs"}]
    | .linux.readonlyPaths = ["/data"] | .linux.maskedPaths = []'
  run_ok c1 "$T/b"
  assert_contains "$OUT" "touch: /data/a: Read-only file system" "touch /data/a"
  assert_contains "$OUT" "touch: /data/sub/b: Read-only file system" "touch /data/sub/b"
  assert_contains "$OUT" "touch: /data/sub/t/c: Read-only file system" "touch in the tmpfs below"
  has_opt "$(mi_opts "$OUT" /data/sub/t)" ro || fail "/data/sub/t not ro: $(mi_line "$OUT" /data/sub/t)"
  [ ! -e "$T/host/a" ] || fail "file created through a read-only path"
  # The host's mount stays writable.
  touch "$T/host/after" || fail "the host directory became read-only"
}

test_masked_paths_missing_are_skipped() {
  make_bundle "$T/b" sh -c 'echo ran; ls /nope 2>&1 || true'
  jqset "$T/b" '.linux.maskedPaths = ["/nope", "/proc/nope/deeper", "/etc/nofile"]
    | .linux.readonlyPaths = ["/nope2", "/proc/sys/nope"]'
  run_ok c1 "$T/b"
  assert_eq ran "$(echo "$OUT" | head -n1)" "output with missing masked paths"
}

# A masked path that is a symlink inside the image is resolved inside the
# rootfs: the target of the link in the container gets masked.
test_masked_path_symlink_stays_inside() {
  echo host-secret >"$T/secret"
  make_bundle "$T/b" sh -c 'cat /etc/secretlink 2>&1; cat /etc/target'
  echo container-content >"$T/b/rootfs/etc/target"
  ln -s "$T/secret" "$T/b/rootfs/etc/secretlink"
  ln -s /etc/target "$T/b/rootfs/etc/masklink"
  jqset "$T/b" '.linux.maskedPaths = ["/etc/secretlink", "/etc/masklink"]'
  run_ok c1 "$T/b"
  # /etc/secretlink points to a path absent inside: skipped. /etc/masklink
  # masks the container's /etc/target.
  assert_contains "$(echo "$OUT" | sed -n 1p)" "No such file or directory" "reading through the dangling link"
  assert_eq "" "$(echo "$OUT" | sed -n 2p)" "/etc/target masked through /etc/masklink"
  assert_eq host-secret "$(cat "$T/secret")" "host file"
  ! grep -qF "$T/secret" /proc/self/mountinfo || fail "host file mounted"
}

test_masked_paths_relative_rejected() {
  make_bundle "$T/b" true
  jqset "$T/b" '.linux.maskedPaths = ["/proc/kcore", "proc/keys"]'
  assert_fail_with "linux.maskedPaths[1]: 'proc/keys' is not an absolute path" $MR run --bundle "$T/b" c1
  assert_no_state
  jqset "$T/b" '.linux.maskedPaths = [] | .linux.readonlyPaths = [""]'
  assert_fail_with "linux.readonlyPaths[0]: '' is not an absolute path" $MR run --bundle "$T/b" c1
  assert_no_state
  jqset "$T/b" '.linux.readonlyPaths = [1]'
  assert_fail_with "linux.readonlyPaths" $MR run --bundle "$T/b" c1
  assert_no_state
}

# ---------------------------------------------------------------------------
# The image's /dev/null (no /dev tmpfs: the image's /dev is used as is)
# ---------------------------------------------------------------------------

# hostile_devnull_bundle: a bundle without /dev mounts whose masked path
# /proc/keys needs /dev/null.
hostile_devnull_bundle() {
  make_bundle "$T/b" sh -c 'cat /proc/keys | wc -c; stat -c %t:%T /proc/keys'
  jqset "$T/b" '.mounts |= map(select(.destination | startswith("/dev") | not))
    | .linux.maskedPaths = ["/proc/keys"] | .linux.readonlyPaths = []'
  [ -f /proc/keys ] || skip "this kernel has no /proc/keys"
  echo host-file-content >"$T/hostfile"
}

assert_host_file_untouched() {
  assert_eq host-file-content "$(cat "$T/hostfile")" "host file content"
  ! grep -qF "$T/hostfile" /proc/self/mountinfo || fail "host file is mounted somewhere"
  assert_no_state
}

test_masked_devnull_regular_file_refused() {
  hostile_devnull_bundle
  echo image-content >"$T/b/rootfs/dev/null"
  assert_fail_with "/dev/null in the container is not the null device" $MR run --bundle "$T/b" c1
  assert_eq image-content "$(cat "$T/b/rootfs/dev/null")" "the image's /dev/null"
  assert_host_file_untouched
}

test_masked_devnull_symlink_to_host_refused() {
  hostile_devnull_bundle
  ln -s "$T/hostfile" "$T/b/rootfs/dev/null"
  assert_fail_with "/dev/null in the container is not the null device" $MR run --bundle "$T/b" c1
  assert_host_file_untouched
  # A link to the host's real /dev/null (1:3, but a host path) is refused too.
  rm "$T/b/rootfs/dev/null"
  ln -s /dev/null "$T/b/rootfs/dev/null"
  assert_fail_with "/dev/null in the container is not the null device" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_masked_devnull_other_device_refused() {
  hostile_devnull_bundle
  mknod "$T/b/rootfs/dev/null" c 1 5 # /dev/zero
  assert_fail_with "/dev/null in the container is not the null device" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_masked_devnull_missing() {
  hostile_devnull_bundle
  assert_fail_with "open /dev/null of the container" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_masked_devnull_real_node_in_image() {
  hostile_devnull_bundle
  mknod -m 666 "$T/b/rootfs/dev/null" c 1 3
  run_ok c1 "$T/b"
  assert_eq "0" "$(echo "$OUT" | sed -n 1p | tr -d ' ')" "bytes read from masked /proc/keys"
  assert_eq "1:3" "$(echo "$OUT" | sed -n 2p)" "device numbers of masked /proc/keys"
}

# In a new user namespace the kernel locks the flags of the mounts the
# masks and read-only binds sit on: they must still apply.
test_masked_paths_user_namespace() {
  [ -f /proc/keys ] && [ -d /proc/acpi ] || skip "this kernel has no /proc/keys or /proc/acpi"
  make_bundle "$T/b" sh -c 'stat -c "%t:%T" /proc/keys; cat /proc/keys | wc -c; ls -A /proc/acpi | wc -l
                            (echo 1 >/proc/sys/kernel/ns_last_pid) 2>&1; cat /proc/self/mountinfo'
  jqset "$T/b" '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
  chown -R 200000:200000 "$T/b/rootfs"
  run_ok c1 "$T/b"
  assert_eq "1:3" "$(echo "$OUT" | sed -n 1p)" "masked /proc/keys in a user namespace"
  assert_eq "0" "$(echo "$OUT" | sed -n 2p | tr -d ' ')" "bytes read from /proc/keys"
  assert_eq "0" "$(echo "$OUT" | sed -n 3p | tr -d ' ')" "entries of masked /proc/acpi"
  assert_contains "$(echo "$OUT" | sed -n 4p)" "Read-only file system" "writing /proc/sys in a user namespace"
  has_opt "$(mi_opts "$OUT" /proc/sys)" ro || fail "/proc/sys not ro: $(mi_line "$OUT" /proc/sys)"
}
