# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086
#
# test-badinput.sh - the bad-input table. One line per case:
#
#   GROUP :: NAME :: KIND :: ARGUMENT :: EXPECTED STDERR SUBSTRING
#
# KIND  jq    ARGUMENT is a jq edit of a good config.json; `create` must fail
#       sh    ARGUMENT is shell run in the bundle dir ($B) to damage it
#       id    ARGUMENT (eval'd by bash) is the container id given to create
#       kill  ARGUMENT is the signal given to `kill` of a created container
#
# Every case: exit status != 0, stderr names the field (EXPECTED), and the
# leftover checker finds nothing (no state dir, process, zombie, mount...).
# Each GROUP (at most 6 rows) is one test (test_badinput_GROUP) so a group
# fits the per-test timeout. Other helpers add rows for the fields they implement.

BADINPUT_TABLE='
json1 :: truncated JSON :: sh :: head -c 100 config.json >c && mv c config.json :: config.json
json1 :: empty file :: sh :: : >config.json :: config.json
json1 :: not JSON :: sh :: echo "ociVersion: 1.0" >config.json :: config.json
json1 :: JSON array :: sh :: echo "[]" >config.json :: config.json
json1 :: trailing garbage :: sh :: echo "{} x" >>config.json :: config.json
json1 :: NUL byte inside :: sh :: printf "\0" >>config.json :: config.json
json2 :: missing config.json :: sh :: rm config.json :: config.json
json2 :: config.json is a directory :: sh :: rm config.json && mkdir config.json :: config.json
json2 :: config.json symlink loop :: sh :: rm config.json && ln -s config.json config.json :: config.json
json2 :: config.json dangling symlink :: sh :: rm config.json && ln -s /nonexistent/x config.json :: config.json
json2 :: missing ociVersion :: jq :: del(.ociVersion) :: ociVersion
json2 :: ociVersion number :: jq :: .ociVersion = 1 :: ociVersion
json3 :: ociVersion 9 :: jq :: .ociVersion = "9.0.0" :: ociVersion
json3 :: missing process :: jq :: del(.process) :: process
json3 :: linux is an array :: jq :: .linux = [] :: linux
json3 :: annotations value not string :: jq :: .annotations = {"a": 5} :: annotations.a
json3 :: config.json is a FIFO :: sh :: rm config.json && mkfifo config.json :: config.json: not a regular file
json3 :: config.json is /dev/zero :: sh :: rm config.json && ln -s /dev/zero config.json :: config.json: not a regular file
types1 :: args not an array :: jq :: .process.args = "sh" :: process.args
types1 :: args empty :: jq :: .process.args = [] :: process.args
types1 :: args of numbers :: jq :: .process.args = [5] :: process.args
types1 :: args[0] empty :: jq :: .process.args = [""] :: process.args[0]
types1 :: env not an array :: jq :: .process.env = "A=1" :: process.env
types1 :: env entry without = :: jq :: .process.env = ["NOEQUALS"] :: process.env[0]
types2 :: cwd number :: jq :: .process.cwd = 5 :: process.cwd
types2 :: terminal string :: jq :: .process.terminal = "yes" :: process.terminal
types2 :: root number :: jq :: .root = 5 :: root
types2 :: root.readonly string :: jq :: .root.readonly = "true" :: root.readonly
types2 :: hostname number :: jq :: .hostname = 5 :: hostname
types2 :: mounts object :: jq :: .mounts = {} :: mounts
types3 :: mount destination number :: jq :: .mounts += [{"destination": 5}] :: mounts[
types3 :: namespaces number :: jq :: .linux.namespaces = 5 :: linux.namespaces
types3 :: gid string :: jq :: .process.user.gid = "0" :: process.user.gid
numbers1 :: uid -1 :: jq :: .process.user.uid = -1 :: process.user.uid
numbers1 :: uid 2^32 :: jq :: .process.user.uid = 4294967296 :: process.user.uid
numbers1 :: uid 1e30 :: jq :: .process.user.uid = 1e30 :: process.user.uid
numbers1 :: uid 1.5 :: jq :: .process.user.uid = 1.5 :: process.user.uid
numbers1 :: additionalGids -1 :: jq :: .process.user.additionalGids = [-1] :: process.user.additionalGids[0]
numbers1 :: umask -1 :: jq :: .process.user.umask = -1 :: process.user.umask
numbers2 :: umask 2^32 :: jq :: .process.user.umask = 4294967296 :: process.user.umask
numbers2 :: device major 2^32+1 :: jq :: .linux.devices = [{"path": "/dev/x", "type": "c", "major": 4294967297, "minor": 3}] :: linux.devices[0].major
numbers2 :: device major -1 :: jq :: .linux.devices = [{"path": "/dev/x", "type": "c", "major": -1, "minor": 3}] :: linux.devices[0].major
numbers2 :: uidMappings hostID -1 :: jq :: .linux.uidMappings = [{"containerID": 0, "hostID": -1, "size": 1}] :: linux.uidMappings[0].hostID
numbers2 :: huge number :: jq :: .process.user.uid = 1e400 :: process.user.uid
numbers2 :: hostname 300 bytes :: jq :: .hostname = ("x" * 300) :: hostname
ns1 :: duplicate pid namespace :: jq :: .linux.namespaces += [{"type": "pid"}] :: linux.namespaces
ns1 :: unknown namespace :: jq :: .linux.namespaces += [{"type": "bogus"}] :: linux.namespaces[
ns1 :: namespace without type :: jq :: .linux.namespaces += [{}] :: linux.namespaces[
ns1 :: no mount namespace :: jq :: .linux.namespaces |= map(select(.type != "mount")) :: linux.namespaces
ns1 :: domainname without uts ns :: jq :: .linux.namespaces |= map(select(.type != "uts")) | .domainname = "d" | del(.hostname) :: domainname
ns1 :: rootfsPropagation unknown :: jq :: .linux.rootfsPropagation = "bogus" :: linux.rootfsPropagation
ns2 :: namespace path a FIFO :: sh :: mkfifo nsfifo && jq ".linux.namespaces |= map(if .type == \"network\" then .path = \"$PWD/nsfifo\" else . end)" config.json >c && mv c config.json :: nsfifo is not a namespace file
ns2 :: namespace path a regular file :: sh :: touch nsfile && jq ".linux.namespaces |= map(if .type == \"network\" then .path = \"$PWD/nsfile\" else . end)" config.json >c && mv c config.json :: is not a namespace file
ns2 :: namespace path /dev/zero :: sh :: jq ".linux.namespaces |= map(if .type == \"network\" then .path = \"/dev/zero\" else . end)" config.json >c && mv c config.json :: linux.namespaces[1].path: /dev/zero is not a namespace file
ns2 :: namespace path of another type :: sh :: jq ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/self/ns/uts\" else . end)" config.json >c && mv c config.json :: is not a network namespace
ns2 :: namespace path missing :: sh :: jq ".linux.namespaces |= map(if .type == \"network\" then .path = \"/nonexistent/ns/net\" else . end)" config.json >c && mv c config.json :: linux.namespaces[1].path: network namespace /nonexistent
paths1 :: cwd relative :: jq :: .process.cwd = "relative" :: process.cwd
paths1 :: mount destination relative :: jq :: .mounts += [{"destination": "relative", "type": "tmpfs", "source": "tmpfs"}] :: destination
paths1 :: mount without destination :: jq :: .mounts += [{"type": "tmpfs", "source": "tmpfs"}] :: destination
paths1 :: device path relative :: jq :: .linux.devices = [{"path": "dev/x", "type": "c", "major": 1, "minor": 3}] :: linux.devices[0].path
paths1 :: device type unknown :: jq :: .linux.devices = [{"path": "/dev/x", "type": "q", "major": 1, "minor": 3}] :: linux.devices[0].type
paths1 :: root.path empty :: jq :: .root.path = "" :: root.path
paths2 :: missing root.path :: jq :: del(.root) :: root.path
paths2 :: rootfs missing :: jq :: .root.path = "no-such-rootfs" :: root.path
paths2 :: rootfs is a file :: sh :: touch afile :: root.path
paths2 :: rootfs symlink loop :: sh :: ln -s loop2 loop1 && ln -s loop1 loop2 :: root.path
ids1 :: id with slash :: id :: a/b :: contains '\''/'\''
ids1 :: id .. :: id :: .. :: reserved
ids1 :: id . :: id :: . :: reserved
ids1 :: id empty :: id :: "" :: empty
ids1 :: id with newline :: id :: $'\''a\nb'\'' :: control character
ids1 :: id with 0x01 :: id :: $'\''a\x01b'\'' :: control character
ids2 :: id of 5000 chars :: id :: $(printf "%05000d" 0) :: longer than
ids2 :: id not UTF-8 :: id :: $'\''a\xffb'\'' :: UTF-8
ids2 :: id of the CLI seccomp cache :: id :: .seccomp-cache :: reserved
ids2 :: id starting with a dot :: id :: .hidden :: reserved
signals1 :: unknown signal name :: kill :: NOSUCHSIGNAL :: unknown signal
signals1 :: signal SIG prefix only :: kill :: SIG :: unknown signal
signals1 :: signal number too big :: kill :: 65 :: unknown signal
signals1 :: signal empty :: kill :: "" :: unknown signal
signals1 :: signal with trailing junk :: kill :: 9x :: unknown signal
signals1 :: signal negative :: kill :: -- -9 :: unknown signal
caps1 :: unknown capability :: jq :: .process.capabilities.bounding += ["CAP_BOGUS"] :: process.capabilities.bounding[3]
caps1 :: capability number :: jq :: .process.capabilities.effective = [5] :: process.capabilities.effective
caps1 :: capabilities array :: jq :: .process.capabilities = [] :: process.capabilities
rlimits1 :: unknown rlimit :: jq :: .process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}] :: process.rlimits[0].type
rlimits1 :: rlimit soft above hard :: jq :: .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}] :: process.rlimits[0]
rlimits1 :: duplicate rlimit :: jq :: .process.rlimits = [{"type": "RLIMIT_CORE", "soft": 0, "hard": 0}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}] :: process.rlimits[1]
rlimits1 :: rlimit soft -1 :: jq :: .process.rlimits = [{"type": "RLIMIT_CORE", "soft": -1, "hard": 0}] :: process.rlimits[0].soft
rlimits1 :: rlimit without type :: jq :: .process.rlimits = [{"soft": 0, "hard": 0}] :: process.rlimits[0].type
seccomp1 :: seccomp unknown defaultAction :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_BOGUS"} :: linux.seccomp.defaultAction
seccomp1 :: seccomp unknown architecture :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_BOGUS"]} :: linux.seccomp.architectures[0]
seccomp1 :: seccomp unknown action :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_BOGUS"}]} :: linux.seccomp.syscalls[0].action
seccomp2 :: seccomp rule pair libseccomp cannot compile :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["tkill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_LT"}, {"index": 4, "value": 1, "op": "SCMP_CMP_LE"}]}, {"names": ["tkill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_LT"}, {"index": 5, "value": 1, "op": "SCMP_CMP_LE"}]}]} :: linux.seccomp.syscalls[0].args and linux.seccomp.syscalls[1].args
seccomp1 :: seccomp unknown operator :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]} :: linux.seccomp.syscalls[0].args[0].op
seccomp1 :: seccomp arg index 6 :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]} :: linux.seccomp.syscalls[0].args[0].index
seccomp1 :: seccomp errnoRet with ALLOW :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_LOG", "errnoRet": 1}]} :: linux.seccomp.syscalls[0].action: errnoRet
seccomp2 :: seccomp defaultErrnoRet with ALLOW :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1} :: linux.seccomp.defaultAction: errnoRet
seccomp2 :: seccomp unknown flag :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]} :: linux.seccomp.flags[0]
seccomp2 :: seccomp names not an array :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "getpid", "action": "SCMP_ACT_ERRNO"}]} :: linux.seccomp.syscalls[0].names
seccomp2 :: seccomp NOTIFY without listenerPath :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_NOTIFY"}]} :: linux.seccomp.listenerPath
seccomp2 :: seccomp listenerPath relative :: jq :: .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "rel/sock", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_NOTIFY"}]} :: linux.seccomp.listenerPath
sysctl1 :: sysctl not namespaced :: jq :: .linux.sysctl = {"vm.swappiness": "10"} :: linux.sysctl: "vm.swappiness"
sysctl1 :: sysctl net without net ns :: jq :: .linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"} :: linux.sysctl: "net.ipv4.ip_forward"
sysctl1 :: sysctl kernel.shmmax without ipc ns :: jq :: .linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"kernel.shmmax": "1000000"} :: linux.sysctl: "kernel.shmmax"
sysctl1 :: sysctl value a number :: jq :: .linux.sysctl = {"net.ipv4.ip_forward": 1} :: linux.sysctl
sysctl1 :: sysctl key with .. :: jq :: .linux.sysctl = {"net/../../vm/swappiness": "10"} :: linux.sysctl
hooks1 :: hook path relative :: jq :: .hooks = {"prestart": [{"path": "bin/true"}]} :: hooks.prestart[0].path
hooks1 :: hook timeout negative :: jq :: .hooks = {"createRuntime": [{"path": "/bin/true", "timeout": -1}]} :: hooks.createRuntime[0].timeout
hooks1 :: hook timeout 0 :: jq :: .hooks = {"createContainer": [{"path": "/bin/true", "timeout": 0}]} :: hooks.createContainer[0].timeout
hooks1 :: hook without path :: jq :: .hooks = {"poststart": [{"args": ["x"]}]} :: hooks.poststart[0].path
hooks1 :: hook args not an array :: jq :: .hooks = {"poststop": [{"path": "/bin/true", "args": "x"}]} :: hooks.poststop[0].args
hooks1 :: hook env entry without = :: jq :: .hooks = {"startContainer": [{"path": "/bin/true", "env": ["NOEQ"]}]} :: hooks.startContainer[0].env[0]
procattr1 :: scheduler unknown policy :: jq :: .process.scheduler = {"policy": "SCHED_BOGUS"} :: process.scheduler.policy
procattr1 :: scheduler nice 100 :: jq :: .process.scheduler = {"policy": "SCHED_OTHER", "nice": 100} :: process.scheduler.nice
procattr1 :: scheduler unknown flag :: jq :: .process.scheduler = {"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_BOGUS"]} :: process.scheduler.flags[0]
procattr1 :: ioPriority unknown class :: jq :: .process.ioPriority = {"class": "IOPRIO_CLASS_BOGUS", "priority": 0} :: process.ioPriority.class
procattr1 :: ioPriority priority 8 :: jq :: .process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 8} :: process.ioPriority.priority
procattr1 :: oomScoreAdj 5000 :: jq :: .process.oomScoreAdj = 5000 :: process.oomScoreAdj
procattr2 :: personality unknown domain :: jq :: .linux.personality = {"domain": "BOGUS"} :: linux.personality.domain
procattr2 :: personality unknown flag :: jq :: .linux.personality = {"domain": "LINUX", "flags": ["BOGUS"]} :: linux.personality.flags[0]
procattr2 :: memoryPolicy unknown mode :: jq :: .linux.memoryPolicy = {"mode": "MPOL_BOGUS"} :: linux.memoryPolicy.mode
procattr2 :: memoryPolicy bad nodes :: jq :: .linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "x-y"} :: linux.memoryPolicy.nodes
procattr2 :: memoryPolicy unknown flag :: jq :: .linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_BOGUS"]} :: linux.memoryPolicy.flags[0]
procattr2 :: execCPUAffinity bad initial :: jq :: .process.execCPUAffinity = {"initial": "a-b"} :: process.execCPUAffinity.initial
procattr3 :: execCPUAffinity final out of range :: jq :: .process.execCPUAffinity = {"final": "100000"} :: process.execCPUAffinity.final
procattr3 :: execCPUAffinity reversed range :: jq :: .process.execCPUAffinity = {"initial": "3-1"} :: process.execCPUAffinity.initial
netdev1 :: netDevices without net ns :: jq :: .linux.namespaces |= map(select(.type != "network")) | .linux.netDevices = {"lo": {}} :: linux.netDevices
netdev1 :: netDevices unknown host interface :: jq :: .linux.netDevices = {"nosuchif0": {}} :: linux.netDevices.nosuchif0
netdev1 :: netDevices name with slash :: jq :: .linux.netDevices = {"nosuchif0": {"name": "a/b"}} :: linux.netDevices.nosuchif0.name
netdev1 :: netDevices name too long :: jq :: .linux.netDevices = {"nosuchif0": {"name": "abcdefghijklmnopq"}} :: linux.netDevices.nosuchif0.name
netdev1 :: netDevices entry not an object :: jq :: .linux.netDevices = {"nosuchif0": 5} :: linux.netDevices.nosuchif0
idmap1 :: idmap mount without user ns :: jq :: .mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["bind", "idmap"]}] :: mounts[
idmap1 :: mount uidMappings hostID -1 :: jq :: .mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": -1, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 0, "size": 1}]}] :: uidMappings[0].hostID
idmap1 :: mount uidMappings without gidMappings :: jq :: .mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 0, "size": 1}]}] :: mounts[
idmap1 :: mount uidMappings size 0 :: jq :: .mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 0, "size": 0}], "gidMappings": [{"containerID": 0, "hostID": 0, "size": 1}]}] :: uidMappings[0].size
idmap1 :: idmap on a tmpfs :: jq :: .mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}] :: mounts[
mountopts1 :: copy-symlink with src-nofollow :: jq :: .mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["bind", "copy-symlink", "src-nofollow"]}] :: copy-symlink excludes
mountopts1 :: copy-symlink with dest-nofollow :: jq :: .mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["bind", "copy-symlink", "dest-nofollow"]}] :: copy-symlink excludes
mountopts1 :: src-nofollow on a tmpfs :: jq :: .mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["src-nofollow"]}] :: src-nofollow is only valid for bind
mountopts1 :: copy-symlink on a tmpfs :: jq :: .mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["copy-symlink"]}] :: copy-symlink is only valid for bind
mountopts1 :: src-nofollow symlink idmapped :: jq :: .mounts += [{"destination": "/mnt", "type": "bind", "source": "/proc/self", "options": ["bind", "src-nofollow", "idmap"]}] :: cannot be idmapped
mountopts1 :: dest-nofollow at /.. :: jq :: .mounts += [{"destination": "/..", "type": "bind", "source": "/tmp", "options": ["bind", "dest-nofollow"]}] :: /..
'

