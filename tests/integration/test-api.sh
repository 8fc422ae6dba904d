# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# test-api.sh - runs tests/api/test-api (the public C API against real
# containers) as one integration test. The program is compiled from
# tests/api/test-api.c against the build tree's libminirun when possible,
# else the Makefile-built tests/api/test-api is used; without either: SKIP.

test_api_program() {
  local src=$MINIRUN_SRCDIR/tests/api/test-api.c
  local libdir=$MINIRUN_BUILDDIR/.libs
  local bin=
  local san
  san=$(mr_san_cflags)
  if [ -f "$src" ] && [ -e "$libdir/libminirun.so" ] && command -v "$(mr_cc)" >/dev/null; then
    "$(mr_cc)" -std=gnu11 -Wall -Wextra -g -O1 -pthread ${san:+"$san"} -I"$MINIRUN_SRCDIR/include" "$src" \
      -L"$libdir" -lminirun -Wl,-rpath,"$libdir" -o "$T/test-api" 2>"$T/gcc.log" ||
      fail "compiling test-api.c failed: $(_mr_show "$(cat "$T/gcc.log")")"
    bin=$T/test-api
  elif [ -x "$MINIRUN_BUILDDIR/tests/api/test-api" ]; then
    bin=$MINIRUN_BUILDDIR/tests/api/test-api
  else
    skip "libminirun is not built ($libdir/libminirun.so missing)"
  fi
  mkdir "$T/hostdir"
  make_bundle "$T/bundle" sh -c '. /hostdir/cmd.sh'
  add_bind "$T/bundle" "$T/hostdir" /hostdir
  local rc=0
  MR_TEST_HOSTDIR=$T/hostdir MR_TEST_STATE=$T/state timeout 50 "$bin" "$T/bundle" \
    >"$T/tap" 2>"$T/tap.err" </dev/null || rc=$?
  cat "$T/tap" "$T/tap.err"
  local failed plan n
  failed=$(grep '^not ok' "$T/tap" | head -n3 | paste -sd';' - || true)
  [ -z "$failed" ] || fail "test-api: $failed"
  grep -q '^Bail out!' "$T/tap" && fail "test-api: $(grep '^Bail out!' "$T/tap")"
  [ "$rc" -eq 0 ] || fail "test-api exited $rc (stderr: $(_mr_show "$(cat "$T/tap.err")"))"
  plan=$(grep -E '^1\.\.[0-9]+$' "$T/tap" | tail -n1)
  n=$(grep -cE '^ok [0-9]+' "$T/tap")
  [ "$plan" = "1..$n" ] || fail "test-api: plan '$plan' but $n tests passed"
  [ "$n" -ge 50 ] || fail "test-api ran only $n tests"
}
