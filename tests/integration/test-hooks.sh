# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-hooks.sh - the six OCI hooks: when, where (namespaces), with what on
# stdin, args/env/timeout, failures.
#
# Every hook is busybox run as `sh` (path /bin/busybox, args[0] "sh": busybox
# picks its applet from argv[0], so the shell only runs if args[0] arrived as
# argv[0]). It records its stdin, its namespaces, its args and env, and
# appends its name to a sequence file. Host-side hooks use the host's busybox
# and write to $T/out; the startContainer hook runs inside the container
# (its path resolves there) and writes to /out, a bind of $T/out.

HOOK_SCRIPT='n=$0
cat >"$OUT/$n.stdin"
for ns in mnt pid net uts; do readlink /proc/self/ns/$ns; done >"$OUT/$n.ns"
echo "$@" >"$OUT/$n.args"
env >"$OUT/$n.env"
echo "$n" >>"$OUT/seq"'

# hook_json NAME OUTDIR BUSYBOX [TIMEOUT]: one hook object running HOOK_SCRIPT.
hook_json() {
  jq -nc --arg name "$1" --arg out "$2" --arg bb "$3" --arg script "$HOOK_SCRIPT" \
    --arg tag "$MR_TEST_TAG" --argjson timeout "${4:-null}" \
    '{path: $bb, args: ["sh", "-c", $script, $name, "arg one", "two"],
      env: ["OUT=" + $out, "PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOOKVAR=hello world",
            "MR_TEST_TAG=" + $tag]}
     + (if $timeout == null then {} else {timeout: $timeout} end)'
}

# A bundle whose program records its namespaces and appends "program".
make_hooks_bundle() {
  local b=$1
  mkdir -p "$T/out"
  make_bundle "$b" sh -c 'for ns in mnt pid net uts; do readlink /proc/self/ns/$ns; done >/out/program.ns; echo program >>/out/seq'
  add_bind "$b" "$T/out" /out
  local bb
  bb=$(command -v "$BUSYBOX")
  jqset "$b" '.annotations = {"org.example.hooks": "yes"}
    | .hooks = {prestart: [$pre], createRuntime: [$cr], createContainer: [$cc],
                startContainer: [$sc], poststart: [$ps], poststop: [$pstop]}' \
    --argjson pre "$(hook_json prestart "$T/out" "$bb" 10)" \
    --argjson cr "$(hook_json createRuntime "$T/out" "$bb")" \
    --argjson cc "$(hook_json createContainer "$T/out" "$bb")" \
    --argjson sc "$(hook_json startContainer /out /bin/busybox 10)" \
    --argjson ps "$(hook_json poststart "$T/out" "$bb")" \
    --argjson pstop "$(hook_json poststop "$T/out" "$bb")"
}

host_nslist() { for ns in mnt pid net uts; do host_ns $ns; done; }

# Checks what hook $1 received: status $2, pid $3 on stdin, args and env.
assert_hook_ran() {
  local name=$1 status=$2 pid=$3 stdin
  [ -f "$T/out/$name.stdin" ] || fail "hook $name did not run (sequence: $(tr '\n' ' ' <"$T/out/seq" 2>/dev/null))"
  stdin=$(cat "$T/out/$name.stdin")
  jq -e . >/dev/null <<<"$stdin" || fail "$name: stdin is not JSON: '$stdin'"
  assert_eq "$status" "$(jq -r .status <<<"$stdin")" "$name: status on stdin"
  assert_eq "$pid" "$(jq -r .pid <<<"$stdin")" "$name: pid on stdin"
  assert_eq c1 "$(jq -r .id <<<"$stdin")" "$name: id on stdin"
  assert_eq "$T/b" "$(jq -r .bundle <<<"$stdin")" "$name: bundle on stdin"
  assert_match "$(jq -r .ociVersion <<<"$stdin")" '^1\.' "$name: ociVersion on stdin"
  assert_eq yes "$(jq -r '.annotations["org.example.hooks"]' <<<"$stdin")" "$name: annotations"
  assert_eq "arg one two" "$(cat "$T/out/$name.args")" "$name: args"
  grep -qxF "HOOKVAR=hello world" "$T/out/$name.env" || fail "$name: env lacks HOOKVAR: $(cat "$T/out/$name.env")"
  ! grep -q '^MR_HOST_ONLY=' "$T/out/$name.env" || fail "$name: inherited the runtime's environment"
  assert_eq 1 "$(grep -cxF "$name" "$T/out/seq")" "$name: number of runs"
}

assert_hook_ns() { # NAME EXPECTED-NS-LIST WHAT
  assert_eq "$2" "$(cat "$T/out/$1.ns")" "$1: namespaces ($3)"
}

# The sequence: the create-time hooks in order, then program and poststart
# (they race), then poststop.
assert_sequence() {
  local seq
  seq=$(tr '\n' ' ' <"$T/out/seq")
  assert_eq "prestart createRuntime createContainer startContainer" \
    "$(head -4 "$T/out/seq" | tr '\n' ' ' | sed 's/ $//')" "hook order (sequence: $seq)"
  assert_eq "poststart program" "$(sed -n '5,6p' "$T/out/seq" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "poststart and program after startContainer (sequence: $seq)"
  assert_eq poststop "$(sed -n '7p' "$T/out/seq")" "poststop last (sequence: $seq)"
  assert_eq 7 "$(wc -l <"$T/out/seq")" "entries in the sequence ($seq)"
}

