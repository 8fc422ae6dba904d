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
  ! grep -q 'skipped' "$T/py.log" || fail "python bindings: tests were skipped"
  grep -qE '^Ran [0-9]+ tests' "$T/py.log" || fail "python bindings: no test ran"
}
