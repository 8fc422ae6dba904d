# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-cgroup-res.sh - linux.resources enforced by the kernel on real
# containers: a fork bomb stopped by pids.limit, an allocation OOM-killed
# under memory.limit, CPU quota throttling seen in cpu.stat, a device denied
# by the devices rules (EPERM), `update` raising a limit that then lets the
# workload through, stats, and bad values refused with nothing left behind.
# Runs on whatever layout the host has (hybrid here; v1 and v2 in the VMs).

res_need() {
  grep -qE ' - cgroup2? ' /proc/self/mountinfo || skip "no cgroup hierarchy mounted"
}

# cg_find ID FILE [PATTERN]: the first of the container's cgroup directories
# (state.json cgroupPaths) holding FILE (whose text matches PATTERN); status
# 1 when none does. cg_file: the same, failing the test.
cg_find() {
  local d
  for d in $(jq -r '.cgroupPaths[]' "$T/state/$1/state.json"); do
    if [ -f "$d/$2" ] && { [ -z "${3:-}" ] || grep -qE "$3" "$d/$2"; }; then
      echo "$d/$2"
      return 0
    fi
  done
  return 1
}

cg_file() {
  cg_find "$@" || fail "container $1 has no cgroup file $2${3:+ matching $3}"
}

# set_resources DIR JSON: linux.resources = JSON (text kept as is).
set_resources() {
  jqset "$1" '.linux.resources = $r' --argjson r "$2"
}

# stat_of ID JQ-PATH: one figure of `minirun events --stats ID`.
stat_of() {
  $MR events --stats "$1" </dev/null | jq -r "$2"
}

test_pids_limit_stops_fork_bomb() {
  res_need
  # 40 background forks under pids.max 10: the shell (1) gets 9 children,
  # then its fork fails and it gives up (busybox sh exits 2).
  make_bundle "$T/b" sh -c 'for i in $(seq 40); do sleep 30 & echo $i; done'
  set_resources "$T/b" '{"pids": {"limit": 10}}'
  run_ctr c1 "$T/b"
  assert_eq 2 "$RC" "exit status of the shell whose fork failed"
  assert_contains "$ERR" "can't fork: Resource temporarily unavailable" "the failed fork"
  local n
  n=$(echo "$OUT" | tail -n1)
  [ "$n" -ge 5 ] && [ "$n" -le 9 ] || fail "$n children started under pids.limit 10"
}

test_memory_limit_oom_kills_allocation() {
  res_need
  # busybox dd allocates its block: 48 MiB under a 16 MiB limit is killed.
  make_bundle "$T/b" sh -c 'dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null; echo dd=$?'
  set_resources "$T/b" '{"memory": {"limit": 16777216}}'
  run_ok c1 "$T/b"
  assert_eq "dd=137" "$OUT" "dd under memory.limit 16 MiB (SIGKILL by the OOM killer)"
  # The same with room: it goes through (so the kill above was the limit).
  set_resources "$T/b" '{"memory": {"limit": 268435456}}'
  run_ok c2 "$T/b"
  assert_eq "dd=0" "$OUT" "dd under memory.limit 256 MiB"
}

test_update_raises_memory_limit() {
  res_need
  make_bundle "$T/b" sh -c 'until dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null; do echo oom; sleep 0.2; done; echo passed; sleep 100'
  # swap = limit: on v1 memsw must stay >= the limit, so raising both writes
  # memsw first (the ordered pair), lowering the limit first.
  set_resources "$T/b" '{"memory": {"limit": 16777216, "swap": 16777216}}'
  run_d_ok c1 "$T/b"
  wait_for 10 "an OOM kill under 16 MiB" file_contains "$T/c1.out" oom
  local kills
  kills=$(stat_of c1 '.data.memory.oom_kill')
  [ "$kills" -ge 1 ] || fail "stats oom_kill $kills after an OOM kill"
  assert_not_contains "$(cat "$T/c1.out")" passed "before the update"
  echo '{"memory": {"limit": 268435456, "swap": 268435456}}' >"$T/res.json"
  assert_ok $MR update --resources "$T/res.json" c1
  wait_for 10 "the allocation to pass after update" file_contains "$T/c1.out" passed
  # And back down with a flag (limit first, then memsw on v1).
  assert_ok $MR update --memory 32m --memory-swap 32m c1
  local f
  f=$(cg_find c1 memory.max || cg_file c1 memory.limit_in_bytes)
  assert_eq 33554432 "$(cat "$f")" "memory limit after update --memory 32m"
  ctr_cleanup c1
}

