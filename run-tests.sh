#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-tests.sh: the whole test suite, as CI runs it (.ci/run calls this).
#   ./run-tests.sh             (as root)
# Installs the dependencies, builds with --enable-werror, runs `make check`
# (unit tests, API test, integration tests, fuzz corpus replays, valgrind over
# the in-process lifecycle, the arm64 VM test) after the cross-builds for
# aarch64 and armhf (scripts/cross-build.sh: 1 test each) and the check of the
# Yocto layer and Buildroot package (scripts/check-contrib.sh: 1 test) and the
# footprint configuration (scripts/check-configs.sh: 1 test) and the static
# musl CLI and library running real containers (scripts/check-musl.sh:
# 1 test), then:
#   static analysis   scripts/static-analysis.sh (cppcheck + clang-tidy): 1 test
#   fuzzing           every libFuzzer target for FUZZ_SECONDS (clang build in
#                     a copy of the tree): 1 test per target
#   sanitizers        a copy of the tree built with --enable-sanitizers (ASan +
#                     UBSan, any finding aborts) runs the unit tests, the fuzz
#                     corpus replays and the integration tests of ASAN_TESTS
#                     (SANITIZERS=all: the whole `make check`)
# and ends with one line
#   N passed, N failed, N skipped
# counted over every TAP `ok`/`not ok` line of the unit and API tests plus the
# integration runner's own `N passed, N failed` line (of both builds) plus
# the steps above. Exits non-zero when anything failed or could not run.
# Each step prints how long it took.
#
# env: JOBS=2 (make -j), CHECK_TIMEOUT=3000 (seconds for one `make check`),
#      FUZZ_SECONDS=60 (per target), STATIC=1, FUZZ=1, SANITIZERS=1 (0 skips
#      that step, counted as skipped; all runs the whole make check under it),
#      ASAN_TESTS (the integration tests of the sanitizer step, a run.sh -k
#      pattern; default below)
set -uo pipefail
cd "$(dirname "$0")" || exit 1
JOBS=${JOBS:-2}
CHECK_TIMEOUT=${CHECK_TIMEOUT:-3000}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
t0=$SECONDS
top=$PWD

say() { printf '==> %s\n' "$*"; step_t0=$SECONDS; }
took() { echo "run-tests: $1 took $((SECONDS - step_t0)) s"; }
# Indents a file so that no line of it reads as our closing summary.
show() { sed 's/^/    | /' "$@"; }
fatal() {  # a step before the tests failed: nothing ran
  echo "run-tests: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

[ "$(id -u)" -eq 0 ] || echo "run-tests: not root: the integration tests will be skipped (run $0 as root)" >&2

# What the tests inherit from whoever started us (some assertions depend on
# it: nice, oom_score_adj, hard limits, CPUs): printed for the CI log.
echo "run-tests: kernel $(uname -r), nice $(nice), oom_score_adj $(cat /proc/self/oom_score_adj)," \
  "CPUs $(nproc), hard limits: core $(ulimit -Hc), nofile $(ulimit -Hn), nproc $(ulimit -Hu)"
echo "run-tests: cgroup $(tr '\n' ' ' </proc/self/cgroup | cut -c1-300)"
# (SHELL, TERM and a tty decide how script(1) and pty clients behave.)
echo "run-tests: SHELL=${SHELL-(unset)} TERM=${TERM-(unset)} stdin $(readlink /proc/self/fd/0 2>/dev/null || echo closed)," \
  "environment: $(env | cut -d= -f1 | sort | tr '\n' ' ' | cut -c1-300)"

say "dependencies"
scripts/install-deps.sh </dev/null || fatal "installing the dependencies failed"

say "autogen + configure --enable-werror"
mkdir -p tests/tmp
./autogen.sh >tests/tmp/autogen.log 2>&1 || { show tests/tmp/autogen.log; fatal "autogen.sh failed"; }
./configure --enable-werror >tests/tmp/configure.log 2>&1 \
  || { tail -n 30 tests/tmp/configure.log | show; fatal "configure failed (see config.log)"; }

say "make -j$JOBS"
make -j"$JOBS" </dev/null || fatal "the build failed"
took "the build"

passed=0 failed=0 skipped=0 failed_names=
# One result that is not a TAP log: NAME PASS|FAIL|SKIP [LOG]
count_one() {
  printf '  %-5s %s\n' "$2" "$1"
  case $2 in
    PASS) passed=$((passed + 1)) ;;
    SKIP) skipped=$((skipped + 1)) ;;
    *)
      failed=$((failed + 1))
      failed_names+="  $1"$'\n'
      [ -n "${3:-}" ] && [ -f "$3" ] && { echo "    --- $3 (last 150 lines)"; tail -n 150 "$3" | show; }
      ;;
  esac
}

