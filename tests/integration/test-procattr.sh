# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-procattr.sh - what the init sets on itself before the user's program
# runs: linux.sysctl, process.oomScoreAdj, ioPriority, scheduler,
# execCPUAffinity, linux.memoryPolicy and the LSM fields; and that the
# runtime's procfs writes cannot be redirected by mounts the bundle places
# over /proc (runc CVE-2025-52881). Each is checked from inside a real
# container; bad values must fail create with the JSON path and leave
# nothing behind.

# expect_refused MSG JQ-EDIT [jq options...]: a fresh bundle edited with
# JQ-EDIT fails `run` with MSG in stderr, and no state is left.
expect_refused() {
  local msg=$1 edit=$2
  shift 2
  rm -rf "$T/bad"
  make_bundle "$T/bad" true
  jqset "$T/bad" "$edit" "$@"
  assert_fail_with "$msg" $MR run --bundle "$T/bad" bad1
  assert_no_state
}

# with_ns DIR TYPE: adds a new namespace of TYPE unless the config has one.
with_ns() {
  jqset "$1" 'if any(.linux.namespaces[]; .type == $t) then . else .linux.namespaces += [{"type": $t}] end' --arg t "$2"
}

without_ns() {
  jqset "$1" '.linux.namespaces |= map(select(.type != $t))' --arg t "$2"
}

# ---------------------------------------------------------------------------
# linux.sysctl
# ---------------------------------------------------------------------------

test_sysctl_namespaced_keys() {
  local host_fwd host_shm host_dom
  host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  host_shm=$(cat /proc/sys/kernel/shmmax)
  host_dom=$(cat /proc/sys/kernel/domainname)
  make_bundle "$T/b" sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax \
                                /proc/sys/kernel/domainname /proc/sys/fs/mqueue/msg_max'
  with_ns "$T/b" network
  with_ns "$T/b" ipc
  with_ns "$T/b" uts
  # Both separators: "kernel/shmmax" is a path, the others dotted keys.
  jqset "$T/b" '.linux.sysctl = {"net.ipv4.ip_forward": ((1 - ($fwd | tonumber)) | tostring),
                                 "kernel/shmmax": "123456789",
                                 "kernel.domainname": "sysctl.example",
                                 "fs.mqueue.msg_max": "17"}' --arg fwd "$host_fwd"
  run_ok c1 "$T/b"
  assert_eq "$((1 - host_fwd))
123456789
sysctl.example
17" "$OUT" "sysctls read back inside"
  assert_eq "$host_fwd" "$(cat /proc/sys/net/ipv4/ip_forward)" "host net.ipv4.ip_forward"
  assert_eq "$host_shm" "$(cat /proc/sys/kernel/shmmax)" "host kernel.shmmax"
  assert_eq "$host_dom" "$(cat /proc/sys/kernel/domainname)" "host kernel.domainname"
}

# A network namespace joined by path is the container's own when it is not
# the runtime's: the sysctl lands there.
test_sysctl_joined_netns() {
  make_bundle "$T/a" sleep 30
  with_ns "$T/a" network
  run_d_ok a1 "$T/a"
  local pid
  pid=$(ctr_pid a1)
  make_bundle "$T/b" cat /proc/sys/net/ipv4/conf/lo/forwarding
  jqset "$T/b" '.linux.namespaces |= map(select(.type != "network")) + [{"type": "network", "path": $p}]
                | .linux.sysctl = {"net/ipv4/conf/lo/forwarding": "1"}' --arg p "/proc/$pid/ns/net"
  run_ok b1 "$T/b"
  assert_eq 1 "$OUT" "net.ipv4.conf.lo.forwarding in the joined namespace"
  assert_eq 0 "$(cat /proc/sys/net/ipv4/conf/lo/forwarding)" "host lo forwarding"
  ctr_cleanup a1
}