assert_all_hooks() {
  local pid=$1 host ctr
  host=$(host_nslist)
  ctr=$(cat "$T/out/program.ns")
  assert_ne "$host" "$ctr" "the container has namespaces of its own"
  assert_hook_ran prestart creating "$pid"
  assert_hook_ran createRuntime creating "$pid"
  assert_hook_ran createContainer creating "$pid"
  assert_hook_ran startContainer created "$pid"
  assert_hook_ran poststart running "$pid"
  assert_hook_ran poststop stopped 0
  assert_hook_ns prestart "$host" "the runtime's"
  assert_hook_ns createRuntime "$host" "the runtime's"
  assert_hook_ns poststart "$host" "the runtime's"
  assert_hook_ns poststop "$host" "the runtime's"
  assert_hook_ns createContainer "$ctr" "the container's"
  assert_hook_ns startContainer "$ctr" "the container's"
  assert_sequence
}

test_all_hooks_create_start_delete_from_separate_processes() {
  make_hooks_bundle "$T/b"
  export MR_HOST_ONLY=1 # must not reach the hooks
  create_ok c1 "$T/b" --pid-file "$T/pid"
  local pid
  pid=$(cat "$T/pid")
  assert_eq "prestart createRuntime createContainer" "$(tr '\n' ' ' <"$T/out/seq" | sed 's/ $//')" \
    "hooks run by create"
  assert_eq created "$(ctr_status c1)" "status after create"
  assert_ok $MR start c1
  wait_for 10 "status stopped" status_is c1 stopped
  [ ! -f "$T/out/poststop.stdin" ] || fail "poststop ran before delete"
  assert_ok $MR delete c1
  assert_all_hooks "$pid"
}

test_all_hooks_run_foreground() {
  make_hooks_bundle "$T/b"
  export MR_HOST_ONLY=1
  run_ok c1 "$T/b" --pid-file "$T/pid"
  assert_all_hooks "$(cat "$T/pid")"
  assert_no_state
}

# run --detach: the poststart hook by run, poststop by a later delete.
test_all_hooks_run_detached_then_delete() {
  make_hooks_bundle "$T/b"
  run_d_ok c1 "$T/b" --pid-file "$T/pid"
  wait_for 10 "status stopped" status_is c1 stopped
  assert_ok $MR delete c1
  assert_all_hooks "$(cat "$T/pid")"
}

# A hook that outlives its timeout is killed with what it started, and the
# create fails leaving nothing behind.
test_hook_timeout_kills_and_fails_create() {
  make_bundle "$T/b" true
  jqset "$T/b" '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "sleep 30; true"],
                 env: ["MR_TEST_TAG=" + $tag], timeout: 1}]' --arg tag "$MR_TEST_TAG"
  local start end
  start=$(date +%s)
  assert_fail_with "hooks.createRuntime[0]: timed out after 1 s" $MR create --bundle "$T/b" c1
  end=$(date +%s)
  [ $((end - start)) -le 5 ] || fail "create took $((end - start))s with a 1s hook timeout"
  assert_no_state
}

test_hook_timeout_in_container_hook() {
  make_bundle "$T/b" true
  jqset "$T/b" '.hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", "sleep 30; true"],
                 env: ["MR_TEST_TAG=" + $tag], timeout: 1}]' --arg tag "$MR_TEST_TAG"
  assert_fail_with "hooks.createContainer[0]: timed out after 1 s" $MR create --bundle "$T/b" c1
  assert_no_state
}

test_failing_create_runtime_hook_fails_create() {
  make_bundle "$T/b" true
  jqset "$T/b" '.hooks.createRuntime = [{path: "/bin/true"},
                  {path: "/bin/sh", args: ["sh", "-c", "echo boom-reason >&2; exit 3"]}]'
  assert_fail_with "hooks.createRuntime[1]: exited with status 3: boom-reason" \
    $MR create --bundle "$T/b" c1
  assert_no_state
  assert_fail_with "hooks.createRuntime[1]: exited with status 3" $MR run --bundle "$T/b" c2
  assert_no_state
}

test_failing_prestart_and_create_container_hooks_fail_create() {
  make_bundle "$T/b" true
  jqset "$T/b" '.hooks.prestart = [{path: "/bin/false"}]'
  assert_fail_with "hooks.prestart[0]: exited with status 1" $MR create --bundle "$T/b" c1
  assert_no_state
  jqset "$T/b" 'del(.hooks.prestart) | .hooks.createContainer = [{path: "/nonexistent/hook"}]'
  assert_fail_with "hooks.createContainer[0]: exited with status 127: cannot execute /nonexistent/hook" \
    $MR create --bundle "$T/b" c1
  assert_no_state
}