# make check in the build tree DIR (label LABEL), then counts its logs.
# Further arguments go to both make calls (e.g. TESTS="..." to run a part).
check_tree() {
  local dir=$1 label=$2 check_rc=0
  shift 2
  # Stale results of an earlier run must not be counted.
  find "$dir/tests" "$dir/fuzz" -name '*.trs' -delete 2>/dev/null || true
  (cd "$dir" && timeout -k 10 "$CHECK_TIMEOUT" make -j"$JOBS" check "$@" </dev/null) || check_rc=$?
  [ $check_rc -eq 124 ] && echo "run-tests: $label make check timed out after ${CHECK_TIMEOUT}s" >&2

  # The logs the harness writes, one per test (tests/unit/test-spec.log,
  # tests/integration/run.log, ...).
  local logs
  # shellcheck disable=SC2016 # $(TEST_LOGS) is for make
  # (make may first regenerate Makefile and print configure's output: take
  # only the marked line.)
  logs=$(printf 'print-test-logs:\n\t@echo "TEST_LOGS: $(TEST_LOGS)"\n' |
    make -s -C "$dir" -f Makefile -f - "$@" print-test-logs | sed -n 's/^TEST_LOGS: //p' | tail -n 1)
  [ -n "$logs" ] || fatal "no tests are registered in Makefile.am"

  local summary_re='^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?[[:space:]]*$'
  local log trs name result p f s line failed_before=$failed
  for log in $logs; do
    trs=$dir/${log%.log}.trs
    name=$label${log%.log}
    log=$dir/$log
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
      # Named again at the very end, where a truncated CI log still shows them.
      failed_names+=$(grep -E '^(FAIL |not ok)' "$log" | grep -v '^FAIL tests/' | sed "s|^|  $name: |" | head -n 20)$'\n'
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  done

  if [ $check_rc -ne 0 ] && [ $failed -eq $failed_before ]; then
    echo "run-tests: $label make check exited with status $check_rc" >&2
    failed=$((failed + 1))
  fi
}

# A copy of the source tree (no build products, no .git, no test temp
# dirs) in a new directory under /tmp (short: socket paths have a limit),
# printed on stdout. Configured there in-tree with other options.
copy_tree() {
  local dest
  dest=$(mktemp -d "/tmp/minirun-$1.XXXXXX") || return 1
  tar -C "$top" --exclude=./.git --exclude=./tests/tmp --exclude='*.o' --exclude='*.lo' \
    --exclude='*.la' --exclude=.libs --exclude=.deps --exclude='*.log' --exclude='*.trs' \
    --exclude=./fuzz/work --exclude=./fuzz/artifacts --exclude=./build-musl -cf - . | tar -C "$dest" -xf - || return 1
  # Generated files are regenerated for the new configuration.
  rm -f "$dest/config.status" "$dest/config.cache" "$dest/libtool"
  echo "$dest"
}