test_sysctl_refused_keys() {
  expect_refused '"kernel.panic" is not in a separate kernel namespace' \
    '.linux.sysctl = {"kernel.panic": "1"}'
  expect_refused '"vm/swappiness" is not in a separate kernel namespace' \
    '.linux.sysctl = {"vm/swappiness": "10"}'
  expect_refused '"net.ipv4.ip_forward" needs a network namespace' \
    '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  expect_refused "joins the runtime's own network namespace" \
    '.linux.namespaces |= map(select(.type != "network")) + [{"type": "network", "path": "/proc/self/ns/net"}]
     | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  expect_refused '"kernel.shmmax" needs an ipc namespace' \
    '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"kernel.shmmax": "1"}'
  expect_refused '"fs.mqueue.msg_max" needs an ipc namespace' \
    '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"fs.mqueue.msg_max": "5"}'
  expect_refused '"kernel.domainname" needs a uts namespace' \
    '.linux.namespaces |= map(select(.type != "uts")) | del(.hostname) | .linux.sysctl = {"kernel.domainname": "x"}'
  expect_refused '"kernel.hostname" conflicts with the "hostname" field' \
    '.hostname = "h" | .linux.sysctl = {"kernel.hostname": "x"}'
  expect_refused '"net/../kernel/panic": not a valid key' \
    '.linux.sysctl = {"net/../kernel/panic": "1"}'
  expect_refused '"net..ipv4": not a valid key' '.linux.sysctl = {"net..ipv4": "1"}'
  expect_refused 'linux.sysctl.net.ipv4.ip_forward: expected string' '.linux.sysctl = {"net.ipv4.ip_forward": 1}'
}

# A key that does not exist on this kernel, a value the kernel refuses: the
# child's error reaches the caller with the key, and nothing is left.
test_sysctl_kernel_refuses() {
  make_bundle "$T/b" true
  with_ns "$T/b" network
  jqset "$T/b" '.linux.sysctl = {"net.ipv4.no_such_key": "1"}'
  assert_fail_with "linux.sysctl: open /proc/sys/net/ipv4/no_such_key" $MR run --bundle "$T/b" c1
  assert_no_state
  jqset "$T/b" '.linux.sysctl = {"net.ipv4.ip_forward": "banana"}'
  assert_fail_with "linux.sysctl: write /proc/sys/net/ipv4/ip_forward" $MR run --bundle "$T/b" c1
  assert_no_state
}

# ---------------------------------------------------------------------------
# CVE-2025-52881: the bundle mounts something over the files the runtime
# writes. The write must never land in the mounted file.
# ---------------------------------------------------------------------------

test_procfs_redirect_sysctl_by_bind() {
  echo decoy >"$T/decoy"
  make_bundle "$T/b" sh -c 'cat /proc/sys/net/ipv4/ip_forward'
  with_ns "$T/b" network
  jqset "$T/b" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
    | .mounts += [{"destination": "/proc/sys/net/ipv4/ip_forward", "type": "bind",
                   "source": $d, "options": ["bind", "rw"]}]' --arg d "$T/decoy"
  run_ctr c1 "$T/b"
  assert_eq decoy "$(cat "$T/decoy")" "the file bound over /proc/sys/net/ipv4/ip_forward"
  [ "$RC" -eq 0 ] || fail "run failed: $ERR"
  assert_eq decoy "$OUT" "what the container sees through the bind"
}

# A whole directory of /proc/sys hidden under a tmpfs holding a planted
# file of the same name.
test_procfs_redirect_sysctl_by_tmpfs() {
  make_bundle "$T/b" sh -c 'cat /proc/sys/net/ipv4/ip_forward'
  with_ns "$T/b" network
  jqset "$T/b" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
    | .mounts += [{"destination": "/proc/sys/net/ipv4", "type": "tmpfs", "source": "tmpfs",
                   "options": ["rw"]}]'
  # The real value, seen from a second container in the same namespace.
  jqset "$T/b" '.process.args = ["sh", "-c", "echo planted >/proc/sys/net/ipv4/ip_forward; sleep 30"]'
  jqset "$T/b" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  run_d_ok c1 "$T/b"
  local pid
  pid=$(ctr_pid c1)
  make_bundle "$T/r" sh -c 'cat /proc/sys/net/ipv4/ip_forward'
  jqset "$T/r" '.linux.namespaces |= map(select(.type != "network")) + [{"type": "network", "path": $p}]' \
    --arg p "/proc/$pid/ns/net"
  run_ok r1 "$T/r"
  assert_eq 1 "$OUT" "ip_forward of the container's network namespace"
  ctr_cleanup c1
}

