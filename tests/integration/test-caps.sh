# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-caps.sh - process.capabilities and process.noNewPrivileges, seen from
# inside: the Cap* lines of /proc/self/status of the container's process
# (right after the runtime's execve) and what a setuid binary gains.
#
# Expected masks are computed here from the capability names (numbers from
# the kernel's uapi header), then combined with the kernel's execve rules
# (capabilities(7)): for a non-root process without file capabilities
# P'(permitted) = P'(effective) = P'(ambient) = ambient and P'(inheritable) =
# inheritable; for root P'(permitted) = P'(effective) = inheritable | bounding.

CAP_HEADER=/usr/include/linux/capability.h

cap_num() {
  awk -v n="$1" '$1 == "#define" && $2 == n { print $3; exit }' "$CAP_HEADER"
}

# cap_mask NAMES... -> 16 hex digits, as /proc/self/status prints them.
cap_mask() {
  local m=0 c n
  for c in "$@"; do
    n=$(cap_num "$c")
    [ -n "$n" ] || fail "cap_mask: $c is not in $CAP_HEADER"
    m=$((m | (1 << n)))
  done
  printf '%016x' "$m"
}

hex_or() { printf '%016x' $((0x$1 | 0x$2)); }

need_cap_header() {
  [ -r "$CAP_HEADER" ] || skip "$CAP_HEADER missing (linux-libc-dev): cannot compute the expected masks"
}

# caps_bundle DIR: a bundle whose process prints its Cap* status lines.
caps_bundle() {
  make_bundle "$1" grep ^Cap /proc/self/status
}

# set_caps DIR SET NAMES...: process.capabilities.SET = NAMES
set_caps() {
  local b=$1 set=$2
  shift 2
  jqset "$b" '.process.capabilities[$set] = $ARGS.positional' --arg set "$set" --args -- "$@"
}

# status_line OUTPUT NAME -> the hex value of line NAME: in OUTPUT
status_line() {
  echo "$1" | awk -v n="$2:" '$1 == n { print $2 }'
}

assert_caps() { # OUTPUT INH PRM EFF BND AMB
  local out=$1
  assert_eq "$2" "$(status_line "$out" CapInh)" "CapInh"
  assert_eq "$3" "$(status_line "$out" CapPrm)" "CapPrm"
  assert_eq "$4" "$(status_line "$out" CapEff)" "CapEff"
  assert_eq "$5" "$(status_line "$out" CapBnd)" "CapBnd"
  assert_eq "$6" "$(status_line "$out" CapAmb)" "CapAmb"
}

test_default_spec_caps() {
  # `minirun spec` asks for three capabilities: the container gets exactly
  # those, not the runtime's full set.
  need_cap_header
  caps_bundle "$T/b"
  run_ok c1 "$T/b"
  local m zero=0000000000000000
  m=$(cap_mask CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE)
  assert_caps "$OUT" $zero "$m" "$m" "$m" $zero
}

test_default_spec_cannot_mknod() {
  # Without CAP_MKNOD a root container cannot create the host's disks.
  make_bundle "$T/b" sh -c 'busybox mknod /tmp/sda b 8 0 && echo created || echo refused'
  run_ok c1 "$T/b"
  assert_eq refused "$OUT" "mknod of a block device inside (stderr: $ERR)"
}

test_root_inheritable_and_bounding() {
  need_cap_header
  caps_bundle "$T/b"
  set_caps "$T/b" bounding CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_SETUID
  set_caps "$T/b" permitted CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_SETUID
  set_caps "$T/b" effective CAP_KILL
  set_caps "$T/b" inheritable CAP_KILL CAP_SETUID
  run_ok c1 "$T/b"
  local bnd inh all
  bnd=$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_SETUID)
  inh=$(cap_mask CAP_KILL CAP_SETUID)
  all=$(hex_or "$bnd" "$inh")
  assert_caps "$OUT" "$inh" "$all" "$all" "$bnd" 0000000000000000
}

