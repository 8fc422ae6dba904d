# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2153
#
# test-examples.sh - the example programs of examples/ against real containers.
#
# examples/minimal-host is the binary that `make check` (or `make
# examples/minimal-host`) built in the build tree. When it is missing or older
# than its source, it is compiled here from examples/minimal-host.c against the
# build tree's libminirun (as test-api.sh does); without either: SKIP.

# Sets HOST to the minimal-host binary to test.
find_minimal_host() {
  local built=$MINIRUN_BUILDDIR/examples/minimal-host
  local src=$MINIRUN_SRCDIR/examples/minimal-host.c
  local libdir=$MINIRUN_BUILDDIR/.libs
  if [ -x "$built" ] && ! [ "$src" -nt "$built" ]; then
    HOST=$built
  elif [ -f "$src" ] && [ -e "$libdir/libminirun.so" ] && command -v "$(mr_cc)" >/dev/null; then
    "$(mr_cc)" -std=gnu11 -Wall -Wextra -g -O1 -I"$MINIRUN_SRCDIR/include" "$src" \
      -L"$libdir" -lminirun -Wl,-rpath,"$libdir" -o "$T/minimal-host" 2>"$T/gcc.log" ||
      fail "compiling minimal-host.c failed: $(_mr_show "$(cat "$T/gcc.log")")"
    HOST=$T/minimal-host
  else
    skip "examples/minimal-host is not built (make examples/minimal-host) and $libdir/libminirun.so is missing"
  fi
  echo "testing $HOST"
}

# host [ARGS...]: runs minimal-host with the test's state root (at most 30s);
# sets LAST_RC, LAST_OUT, LAST_ERR (see capture) and ELAPSED_MS.
host() {
  local t0
  t0=$(date +%s%N)
  capture timeout 30 "$HOST" --state-root "$T/state" "$@"
  ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
  echo "minimal-host $* -> $LAST_RC after ${ELAPSED_MS}ms"
  echo "stdout: $LAST_OUT"
  echo "stderr: $LAST_ERR"
}

# The state root holds no container (it may not exist at all).
assert_state_root_empty() {
  local left
  left=$(find "$T/state" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null || true)
  [ -z "$left" ] || fail "state root not empty after minimal-host returned: $left"
}

test_minimal_host_exit_status() {
  find_minimal_host
  make_bundle "$T/b" sh -c 'echo hello-from-container; exit 5'
  host "$T/b" c1
  assert_eq 5 "$LAST_RC" "exit status of minimal-host (stderr: $(_mr_show "$LAST_ERR"))"
  assert_eq "hello-from-container"$'\n'"container c1 exited with status 5" "$LAST_OUT" \
    "minimal-host stdout"
  assert_not_contains "$LAST_ERR" "sending SIG" "minimal-host stderr"
  assert_state_root_empty
}

test_minimal_host_exit_status_0() {
  find_minimal_host
  make_bundle "$T/b" true
  host "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status of minimal-host (stderr: $(_mr_show "$LAST_ERR"))"
  assert_eq "container c1 exited with status 0" "$LAST_OUT" "minimal-host stdout"
  assert_state_root_empty
}

# The library's diagnostics reach the host's log callback, which prefixes the
# level: --verbose selects debug messages.
test_minimal_host_log_callback() {
  find_minimal_host
  make_bundle "$T/b" true
  host --verbose "$T/b" c1
  assert_eq 0 "$LAST_RC" "exit status of minimal-host --verbose"
  assert_match "$LAST_ERR" $'(^|\n)minimal-host: \\[debug\\] ' "minimal-host --verbose stderr"
  assert_state_root_empty
}

# --timeout: SIGTERM when it expires; a container that handles it exits 143.
test_minimal_host_timeout_sigterm() {
  find_minimal_host
  make_bundle "$T/b" sh -c 'trap "exit 143" TERM; while :; do sleep 0.1; done'
  host --timeout 1 "$T/b" c1
  assert_eq 143 "$LAST_RC" "exit status of minimal-host --timeout 1 (stderr: $(_mr_show "$LAST_ERR"))"
  assert_contains "$LAST_OUT" "container c1 exited with status 143" "minimal-host stdout"
  assert_contains "$LAST_ERR" "sending SIGTERM" "minimal-host stderr"
  assert_not_contains "$LAST_ERR" "SIGKILL" "minimal-host stderr"
  [ "$ELAPSED_MS" -ge 900 ] || fail "minimal-host --timeout 1 returned after ${ELAPSED_MS}ms"
  [ "$ELAPSED_MS" -lt 2500 ] || fail "SIGTERM took ${ELAPSED_MS}ms to stop the container"
  assert_state_root_empty
}

# A pid 1 without a TERM handler ignores SIGTERM: SIGKILL follows 2s later.
test_minimal_host_timeout_sigkill() {
  find_minimal_host
  make_bundle "$T/b" sleep 100
  host --timeout 1 "$T/b" c1
  assert_eq 137 "$LAST_RC" "exit status of minimal-host --timeout 1 (stderr: $(_mr_show "$LAST_ERR"))"
  assert_contains "$LAST_OUT" "container c1 exited with status 137" "minimal-host stdout"
  assert_contains "$LAST_ERR" "sending SIGTERM" "minimal-host stderr"
  assert_contains "$LAST_ERR" "sending SIGKILL" "minimal-host stderr"
  [ "$ELAPSED_MS" -ge 2900 ] || fail "SIGKILL came after ${ELAPSED_MS}ms, before the 2s grace"
  [ "$ELAPSED_MS" -lt 6000 ] || fail "minimal-host --timeout 1 took ${ELAPSED_MS}ms"
  assert_state_root_empty
}

# Errors: non-zero exit, the library's message on stderr, nothing left.
test_minimal_host_bad_bundle() {
  find_minimal_host
  host "$T/no-such-bundle" c1
  assert_ne 0 "$LAST_RC" "exit status of minimal-host with a missing bundle"
  assert_contains "$LAST_ERR" "$T/no-such-bundle/config.json: No such file or directory" \
    "minimal-host stderr"
  assert_eq "" "$LAST_OUT" "minimal-host stdout"
  assert_state_root_empty

  make_bundle "$T/b" true
  jqset "$T/b" '.process.args = "true"'
  host "$T/b" c1
  assert_ne 0 "$LAST_RC" "exit status of minimal-host with a malformed config.json"
  assert_contains "$LAST_ERR" "process.args: expected array of strings" "minimal-host stderr"
  assert_state_root_empty
}

test_minimal_host_bad_id() {
  find_minimal_host
  make_bundle "$T/b" true
  host "$T/b" a/b
  assert_ne 0 "$LAST_RC" "exit status of minimal-host with id 'a/b'"
  assert_contains "$LAST_ERR" "invalid container id" "minimal-host stderr"
  assert_state_root_empty
}

test_minimal_host_usage() {
  find_minimal_host
  host
  assert_ne 0 "$LAST_RC" "exit status of minimal-host without arguments"
  assert_contains "$LAST_ERR" "usage: minimal-host" "minimal-host stderr"
  host --timeout 0 "$T/b" c1
  assert_ne 0 "$LAST_RC" "exit status of minimal-host --timeout 0"
  assert_contains "$LAST_ERR" "--timeout" "minimal-host stderr"
}