# runtime.md: a failed startContainer hook fails start, stops the container
# and destroys it; the program never runs.
test_failing_start_container_hook_fails_start() {
  mkdir -p "$T/out"
  make_bundle "$T/b" sh -c 'echo program >/out/program'
  add_bind "$T/b" "$T/out" /out
  jqset "$T/b" '.hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "echo inside-failed >&2; exit 4"]}]
    | .hooks.poststop = [{path: "/bin/sh", args: ["sh", "-c", "touch " + $out + "/poststop"]}]' \
    --arg out "$T/out"
  create_ok c1 "$T/b"
  assert_fail_with "hooks.startContainer[0]: exited with status 4: inside-failed" $MR start c1
  [ ! -e "$T/out/program" ] || fail "the program ran although startContainer failed"
  [ -e "$T/out/poststop" ] || fail "poststop did not run after the failed start"
  assert_no_state
  # And in one step.
  rm -f "$T/out/poststop"
  assert_fail_with "hooks.startContainer[0]: exited with status 4: inside-failed" $MR run --bundle "$T/b" c2
  [ ! -e "$T/out/program" ] || fail "the program ran although startContainer failed (run)"
  assert_no_state
}

test_failing_poststart_hook_does_not_fail_start() {
  mkdir -p "$T/out"
  make_bundle "$T/b" sh -c 'echo program >/out/program'
  add_bind "$T/b" "$T/out" /out
  jqset "$T/b" '.hooks.poststart = [{path: "/bin/false"},
                  {path: "/bin/sh", args: ["sh", "-c", "touch " + $out + "/second"]}]
    | .hooks.poststop = [{path: "/bin/sh", args: ["sh", "-c", "exit 9"]}]' --arg out "$T/out"
  create_ok c1 "$T/b"
  capture $MR start c1
  assert_eq 0 "$LAST_RC" "start with a failing poststart hook (stderr: $LAST_ERR)"
  assert_contains "$LAST_ERR" "hooks.poststart[0]: exited with status 1" "warning of start"
  [ -e "$T/out/second" ] || fail "the poststart hook after the failing one did not run"
  wait_for 10 "the program's output" file_contains "$T/out/program" program
  wait_for 10 "status stopped" status_is c1 stopped
  capture $MR delete c1
  assert_eq 0 "$LAST_RC" "delete with a failing poststop hook (stderr: $LAST_ERR)"
  assert_contains "$LAST_ERR" "hooks.poststop[0]: exited with status 9" "warning of delete"
  assert_no_state
}

test_corrupted_hooks_file() {
  mkdir -p "$T/out"
  make_bundle "$T/b" true
  jqset "$T/b" '.hooks.poststop = [{path: "/bin/sh", args: ["sh", "-c", "touch " + $out + "/poststop"]}]' \
    --arg out "$T/out"
  create_ok c1 "$T/b"
  [ -f "$T/state/c1/hooks.json" ] || fail "no hooks.json in the state dir"
  echo '{"poststop": [{"path": "relative"' >"$T/state/c1/hooks.json"
  assert_fail_with "hooks.json" $MR start c1
  assert_eq created "$(ctr_status c1)" "status after the refused start"
  assert_fail_with "hooks.json" $MR delete c1
  assert_ok $MR delete --force c1
  assert_no_state
  [ ! -e "$T/out/poststop" ] || fail "poststop ran from a corrupted hooks.json"
}

# The poststop hook comes from the state dir: the bundle may be gone.
test_poststop_after_bundle_removed() {
  mkdir -p "$T/out"
  make_bundle "$T/b" true
  jqset "$T/b" '.hooks.poststop = [{path: "/bin/sh", args: ["sh", "-c", "cat >" + $out + "/poststop"]}]' \
    --arg out "$T/out"
  create_ok c1 "$T/b"
  rm -rf "$T/b"
  assert_ok $MR delete --force c1
  assert_eq stopped "$(jq -r .status "$T/out/poststop")" "poststop status"
  assert_eq c1 "$(jq -r .id "$T/out/poststop")" "poststop id"
}

test_hook_bad_values() {
  make_bundle "$T/b" true
  jqset "$T/b" '.hooks.poststart = [{path: "bin/true"}]'
  assert_fail_with "hooks.poststart[0].path: must be an absolute path" $MR create --bundle "$T/b" c1
  jqset "$T/b" '.hooks.poststart = [{path: "/bin/true", timeout: 0}]'
  assert_fail_with "hooks.poststart[0].timeout: must be greater than zero" $MR create --bundle "$T/b" c1
  jqset "$T/b" '.hooks.poststart = [{path: "/bin/true", timeout: -2}]'
  assert_fail_with "hooks.poststart[0].timeout: must be greater than zero" $MR create --bundle "$T/b" c1
  jqset "$T/b" '.hooks.poststart = [{path: "/bin/true", args: ["true", 3]}]'
  assert_fail_with "hooks.poststart[0].args: expected array of strings" $MR create --bundle "$T/b" c1
  jqset "$T/b" '.hooks.poststart = [{args: ["true"]}]'
  assert_fail_with "hooks.poststart[0].path" $MR create --bundle "$T/b" c1
  assert_no_state
}
