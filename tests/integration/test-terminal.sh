# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-terminal.sh - process.terminal: the pty is allocated inside the
# container and its master goes to the console socket (create/run
# --console-socket) or, for a foreground `run`, to the CLI, which relays it.

TERM_SCRIPT='tty; test -t 0 && echo stdin-is-tty; test -t 1 && echo stdout-is-tty; ls -l /dev/console; stty size'

terminal_bundle() {
  make_bundle "$T/b" sh -c "$1"
  jqset "$T/b" '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
}

# Builds tests/integration/recvtty.c into $T once.
recvtty_bin() {
  command -v cc >/dev/null || skip "no C compiler for the console socket helper"
  cc -O1 -o "$T/recvtty" "$(dirname "$MR_LIB")/recvtty.c" || fail "cannot build recvtty"
}

# Starts recvtty on $T/console.sock in the background; output in $T/tty.out.
start_recvtty() {
  "$T/recvtty" "$T/console.sock" >"$T/tty.out" 2>"$T/tty.err" &
  RECV_PID=$!
  wait_for 5 "recvtty listening" file_contains "$T/tty.err" listening
}

test_foreground_run_relays_the_pty() {
  terminal_bundle "$TERM_SCRIPT"
  run_ok t1 "$T/b"
  assert_match "$OUT" '/dev/pts/[0-9]+' "tty inside"
  assert_contains "$OUT" stdin-is-tty
  assert_contains "$OUT" stdout-is-tty
  assert_contains "$OUT" "30 100" "console size"
}

test_foreground_run_exit_status() {
  terminal_bundle 'echo on-tty; exit 3'
  run_ctr t1 "$T/b"
  assert_eq 3 "$RC" "exit status through the pty relay"
  assert_contains "$OUT" on-tty
}

test_create_with_console_socket() {
  recvtty_bin
  terminal_bundle "$TERM_SCRIPT"
  start_recvtty
  create_ok t1 "$T/b" --console-socket "$T/console.sock"
  assert_ok $MR start t1
  wait $RECV_PID || fail "recvtty failed: $(cat "$T/tty.err")"
  local out
  out=$(tr -d '\r' <"$T/tty.out")
  assert_match "$out" 'name: /dev/pts/[0-9]+' "pty name sent with the master"
  assert_contains "$out" stdin-is-tty
  assert_match "$out" 'c.* 136, +[0-9]+ .*/dev/console' "/dev/console is the pty"
  assert_contains "$out" "30 100" "console size"
  wait_for 10 "status stopped" status_is t1 stopped
  assert_ok $MR delete t1
}

test_terminal_needs_a_console_socket_when_detached() {
  terminal_bundle 'true'
  assert_fail_with "no console socket" $MR run --detach --bundle "$T/b" t1
  assert_fail_with "no console socket" $MR create --bundle "$T/b" t2
}

test_console_socket_not_listening() {
  terminal_bundle 'true'
  assert_fail_with "console socket $T/nosock" $MR create --bundle "$T/b" --console-socket "$T/nosock" t1
}
