# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-cli.sh - the crun-compatible command line surface: global options
# (--log/--log-format, --root, the default root, compatibility options),
# --version/--help, unknown commands, `spec`, `kill` of a trapped signal,
# `list` and `state` output.
#
# Tests that use a state root other than $T/state (which the runner cleans up)
# install an EXIT trap deleting their containers, so a failing assertion does
# not leave a container behind in /run/minirun or elsewhere.

# A container id nobody else uses, for the shared default root.
unique_id() { echo "mr-cli-test-$$-$RANDOM$RANDOM"; }

# ---------------------------------------------------------------------------
# --log / --log-format
# ---------------------------------------------------------------------------

test_log_json() {
  assert_fail_with "does not exist" $MINIRUN --root "$T/state" --log "$T/log.json" --log-format json start nosuch
  assert_eq 1 "$LAST_RC" "exit status of a failing start"
  [ -s "$T/log.json" ] || fail "--log file $T/log.json was not written"
  local line n=0
  while IFS= read -r line; do
    n=$((n + 1))
    echo "$line" | jq -e 'type == "object"' >/dev/null 2>&1 ||
      fail "line $n of the json log is not one JSON object: '$(_mr_show "$line")'"
  done <"$T/log.json"
  [ "$n" -ge 1 ] || fail "the json log has no line"
  # The error record: level, msg with the message, an RFC 3339 time.
  local rec
  rec=$(jq -c 'select(.level == "error")' "$T/log.json" | head -n1)
  [ -n "$rec" ] || fail "no record with \"level\":\"error\" in the json log: $(_mr_show "$(cat "$T/log.json")")"
  assert_contains "$(echo "$rec" | jq -r .msg)" "does not exist" "msg of the error record"
  assert_contains "$(echo "$rec" | jq -r .msg)" "nosuch" "msg of the error record"
  assert_match "$(echo "$rec" | jq -r '.time // empty')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}' "time of the error record"
  # A second failing command appends to the same file.
  assert_fail_with "does not exist" $MINIRUN --root "$T/state" --log "$T/log.json" --log-format=json state other-missing
  assert_eq 2 "$(jq -c 'select(.level == "error")' "$T/log.json" | wc -l)" "error records after two failing commands"
  assert_contains "$(jq -r 'select(.level == "error") | .msg' "$T/log.json" | tail -n1)" other-missing "msg of the second error record"
}

test_log_text() {
  assert_fail_with "does not exist" $MINIRUN --root "$T/state" --log "$T/log.txt" --log-format text start nosuch
  assert_eq 1 "$LAST_RC" "exit status of a failing start"
  [ -s "$T/log.txt" ] || fail "--log file $T/log.txt was not written"
  local line
  line=$(head -n1 "$T/log.txt")
  assert_contains "$line" "does not exist" "text log line"
  assert_contains "$line" "error" "text log line"
  [[ $line != "{"* ]] || fail "the text log line looks like JSON: '$(_mr_show "$line")'"
  ! echo "$line" | jq -e . >/dev/null 2>&1 || fail "the text log line parses as JSON: '$(_mr_show "$line")'"
}

test_log_default_format_is_text() {
  assert_fail_with "does not exist" $MINIRUN --root "$T/state" --log "$T/log" start nosuch
  assert_contains "$(cat "$T/log")" "does not exist" "log file without --log-format"
  [[ $(head -c1 "$T/log") != "{" ]] || fail "the default log format is JSON: $(_mr_show "$(cat "$T/log")")"
}

test_log_format_unknown_is_usage_error() {
  assert_fail_with "xml" $MINIRUN --root "$T/state" --log "$T/log" --log-format xml list
  assert_eq 1 "$LAST_RC" "exit status of --log-format xml"
  assert_eq "" "$LAST_OUT" "stdout of a usage error (the command must not run)"
}

# ---------------------------------------------------------------------------
# --root and the default root
# ---------------------------------------------------------------------------

test_root_option_honoured() {
  local alt=$T/alt-root
  trap '$MINIRUN --root "$T/alt-root" delete -f c1 >/dev/null 2>&1 </dev/null || true' EXIT
  make_bundle "$T/b" sleep 100
  assert_ok timeout 10 $MINIRUN --root "$alt" run -d --bundle "$T/b" c1
  [ -d "$alt/c1" ] || fail "no state dir $alt/c1 while the container exists (ls: $(ls -A "$alt" 2>&1 || true))"
  [ ! -e "$T/state/c1" ] || fail "state dir created under the other root $T/state"
  assert_eq c1 "$($MINIRUN --root "$alt" list -q)" "list -q under --root"
  assert_eq running "$($MINIRUN --root "$alt" state c1 | jq -r .status)" "state under --root"
  # Another root does not see it.
  assert_fail_with "does not exist" $MINIRUN --root "$T/state" state c1
  assert_ok $MINIRUN --root "$alt" delete -f c1
  [ ! -e "$alt/c1" ] || fail "state dir $alt/c1 still exists after delete -f"
}