# Before make check: its arm64 VM test (tests/vm/test-arm64.sh) reuses build-aarch64.
say "cross-builds: scripts/cross-build.sh aarch64, armhf (out-of-tree, make install DESTDIR); scripts/check-contrib.sh; scripts/check-configs.sh"
for arch in aarch64 armhf; do
  rc=0
  JOBS=$JOBS scripts/cross-build.sh "$arch" >"tests/tmp/cross-build-$arch.log" 2>&1 </dev/null || rc=$?
  case $rc in
    0) count_one "cross-build/$arch" PASS; sed -n '/text.*filename/,$p' "tests/tmp/cross-build-$arch.log" ;;
    77) count_one "cross-build/$arch" SKIP; grep -m1 SKIP "tests/tmp/cross-build-$arch.log" ;;
    *) count_one "cross-build/$arch" FAIL "tests/tmp/cross-build-$arch.log" ;;
  esac
done
rc=0
scripts/check-contrib.sh >tests/tmp/check-contrib.log 2>&1 </dev/null || rc=$?
case $rc in
  0) count_one "contrib (Yocto layer, Buildroot package)" PASS ;;
  77) count_one "contrib (Yocto layer, Buildroot package)" SKIP ;;
  *) count_one "contrib (Yocto layer, Buildroot package)" FAIL tests/tmp/check-contrib.log ;;
esac
rc=0
JOBS=$JOBS scripts/check-configs.sh >tests/tmp/check-configs.log 2>&1 </dev/null || rc=$?
case $rc in
  0) count_one "footprint configuration (--disable-seccomp --disable-caps --disable-images)" PASS ;;
  77) count_one "footprint configuration (--disable-seccomp --disable-caps --disable-images)" SKIP ;;
  *) count_one "footprint configuration (--disable-seccomp --disable-caps --disable-images)" FAIL tests/tmp/check-configs.log ;;
esac
took "the cross-builds"

# musl: the fully static musl CLI (dependencies built from Debian's sources
# with musl-gcc, cached in build-musl) and the library built with musl run
# real containers: the unit tests and 216 integration tests, ~2.5 min cold
# and ~90 s warm on 2 busy cores.
say "musl: scripts/check-musl.sh (static musl CLI, integration tests with it as MINIRUN)"
rc=0
JOBS=$JOBS scripts/check-musl.sh >tests/tmp/check-musl.log 2>&1 </dev/null || rc=$?
case $rc in
  0) count_one "musl static CLI" PASS; grep -E '^ *text|^ *[0-9]+.*/minirun$|^check-musl: (unit tests: )?[0-9]+ passed' tests/tmp/check-musl.log | show ;;
  77) count_one "musl static CLI" SKIP; grep -m1 SKIP tests/tmp/check-musl.log ;;
  *) count_one "musl static CLI" FAIL tests/tmp/check-musl.log ;;
esac
took "musl"

say "make check"
check_tree "$top" ""
took "make check"

if [ "${STATIC:-1}" = 1 ]; then
  say "static analysis (cppcheck, clang-tidy)"
  if JOBS=$JOBS scripts/static-analysis.sh >tests/tmp/static-analysis.log 2>&1; then
    count_one static-analysis PASS
  else
    count_one static-analysis FAIL tests/tmp/static-analysis.log
  fi
  took "static analysis"
else
  count_one static-analysis SKIP
fi

