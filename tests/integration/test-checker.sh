# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# The leftover checker (mr_leftovers in lib.sh) must see what tests leave
# behind: each test here leaves one kind of thing on purpose, asserts the
# checker reports it, then removes it.

# left_contains NEEDLE WHAT: the checker's report now contains NEEDLE.
left_contains() {
  local left
  left=$(_mr_leftovers_once "$T")
  assert_contains "$left" "$1" "leftover report ($2)"
}

test_checker_clean_test_reports_nothing() {
  assert_eq "" "$(mr_leftovers "$T")" "leftover report of a test that left nothing"
}

# A container init that runs without the tag in its environment, in its own
# mount and pid namespaces, with a zombie child (sleep does not reap).
test_checker_finds_untagged_init_and_its_zombie() {
  local pid zpid
  make_bundle "$T/b" sh -c 'true & exec sleep 100'
  jqset "$T/b" '.process.env = ["PATH=/bin"]'
  run_d_ok c1 "$T/b"
  pid=$(ctr_pid c1)
  wait_for 10 "a zombie child of the init" eval "[ -n \"\$(ps -o pid= --ppid $pid)\" ]"
  zpid=$(ps -o pid= --ppid "$pid" | head -n1 | tr -d ' ')
  assert_eq Z "$(ps -o stat= -p "$zpid" | cut -c1)" "state of the init's child $zpid"
  ! grep -qzF MR_TEST_TAG /proc/$pid/environ || fail "the init carries the tag"
  left_contains "process $pid " "untagged init"
  left_contains "zombie $zpid " "zombie child of the init"
  left_contains "state $T/state/c1" "state dir"
  ctr_cleanup c1
  assert_nothing_left "after delete --force"
}

# A process that cleared its environment but works inside T.
test_checker_finds_process_with_cwd_in_t() {
  local pid
  mkdir "$T/work"
  (cd "$T/work" && exec env -i sleep 100) </dev/null >/dev/null 2>&1 &
  pid=$!
  wait_for 5 "sleep to start" eval "[ \"\$(readlink /proc/$pid/exe)\" != \"\$(readlink /proc/$$/exe)\" ]"
  left_contains "process $pid (cwd in T)" "process without the tag, cwd in T"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  assert_nothing_left "after killing it"
}

# A container under the default state root (/run/minirun) whose bundle is in T.
test_checker_finds_default_root_container() {
  local id=mr-checker-${T##*.}
  make_bundle "$T/b" sleep 100
  echo "$id" >>"$T/.mr-ids"
  timeout 10 "$MINIRUN" create --bundle "$T/b" "$id" </dev/null >/dev/null 2>"$T/err" ||
    fail "create under the default root: $(cat "$T/err")"
  left_contains "state $MR_DEFAULT_ROOT/$id" "container under the default root"
  assert_ok "$MINIRUN" delete --force "$id"
  assert_nothing_left "after delete --force"
}

# A directory of the default root without state.json is a crashed create
# (a leftover), unless its lock is held: a create in progress, maybe another
# suite's running at the same time, is nobody's leftover yet.
test_checker_default_root_create_in_progress() {
  local id=mr-checker-lock-${T##*.} d lockpid
  d=$MR_DEFAULT_ROOT/$id
  mkdir -p "$d"
  # One process holds the lock (flock(1) would leave its child holding it).
  (exec 9<"$d" && flock 9 && exec sleep 100) </dev/null >/dev/null 2>&1 &
  lockpid=$!
  wait_for 5 "the lock on $d" eval "! flock -n '$d' true"
  local left
  left=$(_mr_leftovers_once "$T")
  assert_not_contains "$left" "state $d" "leftover report while $d is locked"
  kill -9 "$lockpid"
  wait "$lockpid" 2>/dev/null || true
  left_contains "state $d (no state.json)" "unlocked directory without state.json"
  rmdir "$d"
  assert_nothing_left "after rmdir"
}

test_checker_finds_loop_device() {
  local dev
  command -v losetup >/dev/null || skip "losetup not installed"
  dd if=/dev/zero of="$T/img" bs=1k count=64 2>/dev/null
  dev=$(losetup -f --show "$T/img" 2>/dev/null) || skip "cannot attach a loop device here"
  left_contains "loop ${dev#/dev/} $T/img" "loop device backed by T/img"
  losetup -d "$dev"
  wait_for 5 "the loop device to detach" eval "! grep -qF '$T/img' /sys/block/${dev#/dev/}/loop/backing_file 2>/dev/null"
  assert_nothing_left "after losetup -d"
}

# The runtime's caches in a state root are not leftovers; a shared image
# layer's directory is (the store's lock file alone is not).
test_checker_image_store() {
  mkdir -p "$T/state/.image-digests" "$T/state/.layers/801-1c-5f00.0/mnt"
  touch "$T/state/.layers/lock"
  left_contains "state $T/state/.layers/801-1c-5f00.0 (image layer)" "a layer dir"
  rm -r "$T/state/.layers/801-1c-5f00.0"
  assert_nothing_left "digest cache and the store's lock only"
}

test_checker_finds_cgroup_named_after_container() {
  local id=mr-checker-${T##*.} d
  d=/sys/fs/cgroup/unified
  [ -d "$d" ] || d=/sys/fs/cgroup
  echo "$id" >>"$T/.mr-ids"
  mkdir "$d/$id" 2>/dev/null || skip "cannot create a cgroup under $d"
  left_contains "cgroup $d/$id" "cgroup named after a container id"
  rmdir "$d/$id"
  assert_nothing_left "after rmdir"
}

test_checker_ignores_same_id_of_another_test() {
  # Suites run side by side and every test names its containers c1: the
  # c1 below another test's state root (its cgroup parent names that T) is
  # not ours; the c1 below ours is.
  local d other mine
  d=/sys/fs/cgroup/unified
  [ -d "$d" ] || d=/sys/fs/cgroup
  other="$d/mr-checker-minirun-test.Zz9Yy8-state"
  mine="$d/mr-checker-${T##*/}"
  echo c1 >>"$T/.mr-ids"
  mkdir -p "$other/c1" 2>/dev/null || skip "cannot create a cgroup under $d"
  mkdir -p "$mine/c1"
  local left
  left=$(_mr_leftovers_once "$T")
  assert_contains "$left" "cgroup $mine/c1" "leftovers"
  assert_not_contains "$left" "cgroup $other/c1" "leftovers"
  rmdir "$other/c1" "$other" "$mine/c1" "$mine"
  assert_nothing_left "after rmdir"
}