# badinput_case NAME KIND ARG EXPECTED: one row of the table.
badinput_case() {
  local name=$1 kind=$2 arg=$3 expect=$4 id=bi
  B=$T/bundle
  rm -rf "$B"
  mkdir -p "$B"
  cp "$T/good.json" "$B/config.json"
  ln -s "$MR_ROOTFS_CACHE/rootfs" "$B/rootfs"
  case $kind in
  jq) jqset "$B" "$arg" ;;
  sh)
    # The rootfs-is-a-file and symlink-loop rows point root.path at what
    # they made.
    (cd "$B" && eval "$arg") || fail "$name: could not make the bundle: $arg"
    case $name in
    "rootfs is a file") jqset "$B" '.root.path = "afile"' ;;
    "rootfs symlink loop") jqset "$B" '.root.path = "loop1"' ;;
    esac
    ;;
  id) eval "id=$arg" ;;
  kill)
    create_ok k1 "$B"
    eval "set -- $arg"
    assert_fail_with "$expect" $MR kill k1 "$@"
    assert_eq created "$(ctr_status k1)" "$name: status after the refused kill"
    ctr_cleanup k1
    assert_nothing_left "$name"
    return 0
    ;;
  esac
  capture timeout 20 $MR create --bundle "$B" "$id"
  [ "$LAST_RC" -ne 0 ] || {
    $MR delete --force "$id" >/dev/null 2>&1 || true
    fail "$name: create succeeded"
  }
  [ "$LAST_RC" -ne 124 ] || fail "$name: create hung (timeout)"
  [[ $LAST_ERR == *"$expect"* ]] || fail "$name: stderr lacks '$expect': '$(_mr_show "$LAST_ERR")'"
  assert_nothing_left "$name"
}