test_cpu_quota_throttles() {
  res_need
  make_bundle "$T/b" sh -c 'while :; do :; done'
  set_resources "$T/b" '{"cpu": {"quota": 10000, "period": 100000}}'
  run_d_ok c1 "$T/b"
  local stat
  stat=$(cg_file c1 cpu.stat nr_throttled)
  throttled() { [ "$(awk '$1 == "nr_throttled" { print $2 }' "$stat")" -gt 2 ]; }
  wait_for 10 "cpu.stat nr_throttled > 2" throttled
  # 10% of one CPU: the loop gets ~0.1 s per second of wall time (allow 0.3).
  local a b t0 t1
  t0=$(date +%s%N)
  a=$(stat_of c1 .data.cpu.usage.total)
  sleep 1
  b=$(stat_of c1 .data.cpu.usage.total)
  t1=$(date +%s%N)
  [ $(((b - a) * 10)) -lt $(((t1 - t0) * 3)) ] ||
    fail "busy loop used $(((b - a) / 1000000)) ms of CPU in $(((t1 - t0) / 1000000)) ms under a 10% quota"
  [ $((b - a)) -gt 0 ] || fail "no CPU time counted for a busy loop"
  ctr_cleanup c1
}

test_device_denied_eperm() {
  res_need
  [ -c /dev/loop-control ] || skip "no /dev/loop-control to bind"
  make_bundle "$T/b" sh -c ': </dev/lc && echo open-ok'
  add_bind "$T/b" /dev/loop-control /dev/lc bind
  set_resources "$T/b" '{"devices": [{"allow": false, "access": "rwm"}]}'
  run_ctr c1 "$T/b"
  assert_contains "$ERR" "Operation not permitted" "open of c 10:237 under a deny-all rule"
  assert_not_contains "$OUT" open-ok "open of c 10:237 under a deny-all rule"
  # An allow rule for it (after the deny-all) lets it open.
  set_resources "$T/b" '{"devices": [{"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}]}'
  run_ok c2 "$T/b"
  assert_eq open-ok "$OUT" "open of c 10:237 allowed by a rule"
}

test_update_flags() {
  res_need
  make_bundle "$T/b" sleep 100
  set_resources "$T/b" '{"pids": {"limit": 100}}'
  run_d_ok c1 "$T/b"
  assert_ok $MR update --pids-limit 50 --cpu-quota 20000 --cpu-period 100000 --cpuset-cpus 0 c1
  assert_eq 50 "$(cat "$(cg_file c1 pids.max)")" "pids.max after update"
  local q
  if q=$(cg_find c1 cpu.cfs_quota_us); then
    assert_eq 20000 "$(cat "$q")" "cpu.cfs_quota_us after update"
  else
    assert_eq "20000 100000" "$(cat "$(cg_file c1 cpu.max)")" "cpu.max after update"
  fi
  assert_eq 0 "$(cat "$(cg_file c1 cpuset.cpus)")" "cpuset.cpus after update"
  # -r - reads stdin.
  echo '{"pids": {"limit": 42}}' | $MR update -r - c1 2>"$T/err" || fail "update -r -: $(cat "$T/err")"
  assert_eq 42 "$(cat "$(cg_file c1 pids.max)")" "pids.max after update -r -"
  # A bad value changes nothing and names the field.
  assert_fail_with "linux.resources.pids.limit" $MR update --pids-limit -5 c1
  assert_fail_with "linux.resources.memory.swap" $MR update --memory 64m --memory-swap 32m c1
  assert_eq 42 "$(cat "$(cg_file c1 pids.max)")" "pids.max after refused updates"
  assert_fail_with "either --resources or" $MR update -r - --pids-limit 3 c1
  assert_fail_with "not a size" $MR update --memory 12q c1
  assert_fail_with "does not exist" $MR update --pids-limit 3 nosuch
  ctr_cleanup c1
}

