# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2153
#
# test-bindings.sh - the language bindings of bindings/ against real
# containers: each binding's own test suite runs with the build tree's
# libminirun.so.0 and a busybox bundle made here. A binding whose interpreter
# (or, for Lua, the built module) is missing is skipped.

# The build tree's library, which the bindings load.
bindings_lib() {
  LIB=$MINIRUN_BUILDDIR/.libs/libminirun.so.0
  [ -e "$LIB" ] || skip "libminirun is not built ($LIB missing)"
  # An ASan build (--enable-sanitizers) cannot be loaded into an interpreter
  # that is not instrumented (the ASan runtime must come first), and
  # LeakSanitizer would report the interpreter's own allocations.
  if grep -q libasan <<<"$(ldd "$LIB" 2>/dev/null)"; then
    skip "libminirun is built with AddressSanitizer; the interpreters are not"
  fi
}

test_python_bindings() {
  command -v python3 >/dev/null || skip "python3 not found"
  bindings_lib
  make_bundle "$T/bundle"
  local rc=0
  MINIRUN_LIBRARY=$LIB PYTHONPATH=$MINIRUN_SRCDIR/bindings/python PYTHONDONTWRITEBYTECODE=1 \
    MINIRUN_TEST_BUNDLE=$T/bundle MINIRUN_TEST_STATE=$T/state \
    timeout 50 python3 -m unittest discover -v -s "$MINIRUN_SRCDIR/bindings/python/tests" \
    -p 'test_*.py' >"$T/py.log" 2>&1 </dev/null || rc=$?
  cat "$T/py.log"
  [ "$rc" -eq 0 ] || fail "python bindings: $(grep -E '^(FAIL|ERROR):' "$T/py.log" | head -n3 | paste -sd';' -) (exit $rc)"
  # Skipped tests would prove nothing here (root, bundle and state are given).
  # In the old-kernel mode (no pidfd before 5.3) the pollfd test skips, saying so.
  local skipped
  skipped=$(grep 'skipped' "$T/py.log" | grep -v '^OK (skipped=' || true)
  if old_kernel_mode; then
    skipped=$(echo "$skipped" | grep -v "skipped 'no pidfd on this kernel'" || true)
  fi
  [ -z "$skipped" ] || fail "python bindings: tests were skipped: $skipped"
  grep -qE '^Ran [0-9]+ tests' "$T/py.log" || fail "python bindings: no test ran"
}

test_lua_bindings() {
  command -v lua5.4 >/dev/null || skip "lua5.4 not found"
  bindings_lib
  local mod=$MINIRUN_BUILDDIR/bindings/lua/.libs/minirun.so
  [ -e "$mod" ] || skip "the Lua module is not built ($mod missing: configure found no lua5.4 dev files)"
  make_bundle "$T/bundle" sh -c @CMD@
  mkdir "$T/tmp"
  local rc=0
  LD_LIBRARY_PATH=$MINIRUN_BUILDDIR/.libs LUA_CPATH="${mod%/*}/?.so" \
    MINIRUN_TEST_BUNDLE=$T/bundle MINIRUN_TEST_STATE=$T/state MINIRUN_TEST_TMP=$T/tmp \
    timeout 50 lua5.4 "$MINIRUN_SRCDIR/bindings/lua/tests/test.lua" >"$T/tap" 2>&1 </dev/null || rc=$?
  cat "$T/tap"
  local failed plan n
  failed=$(grep '^not ok' "$T/tap" | head -n3 | paste -sd';' - || true)
  [ -z "$failed" ] || fail "lua bindings: $failed"
  [ "$rc" -eq 0 ] || fail "lua bindings: exit $rc: $(tail -n3 "$T/tap" | paste -sd';' -)"
  plan=$(grep -E '^1\.\.[0-9]+$' "$T/tap" | tail -n1)
  n=$(grep -cE '^ok [0-9]+' "$T/tap")
  [ "$plan" = "1..$n" ] || fail "lua bindings: plan '$plan' but $n tests passed"
}
