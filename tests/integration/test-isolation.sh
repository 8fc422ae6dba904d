# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-isolation.sh - the container init is not a copy of the host: it holds
# only its own fds, never runs host signal handlers, has its own session, and
# create neither hangs nor crashes the host (timeouts, SIGTERM, SIGPIPE).
# The API cases run tests/api/test-hardening.c (compiled here against the
# build tree's libminirun, like test-api.sh).

# hardening_case CASE: runs one case of test-hardening against a fresh bundle.
hardening_case() {
  local src=$MINIRUN_SRCDIR/tests/api/test-hardening.c
  local libdir=$MINIRUN_BUILDDIR/.libs bin=$T/test-hardening rc=0 san
  [ -e "$libdir/libminirun.so" ] || skip "libminirun is not built ($libdir/libminirun.so missing)"
  san=$(mr_san_cflags)
  "$(mr_cc)" -std=gnu11 -Wall -Wextra -g -O1 -pthread ${san:+"$san"} -I"$MINIRUN_SRCDIR/include" "$src" \
    -L"$libdir" -lminirun -Wl,-rpath,"$libdir" -o "$bin" 2>"$T/gcc.log" ||
    fail "compiling test-hardening.c failed: $(_mr_show "$(cat "$T/gcc.log")")"
  [ -d "$T/bundle" ] || make_bundle "$T/bundle" true
  timeout -k 5 100 ${MR_LAUNCHER:-} "$bin" "$1" "$T/bundle" "$T/state" >"$T/tap" 2>&1 </dev/null || rc=$?
  cat "$T/tap"
  [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "test-hardening $1 timed out"
  [ "$rc" -lt 128 ] || fail "test-hardening $1 was killed by signal $((rc - 128))"
  local failed
  failed=$(grep '^not ok' "$T/tap" | head -n3 | paste -sd';' - || true)
  [ -z "$failed" ] || fail "test-hardening $1: $failed"
  grep -q '^Bail out!' "$T/tap" && fail "$(grep '^Bail out!' "$T/tap")"
  [ "$rc" -eq 0 ] || fail "test-hardening $1 exited $rc"
  grep -qE '^1\.\.[1-9]' "$T/tap" || fail "test-hardening $1: no plan"
}

test_waiting_init_holds_only_its_fds() {
  hardening_case fds
}

test_delete_not_blocked_by_concurrent_create() {
  hardening_case threads
}

test_host_handler_never_runs_in_child() {
  hardening_case sigstorm
}

test_dead_gate_reader_does_not_kill_host() {
  hardening_case sigpipe
}

test_create_timeout() {
  hardening_case timeout
}

# Fields 5 (pgrp) and 6 (session) of /proc/self/stat inside.
test_own_session_without_terminal() {
  make_bundle "$T/b" cat /proc/self/stat
  run_ok c1 "$T/b"
  local f
  f=$(echo "$OUT" | sed 's/^.*) //' | cut -d' ' -f3,4)
  # In its pid namespace the init (pid 1) leads its own session and group;
  # the host's session would show as 0 (outside the namespace).
  assert_eq "1 1" "$f" "pgrp and session of the container process"
}

test_own_session_without_pid_namespace() {
  make_bundle "$T/b" sh -c 'echo $$; cat /proc/self/stat'
  jqset "$T/b" '.linux.namespaces |= map(select(.type != "pid"))'
  run_ok c1 "$T/b"
  local pid f
  pid=$(echo "$OUT" | sed -n 1p)
  f=$(echo "$OUT" | sed -n 2p | sed 's/^.*) //' | cut -d' ' -f3,4)
  assert_eq "$pid $pid" "$f" "pgrp and session (the init leads both)"
  assert_ne "$(cut -d' ' -f6 /proc/$$/stat)" "$pid" "session differs from the test's"
}

# SIGTERM to `minirun create`/`run` while the init is still setting up
# (thousands of mounts make that take a while): create gives up, kills and
# reaps the init, removes its state and exits non-zero.
sigterm_during() { # CMD(create|run)
  local cmd=$1 n cli rc late=0
  make_bundle "$T/b" echo ran
  for n in 3000 6000 12000; do
    jqset "$T/b" '.mounts = [.mounts[] | select(.destination | startswith("/mnt/") | not)]
      + [range($n) | {"destination": "/mnt/m\(.)", "type": "tmpfs", "source": "tmpfs"}]' \
      --argjson n "$n"
    $MR $cmd --bundle "$T/b" c1 >"$T/out" 2>"$T/err" </dev/null &
    cli=$!
    wait_for 10 "the state dir" test -d "$T/state/c1"
    sleep 0.2
    # The CLI may still finish between the check and the kill: then try a
    # bigger bundle.
    if [ ! -e "$T/state/c1/state.json" ] && kill -TERM $cli 2>/dev/null; then
      rc=0
      timeout 10 tail --pid=$cli -f /dev/null || fail "$cmd ignored SIGTERM"
      wait $cli || rc=$?
      if [ "$rc" -eq 0 ] && { [ -e "$T/state/c1/state.json" ] || grep -q '^ran$' "$T/out"; }; then
        # The signal came after create had committed (the check above
        # raced with it; run may even have run the process and removed the
        # container since): not a cancel; try a bigger bundle.
        $MR delete --force c1 >/dev/null 2>&1 || true
        late=$((late + 1))
        continue
      fi
      [ "$rc" -ne 0 ] || fail "$cmd exited 0 after SIGTERM"
      assert_contains "$(cat "$T/err")" "canceled" "stderr of $cmd (exit status $rc)"
      assert_no_state
      return 0
    fi
    wait $cli || true
    $MR delete --force c1 >/dev/null 2>&1 || true
  done
  # A signal sent while create was still running (no state.json yet) that
  # lands after its commit every time, with creates taking seconds: the
  # signal is not canceling anything.
  [ "$late" -lt 3 ] || fail "$cmd finished normally after every SIGTERM sent before its commit"
  skip "create was too fast to be interrupted"
}

test_sigterm_during_create() {
  sigterm_during create
}

test_sigterm_during_run() {
  sigterm_during run
}
