# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2086
#
# test-stress.sh - status derivation under load (issue 10, defect 9: `state`
# once reported a created container as stopped). Bounded: MR_STRESS_LOOPS
# create -> state -> list -> delete rounds (default 8 in the suite, to fit its per-test timeout; the
# defect was hunted with 200) while two busy loops, started and killed here by
# PID, compete for the CPUs and a poller reads `state` concurrently.

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