test_nonroot_no_ambient() {
  need_cap_header
  caps_bundle "$T/b"
  jqset "$T/b" '.process.user = {"uid": 1000, "gid": 1000}'
  set_caps "$T/b" bounding CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW
  set_caps "$T/b" permitted CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW
  set_caps "$T/b" effective CAP_KILL
  set_caps "$T/b" inheritable CAP_NET_BIND_SERVICE CAP_NET_RAW
  run_ok c1 "$T/b"
  local zero=0000000000000000
  assert_caps "$OUT" "$(cap_mask CAP_NET_BIND_SERVICE CAP_NET_RAW)" $zero $zero \
    "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW)" $zero
}

test_nonroot_ambient() {
  need_cap_header
  caps_bundle "$T/b"
  jqset "$T/b" '.process.user = {"uid": 1000, "gid": 1000}'
  set_caps "$T/b" bounding CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW
  set_caps "$T/b" permitted CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW
  set_caps "$T/b" effective CAP_KILL CAP_NET_BIND_SERVICE
  set_caps "$T/b" inheritable CAP_NET_BIND_SERVICE CAP_NET_RAW
  set_caps "$T/b" ambient CAP_NET_BIND_SERVICE CAP_NET_RAW
  run_ok c1 "$T/b"
  local amb
  amb=$(cap_mask CAP_NET_BIND_SERVICE CAP_NET_RAW)
  assert_caps "$OUT" "$amb" "$amb" "$amb" \
    "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW)" "$amb"
}

# The default specs of runc and crun list ambient capabilities without an
# inheritable set; both runtimes start such a container without raising
# them. So do we, with a warning naming each one (never silently).
test_ambient_not_inheritable_warns() {
  need_cap_header
  caps_bundle "$T/b"
  jqset "$T/b" '.process.user = {"uid": 1000, "gid": 1000}'
  set_caps "$T/b" bounding CAP_KILL CAP_NET_BIND_SERVICE
  set_caps "$T/b" permitted CAP_KILL CAP_NET_BIND_SERVICE
  set_caps "$T/b" effective CAP_KILL CAP_NET_BIND_SERVICE
  set_caps "$T/b" inheritable CAP_NET_BIND_SERVICE
  set_caps "$T/b" ambient CAP_KILL CAP_NET_BIND_SERVICE
  run_ok c1 "$T/b"
  assert_contains "$ERR" "process.capabilities.ambient: CAP_KILL is not in both the permitted and inheritable sets: not raised"
  assert_not_contains "$ERR" "CAP_NET_BIND_SERVICE is not in both"
  local amb
  amb=$(cap_mask CAP_NET_BIND_SERVICE)
  assert_eq "$amb" "$(status_line "$OUT" CapAmb)" "CapAmb"
  assert_eq "$amb" "$(status_line "$OUT" CapPrm)" "CapPrm"
}

# A capability the runtime itself lacks never reaches the container (setpriv
# takes CAP_WAKE_ALARM out of the runtime's bounding set here; this
# machine's root lacks CAP_SYS_RESOURCE the same way). crun and runc drop a
# bounding entry without a word and fail the other sets with a bare "capset:
# Operation not permitted". Here a bounding entry is a warning naming it (the
# container cannot hold more than the runtime, and refusing would break
# configs that start under crun), a permitted or inheritable one an error
# naming the field and the capability. In a user namespace of its own the
# container's sets start full: granted there.
test_capability_the_runtime_lacks() {
  need_cap_header
  command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
  caps_bundle "$T/b"
  set_caps "$T/b" bounding CAP_KILL CAP_WAKE_ALARM
  set_caps "$T/b" permitted CAP_KILL
  set_caps "$T/b" effective CAP_KILL
  set_caps "$T/b" inheritable
  set_caps "$T/b" ambient
  local MR="setpriv --bounding-set -wake_alarm $MR"
  run_ok c1 "$T/b"
  assert_contains "$ERR" "process.capabilities.bounding: CAP_WAKE_ALARM is not in the runtime's own bounding set"
  assert_eq "$(cap_mask CAP_KILL)" "$(status_line "$OUT" CapBnd)" "CapBnd"
  local set
  for set in permitted inheritable; do
    set_caps "$T/b" "$set" CAP_KILL CAP_WAKE_ALARM
    assert_fail_with "config.json: process.capabilities.$set: CAP_WAKE_ALARM: the runtime does not hold it itself" \
      $MR run --bundle "$T/b" c2
    assert_no_state
    set_caps "$T/b" "$set" CAP_KILL
  done
  set_caps "$T/b" inheritable
  unshare --user true 2>/dev/null || return 0
  jqset "$T/b" '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  set_caps "$T/b" permitted CAP_KILL CAP_WAKE_ALARM
  set_caps "$T/b" effective CAP_KILL CAP_WAKE_ALARM
  run_ok c3 "$T/b"
  assert_not_contains "$ERR" "CAP_WAKE_ALARM"
  assert_eq "$(cap_mask CAP_KILL CAP_WAKE_ALARM)" "$(status_line "$OUT" CapEff)" "CapEff in a user namespace"
}

