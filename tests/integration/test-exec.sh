# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-exec.sh - `minirun exec`: a second process in a running container
# joins its namespaces and cgroups and gets the process attributes of its
# config (or of process.json / the options), observed from inside.

# A running container whose init sleeps; extra jq edits in $2.
exec_ctr() {
  make_bundle "$T/b" sleep 1000
  [ -z "${2:-}" ] || jqset "$T/b" "$2"
  run_d_ok "$1" "$T/b"
}

# exec_out ID ARGS...: `minirun exec`, sets RC, OUT (stdout), ERR.
exec_out() {
  RC=0
  $MR exec "$@" >"$T/exec.out" 2>"$T/exec.err" </dev/null || RC=$?
  OUT=$(cat "$T/exec.out")
  ERR=$(cat "$T/exec.err")
}

exec_ok() {
  exec_out "$@"
  [ "$RC" -eq 0 ] || fail "exec $* exited $RC (stderr: '$(_mr_show "$ERR")')"
}

test_joins_every_namespace() {
  exec_ctr c1
  local init ns want got
  init=$(ctr_pid c1)
  for ns in pid mnt net ipc uts cgroup user; do
    want=$(readlink /proc/$init/ns/$ns)
    exec_ok c1 readlink /proc/self/ns/$ns
    assert_eq "$want" "$OUT" "$ns namespace of the exec'd process"
  done
  assert_ne "$(host_ns mnt)" "$(readlink /proc/$init/ns/mnt)" "the container has its own mount ns"
  # In the container's pid namespace: the init is 1, we are not.
  exec_ok c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
  assert_contains "$OUT" "sleep 1000"
  assert_ne 1 "$(echo "$OUT" | tail -n1)" "pid of the exec'd shell"
  ctr_cleanup c1
}

test_joins_a_user_namespace() {
  exec_ctr c1 '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .mounts |= map(select(.type != "sysfs" and .type != "cgroup" and .type != "mqueue"))'
  local init
  init=$(ctr_pid c1)
  exec_ok c1 sh -c 'readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u'
  assert_contains "$OUT" "$(readlink /proc/$init/ns/user)" "user namespace"
  assert_match "$OUT" '0 +100000 +65536' "uid map seen inside"
  assert_eq 0 "$(echo "$OUT" | tail -n1)" "uid inside"
  ctr_cleanup c1
}

test_inherits_the_config_process() {
  exec_ctr c1 '.process.env += ["FOO=from-config"] | .process.cwd = "/tmp"
    | .process.user = {"uid": 65534, "gid": 65534, "additionalGids": [7]}
    | .process.noNewPrivileges = true
    | .process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN"],
        "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"],
        "ambient": ["CAP_KILL"]}
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 200, "soft": 150}]
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  exec_ok c1 sh -c 'echo "foo=$FOO"; pwd; id; ulimit -n; ulimit -Hn;
    grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status; mkdir /tmp/x 2>&1; true'
  assert_contains "$OUT" "foo=from-config"
  assert_contains "$OUT" "/tmp"
  assert_match "$OUT" 'uid=65534.*gid=65534.*groups=.*7' "user and groups"
  assert_contains "$OUT" $'150\n200' "rlimits soft/hard"
  assert_match "$OUT" 'CapBnd:[[:space:]]+0+21' "bounding = CHOWN|KILL"
  assert_match "$OUT" 'CapEff:[[:space:]]+0+20' "effective = KILL"
  assert_match "$OUT" 'NoNewPrivs:[[:space:]]+1'
  assert_match "$OUT" 'Seccomp:[[:space:]]+2' "seccomp filter mode"
  assert_contains "$OUT" "Function not implemented" "the filter's errno for mkdir"
  ctr_cleanup c1
}

