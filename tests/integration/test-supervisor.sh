# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016
#
# test-supervisor.sh - examples/supervisor against real containers: start
# order by dependencies and health, restart policies with exponential
# backoff, the control socket and client, manifest errors.
#
# The binary is the build tree's examples/supervisor/minirun-supervisor
# (`make check` builds it), else it is compiled here from its sources
# against the build tree's libminirun; without either: SKIP.

# Sets SUP to the supervisor binary.
find_supervisor() {
  local built=$MINIRUN_BUILDDIR/examples/supervisor/minirun-supervisor
  local src=$MINIRUN_SRCDIR/examples/supervisor libdir=$MINIRUN_BUILDDIR/.libs f newer=0
  for f in "$src"/*.[ch]; do [ "$f" -nt "$built" ] && newer=1; done
  if [ -x "$built" ] && [ "$newer" = 0 ]; then
    SUP=$built
  elif [ -e "$libdir/libminirun.so" ] && command -v "$(mr_cc)" >/dev/null; then
    "$(mr_cc)" -std=gnu11 -Wall -Wextra -g -O1 -I"$MINIRUN_SRCDIR/include" "$src"/*.c \
      -L"$libdir" -lminirun -lyajl -Wl,-rpath,"$libdir" -o "$T/minirun-supervisor" 2>"$T/gcc.log" ||
      fail "compiling the supervisor failed: $(_mr_show "$(cat "$T/gcc.log")")"
    SUP=$T/minirun-supervisor
  else
    skip "examples/supervisor/minirun-supervisor is not built"
  fi
}

# sup_start MANIFEST: runs the supervisor in the background (state in
# $T/sup, output in $T/sup.log); SUP_PID.
sup_start() {
  find_supervisor
  "$SUP" --state-dir "$T/sup" "$1" >"$T/sup.log" 2>&1 </dev/null &
  SUP_PID=$!
  wait_for 10 "the control socket" test -S "$T/sup/control.sock"
}

ctl() { "$SUP" ctl "$T/sup/control.sock" "$@"; }

# svc_field NAME FIELD: a field of the service's status line (state, or a
# key=value key such as pid).
svc_field() {
  local line
  line=$(ctl status | awk -v n="$1" '$1 == n')
  if [ "$2" = state ]; then
    echo "$line" | awk '{ print $2 }'
  else
    echo "$line" | tr ' ' '\n' | sed -n "s/^$2=//p"
  fi
}
svc_is() { [ "$(svc_field "$1" state)" = "$2" ]; }
svc_healthy() { [ "$(svc_field "$1" healthy)" = yes ]; }
log_has() { grep -qF -- "$1" "$T/sup.log"; }

# sup_stop: `ctl stop`, then the supervisor must exit 0 within 10 s and
# leave no container.
sup_stop() {
  ctl stop >/dev/null || fail "ctl stop failed"
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$SUP_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SUP_PID" 2>/dev/null && fail "the supervisor did not stop: $(tail -n5 "$T/sup.log")"
  local rc=0
  wait "$SUP_PID" || rc=$?
  cat "$T/sup.log"
  assert_eq 0 "$rc" "exit status of the supervisor"
  log_has "supervisor: stopped" || fail "no 'stopped' in the supervisor log"
  local left
  left=$(find "$T/sup/containers" -mindepth 1 -maxdepth 1 2>/dev/null | head -n3)
  assert_eq "" "$left" "containers left in the supervisor's state root"
}

# service_bundle DIR SCRIPT: a busybox bundle running `sh -c SCRIPT`, with
# $T/hostdir bound at /hostdir.
service_bundle() {
  make_bundle "$1" sh -c "$2"
  mkdir -p "$T/hostdir"
  add_bind "$1" "$T/hostdir" /hostdir
}

test_supervisor_dependency_order() {
  # a depends on b; b is healthy only once it wrote its line (exec check).
  service_bundle "$T/a" 'echo a >>/hostdir/order; exec sleep 100'
  service_bundle "$T/b" 'sleep 0.3; echo b >>/hostdir/order; touch /hostdir/up; exec sleep 100'
  cat >"$T/m.json" <<JSON
{"services": [
  {"name": "a", "bundle": "$T/a", "depends_on": ["b"], "restart": "always"},
  {"name": "b", "bundle": "$T/b", "restart": "always",
   "health": {"exec": ["test", "-f", "/hostdir/up"]}, "health_interval_ms": 100}
]}
JSON
  sup_start "$T/m.json"
  wait_for 10 "service a running" svc_is a running
  wait_for 5 "a's line" file_contains "$T/hostdir/order" a
  assert_eq $'b\na' "$(cat "$T/hostdir/order")" "start order"
  svc_healthy b || fail "b is running but not healthy: $(ctl status)"
  log_has "b-1 healthy after" || fail "no health message for b"
  sup_stop
}

test_supervisor_restart_backoff() {
  service_bundle "$T/crash" 'exit 3'
  service_bundle "$T/sleeper" 'exec sleep 100'
  cat >"$T/m.json" <<JSON
{"services": [
  {"name": "crash", "bundle": "$T/crash", "restart": "on-failure", "backoff_ms": [200, 800]},
  {"name": "sleeper", "bundle": "$T/sleeper", "restart": "always", "backoff_ms": [300, 300]}
]}
JSON
  local t0=$SECONDS
  sup_start "$T/m.json"
  wait_for 15 "the 4th restart of crash" log_has "crash exited with status 3; restart 4 in 800 ms"
  for d in "restart 1 in 200 ms" "restart 2 in 400 ms" "restart 3 in 800 ms"; do
    log_has "crash exited with status 3; $d" || fail "no '$d' in the log: $(cat "$T/sup.log")"
  done
  # 200 + 400 + 800 ms of backoff before the 4th exit: not restarted at once.
  [ $((SECONDS - t0)) -ge 1 ] || fail "4 restarts in under a second: no backoff"
  # A killed service comes back with a new init after its backoff.
  wait_for 10 "sleeper running" svc_is sleeper running
  local pid
  pid=$(svc_field sleeper pid)
  kill -9 "$pid"
  wait_for 10 "sleeper restarted" log_has "sleeper exited with status 137; restart 1 in 300 ms"
  wait_for 10 "sleeper-2" log_has "sleeper-2 started"
  wait_for 5 "sleeper running again" svc_is sleeper running
  assert_ne "$pid" "$(svc_field sleeper pid)" "the restarted sleeper's pid"
  assert_eq 1 "$(svc_field sleeper restarts)" "restarts of sleeper"
  sup_stop
}

test_supervisor_restart_policies() {
  service_bundle "$T/ok" 'exit 0'
  service_bundle "$T/bad" 'exit 4'
  cat >"$T/m.json" <<JSON
{"services": [
  {"name": "ok", "bundle": "$T/ok", "restart": "on-failure"},
  {"name": "bad", "bundle": "$T/bad", "restart": "no"}
]}
JSON
  sup_start "$T/m.json"
  wait_for 10 "ok stopped" svc_is ok stopped
  wait_for 10 "bad failed" svc_is bad failed
  assert_eq 4 "$(svc_field bad status)" "last status of bad"
  assert_eq 0 "$(svc_field ok restarts)" "restarts of ok"
  sup_stop
}

test_supervisor_manifest_errors() {
  find_supervisor
  make_bundle "$T/b" true
  local m=$T/m.json
  printf '{"services": [{"name": "x", "bundle": "%s", "depends_on": ["y"]}, {"name": "y", "bundle": "%s", "depends_on": ["x"]}]}' "$T/b" "$T/b" >"$m"
  assert_fail_with "dependency cycle" "$SUP" --state-dir "$T/sup" "$m"
  printf '{"services": [{"name": "x", "bundle": "%s", "restrat": "no"}]}' "$T/b" >"$m"
  assert_fail_with "services[0]: unknown key 'restrat'" "$SUP" --state-dir "$T/sup" "$m"
  printf '{"services": [{"name": "x", "bundle": "%s", "backoff_ms": [0, 1]}]}' "$T/b" >"$m"
  assert_fail_with "services[0].backoff_ms" "$SUP" --state-dir "$T/sup" "$m"
  printf '{"services": [{"name": "x", "bundle": "%s", "depends_on": ["nope"]}]}' "$T/b" >"$m"
  assert_fail_with "unknown service 'nope'" "$SUP" --state-dir "$T/sup" "$m"
  assert_fail_with "no/such/manifest" "$SUP" --state-dir "$T/sup" "$T/no/such/manifest"
}

# A service script that exits on SIGTERM (a pid 1 ignores it otherwise).
LOOP='trap "exit 0" TERM; while :; do sleep 0.1; done'

# update_manifest FILE BUNDLE STRATEGY [HEALTH-FILE] [HEALTH-TIMEOUT-MS]
update_manifest() {
  local health='"health": {"exec": ["true"]},'
  [ -z "${4:-}" ] || health="\"health\": {\"exec\": [\"test\", \"-f\", \"$4\"]},"
  cat >"$1" <<JSON
{"services": [{"name": "web", "bundle": "$2", "restart": "always", "update": "$3", $health
               "health_interval_ms": 100, "health_timeout_ms": ${5:-5000}}]}
JSON
}

# A good hand-over: the new revision starts beside the old one and takes over
# once healthy; `status`, polled all along, never shows web without a healthy
# revision.
test_supervisor_hand_over() {
  service_bundle "$T/v1" "$LOOP"
  # v2 gets healthy 1.5 s after its start: long enough for the poller to
  # sample the hand-over a few times even when `ctl status` is slow under load.
  service_bundle "$T/v2" "sleep 1.5; touch /hostdir/v2-up; $LOOP"
  update_manifest "$T/m1.json" "$T/v1" hand-over
  update_manifest "$T/m2.json" "$T/v2" hand-over /hostdir/v2-up
  sup_start "$T/m1.json"
  wait_for 10 "web healthy" svc_healthy web
  local old new
  old=$(svc_field web pid)
  (while [ ! -e "$T/poll.stop" ]; do
    ctl status | awk '$1 == "web" { print $2, $7 }' >>"$T/poll.log"
    sleep 0.05
  done) &
  local poller=$!
  ctl update web "$T/m2.json" || fail "update failed: $(tail -n5 "$T/sup.log")"
  touch "$T/poll.stop"
  wait "$poller"
  assert_eq "web-2" "$(svc_field web id)" "web's container after the update"
  new=$(svc_field web pid)
  assert_ne "$old" "$new" "web's pid after the update"
  pid_gone "$old" || fail "the old revision (pid $old) still runs"
  [ ! -d "$T/sup/containers/web-1" ] || fail "web-1's state was not removed"
  local bad
  bad=$(grep -cv '^running healthy=yes$' "$T/poll.log" || true)
  [ "$bad" = 0 ] || fail "status showed web down $bad times: $(sort "$T/poll.log" | uniq -c | paste -sd';' -)"
  [ "$(wc -l <"$T/poll.log")" -ge 3 ] || fail "the poller saw only $(wc -l <"$T/poll.log") states"
  # The old revision stopped only after the new one was healthy.
  grep -n -e 'web-2 healthy: stopping web-1' -e 'web-1 stopped' "$T/sup.log" >"$T/order"
  assert_match "$(cat "$T/order")" $'healthy: stopping web-1\n[0-9]+:supervisor: web-1 stopped' "log order"
  sup_stop
}

# A bad hand-over: the new revision never gets healthy; it is stopped and the
# old one keeps running (the same init).
test_supervisor_hand_over_rollback() {
  service_bundle "$T/v1" "$LOOP"
  service_bundle "$T/v2" "$LOOP"
  update_manifest "$T/m1.json" "$T/v1" hand-over
  update_manifest "$T/m2.json" "$T/v2" hand-over /hostdir/never 800
  sup_start "$T/m1.json"
  wait_for 10 "web healthy" svc_healthy web
  local old
  old=$(svc_field web pid)
  assert_fail_with "not healthy in time; rolled back, web-1 keeps running" ctl update web "$T/m2.json"
  assert_eq "web-1 $old yes" "$(svc_field web id) $(svc_field web pid) $(svc_field web healthy)" \
    "web after the rollback"
  [ ! -d "$T/sup/containers/web-2" ] || fail "web-2 was not removed"
  sup_stop
}

# kill-then-download stops the old revision before the new one starts;
# download-then-kill with a broken bundle changes nothing.
test_supervisor_update_strategies() {
  service_bundle "$T/v1" "$LOOP"
  service_bundle "$T/v2" "$LOOP"
  update_manifest "$T/m1.json" "$T/v1" hand-over
  update_manifest "$T/m2.json" "$T/v2" kill-then-download
  mkdir "$T/broken"
  update_manifest "$T/m3.json" "$T/broken" download-then-kill
  sup_start "$T/m1.json"
  wait_for 10 "web healthy" svc_healthy web
  ctl update web "$T/m2.json" || fail "kill-then-download failed: $(tail -n5 "$T/sup.log")"
  assert_eq web-2 "$(svc_field web id)" "web after kill-then-download"
  grep -n -e 'web-1 stopped' -e 'web-2 started' "$T/sup.log" >"$T/order"
  assert_match "$(cat "$T/order")" $'web-1 stopped\n[0-9]+:supervisor: web-2 started' "log order"
  local pid
  pid=$(svc_field web pid)
  assert_fail_with "$T/broken/config.json" ctl update web "$T/m3.json"
  assert_eq "web-2 $pid" "$(svc_field web id) $(svc_field web pid)" "web after a failed download"
  sup_stop
}

# sup_kill9: a power cut of the supervisor (its containers keep running).
sup_kill9() {
  kill -9 "$SUP_PID" 2>/dev/null || true
  wait "$SUP_PID" 2>/dev/null || true
  cat "$T/sup.log" >>"$T/sup.all.log"
}

# A restarted supervisor adopts the running container (same init), notices
# its death through the pidfd and restarts it.
test_supervisor_restart_adopts() {
  service_bundle "$T/v1" "$LOOP"
  update_manifest "$T/m1.json" "$T/v1" hand-over
  sup_start "$T/m1.json"
  wait_for 10 "web healthy" svc_healthy web
  local pid
  pid=$(svc_field web pid)
  sup_kill9
  pid_alive "$pid" || fail "the container died with the supervisor"
  sup_start "$T/m1.json"
  wait_for 5 "adoption" log_has "web-1 adopted (pid $pid)"
  assert_eq "running $pid" "$(svc_field web state) $(svc_field web pid)" "web after the restart"
  kill -9 "$pid"
  wait_for 10 "the restart of web" log_has "web-2 started"
  wait_for 5 "web running" svc_is web running
  sup_stop
}

# crash_mid_update STEP V2-SCRIPT HEALTH-TIMEOUT: kill -9 of the supervisor at
# STEP of a hand-over; the restarted one must leave exactly one revision
# running, and print whether it completed or rolled back.
crash_mid_update() {
  local step=$1 v2=$2 timeout=$3 old
  rm -rf "$T/sup" "$T/hostdir" "$T/v1" "$T/v2"
  service_bundle "$T/v1" "$LOOP"
  service_bundle "$T/v2" "$v2"
  update_manifest "$T/m1.json" "$T/v1" hand-over
  update_manifest "$T/m2.json" "$T/v2" hand-over /hostdir/v2-up "$timeout"
  MINIRUN_SUPERVISOR_CRASH_AT=$step sup_start "$T/m1.json"
  wait_for 10 "web healthy" svc_healthy web
  old=$(svc_field web pid)
  ctl update web "$T/m2.json" >/dev/null 2>&1 || true
  wait_for 10 "the crash at $step" log_has "crash point $step"
  sup_kill9
  sup_start "$T/m1.json"
  wait_for 15 "web running after the restart" svc_is web running
  local ids
  ids=$(ls "$T/sup/containers" | paste -sd' ' -)
  assert_eq "$(svc_field web id)" "$ids" "containers after recovering from a crash at $step"
  svc_healthy web || fail "web not healthy after recovering from $step: $(ctl status)"
  OLD_PID=$old
  sup_stop
}

test_supervisor_crash_mid_hand_over() {
  local step v2='sleep 0.5; touch /hostdir/v2-up; '"$LOOP"
  for step in handover-intent handover-started handover-healthy handover-old-stopped; do
    crash_mid_update $step "$v2" 5000
    case $step in
    handover-intent)
      # web-2 was never created: the update is rolled back, web-1 adopted.
      assert_eq "web-1" "$(sed -n 's/.*\(web-[0-9]\) adopted.*/\1/p' "$T/sup.log")" "adopted after $step"
      ;;
    *)
      log_has "web-2 is healthy: completing" || fail "$step: the update was not completed: $(cat "$T/sup.log")"
      pid_gone "$OLD_PID" || fail "$step: the old revision still runs"
      ;;
    esac
  done
  # A new revision that never gets healthy: the restart rolls back.
  crash_mid_update handover-started "$LOOP" 800
  log_has "web-2 is not healthy: rolling back" || fail "no rollback: $(cat "$T/sup.log")"
}