test_no_capabilities_object() {
  # As crun: no capabilities object means empty sets, even for root.
  caps_bundle "$T/b"
  jqset "$T/b" 'del(.process.capabilities)'
  run_ok c1 "$T/b"
  local zero=0000000000000000
  assert_caps "$OUT" $zero $zero $zero $zero $zero
}

test_cap_bad_values() {
  make_bundle "$T/b"
  cp "$T/b/config.json" "$T/good.json"
  local bad
  for bad in \
    '.process.capabilities.bounding[3] = "CAP_FOO"|process.capabilities.bounding[3]: unknown capability "CAP_FOO"' \
    '.process.capabilities.effective[0] = "cap_kill"|process.capabilities.effective[0]: unknown capability "cap_kill"' \
    '.process.capabilities.permitted[1] = "12"|process.capabilities.permitted[1]: unknown capability "12"' \
    '.process.capabilities.effective += ["CAP_SYS_ADMIN"]|process.capabilities.effective: CAP_SYS_ADMIN is not in the permitted set' \
    '.process.capabilities.inheritable = "CAP_KILL"|process.capabilities.inheritable'; do
    cp "$T/good.json" "$T/b/config.json"
    jqset "$T/b" "${bad%%|*}"
    assert_fail_with "config.json: ${bad#*|}" $MR run --bundle "$T/b" c1
    assert_no_state
  done
}

# ---- noNewPrivileges ----

# euid_bundle DIR NNP: a bundle running a setuid-root helper as uid 1000.
euid_bundle() {
  command -v cc >/dev/null || skip "no C compiler for the setuid helper"
  make_bundle "$1" sh -c 'grep ^NoNewPrivs /proc/self/status; /bin/euid'
  cc -static -O1 -o "$1/rootfs/bin/euid" "$(dirname "$MR_LIB")/euid.c" 2>"$T/cc.err" ||
    skip "cannot build a static helper: $(cat "$T/cc.err")"
  chown 0:0 "$1/rootfs/bin/euid"
  chmod 4755 "$1/rootfs/bin/euid"
  jqset "$1" '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = $nnp' \
    --argjson nnp "$2"
}

test_no_new_privileges_blocks_setuid() {
  euid_bundle "$T/b" true
  run_ok c1 "$T/b"
  assert_contains "$OUT" "NoNewPrivs:	1"
  assert_contains "$OUT" "uid=1000 euid=1000" "setuid-root helper run with noNewPrivileges"
}

test_setuid_works_without_no_new_privileges() {
  # The control: the same helper does gain euid 0 without the flag, so the
  # test above can fail.
  euid_bundle "$T/b" false
  run_ok c1 "$T/b"
  assert_contains "$OUT" "NoNewPrivs:	0"
  assert_contains "$OUT" "uid=1000 euid=0" "setuid-root helper run without noNewPrivileges"
}
