# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-errors.sh - every error has its message and a non-zero exit status, and
# leaves nothing behind (the runner checks state dirs, processes and mounts
# after each test).

check_invalid_id() {
  make_bundle "$T/b" true
  assert_fail_with "invalid container id" $MR run --bundle "$T/b" "$1"
  assert_fail_with "invalid container id" $MR create --bundle "$T/b" "$1"
  assert_no_state
}

test_invalid_id_empty() { check_invalid_id ""; }
test_invalid_id_slash() { check_invalid_id "a/b"; }
test_invalid_id_dotdot() { check_invalid_id ".."; }
test_invalid_id_dot() { check_invalid_id "."; }
test_invalid_id_control_char() { check_invalid_id $'a\x01b'; }
test_invalid_id_newline() { check_invalid_id $'a\nb'; }
test_invalid_id_too_long() { check_invalid_id "$(printf 'a%.0s' $(seq 1025))"; }

test_invalid_id_other_commands() {
  assert_fail_with "invalid container id" $MR state "a/b"
  assert_fail_with "invalid container id" $MR start "a/b"
  assert_fail_with "invalid container id" $MR kill "a/b" KILL
  assert_fail_with "invalid container id" $MR delete "a/b"
  assert_fail_with "invalid container id" $MR delete --force ".."
}

test_duplicate_id() {
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b"
  local pid
  pid=$(ctr_pid c1)
  assert_fail_with "already exists" $MR run -d --bundle "$T/b" c1
  assert_fail_with "already exists" $MR create --bundle "$T/b" c1
  # The first container is unaffected.
  assert_eq running "$(ctr_status c1)" "status of the first container"
  assert_eq "$pid" "$(ctr_pid c1)" "pid of the first container"
  pid_alive "$pid" || fail "the first container's init died"
  [ -f "$T/state/c1/state.json" ] || [ -n "$(ls -A "$T/state/c1")" ] || fail "state dir of c1 was emptied"
  ctr_cleanup c1
  wait_for 5 "the init $pid to be gone" pid_gone "$pid"
}

test_unknown_id() {
  assert_fail_with "does not exist" $MR start nosuch
  assert_fail_with "does not exist" $MR kill nosuch KILL
  assert_fail_with "does not exist" $MR state nosuch
  assert_fail_with "does not exist" $MR delete nosuch
}

test_missing_config_json() {
  make_bundle "$T/b" true
  rm "$T/b/config.json"
  assert_fail_with "config.json" $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "No such file or directory" "stderr"
  assert_no_state
}

test_malformed_json() {
  make_bundle "$T/b" true
  printf '{"ociVersion": "1.0.0", "process": {' >"$T/b/config.json"
  assert_fail_with "config.json" $MR run --bundle "$T/b" c1
  assert_match "${LAST_ERR,,}" "json|parse|syntax|unexpected|premature|malformed" "stderr for malformed JSON"
  assert_no_state
}

test_wrong_type_process_args() {
  make_bundle "$T/b" true
  jqset "$T/b" '.process.args = "sh"'
  assert_fail_with "config.json: process.args: expected array of strings" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_wrong_type_args_element() {
  make_bundle "$T/b" true
  jqset "$T/b" '.process.args = ["sh", 1]'
  assert_fail_with "config.json: process.args" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_unsupported_oci_version() {
  make_bundle "$T/b" true
  jqset "$T/b" '.ociVersion = "2.0.0"'
  assert_fail_with "unsupported version" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_oci_version_1_2_accepted() {
  make_bundle "$T/b" echo ok-1.2
  jqset "$T/b" '.ociVersion = "1.2.0"'
  run_ok c1 "$T/b"
  assert_eq ok-1.2 "$OUT" "output"
}

test_oci_version_1_3_accepted() {
  make_bundle "$T/b" echo ok-1.3
  jqset "$T/b" '.ociVersion = "1.3.0"'
  run_ok c1 "$T/b"
  assert_eq ok-1.3 "$OUT" "output"
}

test_missing_rootfs() {
  make_bundle "$T/b" true
  jqset "$T/b" '.root.path = "missing-rootfs"'
  assert_fail_with "missing-rootfs: No such file or directory" $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "rootfs $T/b/missing-rootfs" "stderr (the absolute rootfs path)"
  assert_no_state
}

test_executable_not_found() {
  make_bundle "$T/b" no-such-command arg
  assert_fail_with 'executable file not found in $PATH' $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" no-such-command "stderr"
  assert_no_state
}

test_executable_not_found_absolute() {
  make_bundle "$T/b" /bin/no-such-command
  capture $MR run --bundle "$T/b" c1
  assert_ne 0 "$LAST_RC" "exit status for a missing absolute executable"
  assert_contains "$LAST_ERR" /bin/no-such-command "stderr"
  assert_no_state
}

test_executable_not_executable() {
  make_bundle "$T/b" /notexec
  printf 'echo hi\n' >"$T/b/rootfs/notexec"
  chmod 644 "$T/b/rootfs/notexec"
  assert_fail_with_i "permission denied" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_start_running_container() {
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b"
  assert_fail_with "not in created state" $MR start c1
  assert_eq running "$(ctr_status c1)" "status after a refused start"
  ctr_cleanup c1
}

test_start_twice() {
  make_bundle "$T/b" sleep 100
  create_ok c1 "$T/b"
  assert_ok $MR start c1
  assert_fail_with "not in created state" $MR start c1
  ctr_cleanup c1
}

test_bind_mount_source_missing() {
  make_bundle "$T/b" true
  add_bind "$T/b" "$T/does-not-exist" /data-missing rbind
  assert_fail_with "/data-missing" $MR run --bundle "$T/b" c1
  assert_no_state
  assert_fail_with "/data-missing" $MR create --bundle "$T/b" c1
  assert_no_state
}

test_create_failure_keeps_other_containers() {
  make_bundle "$T/a" sleep 100
  run_d_ok ca "$T/a"
  make_bundle "$T/b" true
  jqset "$T/b" '.root.path = "missing-rootfs"'
  capture $MR run --bundle "$T/b" cb
  assert_ne 0 "$LAST_RC" "exit status with a missing rootfs"
  assert_eq running "$(ctr_status ca)" "status of the other container"
  [ ! -e "$T/state/cb" ] || fail "state dir of the failed container exists"
  ctr_cleanup ca
}

test_unknown_command() {
  capture $MR no-such-subcommand
  assert_ne 0 "$LAST_RC" "exit status of an unknown subcommand"
  [ -n "$LAST_ERR" ] || fail "an unknown subcommand printed nothing on stderr"
}

test_executable_not_found_create_start() {
  # The error surfaces at create (like runc) or at start; either way it is
  # reported and nothing is left after delete.
  make_bundle "$T/b" no-such-command
  capture timeout 10 $MR create --bundle "$T/b" c1
  if [ "$LAST_RC" -ne 0 ]; then
    [ "$LAST_RC" -ne 124 ] || fail "create hangs"
    assert_contains "$LAST_ERR" 'executable file not found in $PATH' "stderr of create"
    assert_no_state
  else
    capture timeout 10 $MR start c1
    [ "$LAST_RC" -ne 124 ] || fail "start hangs"
    assert_ne 0 "$LAST_RC" "exit status of start with a missing executable"
    assert_contains "$LAST_ERR" 'executable file not found in $PATH' "stderr of start"
    assert_ok $MR delete --force c1
  fi
}
