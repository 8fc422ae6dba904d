# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2086
#
# test-crash.sh - crash safety: the CLI killed with SIGKILL at named steps of
# create/start/delete (tests/crash/minirun-crashpoints, MINIRUN_CRASH_AT) and
# at random moments; concurrent creates of one id; damaged state files.
# After each crash `list` must be consistent (exit 0, no warning, no half
# entry), `delete --force` must succeed and nothing may be left behind.

# Two halves: each fits the per-test timeout on a loaded machine.
CREATE_STEPS_1="state-dir-created gate-opened init-spawned init-ready"
CREATE_STEPS_2="init-file-written go-sent state-written pid-file-written state-committed"
REMOVE_STEPS="delete-locked delete-killed remove-fifo-removed remove-state-removed
remove-files-removed"

crash_bin() {
  CRASH=${MINIRUN_BUILDDIR:-$MINIRUN_SRCDIR}/tests/crash/minirun-crashpoints
  [ -x "$CRASH" ] || fail "$CRASH is not built (make tests/crash/minirun-crashpoints)"
  CRASH="$CRASH --root $T/state"
}

# crash_at STEP CMD...: runs the crash-point CLI, which must die of SIGKILL.
crash_at() {
  local step=$1 rc=0
  shift
  MINIRUN_CRASH_AT=$step timeout 20 $CRASH "$@" </dev/null >"$T/crash.out" 2>"$T/crash.err" || rc=$?
  assert_eq 137 "$rc" "exit status of '$*' killed at $step (stderr: $(cat "$T/crash.err"))"
}

# list_consistent ID: `list` succeeds silently; ID is either absent or listed
# with a real status, and `state ID` agrees with it.
list_consistent() {
  local id=$1 st
  assert_ok $MR list --format json
  assert_eq "" "$LAST_ERR" "stderr of list"
  st=$(echo "$LAST_OUT" | jq -r --arg id "$id" '.[] | select(.id == $id) | .status')
  if [ -z "$st" ]; then
    assert_fail_with "does not exist" $MR state "$id"
  else
    assert_match "$st" '^(created|running|stopped)$' "status of $id in list"
    assert_ok $MR state "$id"
    assert_eq "$st" "$(echo "$LAST_OUT" | jq -r .status)" "status of $id in state vs list"
  fi
}

# force_delete_clean ID: delete --force works and nothing is left.
force_delete_clean() {
  assert_ok $MR delete --force "$1"
  assert_fail_with "does not exist" $MR state "$1"
  assert_nothing_left "after delete --force $1"
}

crash_in_create() {
  local step i=0
  crash_bin
  make_bundle "$T/b" sleep 100
  for step in "$@"; do
    i=$((i + 1))
    echo "c$i" >>"$T/.mr-ids"
    crash_at "$step" create --bundle "$T/b" "c$i"
    list_consistent "c$i"
    force_delete_clean "c$i"
  done
}

test_crash_points_in_create_early() { crash_in_create $CREATE_STEPS_1; }
test_crash_points_in_create_late() { crash_in_create $CREATE_STEPS_2; }

test_crash_points_in_run() {
  crash_bin
  make_bundle "$T/b" sleep 100
  crash_at run-started run --bundle "$T/b" c1
  list_consistent c1
  assert_eq running "$(ctr_status c1)" "status of a container whose run died after the start"
  force_delete_clean c1
}

test_crash_points_in_start() {
  local step
  crash_bin
  make_bundle "$T/b" sleep 100
  for step in start-locked start-released; do
    create_ok c1 "$T/b"
    crash_at "$step" start c1
    list_consistent c1
    force_delete_clean c1
  done
}

# start died after releasing the init but before removing exec.fifo: the
# container runs, and must not read as created.
test_crash_after_release_reads_running() {
  crash_bin
  make_bundle "$T/b" sleep 100
  create_ok c1 "$T/b"
  crash_at start-released start c1
  wait_for 10 "the init to exec sleep" eval "[[ \"\$(tr '\\0' ' ' </proc/$(ctr_pid c1)/cmdline)\" == 'sleep 100 ' ]]"
  assert_eq running "$(ctr_status c1)" "status after start died between release and cleanup"
  assert_fail_with "not in created state" $MR start c1
  force_delete_clean c1
}

