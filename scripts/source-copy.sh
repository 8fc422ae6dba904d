#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# source-copy.sh - a clean copy of a source tree for an out-of-tree build.
#
#   scripts/source-copy.sh SRCDIR DEST
#
# A source tree configured in-tree cannot host a VPATH build (automake
# refuses), so its git-tracked (and untracked, not ignored) files are copied
# into DEST and autogen.sh runs there (DEST/autogen.log). tar keeps the
# files' times, so an unchanged file does not rebuild. Used by
# scripts/build-source.sh (for scripts/cross-build.sh and
# scripts/check-configs.sh) and bench/size-table.sh.
set -euo pipefail
SRCDIR=$1 DEST=$2
if ! git -C "$SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
  echo "source-copy: $SRCDIR is configured in-tree and not a git checkout: run make distclean there first" >&2
  exit 1
fi
mkdir -p "$DEST"
# shellcheck disable=SC2016 # the inner script's own variables
(cd "$SRCDIR" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
  tar --null -T - -cf -) | tar -C "$DEST" -xf -
# Again when configure.ac or Makefile.am changed since (a copy kept from an
# earlier run): configure would otherwise run once with the old options.
if [ ! -x "$DEST/configure" ] || [ "$DEST/configure.ac" -nt "$DEST/configure" ] ||
  [ "$DEST/Makefile.am" -nt "$DEST/Makefile.in" ]; then
  (cd "$DEST" && ./autogen.sh) >"$DEST/autogen.log" 2>&1 || {
    tail -n 20 "$DEST/autogen.log" >&2
    exit 1
  }
fi
