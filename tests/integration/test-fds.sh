# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-fds.sh - file descriptor hygiene: the container gets 0, 1, 2 and the
# --preserve-fds ones, nothing else (neither the caller's extra fds nor the
# runtime's own).

# Sorted fd numbers of `ls /proc/self/fd` output $1, space separated.
fd_list() { echo "$1" | grep -E '^[0-9]+$' | sort -n | paste -sd' '; }

test_only_stdio_inside() {
  make_bundle "$T/b" ls /proc/self/fd
  echo extra >"$T/extra"
  exec 5<"$T/extra" 7>"$T/extra2"
  run_ok c1 "$T/b"
  exec 5<&- 7>&-
  # 3 is the directory ls itself opened.
  assert_eq "0 1 2 3" "$(fd_list "$OUT")" "fds inside the container (caller had 5 and 7 open)"
}

test_only_stdio_inside_detached() {
  make_bundle "$T/b" sh -c 'ls /proc/self/fd; ls -l /proc/self/fd >&2'
  echo extra >"$T/extra"
  exec 5<"$T/extra"
  run_d_ok c1 "$T/b"
  exec 5<&-
  wait_for 10 "status stopped" status_is c1 stopped
  assert_eq "0 1 2 3" "$(fd_list "$(cat "$T/c1.out")")" "fds inside the detached container ($(cat "$T/c1.err"))"
  assert_ok $MR delete c1
}

test_only_stdio_inside_create_start() {
  # The init waits between create and start: whatever it holds then (sync
  # fds, the exec fifo, the state dir) must not reach the process.
  make_bundle "$T/b" sh -c 'ls /proc/self/fd; ls -l /proc/self/fd >&2'
  echo extra >"$T/extra"
  exec 5<"$T/extra"
  create_ok c1 "$T/b"
  exec 5<&-
  assert_ok $MR start c1
  wait_for 10 "status stopped" status_is c1 stopped
  assert_eq "0 1 2 3" "$(fd_list "$(cat "$T/c1.out")")" "fds inside the started container ($(cat "$T/c1.err"))"
  assert_ok $MR delete c1
}

test_preserve_fds() {
  make_bundle "$T/b" sh -c 'cat <&3; ls /proc/self/fd'
  echo preserved-content >"$T/preserved"
  echo extra >"$T/extra"
  exec 3<"$T/preserved" 5<"$T/extra"
  run_ok c1 "$T/b" --preserve-fds 1
  exec 3<&- 5<&-
  assert_eq preserved-content "$(echo "$OUT" | sed -n 1p)" "content read from fd 3 inside"
  # 3 is the preserved fd, 4 the directory ls opened; 5 was not preserved.
  assert_eq "0 1 2 3 4" "$(fd_list "$OUT")" "fds inside with --preserve-fds 1"
}

test_preserve_fds_two() {
  make_bundle "$T/b" sh -c 'cat <&3; cat <&4; ls /proc/self/fd'
  echo first >"$T/f3"
  echo second >"$T/f4"
  exec 3<"$T/f3" 4<"$T/f4" 5<"$T/f4"
  run_ok c1 "$T/b" --preserve-fds 2
  exec 3<&- 4<&- 5<&-
  assert_eq "first
second" "$(echo "$OUT" | sed -n 1,2p)" "content read from fds 3 and 4 inside"
  assert_eq "0 1 2 3 4 5" "$(fd_list "$OUT")" "fds inside with --preserve-fds 2"
}

test_stdio_is_callers() {
  # The container's 0/1/2 are the caller's: stdin content reaches it.
  make_bundle "$T/b" sh -c 'read line; echo "got:$line"'
  echo from-stdin >"$T/in"
  local rc=0
  $MR run --bundle "$T/b" c1 <"$T/in" >"$T/out" 2>"$T/err" || rc=$?
  assert_eq 0 "$rc" "exit status (stderr: $(cat "$T/err"))"
  assert_eq got:from-stdin "$(cat "$T/out")" "container output"
}

# The runtime's fds reach neither a hook nor the container, not even one
# above the fd limit: before close_range (Linux 5.9; the old-kernel mode)
# a loop up to the soft limit missed it, /proc/self/fd is walked instead.
# The runtime holds fd HIGH (opened under a raised soft limit, then
# lowered below it, as a host that restores its limit does); the
# createRuntime hook and the program list their fds.
test_high_fd_reaches_no_hook() {
  local hard high soft bb
  hard=$(ulimit -Hn)
  soft=$(ulimit -Sn)
  [ "$hard" != unlimited ] || hard=1048576
  [ "$hard" -ge 2048 ] || skip "hard fd limit $hard: no room above a lowered soft limit"
  high=$((hard - 8))
  bb=$(command -v "$BUSYBOX")
  make_bundle "$T/b" ls /proc/self/fd
  jqset "$T/b" '.hooks = {createRuntime: [{path: $bb,
      args: ["sh", "-c", "exec 1>\"$0\"; exec ls /proc/self/fd", $out]}]}' \
    --arg bb "$bb" --arg out "$T/hook.fds"
  echo high >"$T/high"
  ulimit -Sn "$hard"
  eval "exec $high<\"\$T/high\""
  ulimit -Sn 1024
  local rc=0
  $MR run --bundle "$T/b" c1 >"$T/out" 2>"$T/err" </dev/null || rc=$?
  ulimit -Sn "$hard"
  eval "exec $high<&-"
  ulimit -Sn "$soft"
  assert_eq 0 "$rc" "run (stderr: $(cat "$T/err"))"
  # 3 is the directory ls opened.
  assert_eq "0 1 2 3" "$(fd_list "$(cat "$T/hook.fds")")" "fds of the hook (the runtime had $high open)"
  assert_eq "0 1 2 3" "$(fd_list "$(cat "$T/out")")" "fds inside the container (the runtime had $high open)"
}