test_options_override() {
  exec_ctr c1 '.process.env += ["FOO=from-config"] | .process.noNewPrivileges = false'
  exec_ok -e FOO=from-exec -e BAR=2 --cwd /etc -u 65534:65534 --no-new-privs c1 \
    sh -c 'echo "$FOO $BAR"; pwd; id -u; id -g; grep -E "^(NoNewPrivs):" /proc/self/status'
  assert_contains "$OUT" "from-exec 2"
  assert_not_contains "$OUT" "from-config"
  assert_contains "$OUT" "/etc"
  assert_contains "$OUT" $'65534\n65534' "uid and gid"
  assert_match "$OUT" 'NoNewPrivs:[[:space:]]+1'
  exec_ok c1 grep -E "^(NoNewPrivs):" /proc/self/status
  assert_match "$OUT" 'NoNewPrivs:[[:space:]]+0' "no_new_privs only when asked"
  # CAP_NET_RAW (13) is not in the default set: --cap adds it.
  local eff
  exec_ok c1 awk '/^CapEff/ { print $2 }' /proc/self/status
  [ $((0x$OUT & (1 << 13))) -eq 0 ] || fail "CAP_NET_RAW effective without --cap: $OUT"
  exec_ok --cap CAP_NET_RAW c1 awk '/^CapEff/ { print $2 }' /proc/self/status
  [ $((0x$OUT & (1 << 13))) -ne 0 ] || fail "CAP_NET_RAW not effective with --cap: $OUT"
  exec_out --cap CAP_NO_SUCH c1 true
  assert_ne 0 "$RC" "unknown capability"
  assert_contains "$ERR" "CAP_NO_SUCH"
  ctr_cleanup c1
}

test_process_json() {
  exec_ctr c1
  cat >"$T/p.json" <<'JSON'
{"terminal": false, "user": {"uid": 65534, "gid": 65534}, "args": ["sh", "-c", "echo $X; pwd; id -u; exit 4"],
 "env": ["PATH=/bin", "X=from-process-json"], "cwd": "/tmp"}
JSON
  exec_out --process "$T/p.json" c1
  assert_eq 4 "$RC" "exit status"
  assert_eq $'from-process-json\n/tmp\n65534' "$OUT"
  echo '{"args": "not-an-array"}' >"$T/bad.json"
  exec_out --process "$T/bad.json" c1
  assert_ne 0 "$RC"
  assert_contains "$ERR" "process.json: args"
  ctr_cleanup c1
}

test_exit_codes() {
  exec_ctr c1
  exec_out c1 sh -c 'exit 7'
  assert_eq 7 "$RC" "exit status"
  exec_out c1 sh -c 'kill -9 $$'
  assert_eq 137 "$RC" "killed by SIGKILL"
  exec_out c1 no-such-command
  assert_eq 127 "$RC" "command not found"
  assert_contains "$ERR" 'exec "no-such-command": executable file not found in $PATH'
  exec_out c1 /etc/passwd
  assert_eq 126 "$RC" "not executable"
  assert_contains "$ERR" "permission denied"
  exec_out c1 /no/such/file
  assert_eq 127 "$RC" "missing path"
  ctr_cleanup c1
}

test_signals_are_relayed() {
  exec_ctr c1
  $MR exec c1 sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done' \
    >"$T/e.out" 2>"$T/e.err" </dev/null &
  local pid=$! rc=0
  wait_for 10 "exec'd shell ready" file_contains "$T/e.out" ready
  kill -TERM $pid
  wait $pid || rc=$?
  assert_eq 3 "$rc" "status after the relayed SIGTERM"
  assert_contains "$(cat "$T/e.out")" got-term
  ctr_cleanup c1
}

test_detach_and_pid_file() {
  exec_ctr c1
  exec_ok --detach --pid-file "$T/exec.pid" c1 sh -c 'echo $$ >/tmp/inner; exec sleep 1000'
  local pid
  pid=$(cat "$T/exec.pid")
  pid_alive "$pid" || fail "pid file names no live process: $pid"
  assert_contains "$(tr '\0' ' ' </proc/$pid/cmdline)" "sleep 1000"
  assert_eq "$(readlink /proc/$(ctr_pid c1)/ns/pid)" "$(readlink /proc/$pid/ns/pid)" "pid ns"
  exec_ok c1 sh -c 'ps -o pid,args | grep "[s]leep 1000"'
  assert_contains "$OUT" "sleep 1000"
  ctr_cleanup c1
  wait_for 5 "detached process gone" pid_gone "$pid"
}

test_no_host_fds() {
  exec_ctr c1
  exec_ok c1 sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
  assert_eq "0 1 2 3 " "$OUT" "fds of ls (3: its own directory)"
  exec 5</dev/null 4</dev/null 3</dev/null
  exec_ok --preserve-fds 2 c1 sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
  assert_eq "0 1 2 3 4 5 " "$OUT" "preserved fds 3 and 4 (5: ls's own)"
  exec 3<&- 4<&- 5<&-
  ctr_cleanup c1
}

