# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# test-contract.sh - the embedding contract (include/minirun.h, issue 8)
# against real containers: tests/api/test-contract.c, compiled here against
# the build tree's libminirun (like test-api.sh), one case per test. The
# 10,000-cycle soak is bench/soak.sh; the short one here runs 300 cycles.

# contract_case CASE [N] [ENV=VALUE...]: runs one case against a `true` bundle.
contract_case() {
  local case=$1 n=${2:-} src=$MINIRUN_SRCDIR/tests/api/test-contract.c
  local libdir=$MINIRUN_BUILDDIR/.libs bin=$T/test-contract rc=0
  shift $(($# < 2 ? $# : 2))
  [ -e "$libdir/libminirun.so" ] || skip "libminirun is not built ($libdir/libminirun.so missing)"
  "$(mr_cc)" -std=gnu11 -Wall -Wextra -g -O1 -pthread -I"$MINIRUN_SRCDIR/include" "$src" \
    -L"$libdir" -lminirun -Wl,-rpath,"$libdir" -o "$bin" 2>"$T/gcc.log" ||
    fail "compiling test-contract.c failed: $(_mr_show "$(cat "$T/gcc.log")")"
  [ -d "$T/bundle" ] || make_bundle "$T/bundle" true
  env "$@" timeout 55 "$bin" "$case" "$T/bundle" "$T/state" $n >"$T/tap" 2>&1 </dev/null || rc=$?
  cat "$T/tap"
  [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "test-contract $case timed out"
  [ "$rc" -lt 128 ] || fail "test-contract $case was killed by signal $((rc - 128))"
  local failed plan npass
  failed=$(grep '^not ok' "$T/tap" | head -n3 | paste -sd';' - || true)
  [ -z "$failed" ] || fail "test-contract $case: $failed"
  ! grep -q '^Bail out!' "$T/tap" || fail "test-contract $case: $(grep '^Bail out!' "$T/tap")"
  [ "$rc" -eq 0 ] || fail "test-contract $case exited $rc"
  plan=$(grep -E '^1\.\.[0-9]+$' "$T/tap" | tail -n1)
  npass=$(grep -cE '^ok [0-9]+' "$T/tap")
  [ "$plan" = "1..$npass" ] && [ "$npass" -gt 0 ] || fail "test-contract $case: plan '$plan' but $npass passed"
}

test_contract_sideeffects() {
  make_bundle "$T/bad" /no/such/program
  contract_case sideeffects "" MR_TEST_BAD_BUNDLE="$T/bad"
}

test_contract_threads() {
  contract_case threads 25
}

test_contract_small_stack() {
  contract_case smallstack
}

test_contract_loadtime() {
  # The ASan runtime (--enable-sanitizers) installs SIGSEGV/SIGBUS handlers
  # when it loads: a sanitizer build cannot show a clean process image.
  if grep -q libasan <<<"$(ldd "$MINIRUN_BUILDDIR/.libs/libminirun.so.0" 2>/dev/null)"; then
    skip "libminirun is built with AddressSanitizer, whose runtime installs signal handlers at load"
  fi
  contract_case loadtime
}

test_contract_soak_short() {
  contract_case soak 300
}

# minirun.h: a host that reaps every child (or ignores SIGCHLD) loses the
# exit status (-ECHILD) but can still delete the container.
test_contract_host_reaps() {
  contract_case hostreaps
}

# The soak over an image root (issue 7, libminirun/image/): a loop device,
# detached mounts and their fds made and dropped 100 times in one host
# process, with no fd, memory or loop device left over.
test_contract_soak_image() {
  command -v mksquashfs >/dev/null || skip "mksquashfs (squashfs-tools) is not installed"
  make_bundle "$T/bundle" true
  mksquashfs "$T/bundle/rootfs" "$T/bundle/image" -noappend -quiet -processors 1 >/dev/null
  rm -rf "$T/bundle/rootfs"
  jqset "$T/bundle" '.root.path = "image" | .root.readonly = false'
  contract_case soak 100
}
