#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/static-analysis.sh: cppcheck and clang-tidy over the library, the
# CLI, the examples (examples/supervisor too) and the fuzz targets. Exits non-zero when either reports
# anything (CI counts it as one test). Needs: cppcheck, clang-tidy (and the
# -dev packages of the dependencies, for their headers).
#   scripts/static-analysis.sh [FILE.c...]      (default: every C source)
# env: JOBS=2 (clang-tidy processes in parallel)
#
# clang-tidy: the checks and the reason for each group are in .clang-tidy.
# cppcheck: --enable=warning,portability,performance (real defects and
#   undefined/unportable behaviour) plus these style checks, which catch
#   bugs rather than taste: knownConditionTrueFalse, duplicateCondition,
#   duplicateExpression, identicalConditionAfterEarlyExit, redundantAssignment,
#   unreadVariable, shadowVariable. The rest of `style` (variableScope,
#   constParameter, ...) is taste and stays off.
#   --library=posix: knows open/close/malloc pairs for leak checking.
#   Suppressed: missingIncludeSystem (system headers are not analysed);
#   memleak and resourceLeak (cppcheck does not model __attribute__((cleanup)),
#   which releases most of our memory and fds: every early return would be a
#   "leak"; leaks are caught at run time by LeakSanitizer, valgrind and the
#   fuzzers); readdirCalled (readdir_r is deprecated: glibc's readdir is
#   thread-safe per DIR stream, and we never share one);
#   preprocessorErrorDirective (cppcheck does not see the kernel headers'
#   syscall numbers, so `#error "no syscall number"` guards fire).
# Suppress one finding inline, with the reason on the same line:
#   // cppcheck-suppress ID ; why     or     // NOLINT(check): why
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(ls libminirun/*.c libminirun/*/*.c cli/*.c examples/*.c examples/*/*.c fuzz/*.c 2>/dev/null | sort)
fi
for tool in cppcheck clang-tidy pkg-config; do
  command -v "$tool" >/dev/null || { echo "static-analysis: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done

# shellcheck disable=SC2207 # word splitting of compiler flags is wanted
dep_cflags=($(pkg-config --cflags libseccomp libcap yajl))
includes=(-Iinclude -Ilibminirun "${dep_cflags[@]}")
failed=0

echo "static-analysis: cppcheck $(cppcheck --version | sed 's/^Cppcheck //') on ${#files[@]} files"
style_ids=knownConditionTrueFalse,duplicateCondition,duplicateExpression
style_ids+=,identicalConditionAfterEarlyExit,redundantAssignment,unreadVariable,shadowVariable
cppcheck_out=$(mktemp)
cppcheck --quiet --std=c11 --library=posix --platform=unix64 --inline-suppr \
  --enable=warning,portability,performance,style --suppress=missingIncludeSystem \
  --suppress=memleak --suppress=resourceLeak --suppress=readdirCalled \
  --suppress=preprocessorErrorDirective \
  -D__linux__ -D__GNUC__ -D_GNU_SOURCE -Iinclude -Ilibminirun \
  --template='{file}:{line}: {severity} [{id}] {message}' "${files[@]}" 2>"$cppcheck_out" >/dev/null
# Keep the chosen style ids and every non-style finding.
findings=$(grep -E '^[^:]+:[0-9]+: ' "$cppcheck_out" \
  | awk -v ids=",$style_ids," '{ id = $3; gsub(/[][]/, "", id) }
      $2 != "style" || index(ids, "," id ",") { print }')
rm -f "$cppcheck_out"
if [ -n "$findings" ]; then
  echo "$findings"
  echo "static-analysis: cppcheck: $(echo "$findings" | wc -l) finding(s)"
  failed=1
fi

echo "static-analysis: clang-tidy $(clang-tidy --version | sed -n 's/.*version //p' | head -n 1) on ${#files[@]} files"
tidy_out=$(mktemp)
# One file per clang-tidy process, JOBS at a time (it is the slow part).
printf '%s\0' "${files[@]}" | xargs -0 -I{} -P "${JOBS:-2}" \
  clang-tidy --quiet {} -- -std=gnu11 -D_GNU_SOURCE "${includes[@]}" >"$tidy_out" 2>&1
tidy_rc=$?
if [ $tidy_rc -ne 0 ] || grep -qE ': (warning|error): ' "$tidy_out"; then
  grep -E ': (warning|error): ' "$tidy_out" | sort -u
  echo "static-analysis: clang-tidy: $(grep -cE ': (warning|error): ' "$tidy_out") finding(s) (exit $tidy_rc)"
  failed=1
fi
rm -f "$tidy_out"

[ $failed -eq 0 ] && echo "static-analysis: clean"
exit $failed