test_root_equals_form() {
  local alt=$T/alt-root2
  trap '$MINIRUN --root "$T/alt-root2" delete -f c1 >/dev/null 2>&1 </dev/null || true' EXIT
  make_bundle "$T/b" sleep 100
  assert_ok timeout 10 $MINIRUN --root="$alt" run -d --bundle "$T/b" c1
  [ -d "$alt/c1" ] || fail "no state dir $alt/c1 with --root=DIR (ls: $(ls -A "$alt" 2>&1 || true))"
  assert_eq running "$($MINIRUN --root="$alt" state c1 | jq -r .status)" "state with --root=DIR"
  assert_ok $MINIRUN --root="$alt" delete -f c1
  [ ! -e "$alt/c1" ] || fail "state dir $alt/c1 still exists after delete -f"
}

# Checks that `env ENV... minirun run -d` without --root keeps the state in
# /run/minirun; $1 is a description, the rest is the environment to set.
check_default_root() {
  local what=$1 id
  shift
  id=$(unique_id)
  DEFAULT_ROOT_ID=$id
  trap '$MINIRUN delete -f "$DEFAULT_ROOT_ID" >/dev/null 2>&1 </dev/null || true' EXIT
  assert_ok timeout 10 env "$@" $MINIRUN run -d --bundle "$T/b" "$id"
  [ -d "/run/minirun/$id" ] || fail "$what: no state dir /run/minirun/$id for a container created without --root"
  assert_eq running "$(env "$@" $MINIRUN state "$id" | jq -r .status)" "$what: state without --root"
  grep -qxF "$id" <<<"$(env "$@" $MINIRUN list -q)" || fail "$what: $id missing from 'list -q' without --root"
  assert_ok env "$@" $MINIRUN delete -f "$id"
  [ ! -e "/run/minirun/$id" ] || fail "$what: /run/minirun/$id still exists after delete -f"
}

test_default_root_is_run_minirun() {
  [ "$(id -u)" = 0 ] || skip "needs root"
  make_bundle "$T/b" sleep 100
  check_default_root "no --root" MR_UNUSED=1
}

test_default_root_empty_xdg_runtime_dir() {
  [ "$(id -u)" = 0 ] || skip "needs root"
  make_bundle "$T/b" sleep 100
  check_default_root "XDG_RUNTIME_DIR=''" XDG_RUNTIME_DIR=
}

test_default_root_ignores_xdg_for_root() {
  # man minirun: the default is /run/minirun for root, $XDG_RUNTIME_DIR/minirun
  # only for other users.
  [ "$(id -u)" = 0 ] || skip "needs root"
  mkdir "$T/xdg"
  make_bundle "$T/b" sleep 100
  check_default_root "XDG_RUNTIME_DIR=$T/xdg" XDG_RUNTIME_DIR="$T/xdg"
  [ ! -e "$T/xdg/minirun" ] || fail "root used \$XDG_RUNTIME_DIR/minirun: $(ls -A "$T/xdg/minirun")"
}

# ---------------------------------------------------------------------------
# Compatibility options
# ---------------------------------------------------------------------------

# (A unique id: with the systemd manager the default cgroup,
# system.slice/minirun-ID.scope, does not depend on the state root, and the
# suite's two modes run at the same time.)
check_global_option_run() { # OPTION...
  make_bundle "$T/b" echo ran-with-option
  local rc=0 id=opt-$$
  echo "$id" >>"$T/.mr-ids"
  $MINIRUN --root "$T/state" "$@" run --bundle "$T/b" "$id" >"$T/out" 2>"$T/err" </dev/null || rc=$?
  assert_eq 0 "$rc" "exit status of run with global option(s) '$*' (stderr: $(_mr_show "$(cat "$T/err")"))"
  assert_eq ran-with-option "$(cat "$T/out")" "container output with '$*'"
  [ ! -e "$T/state/$id" ] || fail "state dir left after run with '$*'"
}

