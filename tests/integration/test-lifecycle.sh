# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-lifecycle.sh - create / start / state / list / kill / delete.

test_create_then_start_from_separate_processes() {
  make_bundle "$T/b" sh -c 'echo started-as-$$'
  create_ok c1 "$T/b" --pid-file "$T/pid"
  assert_eq created "$(ctr_status c1)" "status after create"
  local pid cmdline
  pid=$(cat "$T/pid")
  assert_eq "$pid" "$(ctr_pid c1)" "pid in state vs pid file"
  pid_alive "$pid" || fail "the init $pid of the created container is not alive"
  cmdline=$(tr '\0' ' ' </proc/$pid/cmdline)
  assert_not_contains "$cmdline" "started-as" "cmdline of the created (not started) init"
  sleep 0.3
  [ ! -s "$T/c1.out" ] || fail "the process ran before start: output '$(cat "$T/c1.out")'"
  assert_eq created "$(ctr_status c1)" "status 0.3s after create"
  assert_ok $MR start c1
  wait_for 10 "the started container's output" file_contains "$T/c1.out" started-as-1
  wait_for 10 "status stopped" status_is c1 stopped
  assert_ok $MR delete c1
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
}

test_status_transitions() {
  mkdir "$T/ctl"
  make_bundle "$T/b" sh -c 'while [ ! -e /ctl/go ]; do sleep 0.05; done; echo finished'
  add_bind "$T/b" "$T/ctl" /ctl
  create_ok c1 "$T/b"
  assert_eq created "$(ctr_status c1)" "status after create"
  assert_ok $MR start c1
  assert_eq running "$(ctr_status c1)" "status right after start"
  sleep 0.2
  assert_eq running "$(ctr_status c1)" "status while the process waits"
  touch "$T/ctl/go"
  wait_for 10 "status stopped" status_is c1 stopped
  assert_eq finished "$(cat "$T/c1.out")" "container output"
  assert_ok $MR delete c1
}

test_pid_file_names_the_container_process() {
  make_bundle "$T/b" sleep 100
  create_ok c1 "$T/b" --pid-file "$T/pid"
  local pid
  pid=$(cat "$T/pid")
  assert_match "$pid" '^[1-9][0-9]*$' "pid file content"
  assert_ok $MR start c1
  # After start the very same process runs the container's command.
  wait_for 5 "pid $pid to exec 'sleep 100'" eval '[[ "$(tr "\0" " " </proc/'$pid'/cmdline 2>/dev/null)" == "sleep 100 " ]]'
  assert_eq "$pid" "$(ctr_pid c1)" "pid in state"
  ctr_cleanup c1
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
}

test_run_detach_pid_file() {
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b" --pid-file "$T/pid"
  local pid
  pid=$(cat "$T/pid")
  assert_eq "$pid" "$(ctr_pid c1)" "pid in state vs pid file"
  assert_eq "sleep 100 " "$(tr '\0' ' ' </proc/$pid/cmdline)" "cmdline of the pid in the pid file"
  ctr_cleanup c1
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
}

test_state_json() {
  make_bundle "$T/b" sleep 100
  jqset "$T/b" '.annotations = {"org.example.key": "value-1", "other": "two"}'
  create_ok c1 "$T/b" --pid-file "$T/pid"
  local st
  st=$($MR state c1)
  echo "$st" | jq -e . >/dev/null || fail "state output is not JSON: $(_mr_show "$st")"
  assert_match "$(echo "$st" | jq -r .ociVersion)" '^1\.[0-9]+\.[0-9]+' "ociVersion"
  assert_eq c1 "$(echo "$st" | jq -r .id)" "id"
  assert_eq created "$(echo "$st" | jq -r .status)" "status"
  assert_eq "$(cat "$T/pid")" "$(echo "$st" | jq -r .pid)" "pid"
  assert_eq "$T/b" "$(echo "$st" | jq -r .bundle)" "bundle"
  assert_eq value-1 "$(echo "$st" | jq -r '.annotations["org.example.key"]')" "annotation org.example.key"
  assert_eq two "$(echo "$st" | jq -r '.annotations.other')" "annotation other"
  assert_ok $MR start c1
  assert_eq running "$($MR state c1 | jq -r .status)" "status after start"
  ctr_cleanup c1
}

test_state_bundle_is_absolute() {
  make_bundle "$T/b" sleep 100
  local rc=0
  (cd "$T" && timeout 10 $MR create --bundle b c1 >"$T/out" 2>"$T/err" </dev/null) || rc=$?
  assert_eq 0 "$rc" "create with a relative --bundle (stderr: $(cat "$T/err"))"
  assert_eq "$T/b" "$($MR state c1 | jq -r .bundle)" "bundle in state"
  ctr_cleanup c1
}

