# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-seccomp.sh - linux.seccomp, observed from inside real containers.
#
# data/seccomp-podman.json is podman's default profile as OCI linux.seccomp,
# made by ../shared/bench/make-bundle.sh --seccomp (from
# /usr/share/containers/seccomp.json of golang-github-containers-common
# 0.50.1, x86_64, for the bounding set of `crun spec`). It denies
# sethostname with EPERM, and everything it does not list with ENOSYS.

SC_DATA=$MINIRUN_SRCDIR/tests/integration/data

# with_seccomp DIR JSON-FILE: sets linux.seccomp of DIR/config.json.
with_seccomp() {
  jqset "$1" '.linux.seccomp = $sc[0]' --slurpfile sc "$2"
}

# with_profile DIR JQ-OBJECT: sets linux.seccomp to an inline profile.
with_profile() {
  jqset "$1" ".linux.seccomp = ($2)"
}

podman_bundle() {
  make_bundle "$T/b" "$@"
  [ "$(uname -m)" = x86_64 ] || skip "the stored podman profile is for x86_64"
  with_seccomp "$T/b" "$SC_DATA/seccomp-podman.json"
}

# The log of a foreground run with --debug (library lines included).
run_debug() {
  local id=$1
  shift
  RC=0
  $MR --log "$T/$id.log" --log-level debug run --bundle "$T/b" "$@" "$id" \
    >"$T/$id.out" 2>"$T/$id.err" </dev/null || RC=$?
  OUT=$(cat "$T/$id.out")
  LOG=$(cat "$T/$id.log" 2>/dev/null || true)
}

cache_entry() {
  local f
  f=$(ls "$T/state/.seccomp-cache/")
  [ "$(echo "$f" | wc -l)" = 1 ] && [ -n "$f" ] || fail "expected one cache entry, got: $f"
  echo "$T/state/.seccomp-cache/$f"
}

CONFINED_SCRIPT='grep "^Seccomp:" /proc/self/status; hostname other 2>&1; echo "hostname rc=$?"; echo allowed-work'

assert_confined() {
  assert_contains "$OUT" "Seccomp:	2" "seccomp mode inside"
  assert_contains "$OUT" "Operation not permitted" "sethostname error inside"
  assert_contains "$OUT" "hostname rc=1" "sethostname exit status"
  assert_contains "$OUT" "allowed-work" "allowed work"
}

test_podman_profile_confines() {
  podman_bundle sh -c "$CONFINED_SCRIPT"
  # sethostname needs CAP_SYS_ADMIN, which podman's capability set does not
  # grant: give it, so that the denial below can only be the filter's.
  jqset "$T/b" '.process.capabilities |= (.bounding += ["CAP_SYS_ADMIN"]
    | .effective += ["CAP_SYS_ADMIN"] | .permitted += ["CAP_SYS_ADMIN"])'
  run_ok c1 "$T/b"
  assert_confined
  # The same container without the profile may set its hostname (own uts
  # namespace): the denial above is the filter's.
  jqset "$T/b" 'del(.linux.seccomp)'
  run_ok c2 "$T/b"
  # (In the old-kernel mode the launcher's own filter is inherited: mode 2.)
  old_kernel_mode || assert_contains "$OUT" "Seccomp:	0"
  assert_contains "$OUT" "hostname rc=0"
}

test_cache_second_start_does_not_compile() {
  podman_bundle sh -c "$CONFINED_SCRIPT"
  run_debug c1
  [ "$RC" = 0 ] || fail "first run exited $RC: $(cat "$T/c1.err")"
  assert_confined
  assert_match "$LOG" "seccomp: compiled [0-9]+ instructions" "first start compiles"
  local entry before
  entry=$(cache_entry)
  before=$(stat -c '%i %y %s' "$entry")
  sleep 0.05
  run_debug c2
  [ "$RC" = 0 ] || fail "second run exited $RC: $(cat "$T/c2.err")"
  assert_confined
  assert_contains "$LOG" "seccomp: cache hit" "second start"
  assert_not_contains "$LOG" "seccomp: compiled" "second start"
  assert_eq "$before" "$(stat -c '%i %y %s' "$entry")" "cache entry untouched"
  assert_eq 700 "$(stat -c %a "$T/state/.seccomp-cache")" "cache directory mode"
  assert_eq 600 "$(stat -c %a "$entry")" "cache entry mode"
  # The cache directory is no container.
  assert_eq "" "$($MR list -q </dev/null)" "list with a cache present"
}

