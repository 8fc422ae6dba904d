# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-netdev.sh - the network namespace as clients expect it: loopback up,
# and linux.netDevices (runtime-spec 1.3) moving a host interface in.
#
# The interfaces are veth pairs with names unique to the test (this kernel
# has no dummy driver); the kernel destroys the container's end with its
# network namespace, which destroys the pair. Whatever is left is deleted by
# name at the end.

test_loopback_up_in_new_netns() {
  make_bundle "$T/b" sh -c 'cat /sys/class/net/lo/flags; cat /sys/class/net/lo/operstate'
  run_ok c1 "$T/b"
  local flags
  flags=$(echo "$OUT" | sed -n 1p)
  [ $((flags & 1)) -eq 1 ] || fail "lo flags inside: $flags (IFF_UP not set)"
  assert_eq unknown "$(echo "$OUT" | sed -n 2p)" "lo operstate inside (up loopback reports unknown)"
}

test_loopback_reachable() {
  # Something can actually use it: a TCP connection to 127.0.0.1 inside.
  make_bundle "$T/b" sh -c 'busybox nc -l -p 4242 -e echo hello >/dev/null 2>&1 & sleep 0.3; busybox nc 127.0.0.1 4242 </dev/null'
  run_ctr c1 "$T/b"
  if [[ $ERR == *"applet not found"* ]]; then skip "busybox has no nc applet"; fi
  assert_eq hello "$OUT" "reply over loopback inside (stderr: $ERR)"
}

# Creates a veth pair with unique names; sets NETDEV_HOST/NETDEV_PEER.
make_veth() {
  command -v ip >/dev/null || skip "no ip(8) on the host"
  NETDEV_HOST=mrh$$$RANDOM
  NETDEV_HOST=${NETDEV_HOST:0:15}
  NETDEV_PEER=mrp$$$RANDOM
  NETDEV_PEER=${NETDEV_PEER:0:15}
  if ! ip link add "$NETDEV_HOST" type veth peer name "$NETDEV_PEER" 2>"$T/ip.err"; then
    skip "cannot create a veth pair (kernel without veth?): $(cat "$T/ip.err")"
  fi
  echo "$NETDEV_HOST $NETDEV_PEER" >"$T/veth"
}

drop_veth() {
  ip link del "$NETDEV_PEER" 2>/dev/null || true
  ip link del "$NETDEV_HOST" 2>/dev/null || true
}

host_has_link() { ip link show "$1" >/dev/null 2>&1; }

test_netdev_moved_and_renamed() {
  make_veth
  trap drop_veth EXIT
  make_bundle "$T/b" sh -c 'ls /sys/class/net | sort | tr "\n" " "; echo; cat /sys/class/net/ctr0/flags'
  jqset "$T/b" '.linux.netDevices = {($h): {"name": "ctr0"}}' --arg h "$NETDEV_HOST"
  run_d_ok c1 "$T/b"
  wait_for 10 "status stopped" status_is c1 stopped
  local out
  out=$(cat "$T/c1.out")
  assert_eq "ctr0 lo " "$(echo "$out" | sed -n 1p)" "interfaces inside (stderr: $(cat "$T/c1.err"))"
  local flags
  flags=$(echo "$out" | sed -n 2p)
  [ $((flags & 1)) -eq 1 ] || fail "ctr0 flags inside: $flags (the runtime must set it up)"
  host_has_link "$NETDEV_HOST" && fail "$NETDEV_HOST is still in the host namespace while the container exists"
  assert_ok $MR delete c1
  # The namespace is gone: its veth end (and so the pair) is destroyed.
  wait_for 5 "the moved veth to disappear" eval '! host_has_link "$NETDEV_PEER"'
  host_has_link ctr0 && fail "ctr0 appeared in the host namespace after delete"
  return 0
}

test_netdev_keeps_name() {
  make_veth
  trap drop_veth EXIT
  make_bundle "$T/b" sh -c 'ls /sys/class/net | sort | tr "\n" " "'
  jqset "$T/b" '.linux.netDevices = {($h): {}}' --arg h "$NETDEV_HOST"
  run_ok c1 "$T/b"
  assert_eq "lo $NETDEV_HOST " "$OUT" "interfaces inside"
}

test_netdev_bad_values() {
  make_veth
  trap drop_veth EXIT
  make_bundle "$T/b"
  cp "$T/b/config.json" "$T/good.json"
  local bad h=$NETDEV_HOST
  for bad in \
    '.linux.netDevices = {($h): {"name": "ctr0"}} | .linux.namespaces |= map(select(.type != "network")) ==> linux.netDevices: moving network devices needs a new network namespace' \
    '.linux.netDevices = {($h): {"name": "ctr0"}} | .linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/net" else . end) ==> linux.netDevices: moving network devices needs a new network namespace' \
    '.linux.netDevices = {"mrnosuchif0": {}} ==> linux.netDevices.mrnosuchif0: host network interface: No such device' \
    '.linux.netDevices = {($h): {"name": "a/b"}} ==> linux.netDevices.'$h'.name: "a/b" is not a valid interface name' \
    '.linux.netDevices = {($h): {"name": "abcdefghijklmnop"}} ==> linux.netDevices.'$h'.name: "abcdefghijklmnop" is not a valid interface name' \
    '.linux.netDevices = {($h): {"name": 7}} ==> linux.netDevices.'$h'.name: expected string' \
    '.linux.netDevices = [($h)] ==> linux.netDevices: expected object' \
    '.linux.netDevices = {($h): {"name": "lo"}} ==> linux.netDevices.'$h'.name: "lo" already exists in the container'"'"'s new network namespace'; do
    cp "$T/good.json" "$T/b/config.json"
    jqset "$T/b" "${bad%% ==> *}" --arg h "$h"
    assert_fail_with "config.json: ${bad#* ==> }" $MR run --bundle "$T/b" c1
    assert_no_state
    host_has_link "$h" || fail "$h left the host after a failed create ($bad)"
  done
}

test_netdev_two_same_target_name() {
  make_veth
  trap drop_veth EXIT
  make_bundle "$T/b"
  jqset "$T/b" '.linux.netDevices = {($h): {"name": "ctr0"}, ($p): {"name": "ctr0"}}' \
    --arg h "$NETDEV_HOST" --arg p "$NETDEV_PEER"
  assert_fail_with "is also the name of" $MR run --bundle "$T/b" c1
  assert_no_state
}

test_netdev_keeps_addresses() {
  # The kernel flushes a link's addresses when it changes namespace; the
  # permanent global ones must be there inside (runtime-spec 1.3, as crun).
  make_veth
  trap drop_veth EXIT
  local v4="10.213.$((RANDOM % 250)).7/24" v6="fd42:$((RANDOM % 9000 + 1000))::7/64"
  ip addr add "$v4" dev "$NETDEV_HOST"
  ip -6 addr add "$v6" dev "$NETDEV_HOST" nodad 2>/dev/null || v6=
  make_bundle "$T/b" busybox ip addr show ctr0
  jqset "$T/b" '.linux.netDevices = {($h): {"name": "ctr0"}}' --arg h "$NETDEV_HOST"
  run_ok c1 "$T/b"
  assert_contains "$OUT" "inet $v4" "addresses of ctr0 inside"
  [ -z "$v6" ] || assert_contains "$OUT" "inet6 $v6" "addresses of ctr0 inside"
  assert_match "$OUT" "<([A-Z_-]+,)*UP[,>]" "ctr0 flags inside (set up)"
}