# badinput_group GROUP: every row of GROUP.
badinput_group() {
  local line group name kind arg expect n=0
  make_bundle "$T/good" sleep 100
  cp "$T/good/config.json" "$T/good.json"
  rm -rf "$T/good"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    group=${line%% :: *}
    [ "$group" = "$1" ] || continue
    line=${line#* :: }
    name=${line%% :: *}
    line=${line#* :: }
    kind=${line%% :: *}
    line=${line#* :: }
    arg=${line% :: *}
    expect=${line##* :: }
    badinput_case "$name" "$kind" "$arg" "$expect"
    n=$((n + 1))
  done <<<"$BADINPUT_TABLE"
  [ "$n" -gt 0 ] || fail "no rows in group $1"
}

test_badinput_json1() { badinput_group json1; }
test_badinput_json2() { badinput_group json2; }
test_badinput_json3() { badinput_group json3; }
test_badinput_types1() { badinput_group types1; }
test_badinput_types2() { badinput_group types2; }
test_badinput_types3() { badinput_group types3; }
test_badinput_numbers1() { badinput_group numbers1; }
test_badinput_numbers2() { badinput_group numbers2; }
test_badinput_ns1() { badinput_group ns1; }
test_badinput_ns2() { badinput_group ns2; }
test_badinput_paths1() { badinput_group paths1; }
test_badinput_paths2() { badinput_group paths2; }
test_badinput_ids1() { badinput_group ids1; }
test_badinput_ids2() { badinput_group ids2; }
test_badinput_signals1() { badinput_group signals1; }
test_badinput_caps1() { badinput_group caps1; }
test_badinput_rlimits1() { badinput_group rlimits1; }
test_badinput_seccomp1() { badinput_group seccomp1; }
test_badinput_seccomp2() { badinput_group seccomp2; }
test_badinput_sysctl1() { badinput_group sysctl1; }
test_badinput_hooks1() { badinput_group hooks1; }
test_badinput_procattr1() { badinput_group procattr1; }
test_badinput_procattr2() { badinput_group procattr2; }
test_badinput_procattr3() { badinput_group procattr3; }
test_badinput_netdev1() { badinput_group netdev1; }
test_badinput_idmap1() { badinput_group idmap1; }
test_badinput_mountopts1() { badinput_group mountopts1; }

# The table itself: enough rows, one line each, every row well-formed.
test_badinput_table_is_complete() {
  local rows
  rows=$(echo "$BADINPUT_TABLE" | grep -c ' :: ')
  [ "$rows" -ge 60 ] || fail "the bad-input table has $rows rows (at least 60 wanted)"
  echo "$BADINPUT_TABLE" | grep ' :: ' | awk -F' :: ' 'NF != 5 { print; bad = 1 } END { exit bad }' ||
    fail "malformed rows in the bad-input table"
}
