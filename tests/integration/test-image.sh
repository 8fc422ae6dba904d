# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-image.sh - image roots (issue 7, libminirun/image/): root.path naming
# a squashfs or EROFS file, mounted read-only with an overlay on top (a
# private tmpfs upper, or a persistent one from an annotation), root.readonly
# without overlay, bad images and annotations refused with nothing left, and
# create/delete cycles that leave no loop device. The images are built from
# the busybox rootfs of make_bundle with mksquashfs / mkfs.erofs. In the
# old-kernel mode (run-oldkernel.sh) the same tests take the mount(2)
# fallback in the container's mount namespace.

# image_bundle DIR FORMAT [ARGS...]: a bundle whose root.path is DIR/image
# (squashfs or erofs) built from make_bundle's rootfs plus /etc/marker; the
# rootfs directory itself is removed, so everything comes from the image.
image_bundle() {
  local b=$1 fmt=$2
  shift 2
  need_image_tools
  make_bundle "$b" "$@"
  echo "from-the-image" >"$b/rootfs/etc/marker"
  case $fmt in
  squashfs) mksquashfs "$b/rootfs" "$b/image" -noappend -quiet -processors 1 >/dev/null ;;
  erofs) mkfs.erofs --quiet "$b/image" "$b/rootfs" >/dev/null ;;
  *) fail "image_bundle: unknown format $fmt" ;;
  esac
  rm -rf "$b/rootfs"
  jqset "$b" '.root.path = "image" | .root.readonly = false'
}

# Shows the root mount, writes into / and reads it back.
WRITE_ROOT='awk "\$5 == \"/\"" /proc/self/mountinfo; cat /etc/marker;
  echo written >/etc/new-file && cat /etc/new-file; echo data >/root/x && cat /root/x'

overlay_over() {
  local fmt=$1 sum
  image_bundle "$T/b" "$fmt" sh -c "$WRITE_ROOT"
  sum=$(sha256sum <"$T/b/image")
  create_ok c1 "$T/b"
  if [ "$fmt" = squashfs ]; then
    assert_eq 1 "$(loops_of "$T/b/image" | wc -l)" "loop devices of the squashfs image"
  elif ! old_kernel_mode; then
    # File-backed EROFS (6.12+): no loop device at all.
    assert_eq "" "$(loops_of "$T/b/image")" "loop devices of the EROFS image"
  fi
  assert_ok $MR start c1
  wait_for 10 "c1 to stop" status_is c1 stopped
  OUT=$(cat "$T/c1.out")
  assert_eq overlay "$(mi_fstype "$OUT" /)" "fs type of / (mountinfo: $OUT)"
  assert_contains "$(mi_opts "$OUT" /)" "rw" "options of /"
  assert_contains "$OUT" "from-the-image" "a file of the image"
  assert_contains "$OUT" "written" "a file written into /etc"
  assert_contains "$OUT" "data" "a file written into /root"
  assert_ok $MR delete c1
  assert_eq "$sum" "$(sha256sum <"$T/b/image")" "sha256 of the image after the container wrote to /"
  assert_nothing_left "after delete"
}

test_squashfs_overlay() { overlay_over squashfs; }
test_erofs_overlay() { overlay_over erofs; }