test_procfs_redirect_oom_score_adj() {
  echo decoy >"$T/decoy"
  # busybox runs cat inside the shell (no fork): a subshell (not the last
  # command, which ash would run without forking) reads as another process,
  # which the bind on the init's own entry does not cover.
  make_bundle "$T/b" sh -c 'cat /proc/$$/oom_score_adj; (cat /proc/self/oom_score_adj); true'
  jqset "$T/b" '.process.oomScoreAdj = 600
    | .mounts += [{"destination": "/proc/self/oom_score_adj", "type": "bind",
                   "source": $d, "options": ["bind", "rw"]}]' --arg d "$T/decoy"
  run_ctr c1 "$T/b"
  assert_eq decoy "$(cat "$T/decoy")" "the file bound over the init's oom_score_adj"
  [ "$RC" -eq 0 ] || fail "run failed: $ERR"
  assert_eq "decoy
600" "$OUT" "the bind (init) and the real value (a child)"
}

# ---------------------------------------------------------------------------
# process.oomScoreAdj
# ---------------------------------------------------------------------------

test_oom_score_adj() {
  local host
  host=$(cat /proc/self/oom_score_adj)
  make_bundle "$T/b" sh -c 'cat /proc/self/oom_score_adj'
  # Any value at or above the runner's may be set without CAP_SYS_RESOURCE:
  # one between it and 1000 (1000 itself when the runner is at 1000).
  local want=$(((host + 1001) / 2))
  [ "$want" -le 1000 ] || want=1000
  jqset "$T/b" '.process.oomScoreAdj = ($v | tonumber)' --arg v "$want"
  run_ok c1 "$T/b"
  assert_eq "$want" "$OUT" "oom_score_adj inside"
  assert_eq "$host" "$(cat /proc/self/oom_score_adj)" "the caller's oom_score_adj"
}

test_oom_score_adj_refused() {
  expect_refused 'process.oomScoreAdj: 1001 is out of range' '.process.oomScoreAdj = 1001'
  expect_refused 'process.oomScoreAdj: -1001 is out of range' '.process.oomScoreAdj = -1001'
  expect_refused 'process.oomScoreAdj' '.process.oomScoreAdj = "high"'
  # Below the kernel's oom_score_adj_min (inherited, set only by holders of
  # CAP_SYS_RESOURCE, which root lacks here) the write is refused. That
  # minimum cannot be read: a subshell finds out whether the runner itself
  # may write -1000, and the runtime must then do the same.
  if (echo -1000 >/proc/self/oom_score_adj) 2>/dev/null; then
    make_bundle "$T/b" sh -c 'cat /proc/self/oom_score_adj'
    jqset "$T/b" '.process.oomScoreAdj = -1000'
    run_ok c1 "$T/b"
    assert_eq -1000 "$OUT" "oom_score_adj inside (the runner may lower it)"
    return 0
  fi
  expect_refused "needs CAP_SYS_RESOURCE" '.process.oomScoreAdj = -1000'
}

# ---------------------------------------------------------------------------
# process.ioPriority
# ---------------------------------------------------------------------------

# ioprio_get(IOPRIO_WHO_PROCESS, PID) as "class prio", from the host.
ioprio_of() {
  python3 - "$1" <<'PY'
import ctypes, os, platform, sys
nr = {"x86_64": 252, "aarch64": 31, "armv7l": 315, "i686": 290, "riscv64": 31}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
v = libc.syscall(nr, 1, int(sys.argv[1]))
if v < 0:
    sys.exit("ioprio_get: " + os.strerror(ctypes.get_errno()))
print(v >> 13, v & 0xff)
PY
}