test_stats_plausible() {
  res_need
  make_bundle "$T/b" sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=8 2>/dev/null; echo ready; sleep 100 & wait'
  set_resources "$T/b" '{"memory": {"limit": 134217728}, "pids": {"limit": 20}}'
  run_d_ok c1 "$T/b"
  wait_for 10 "the container to fill /dev/shm" file_contains "$T/c1.out" ready
  local json usage peak pids cpu kills
  json=$($MR events --stats c1 </dev/null)
  assert_eq stats "$(echo "$json" | jq -r .type)" "events --stats type"
  usage=$(echo "$json" | jq -r .data.memory.usage.usage)
  peak=$(echo "$json" | jq -r '.data.memory.usage.max // empty')
  pids=$(echo "$json" | jq -r .data.pids.current)
  cpu=$(echo "$json" | jq -r .data.cpu.usage.total)
  kills=$(echo "$json" | jq -r .data.memory.oom_kill)
  # 8 MiB of tmpfs pages are charged to the container's memory cgroup.
  [ "$usage" -ge 8388608 ] && [ "$usage" -le 134217728 ] || fail "memory usage $usage with 8 MiB in /dev/shm"
  [ -z "$peak" ] || [ "$peak" -ge "$usage" ] || fail "memory peak $peak below usage $usage"
  assert_eq 2 "$pids" "pids current (sh + sleep)"
  [ "$cpu" -gt 0 ] && [ "$cpu" -lt 10000000000 ] || fail "cpu usage $cpu ns"
  assert_eq 0 "$kills" "oom kills"
  ctr_cleanup c1
  assert_fail_with "does not exist" $MR events --stats c1
}

# bad_row JQ-RESOURCES EXPECTED: create must fail naming the field, and leave
# no state, process or cgroup directory.
bad_row() {
  jqset "$T/b" '.linux.resources = $r' --argjson r "$1"
  assert_fail_with "$2" $MR create --bundle "$T/b" bad
  assert_nothing_left "resources $1"
}

test_bad_resource_values_memory_cpu() {
  res_need
  make_bundle "$T/b" true
  echo bad >>"$T/.mr-ids"
  bad_row '{"memory": {"limit": -5}}' "config.json: linux.resources.memory.limit: -5 is negative"
  bad_row '{"memory": {"limit": 123456789012345678901234567890}}' "linux.resources.memory.limit"
  bad_row '{"memory": {"limit": 1000000, "swap": 5}}' "linux.resources.memory.swap: 5 is below"
  bad_row '{"memory": {"reservation": -9}}' "linux.resources.memory.reservation: -9 is negative"
  bad_row '{"memory": {"limit": "lots"}}' "linux.resources.memory.limit"
  bad_row '{"cpu": {"shares": 1}}' "linux.resources.cpu.shares: 1 is outside 2..262144"
  bad_row '{"cpu": {"quota": -3}}' "linux.resources.cpu.quota: -3 is negative"
  bad_row '{"cpu": {"idle": 5}}' "linux.resources.cpu.idle: 5 is neither 0 nor 1"
  bad_row '{"cpu": {"cpus": "0-x"}}' "linux.resources.cpu.cpus: '0-x' is not a list"
  bad_row '{"cpu": {"mems": "5-2"}}' "linux.resources.cpu.mems: '5-2' is not a list"
  # Valid syntax the kernel refuses: the file and value are named.
  bad_row '{"cpu": {"cpus": "1000"}}' "config.json: linux.resources.cpu.cpus: writing '1000' to cpuset.cpus"
  bad_row '{"cpu": {"quota": 10, "period": 100000}}' "linux.resources.cpu.quota: writing"
}

