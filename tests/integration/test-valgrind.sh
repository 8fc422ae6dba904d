# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# test-valgrind.sh - the in-process lifecycle under valgrind's memcheck:
# examples/minimal-host (create, start, wait on the pidfd, delete, through
# the shared library, as a firmware host does) must run without an invalid
# read or write, a use of uninitialised memory (also in the system calls of
# the child between clone and exec) or a definite/indirect leak.
# SKIP when valgrind or the built example is missing.

# Runs minimal-host ARGS... under memcheck; sets LAST_RC/LAST_OUT/LAST_ERR
# (capture) and leaves valgrind's report in $T/valgrind.log.
valgrind_host() {
  command -v valgrind >/dev/null || skip "valgrind not installed (scripts/install-deps.sh)"
  local host=$MINIRUN_BUILDDIR/examples/minimal-host
  [ -x "$host" ] || skip "examples/minimal-host is not built (make check builds it)"
  # libtool wrapper script: valgrind the real binary, with the library
  # from the build tree.
  if [ -x "$MINIRUN_BUILDDIR/examples/.libs/minimal-host" ]; then
    host=$MINIRUN_BUILDDIR/examples/.libs/minimal-host
    export LD_LIBRARY_PATH=$MINIRUN_BUILDDIR/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
  capture timeout 50 valgrind --error-exitcode=97 --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --suppressions="$MINIRUN_SRCDIR/tests/integration/valgrind.supp" \
    --log-file="$T/valgrind.log" "$host" --state-root "$T/state" "$@"
  echo "minimal-host $* under valgrind -> $LAST_RC"
  echo "stdout: $LAST_OUT"
  echo "stderr: $LAST_ERR"
  cat "$T/valgrind.log"
  [ "$LAST_RC" -ne 97 ] || fail "valgrind found errors: $(_mr_show "$(grep -E '^==[0-9]+== ([A-Z]|   (at|by) )' "$T/valgrind.log" | head -n 12)")"
  grep -q 'ERROR SUMMARY: 0 errors' "$T/valgrind.log" || fail "valgrind reported errors (see its log above)"
  # The container's init is traced too until it execs (so it prints no
  # summary): any error it met is in the log as well.
  local child
  child=$(grep -E '^==[0-9]+== (Invalid|Conditional|Syscall param|Use of uninitialised|Mismatched|Source and destination|Argument|Jump to)' \
    "$T/valgrind.log" | head -n 3 || true)
  [ -z "$child" ] || fail "valgrind: $(_mr_show "$child")"
}

test_valgrind_lifecycle() {
  make_bundle "$T/b" sh -c 'echo hello-from-container; exit 5'
  # valgrind keeps some fds for itself and lowers the hard RLIMIT_NOFILE
  # below the spec's 1024: asking for 1024 would be a raise (EPERM here).
  jqset "$T/b" '.process.rlimits = []'
  valgrind_host "$T/b" c1
  assert_eq 5 "$LAST_RC" "exit status of minimal-host under valgrind"
  assert_contains "$LAST_OUT" "container c1 exited with status 5" "minimal-host stdout"
}

test_valgrind_bad_bundle() {
  make_bundle "$T/b" true
  jq '.linux.namespaces += [{"type": "nosuchns"}]' "$T/b/config.json" >"$T/c.json"
  mv "$T/c.json" "$T/b/config.json"
  valgrind_host "$T/b" c1
  assert_ne 0 "$LAST_RC" "exit status of minimal-host with a bad config"
  assert_contains "$LAST_ERR" "nosuchns" "minimal-host stderr"
}