if [ "${FUZZ:-1}" = 1 ]; then
  say "fuzzing: every target ${FUZZ_SECONDS}s, $JOBS at a time (clang --enable-fuzzing build)"
  fuzz_names=$(sed -n 's/^FUZZ_NAMES = //p' Makefile.am)
  fuzz_tree=$(copy_tree fuzz) || fatal "cannot copy the tree for the fuzzing build"
  fuzz_log=$fuzz_tree/fuzz-build.log
  if (cd "$fuzz_tree" && ./configure CC=clang --enable-fuzzing && make clean && make -j"$JOBS") >"$fuzz_log" 2>&1; then
    (cd "$fuzz_tree" && FUZZ_SECONDS=$FUZZ_SECONDS FUZZ_JOBS=$JOBS bash fuzz/run.sh $fuzz_names) \
      >"$fuzz_tree/fuzz-run.log" 2>&1
    for t in $fuzz_names; do
      line=$(grep -E "^fuzz: $t +" "$fuzz_tree/fuzz-run.log" || true)
      echo "    $line"
      case $line in
        *" ok "*) count_one "fuzz/$t" PASS ;;
        *) count_one "fuzz/$t" FAIL "$fuzz_tree/fuzz/logs/$t.log" ;;
      esac
    done
  else
    for t in $fuzz_names; do count_one "fuzz/$t" FAIL; done
    tail -n 40 "$fuzz_log" | show
  fi
  took "fuzzing"
  echo "run-tests: fuzzing tree kept in $fuzz_tree (artifacts: fuzz/artifacts)"
else
  count_one fuzzing SKIP
fi

# The sanitizer step. The whole make check under ASan takes about as long as
# the plain one again (404 integration tests: 690 s on a loaded machine), more
# than the CI budget leaves; this part takes about 6 minutes on 2 cores (ASan
# build 110 s, unit tests and replays 5 s, 143 integration tests 246 s, all
# measured at load 8), so CI runs the parts where memory errors would
# hide: every unit test and fuzz corpus replay (the parsers), and the
# integration tests of the in-process API (api, isolation, exec's API test:
# their programs are built with the sanitizers too, see mr_san_cflags in
# tests/integration/lib.sh), bad input, hostile bundles and images, the
# lifecycle, crash safety and fd hygiene. Not run under ASan, and why:
#   - test-valgrind.sh: valgrind cannot run an ASan binary (both claim the
#     address space and intercept malloc);
#   - test-bindings.sh (Python/Lua): the interpreter would need libasan
#     preloaded, and its own allocations swamp LeakSanitizer;
#   - timing figures (bench, the stress and contract load tests): ASan makes
#     them 2-3x slower, they would measure the sanitizer;
#   - the rest (mounts, devices, cgroups, seccomp, procattr, ...) exercises
#     the child's async-signal-safe system-call sequences, which the plain
#     build covers; SANITIZERS=all runs them too.
ASAN_TESTS=${ASAN_TESTS:-'^(api|badinput|hostile|lifecycle|crash|isolation|fds|errors|imagefiles|symlinks|idrange|mountsymlinks)\.|^exec\.api$'}
if [ "${SANITIZERS:-1}" != 0 ]; then
  say "sanitizers: ./configure --enable-sanitizers (ASan + UBSan), make check (${SANITIZERS:-1})"
  asan_tree=$(copy_tree asan) || fatal "cannot copy the tree for the sanitizer build"
  if (cd "$asan_tree" && ./configure --enable-werror --enable-sanitizers && make clean &&
  make -j"$JOBS") \
    >"$asan_tree/asan-build.log" 2>&1; then
    if [ "${SANITIZERS:-1}" = all ]; then
      check_tree "$asan_tree" "asan:"
    else
      # shellcheck disable=SC2016 # $(UNIT_TESTS) is for make
      asan_units=$(printf 'p:\n\t@echo $(UNIT_TESTS)\n' | make -s -C "$asan_tree" -f Makefile -f - p)
      MR_TEST_PATTERN=$ASAN_TESTS check_tree "$asan_tree" "asan:" \
        TESTS="$asan_units fuzz/replay.sh tests/integration/run.sh"
    fi
  else
    count_one "asan: build" FAIL "$asan_tree/asan-build.log"
  fi
  took "sanitizers"
  # Nothing in the copy is needed once counted (mounts and containers of the
  # tests are gone: the runner checks that).
  rm -rf --one-file-system "$asan_tree"
else
  count_one sanitizers SKIP
fi

if [ -n "$failed_names" ]; then
  echo "run-tests: the failed tests:"
  printf '%s' "$failed_names"
fi
echo "run-tests: $((SECONDS - t0)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
