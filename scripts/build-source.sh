#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-source.sh - the source tree that an out-of-tree (VPATH) build of
# SRCDIR in BUILDDIR configures from; prints its absolute path.
#
#   SRC=$(scripts/build-source.sh SRCDIR BUILDDIR)
#
# SRCDIR itself (autogen.sh runs first when it has no configure yet, its
# output in BUILDDIR/autogen.log), unless SRCDIR is configured in-tree:
# automake refuses a VPATH build of such a tree, so then a clean copy of it
# in BUILDDIR/src (scripts/source-copy.sh). Used by scripts/cross-build.sh
# and scripts/check-configs.sh.
set -euo pipefail
SRCDIR=$(cd "$1" && pwd) BUILD=$2
if [ -f "$SRCDIR/config.status" ]; then
  echo "build-source: $SRCDIR is configured in-tree: building from a clean copy in $BUILD/src" >&2
  "$SRCDIR/scripts/source-copy.sh" "$SRCDIR" "$BUILD/src" >&2
  echo "$BUILD/src"
  exit 0
fi
if [ ! -x "$SRCDIR/configure" ]; then
  mkdir -p "$BUILD"
  (cd "$SRCDIR" && ./autogen.sh) >"$BUILD/autogen.log" 2>&1
fi
echo "$SRCDIR"