test_crash_points_in_delete() {
  local step
  crash_bin
  make_bundle "$T/b" sleep 100
  for step in $REMOVE_STEPS; do
    create_ok c1 "$T/b"
    crash_at "$step" delete --force c1
    list_consistent c1
    force_delete_clean c1
  done
}

# A bundle whose container marks $T/out/ran, then sleeps; in the host's pid
# namespace, so that an init held by MINIRUN_PAUSE_AT can stop itself.
marking_bundle() {
  crash_bin
  mkdir "$T/out"
  make_bundle "$T/b" sh -c 'echo ran >/out/ran; exec sleep 100'
  add_bind "$T/b" "$T/out" /out
  jqset "$T/b" '.linux.namespaces |= map(select(.type != "pid"))'
}

# crash_holding_init STEP ID COMMAND...: `minirun COMMAND... --bundle $T/b ID`
# killed at STEP while the init stops itself right after READY. Sets the
# caller's $pid (the stopped init) and $st (what `state` says meanwhile).
crash_holding_init() {
  local step=$1 id=$2 rc=0
  shift 2
  echo "$id" >>"$T/.mr-ids"
  MINIRUN_PAUSE_AT=init-ready-sent MINIRUN_CRASH_AT=$step timeout 20 $CRASH "$@" \
    --bundle "$T/b" "$id" </dev/null >/dev/null 2>"$T/crash.err" || rc=$?
  assert_eq 137 "$rc" "exit status of $1 killed at $step (stderr: $(cat "$T/crash.err"))"
  pid=$(cut -d' ' -f1 "$T/state/$id/init.pid")
  wait_for 5 "the init $pid to stop itself" eval "[ \"\$(sed 's/.*) //' /proc/$pid/stat | cut -c1)\" = T ]"
  st=$($MR state "$id" 2>/dev/null | jq -r .status || true)
}

# Issue 10, defect 9 ("created" read as "stopped"): create wrote state.json
# before the init's last GO, so a create killed between the two left an init
# that read as created while it was about to exit on EOF - `list` said
# created, `state` a moment later stopped, and a `start` in between
# succeeded with nothing run. Constructed: the init stops itself right after
# READY (MINIRUN_PAUSE_AT; no pid namespace, so it can), the CLI dies at each
# late step, `start` runs while the init is still stopped, then it goes on.
# Whatever read as created must run; the rest must not read as created.
test_created_after_a_crash_is_startable() {
  local step id pid st i=0
  marking_bundle
  for step in init-file-written go-sent state-written pid-file-written; do
    i=$((i + 1))
    id=d$i
    crash_holding_init "$step" "$id" create
    if [ "$st" = created ]; then
      assert_ok $MR start "$id"
      kill -CONT "$pid"
      wait_for 10 "the container created before the crash at $step to run" test -e "$T/out/ran"
      rm "$T/out/ran"
    else
      kill -CONT "$pid"
      assert_eq "" "$st" "status after a crash at $step, before state.json"
      assert_fail_with "does not exist" $MR start "$id"
    fi
    force_delete_clean "$id"
  done
}

# The same for `run`, whose gate is a pipe: killed after state.json but
# before the release, its init read as running while it was about to exit
# (EOF on the gate). Whatever reads as running must run.
test_running_after_a_crash_runs() {
  local step id pid st i=0
  marking_bundle
  for step in go-sent state-written; do
    i=$((i + 1))
    id=r$i
    crash_holding_init "$step" "$id" run -d
    kill -CONT "$pid"
    if [ "$st" = running ]; then
      wait_for 10 "the container run before the crash at $step to run" test -e "$T/out/ran"
      rm "$T/out/ran"
    else
      assert_eq "" "$st" "status after a crash of run at $step, before state.json"
    fi
    force_delete_clean "$id"
  done
}

# Timed kills: SIGKILL to create/run at a random moment.
test_crash_timed_kills() {
  local i pid id
  make_bundle "$T/b" sleep 100
  for i in $(seq ${MR_CRASH_KILLS:-4}); do
    id=t$i
    echo "$id" >>"$T/.mr-ids"
    if [ $((i % 2)) = 0 ]; then
      $MR create --bundle "$T/b" "$id" </dev/null >/dev/null 2>&1 &
    else
      $MR run --bundle "$T/b" "$id" </dev/null >/dev/null 2>&1 &
    fi
    pid=$!
    sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    list_consistent "$id"
    force_delete_clean "$id"
  done
}

