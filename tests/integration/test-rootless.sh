# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-rootless.sh - an unprivileged caller (nobody) runs a `spec --rootless`
# container: its uid is mapped to root of a new user namespace, setgroups is
# denied (the kernel requires it without CAP_SETGID), devices are bound from
# the host instead of mknod, and the state goes to $XDG_RUNTIME_DIR/minirun.

as_nobody() {
  setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_RUNTIME_DIR="$T/xdg" "$@"
}

rootless_bundle() {
  command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
  [ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user namespaces disabled"
  chmod 755 "$T"
  make_bundle "$T/rl" sh -c "$1"
  rm "$T/rl/config.json"
  mkdir -p "$T/xdg"
  chown -R 65534:65534 "$T/rl" "$T/xdg"
  (cd "$T/rl" && as_nobody "$MINIRUN" spec --rootless) || fail "spec --rootless as nobody failed"
  jqset "$T/rl" --arg tag "MR_TEST_TAG=$T" --arg cmd "$1" \
    '.process.terminal = false | .process.args = ["sh", "-c", $cmd] | .process.env += [$tag]
     | .root.readonly = false'
  chown 65534:65534 "$T/rl/config.json"
}

test_rootless_run() {
  rootless_bundle 'id -u; cat /proc/self/uid_map /proc/self/setgroups; test -c /dev/null && echo null-ok; echo x > /dev/null && echo write-ok'
  local out rc=0
  out=$(cd "$T/rl" && as_nobody "$MINIRUN" run rl1 2>"$T/rl1.err" </dev/null) || rc=$?
  assert_eq 0 "$rc" "rootless run exit status ($out $(cat "$T/rl1.err"))"
  assert_eq 0 "$(echo "$out" | sed -n 1p)" "uid inside"
  # Without a delegated cgroup tree: a warning, not an error (as crun).
  if [ -s "$T/rl1.err" ]; then
    assert_contains "$(cat "$T/rl1.err")" "running without cgroups" "stderr of rootless run"
  fi
  assert_match "$(echo "$out" | sed -n 2p)" '^ *0 +65534 +1$' "uid_map maps root to the caller"
  assert_contains "$out" deny "setgroups denied for the unprivileged caller"
  assert_contains "$out" null-ok
  assert_contains "$out" write-ok
  assert_eq "" "$(ls -A "$T/xdg/minirun" 2>/dev/null)" "state under XDG_RUNTIME_DIR removed"
}

test_rootless_create_start_delete() {
  rootless_bundle 'echo started > /tmp/started; sleep 30'
  # The runner cleans up $T/state only: this container lives elsewhere.
  trap 'as_nobody "$MINIRUN" delete --force rl2 >/dev/null 2>&1 || true' EXIT
  (cd "$T/rl" && as_nobody "$MINIRUN" create rl2 </dev/null >/dev/null 2>"$T/err") ||
    fail "rootless create: $(cat "$T/err")"
  [ -d "$T/xdg/minirun/rl2" ] || fail "state not under \$XDG_RUNTIME_DIR/minirun"
  assert_eq created "$(as_nobody "$MINIRUN" state rl2 | jq -r .status)"
  assert_ok as_nobody "$MINIRUN" start rl2
  wait_for 5 "container wrote its file" test -f "$T/rl/rootfs/tmp/started"
  assert_ok as_nobody "$MINIRUN" delete --force rl2
  assert_eq "" "$(ls -A "$T/xdg/minirun")" "state removed"
}
