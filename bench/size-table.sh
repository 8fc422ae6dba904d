#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/size-table.sh - the footprint of each configuration (README,
# "Footprint"): builds
#   default, --disable-seccomp, --disable-caps, --disable-images,
#   all three disabled, --enable-static-cli
# for x86_64 (native), aarch64 and armhf (scripts/cross-build.sh: the
# toolchains and target libraries of scripts/install-cross.sh; armhf from its
# sysroot, the architecture is never added to dpkg), each out of tree in
# $WORK/<arch>-<config> from one clean copy of this tree ($WORK/src), installs
# it with DESTDIR, and prints one table row per build: the stripped size of
# libminirun.so.0 and of the minirun CLI (strip --strip-unneeded of the
# installed file, as a distribution ships it) and `size` text/data/bss of
# each.
#
#   bench/size-table.sh [ARCH...]      (default: x86_64 aarch64 armhf)
#
# Not part of the test suite (it is 18 builds: ~10-20 min on 2 cores).
# env: WORK (default /tmp/minirun-size-table), JOBS=2,
#      CONFIGS (names of the configurations below to build; default all)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp/minirun-size-table}
jobs=${JOBS:-2}
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(x86_64 aarch64 armhf)

declare -A opts=(
  [default]=""
  [no-seccomp]="--disable-seccomp"
  [no-caps]="--disable-caps"
  [no-images]="--disable-images"
  [none]="--disable-seccomp --disable-caps --disable-images"
  [static-cli]="--enable-static-cli"
)
read -r -a configs <<<"${CONFIGS:-default no-seccomp no-caps no-images none static-cli}"
# Nothing the table does not measure: no bindings, no test programs.
common=(--enable-werror --disable-python --disable-lua)

mkdir -p "$work"
work=$(cd "$work" && pwd)
echo "size-table: sources copied to $work/src" >&2
rm -rf "$work/src"
"$top/scripts/source-copy.sh" "$top" "$work/src"
# An independent build: nothing of a calling make may leak into ours.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# build ARCH CONFIG: prints the staged library and CLI (two lines) and the
# tool prefix.
build() {
  local arch=$1 cfg=$2 dir=$work/$1-$2
  local -a extra
  read -r -a extra <<<"${opts[$cfg]}"
  if [ "$arch" = x86_64 ]; then
    mkdir -p "$dir/obj"
    (
      cd "$dir/obj"
      "$work/src/configure" --prefix=/usr --libdir=/usr/lib "${common[@]}" "${extra[@]}" \
        >configure.out 2>&1 || { tail -n 20 configure.out >&2; exit 1; }
      rm -rf "$dir/stage"
      # Only what is installed (no test programs, no crash-point CLI).
      make -j"$jobs" install-exec install-data DESTDIR="$dir/stage" >install.out 2>&1 ||
        { tail -n 20 install.out >&2; exit 1; }
    )
    echo "$dir/stage/usr/lib/libminirun.so.0 $dir/stage/usr/bin/minirun"
  else
    local triplet
    case $arch in
    aarch64) triplet=aarch64-linux-gnu ;;
    armhf) triplet=arm-linux-gnueabihf ;;
    *)
      echo "size-table: unknown architecture $arch" >&2
      exit 2
      ;;
    esac
    MINIRUN_CROSS_BUILDDIR=$dir MINIRUN_CROSS_CHECK=0 JOBS=$jobs \
      "$work/src/scripts/cross-build.sh" "$arch" "${common[@]}" "${extra[@]}" >"$dir.log" 2>&1 || {
      tail -n 20 "$dir.log" >&2
      exit 1
    }
    echo "$dir/stage/usr/lib/$triplet/libminirun.so.0 $dir/stage/usr/bin/minirun"
  fi
}

tool() { # ARCH NAME
  case $1 in
  x86_64) echo "$2" ;;
  aarch64) echo "aarch64-linux-gnu-$2" ;;
  armhf) echo "arm-linux-gnueabihf-$2" ;;
  esac
}

# size_of ARCH FILE: "stripped-bytes text data bss" of the stripped file.
size_of() {
  local arch=$1 f=$2 s
  s=$work/stripped.$$
  cp "$f" "$s"
  "$(tool "$arch" strip)" --strip-unneeded "$s"
  printf '%s %s\n' "$(stat -c %s "$s")" "$("$(tool "$arch" size)" "$s" | awk 'NR == 2 { print $1, $2, $3 }')"
  rm -f "$s"
}

kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

rows=()
for arch in "${archs[@]}"; do
  for cfg in "${configs[@]}"; do
    echo "size-table: $arch $cfg: ${opts[$cfg]:-(defaults)}" >&2
    read -r lib cli <<<"$(build "$arch" "$cfg")"
    read -r lb lt ld lz <<<"$(size_of "$arch" "$lib")"
    read -r cb ct cd cz <<<"$(size_of "$arch" "$cli")"
    note=
    if [ "$cfg" = static-cli ]; then
      # Fully static only where configure found every archive.
      if ! "$(tool "$arch" readelf)" -d "$cli" | grep -q NEEDED; then
        note=" (fully static)"
      else
        note=" (libminirun static; needs $("$(tool "$arch" readelf)" -d "$cli" |
          sed -n 's/.*(NEEDED).*\[\(lib[^.]*\).*/\1/p' | grep -v '^libc$' | paste -sd, -))"
      fi
    fi
    rows+=("| $arch | $cfg$note | $(kib "$lb") | $lt / $ld / $lz | $(kib "$cb") | $ct / $cd / $cz |")
  done
done

echo "| arch | configuration | libminirun.so.0 stripped KiB | lib text / data / bss | minirun stripped KiB | CLI text / data / bss |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "($(gcc --version | head -n1), -O2; configure ${common[*]} + the configuration's options; $(date -u '+%Y-%m-%d %H:%M UTC'))"