test_bad_resource_values_others() {
  res_need
  make_bundle "$T/b" true
  echo bad >>"$T/.mr-ids"
  bad_row '{"pids": {"limit": -2}}' "linux.resources.pids.limit: -2 is negative"
  bad_row '{"blockIO": {"weight": 5}}' "linux.resources.blockIO.weight: 5 is outside 10..1000"
  bad_row '{"blockIO": {"throttleReadBpsDevice": [{"major": -1, "minor": 0, "rate": 1}]}}' \
    "linux.resources.blockIO.throttleReadBpsDevice[0]: negative device number"
  bad_row '{"hugepageLimits": [{"pageSize": "3MB", "limit": 1}]}' \
    "linux.resources.hugepageLimits[0].pageSize: the host has no 3MB huge pages"
  bad_row '{"hugepageLimits": [{"pageSize": "big", "limit": 1}]}' \
    "linux.resources.hugepageLimits[0].pageSize: 'big' is not a page size"
  if grep -qE ' - cgroup2 ' /proc/self/mountinfo; then
    bad_row '{"unified": {"../../x.y": "1"}}' "not a cgroup file name"
    bad_row '{"unified": {"nosuch.file": "1"}}' \
      "linux.resources.unified.nosuch.file: the nosuch controller is not on the cgroup v2 hierarchy"
    bad_row '{"unified": {"cgroup.procs": "1"}}' "linux.resources.unified.cgroup.procs: is managed"
  else
    bad_row '{"unified": {"memory.high": "1"}}' \
      "linux.resources.unified: needs cgroup v2 (the host has only v1)"
  fi
  bad_row '{"devices": [{"allow": true, "access": "rwx"}]}' \
    "linux.resources.devices[0].access: 'rwx' is not a combination"
  bad_row '{"devices": [{"allow": true, "type": "q", "access": "r"}]}' "linux.resources.devices[0].type"
  if ! grep -qE ' - cgroup .*net_cls' /proc/self/mountinfo; then
    bad_row '{"network": {"classID": 1}}' \
      "linux.resources.network.classID: the host has no net_cls cgroup controller"
  fi
  if [ -d /sys/fs/cgroup/unified ] && ! grep -qw memory /sys/fs/cgroup/unified/cgroup.controllers; then
    bad_row '{"unified": {"memory.high": "1"}}' \
      "linux.resources.unified.memory.high: the memory controller is not on the cgroup v2 hierarchy"
  fi
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then # pure v2
    bad_row '{"memory": {"swappiness": 10}}' "linux.resources.memory.swappiness: cgroup v2 has no"
  else
    bad_row '{"memory": {"swappiness": 101}}' "linux.resources.memory.swappiness: 101 is above 100"
  fi
}

test_kernel_memory_warned_and_skipped() {
  res_need
  make_bundle "$T/b" true
  set_resources "$T/b" '{"memory": {"limit": 67108864, "kernel": 1048576, "kernelTCP": 1048576}}'
  run_ok c1 "$T/b"
  assert_contains "$ERR" "linux.resources.memory.kernel: not supported by the kernel; ignored"
  assert_contains "$ERR" "linux.resources.memory.kernelTCP: not supported by the kernel; ignored"
}

