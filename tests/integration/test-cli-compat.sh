# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-cli-compat.sh - the options of crun and runc that users (and podman,
# conmon, containerd) pass when minirun replaces them.

test_create_and_run_with_config_file() {
  make_bundle "$T/b" echo from-config-json
  jq '.process.args = ["echo", "from-other-file"]' "$T/b/config.json" >"$T/other.json"
  run_ok c1 "$T/b" --config "$T/other.json"
  assert_eq from-other-file "$OUT" "run --config"
  run_ok c2 "$T/b" -f "$T/other.json"
  assert_eq from-other-file "$OUT" "run -f"
  create_ok c3 "$T/b" --config "$T/other.json"
  assert_ok $MR start c3
  wait_for 10 "c3 stopped" status_is c3 stopped
  assert_eq from-other-file "$(cat "$T/c3.out")" "create --config"
  assert_ok $MR delete c3
  assert_fail_with "no-such.json" $MR run --bundle "$T/b" --config "$T/no-such.json" c4
  assert_no_state
}

test_run_keep() {
  make_bundle "$T/b" sh -c 'exit 3'
  run_ctr c1 "$T/b" --keep
  assert_eq 3 "$RC" "exit status"
  assert_eq stopped "$(ctr_status c1)" "kept after exit"
  assert_ok $MR delete c1
}

test_delete_regex() {
  make_bundle "$T/b" sleep 1000
  local id
  for id in web-1 web-2 db-1; do
    run_d_ok $id "$T/b"
  done
  assert_ok $MR delete --force --regex '^web-'
  assert_fail_with "does not exist" $MR state web-1
  assert_fail_with "does not exist" $MR state web-2
  assert_eq running "$(ctr_status db-1)" "a container the regex does not match"
  assert_fail_with "invalid regular expression" $MR delete -r '(' 
  ctr_cleanup db-1
}

test_log_file_json() {
  $MR --log "file:$T/log.json" --log-format json state no-such-ctr >"$T/o" 2>"$T/e" && fail "state of an unknown container succeeded"
  assert_contains "$(cat "$T/e")" "minirun: container 'no-such-ctr' does not exist" "text on stderr"
  local line
  line=$(head -n1 "$T/log.json")
  assert_eq error "$(echo "$line" | jq -r .level)" "level"
  assert_contains "$(echo "$line" | jq -r .msg)" "does not exist" "msg"
  assert_match "$(echo "$line" | jq -r .time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "time"
  assert_eq 1 "$(wc -l <"$T/log.json")" "one object per message"
  # A plain path is a file too; other drivers are refused.
  $MR --log "$T/plain.log" state no-such-ctr 2>/dev/null || true
  assert_contains "$(cat "$T/plain.log")" "does not exist"
  assert_fail_with "log driver \`journald\` is not supported" $MR --log journald:minirun list
  assert_fail_with "unknown log format" $MR --log-format xml list
}

test_global_options() {
  make_bundle "$T/b" true
  local v
  for v in true false auto; do
    assert_ok $MR --rootless $v list
  done
  assert_fail_with "invalid --rootless value" $MR --rootless sometimes list
  run_ok c1 "$T/b"
  # a unique id: the systemd manager's default cgroup does not depend on the
  # state root, and the suite's two modes run at the same time
  echo "sd-$$" >>"$T/.mr-ids"
  $MR --systemd-cgroup run --bundle "$T/b" "sd-$$" >/dev/null 2>"$T/e" </dev/null ||
    fail "run with --systemd-cgroup: $(cat "$T/e")"
}

test_checkpoint_restore_refused() {
  local cmd
  for cmd in "checkpoint" "checkpoint --help" "restore" "restore --help" "checkpoint c1"; do
    assert_fail_with "not supported" $MR $cmd
  done
}

# conmon and containerd's shim run the runtime with a minimal environment:
# no PATH, and for a root-owned runtime an empty XDG_RUNTIME_DIR.
test_no_path_no_xdg() {
  make_bundle "$T/b" sleep 1000
  local id=compat-nopath-$$
  echo "$id" >>"$T/.mr-ids"
  env -i XDG_RUNTIME_DIR= "$MINIRUN" run -d --bundle "$T/b" $id </dev/null || fail "run -d"
  local out
  out=$(env -i XDG_RUNTIME_DIR= "$MINIRUN" state $id) || fail "state without PATH"
  assert_eq running "$(echo "$out" | jq -r .status)"
  out=$(env -i XDG_RUNTIME_DIR= "$MINIRUN" exec $id sh -c 'echo in-$PATH' </dev/null) || fail "exec without PATH"
  assert_contains "$out" "in-/" "exec gets the container's PATH"
  env -i XDG_RUNTIME_DIR= "$MINIRUN" kill $id KILL || fail "kill without PATH"
  wait_for 10 "stopped" sh -c "env -i '$MINIRUN' state $id | grep -q stopped"
  env -i XDG_RUNTIME_DIR= "$MINIRUN" delete $id || fail "delete without PATH"
}