test_option_debug() { check_global_option_run --debug; }
test_option_systemd_cgroup() { check_global_option_run --systemd-cgroup; }
test_option_cgroup_manager_cgroupfs() { check_global_option_run --cgroup-manager cgroupfs; }
test_option_cgroup_manager_disabled() { check_global_option_run --cgroup-manager=disabled; }
test_option_cgroup_manager_systemd() { check_global_option_run --cgroup-manager=systemd; }

test_option_cgroup_manager_unknown() {
  assert_fail_with "bogus" $MINIRUN --root "$T/state" --cgroup-manager bogus list
  assert_eq 1 "$LAST_RC" "exit status of an unknown cgroup manager"
}

test_option_debug_with_log_file() {
  # --debug sends the diagnostics to the --log file, not to stderr.
  make_bundle "$T/b" echo debug-run
  local rc=0
  $MINIRUN --root "$T/state" --debug --log "$T/log" --log-format json run --bundle "$T/b" c1 \
    >"$T/out" 2>"$T/err" </dev/null || rc=$?
  assert_eq 0 "$rc" "exit status of run --debug (stderr: $(_mr_show "$(cat "$T/err")"))"
  assert_eq debug-run "$(cat "$T/out")" "container output"
  if [ -s "$T/log" ]; then
    jq -e . "$T/log" >/dev/null 2>&1 || fail "the --debug json log is not JSON lines: $(_mr_show "$(cat "$T/log")")"
  fi
  assert_eq "" "$(cat "$T/err")" "stderr of a successful run --debug with --log"
}

# ---------------------------------------------------------------------------
# --version, --help, unknown command
# ---------------------------------------------------------------------------

test_version() {
  assert_ok $MINIRUN --version
  assert_match "$LAST_OUT" 'version [0-9]+\.[0-9]+' "--version output"
  assert_match "$LAST_OUT" 'spec: 1\.[0-9]+\.[0-9]+' "--version output"
  local v=$LAST_OUT
  assert_ok $MINIRUN -v
  assert_eq "$v" "$LAST_OUT" "-v output"
}

test_help_lists_commands() {
  assert_ok $MINIRUN --help
  local c
  for c in create run start kill delete state list spec; do
    grep -qE "^ +$c( |$)" <<<"$LAST_OUT" || fail "--help does not list the command '$c': $(_mr_show "$LAST_OUT")"
  done
  assert_ok $MINIRUN -h
  assert_contains "$LAST_OUT" Usage "-h output"
}

test_command_help() {
  local c
  for c in create run start kill delete state list spec; do
    assert_ok $MINIRUN $c --help
    assert_contains "$LAST_OUT" "$c" "'$c --help' output"
  done
}

test_unknown_command_exit_1() {
  assert_fail_with "frobnicate" $MINIRUN --root "$T/state" frobnicate c1
  assert_eq 1 "$LAST_RC" "exit status of an unknown command"
  assert_contains "${LAST_ERR,,}" "unknown command" "stderr of an unknown command"
}

test_no_command_is_usage_error() {
  capture $MINIRUN --root "$T/state"
  assert_eq 1 "$LAST_RC" "exit status without a command"
  [ -n "$LAST_ERR" ] || fail "no message without a command"
}

test_unknown_global_option() {
  assert_fail_with "--no-such-option" $MINIRUN --no-such-option list
  assert_eq 1 "$LAST_RC" "exit status of an unknown global option"
}

# ---------------------------------------------------------------------------
# spec
# ---------------------------------------------------------------------------

# Asserts the fields of a default (non-rootless) config.json at $1.
check_default_spec() {
  local f=$1
  jq -e . "$f" >/dev/null 2>&1 || fail "$f is not JSON"
  assert_match "$(jq -r .ociVersion "$f")" '^1\.[0-9]+\.[0-9]+' "ociVersion of $f"
  assert_eq true "$(jq -r .process.terminal "$f")" "process.terminal of $f"
  assert_eq rootfs "$(jq -r .root.path "$f")" "root.path of $f"
  local ns
  ns=$(jq -r '[.linux.namespaces[].type] | join(" ")' "$f")
  [[ " $ns " == *" pid "* ]] || fail "no pid namespace in $f: $ns"
  [[ " $ns " == *" mount "* ]] || fail "no mount namespace in $f: $ns"
  [ "$(jq -r '.process.args | length' "$f")" -ge 1 ] || fail "process.args of $f is empty"
  jq -e '.mounts | map(.destination) | index("/proc") != null' "$f" >/dev/null ||
    fail "no /proc mount in $f"
}