# examples/two-services: the LED (busybox httpd) and the button (polling it
# over 127.0.0.1) in one network namespace, run by the supervisor, built by
# the example's own setup.sh.
test_two_services() {
  find_supervisor
  MINIRUN=$MINIRUN bash "$MINIRUN_SRCDIR/examples/two-services/setup.sh" "$T/demo" >/dev/null
  local b
  for b in led button; do
    jqset "$T/demo/$b" '.process.env += ["MR_TEST_TAG=" + $tag]' --arg tag "$MR_TEST_TAG"
  done
  sup_start "$T/demo/manifest.json"
  wait_for 15 "the button to see the led on" file_contains "$T/demo/shared/button.log" "button sees the led: on"
  echo off >"$T/demo/shared/led.state"
  wait_for 5 "the button to see the led off" file_contains "$T/demo/shared/button.log" "button sees the led: off"
  local led button
  led=$(svc_field led pid)
  button=$(svc_field button pid)
  assert_eq "$(readlink "/proc/$led/ns/net")" "$(readlink "/proc/$button/ns/net")" "the button's network namespace"
  assert_ne "$(host_ns net)" "$(readlink "/proc/$led/ns/net")" "the led's network namespace"
  svc_healthy led || fail "led not healthy: $(ctl status)"
  sup_stop
}