# Kernels with EROFS but without file-backed EROFS (5.4-6.11, most device
# kernels) answer the file source with ENOTBLK: the image then goes through
# a loop device. The crash-point build acts as such a kernel here
# (MINIRUN_FAKE=no-file-backed-erofs, libminirun/testing/crashpoint.h).
test_erofs_without_file_backing_uses_a_loop_device() {
  local bin=${MINIRUN_BUILDDIR:-$MINIRUN_SRCDIR}/tests/crash/minirun-crashpoints
  [ -x "$bin" ] || fail "$bin is not built (make tests/crash/minirun-crashpoints)"
  image_bundle "$T/b" erofs sh -c "$WRITE_ROOT"
  echo c1 >>"$T/.mr-ids"
  local rc=0
  MINIRUN_FAKE=no-file-backed-erofs timeout 20 "$bin" --root "$T/state" --debug create \
    --bundle "$T/b" c1 </dev/null >"$T/c1.out" 2>"$T/c1.err" || rc=$?
  assert_eq 0 "$rc" "create (stderr: $(_mr_show "$(cat "$T/c1.err")"))"
  assert_contains "$(cat "$T/c1.err")" "no file-backed EROFS in this kernel" "debug log"
  assert_eq 1 "$(loops_of "$T/b/image" | wc -l)" "loop devices of the EROFS image"
  assert_ok $MR start c1
  wait_for 10 "c1 to stop" status_is c1 stopped
  OUT=$(cat "$T/c1.out")
  assert_eq overlay "$(mi_fstype "$OUT" /)" "fs type of / (mountinfo: $OUT)"
  assert_contains "$OUT" "from-the-image" "a file of the image"
  assert_contains "$OUT" "written" "a file written into /etc"
  assert_ok $MR delete c1
  assert_nothing_left "after delete"
}

# The tmpfs upper is the container's own: the next one starts clean.
test_writes_vanish_on_delete() {
  image_bundle "$T/b" erofs sh -c 'cat /etc/new-file 2>/dev/null || echo absent; echo x >/etc/new-file'
  run_ok c1 "$T/b"
  assert_eq absent "$OUT" "first container"
  run_ok c2 "$T/b"
  assert_eq absent "$OUT" "a new container after the first wrote"
}

# root.readonly: no overlay; the image mount itself is / (read-only).
readonly_root() {
  local fmt=$1
  image_bundle "$T/b" "$fmt" sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo; cat /etc/marker;
    touch /etc/new 2>&1 || true'
  jqset "$T/b" '.root.readonly = true'
  run_ok c1 "$T/b"
  assert_eq "$fmt" "$(mi_fstype "$OUT" /)" "fs type of / (mountinfo: $OUT)"
  has_opt "$(mi_opts "$OUT" /)" ro || fail "/ is not read-only: $OUT"
  has_opt "$(mi_opts "$OUT" /)" nodev || fail "/ is not nodev: $OUT"
  has_opt "$(mi_opts "$OUT" /)" nosuid || fail "/ is not nosuid: $OUT"
  assert_contains "$OUT" "from-the-image"
  assert_contains "$OUT" "Read-only file system" "touch in a read-only root"
}

test_readonly_squashfs() { readonly_root squashfs; }
test_readonly_erofs() { readonly_root erofs; }

# In a user namespace the root is attached and entered by fd (the state
# directory is not searchable there); the image's files keep their owners
# as the map shows them. Without the new mount API: a clear error.
test_user_namespace() {
  image_bundle "$T/b" squashfs sh -c 'id -u; cat /etc/marker; awk "\$5 == \"/\"" /proc/self/mountinfo'
  jqset "$T/b" '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  if old_kernel_mode; then
    assert_fail_with "an image root in a user namespace needs the new mount API (Linux 5.2)" \
      $MR run --bundle "$T/b" c1
    assert_nothing_left
    return
  fi
  run_ok c1 "$T/b"
  assert_eq 0 "$(echo "$OUT" | head -n1)" "uid inside"
  assert_contains "$OUT" "from-the-image"
  assert_eq overlay "$(mi_fstype "$OUT" /)" "fs type of / (mountinfo: $OUT)"
}

# exec joins the container's root: the image with its upper layer.
test_exec_sees_the_overlay() {
  image_bundle "$T/b" squashfs sleep 100
  run_d_ok c1 "$T/b"
  assert_ok $MR exec c1 sh -c 'cat /etc/marker; echo via-exec >/etc/exec-file'
  assert_eq from-the-image "$LAST_OUT" "a file of the image, read by exec"
  assert_ok $MR exec c1 cat /etc/exec-file
  assert_eq via-exec "$LAST_OUT" "a file a first exec wrote"
  assert_ok $MR delete --force c1
}

