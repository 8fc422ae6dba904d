# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2086
#
# test-stress.sh - status derivation under load (issue 10, defect 9: `state`
# once reported a created container as stopped). Bounded: MR_STRESS_LOOPS
# create -> state -> list -> delete rounds (default 8 in the suite, to fit its per-test timeout; the
# defect was hunted with 200) while two busy loops, started and killed here by
# PID, compete for the CPUs and a poller reads `state` concurrently; and
# three such creators in parallel for 15 s.
#
# Status is derived without a lock (libminirun/state.c state_status):
# stopped only when /proc/PID/stat is gone, shows a zombie, or a start time
# other than the one recorded at commit; created vs running from whether the
# init still holds exec.fifo open. For a live init waiting at the gate none
# of these can change: the start time is fixed at fork, a pid-namespace
# init ignores every signal from the host but SIGKILL, and a read of a fifo
# it holds read-write never sees EOF. These loops and 1,259 more rounds by
# hand (4 creators, half in the old-kernel mode, 2 CPU hogs, a fork loop
# wrapping pid_max=32768) never read anything but created.
#
# The defect was the moment state.json appeared: create wrote it before the
# init's last GO, so a create that died in between (the crash tests kill it
# exactly there: list_consistent reads `list`, then `state`) left an init
# that read as created while it was about to exit on EOF. Under load the
# init woke late: `list` said created, `state` stopped - and a `start` in
# that window succeeded with nothing run. Create now sends GO first
# (container.c commit_state); crash.created_after_a_crash_is_startable
# constructs the window (the init stopped after READY, the CLI killed at
# each step) and fails with the old order; `run` had the same window with
# its gate pipe (crash.running_after_a_crash_runs). Older candidate windows, closed
# before: an init sharing the caller's process group (now setsid), and
# `kill --all` reading the pid namespace of a recycled pid (now re-checked).

# busy_start: two CPU hogs; their PIDs go to BUSY_PIDS (killed by busy_stop).
busy_start() {
  BUSY_PIDS=()
  local i
  for i in 1 2; do
    (while :; do :; done) &
    BUSY_PIDS+=($!)
  done
  trap busy_stop EXIT
}

busy_stop() {
  local p
  for p in "${BUSY_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${BUSY_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  BUSY_PIDS=()
}

test_state_of_created_container_under_load() {
  local i n=${MR_STRESS_LOOPS:-8} st poller
  make_bundle "$T/b" sleep 100
  busy_start
  for i in $(seq "$n"); do
    echo "s$i" >>"$T/.mr-ids"
    timeout 30 $MR create --bundle "$T/b" "s$i" </dev/null >/dev/null 2>"$T/err" ||
      fail "round $i: create failed: $(cat "$T/err")"
    # A concurrent reader while this shell reads too.
    (for _ in 1 2 3; do $MR state "s$i" 2>&1 | jq -r .status; done >"$T/poll") &
    poller=$!
    st=$($MR state "s$i" | jq -r .status)
    assert_eq created "$st" "round $i: status right after create"
    st=$($MR list --format json | jq -r --arg id "s$i" '.[] | select(.id == $id) | .status')
    assert_eq created "$st" "round $i: status in list"
    wait "$poller"
    assert_eq "created created created" "$(xargs <"$T/poll")" "round $i: statuses read concurrently"
    assert_ok $MR delete --force "s$i"
  done
  busy_stop
}

# stress_worker W SECONDS: create -> state, state -> list -> delete rounds
# of its own ids until SECONDS have passed; "round N: ..." lines for every
# status that is not "created" go to $T/bad.W, the round count to $T/rounds.W.
stress_worker() {
  local w=$1 end=$((SECONDS + $2)) i=0 id st
  : >"$T/bad.$w"
  while [ $SECONDS -lt $end ]; do
    i=$((i + 1))
    id=p$w-$i
    echo "$id" >>"$T/.mr-ids"
    if ! timeout 30 $MR create --bundle "$T/b" "$id" </dev/null >/dev/null 2>"$T/err.$w"; then
      echo "round $i: create failed: $(cat "$T/err.$w")" >>"$T/bad.$w"
      continue
    fi
    for st in "$($MR state "$id" 2>&1 | jq -r .status 2>&1)" "$($MR state "$id" 2>&1 | jq -r .status 2>&1)" \
      "$($MR list --format json 2>&1 | jq -r --arg id "$id" '.[] | select(.id == $id) | .status' 2>&1)"; do
      [ "$st" = created ] || echo "round $i ($id): status '$st'" >>"$T/bad.$w"
    done
    $MR delete --force "$id" >/dev/null 2>>"$T/bad.$w" || echo "round $i: delete failed" >>"$T/bad.$w"
  done
  echo "$i" >"$T/rounds.$w"
}

# Defect 9 again, harder: three creators in parallel (their inits, states,
# lists and deletes interleaving, pids churning) under two CPU hogs, for a
# bounded 15 s. Every status read of a created container must say created.
test_state_parallel_creates_under_load() {
  local w pids=() rounds=0
  make_bundle "$T/b" sleep 100
  busy_start
  for w in 1 2 3; do
    stress_worker "$w" "${MR_STRESS_SECONDS:-15}" &
    pids+=($!)
  done
  for w in "${pids[@]}"; do wait "$w"; done
  busy_stop
  for w in 1 2 3; do
    [ -s "$T/bad.$w" ] && fail "worker $w: $(head -n 5 "$T/bad.$w" | paste -sd';' -)"
    rounds=$((rounds + $(cat "$T/rounds.$w")))
  done
  echo "rounds: $rounds"
  [ "$rounds" -ge 6 ] || fail "only $rounds rounds in total: the test proved nothing"
}