# TCP health checks: httpd on the host's loopback (no network namespace)
# becomes healthy; a service whose port never opens is killed after its
# health_timeout_ms and restarted by its policy.
test_supervisor_tcp_health() {
  local port=$((20000 + RANDOM % 20000)) closed=$((40000 + RANDOM % 20000))
  service_bundle "$T/web" "trap 'exit 0' TERM; busybox httpd -f -p 127.0.0.1:$port -h / & wait"
  jqset "$T/web" '.linux.namespaces |= map(select(.type != "network"))'
  service_bundle "$T/mute" "$LOOP"
  cat >"$T/m.json" <<JSON
{"services": [
  {"name": "web", "bundle": "$T/web", "health": {"tcp": $port}, "health_interval_ms": 100},
  {"name": "mute", "bundle": "$T/mute", "restart": "always", "backoff_ms": [100, 100],
   "health": {"tcp": $closed}, "health_interval_ms": 100, "health_timeout_ms": 500}
]}
JSON
  sup_start "$T/m.json"
  wait_for 10 "web healthy" svc_healthy web
  log_has "web-1 healthy after" || fail "no health message for web"
  wait_for 10 "mute killed" log_has "mute-1 not healthy within 500 ms: killing it"
  wait_for 10 "mute restarted" log_has "mute-2 started"
  svc_healthy mute && fail "mute is healthy without a listener on $closed"
  sup_stop
}