# Through the library API (examples/minimal-host: mr_config_load and
# mr_container_run, include/minirun.h only): root.path names an image and
# nothing else changes for the embedder.
test_library_api() {
  local host=$MINIRUN_BUILDDIR/examples/minimal-host src=$MINIRUN_SRCDIR/examples/minimal-host.c
  local libdir=$MINIRUN_BUILDDIR/.libs
  if ! [ -x "$host" ] || [ "$src" -nt "$host" ]; then
    [ -e "$libdir/libminirun.so" ] || skip "$libdir/libminirun.so is missing"
    "$(mr_cc)" -std=gnu11 -O1 -I"$MINIRUN_SRCDIR/include" "$src" -L"$libdir" -lminirun \
      -Wl,-rpath,"$libdir" -o "$T/minimal-host" 2>"$T/gcc.log" ||
      fail "compiling minimal-host.c failed: $(_mr_show "$(cat "$T/gcc.log")")"
    host=$T/minimal-host
  fi
  image_bundle "$T/b" erofs sh -c 'cat /etc/marker; awk "\$5 == \"/\"" /proc/self/mountinfo'
  echo c1 >>"$T/.mr-ids"
  capture timeout 30 "$host" --state-root "$T/state" "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status of minimal-host (stderr: $(_mr_show "$LAST_ERR"))"
  assert_contains "$LAST_OUT" "from-the-image"
  assert_eq overlay "$(mi_fstype "$LAST_OUT" /)" "fs type of / (output: $LAST_OUT)"
  assert_nothing_left
}

# --no-pivot: the root is entered with chroot.
test_no_pivot() {
  image_bundle "$T/b" erofs sh -c 'cat /etc/marker; awk "\$5 == \"/\"" /proc/self/mountinfo'
  run_ok c1 "$T/b" --no-pivot
  assert_contains "$OUT" "from-the-image"
  assert_eq overlay "$(mi_fstype "$OUT" /)" "fs type of / (mountinfo: $OUT)"
}

# org.minirun.rootfs.upper: the upper layer in a host directory survives
# delete and re-create; the image is unchanged.
test_persistent_upper() {
  local sum
  image_bundle "$T/b" squashfs sh -c 'cat /root/kept 2>/dev/null || echo none; echo kept-data >/root/kept'
  mkdir "$T/up"
  jqset "$T/b" '.annotations["org.minirun.rootfs.upper"] = $d' --arg d "$T/up"
  sum=$(sha256sum <"$T/b/image")
  run_ok c1 "$T/b"
  assert_eq none "$OUT" "first run"
  assert_eq kept-data "$(cat "$T/up/upper/root/kept")" "the write in the host's upper directory"
  run_ok c2 "$T/b"
  assert_eq kept-data "$OUT" "a re-created container"
  assert_eq "$sum" "$(sha256sum <"$T/b/image")" "sha256 of the image"
}

# A persistent upper is one container's at a time (overlayfs would only
# warn); delete releases it, and a stale claim (a state dir gone) is taken.
test_persistent_upper_one_at_a_time() {
  image_bundle "$T/b" erofs sleep 100
  mkdir "$T/up"
  jqset "$T/b" '.annotations["org.minirun.rootfs.upper"] = $d' --arg d "$T/up"
  create_ok c1 "$T/b"
  assert_fail_with "is the upper layer of the container whose state is $T/state/c1" \
    $MR create --bundle "$T/b" c2
  assert_contains "$LAST_ERR" "org.minirun.rootfs.upper" "error"
  assert_ok $MR delete --force c1
  [ ! -e "$T/up/.minirun-owner" ] || fail "delete left the claim: $(cat "$T/up/.minirun-owner")"
  create_ok c2 "$T/b"
  assert_ok $MR delete --force c2
  printf '%s\n' "$T/state/gone" >"$T/up/.minirun-owner"
  create_ok c3 "$T/b"
  assert_eq "$T/state/c3" "$(cat "$T/up/.minirun-owner")" "owner after taking over a stale claim"
  assert_ok $MR delete --force c3
  assert_nothing_left
}

