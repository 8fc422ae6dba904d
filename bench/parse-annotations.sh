#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/parse-annotations.sh: the cost of parsing a config.json with many
# annotations (issue 10, defect 7: the duplicate-key check was quadratic).
#   bash bench/parse-annotations.sh [COUNT...]     (after make; default 40000 65536)
# For each COUNT it writes a config.json with COUNT distinct annotations, loads
# it once through the public API (bench/parse-config.c, built here against the
# tree's libminirun) and prints the instructions counted by
# `valgrind --tool=callgrind` (repeatable, unlike wall time) and the wall time
# of a run without valgrind. Not part of the test suite: speed goals are
# benchmarks, never timed tests.
#
# Measured on the shared 2-core dev VM (Ir: instructions of the whole process,
# parse-config included; wall time on a loaded machine):
#   before (pairwise strcmp): 40000 -> 25,731,648,917 Ir, 12.5 s
#   after  (sort + compare):  40000 ->    185,149,671 Ir,  0.38 s
#                             65536 ->    302,061,714 Ir,  0.66 s (the cap)
#                             65537 -> refused: "annotations: too many members"
#
# env: MINIRUN_BUILDDIR (default: the top of this tree), WORK (default
#      /tmp/minirun-bench-parse), CC (default cc)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
work=${WORK:-/tmp/minirun-bench-parse}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(40000 65536)

command -v valgrind >/dev/null || { echo "bench: valgrind not found: apt-get install valgrind" >&2; exit 1; }
[ -e "$builddir/.libs/libminirun.so" ] || { echo "bench: no libminirun in $builddir: run make first" >&2; exit 1; }

mkdir -p "$work"
"${CC:-cc}" -O2 -I"$top/include" -o "$work/parse-config" "$top/bench/parse-config.c" \
  -L"$builddir/.libs" -lminirun -Wl,-rpath,"$builddir/.libs"

printf '%-10s %16s %10s\n' annotations instructions seconds
for n in "${counts[@]}"; do
  cfg=$work/config-$n.json
  awk -v n="$n" 'BEGIN {
    printf "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"annotations\": {"
    for (i = 0; i < n; i++) printf "%s\"org.example.key.%d\": \"value-%d\"", (i ? ", " : ""), i, i
    print "}}"
  }' >"$cfg"
  out=$work/callgrind.out.$n
  valgrind --tool=callgrind --callgrind-out-file="$out" "$work/parse-config" "$cfg" 2>"$work/valgrind-$n.log" \
    || { cat "$work/valgrind-$n.log" >&2; exit 1; }
  ir=$(sed -n 's/^summary: //p' "$out")
  start=$EPOCHREALTIME
  "$work/parse-config" "$cfg"
  end=$EPOCHREALTIME
  printf '%-10s %16s %10.3f\n' "$n" "$ir" "$(awk -v a="$start" -v b="$end" "BEGIN { print b - a }")"
done