test_tty() {
  command -v cc >/dev/null || skip "no C compiler for the console socket helper"
  cc -O1 -o "$T/recvtty" "$(dirname "$MR_LIB")/recvtty.c" || fail "cannot build recvtty"
  exec_ctr c1
  "$T/recvtty" "$T/console.sock" >"$T/tty.out" 2>"$T/tty.err" &
  local recv=$!
  wait_for 5 "recvtty listening" file_contains "$T/tty.err" listening
  exec_ok --tty --console-socket "$T/console.sock" --detach --pid-file "$T/p" c1 \
    sh -c 'tty; test -t 0 && echo stdin-is-tty; exit 0'
  wait $recv || fail "recvtty failed: $(cat "$T/tty.err")"
  local out
  out=$(tr -d '\r' <"$T/tty.out")
  assert_match "$out" 'name: /dev/pts/[0-9]+' "pty name"
  assert_contains "$out" stdin-is-tty
  # The init's /dev/console is untouched by an exec.
  exec_ok c1 sh -c 'ls -l /dev/console 2>&1; true'
  assert_not_contains "$OUT" "136," "/dev/console is no pty"
  # Foreground -t without a console socket: minirun relays the pty itself.
  exec_out -t c1 sh -c 'tty; exit 5'
  assert_eq 5 "$RC" "status through the relay"
  assert_match "$OUT" '/dev/pts/[0-9]+'
  exec_out -t -d c1 true
  assert_ne 0 "$RC" "--tty --detach without a console socket"
  assert_contains "$ERR" "console-socket"
  ctr_cleanup c1
}

test_refused_states() {
  exec_out nosuch true
  assert_ne 0 "$RC"
  assert_contains "$ERR" "does not exist"
  make_bundle "$T/b" true
  create_ok c1 "$T/b"
  assert_ok $MR start c1
  wait_for 10 "c1 stopped" status_is c1 stopped
  exec_out c1 true
  assert_ne 0 "$RC" "exec into a stopped container"
  assert_contains "$ERR" "stopped"
  assert_ok $MR delete c1
  exec_out c1 true
  assert_ne 0 "$RC" "exec into a deleted container"
}

