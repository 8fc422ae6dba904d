# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-image-layers.sh - image roots (issue 7), the parts on top of the core
# (test-image.sh): the org.minirun.rootfs.sha256 integrity check and its
# digest cache, stacked layers (org.minirun.rootfs.layers) mounted once and
# shared, and crash safety of both: kill -9 at each step of create, then
# delete --force, leaves no mount, loop device or state.

# The busybox rootfs of make_bundle, with /etc/layer=base and /base-only,
# as a squashfs image $T/base.sqfs; the bundle $T/b is left in place.
base_image() {
  need_image_tools
  make_bundle "$T/b" "$@"
  echo base >"$T/b/rootfs/etc/layer"
  echo base >"$T/b/rootfs/base-only"
  mksquashfs "$T/b/rootfs" "$T/base.sqfs" -noappend -quiet >/dev/null
}

# An app image with /etc/layer=app and /app-only only, as EROFS.
app_image() {
  mkdir -p "$T/app/etc"
  echo app >"$T/app/etc/layer"
  echo app >"$T/app/app-only"
  mkfs.erofs --quiet "$T/app.erofs" "$T/app" >/dev/null
}

# root.path = $1, annotations from the remaining KEY=VALUE pairs.
image_root() {
  local img=$1 kv
  shift
  jqset "$T/b" '.root.path = $p' --arg p "$img"
  for kv in "$@"; do
    jqset "$T/b" '.annotations[$k] = $v' --arg k "${kv%%=*}" --arg v "${kv#*=}"
  done
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Shared layer mounts of this test's state root, as mountinfo lines.
layer_mounts() { grep -F " $T/state/.layers/" /proc/self/mountinfo || true; }

test_wrong_digest_refuses() {
  base_image true
  image_root "$T/base.sqfs" "org.minirun.rootfs.sha256=$(printf '%064d' 0)"
  assert_fail_with "sha256 is $(sha "$T/base.sqfs") but annotation org.minirun.rootfs.sha256 wants 0000" \
    $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "root.path: " "error names root.path"
  assert_no_state
  assert_nothing_left "after the refused digest"
}

test_malformed_digest_refuses() {
  base_image true
  image_root "$T/base.sqfs" "org.minirun.rootfs.sha256=sha256:abc"
  assert_fail_with "annotations: org.minirun.rootfs.sha256: must be 64 hexadecimal digits" \
    $MR run --bundle "$T/b" c1
  assert_no_state
}

# The right digest runs; the second start takes it from the cache (the debug
# log says whether the file was hashed); an edited image is hashed again.
test_digest_cached_on_second_start() {
  base_image cat /etc/layer
  image_root "$T/base.sqfs" "org.minirun.rootfs.sha256=$(sha "$T/base.sqfs")"
  sleep 2.2 # a file changed in the last 2 s is hashed every time (digest-cache.c)
  assert_ok $MR --debug run --bundle "$T/b" c1
  assert_eq base "$LAST_OUT" "output"
  assert_contains "$LAST_ERR" "hashed $(stat -c %s "$T/base.sqfs") bytes" "first start hashes"
  assert_contains "$LAST_ERR" "cached the digest" "first start caches"
  assert_ok $MR --debug run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "sha256 from the digest cache" "second start"
  assert_not_contains "$LAST_ERR" "hashed" "second start hashes nothing"
  # Same size, one byte changed in the middle: the cache must not hide it.
  printf 'X' | dd of="$T/base.sqfs" bs=1 seek=$(($(stat -c %s "$T/base.sqfs") / 2)) conv=notrunc status=none
  capture $MR --debug run --bundle "$T/b" c1
  [ "$LAST_RC" -ne 0 ] || fail "an edited image ran: $LAST_OUT"
  assert_contains "$LAST_ERR" "hashed" "an edited image is hashed again"
  assert_contains "$LAST_ERR" "but annotation org.minirun.rootfs.sha256 wants" "and refused"
  assert_nothing_left
}

test_layers_top_shadows_base() {
  base_image sh -c 'cat /etc/layer /base-only /app-only; echo w >/new; cat /new'
  app_image
  IMAGES_SHA="$(sha "$T/app.erofs") $(sha "$T/base.sqfs")"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs"
  jqset "$T/b" '.root.readonly = false'
  assert_ok $MR run --bundle "$T/b" c1
  assert_eq "$(printf 'app\nbase\napp\nw')" "$LAST_OUT" "top shadows base; both visible; writable"
  assert_eq "$(sha "$T/app.erofs") $(sha "$T/base.sqfs")" "$IMAGES_SHA" "images unchanged"
  # root.readonly: the same stack, read-only.
  jqset "$T/b" '.root.readonly = true'
  capture $MR run --bundle "$T/b" c1
  assert_contains "$LAST_OUT" "$(printf 'app\nbase\napp')" "read-only stack"
  assert_contains "$LAST_ERR" "Read-only file system" "a write to the read-only stack"
  assert_nothing_left
}

# A persistent upper over a stack: what the container wrote is there after
# delete and re-create, over the same layers.
test_layers_persistent_upper() {
  base_image sh -c 'cat /data 2>/dev/null; echo "run$(cat /data 2>/dev/null | wc -l)" >>/data'
  app_image
  mkdir "$T/upper"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs" \
    "org.minirun.rootfs.upper=$T/upper"
  jqset "$T/b" '.root.readonly = false'
  assert_ok $MR run --bundle "$T/b" c1
  assert_eq "" "$LAST_OUT" "first run"
  assert_ok $MR run --bundle "$T/b" c1
  assert_eq "run0" "$LAST_OUT" "second run sees the first one's write"
  assert_eq "$(printf 'run0\nrun1')" "$(cat "$T/upper/upper/data")" "the write is in the upper"
  assert_nothing_left
}

test_layers_directory_layer() {
  base_image sh -c 'cat /etc/layer /dir-only'
  mkdir -p "$T/dirlayer/etc"
  echo dir >"$T/dirlayer/etc/layer"
  echo dir >"$T/dirlayer/dir-only"
  image_root "$T/base.sqfs" "org.minirun.rootfs.layers=$T/dirlayer"
  assert_ok $MR run --bundle "$T/b" c1
  assert_eq "$(printf 'base\ndir')" "$LAST_OUT" "root.path over a directory layer"
  assert_nothing_left
}

test_layers_bad_annotation() {
  base_image true
  app_image
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/missing.sqfs"
  assert_fail_with "annotations: org.minirun.rootfs.layers: $T/missing.sqfs: No such file or directory" \
    $MR run --bundle "$T/b" c1
  assert_nothing_left "missing layer"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=base.sqfs"
  assert_fail_with "org.minirun.rootfs.layers: 'base.sqfs': not an absolute path" $MR run --bundle "$T/b" c1
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs:$T/app.erofs"
  assert_fail_with "org.minirun.rootfs.layers: $T/app.erofs is root.path's image itself" \
    $MR run --bundle "$T/b" c1
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs:$T/base.sqfs"
  assert_fail_with "org.minirun.rootfs.layers: $T/base.sqfs is listed twice" $MR run --bundle "$T/b" c1
  echo junk >"$T/junk.img"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/junk.img"
  assert_fail_with "org.minirun.rootfs.layers: " $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "layers: $T/junk.img: not a directory, squashfs or EROFS image" "unknown format"
  assert_not_contains "$LAST_ERR" "root.path" "the error names the layer, not root.path"
  # Detected as EROFS, refused by the kernel (superblock checksum).
  mkfs.erofs --quiet "$T/bad.erofs" "$T/app" >/dev/null
  printf '\377\377' | dd of="$T/bad.erofs" bs=1 seek=1028 conv=notrunc status=none
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/bad.erofs"
  assert_fail_with "annotations: org.minirun.rootfs.layers: $T/bad.erofs: " $MR run --bundle "$T/b" c1
  assert_not_contains "$LAST_ERR" "root.path" "the error names the layer, not root.path"
  assert_nothing_left "a layer the kernel refuses"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs" \
    "org.minirun.rootfs.layers.sha256=$(printf '%064d' 1)"
  assert_fail_with "but annotation org.minirun.rootfs.layers.sha256 wants" $MR run --bundle "$T/b" c1
  assert_no_state
  assert_nothing_left "bad layer annotations"
}

# Layers that are no image: a device node, a FIFO (also behind a symlink),
# a symlink loop; a digest for a directory layer. Clear errors naming the
# annotation and the layer, never a hang, nothing left.
test_layers_special_files() {
  base_image true
  app_image
  mknod "$T/zero" c 1 5
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/zero"
  assert_fail_with "annotations: org.minirun.rootfs.layers: $T/zero: not a directory, squashfs or EROFS image (a character device)" \
    timeout 10 $MR run --bundle "$T/b" c1
  mkfifo "$T/fifo" && ln -s fifo "$T/fifo-link"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs:$T/fifo-link"
  assert_fail_with "org.minirun.rootfs.layers: $T/fifo-link: not a directory, squashfs or EROFS image (a FIFO)" \
    timeout 10 $MR run --bundle "$T/b" c1
  ln -s loop2 "$T/loop1" && ln -s loop1 "$T/loop2"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/loop1"
  assert_fail_with "org.minirun.rootfs.layers: $T/loop1: $(mr_strerror 'Too many levels of symbolic links')" \
    timeout 10 $MR run --bundle "$T/b" c1
  # A directory where the digest expects an image.
  mkdir "$T/dirlayer"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs:$T/dirlayer" \
    "org.minirun.rootfs.layers.sha256=-,$(printf '%064d' 0)"
  assert_fail_with "org.minirun.rootfs.layers.sha256: digest 2: $T/dirlayer is a directory" \
    timeout 10 $MR run --bundle "$T/b" c1
  assert_no_state
  assert_nothing_left "layers that are no image"
}

# Two containers stacking one base: one mount, one loop device; it stays
# while either runs and goes with the last. root.path's image is shared too.
test_layers_shared_mount() {
  base_image sleep 100
  app_image
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs"
  printf 'c1\nc2\n' >>"$T/.mr-ids"
  assert_ok $MR create --bundle "$T/b" c1
  assert_ok $MR create --bundle "$T/b" c2
  # One mount each of the app image (root.path) and the base, whoever uses them.
  assert_eq 2 "$(layer_mounts | wc -l)" "shared mounts while two containers use app + base"
  assert_eq 1 "$(loops_of "$T/base.sqfs" | wc -l)" "loop devices of the base"
  assert_ok $MR delete --force c1
  assert_eq 2 "$(layer_mounts | wc -l)" "app and base stay mounted for c2"
  assert_ok $MR exec c2 cat /etc/layer /base-only
  assert_eq "$(printf 'app\nbase')" "$LAST_OUT" "c2 still reads both layers"
  assert_ok $MR delete --force c2
  assert_eq "" "$(layer_mounts)" "no shared mount after the last user"
  # autoclear detaches the device as the superblock goes: give it a moment
  wait_for 5 "the base's loop device to be freed" eval '[ -z "$(loops_of "$T/base.sqfs")" ]'
  assert_eq "lock" "$(ls -A "$T/state/.layers")" "nothing but the lock in the store"
  assert_nothing_left
}

# Two containers of one squashfs root image: one mount and one loop device
# (bench/image.sh: a second mount costs more than the shared one's
# bookkeeping), each container with its own writable upper.
test_root_image_shared() {
  base_image sh -c 'echo $ME >/who; sleep 100'
  image_root "$T/base.sqfs"
  jqset "$T/b" '.root.readonly = false | .process.env += ["ME=one"]'
  printf 'c1\nc2\n' >>"$T/.mr-ids"
  assert_ok $MR create --bundle "$T/b" c1
  jqset "$T/b" '.process.env += ["ME=two"]'
  assert_ok $MR create --bundle "$T/b" c2
  assert_eq 1 "$(layer_mounts | wc -l)" "mounts of the image for two containers"
  assert_eq 1 "$(loops_of "$T/base.sqfs" | wc -l)" "loop devices of the image"
  assert_ok $MR start c1
  assert_ok $MR start c2
  wait_for 10 "c1 to write" eval "[ \"\$(cat /proc/\$(ctr_pid c1)/root/who 2>/dev/null)\" = one ]"
  wait_for 10 "c2 to write" eval "[ \"\$(cat /proc/\$(ctr_pid c2)/root/who 2>/dev/null)\" = two ]"
  assert_ok $MR delete --force c1
  assert_eq 1 "$(layer_mounts | wc -l)" "the image stays mounted for c2"
  assert_ok $MR delete --force c2
  assert_eq "" "$(layer_mounts)" "no mount after the last user"
  # autoclear detaches the device as the superblock goes: give it a moment
  wait_for 5 "the base's loop device to be freed" eval '[ -z "$(loops_of "$T/base.sqfs")" ]'
  assert_nothing_left
}

# Four creators at once, each creating and deleting containers that share
# images (the base in all of them, the app in half): the store's and the
# layers' locks keep references and mounts straight, and nothing is left.
test_layers_concurrent_users() {
  local w i
  base_image true
  app_image
  # Workers 1 and 2: the app over the base; 3 and 4: the base alone as root.
  cp -r "$T/b" "$T/b2"
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs"
  jqset "$T/b2" '.root.path = $p' --arg p "$T/base.sqfs"
  for w in 1 2 3 4; do
    for i in 1 2 3 4 5; do echo "w$w-$i" >>"$T/.mr-ids"; done
  done
  for w in 1 2 3 4; do
    (
      b=$T/b
      [ "$w" -le 2 ] || b=$T/b2
      for i in 1 2 3 4 5; do
        $MR create --bundle "$b" "w$w-$i" >/dev/null 2>"$T/w$w.err" || exit 1
        $MR delete --force "w$w-$i" 2>>"$T/w$w.err" || exit 1
      done
    ) &
  done
  for w in 1 2 3 4; do
    wait -n || fail "a creator failed: $(cat "$T"/w*.err)"
  done
  assert_eq "" "$(layer_mounts)" "no shared mount after all creators are done"
  assert_eq "lock" "$(ls -A "$T/state/.layers")" "nothing but the lock in the store"
  assert_nothing_left
}

# A reference whose container no longer exists (its state directory was
# removed without releasing it) is dropped by the next user of the layer, so
# the last real user still unmounts it.
test_layers_stale_reference_pruned() {
  local k
  base_image true
  app_image
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs"
  echo c1 >>"$T/.mr-ids"
  assert_ok $MR create --bundle "$T/b" c1
  for k in "$T"/state/.layers/*/refs; do touch "$k/ghost"; done
  assert_ok $MR --debug delete --force c1
  assert_contains "$LAST_ERR" "container 'ghost' is gone: its reference dropped" "debug log"
  assert_eq "" "$(layer_mounts)" "no shared mount after the last real user"
  assert_nothing_left
}

# An id reused by a container that does not use the layer: the reference a
# predecessor of that id left (its state lost, the reference not) must not
# keep the layer mounted. Create of the id drops it, delete drops any the
# container does not record, and a reference counts only while its
# container's record lists the layer (not merely while the id exists).
test_layers_reused_id_drops_stale_reference() {
  local refs
  base_image sleep 100
  app_image
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs"
  make_bundle "$T/d" sleep 100
  printf 'c1\nc2\n' >>"$T/.mr-ids"
  assert_ok $MR create --bundle "$T/b" c1
  # c2 once stacked these layers; its state is lost, its references are not.
  for refs in "$T"/state/.layers/*/refs; do touch "$refs/c2"; done
  assert_ok $MR --debug create --bundle "$T/d" c2
  assert_contains "$LAST_ERR" "a reference of an earlier container 'c2' dropped" "create of c2"
  assert_eq "" "$(ls "$T"/state/.layers/*/refs/c2 2>/dev/null)" "c2's stale references after its create"
  # Again while c2 (a directory root) exists: c1's delete is the last real
  # use, and the layers go.
  for refs in "$T"/state/.layers/*/refs; do touch "$refs/c2"; done
  assert_ok $MR delete --force c1
  assert_eq "" "$(layer_mounts)" "shared mounts after the last real user, c2 alive"
  wait_for 5 "the base's loop device to be freed" eval '[ -z "$(loops_of "$T/base.sqfs")" ]'
  assert_ok $MR exec c2 true
  # Delete of c2 drops references it does not record.
  assert_ok $MR create --bundle "$T/b" c1
  for refs in "$T"/state/.layers/*/refs; do touch "$refs/c2"; done
  assert_ok $MR delete --force c2
  assert_eq "" "$(ls "$T"/state/.layers/*/refs/c2 2>/dev/null)" "c2's stale references after its delete"
  assert_eq 2 "$(layer_mounts | wc -l)" "c1 keeps app and base"
  assert_ok $MR delete --force c1
  assert_eq "" "$(layer_mounts)" "no shared mount after the last user"
  assert_nothing_left
}

# The runtime called from another mount namespace (a private one, made
# before any image was mounted, so it has no copy of the host's mounts):
# the shared mount made there is its own store entry, counted and unmounted
# there, so no use from one namespace leaves a mount in the other.
test_layers_other_mount_namespace() {
  local ns pid
  base_image sleep 100
  image_root "$T/base.sqfs"
  printf 'c1\nc2\nc3\n' >>"$T/.mr-ids"
  unshare -m --propagation private sleep 100 &
  pid=$!
  NS_HOLDER=$pid
  trap 'kill -9 "$NS_HOLDER" 2>/dev/null || true' EXIT
  wait_for 5 "the private mount namespace" eval '[ "$(readlink /proc/$pid/ns/mnt)" != "$(host_ns mnt)" ]'
  ns="nsenter --mount=/proc/$pid/ns/mnt"
  ns_mounts() { grep -F " $T/state/.layers/" "/proc/$pid/mountinfo" || true; }
  assert_ok $MR create --bundle "$T/b" c1
  assert_ok $ns $MR create --bundle "$T/b" c2
  assert_eq 2 "$(ls "$T/state/.layers" | grep -c @)" "store entries: one per mount namespace"
  assert_eq 1 "$(layer_mounts | wc -l)" "mounts in the host's namespace"
  assert_eq 1 "$(ns_mounts | wc -l)" "mounts in the other namespace"
  assert_ok $MR start c2
  assert_ok $MR exec c2 cat /etc/layer
  assert_eq base "$LAST_OUT" "c2 runs on its namespace's mount"
  # The host's last user is gone: nothing of it stays, while c2 runs.
  assert_ok $MR delete --force c1
  assert_eq "" "$(layer_mounts)" "host mounts after its last user, c2 alive"
  assert_ok $ns $MR delete --force c2
  assert_eq "" "$(ns_mounts)" "the other namespace's mounts after its last user"
  # Created in the host, deleted from the other namespace: the host's mount
  # goes with its directory.
  assert_ok $MR create --bundle "$T/b" c3
  assert_ok $ns $MR delete --force c3
  assert_eq "" "$(layer_mounts)" "host mounts after a delete from the other namespace"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  wait_for 5 "the base's loop devices to be freed" eval '[ -z "$(loops_of "$T/base.sqfs")" ]'
  assert_nothing_left
}

CRASH_LAYER_STEPS="layers-recorded layer-ref-taken layer-mounted image-lower-mounted init-spawned"
CRASH_RELEASE_STEPS="layer-ref-dropped layer-unmounted"

test_layers_crash_in_create() {
  local step i=0 crash
  crash=${MINIRUN_BUILDDIR:-$MINIRUN_SRCDIR}/tests/crash/minirun-crashpoints
  [ -x "$crash" ] || fail "$crash is not built"
  base_image sleep 100
  app_image
  image_root "$T/app.erofs" "org.minirun.rootfs.layers=$T/base.sqfs"
  for step in $CRASH_LAYER_STEPS; do
    i=$((i + 1))
    echo "c$i" >>"$T/.mr-ids"
    capture env MINIRUN_CRASH_AT=$step timeout 20 $crash --root "$T/state" create --bundle "$T/b" "c$i"
    assert_eq 137 "$LAST_RC" "create killed at $step (stderr: $LAST_ERR)"
    assert_ok $MR delete --force "c$i"
    assert_nothing_left "after a kill -9 at $step and delete --force"
  done
  # Killed while releasing: delete --force again finishes the job.
  for step in $CRASH_RELEASE_STEPS; do
    i=$((i + 1))
    echo "c$i" >>"$T/.mr-ids"
    assert_ok $MR create --bundle "$T/b" "c$i"
    capture env MINIRUN_CRASH_AT=$step timeout 20 $crash --root "$T/state" delete --force "c$i"
    assert_eq 137 "$LAST_RC" "delete killed at $step (stderr: $LAST_ERR)"
    assert_ok $MR delete --force "c$i"
    assert_nothing_left "after a kill -9 in delete at $step and delete --force"
  done
}
