#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cross-build.sh - cross-builds libminirun for ARM in a separate build
# directory (an out-of-tree VPATH build) and stages `make install` there.
#
#   scripts/cross-build.sh aarch64|armhf [CONFIGURE-ARGS...]
#
# Needs the toolchain and the target's -dev packages: scripts/install-cross.sh
# (run as root once; it is run here when something is missing and we are root).
# Builds in $MINIRUN_CROSS_BUILDDIR (default: build-ARCH under the current
# directory, e.g. a native build tree) with
#   SRCDIR/configure --host=TRIPLET --enable-werror --prefix=/usr
#                    --libdir=/usr/lib/TRIPLET CONFIGURE-ARGS
#   make; make check TESTS=  (builds, never runs, the test programs;
#                             MINIRUN_CROSS_CHECK=0: only the installed files)
#   make install DESTDIR=BUILDDIR/stage
# then checks that the products are ELF files of the target machine and prints
# their sizes. Exit status 0 on success; 77 (skip) with the reason when the
# toolchain is missing and cannot be installed.
#
# A source tree that is itself configured in-tree cannot host a VPATH build
# (automake refuses), so then a clean copy of it is made in BUILDDIR/src
# (scripts/build-source.sh).
#
# pkg-config: PKG_CONFIG_LIBDIR points at the target's .pc files only (the
# host's are never picked up): /usr/lib/TRIPLET/pkgconfig (multiarch) or the
# same under the sysroot of install-cross.sh with PKG_CONFIG_SYSROOT_DIR.
set -euo pipefail
me=cross-build
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${MINIRUN_CROSS_CACHE:-/var/cache/minirun-cross}
jobs=${JOBS:-2}

case ${1:-} in
aarch64 | arm64) ARCH=aarch64 TRIPLET=aarch64-linux-gnu DEBARCH=arm64 MACHINE=AArch64 ;;
armhf | arm) ARCH=armhf TRIPLET=arm-linux-gnueabihf DEBARCH=armhf MACHINE=ARM ;;
*)
  sed -n '4,8s/^# \{0,1\}//p' "$0" >&2
  exit 2
  ;;
esac
shift
BUILD=${MINIRUN_CROSS_BUILDDIR:-$PWD/build-$ARCH}

if ! command -v "$TRIPLET-gcc" >/dev/null ||
  { ! [ -f "/usr/lib/$TRIPLET/pkgconfig/libseccomp.pc" ] && ! [ -f "$CACHE/$DEBARCH/sysroot/.ready" ]; }; then
  if [ "$(id -u)" = 0 ]; then
    "$SRCDIR/scripts/install-cross.sh" "$ARCH" || {
      echo "$me: SKIP: scripts/install-cross.sh $ARCH failed" >&2
      exit 77
    }
  else
    echo "$me: SKIP: no $TRIPLET toolchain/-dev packages (run scripts/install-cross.sh $ARCH as root)" >&2
    exit 77
  fi
fi

# Where the target's libraries are: multiarch under /usr, or the sysroot.
SYS=
if [ -f "/usr/lib/$TRIPLET/pkgconfig/libseccomp.pc" ] && [ "${MINIRUN_CROSS_MODE:-}" != sysroot ]; then
  export PKG_CONFIG_LIBDIR=/usr/lib/$TRIPLET/pkgconfig:/usr/share/pkgconfig
  unset PKG_CONFIG_SYSROOT_DIR
else
  SYS=$CACHE/$DEBARCH/sysroot
  export PKG_CONFIG_LIBDIR=$SYS/usr/lib/$TRIPLET/pkgconfig:$SYS/usr/share/pkgconfig
  export PKG_CONFIG_SYSROOT_DIR=$SYS
fi
unset PKG_CONFIG_PATH

# An independent build: nothing of a calling make (its command-line variables
# such as TESTS=, its jobserver) may leak into ours.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
SRC=$("$SRCDIR/scripts/build-source.sh" "$SRCDIR" "$BUILD")

