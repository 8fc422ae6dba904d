#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fuzz/replay.sh: `make check` replays every fuzz corpus (seeds and the
# regression inputs of crashes found by fuzzing) through its target, built
# without libFuzzer as fuzz/replay-TARGET. One TAP line per target.
# env (set by make check): MINIRUN_BUILDDIR, MINIRUN_SRCDIR, MINIRUN_NO_SECCOMP
# (a --disable-seccomp build: no seccomp target)
set -uo pipefail
builddir=${MINIRUN_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
srcdir=${MINIRUN_SRCDIR:-$builddir}
targets=(spec state mount-options id signal seccomp)

n=0 failed=0
for t in "${targets[@]}"; do
  n=$((n + 1))
  if [ "$t" = seccomp ] && [ -n "${MINIRUN_NO_SECCOMP:-}" ]; then
    echo "ok $n - fuzz corpus $t # SKIP built with ./configure --disable-seccomp"
    continue
  fi
  corpus=$srcdir/fuzz/corpus/$t
  log=$(mktemp)
  # Under --enable-sanitizers: libseccomp's own leaks (fuzz/lsan.supp).
  if LSAN_OPTIONS="suppressions=$srcdir/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    "$builddir/fuzz/replay-$t" "$corpus" >"$log" 2>&1; then
    echo "ok $n - fuzz corpus $t: $(grep -c '^ok ' "$log") inputs replayed"
  else
    echo "not ok $n - fuzz corpus $t: failed on $(sed -n 's/^# //p' "$log" | tail -n 1)"
    tail -n 40 "$log" | sed 's/^/# /'
    failed=$((failed + 1))
  fi
  rm -f "$log"
done
echo "1..$n"
[ $failed -eq 0 ]
