#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# musl-build.sh - the minirun CLI linked fully static against musl libc
# (what a Buildroot or Yocto musl image gets), on Debian 12.
#
#   scripts/musl-build.sh [OUTDIR [CONFIGURE-ARGS...]]
#                                       (default: build-musl in the source tree)
#
# MUSL_ARCH=aarch64 cross-builds for arm64 instead (Debian's musl-dev:arm64
# and aarch64-linux-gnu-gcc with musl's specs, as OUTDIR/bin/CC; the
# dependencies and minirun configured --host=aarch64-linux-gnu; default
# OUTDIR build-musl-aarch64); tests/vm/test-arm64.sh runs such a CLI in
# an arm64 VM (MINIRUN_MUSL_ARM64).
#
# CONFIGURE-ARGS go to minirun's configure after ours, e.g. the smallest
# build: scripts/musl-build.sh build-musl-min --disable-seccomp
# --disable-caps --disable-images CFLAGS=-Os (each OUTDIR builds the
# dependencies once for itself).
#
# Installs musl-tools (musl-gcc) and the build tools it needs with apt-get,
# fetches Debian's source packages of libseccomp, libcap2 and yajl with
# `apt-get source` (Debian's patched sources, checked against the signed
# Sources index; a deb-src entry is added under /etc/apt/sources.list.d/
# only when none is configured), builds each as a static archive with
# musl-gcc into OUTDIR/prefix (position independent, so that
# libminirun.so links them too), then minirun out of tree in
# OUTDIR/minirun/build:
#   configure CC=musl-gcc --enable-static-cli=full --enable-werror
#             --disable-python --disable-lua
#             CPPFLAGS=-isystem OUTDIR/prefix/kernel-headers
#             PKG_CONFIG_LIBDIR=OUTDIR/prefix/lib/pkgconfig
# musl-gcc sees no kernel headers of its own: Debian's linux-libc-dev
# (<linux/...>, <asm/...>) is linked into OUTDIR/prefix/kernel-headers and
# given as a system directory, as in a toolchain's sysroot.
# A dependency is built once (OUTDIR/prefix/.built-NAME holds its version);
# a rerun only runs make for minirun. Logs in OUTDIR/logs. Prints, last,
# the binary's path, its size (size(1) and bytes) and file(1).
# Exit status: 0, 1 on a failure (the log's end printed), 77 (skip) when
# musl-tools is missing and cannot be installed (not root).
set -euo pipefail
me=musl-build
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# The target: CC (a one-word compiler for cmake too), --host, binutils.
case ${MUSL_ARCH:-native} in
native)
  target=
  OUT=${1:-$SRCDIR/build-musl}
  ;;
aarch64)
  target=aarch64-linux-gnu
  OUT=${1:-$SRCDIR/build-musl-aarch64}
  ;;
*)
  echo "$me: MUSL_ARCH=$MUSL_ARCH: native or aarch64" >&2
  exit 2
  ;;
