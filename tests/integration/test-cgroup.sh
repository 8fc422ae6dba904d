# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-cgroup.sh - cgroup placement (every hierarchy of the host's layout),
# linux.cgroupsPath forms, the paths in the state, pause/resume, ps,
# kill --all and delete through the cgroup, cleanup after failures.

# The container's cgroup directories as its state.json records them.
cg_dirs() {
  jq -r '.cgroupPaths[]' "$T/state/$1/state.json"
}

# The cgroup2 mount point, and whether the host has cgroups at all.
cg_need() {
  grep -qE ' - cgroup2? ' /proc/self/mountinfo || skip "no cgroup hierarchy mounted"
}

# The path of pid $1 in its cgroup2 hierarchy, else in its first v1 one.
cg_path_of() {
  local p
  p=$(sed -n 's/^0:://p' "/proc/$1/cgroup")
  [ -n "$p" ] || p=$(head -n1 "/proc/$1/cgroup" | cut -d: -f3)
  echo "$p"
}

no_cgroupns() {
  jqset "$1" '.linux.namespaces |= map(select(.type != "cgroup"))'
}

test_placed_in_every_hierarchy() {
  cg_need
  make_bundle "$T/b" sleep 100
  no_cgroupns "$T/b"
  create_ok c1 "$T/b"
  local pid dirs d n_h n_d want
  pid=$(ctr_pid c1)
  # One directory per mounted hierarchy (v1 ones and cgroup2), in state.json.
  dirs=$(cg_dirs c1)
  n_d=$(echo "$dirs" | wc -l)
  n_h=$(grep -cE ' - cgroup2? ' /proc/self/mountinfo)
  [ "$n_d" -ge 1 ] && [ "$n_d" -le "$n_h" ] || fail "cgroupPaths has $n_d entries, host $n_h hierarchies"
  # Created (not started) already: the init is in every one of them.
  for d in $dirs; do
    grep -qx "$pid" "$d/cgroup.procs" || fail "init $pid not in $d/cgroup.procs"
  done
  want="/minirun/$(echo "${T#/}/state" | tr / -)/c1"
  assert_eq "$want" "$(cg_path_of "$pid")" "host view of the init's cgroup"
  # Every line of /proc/PID/cgroup names the container's cgroup.
  if grep -v ":$want\$" "/proc/$pid/cgroup"; then
    fail "init not placed in every hierarchy: $(paste -sd' ' "/proc/$pid/cgroup")"
  fi
  # The container, without a cgroup namespace, sees the same.
  assert_ok $MR start c1
  make_bundle "$T/b2" cat /proc/self/cgroup
  no_cgroupns "$T/b2"
  run_ok c2 "$T/b2"
  assert_contains "$OUT" "/c2" "/proc/self/cgroup inside"
  ctr_cleanup c1
  for d in $dirs; do
    [ ! -e "$d" ] || fail "$d still exists after delete"
  done
}

# The top parent (/minirun) is shared by every state root and kept once made,
# as crun and runc keep theirs: a create pays no mkdir (and v1 cpuset copy)
# for it in each hierarchy, a delete no rmdir, and creates under several
# roots never race over a parent that comes and goes. The level naming the
# state root is this root's own: recorded as a parent, removed with its
# last container.
test_top_parent_kept_root_level_removed() {
  cg_need
  make_bundle "$T/b" sleep 100
  local lvl d dirs
  lvl=$(echo "${T#/}/state" | tr / -)
  create_ok c1 "$T/b"
  dirs=$(cg_dirs c1)
  grep -qx "parent .*/minirun/$lvl" "$T/state/c1/cgroups" ||
    fail "root level not recorded as a parent: $(cat "$T/state/c1/cgroups")"
  if grep -E '^parent .*/minirun$' "$T/state/c1/cgroups"; then
    fail "the shared top parent is recorded for removal"
  fi
  ctr_cleanup c1
  for d in $dirs; do
    d=${d%/minirun/*}
    [ -d "$d/minirun" ] || fail "$d/minirun removed"
    [ ! -e "$d/minirun/$lvl" ] || fail "$d/minirun/$lvl left behind"
  done
}

test_cgroup_namespace_root_inside() {
  cg_need
  make_bundle "$T/b" cat /proc/self/cgroup
  run_ok c1 "$T/b"
  # A new cgroup namespace is made after placement: the container's own
  # cgroup is its root.
  while read -r line; do
    [ "${line##*:}" = / ] || fail "inside a cgroup namespace: '$line' (want root)"
  done <<<"$OUT"
}

test_cgroups_path_forms() {
  cg_need
  local base pid
  base=$(echo "${T##*/}" | tr -dc 'a-zA-Z0-9')
  make_bundle "$T/b" sleep 100
  # Absolute.
  jqset "$T/b" '.linux.cgroupsPath = $p' --arg p "/mrtest-$base/abs"
  run_d_ok a1 "$T/b"
  assert_eq "/mrtest-$base/abs" "$(cg_path_of "$(ctr_pid a1)")" "absolute cgroupsPath"
  ctr_cleanup a1
  # Relative: below the default parent of this state root.
  jqset "$T/b" '.linux.cgroupsPath = "rel/./x//y"'
  run_d_ok r1 "$T/b"
  assert_eq "/minirun/$(echo "${T#/}/state" | tr / -)/rel/x/y" "$(cg_path_of "$(ctr_pid r1)")" \
    "relative cgroupsPath"
  ctr_cleanup r1
  # systemd's slice:prefix:name, as podman --systemd-cgroup sends it.
  jqset "$T/b" '.linux.cgroupsPath = $p' --arg p "mrt-$base.slice:pfx:s1"
  run_d_ok s1 "$T/b"
  assert_eq "/mrt.slice/mrt-$base.slice/pfx-s1.scope" "$(cg_path_of "$(ctr_pid s1)")" \
    "systemd cgroupsPath"
  ctr_cleanup s1
  # The parents an explicit path made are removed with the container.
  for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [ ! -e "$d/mrtest-$base" ] || fail "$d/mrtest-$base left behind"
    [ ! -e "$d/mrt.slice/mrt-$base.slice" ] || fail "$d/mrt.slice/mrt-$base.slice left behind"
  done
}

test_systemd_manager_default_path() {
  cg_need
  make_bundle "$T/b" sleep 100
  echo "sd-$$" >>"$T/.mr-ids"
  timeout 10 $MINIRUN --root "$T/state" --systemd-cgroup run -d --bundle "$T/b" "sd-$$" \
    </dev/null >/dev/null 2>"$T/err" || fail "run --systemd-cgroup: $(cat "$T/err")"
  assert_eq "/system.slice/minirun-sd-$$.scope" "$(cg_path_of "$(ctr_pid "sd-$$")")" \
    "default path with the systemd manager"
  ctr_cleanup "sd-$$"
}

test_bad_cgroups_path() {
  cg_need
  make_bundle "$T/b" true
  local bad
  for bad in "../escape" "/a/../../b" "/" "//./" "x:y" "a.slice:b:c:d" "nodot:p:n" \
    "a--b.slice:p:n" "a.slice:p:" $'a\x01b'; do
    jqset "$T/b" '.linux.cgroupsPath = $p' --arg p "$bad"
    assert_fail_with "linux.cgroupsPath" $MR run --bundle "$T/b" bad1
    assert_nothing_left "after cgroupsPath '$bad'"
  done
}

test_busy_existing_cgroup_refused() {
  cg_need
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b"
  # A second container pointed at the first one's (occupied) cgroup.
  local p
  p=$(cg_path_of "$(ctr_pid c1)")
  make_bundle "$T/b2" true
  jqset "$T/b2" '.linux.cgroupsPath = $p' --arg p "$p"
  assert_fail_with "already holds processes" $MR run --bundle "$T/b2" c2
  # c1 is untouched.
  assert_eq running "$(ctr_status c1)" "status of the first container"
  ctr_cleanup c1
}

test_failed_create_leaves_no_cgroup() {
  cg_need
  make_bundle "$T/b" /does/not/exist
  echo c1 >>"$T/.mr-ids"
  assert_fail_with "does/not/exist" $MR create --bundle "$T/b" c1
  assert_nothing_left "after a failed create"
  local d
  for d in /sys/fs/cgroup/*/minirun /sys/fs/cgroup/minirun; do
    [ ! -e "$d/$(echo "${T#/}/state" | tr / -)" ] || fail "$d/... left behind"
  done
}

test_pause_resume() {
  cg_need
  mkdir "$T/ctl"
  make_bundle "$T/b" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/ctl/n; sleep 0.02; done'
  add_bind "$T/b" "$T/ctl" /ctl
  run_d_ok c1 "$T/b"
  wait_for 5 "the counter" test -s "$T/ctl/n"
  assert_ok $MR pause c1
  assert_eq paused "$(ctr_status c1)" "status after pause"
  # Frozen, seen from outside: the freezer says so and the counter stops.
  local d frozen=
  for d in $(cg_dirs c1); do
    [ -f "$d/freezer.state" ] && frozen=$(cat "$d/freezer.state")
    [ -z "$frozen" ] && [ -f "$d/cgroup.events" ] && frozen=$(sed -n 's/^frozen //p' "$d/cgroup.events")
  done
  assert_match "$frozen" '^(FROZEN|1)$' "freezer state"
  local a b
  a=$(cat "$T/ctl/n")
  sleep 0.3
  b=$(cat "$T/ctl/n")
  assert_eq "$a" "$b" "counter while paused"
  assert_fail_with "paused, not running" $MR pause c1
  assert_ok $MR resume c1
  assert_eq running "$(ctr_status c1)" "status after resume"
  wait_for 5 "the counter to move again" eval '[ "$(cat "$T/ctl/n")" != "'"$b"'" ]'
  assert_fail_with "running, not paused" $MR resume c1
  # Paused again, delete --force kills and removes it at once.
  assert_ok $MR pause c1
  local start=$SECONDS
  ctr_cleanup c1
  [ $((SECONDS - start)) -le 8 ] || fail "delete --force of the paused container took $((SECONDS - start)) s"
}

test_delete_force_of_paused() {
  cg_need
  make_bundle "$T/b" sh -c 'sleep 100 & sleep 100'
  run_d_ok c1 "$T/b"
  assert_ok $MR pause c1
  local start=$SECONDS
  ctr_cleanup c1
  [ $((SECONDS - start)) -le 8 ] || fail "delete --force of a paused container took $((SECONDS - start)) s"
  assert_fail_with "does not exist" $MR state c1
}

test_ps() {
  cg_need
  make_bundle "$T/b" sh -c 'sleep 101 & sleep 102 & wait'
  run_d_ok c1 "$T/b"
  wait_for 5 "three processes" eval '[ "$($MR ps --format json c1 | jq length)" = 3 ]'
  local json pid
  json=$($MR ps --format json c1)
  for pid in $(echo "$json" | jq '.[]'); do
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE '^(sh|sleep 10[12]) ' ||
      fail "ps lists pid $pid, which is not the container's: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
  done
  assert_ok $MR ps c1
  assert_match "$(echo "$LAST_OUT" | head -n1)" 'PID' "table header"
  assert_eq 3 "$(echo "$LAST_OUT" | tail -n +2 | wc -l)" "table rows"
  assert_contains "$LAST_OUT" "sleep 102" "table"
  ctr_cleanup c1
}

test_kill_all_without_pid_namespace() {
  cg_need
  make_bundle "$T/b" sh -c 'sleep 101 & sleep 102 & echo started; wait'
  jqset "$T/b" '.linux.namespaces |= map(select(.type != "pid"))'
  run_d_ok c1 "$T/b"
  wait_for 5 "three processes" eval '[ "$($MR ps --format json c1 | jq length)" = 3 ]'
  local pids p
  pids=$($MR ps --format json c1 | jq '.[]')
  assert_ok $MR kill --all c1 KILL
  for p in $pids; do
    wait_for 5 "pid $p to die" pid_gone "$p"
  done
  ctr_cleanup c1
}

test_disabled_cgroups() {
  cg_need
  make_bundle "$T/b" sleep 100
  echo c1 >>"$T/.mr-ids"
  timeout 10 $MINIRUN --root "$T/state" --cgroup-manager disabled run -d --bundle "$T/b" c1 \
    </dev/null >/dev/null 2>"$T/err" || fail "run with cgroups disabled: $(cat "$T/err")"
  assert_eq "$(cg_path_of $$)" "$(cg_path_of "$(ctr_pid c1)")" "cgroup of an unplaced container"
  assert_fail_with "no cgroup" $MR pause c1
  ctr_cleanup c1
}

# The `cgroup` mount of the default spec shows the container's own cgroups
# only: every hierarchy of the host by name, each listing the container's
# processes alone, read-only, nothing above them.
cg_mount_view_ok() {
  local b=$1 id=$2 want
  set_args "$b" sh -c 'cd /sys/fs/cgroup && for d in *; do [ -L "$d" ] || [ ! -d "$d" ] && continue;
      echo "$d $(cat "$d/cgroup.procs" | sort -n | paste -sd, -) $(ls "$d" | grep -c "^minirun")"; done;
      [ -f cgroup.procs ] && echo "v2 $(sort -n cgroup.procs | paste -sd, -) $(ls | grep -c "^minirun")";
      mkdir /sys/fs/cgroup/x 2>&1; echo x > "$(ls -d /sys/fs/cgroup/* | head -n1)/cgroup.procs" 2>&1;
      grep " /sys/fs/cgroup" /proc/self/mountinfo | grep -vc " ro,"; exit 0'
  run_ok "$id" "$b"
  # One line per hierarchy: its directory name, the pids (the shell is 1
  # with a pid namespace; cat and sort are children) and no host dirs.
  want=$(grep -E ' - cgroup2? ' /proc/self/mountinfo | wc -l)
  assert_eq "$want" "$(echo "$OUT" | grep -cE '^[a-z0-9_,=]+ [0-9,]+ 0$' || true)" "hierarchies shown: $OUT"
  if grep -q ' - cgroup2 ' /proc/self/mountinfo && grep -q ' - cgroup ' /proc/self/mountinfo; then
    assert_contains "$OUT" "unified " "hybrid: the cgroup2 tree at unified/"
  fi
  grep -qE '^[a-z0-9_,=]+ 1,' <<<"$OUT" || fail "pid 1 missing from the container's cgroups: $OUT"
  assert_contains "$ERR$OUT" "Read-only file system" "writes into the cgroup mount"
  assert_eq 0 "$(echo "$OUT" | tail -n1)" "cgroup mounts that are not read-only"
}

test_cgroup_mount_own_cgroups_only() {
  cg_need
  make_bundle "$T/b" true
  cg_mount_view_ok "$T/b" c1
}

test_cgroup_mount_without_cgroupns() {
  cg_need
  make_bundle "$T/b" true
  no_cgroupns "$T/b"
  cg_mount_view_ok "$T/b" c1
}

test_cgroup_mount_with_cgroups_disabled() {
  cg_need
  make_bundle "$T/b" sh -c 'ls -A /sys/fs/cgroup | wc -l'
  echo c1 >>"$T/.mr-ids"
  local out
  out=$($MINIRUN --root "$T/state" --cgroup-manager disabled run --bundle "$T/b" c1 2>"$T/err" </dev/null) ||
    fail "run: $(cat "$T/err")"
  assert_eq 0 "$out" "entries of /sys/fs/cgroup without cgroups (never the host's tree)"
}

# Creates under different state roots share the top parent (/minirun): a
# create that found a level made by another create, before its v1 cpus/mems
# were filled, used to inherit an empty cpuset: "move the init ...: No space
# left on device". /minirun is kept once made now, but the first creates on a
# fresh host still race for it, and each root's own level comes and goes.
# Workers on their own roots, in a loop, for a few seconds.
test_parallel_roots_share_the_parent() {
  cg_need
  make_bundle "$T/b" true
  local i pids=()
  for i in 1 2 3 4; do
    (
      end=$((SECONDS + 8)) n=0
      while [ $SECONDS -lt $end ]; do
        n=$((n + 1))
        $MINIRUN --root "$T/s$i" run --bundle "$T/b" "w$i-$n" >/dev/null 2>>"$T/w$i.err" ||
          { echo "worker $i run $n failed" >>"$T/w$i.err"; exit 1; }
      done
      echo "$n" >"$T/w$i.n"
    ) &
    pids+=($!)
  done
  local bad=0
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || bad=1; done
  [ $bad -eq 0 ] || fail "a parallel run failed: $(cat "$T"/w*.err)"
  for i in 1 2 3 4; do
    [ "$(cat "$T/w$i.n")" -ge 2 ] || fail "worker $i ran fewer than 2 containers"
    [ -z "$(ls -A "$T/s$i" 2>/dev/null | grep -v '^\.')" ] || fail "state left under $T/s$i"
  done
}