# hugetlb goes wherever the host has it: on this hybrid host the unified
# tree (the v1 hierarchies lack it). A limit of 0 pages: mapping one fails.
test_hugetlb_limit_where_the_controller_is() {
  res_need
  grep -qE ' - cgroup2? .*hugetlb|hugetlb' /proc/self/mountinfo /sys/fs/cgroup/cgroup.controllers \
    /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || skip "no hugetlb controller"
  [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
  make_bundle "$T/b" sleep 100
  set_resources "$T/b" '{"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}'
  run_d_ok c1 "$T/b"
  local f
  f=$(cg_find c1 hugetlb.2MB.max || cg_file c1 hugetlb.2MB.limit_in_bytes)
  assert_eq 0 "$(cat "$f")" "$f"
  ctr_cleanup c1
}

# update --resources with device rules replaces the previous ones (v1: new
# devices.allow writes; v2: the BPF program replaced).
test_update_devices() {
  res_need
  [ -c /dev/loop-control ] || skip "no /dev/loop-control to bind"
  make_bundle "$T/b" sh -c 'until sh -c ": </dev/lc" 2>/dev/null; do echo denied; sleep 0.3; done; echo open-ok; sleep 100 & wait'
  add_bind "$T/b" /dev/loop-control /dev/lc bind
  set_resources "$T/b" '{"devices": [{"allow": false, "access": "rwm"}]}'
  run_d_ok c1 "$T/b"
  wait_for 10 "a denied open" file_contains "$T/c1.out" denied
  assert_not_contains "$(cat "$T/c1.out")" open-ok "before the update"
  echo '{"devices": [{"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}]}' >"$T/res.json"
  assert_ok $MR update -r "$T/res.json" c1
  wait_for 10 "the open allowed after update" file_contains "$T/c1.out" open-ok
  ctr_cleanup c1
}

# The config's linux.devices nodes stay usable under a deny-all, at create
# and after an update that replaces the rules (as runc).
test_linux_devices_allowed_under_deny_all() {
  res_need
  make_bundle "$T/b" sh -c 'while :; do if sh -c ": </dev/lc2" 2>/dev/null; then echo ok; else echo denied; fi; sleep 0.2; done'
  jqset "$T/b" '.linux.devices = [{"path": "/dev/lc2", "type": "c", "major": 10, "minor": 237}]'
  set_resources "$T/b" '{"devices": [{"allow": false, "access": "rwm"}]}'
  run_d_ok c1 "$T/b"
  wait_for 10 "a first open" file_contains "$T/c1.out" ok
  echo '{"devices": [{"allow": false, "access": "rwm"}], "pids": {"limit": 50}}' >"$T/res.json"
  assert_ok $MR update -r "$T/res.json" c1
  # (not "n": wait_for has a local n)
  local lines_before
  lines_before=$(wc -l <"$T/c1.out")
  more_lines() { [ "$(wc -l <"$T/c1.out")" -ge $((lines_before + 3)) ]; }
  wait_for 10 "three more opens" more_lines
  assert_not_contains "$(cat "$T/c1.out")" denied "opens of the config's /dev/lc2"
  ctr_cleanup c1
}

# Lowering quota and burst together: the kernel wants burst <= quota at all
# times, so the burst goes first (the ordered pair), raising the quota first.
test_update_cpu_quota_and_burst() {
  res_need
  make_bundle "$T/b" sleep 100
  set_resources "$T/b" '{"cpu": {"quota": 50000, "period": 100000, "burst": 30000}}'
  run_d_ok c1 "$T/b"
  local burst
  burst=$(cg_find c1 cpu.max.burst || cg_file c1 cpu.cfs_burst_us)
  assert_eq 30000 "$(cat "$burst")" "burst at create"
  echo '{"cpu": {"quota": 20000, "burst": 10000}}' >"$T/res.json"
  assert_ok $MR update -r "$T/res.json" c1
  assert_eq 10000 "$(cat "$burst")" "burst lowered"
  echo '{"cpu": {"quota": 90000, "burst": 60000}}' >"$T/res.json"
  assert_ok $MR update -r "$T/res.json" c1
  assert_eq 60000 "$(cat "$burst")" "burst raised"
  ctr_cleanup c1
}

# memory.checkBeforeUpdate: a limit below the current usage is refused by us
# (naming the usage) before the kernel is asked.
test_update_check_before_update() {
  res_need
  make_bundle "$T/b" sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=8 2>/dev/null; echo ready; sleep 100 & wait'
  set_resources "$T/b" '{"memory": {"limit": 134217728}}'
  run_d_ok c1 "$T/b"
  wait_for 10 "the container to fill /dev/shm" file_contains "$T/c1.out" ready
  local f
  f=$(cg_find c1 memory.max || cg_file c1 memory.limit_in_bytes)
  echo '{"memory": {"limit": 4194304, "checkBeforeUpdate": true}}' >"$T/res.json"
  assert_fail_with "linux.resources.memory.limit: 4194304 is below the current usage" \
    $MR update -r "$T/res.json" c1
  assert_eq 134217728 "$(cat "$f")" "limit after the refused update"
  echo '{"memory": {"limit": 67108864, "checkBeforeUpdate": true}}' >"$T/res.json"
  assert_ok $MR update -r "$T/res.json" c1
  assert_eq 67108864 "$(cat "$f")" "limit above the usage"
  ctr_cleanup c1
}

# blockIO throttles land in the file of the host's layout for a real disk
# (enforcement needs direct I/O on a disk the container may read: not here).
test_block_io_throttle_written() {
  res_need
  local dev
  dev=$(cat "$(ls -d /sys/block/vd* /sys/block/sd* /sys/block/nvme* 2>/dev/null | head -n1)/dev" 2>/dev/null) ||
    skip "no disk in /sys/block"
  make_bundle "$T/b" sleep 100
  set_resources "$T/b" "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"rate\": 1048576}]}}"
  run_d_ok c1 "$T/b"
  local f
  if f=$(cg_find c1 blkio.throttle.read_bps_device); then
    assert_contains "$(cat "$f")" "$dev 1048576" "$f"
  else
    assert_contains "$(cat "$(cg_file c1 io.max)")" "$dev rbps=1048576" "io.max"
  fi
  ctr_cleanup c1
}