# The exec'd process joins the cgroups the state records (cgroupPaths), not
# the ones the init is in now: a container that can write to a cgroupfs
# could move its init out of its limits, and an exec following it would
# leave them too. The host moves the init, as such a container would.
test_cgroups_from_the_state() {
  local cg=/sys/fs/cgroup/pids
  [ -w $cg/cgroup.procs ] || skip "no writable v1 pids hierarchy"
  exec_ctr c1
  local init dir=$cg/minirun-exec-test-$$ recorded got p rel
  init=$(ctr_pid c1)
  recorded=$(jq -r '.cgroupPaths[]' "$T/state/c1/state.json")
  assert_contains "$recorded" "$cg/" "cgroupPaths in the state"
  mkdir $dir
  echo $init >$dir/cgroup.procs
  exec_ok --detach --pid-file "$T/p" c1 sleep 1000
  # Read from here: inside, the container's cgroup namespace shows "/".
  got=$(cut -d: -f3 /proc/$(cat "$T/p")/cgroup)
  ctr_cleanup c1
  wait_for 5 "cgroup empty" test ! -s $dir/cgroup.procs
  rmdir $dir
  assert_not_contains "$got" "/minirun-exec-test-$$" "cgroups of the exec'd process"
  for p in $recorded; do
    rel=/${p#/sys/fs/cgroup/*/}
    grep -qxF "$rel" <<<"$got" || fail "exec'd process not in the recorded $p: $(_mr_show "$got")"
  done
}

# A recorded cgroup directory that is no cgroup (a damaged or forged
# state.json) is refused, and nothing is written there.
test_recorded_cgroup_not_on_cgroupfs_refused() {
  exec_ctr c1
  mkdir "$T/fake"
  local st=$T/state/c1/state.json
  jq --arg d "$T/fake" '.cgroupPaths += [$d]' "$st" >"$st.new" && mv "$st.new" "$st"
  exec_out c1 true
  assert_ne 0 "$RC" "exec with a recorded cgroup that is a plain directory"
  assert_contains "$ERR" "cgroupPaths: $T/fake is not on a cgroup filesystem"
  [ ! -e "$T/fake/cgroup.procs" ] || fail "exec wrote into $T/fake"
  ctr_cleanup c1
}

# CVE-2019-5736: while exec sets up in the container's namespaces (held
# there by the test build's pause point), a process inside finds the
# runtime's copy in /proc and tries to open its exe for writing and its
# memory. Both must fail.
test_runtime_unreachable_from_inside() {
  local bin=$MINIRUN_BUILDDIR/tests/crash/minirun-crashpoints
  [ -x "$bin" ] || skip "tests/crash/minirun-crashpoints not built"
  mkdir "$T/shared"
  make_bundle "$T/b" sh -c '
    while [ ! -e /shared/go ]; do sleep 0.05; done
    for p in /proc/[0-9]*; do
      p=${p#/proc/}
      [ "$p" = 1 ] && continue
      grep -q "^State:.*T" /proc/$p/status 2>/dev/null || continue
      echo "target $p $(cat /proc/$p/comm)"
      ( exec 3>>/proc/$p/exe ) 2>/dev/null && echo "OPENED exe for writing"
      ( exec 3</proc/$p/exe ) 2>/dev/null && echo "OPENED exe for reading"
      ( exec 3</proc/$p/mem ) 2>/dev/null && echo "OPENED mem"
      readlink /proc/$p/exe >/dev/null 2>&1 && echo "READ exe link"
      for f in /proc/$p/fd/*; do
        ( exec 4<$f ) 2>/dev/null && echo "OPENED $f"
      done
    done >/shared/result 2>&1
    touch /shared/done
    exec sleep 1000'
  add_bind "$T/b" "$T/shared" /shared
  run_d_ok c1 "$T/b"
  MINIRUN_PAUSE_AT=exec-before-execve $bin --root "$T/state" exec c1 true >"$T/e.out" 2>"$T/e.err" &
  local cli=$! stopped=
  find_stopped() {
    local s
    for s in /proc/[0-9]*/stat; do
      if awk -v ppid=$cli '{ sub(/^.*\) /, ""); if ($1 == "T" && $2 == ppid) found = 1 } END { exit !found }' "$s" 2>/dev/null; then
        stopped=$(basename "$(dirname "$s")")
        return 0
      fi
    done
    return 1
  }
  wait_for 10 "the exec process paused in the container" find_stopped
  touch "$T/shared/go"
  wait_for 10 "the scan inside" test -e "$T/shared/done"
  kill -CONT "$stopped"
  local rc=0
  wait $cli || rc=$?
  assert_eq 0 "$rc" "exec after the pause (stderr: $(cat "$T/e.err"))"
  local result
  result=$(cat "$T/shared/result")
  echo "scan: $result"
  assert_match "$result" '^target [0-9]+ ' "the container saw the paused runtime process"
  assert_not_contains "$result" OPENED
  assert_not_contains "$result" "READ exe"
  ctr_cleanup c1
}

# The same through the C API (tests/api/test-exec.c, public header only).
test_api() {
  local src=$MINIRUN_SRCDIR/tests/api/test-exec.c libdir=$MINIRUN_BUILDDIR/.libs bin san
  san=$(mr_san_cflags)
  if [ -e "$libdir/libminirun.so" ] && command -v "$(mr_cc)" >/dev/null; then
    "$(mr_cc)" -std=gnu11 -Wall -Wextra -O1 ${san:+"$san"} -I"$MINIRUN_SRCDIR/include" "$src" -L"$libdir" -lminirun \
      -Wl,-rpath,"$libdir" -o "$T/test-exec" 2>"$T/gcc.log" ||
      fail "compiling test-exec.c failed: $(_mr_show "$(cat "$T/gcc.log")")"
    bin=$T/test-exec
  elif [ -x "$MINIRUN_BUILDDIR/tests/api/test-exec" ]; then
    bin=$MINIRUN_BUILDDIR/tests/api/test-exec
  else
    skip "libminirun is not built"
  fi
  make_bundle "$T/b" sleep 1000
  local rc=0
  timeout 30 "$bin" "$T/b" "$T/state" >"$T/tap" 2>&1 </dev/null || rc=$?
  cat "$T/tap"
  ! grep -q '^not ok\|^Bail out' "$T/tap" || fail "test-exec: $(grep '^not ok\|^Bail' "$T/tap" | paste -sd';' -)"
  [ "$rc" -eq 0 ] || fail "test-exec exited $rc"
  grep -qE '^1\.[.]1[0-9]$' "$T/tap" || fail "test-exec: unexpected plan $(tail -n1 "$T/tap")"
}

test_paused_container_refused() {
  exec_ctr c1
  capture $MR pause c1
  [ "$LAST_RC" -eq 0 ] || skip "pause unavailable here: $(_mr_show "$LAST_ERR")"
  exec_out c1 true
  assert_ne 0 "$RC" "exec into a paused container"
  assert_contains "$ERR" "cannot exec in a paused container"
  assert_contains "$ERR" "--ignore-paused"
  assert_ok $MR resume c1
  exec_ok c1 true
  ctr_cleanup c1
}

# --ignore-paused (runc): the process joins the frozen cgroups and runs
# once the container is resumed; exec gives up the container's lock for
# the resume and returns when the program runs.
test_ignore_paused() {
  exec_ctr c1
  capture $MR pause c1
  [ "$LAST_RC" -eq 0 ] || skip "pause unavailable here: $(_mr_show "$LAST_ERR")"
  $MR exec --ignore-paused c1 sh -c 'echo ran' >"$T/ip.out" 2>"$T/ip.err" </dev/null &
  local cli=$! rc=0
  sleep 0.5
  pid_alive $cli || fail "exec ended while the container was paused: $(_mr_show "$(cat "$T/ip.err")")"
  [ ! -s "$T/ip.out" ] || fail "the process ran in a paused container: $(cat "$T/ip.out")"
  assert_ok $MR resume c1
  wait $cli || rc=$?
  assert_eq 0 "$rc" "exec --ignore-paused (stderr: $(_mr_show "$(cat "$T/ip.err")"))"
  assert_contains "$(cat "$T/ip.out")" "ran"
  ctr_cleanup c1
}

# --additional-gids (runc exec -g): after the config's additionalGids,
# seen by `id -G` inside; -1 and non-numbers refused, naming the option.
test_additional_gids() {
  exec_ctr c1 '.process.user.additionalGids = [7]'
  exec_ok c1 id -G
  assert_eq "0 7" "$OUT" "groups without the option"
  exec_ok -g 10,11 --additional-gids 12 c1 id -G
  assert_eq "0 7 10 11 12" "$OUT" "groups with -g 10,11 --additional-gids 12"
  cat >"$T/p.json" <<'JSON'
{"args": ["id", "-G"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0, "additionalGids": [5]}}
JSON
  exec_ok -g 6 --process "$T/p.json" c1
  assert_eq "0 5 6" "$OUT" "groups of process.json and -g"
  local bad
  for bad in -1 x 1,,2 4294967296; do
    exec_out --additional-gids=$bad c1 true
    assert_ne 0 "$RC" "--additional-gids $bad"
    assert_contains "$ERR" "--additional-gids \`$bad\`"
  done
  exec_out -g 4294967295 c1 true
  assert_ne 0 "$RC" "--additional-gids 4294967295"
  assert_contains "$ERR" "additionalGids: 4294967295 is (gid_t)-1"
  ctr_cleanup c1
}

# --cgroup (runc exec): an existing sub-cgroup of the container's, per v1
# controller or in every hierarchy (the one form on cgroup v2);
# /proc/self/cgroup inside (the cgroup namespace's root is the container's
# cgroup) shows where it runs. Runs on hybrid, v1 and v2 layouts
# (tests/vm/cgroup-layouts.sh).
test_sub_cgroup() {
  exec_ctr c1
  local recorded pids cpuset p n bad
  recorded=$(jq -r '.cgroupPaths[]?' "$T/state/c1/state.json")
  [ -n "$recorded" ] || skip "the container has no cgroup of its own"
  for p in $recorded; do
    mkdir "$p/all"
    if [ -e "$p/all/cpuset.cpu_exclusive" ]; then # an empty v1 cpuset takes no task
      cat "$p/cpuset.cpus" >"$p/all/cpuset.cpus"
      cat "$p/cpuset.mems" >"$p/all/cpuset.mems"
    fi
  done
  exec_ok --cgroup /all c1 cat /proc/self/cgroup
  n=$(grep -c ':/all$' <<<"$OUT" || true)
  assert_eq "$(wc -w <<<"$recorded")" "$n" "hierarchies in the 'all' sub-cgroup: $OUT"
  pids=$(grep "^/sys/fs/cgroup/pids/" <<<"$recorded" || true)
  if [ -n "$pids" ]; then
    mkdir "$pids/sub"
    exec_ok --cgroup pids:sub c1 cat /proc/self/cgroup
    assert_match "$OUT" '(^|'$'\n'')[0-9]+:pids:/sub('$'\n''|$)' "pids sub-cgroup"
    assert_match "$OUT" '(^|'$'\n'')[0-9]+:memory:/('$'\n''|$)' "memory: the container's cgroup"
    exec_out --cgroup pids:missing c1 true
    assert_contains "$ERR" "cgroup: 'missing': the sub-cgroup $pids/missing"
    wait_for 5 "$pids/sub empty" rmdir "$pids/sub"
  else
    exec_out --cgroup missing c1 true
    assert_contains "$ERR" "cgroup: 'missing': the sub-cgroup"
  fi
  # A v1 cpuset sub-cgroup without CPUs takes no task: refused before the
  # process starts, naming the file (not the kernel's ENOSPC after clone).
  cpuset=$(grep "^/sys/fs/cgroup/cpuset/" <<<"$recorded" || true)
  if [ -n "$cpuset" ]; then
    mkdir "$cpuset/empty"
    exec_out --cgroup cpuset:empty c1 true
    assert_ne 0 "$RC" "exec into an empty cpuset"
    assert_contains "$ERR" "cgroup: 'empty': $cpuset/empty/cpuset.cpus is empty"
    assert_not_contains "$ERR" "No space left"
    rmdir "$cpuset/empty"
  fi
  # Bad values: a clear error naming the option, no process left.
  exec_out --cgroup nosuch:sub c1 true
  assert_contains "$ERR" "controller 'nosuch' is in no v1 cgroup"
  exec_out --cgroup pids:../sub c1 true
  assert_contains "$ERR" "must stay below the container's cgroup"
  exec_out --cgroup sub --cgroup all c1 true
  assert_contains "$ERR" "must be the only cgroup given"
  exec_out --cgroup pids:sub --cgroup memory,pids:all c1 true
  assert_contains "$ERR" "controller 'pids' given twice"
  exec_out --cgroup pids,pids:sub c1 true
  assert_contains "$ERR" "controller 'pids' given twice"
  for bad in :sub pids,:sub ,pids:sub; do
    exec_out --cgroup $bad c1 true
    assert_contains "$ERR" "cgroup: '$bad': empty controller name"
  done
  assert_ne 0 "$RC"
  for p in $recorded; do wait_for 5 "$p/all empty" rmdir "$p/all"; done
  ctr_cleanup c1
}

# The argv conmon sends (and containerd's shim: the same without --tty),
# from a subreaper like them: after minirun exits, the process named in the
# pid file is the subreaper's to wait for, with its real exit status.
test_conmon_form_under_a_subreaper() {
  command -v python3 >/dev/null || skip "no python3 for the subreaper"
  exec_ctr c1
  cat >"$T/p.json" <<'JSON'
{"terminal": false, "args": ["sh", "-c", "sleep 0.5; exit 42"], "cwd": "/", "env": ["PATH=/bin"]}
JSON
  MR_ARGS="$MR" T="$T" python3 - <<'PY' >"$T/py.out" 2>&1 || fail "subreaper: $(cat "$T/py.out")"
import ctypes, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
t = os.environ["T"]
argv = os.environ["MR_ARGS"].split() + ["exec", "--pid-file", t + "/exec.pid", "--process",
                                        t + "/p.json", "--detach", "c1"]
rc = subprocess.call(argv, stdin=subprocess.DEVNULL)
assert rc == 0, "minirun exec exited %d" % rc
pid = int(open(t + "/exec.pid").read())
_, status = os.waitpid(pid, 0)  # ECHILD unless it stayed our descendant
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 42, "status %r" % status
print("waited", pid, "status 42")
PY
  assert_contains "$(cat "$T/py.out")" "status 42"
  ctr_cleanup c1
}