test_list_table_and_json() {
  make_bundle "$T/b" sleep 100
  create_ok c1 "$T/b"
  run_d_ok c2 "$T/b"
  local out
  out=$($MR list)
  assert_contains "$(echo "$out" | head -n1)" STATUS "list header"
  assert_contains "$(echo "$out" | head -n1)" PID "list header"
  echo "$out" | awk '$1 == "c1"' | grep -q created || fail "no 'c1 ... created' row in list: $(_mr_show "$out")"
  echo "$out" | awk '$1 == "c2"' | grep -q running || fail "no 'c2 ... running' row in list: $(_mr_show "$out")"
  out=$($MR list --format json)
  echo "$out" | jq -e . >/dev/null || fail "list --format json is not JSON: $(_mr_show "$out")"
  assert_eq 2 "$(echo "$out" | jq length)" "number of containers in list --format json"
  assert_eq created "$(echo "$out" | jq -r '.[] | select(.id == "c1") | .status')" "status of c1 in list json"
  assert_eq running "$(echo "$out" | jq -r '.[] | select(.id == "c2") | .status')" "status of c2 in list json"
  assert_eq "$(ctr_pid c2)" "$(echo "$out" | jq -r '.[] | select(.id == "c2") | .pid')" "pid of c2 in list json"
  ctr_cleanup c1
  ctr_cleanup c2
}

test_list_empty() {
  local out
  out=$($MR list --format json)
  assert_eq 0 "$(echo "$out" | jq length)" "list --format json without containers ('$out')"
  out=$($MR list)
  assert_eq 1 "$(echo "$out" | grep -c .)" "lines of 'list' without containers ('$out')"
}

# Container whose init handles TERM and USR1 by printing the signal name.
trap_bundle() {
  make_bundle "$T/b" sh -c 'trap "echo got-TERM; exit 0" TERM; trap "echo got-USR1; exit 0" USR1
                            echo ready; while :; do sleep 0.05; done'
}

# kill_and_expect SIGNAL-ARGUMENT... EXPECTED-NAME
kill_and_expect() {
  local expect=${*: -1}
  local args=("${@:1:$#-1}")
  trap_bundle
  run_d_ok c1 "$T/b"
  wait_for 10 "the container to be ready" file_contains "$T/c1.out" ready
  assert_ok $MR kill c1 "${args[@]}"
  wait_for 10 "status stopped after kill ${args[*]}" status_is c1 stopped
  assert_contains "$(cat "$T/c1.out")" "got-$expect" "container output after kill ${args[*]}"
  assert_ok $MR delete c1
}

test_kill_by_name() { kill_and_expect TERM TERM; }
test_kill_by_sig_name() { kill_and_expect SIGTERM TERM; }
test_kill_by_number() { kill_and_expect 15 TERM; }
test_kill_other_signal() { kill_and_expect SIGUSR1 USR1; }
test_kill_default_signal_is_term() { kill_and_expect TERM; }

test_kill_all() {
  # The init (pid 1 of its namespace, no TERM handler) ignores TERM; its
  # children do not: only --all stops the container.
  make_bundle "$T/b" sh -c 'sleep 100 & sleep 100 & echo ready; wait'
  run_d_ok c1 "$T/b"
  wait_for 10 "the container to be ready" file_contains "$T/c1.out" ready
  assert_ok $MR kill c1 TERM
  sleep 0.3
  assert_eq running "$(ctr_status c1)" "status after TERM to the init only"
  assert_ok $MR kill --all c1 TERM
  wait_for 10 "status stopped after kill --all" status_is c1 stopped
  assert_ok $MR delete c1
}

test_kill_invalid_signal() {
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b"
  assert_fail_with "unknown signal 'NOSUCHSIGNAL'" $MR kill c1 NOSUCHSIGNAL
  assert_fail_with "unknown signal 'SIGNOSUCH'" $MR kill c1 SIGNOSUCH
  assert_fail_with "unknown signal '65'" $MR kill c1 65
  assert_eq running "$(ctr_status c1)" "status after kill with an unknown signal"
  ctr_cleanup c1
}

test_kill_stopped_container_fails() {
  make_bundle "$T/b" true
  run_d_ok c1 "$T/b"
  wait_for 10 "status stopped" status_is c1 stopped
  capture $MR kill c1 KILL
  assert_ne 0 "$LAST_RC" "exit status of kill on a stopped container"
  assert_match "${LAST_ERR,,}" "not running|stopped" "stderr of kill on a stopped container"
  assert_ok $MR delete c1
}

test_delete_running_needs_force() {
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b"
  local pid
  pid=$(ctr_pid c1)
  assert_fail_with running $MR delete c1
  assert_eq running "$(ctr_status c1)" "status after a refused delete"
  pid_alive "$pid" || fail "the init died although delete was refused"
  assert_ok $MR delete --force c1
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
  [ ! -e "$T/state/c1" ] || fail "state dir still exists after delete --force"
  assert_fail_with "does not exist" $MR state c1
}