check_ioprio() { # CLASS-NAME PRIO EXPECTED-CLASS-NUMBER
  command -v python3 >/dev/null || skip "python3 needed to read the io priority"
  make_bundle "$T/b$1" sleep 30
  jqset "$T/b$1" '.process.ioPriority = {"class": $c, "priority": ($p | tonumber)}' --arg c "$1" --arg p "$2"
  run_d_ok "c$2" "$T/b$1"
  assert_eq "$3 $2" "$(ioprio_of "$(ctr_pid "c$2")")" "ioprio of the container with $1/$2"
  ctr_cleanup "c$2"
}

test_io_priority() {
  check_ioprio IOPRIO_CLASS_BE 6 2
  check_ioprio IOPRIO_CLASS_IDLE 7 3
  check_ioprio IOPRIO_CLASS_RT 3 1
}

test_io_priority_refused() {
  expect_refused 'process.ioPriority.class: unknown class "IOPRIO_CLASS_FOO"' \
    '.process.ioPriority = {"class": "IOPRIO_CLASS_FOO", "priority": 1}'
  expect_refused 'process.ioPriority.priority: 8 is out of range 0..7' \
    '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 8}'
  expect_refused 'process.ioPriority.priority: -1 is out of range 0..7' \
    '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": -1}'
  expect_refused 'process.ioPriority.class: missing' '.process.ioPriority = {"priority": 1}'
}

# ---------------------------------------------------------------------------
# process.scheduler
# ---------------------------------------------------------------------------

# Prints "policy prio" of /proc/self/sched and "nice" of /proc/self/stat.
SCHED_SHOW='sed -n "s/^\(policy\|prio\) *: *//p" /proc/self/sched | tr "\n" " "; cut -d" " -f19 /proc/self/stat'

test_scheduler_batch_nice() {
  make_bundle "$T/b" sh -c "$SCHED_SHOW"
  jqset "$T/b" '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
  run_ok c1 "$T/b"
  assert_eq "3 127 7" "$OUT" "policy (3 = SCHED_BATCH), prio and nice inside"
}