# corrupt_and_rerun HOW: damage the entry, expect it detected, recompiled,
# replaced and the container still confined.
corrupt_and_rerun() {
  podman_bundle sh -c "$CONFINED_SCRIPT"
  run_debug c1
  [ "$RC" = 0 ] || fail "first run exited $RC"
  local entry size good
  entry=$(cache_entry)
  size=$(stat -c %s "$entry")
  good=$(sha256sum <"$entry")
  "$@" "$entry" "$size"
  assert_ne "$good" "$(sha256sum <"$entry")" "the entry was damaged"
  run_debug c2
  [ "$RC" = 0 ] || fail "run after corruption exited $RC: $(cat "$T/c2.err")"
  assert_confined
  assert_match "$LOG" "cache entry .* is invalid \(" "corruption detected"
  assert_match "$LOG" "seccomp: compiled [0-9]+ instructions" "recompiled"
  assert_not_contains "$LOG" "cache hit"
  assert_eq "$good" "$(sha256sum <"$entry")" "entry replaced by a good one"
}

sc_truncate() { truncate -s $(($2 / 2)) "$1"; }
sc_truncate_header() { truncate -s 20 "$1"; }
sc_flip_insn() { # flip one bit in the last instruction (past the header)
  local b
  b=$(od -An -tu1 -j $(($2 - 3)) -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek=$(($2 - 3)) conv=notrunc status=none
}
sc_flip_header() { # the instruction count
  printf '\377' | dd of="$1" bs=1 seek=12 conv=notrunc status=none
}
sc_append() { printf 'x' >>"$1"; }

test_cache_truncated_entry() { corrupt_and_rerun sc_truncate; }
test_cache_truncated_header() { corrupt_and_rerun sc_truncate_header; }
test_cache_flipped_instruction() { corrupt_and_rerun sc_flip_insn; }
test_cache_edited_header() { corrupt_and_rerun sc_flip_header; }
test_cache_extended_entry() { corrupt_and_rerun sc_append; }

test_cache_entry_writable_by_others_is_ignored() {
  podman_bundle sh -c "$CONFINED_SCRIPT"
  run_debug c1
  local entry
  entry=$(cache_entry)
  chmod 666 "$entry"
  run_debug c2
  assert_confined
  assert_contains "$LOG" "not a private regular file"
  assert_match "$LOG" "seccomp: compiled"
}

# A small profile on top of ALLOW: one rule, observed with busybox mkdir.
mkdir_rule() { # ACTION [EXTRA-JSON]
  with_profile "$T/b" "{defaultAction: \"SCMP_ACT_ALLOW\",
    syscalls: [{names: [\"mkdir\", \"mkdirat\"], action: \"$1\"} + (${2:-{\}})]}"
}

test_errno_ret() {
  make_bundle "$T/b" sh -c 'mkdir /tmp/d; echo "rc=$?"; [ -d /tmp/d ] && echo made; true'
  mkdir_rule SCMP_ACT_ERRNO '{errnoRet: 13}'
  run_ok c1 "$T/b"
  assert_contains "$OUT" "rc=1"
  assert_contains "$(cat "$T/c1.err")" "Permission denied"
  assert_not_contains "$OUT" made
}

test_errno_default_eperm() {
  make_bundle "$T/b" sh -c 'mkdir /tmp/d; echo "rc=$?"'
  mkdir_rule SCMP_ACT_ERRNO
  run_ok c1 "$T/b"
  assert_contains "$(cat "$T/c1.err")" "Operation not permitted"
}

test_default_errno_ret() {
  # podman's profile without mkdir: it falls to defaultAction ERRNO with
  # defaultErrnoRet 38 (ENOSYS); then 13.
  make_bundle "$T/b" sh -c 'mkdir /tmp/d; echo "rc=$?"'
  jq '.syscalls |= map(.names -= ["mkdir", "mkdirat"])' "$SC_DATA/seccomp-podman.json" >"$T/p.json"
  with_seccomp "$T/b" "$T/p.json"
  run_ok c1 "$T/b"
  assert_contains "$(cat "$T/c1.err")" "Function not implemented"
  jqset "$T/b" '.linux.seccomp.defaultErrnoRet = 13'
  run_ok c2 "$T/b"
  assert_contains "$(cat "$T/c2.err")" "Permission denied"
}

test_action_kill_variants() {
  local a
  # The init itself makes the call: its death by SIGSYS is the exit status.
  for a in SCMP_ACT_KILL SCMP_ACT_KILL_THREAD SCMP_ACT_KILL_PROCESS SCMP_ACT_TRAP; do
    rm -rf "$T/b"
    make_bundle "$T/b" mkdir /tmp/d
    mkdir_rule "$a"
    run_ctr "c-$a" "$T/b"
    assert_eq 159 "$RC" "$a: exit status (SIGSYS)"
  done
  # The same call without the rule fails normally (read-only rootfs).
  jqset "$T/b" 'del(.linux.seccomp)'
  run_ctr c-none "$T/b"
  assert_eq 1 "$RC" "without a rule"
}

test_action_trace_without_tracer() {
  make_bundle "$T/b" sh -c 'mkdir /tmp/d; echo "rc=$?"'
  mkdir_rule SCMP_ACT_TRACE
  run_ok c1 "$T/b"
  # No tracer attached: the kernel fails the call with ENOSYS.
  assert_contains "$(cat "$T/c1.err")" "Function not implemented"
}

test_action_log_allows() {
  make_bundle "$T/b" sh -c 'mkdir /tmp/d && echo made'
  jqset "$T/b" '.root.readonly = false'
  mkdir_rule SCMP_ACT_LOG
  run_ok c1 "$T/b"
  assert_contains "$OUT" made
}

test_unknown_syscall_skipped_with_debug_log() {
  make_bundle "$T/b" sh -c 'mkdir /tmp/d; echo "rc=$?"'
  with_profile "$T/b" '{defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{names: ["no_such_syscall", "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
  run_debug c1
  [ "$RC" = 0 ] || fail "run exited $RC: $(cat "$T/c1.err")"
  assert_contains "$OUT" "rc=1"
  assert_contains "$LOG" 'unknown syscall "no_such_syscall" skipped'
}

# kill(pid, sig) with a condition on arg 1 (the signal): which of the signals
# 0, 10 and 12 are denied inside. The shell ignores USR1/USR2.
kill_denied() { # ARGS-JSON
  rm -rf "$T/b"
  make_bundle "$T/b" sh -c 'trap "" USR1 USR2; for s in 0 10 12; do kill -$s $$ 2>/dev/null || printf "%s " $s; done; echo'
  with_profile "$T/b" "{defaultAction: \"SCMP_ACT_ALLOW\",
    syscalls: [{names: [\"kill\"], action: \"SCMP_ACT_ERRNO\", args: $1}]}"
  run_ok "c$RANDOM" "$T/b"
  echo "$OUT" | tr -s ' ' | sed 's/ $//'
}

test_arg_operators() {
  local op want
  for op in NE:"0 12" LT:"0" LE:"0 10" EQ:"10" GE:"10 12" GT:"12"; do
    want=${op#*:}
    assert_eq "$want" "$(kill_denied "[{index: 1, value: 10, op: \"SCMP_CMP_${op%%:*}\"}]")" "${op%%:*} 10"
  done
  # MASKED_EQ: value is the mask, valueTwo the expected value: sig & 8 == 8.
  assert_eq "10 12" "$(kill_denied '[{index: 1, value: 8, valueTwo: 8, op: "SCMP_CMP_MASKED_EQ"}]')" MASKED_EQ
  # Two conditions on one argument: either matches (as runc does).
  assert_eq "10 12" "$(kill_denied '[{index: 1, value: 10, op: "SCMP_CMP_EQ"}, {index: 1, value: 12, op: "SCMP_CMP_EQ"}]')" "EQ 10 or EQ 12"
  # Conditions on different arguments: both must match (sh is pid 1).
  assert_eq "10" "$(kill_denied '[{index: 0, value: 1, op: "SCMP_CMP_EQ"}, {index: 1, value: 10, op: "SCMP_CMP_EQ"}]')" "pid 1 and sig 10"
  assert_eq "" "$(kill_denied '[{index: 0, value: 2, op: "SCMP_CMP_EQ"}, {index: 1, value: 10, op: "SCMP_CMP_EQ"}]')" "pid 2 and sig 10"
}

test_flags_accepted_and_applied() {
  make_bundle "$T/b" sh -c 'grep -E "^(Seccomp|Speculation_Store_Bypass):" /proc/self/status'
  with_profile "$T/b" '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["acct"], action: "SCMP_ACT_ERRNO"}]}'
  run_ok c1 "$T/b"
  local plain=$OUT
  assert_contains "$plain" "Seccomp:	2"
  jqset "$T/b" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"]'
  run_ok c2 "$T/b"
  assert_contains "$OUT" "Seccomp:	2"
  # Without SPEC_ALLOW a filter turns on the speculative store bypass
  # mitigation (on CPUs that have the bug and kernels in the default mode).
  if grep -q "force mitigated" <<<"$plain"; then
    assert_not_contains "$OUT" "force mitigated" "SPEC_ALLOW"
  else
    echo "note: this CPU/kernel does not force SSB mitigation for seccomp; SPEC_ALLOW not observable"
  fi
}

test_filter_loaded_before_identity_without_nnp() {
  # Without no_new_privs the kernel needs CAP_SYS_ADMIN to load a filter;
  # uid 1000 without it gets the filter before the uid switch.
  podman_bundle sh -c "id -u; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; $CONFINED_SCRIPT"
  jqset "$T/b" '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
  run_ok c1 "$T/b"
  assert_contains "$OUT" "NoNewPrivs:	0"
  assert_contains "$OUT" "Seccomp:	2"
  assert_contains "$OUT" 1000
  assert_contains "$OUT" "hostname rc=1"
}

test_create_start_confined() {
  podman_bundle sh -c "$CONFINED_SCRIPT"
  create_ok c1 "$T/b"
  $MR start c1 </dev/null
  wait_for 10 "c1 to stop" sh -c "[ \"\$($MR state c1 | jq -r .status)\" = stopped ]"
  OUT=$(cat "$T/c1.out")
  assert_confined
  $MR delete c1
}

# Bad values: an error naming the JSON path, nothing left behind.
bad_seccomp() { # JQ-EDIT MESSAGE
  make_bundle "$T/b" true
  with_profile "$T/b" '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 1, op: "SCMP_CMP_EQ"}]}]}'
  jqset "$T/b" "$1"
  assert_fail_with "$2" $MR run --bundle "$T/b" c1
  assert_fail_with "$2" $MR create --bundle "$T/b" c1
  assert_no_state
}

test_bad_default_action() {
  bad_seccomp '.linux.seccomp.defaultAction = "SCMP_ACT_FOO"' \
    'config.json: linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"'
}
test_bad_action() {
  bad_seccomp '.linux.seccomp.syscalls[0].action = "SCMP_ACT_FOO"' \
    'config.json: linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_FOO"'
}
test_bad_action_fifth_rule() {
  bad_seccomp '.linux.seccomp.syscalls += [range(4) | {names: ["acct"], action: "SCMP_ACT_ERRNO"}] | .linux.seccomp.syscalls[4].action = "SCMP_ACT_BAR"' \
    'config.json: linux.seccomp.syscalls[4].action: unknown action "SCMP_ACT_BAR"'
}
test_bad_missing_default_action() {
  bad_seccomp 'del(.linux.seccomp.defaultAction)' 'config.json: linux.seccomp.defaultAction: missing'
}
test_bad_arch() {
  bad_seccomp '.linux.seccomp.architectures += ["SCMP_ARCH_VAX"]' \
    'config.json: linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"'
}
test_bad_operator() {
  bad_seccomp '.linux.seccomp.syscalls[0].args[0].op = "SCMP_CMP_ABOUT"' \
    'config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_ABOUT"'
}
test_bad_arg_index() {
  bad_seccomp '.linux.seccomp.syscalls[0].args[0].index = 6' \
    'config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0-5)'
}
test_bad_flag() {
  bad_seccomp '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO"]' \
    'config.json: linux.seccomp.flags[1]: unknown flag "SECCOMP_FILTER_FLAG_FOO"'
}
test_bad_errno_ret_on_allow() {
  bad_seccomp '.linux.seccomp.syscalls[0].action = "SCMP_ACT_KILL" | .linux.seccomp.syscalls[0].errnoRet = 1' \
    'config.json: linux.seccomp.syscalls[0].action: errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE'
}
test_bad_errno_ret_range() {
  bad_seccomp '.linux.seccomp.syscalls[0].errnoRet = 70000' \
    'config.json: linux.seccomp.syscalls[0].action: errnoRet 70000 is out of range'
}
test_bad_default_errno_ret_on_allow() {
  bad_seccomp '.linux.seccomp.defaultErrnoRet = 1' \
    'config.json: linux.seccomp.defaultAction: errnoRet is only valid with SCMP_ACT_ERRNO'
}
test_bad_notify_default() {
  bad_seccomp '.linux.seccomp.defaultAction = "SCMP_ACT_NOTIFY"' \
    'config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action'
}
test_bad_notify_without_listener() {
  bad_seccomp '.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOTIFY"' \
    'config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used'
}
test_bad_notify_sendmsg() {
  bad_seccomp '.linux.seccomp.listenerPath = "/nonexistent.sock" | .linux.seccomp.syscalls[0] = {names: ["mkdir", "sendmsg"], action: "SCMP_ACT_NOTIFY"}' \
    'config.json: linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for "sendmsg"'
}
test_bad_listener_relative() {
  bad_seccomp '.linux.seccomp.listenerPath = "rel.sock"' \
    "config.json: linux.seccomp.listenerPath: 'rel.sock' is not an absolute path"
}
test_bad_listener_unreachable() {
  bad_seccomp ".linux.seccomp.listenerPath = \"$T/nobody.sock\"" \
    "config.json: linux.seccomp.listenerPath: connect $T/nobody.sock"
}
test_bad_action_type() {
  bad_seccomp '.linux.seccomp.syscalls[0].action = 3' 'config.json: linux.seccomp.syscalls[0].action'
}

# ---- listenerPath (SCMP_ACT_NOTIFY) -----------------------------------------

# The agent, built by `make check` (or here when the build tree lacks it).
listener_bin() {
  LISTENER=$MINIRUN_BUILDDIR/tests/integration/seccomp-listener
  if [ ! -x "$LISTENER" ]; then
    LISTENER=$T/seccomp-listener
    cc -O1 -o "$LISTENER" "$(dirname "$MR_LIB")/seccomp-listener.c" || fail "cannot build seccomp-listener"
  fi
}

start_listener() { # ERRNO
  listener_bin
  "$LISTENER" "$T/agent.sock" "$T/agent-state.json" "$1" >"$T/agent.out" 2>"$T/agent.err" &
  AGENT_PID=$!
  wait_for 5 "the agent listening" file_contains "$T/agent.err" listening
}

notify_bundle() {
  make_bundle "$T/b" sh -c 'mkdir /tmp/d; echo "mkdir rc=$?"; uname -n; echo done'
  jqset "$T/b" '.root.readonly = false | .hostname = "notified-host"
    | .annotations = {"org.example.key": "value \"quoted\""}'
  with_profile "$T/b" "{defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$T/agent.sock\",
    listenerMetadata: \"meta-data 1\",
    syscalls: [{names: [\"mkdir\", \"mkdirat\", \"uname\"], action: \"SCMP_ACT_NOTIFY\"}]}"
}

test_notify_listener_answers() {
  notify_bundle
  start_listener 18 # EXDEV
  create_ok c1 "$T/b"
  local pid
  pid=$(ctr_pid c1)
  $MR start c1 </dev/null
  wait_for 10 "c1 to stop" sh -c "[ \"\$($MR state c1 | jq -r .status)\" = stopped ]"
  $MR delete c1
  wait $AGENT_PID || fail "the agent failed: $(cat "$T/agent.err")"
  OUT=$(cat "$T/c1.out")
  # mkdir answered by the agent with its errno; uname continued by the kernel.
  assert_contains "$OUT" "mkdir rc=1"
  assert_contains "$(cat "$T/c1.err")" "Invalid cross-device link"
  assert_contains "$OUT" "notified-host"
  assert_contains "$OUT" done
  assert_match "$(cat "$T/agent.out")" "notified (83|258)" "mkdir notified"
  assert_contains "$(cat "$T/agent.out")" "notified 63" "uname notified"
  # The containerProcessState of runtime-spec.
  local s=$T/agent-state.json
  jq -e . "$s" >/dev/null || fail "state is not JSON: $(cat "$s")"
  assert_eq '["seccompFd"]' "$(jq -c .fds "$s")" fds
  assert_eq "$pid" "$(jq .pid "$s")" pid
  assert_eq "meta-data 1" "$(jq -r .metadata "$s")" metadata
  assert_match "$(jq -r .ociVersion "$s")" '^1\.' ociVersion
  assert_eq c1 "$(jq -r .state.id "$s")" state.id
  assert_eq "$pid" "$(jq .state.pid "$s")" state.pid
  assert_eq created "$(jq -r .state.status "$s")" state.status
  assert_eq "$T/b" "$(jq -r .state.bundle "$s")" state.bundle
  assert_eq 'value "quoted"' "$(jq -r '.state.annotations["org.example.key"]' "$s")" annotations
}

test_notify_listener_run_foreground() {
  notify_bundle
  jqset "$T/b" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
  start_listener 13
  run_ok c1 "$T/b"
  wait $AGENT_PID || fail "the agent failed: $(cat "$T/agent.err")"
  assert_contains "$OUT" "mkdir rc=1"
  assert_contains "$(cat "$T/c1.err")" "Permission denied"
  assert_contains "$OUT" "notified-host"
  assert_eq c1 "$(jq -r .state.id "$T/agent-state.json")"
}

# ---- the library: one compile per mr_config ---------------------------------

test_api_one_compile_per_config() {
  local bin=$MINIRUN_BUILDDIR/tests/integration/seccomp-api
  [ -x "$bin" ] || skip "tests/integration/seccomp-api is not built (make check builds it)"
  podman_bundle hostname other
  "$bin" "$T/b" "$T/state" 3 >"$T/api.out" 2>"$T/api.err" </dev/null || fail "seccomp-api failed: $(cat "$T/api.err")"
  # Six containers from one config on two threads: all confined, one compile.
  assert_eq 6 "$(grep -c '^exit 1$' "$T/api.out")" "confined containers: $(cat "$T/api.out" "$T/api.err")"
  assert_contains "$(cat "$T/api.out")" "compiled 1"
  [ ! -e "$T/state/.seccomp-cache" ] || fail "the library made a cache nobody asked for"
}
