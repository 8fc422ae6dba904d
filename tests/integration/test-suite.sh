# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# test-suite.sh - checks of the test suite's own code, for idioms that make
# tests fail at random.

# `echo "$OUT" | grep -q PATTERN` under `set -o pipefail` (every test runs so):
# bash's echo writes a multi-line value one line per write(2), grep -q exits
# at its first match, and the rest of echo's writes die of SIGPIPE - the
# pipeline then fails although grep matched. How often depends on the
# scheduler: `oldkernel:masked.readonly_paths_default_spec` failed with
# "/proc/fs exists on the host but not in the container" (3 runs in 8 under
# two CPU hogs; the bare idiom 9 times in 200 on an idle machine). ldd
# writes a line at a time too (`ldd LIB | grep -q libasan` could miss the
# sanitizer build). A here-string (grep -q PATTERN <<<"$OUT") has no writer
# that can die.
test_no_echo_piped_into_early_exiting_grep() {
  local hits
  hits=$(grep -nE '(^|[[:space:];&|({!])(echo|printf|ldd)[[:space:]][^|]*\|[[:space:]]*grep[[:space:]]+(-[A-Za-z]*[qm]|--quiet|--max-count)' \
    "$MINIRUN_SRCDIR"/tests/integration/*.sh || true)
  [ -z "$hits" ] || fail "echo/printf/ldd piped into grep -q or -m (use a here-string): $(_mr_show "$hits")"
}
