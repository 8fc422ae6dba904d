# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-nsclient.sh - what clients expect beyond the spec's letter: a new user
# namespace without id mappings runs (unmapped, as crun runs it), and socket
# activation (LISTEN_FDS/LISTEN_PID) passes through the CLI.

# In an unmapped user namespace nothing can be created (the kernel answers
# EOVERFLOW: the creator's id has no mapping), so the bundle keeps to mounts
# whose mount points the image has: /proc and /sys, and the image's /dev
# (which has no /dev/null to mask paths with: no masked/readonly paths).
unmapped_userns_bundle() {
  make_bundle "$1" "${@:2}"
  jqset "$1" '.linux.namespaces += [{"type": "user"}]
    | del(.linux.uidMappings, .linux.gidMappings, .linux.maskedPaths, .linux.readonlyPaths)
    | .mounts |= map(select(.destination == "/proc" or .destination == "/sys"))'
}

test_unmapped_userns_runs() {
  unmapped_userns_bundle "$T/b" sh -c 'echo "uid_map:[$(cat /proc/self/uid_map)]"; echo "gid_map:[$(cat /proc/self/gid_map)]"; id -u; readlink /proc/self/ns/user'
  run_ok c1 "$T/b"
  assert_contains "$OUT" "uid_map:[]" "uid_map inside"
  assert_contains "$OUT" "gid_map:[]" "gid_map inside"
  assert_eq "$(cat /proc/sys/kernel/overflowuid)" "$(echo "$OUT" | sed -n 3p)" "id -u inside (the overflow uid)"
  assert_ne "$(host_ns user)" "$(echo "$OUT" | sed -n 4p)" "user namespace inside"
}

test_unmapped_userns_refuses_other_uid() {
  unmapped_userns_bundle "$T/b"
  jqset "$T/b" '.process.user.uid = 1000'
  assert_fail_with "config.json: process.user.uid: 1000 cannot be set in a new user namespace without linux.uidMappings" \
    $MR run --bundle "$T/b" c1
  assert_no_state
  jqset "$T/b" '.process.user = {"uid": 0, "gid": 0, "additionalGids": [5]}'
  assert_fail_with "config.json: process.user.additionalGids: cannot be set" $MR run --bundle "$T/b" c1
  assert_no_state
}

# ---- socket activation ----

test_listen_fds_passed_through() {
  make_bundle "$T/b" sh -c 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID self=$$"; cat <&3; ls /proc/self/fd | sort -n | tr "\n" " "'
  echo socket-content >"$T/l"
  exec 3<"$T/l" 5<"$T/l"
  export LISTEN_FDS=1
  run_ok c1 "$T/b"
  unset LISTEN_FDS
  exec 3<&- 5<&-
  assert_eq "fds=1 pid=1 self=1" "$(echo "$OUT" | sed -n 1p)" "activation environment inside"
  assert_eq socket-content "$(echo "$OUT" | sed -n 2p)" "read from fd 3 inside"
  # 0-2, the listen fd 3, and 4 = the directory ls reads; not 5.
  assert_eq "0 1 2 3 4 " "$(echo "$OUT" | sed -n 3p)" "fds inside"
}

test_listen_fds_with_preserve_fds() {
  # As crun: the LISTEN_FDS fds come on top of --preserve-fds.
  make_bundle "$T/b" sh -c 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID"; cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr "\n" " "'
  echo first >"$T/f3"
  echo second >"$T/f4"
  exec 3<"$T/f3" 4<"$T/f4"
  export LISTEN_FDS=1
  run_ok c1 "$T/b" --preserve-fds 1
  unset LISTEN_FDS
  exec 3<&- 4<&-
  assert_eq "fds=1 pid=1" "$(echo "$OUT" | sed -n 1p)" "activation environment inside"
  assert_eq "first second" "$(echo "$OUT" | sed -n 2,3p | tr '\n' ' ' | sed 's/ $//')" "content of fds 3 and 4"
  assert_eq "0 1 2 3 4 5 " "$(echo "$OUT" | sed -n 4p)" "fds inside"
}

test_listen_pid_without_pid_namespace() {
  # LISTEN_PID is the pid as the process sees it: without a pid namespace,
  # the host pid of the init.
  make_bundle "$T/b" sh -c 'echo "$LISTEN_PID $$"'
  jqset "$T/b" '.linux.namespaces |= map(select(.type != "pid"))'
  exec 3</dev/null
  export LISTEN_FDS=1
  run_ok c1 "$T/b"
  unset LISTEN_FDS
  exec 3<&-
  local lp self
  read -r lp self <<<"$OUT"
  assert_eq "$self" "$lp" "LISTEN_PID inside (stdout '$OUT')"
  assert_ne 1 "$lp" "LISTEN_PID without a pid namespace"
}

test_listen_fds_for_another_process() {
  # LISTEN_PID names someone else: not our activation, nothing passed.
  make_bundle "$T/b" sh -c 'echo "fds=${LISTEN_FDS:-none}"; ls /proc/self/fd | sort -n | tr "\n" " "'
  exec 3</dev/null
  (
    export LISTEN_FDS=1 LISTEN_PID=1
    exec $MR run --bundle "$T/b" c2 >"$T/c2.out" 2>"$T/c2.err" </dev/null
  ) || fail "run c2 failed: $(cat "$T/c2.err")"
  exec 3<&-
  assert_eq "fds=none" "$(sed -n 1p "$T/c2.out")" "LISTEN_FDS inside"
  assert_eq "0 1 2 3 " "$(sed -n 2p "$T/c2.out")" "fds inside (3 is ls' directory)"
}

test_listen_pid_from_config_wins() {
  make_bundle "$T/b" sh -c 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID"'
  jqset "$T/b" '.process.env += ["LISTEN_PID=42", "LISTEN_FDS=7"]'
  exec 3</dev/null
  export LISTEN_FDS=1
  run_ok c1 "$T/b"
  unset LISTEN_FDS
  exec 3<&-
  assert_eq "fds=7 pid=42" "$OUT" "process.env's values inside"
}
