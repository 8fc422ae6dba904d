#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-tests.sh: the whole test suite, as CI runs it (.ci/run calls this).
#   ./run-tests.sh             (as root)
# Installs the dependencies, builds with --enable-werror, runs `make check`
# (unit tests, API test, integration tests) and ends with one line
#   N passed, N failed, N skipped
# counted over every TAP `ok`/`not ok` line of the unit and API tests plus the
# integration runner's own `N passed, N failed` line. Exits non-zero when
# anything failed or could not run.
#
# env: JOBS=2 (make -j), CHECK_TIMEOUT=1200 (seconds for `make check`)
set -uo pipefail
cd "$(dirname "$0")" || exit 1
JOBS=${JOBS:-2}
CHECK_TIMEOUT=${CHECK_TIMEOUT:-1200}
t0=$SECONDS

say() { printf '==> %s\n' "$*"; }
# Indents a file so that no line of it reads as our closing summary.
show() { sed 's/^/    | /' "$@"; }
fatal() {  # a step before the tests failed: nothing ran
  echo "run-tests: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

[ "$(id -u)" -eq 0 ] || echo "run-tests: not root: the integration tests will be skipped (run $0 as root)" >&2

say "dependencies"
scripts/install-deps.sh </dev/null || fatal "installing the dependencies failed"

say "autogen + configure --enable-werror"
mkdir -p tests/tmp
./autogen.sh >tests/tmp/autogen.log 2>&1 || { show tests/tmp/autogen.log; fatal "autogen.sh failed"; }
./configure --enable-werror >tests/tmp/configure.log 2>&1 \
  || { tail -n 30 tests/tmp/configure.log | show; fatal "configure failed (see config.log)"; }

say "make -j$JOBS"
make -j"$JOBS" </dev/null || fatal "the build failed"

say "make check"
# Stale results of an earlier run must not be counted.
find tests -name '*.trs' -delete 2>/dev/null || true
check_rc=0
timeout -k 10 "$CHECK_TIMEOUT" make -j"$JOBS" check </dev/null || check_rc=$?
[ $check_rc -eq 124 ] && echo "run-tests: make check timed out after ${CHECK_TIMEOUT}s" >&2

# The logs the harness writes, one per test (tests/unit/test-spec.log,
# tests/integration/run.log, ...).
# shellcheck disable=SC2016 # $(TEST_LOGS) is for make
logs=$(printf 'print-test-logs:\n\t@echo $(TEST_LOGS)\n' | make -s -f Makefile -f - print-test-logs)
[ -n "$logs" ] || fatal "no tests are registered in Makefile.am"

passed=0 failed=0 skipped=0
summary_re='^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?[[:space:]]*$'
for log in $logs; do
  trs=${log%.log}.trs
  name=${log%.log}
  if [ ! -f "$trs" ]; then
    echo "  MISSING $name: did not run (build failure or timeout)"
    failed=$((failed + 1))
    continue
  fi
  result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
  p=0 f=0 s=0
  line=$(grep -E "$summary_re" "$log" | tail -n 1 || true)
  if [ -n "$line" ] && [[ $line =~ $summary_re ]]; then
    p=${BASH_REMATCH[2]} f=${BASH_REMATCH[3]} s=${BASH_REMATCH[5]:-0}
  else
    p=$(grep -E '^ok( |$)' "$log" | grep -cv '# *[Ss][Kk][Ii][Pp]' || true)
    s=$(grep -E '^ok( |$)' "$log" | grep -c '# *[Ss][Kk][Ii][Pp]' || true)
    f=$(grep -cE '^not ok( |$)' "$log" || true)
  fi
  if [ $((p + f + s)) -eq 0 ]; then  # no count printed: the exit status decides
    case $result in
      PASS) p=1 ;;
      SKIP) s=1 ;;
      *) f=1 ;;
    esac
  elif [ "$result" != PASS ] && [ "$result" != SKIP ] && [ "$f" -eq 0 ]; then
    f=1  # exited non-zero (crash, abort) after its last `ok`
  fi
  printf '  %-5s %s: %d ok, %d not ok, %d skip\n' "$result" "$name" "$p" "$f" "$s"
  if [ "$f" -gt 0 ]; then
    echo "    --- $log (last 150 lines)"
    tail -n 150 "$log" | show
  fi
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

if [ $check_rc -ne 0 ] && [ $failed -eq 0 ]; then
  echo "run-tests: make check exited with status $check_rc" >&2
  failed=1
fi

echo "run-tests: $((SECONDS - t0)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