# org.minirun.rootfs.upper-size caps the private tmpfs.
test_upper_size() {
  image_bundle "$T/b" erofs sh -c 'dd if=/dev/zero of=/big bs=1k count=2048 2>&1; echo rc=$?'
  jqset "$T/b" '.annotations["org.minirun.rootfs.upper-size"] = "1m"'
  run_ok c1 "$T/b"
  assert_contains "$OUT" "No space left on device" "writing 2 MB into a 1 MB upper"
}

# Two containers of one image at once, each with its own writes.
test_two_containers_one_image() {
  image_bundle "$T/b" squashfs sh -c 'echo $HOSTNAME >/etc/who; sleep 100'
  jqset "$T/b" '.process.env += ["HOSTNAME=one"]'
  create_ok c1 "$T/b"
  jqset "$T/b" '.process.env += ["HOSTNAME=two"]'
  create_ok c2 "$T/b"
  assert_ok $MR start c1
  assert_ok $MR start c2
  wait_for 10 "c1 to write" eval "[ \"\$(cat /proc/$(ctr_pid c1)/root/etc/who 2>/dev/null)\" = one ]"
  wait_for 10 "c2 to write" eval "[ \"\$(cat /proc/$(ctr_pid c2)/root/etc/who 2>/dev/null)\" = two ]"
  assert_ok $MR delete --force c1
  assert_ok $MR delete --force c2
  assert_nothing_left "after deleting both"
}

# Creates racing for free loop devices (LOOP_CTL_GET_FREE may hand the same
# number to several; a loser gets EBUSY and asks again, logged at debug
# level): 4 images (copies: 4 files, 4 loop devices) created at once all
# succeed.
test_parallel_creates_race_for_loop_devices() {
  local i pids=() rc=0
  image_bundle "$T/b" squashfs sleep 100
  for i in 1 2 3 4; do
    mkdir "$T/b$i"
    cp "$T/b/image" "$T/b$i/image"
    cp "$T/b/config.json" "$T/b$i/config.json"
    echo "c$i" >>"$T/.mr-ids"
  done
  for i in 1 2 3 4; do
    timeout 20 $MR create --bundle "$T/b$i" "c$i" </dev/null >"$T/c$i.out" 2>"$T/c$i.err" &
    pids+=($!)
  done
  for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}" || rc=$?
    [ "$rc" -eq 0 ] || fail "create c$i exited $rc: $(cat "$T/c$i.err")"
  done
  for i in 1 2 3 4; do
    assert_eq 1 "$(loops_of "$T/b$i/image" | wc -l)" "loop devices of image $i"
    assert_eq created "$(ctr_status "c$i")" "status of c$i"
  done
  for i in 1 2 3 4; do assert_ok $MR delete --force "c$i"; done
  assert_nothing_left
}

# Each bad root.path: a clear error naming root.path, nothing left.
bad_image() {
  local what=$1 msg=$2
  assert_fail_with "$msg" $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "root.path" "error for $what"
  assert_nothing_left "$what"
}

test_bad_images() {
  image_bundle "$T/b" squashfs true
  cp "$T/b/image" "$T/good.sqfs"
  mkfs.erofs --quiet "$T/good.erofs" "$MR_ROOTFS_CACHE/rootfs" >/dev/null
  echo "just some text, long enough to be read as a superblock if we were careless" >"$T/b/image"
  bad_image "a text file" "not a directory, squashfs or EROFS image"
  : >"$T/b/image"
  bad_image "an empty file" "not a directory, squashfs or EROFS image"
  rm "$T/b/image" && mkfifo "$T/b/image"
  bad_image "a FIFO" "not a directory, squashfs or EROFS image"
  rm "$T/b/image"
  head -c 100000 "$T/good.sqfs" >"$T/b/image"
  bad_image "a truncated squashfs" "truncated squashfs image"
  head -c 4096 "$T/good.erofs" >"$T/b/image"
  bad_image "a truncated EROFS" "truncated EROFS image"
  # A squashfs superblock with a broken block size (and the rest intact).
  cp "$T/good.sqfs" "$T/b/image"
  printf '\x01\x00\x00\x00' | dd of="$T/b/image" bs=1 seek=12 conv=notrunc 2>/dev/null
  bad_image "a corrupt squashfs" "mount squashfs"
  # EROFS with an impossible block size.
  cp "$T/good.erofs" "$T/b/image"
  printf '\x03' | dd of="$T/b/image" bs=1 seek=$((1024 + 12)) conv=notrunc 2>/dev/null
  bad_image "a corrupt EROFS" "erofs"
}

