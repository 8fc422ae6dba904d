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
signals1 :: unknown signal name :: kill :: NOSUCHSIGNAL :: unknown signal
signals1 :: signal SIG prefix only :: kill :: SIG :: unknown signal
signals1 :: signal number too big :: kill :: 65 :: unknown signal
signals1 :: signal empty :: kill :: "" :: unknown signal
signals1 :: signal with trailing junk :: kill :: 9x :: unknown signal
signals1 :: signal negative :: kill :: -- -9 :: unknown signal
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
test_badinput_paths1() { badinput_group paths1; }
test_badinput_paths2() { badinput_group paths2; }
test_badinput_ids1() { badinput_group ids1; }
test_badinput_ids2() { badinput_group ids2; }
test_badinput_signals1() { badinput_group signals1; }

# The table itself: enough rows, one line each, every row well-formed.
test_badinput_table_is_complete() {
  local rows
  rows=$(echo "$BADINPUT_TABLE" | grep -c ' :: ')
  [ "$rows" -ge 60 ] || fail "the bad-input table has $rows rows (at least 60 wanted)"
  echo "$BADINPUT_TABLE" | grep ' :: ' | awk -F' :: ' 'NF != 5 { print; bad = 1 } END { exit bad }' ||
    fail "malformed rows in the bad-input table"
}