# With RT group scheduling a new v1 cpu cgroup gets no real-time runtime
# (cpu.rt_runtime_us 0), so a real-time policy fails there, as under runc:
# this test is about sched_setattr, so it runs without cgroups on such hosts;
# scheduler_fifo_cgroup_v1 checks the error.
rt_group_sched() { [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; }

test_scheduler_fifo() {
  make_bundle "$T/b" sh -c "$SCHED_SHOW"
  jqset "$T/b" '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}'
  if rt_group_sched; then MR="$MR --cgroup-manager disabled"; fi
  run_ok c1 "$T/b"
  # A real-time policy keeps the nice value inherited from the runner.
  assert_eq "1 89 $(nice)" "$OUT" "policy (1 = SCHED_FIFO), prio (99 - 10) and the runner's nice inside"
}

test_scheduler_fifo_cgroup_v1() {
  rt_group_sched || skip "no v1 cpu controller with RT group scheduling here"
  make_bundle "$T/b" sh -c "$SCHED_SHOW"
  jqset "$T/b" '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}'
  assert_fail_with "linux.resources.cpu.realtimeRuntime" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_scheduler_idle() {
  make_bundle "$T/b" sh -c "$SCHED_SHOW"
  jqset "$T/b" '.process.scheduler = {"policy": "SCHED_IDLE"}'
  run_ok c1 "$T/b"
  assert_match "$OUT" '^5 ' "policy (5 = SCHED_IDLE) inside"
}

# A deadline task may not fork unless its children reset: the shell reads
# its own /proc entry with builtins only.
test_scheduler_deadline() {
  make_bundle "$T/b" sh -c 'while read -r k c v; do case $k in policy) echo "$v";; esac; done </proc/$$/sched'
  jqset "$T/b" '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 2000000,
                                      "deadline": 10000000, "period": 20000000,
                                      "flags": ["SCHED_FLAG_RESET_ON_FORK"]}'
  run_ok c1 "$T/b"
  assert_eq 6 "$OUT" "policy (6 = SCHED_DEADLINE) of the init"
}

test_scheduler_refused() {
  expect_refused 'process.scheduler.policy: unknown policy "SCHED_FAST"' \
    '.process.scheduler = {"policy": "SCHED_FAST"}'
  expect_refused 'SCHED_ISO is not implemented by Linux' '.process.scheduler = {"policy": "SCHED_ISO"}'
  expect_refused 'process.scheduler.policy: missing' '.process.scheduler = {"nice": 1}'
  expect_refused 'process.scheduler.priority: only SCHED_FIFO and SCHED_RR' \
    '.process.scheduler = {"policy": "SCHED_OTHER", "priority": 5}'
  expect_refused 'process.scheduler.priority: 0 is out of range 1..99' \
    '.process.scheduler = {"policy": "SCHED_RR"}'
  expect_refused 'process.scheduler.priority: 100 is out of range 1..99' \
    '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 100}'
  expect_refused 'process.scheduler.nice: 20 is out of range' \
    '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 20}'
  expect_refused 'runtime, deadline and period are only for SCHED_DEADLINE' \
    '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 1, "runtime": 100}'
  expect_refused 'SCHED_DEADLINE needs runtime <= deadline <= period' \
    '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 200, "deadline": 100}'
  expect_refused 'SCHED_DEADLINE needs runtime and deadline' \
    '.process.scheduler = {"policy": "SCHED_DEADLINE"}'
  expect_refused 'process.scheduler.flags[1]: unknown flag "SCHED_FLAG_FAST"' \
    '.process.scheduler = {"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_FAST"]}'
}

# ---------------------------------------------------------------------------
# process.execCPUAffinity
# ---------------------------------------------------------------------------

test_exec_cpu_affinity_initial() {
  make_bundle "$T/b" sh -c 'grep Cpus_allowed_list /proc/self/status'
  jqset "$T/b" '.process.execCPUAffinity = {"initial": "0"}'
  run_ok c1 "$T/b"
  assert_eq "$(printf 'Cpus_allowed_list:\t0')" "$OUT" "affinity with initial only"
}

test_exec_cpu_affinity_final() {
  [ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
  make_bundle "$T/b" sh -c 'grep Cpus_allowed_list /proc/self/status'
  jqset "$T/b" '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
  run_ok c1 "$T/b"
  assert_eq "$(printf 'Cpus_allowed_list:\t1')" "$OUT" "affinity with initial 0, final 1"
  jqset "$T/b" '.process.execCPUAffinity = {"final": "0-1"}'
  run_ok c2 "$T/b"
  assert_eq "$(printf 'Cpus_allowed_list:\t0-1')" "$OUT" "affinity with final 0-1"
}

test_exec_cpu_affinity_refused() {
  expect_refused 'process.execCPUAffinity.initial: "0-": not a CPU list' \
    '.process.execCPUAffinity = {"initial": "0-"}'
  expect_refused 'process.execCPUAffinity.final: "a": not a CPU list' \
    '.process.execCPUAffinity = {"final": "a"}'
  expect_refused 'process.execCPUAffinity.final: "3-1": not a CPU list' \
    '.process.execCPUAffinity = {"final": "3-1"}'
  expect_refused 'process.execCPUAffinity.initial: "": not a CPU list' \
    '.process.execCPUAffinity = {"initial": ""}'
  expect_refused 'process.execCPUAffinity.initial: "0,99999": CPU number too large' \
    '.process.execCPUAffinity = {"initial": "0,99999"}'
  expect_refused 'process.execCPUAffinity.final: CPU 1000 is not present' \
    '.process.execCPUAffinity = {"final": "0,1000"}'
}

# ---------------------------------------------------------------------------
# linux.memoryPolicy (the policy shows on every mapping in numa_maps)
# ---------------------------------------------------------------------------

check_mempolicy() { # EXPECTED-WORD JQ-POLICY
  make_bundle "$T/m" sh -c 'cut -d" " -f2 /proc/self/numa_maps | sort -u'
  jqset "$T/m" ".linux.memoryPolicy = $2"
  run_ok m1 "$T/m"
  assert_eq "$1" "$OUT" "numa_maps policy with $2"
  rm -rf "$T/m"
}

test_memory_policy() {
  [ -r /proc/self/numa_maps ] || skip "kernel without NUMA (no numa_maps)"
  check_mempolicy bind:0 '{"mode": "MPOL_BIND", "nodes": "0"}'
  check_mempolicy interleave:0 '{"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
  check_mempolicy prefer:0 '{"mode": "MPOL_PREFERRED", "nodes": "0"}'
  check_mempolicy bind=static:0 '{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
  check_mempolicy interleave=relative:0 '{"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]}'
  check_mempolicy local '{"mode": "MPOL_LOCAL"}'
  check_mempolicy default '{"mode": "MPOL_DEFAULT"}'
}

test_memory_policy_refused() {
  expect_refused 'linux.memoryPolicy.mode: unknown mode "MPOL_FAST"' \
    '.linux.memoryPolicy = {"mode": "MPOL_FAST", "nodes": "0"}'
  expect_refused 'linux.memoryPolicy.mode: missing' '.linux.memoryPolicy = {"nodes": "0"}'
  expect_refused 'linux.memoryPolicy.nodes: MPOL_BIND needs nodes' \
    '.linux.memoryPolicy = {"mode": "MPOL_BIND"}'
  expect_refused 'linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes' \
    '.linux.memoryPolicy = {"mode": "MPOL_DEFAULT", "nodes": "0"}'
  expect_refused 'linux.memoryPolicy.nodes: "0-x": not a node list' \
    '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0-x"}'
  expect_refused 'linux.memoryPolicy.nodes: NUMA node 1000 does not exist' \
    '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "1000"}'
  expect_refused 'linux.memoryPolicy.flags[0]: unknown flag "MPOL_F_FAST"' \
    '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_FAST"]}'
  expect_refused 'MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES exclude each other' \
    '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"]}'
}

# ---------------------------------------------------------------------------
# LSM fields. This host has neither AppArmor nor SELinux: what is testable is
# that the fields are validated and, like crun, ignored with a warning.
# ---------------------------------------------------------------------------

lsm_enabled() {
  [ -d /sys/kernel/security/apparmor ] || [ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" = selinux ]
}

test_lsm_not_enabled_warns() {
  lsm_enabled && skip "an LSM is enabled on this host"
  make_bundle "$T/b" sh -c 'cat /proc/self/attr/current 2>/dev/null; echo ran'
  jqset "$T/b" '.process.apparmorProfile = "minirun-test" | .process.selinuxLabel = "system_u:system_r:container_t:s0"
                | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
  run_ok c1 "$T/b"
  assert_contains "$OUT" ran "output of the container"
  assert_contains "$ERR" 'process.apparmorProfile "minirun-test" ignored: AppArmor is not enabled' "warning"
  assert_contains "$ERR" 'process.selinuxLabel "system_u:system_r:container_t:s0" ignored: SELinux is not enabled' "warning"
  assert_contains "$ERR" 'linux.mountLabel "system_u:object_r:container_file_t:s0" ignored' "warning"
}

test_lsm_bad_labels() {
  expect_refused 'process.apparmorProfile: control character' \
    '.process.apparmorProfile = "a\nchangeprofile unconfined"'
  expect_refused 'process.selinuxLabel: empty' '.process.selinuxLabel = ""'
  expect_refused 'linux.mountLabel: control character' '.linux.mountLabel = "x\ty"'
  expect_refused "linux.mountLabel: '\"'" '.linux.mountLabel = "a\"b"'
}