# root.path naming what is no image file: a device node (refused before it
# is opened: opening one can have effects), a FIFO behind a symlink, a
# symlink loop. Each a clear error naming root.path, never a hang, nothing
# left. A directory is a directory root whatever its name.
test_special_files_as_root() {
  image_bundle "$T/b" erofs true
  rm "$T/b/image"
  mknod "$T/b/image" c 1 5 # /dev/zero: would read as a run of zeros
  assert_fail_with "image: not a directory, squashfs or EROFS image (a character device)" \
    timeout 10 $MR run --bundle "$T/b" c1
  rm "$T/b/image"
  mknod "$T/b/image" b 7 255
  assert_fail_with "image: not a directory, squashfs or EROFS image (a block device)" \
    timeout 10 $MR run --bundle "$T/b" c1
  rm "$T/b/image"
  mkfifo "$T/fifo" && ln -s "$T/fifo" "$T/b/image"
  assert_fail_with "root.path: $T/b/image: not a directory, squashfs or EROFS image (a FIFO)" \
    timeout 10 $MR run --bundle "$T/b" c1
  rm "$T/b/image"
  ln -s loop2 "$T/b/loop1" && ln -s loop1 "$T/b/loop2"
  jqset "$T/b" '.root.path = "loop1"'
  assert_fail_with "config.json: root.path: rootfs $T/b/loop1: $(mr_strerror 'Too many levels of symbolic links')" \
    timeout 10 $MR run --bundle "$T/b" c1
  assert_no_state
  assert_nothing_left "special files as root.path"
  # Not by name: a directory called app.sqfs is a directory root.
  make_bundle "$T/d" cat /etc/marker
  echo "a directory" >"$T/d/rootfs/etc/marker"
  mv "$T/d/rootfs" "$T/d/app.sqfs"
  jqset "$T/d" '.root.path = "app.sqfs"'
  assert_ok $MR run --bundle "$T/d" c1
  assert_eq "a directory" "$LAST_OUT" "a directory named *.sqfs"
  assert_nothing_left
}

test_bad_annotations() {
  image_bundle "$T/b" erofs true
  cp "$T/b/config.json" "$T/config.good"
  local cases=(
    '.annotations["org.minirun.rootfs.uper"] = "/x"@@org.minirun.rootfs.uper: unknown'
    '.annotations["org.minirun.rootfs.upper"] = "rel/dir"@@org.minirun.rootfs.upper: '"'rel/dir'"' is not an absolute path'
    '.annotations["org.minirun.rootfs.upper"] = "/nonexistent/up"@@org.minirun.rootfs.upper: /nonexistent/up: No such file'
    '.annotations["org.minirun.rootfs.upper-size"] = "lots"@@org.minirun.rootfs.upper-size: '"'lots'"' is not a size'
    '.annotations["org.minirun.rootfs.upper-size"] = "1m" | .root.readonly = true@@root.readonly is true'
    '.annotations["org.minirun.rootfs.upper-size"] = "1m" | .annotations["org.minirun.rootfs.upper"] = "/tmp"@@only the private tmpfs upper has a size'
  )
  local c
  for c in "${cases[@]}"; do
    cp "$T/config.good" "$T/b/config.json"
    jqset "$T/b" "${c%%@@*}"
    assert_fail_with "${c#*@@}" $MR run --bundle "$T/b" c1
    assert_contains "$LAST_ERR" "config.json: annotations:" "error for ${c%%@@*}"
    assert_nothing_left "${c%%@@*}"
  done
  # On a directory root the annotations would do nothing: refused.
  make_bundle "$T/d" true
  jqset "$T/d" '.annotations["org.minirun.rootfs.upper-size"] = "1m"'
  assert_fail_with "root.path is a directory, not an image" $MR run --bundle "$T/d" c1
  assert_nothing_left "upper-size on a directory root"
  # A digest or layers where an image is expected but root.path is a
  # directory: refused, never skipped.
  jqset "$T/d" 'del(.annotations) | .annotations["org.minirun.rootfs.sha256"] = $s' \
    --arg s "$(printf '%064d' 0)"
  assert_fail_with "annotations: org.minirun.rootfs.sha256: root.path is a directory, not an image" \
    $MR run --bundle "$T/d" c1
  jqset "$T/d" 'del(.annotations) | .annotations["org.minirun.rootfs.layers"] = $l' --arg l "$T/b/image"
  assert_fail_with "annotations: org.minirun.rootfs.layers: root.path is a directory, not an image" \
    $MR run --bundle "$T/d" c1
  assert_nothing_left "image annotations on a directory root"
}