test_concurrent_create_20() {
  make_bundle "$T/b" sleep 100
  local i wins=0 pids=()
  echo c1 >>"$T/.mr-ids"
  for i in $(seq 20); do
    $MR create --bundle "$T/b" c1 >"$T/o$i" 2>"$T/e$i" </dev/null &
    pids+=($!)
  done
  for i in $(seq 20); do
    if wait "${pids[$((i - 1))]}"; then
      wins=$((wins + 1))
    else
      assert_match "$(cat "$T/e$i")" "container 'c1' already exists" "stderr of a losing create $i"
    fi
  done
  assert_eq 1 "$wins" "number of concurrent creates of one id that succeeded"
  assert_eq created "$(ctr_status c1)" "status of the winner"
  pid_alive "$(ctr_pid c1)" || fail "the winner's init is not alive"
  force_delete_clean c1
}

# damage_state_test NAME CONTENT-COMMAND: state.json replaced by damage.
damaged_state() {
  local how=$1 f=$T/state/c1/state.json
  case $how in
  truncated) head -c $(($(stat -c %s "$f") / 2)) "$f" >"$f.x" && mv "$f.x" "$f" ;;
  empty) : >"$f" ;;
  garbage) printf '\x00\x01garbage' >"$f" ;;
  not-object) echo '[1, 2]' >"$f" ;;
  wrong-types) jq '.pid = "12"' "$f" >"$f.x" && mv "$f.x" "$f" ;;
  negative-pid) jq '.pid = -1' "$f" >"$f.x" && mv "$f.x" "$f" ;;
  other-id) jq '.id = "other"' "$f" >"$f.x" && mv "$f.x" "$f" ;;
  directory) rm "$f" && mkdir "$f" ;;
  esac
}

damaged_state_test() {
  local how
  make_bundle "$T/b" sleep 100
  for how in "$@"; do
    create_ok c1 "$T/b"
    damaged_state "$how"
    assert_fail_with "state.json" $MR state c1
    assert_contains "$LAST_ERR" "container 'c1'" "error of state with a $how state.json"
    assert_fail_with "state.json" $MR kill c1 KILL
    assert_fail_with "state.json" $MR delete c1
    assert_ok $MR list
    assert_contains "$LAST_ERR" "container 'c1'" "warning of list with a $how state.json"
    assert_contains "$LAST_ERR" "state.json" "warning of list with a $how state.json"
    assert_ok $MR delete --force c1
    assert_nothing_left "after delete --force with a $how state.json"
  done
}

test_damaged_state_file_text() { damaged_state_test truncated empty garbage not-object; }
test_damaged_state_file_values() { damaged_state_test wrong-types negative-pid other-id directory; }

# both_records_damaged ID WHAT...: state.json and init.pid garbage; with
# "marks" also the third record (the init.PID.START file name) removed.
damage_records() {
  local d=$T/state/$1
  printf '\x00garbage' >"$d/state.json"
  printf 'garbage\n' >"$d/init.pid"
  [ "${2:-}" != marks ] || rm -f "$d"/init.[0-9]*
}

# delete --force with state.json AND init.pid damaged still finds the live
# init (the third record: a file name), kills it and removes the state dir;
# for a created container even with the third record gone (the init is the
# process holding exec.fifo open).
test_damaged_state_and_init_file() {
  local how pid
  make_bundle "$T/b" sleep 100
  for how in created running created-no-marks; do
    create_ok c1 "$T/b"
    [ "$how" != running ] || assert_ok $MR start c1
    pid=$(ctr_pid c1)
    pid_alive "$pid" || fail "$how: the init $pid is not alive"
    damage_records c1 "$([ "$how" = created-no-marks ] && echo marks)"
    assert_ok $MR delete --force c1
    wait_for 5 "$how: init $pid killed by delete --force" pid_gone "$pid"
    [ ! -e "$T/state/c1" ] || fail "$how: the state dir is still there"
    assert_nothing_left "delete --force with state.json and init.pid damaged ($how)"
  done
  assert_contains "$LAST_ERR" "found as the holder of exec.fifo" "how the init was found without records"
}