OBJ=$BUILD/obj
STAGE=$BUILD/stage
rm -rf "$STAGE"
mkdir -p "$OBJ"
cd "$OBJ"
cfg=(--host="$TRIPLET" --enable-werror --prefix=/usr --libdir="/usr/lib/$TRIPLET" "$@")
if [ -n "$SYS" ]; then
  # The sysroot holds only the four libraries and their dependencies (the libc
  # is the cross toolchain's): headers after the toolchain's, libraries and
  # their own DT_NEEDED found there.
  cfg+=(CPPFLAGS="-idirafter $SYS/usr/include"
    LDFLAGS="-L$SYS/usr/lib/$TRIPLET -Wl,-rpath-link,$SYS/usr/lib/$TRIPLET:$SYS/lib/$TRIPLET")
fi
# Configured once per set of arguments; later runs only run make.
if ! [ -f config.status ] || [ "$(cat .configure-args 2>/dev/null)" != "${cfg[*]}" ]; then
  echo "$me: configure ${cfg[*]}"
  rm -f .configure-args
  if ! "$SRC/configure" "${cfg[@]}" >configure.out 2>&1; then
    tail -n 30 configure.out >&2
    exit 1
  fi
  printf '%s\n' "${cfg[*]}" >.configure-args
fi
# MINIRUN_CROSS_CHECK=0 (bench/size-table.sh): only what is installed (no
# test programs, no crash-point CLI).
check_programs=${MINIRUN_CROSS_CHECK:-1}
if [ "$check_programs" != 0 ]; then
  echo "$me: make -j$jobs"
  make -j"$jobs" >make.out 2>&1 || {
    grep -E 'error|warning' make.out | head -n 30 >&2
    tail -n 20 make.out >&2
    exit 1
  }
  make -j"$jobs" check TESTS= >make-check.out 2>&1 || {
    tail -n 30 make-check.out >&2
    exit 1
  }
  install=(install)
else
  install=(-j"$jobs" install-exec install-data)
fi
make "${install[@]}" DESTDIR="$STAGE" >make-install.out 2>&1 || {
  grep -E 'error|warning' make-install.out | head -n 30 >&2
  tail -n 30 make-install.out >&2
  exit 1
}

# The products must be target ELF files, installed where a distribution puts
# them (the CLI and its man page only without --disable-cli).
cli=1 libdir=/usr/lib/$TRIPLET
for a in "$@"; do
  case $a in
  --disable-cli) cli=0 ;;
  --libdir=*) libdir=${a#--libdir=} ;;
  esac
done
bad=0
products=("$STAGE$libdir/libminirun.so.0")
[ "$check_programs" = 0 ] || products+=(tests/unit/test-spec)
if [ $cli = 1 ]; then
  products+=("$STAGE/usr/bin/minirun")
elif [ -e "$STAGE/usr/bin/minirun" ] || [ -e "$STAGE/usr/share/man/man8/minirun.8" ]; then
  echo "$me: --disable-cli still installed the CLI or its man page" >&2
  bad=1
fi
for f in "${products[@]}"; do
  m=$("$TRIPLET-readelf" -h "$f" 2>/dev/null | sed -n 's/^ *Machine: *//p')
  if [ "$m" != "$MACHINE" ]; then
    echo "$me: $f is not a $MACHINE ELF file (machine: ${m:-not ELF})" >&2
    bad=1
  fi
done
man=usr/share/man/man8/minirun.8
[ $cli = 1 ] || man=
for f in usr/include/minirun.h "${libdir#/}/pkgconfig/minirun.pc" $man; do
  [ -e "$STAGE/$f" ] || {
    echo "$me: make install did not install /$f" >&2
    bad=1
  }
done
[ $bad = 0 ] || exit 1
echo "$me: $ARCH ($TRIPLET${SYS:+, sysroot $SYS}) built in $OBJ, installed into $STAGE"
sized=("$STAGE$libdir/libminirun.so.0")
[ $cli = 0 ] || sized+=("$STAGE/usr/bin/minirun")
"$TRIPLET-size" "${sized[@]}" | sed 's/^/    /'