# 50 create/delete cycles: no loop device, mount, state or temp dir left
# (the 500-cycle figure is a benchmark: bench/image.sh).
test_create_delete_cycles() {
  local i before
  image_bundle "$T/b" squashfs true
  before=$(losetup -a | wc -l)
  for i in $(seq 50); do
    create_ok "c$i" "$T/b"
    assert_ok $MR delete "c$i"
  done
  assert_nothing_left "after 50 cycles"
  wait_for 5 "loop devices to be freed" eval "[ \$(losetup -a | wc -l) -le $before ]"
}

# kill -9 of create at each step of the image setup (the crash-point build,
# libminirun/testing/crashpoint.h), then delete --force: no loop device,
# mount, state or directory is left. image-loop-bound is the LOOP_SET_FD
# path of kernels before 5.8 (the old-kernel mode: a bound device without
# autoclear yet, freed from the state directory's record).
crash_in_image_create() {
  local fmt=$1 step i=0 rc
  shift
  local crash=${MINIRUN_BUILDDIR:-$MINIRUN_SRCDIR}/tests/crash/minirun-crashpoints
  [ -x "$crash" ] || fail "$crash is not built (make tests/crash/minirun-crashpoints)"
  image_bundle "$T/b" "$fmt" sleep 100
  [ ! -d "$T/up" ] || jqset "$T/b" '.annotations["org.minirun.rootfs.upper"] = $d' --arg d "$T/up"
  for step in "$@"; do
    i=$((i + 1))
    echo "c$i" >>"$T/.mr-ids"
    rc=0
    MINIRUN_CRASH_AT=$step timeout 20 "$crash" --root "$T/state" create --bundle "$T/b" "c$i" \
      </dev/null >"$T/crash.out" 2>"$T/crash.err" || rc=$?
    assert_eq 137 "$rc" "exit status of create killed at $step (stderr: $(cat "$T/crash.err"))"
    assert_ok $MR delete --force "c$i"
    assert_nothing_left "after a crash at $step and delete --force"
    [ ! -e "$T/up/.minirun-owner" ] || fail "the claim of the upper survived a crash at $step"
  done
}

test_crash_points_squashfs() {
  if old_kernel_mode; then
    crash_in_image_create squashfs image-loop-recorded image-loop-bound image-lower-mounted \
      init-spawned init-ready
  else
    crash_in_image_create squashfs image-loop-recorded image-lower-mounted image-mounted \
      init-spawned init-ready
  fi
}

test_crash_points_erofs() {
  if old_kernel_mode; then
    crash_in_image_create erofs image-loop-bound image-lower-mounted init-ready
  else
    crash_in_image_create erofs image-lower-mounted image-mounted init-ready
  fi
}

# The same with a persistent upper: the claim is released too.
test_crash_points_persistent_upper() {
  mkdir "$T/up"
  if old_kernel_mode; then
    crash_in_image_create erofs image-lower-mounted init-spawned
  else
    crash_in_image_create erofs image-lower-mounted image-mounted init-spawned
  fi
}