test_spec_in_cwd() {
  mkdir "$T/s"
  local rc=0
  (cd "$T/s" && $MINIRUN spec >"$T/out" 2>"$T/err" </dev/null) || rc=$?
  assert_eq 0 "$rc" "exit status of spec (stderr: $(_mr_show "$(cat "$T/err")"))"
  [ -f "$T/s/config.json" ] || fail "spec wrote no config.json in the cwd"
  check_default_spec "$T/s/config.json"
}

test_spec_bundle_option() {
  mkdir "$T/s" "$T/elsewhere"
  local rc=0
  (cd "$T/elsewhere" && $MINIRUN spec --bundle "$T/s" >"$T/out" 2>"$T/err" </dev/null) || rc=$?
  assert_eq 0 "$rc" "exit status of spec --bundle (stderr: $(_mr_show "$(cat "$T/err")"))"
  [ -f "$T/s/config.json" ] || fail "spec --bundle wrote no $T/s/config.json"
  [ ! -e "$T/elsewhere/config.json" ] || fail "spec --bundle also wrote config.json in the cwd"
  check_default_spec "$T/s/config.json"
  mkdir "$T/s2"
  assert_ok $MINIRUN spec -b "$T/s2"
  check_default_spec "$T/s2/config.json"
}

test_spec_refuses_overwrite() {
  mkdir "$T/s"
  printf '{"marker": "old"}\n' >"$T/s/config.json"
  cp "$T/s/config.json" "$T/orig.json"
  local rc=0
  (cd "$T/s" && $MINIRUN spec >"$T/out" 2>"$T/err" </dev/null) || rc=$?
  assert_eq 1 "$rc" "exit status of spec over an existing config.json"
  assert_contains "$(cat "$T/err")" "already exists" "stderr of spec over an existing config.json"
  cmp -s "$T/orig.json" "$T/s/config.json" || fail "spec modified the existing config.json: $(_mr_show "$(cat "$T/s/config.json")")"
  assert_fail_with "already exists" $MINIRUN spec --bundle "$T/s"
  cmp -s "$T/orig.json" "$T/s/config.json" || fail "spec --bundle modified the existing config.json"
  assert_fail_with "already exists" $MINIRUN spec --rootless --bundle "$T/s"
  cmp -s "$T/orig.json" "$T/s/config.json" || fail "spec --rootless modified the existing config.json"
}

test_spec_rootless() {
  mkdir "$T/s"
  assert_ok $MINIRUN spec --rootless --bundle "$T/s"
  local f=$T/s/config.json uid gid
  uid=$(id -u)
  gid=$(id -g)
  jq -e . "$f" >/dev/null 2>&1 || fail "spec --rootless wrote invalid JSON"
  jq -e '[.linux.namespaces[].type] | index("user") != null' "$f" >/dev/null ||
    fail "no user namespace in the rootless spec: $(jq -c .linux.namespaces "$f")"
  jq -e '[.linux.namespaces[].type] | index("network") == null' "$f" >/dev/null ||
    fail "the rootless spec has a network namespace: $(jq -c .linux.namespaces "$f")"
  jq -e '[.linux.namespaces[].type] | index("mount") != null' "$f" >/dev/null ||
    fail "no mount namespace in the rootless spec"
  assert_eq "[{\"containerID\":0,\"hostID\":$uid,\"size\":1}]" "$(jq -c '.linux.uidMappings' "$f")" "uidMappings of the rootless spec"
  assert_eq "[{\"containerID\":0,\"hostID\":$gid,\"size\":1}]" "$(jq -c '.linux.gidMappings' "$f")" "gidMappings of the rootless spec"
}

test_spec_extra_argument_is_error() {
  mkdir "$T/s"
  capture $MINIRUN spec --bundle "$T/s" extra
  assert_eq 1 "$LAST_RC" "exit status of spec with an argument"
  [ ! -e "$T/s/config.json" ] || fail "spec with a bad argument wrote config.json"
}

test_spec_config_runs() {
  # The path of clients: `spec` then change only terminal and args (the
  # MR_TEST_TAG env entry is bookkeeping of the test runner).
  mkdir "$T/b"
  cp -a "$MR_ROOTFS_CACHE/rootfs" "$T/b/rootfs"
  (cd "$T/b" && $MINIRUN spec) >"$T/spec.log" 2>&1 </dev/null || fail "spec failed: $(cat "$T/spec.log")"
  jqset "$T/b" '.process.terminal = false
    | .process.args = ["sh", "-c", "echo spec-ok; hostname; echo $$; touch /x 2>/dev/null || echo ro-root"]
    | .process.env += ["MR_TEST_TAG=" + $tag]' --arg tag "$MR_TEST_TAG"
  run_ok c1 "$T/b"
  assert_eq "spec-ok
minirun
1
ro-root" "$OUT" "output of a container from the default spec (echo, hostname, pid, touch /x)"
}