test_delete_force_unknown_is_ok() {
  assert_ok $MR delete --force no-such-container
}

test_delete_stopped() {
  make_bundle "$T/b" true
  run_d_ok c1 "$T/b"
  wait_for 10 "status stopped" status_is c1 stopped
  [ -d "$T/state/c1" ] || fail "no state dir $T/state/c1 for a stopped container"
  assert_ok $MR delete c1
  [ ! -e "$T/state/c1" ] || fail "state dir still exists after delete"
  assert_fail_with "does not exist" $MR state c1
}

test_delete_created() {
  make_bundle "$T/b" sh -c 'echo must-not-run'
  create_ok c1 "$T/b" --pid-file "$T/pid"
  local pid
  pid=$(cat "$T/pid")
  assert_ok $MR delete c1
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
  [ ! -e "$T/state/c1" ] || fail "state dir still exists after delete"
  [ ! -s "$T/c1.out" ] || fail "the process of a never started container ran: $(cat "$T/c1.out")"
}

test_id_reusable_after_delete() {
  make_bundle "$T/b" echo again
  run_ok c1 "$T/b"
  run_ok c1 "$T/b"
  assert_eq again "$OUT" "output of the second run with the same id"
}

test_pid_file_relative_path() {
  make_bundle "$T/b" sleep 100
  local rc=0
  (cd "$T" && timeout 10 $MR run -d --pid-file rel.pid --bundle b c1 >"$T/out" 2>"$T/err" </dev/null) || rc=$?
  assert_eq 0 "$rc" "run -d with a relative --pid-file (stderr: $(cat "$T/err"))"
  [ -f "$T/rel.pid" ] || fail "the relative pid file was not written relative to the cwd"
  assert_eq "$(ctr_pid c1)" "$(cat "$T/rel.pid")" "pid in the relative pid file"
  ctr_cleanup c1
}

test_list_quiet() {
  make_bundle "$T/b" sleep 100
  create_ok c2 "$T/b"
  create_ok c1 "$T/b"
  assert_eq "c1
c2" "$($MR list -q | sort)" "list -q"
  ctr_cleanup c1
  ctr_cleanup c2
}

test_init_killed_from_outside() {
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b" --pid-file "$T/pid"
  local pid
  pid=$(cat "$T/pid")
  kill -9 "$pid"
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
  wait_for 5 "status stopped" status_is c1 stopped
  assert_ok $MR delete c1
  [ ! -e "$T/state/c1" ] || fail "state dir still exists after delete"
}

test_start_after_init_died() {
  make_bundle "$T/b" echo must-not-run
  create_ok c1 "$T/b" --pid-file "$T/pid"
  local pid
  pid=$(cat "$T/pid")
  kill -9 "$pid"
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
  capture timeout 10 $MR start c1
  [ "$LAST_RC" -ne 124 ] || fail "start of a container whose init died hangs"
  assert_ne 0 "$LAST_RC" "exit status of start of a container whose init died"
  [ -n "$LAST_ERR" ] || fail "start of a container whose init died printed no error"
  assert_eq stopped "$(ctr_status c1)" "status of a created container whose init died"
  assert_ok $MR delete c1
}

test_concurrent_create_same_id() {
  make_bundle "$T/b" sleep 100
  local i wins=0
  for i in 1 2 3 4 5 6; do
    (
      rc=0
      timeout 20 $MR create --bundle "$T/b" c1 >"$T/o$i" 2>"$T/e$i" </dev/null || rc=$?
      echo "$rc" >"$T/rc$i"
    ) &
  done
  wait
  for i in 1 2 3 4 5 6; do
    if [ "$(cat "$T/rc$i")" = 0 ]; then
      wins=$((wins + 1))
    else
      assert_contains "$(cat "$T/e$i")" "already exists" "stderr of a losing concurrent create (exit $(cat "$T/rc$i"))"
    fi
  done
  assert_eq 1 "$wins" "number of concurrent creates of one id that succeeded"
  assert_eq created "$(ctr_status c1)" "status of the winner"
  pid_alive "$(ctr_pid c1)" || fail "the winner's init is not alive"
  ctr_cleanup c1
}

test_concurrent_start() {
  make_bundle "$T/b" echo started-once
  create_ok c1 "$T/b"
  local i wins=0
  for i in 1 2 3 4 5; do
    (
      rc=0
      timeout 20 $MR start c1 >/dev/null 2>"$T/e$i" </dev/null || rc=$?
      echo "$rc" >"$T/rc$i"
    ) &
  done
  wait
  for i in 1 2 3 4 5; do
    [ "$(cat "$T/rc$i")" != 0 ] || wins=$((wins + 1))
  done
  assert_eq 1 "$wins" "number of concurrent starts that succeeded"
  wait_for 10 "status stopped" status_is c1 stopped
  assert_eq started-once "$(cat "$T/c1.out")" "container output"
  assert_ok $MR delete c1
}