esac
shift $(($# > 0 ? 1 : 0))
jobs=${JOBS:-2}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES # an independent build
mkdir -p "$OUT/logs" "$OUT/prefix/lib/pkgconfig" "$OUT/prefix/include"
OUT=$(cd "$OUT" && pwd)
PREFIX=$OUT/prefix
LOGS=$OUT/logs
if [ -z "$target" ]; then
  arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
  CC=musl-gcc
  host=()
  tools=
  packages=(musl-tools)
else
  arch=$target
  # musl-gcc's way (Debian's musl-gcc is this for the build machine).
  mkdir -p "$OUT/bin"
  CC=$OUT/bin/$target-musl-gcc
  printf '#!/bin/sh\nexec %s-gcc "$@" -specs /usr/lib/%s/musl-gcc.specs\n' \
    "$target" "${target%-gnu}-musl" >"$CC"
  chmod +x "$CC"
  host=(--host="$target")
  tools=$target-
  packages=(musl-dev:arm64 "gcc-$target" "binutils-$target" linux-libc-dev:arm64)
fi

# run LOG CMD...: CMD with its output in LOGS/LOG; on failure the end of it.
run() {
  local log=$LOGS/$1
  shift
  if ! "$@" >>"$log" 2>&1; then
    echo "$me: failed: $* (end of $log:)" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
}

need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "$me: SKIP: needs ${missing[*]} (apt-get install as root)" >&2
    exit 77
  fi
  # arm64 packages need the architecture known to dpkg (Debian multiarch).
  if [ -n "$target" ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "$me: dpkg --add-architecture arm64"
    dpkg --add-architecture arm64
    run apt.log apt-get update -q
  fi
  echo "$me: apt-get install ${missing[*]}"
  run apt.log env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# Source indexes for `apt-get source`: the deb entries again as deb-src,
# in a file of our own, when no deb-src entry exists at all.
ensure_deb_src() {
  # shellcheck disable=SC2016 # apt's own $(FIELD) syntax
  if apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources; then
    return 0
  fi
  local list=/etc/apt/sources.list.d/minirun-deb-src.sources
  if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "$me: adding deb-src entries: $list"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$list"
    else
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"${list%.sources}.list"
    fi
  fi
  run apt.log apt-get update -q
}

# fetch PKG: Debian's source package PKG unpacked (patches applied) in
# src=OUT/deps/src/PKG.
fetch() {
  local pkg=$1 dsc
  mkdir -p "$OUT/deps/src"
  dsc=$(find "$OUT/deps/src" -maxdepth 1 -name "${pkg}_*.dsc" | head -n 1)
  if [ -z "$dsc" ]; then
    ensure_deb_src
    (cd "$OUT/deps/src" && run "$pkg.log" apt-get source --download-only -q "$pkg")
    dsc=$(find "$OUT/deps/src" -maxdepth 1 -name "${pkg}_*.dsc" | head -n 1)
  fi
  src=$OUT/deps/src/$pkg
  if [ ! -d "$src" ]; then
    rm -rf "$src.tmp"
    run "$pkg.log" dpkg-source -x "$dsc" "$src.tmp"
    mv "$src.tmp" "$src"
  fi
}

version_of() { sed -n 's/^Version: //p' "$(find "$OUT/deps/src" -maxdepth 1 -name "${1}_*.dsc" | head -n 1)"; }
built() { [ -f "$PREFIX/.built-$1" ]; }
mark_built() { version_of "$1" >"$PREFIX/.built-$1"; }

build_libseccomp() {
  local b
  fetch libseccomp
  b=$OUT/deps/build/libseccomp
  rm -rf "$b" && mkdir -p "$b"
  echo "$me: libseccomp $(version_of libseccomp) (static, $CC)"
  (cd "$b" && run libseccomp.log "$src/configure" "${host[@]}" CC="$CC" \
    CPPFLAGS="-isystem $PREFIX/kernel-headers" --prefix="$PREFIX" \
    --enable-static --disable-shared --with-pic --disable-python)
  run libseccomp.log make -C "$b/src" -j"$jobs" install
  run libseccomp.log make -C "$b/include" install
  run libseccomp.log make -C "$b" install-pkgconfDATA
  rm -f "$PREFIX/lib/libseccomp.la" # libtool would take its -L paths for the CLI
  mark_built libseccomp
}

build_libcap2() {
  fetch libcap2
  echo "$me: libcap $(version_of libcap2) (static, $CC)"
  # libcap carries its own copy of the kernel headers it needs (uapi/);
  # its build-time helper _makenames runs on the host (BUILD_CC).
  run libcap2.log make -C "$src/libcap" clean
  run libcap2.log make -C "$src/libcap" CC="$CC" CROSS_COMPILE="$tools" BUILD_CC=gcc SHARED=no PTHREADS=no \
    GOLANG=no prefix="$PREFIX" lib=lib DESTDIR= install-static-cap
  mark_built libcap2
}

build_yajl() {
  local b
  fetch yajl
  b=$OUT/deps/build/yajl
  rm -rf "$b"
  echo "$me: yajl $(version_of yajl) (static, $CC)"
  local cross=()
  [ -z "$target" ] || cross=(-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR="${target%%-*}"
    -DCMAKE_AR="$(command -v "${tools}ar")" -DCMAKE_RANLIB="$(command -v "${tools}ranlib")")
  run yajl.log cmake -S "$src" -B "$b" -DCMAKE_C_COMPILER="$CC" "${cross[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  run yajl.log make -C "$b" -j"$jobs" yajl_s
  # yajl installs its archive as libyajl_s.a and a yajl.pc whose Cflags
  # point into include/yajl; minirun includes <yajl/...> and links -lyajl.
  mkdir -p "$PREFIX/include/yajl"
  cp "$b"/yajl-*/include/yajl/*.h "$PREFIX/include/yajl/"
  cp "$b"/yajl-*/lib/libyajl_s.a "$PREFIX/lib/libyajl.a"
  cat >"$PREFIX/lib/pkgconfig/yajl.pc" <<EOF
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: yajl
Description: Yet Another JSON Library (static, musl)
Version: $(version_of yajl | sed 's/-.*//')
Cflags: -I\${includedir}
Libs: -L\${libdir} -lyajl
EOF
  mark_built yajl
}

need_packages "${packages[@]}" linux-libc-dev dpkg-dev gperf cmake make file binutils pkg-config \
  autoconf automake libtool

# The kernel's UAPI headers, which musl (unlike glibc) does not bring.
mkdir -p "$PREFIX/kernel-headers"
for d in linux asm-generic; do ln -sfn "/usr/include/$d" "$PREFIX/kernel-headers/$d"; done
ln -sfn "/usr/include/$arch/asm" "$PREFIX/kernel-headers/asm"

built libseccomp || build_libseccomp
built libcap2 || build_libcap2
built yajl || build_yajl

# minirun itself, out of tree (a copy of the source when it is configured
# in-tree: scripts/build-source.sh).
mkdir -p "$OUT/minirun"
SRC=$("$SRCDIR/scripts/build-source.sh" "$SRCDIR" "$OUT/minirun")
B=$OUT/minirun/build
mkdir -p "$B"
cfg=("${host[@]}" CC="$CC" "PKG_CONFIG=$(command -v pkg-config)" "CPPFLAGS=-isystem $PREFIX/kernel-headers" "PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig"
  --enable-static-cli=full --enable-werror --disable-python --disable-lua "$@")
if ! [ -f "$B/config.status" ] || [ "$(cat "$B/.configure-args" 2>/dev/null)" != "${cfg[*]}" ]; then
  echo "$me: configure ${cfg[*]}"
  rm -f "$B/.configure-args" "$LOGS/configure.log"
  (cd "$B" && run configure.log "$SRC/configure" "${cfg[@]}")
  printf '%s\n' "${cfg[*]}" >"$B/.configure-args"
fi
rm -f "$LOGS/make.log"
run make.log make -C "$B" -j"$jobs" minirun

bin=$B/minirun
if file -L "$bin" | grep -q 'dynamically linked'; then
  echo "$me: $bin is not static:" >&2
  file -L "$bin" >&2
  exit 1
fi
"${tools}strip" --strip-unneeded -o "$B/minirun.stripped" "$bin"
echo "$me: $bin ($(stat -c %s "$bin") bytes; stripped $B/minirun.stripped: $(stat -c %s "$B/minirun.stripped") bytes)"
"${tools}size" "$bin"
file -L "$bin"