# ---------------------------------------------------------------------------
# kill, list, state
# ---------------------------------------------------------------------------

test_kill_usr1_trapped() {
  mkdir "$T/shared"
  make_bundle "$T/b" sh -c 'trap "echo got-usr1 > /shared/x" USR1; echo ready > /shared/ready
                            while true; do sleep 0.1; done'
  add_bind "$T/b" "$T/shared" /shared
  run_d_ok c1 "$T/b"
  wait_for 10 "the container to be ready" file_contains "$T/shared/ready" ready
  [ ! -e "$T/shared/x" ] || fail "/shared/x exists before the signal"
  assert_ok $MR kill c1 SIGUSR1
  wait_for 10 "the USR1 trap to write /shared/x" file_contains "$T/shared/x" got-usr1
  # The trap does not exit: the container keeps running.
  assert_eq running "$(ctr_status c1)" "status after a trapped USR1"
  assert_ok $MR delete -f c1
  [ ! -e "$T/state/c1" ] || fail "state dir still exists after delete -f"
}

test_list_nonexistent_root() {
  capture $MINIRUN --root "$T/no/such/root" list
  assert_eq 0 "$LAST_RC" "exit status of list on a nonexistent root (stderr: $(_mr_show "$LAST_ERR"))"
  assert_eq 1 "$(echo "$LAST_OUT" | grep -c .)" "lines of list on a nonexistent root ('$LAST_OUT')"
  assert_match "$LAST_OUT" '^NAME +PID +STATUS' "header of list"
  capture $MINIRUN --root "$T/no/such/root" list -q
  assert_eq 0 "$LAST_RC" "exit status of list -q on a nonexistent root"
  assert_eq "" "$LAST_OUT" "list -q on a nonexistent root"
}

test_list_empty_existing_root() {
  mkdir "$T/empty-root"
  assert_ok $MINIRUN --root "$T/empty-root" list
  assert_eq 1 "$(echo "$LAST_OUT" | grep -c .)" "lines of list on an empty root ('$LAST_OUT')"
  assert_match "$LAST_OUT" '^NAME +PID +STATUS' "header of list"
  assert_ok $MINIRUN --root "$T/empty-root" list -q
  assert_eq "" "$LAST_OUT" "list -q on an empty root"
  assert_ok $MINIRUN --root "$T/empty-root" list --format json
  assert_eq "[]" "$(echo "$LAST_OUT" | jq -c .)" "list --format json on an empty root"
}

test_list_quiet_ids_only() {
  make_bundle "$T/b" sleep 100
  run_d_ok my-ctr "$T/b"
  assert_ok $MR list -q
  assert_eq my-ctr "$LAST_OUT" "list -q with one running container"
  assert_ok $MR list --quiet
  assert_eq my-ctr "$LAST_OUT" "list --quiet"
  ctr_cleanup my-ctr
}

test_list_invalid_format() {
  capture $MR list --format yaml
  assert_eq 1 "$LAST_RC" "exit status of list --format yaml"
  assert_contains "$LAST_ERR" yaml "stderr of list --format yaml"
}

test_state_running_json() {
  make_bundle "$T/b" sleep 100
  run_d_ok c1 "$T/b" --pid-file "$T/pid"
  assert_ok $MR state c1
  local st=$LAST_OUT
  echo "$st" | jq -e 'type == "object"' >/dev/null 2>&1 || fail "state output is not a JSON object: $(_mr_show "$st")"
  local k
  for k in ociVersion id status pid bundle; do
    echo "$st" | jq -e --arg k "$k" 'has($k)' >/dev/null || fail "state lacks the OCI field '$k': $(_mr_show "$st")"
  done
  assert_eq string "$(echo "$st" | jq -r '.ociVersion | type')" "type of ociVersion"
  assert_eq c1 "$(echo "$st" | jq -r .id)" "id"
  assert_eq running "$(echo "$st" | jq -r .status)" "status"
  assert_eq number "$(echo "$st" | jq -r '.pid | type')" "type of pid"
  assert_eq "$(cat "$T/pid")" "$(echo "$st" | jq -r .pid)" "pid"
  assert_eq "$T/b" "$(echo "$st" | jq -r .bundle)" "bundle"
  if echo "$st" | jq -e 'has("annotations")' >/dev/null; then
    assert_eq object "$(echo "$st" | jq -r '.annotations | type')" "type of annotations"
  fi
  ctr_cleanup c1
  assert_fail_with "does not exist" $MR state c1
}
