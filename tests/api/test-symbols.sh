#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-symbols.sh - the exported symbols of libminirun.so.0 are exactly the
# MR_API functions of include/minirun.h, each with the version MINIRUN_0:
# an accidental export (an internal function without `static` that slipped
# past -fvisibility=hidden and the version script, a dependency's symbol) or
# a declared but unexported function fails. And the library needs nothing
# but the fixed run-time dependencies (DT_NEEDED: libseccomp, libcap, yajl,
# libc): libmount, with libblkid, libselinux and libpcre2-8 behind it, is
# no longer one. TAP output; `make check` runs it.
#
# Environment: MINIRUN_BUILDDIR / MINIRUN_SRCDIR (set by `make check`).
set -euo pipefail
src=${MINIRUN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MINIRUN_BUILDDIR:-$src}
lib=$build/.libs/libminirun.so.0
n=0 failed=0
ok() { # COND-STATUS DESCRIPTION
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

if ! command -v nm >/dev/null; then
  echo "1..0 # SKIP nm not found (binutils)"
  exit 0
fi
if [ ! -e "$lib" ]; then
  echo "Bail out! $lib not built"
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declared: every `MR_API <type> name(` of the header (declarations may span
# lines, so the header is read as one line; preprocessor lines are not).
grep -v '^[[:space:]]*#' "$src/include/minirun.h" | tr '\n' ' ' | grep -oE 'MR_API [^;(]*\(' |
  grep -oE '[A-Za-z_][A-Za-z0-9_]*\($' | tr -d '(' | sort -u >"$tmp/declared"
# Exported: defined dynamic symbols, minus the version node itself.
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort >"$tmp/exported"

sed 's/@.*//' "$tmp/exported" | sort -u >"$tmp/exported-names"
extra=$(comm -13 "$tmp/declared" "$tmp/exported-names" | paste -sd' ' -)
missing=$(comm -23 "$tmp/declared" "$tmp/exported-names" | paste -sd' ' -)
unversioned=$(grep -v '@@MINIRUN_0$' "$tmp/exported" | paste -sd' ' - || true)
nonapi=$(grep -v '^mr_' "$tmp/exported-names" | paste -sd' ' - || true)

ok "$([ "$(wc -l <"$tmp/declared")" -ge 40 ] && echo 0 || echo 1)" \
  "the header declares $(wc -l <"$tmp/declared") MR_API functions"
ok "$([ -z "$extra" ] && echo 0 || echo 1)" "nothing exported beyond the header's API${extra:+: $extra}"
ok "$([ -z "$missing" ] && echo 0 || echo 1)" "every declared function is exported${missing:+ (missing: $missing)}"
ok "$([ -z "$nonapi" ] && echo 0 || echo 1)" "every export is mr_*${nonapi:+ (not: $nonapi)}"
ok "$([ -z "$unversioned" ] && echo 0 || echo 1)" "every export has the version MINIRUN_0${unversioned:+ (not: $unversioned)}"
if command -v readelf >/dev/null; then
  needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' ' -)
  # (plus the sanitizer runtimes of ./configure --enable-sanitizers)
  other=$(tr ' ' '\n' <<<"$needed" |
    grep -vE '^(libseccomp\.so\.2|libcap\.so\.2|libyajl\.so\.2|libc\.so(\.6)?|lib(a|ub)san\.so\.[0-9]+)$' |
    paste -sd' ' - || true)
  ok "$([ -n "$needed" ] && [ -z "$other" ] && echo 0 || echo 1)" \
    "needs only libseccomp, libcap, yajl and libc (NEEDED: $needed)"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
