#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# install-cross.sh - installs what `./configure --host=TRIPLET` needs on a
# Debian 12 (x86_64) machine to cross-build libminirun for ARM.
#
#   scripts/install-cross.sh [aarch64|armhf|all]      (as root; default: all)
#
# For each architecture: the cross compiler (gcc-aarch64-linux-gnu /
# gcc-arm-linux-gnueabihf, whose libc comes as libc6-dev-*-cross) and the
# target's -dev packages of the three dependencies (libseccomp-dev libcap-dev
# libyajl-dev), installed one of two ways:
#
#   multiarch  `dpkg --add-architecture arm64` + `apt-get install
#              libseccomp-dev:arm64 ...` (Debian's own multiarch set-up). A
#              Multi-Arch: same package must have the same version for every
#              architecture, so apt upgrades the host's copies to match (the
#              host's libpcre2-8-0, linux-libc-dev, libssl3... come along).
#              Dynamically linked target programs then also run in the arm64
#              VM (tests/vm), which shares the host's /.
#   sysroot    when multiarch cannot be installed (the foreign index lags the
#              host's, e.g. the security archive's armhf index is mid-sync, so
#              `libpcre2-8-0:armhf` exists only in an older version than the
#              host's): the target packages are fetched with a private apt
#              state (the host's dpkg database and architectures untouched)
#              and unpacked into /var/cache/minirun-cross/DEBARCH/sysroot.
#
# scripts/cross-build.sh uses whichever is there. Only an architecture this
# script added stays registered when its multiarch install fails, so a plain
# `apt-get update` keeps working for everyone on the machine.
# Idempotent: nothing is fetched when everything is present.
# Env: MINIRUN_CROSS_MODE=multiarch|sysroot (force one), MINIRUN_CROSS_CACHE.
set -euo pipefail
me=install-cross
CACHE=${MINIRUN_CROSS_CACHE:-/var/cache/minirun-cross}
APT=(apt-get -o DPkg::Lock::Timeout=600 -o APT::Get::Assume-Yes=true)
export DEBIAN_FRONTEND=noninteractive
DEV_PKGS="libseccomp-dev libcap-dev libyajl-dev"

# Triplet, Debian architecture and compiler package of each target.
target_of() {
  case $1 in
  aarch64 | arm64) echo "aarch64-linux-gnu arm64 gcc-aarch64-linux-gnu" ;;
  armhf | arm) echo "arm-linux-gnueabihf armhf gcc-arm-linux-gnueabihf" ;;
  *) return 1 ;;
  esac
}

have_multiarch() { # DEBARCH
  local p
  for p in $DEV_PKGS; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p:$1" 2>/dev/null)" = installed ] || return 1
  done
}

# apt-get update. An index the mirror cannot serve right now only keeps its
# repository's old lists (apt's update is transactional per repository); the
# install that follows tells whether what we need is known. (No update
# restricted to some architectures: it would drop the others' lists.)
apt_update() {
  "${APT[@]}" -qq update >/dev/null 2>&1 ||
    echo "$me: apt-get update reported errors (a mirror mid-sync?); going on with the lists there are" >&2
}

install_multiarch() { # TRIPLET DEBARCH
  local added=0 pkgs=() p
  if ! dpkg --print-foreign-architectures | grep -qx "$2"; then
    dpkg --add-architecture "$2"
    added=1
  fi
  apt_update
  for p in $DEV_PKGS; do pkgs+=("$p:$2"); done
  if "${APT[@]}" -q install --no-install-recommends "${pkgs[@]}" >"$CACHE/$2.apt.log" 2>&1; then
    return 0
  fi
  echo "$me: multiarch $2 cannot be installed here:" >&2
  grep -E 'Depends:|^E:' "$CACHE/$2.apt.log" | head -n 8 | sed 's/^/    /' >&2
  if [ $added = 1 ] && [ -z "$(dpkg-query -W -f='${Package}:${Architecture}\n' 2>/dev/null | grep ":$2$")" ]; then
    dpkg --remove-architecture "$2"
  fi
  return 1
}

# The target's packages unpacked into $CACHE/DEBARCH/sysroot, resolved by a
# private apt (own lists, empty dpkg status, only DEBARCH) from the host's
# sources. The libc comes from the cross toolchain, so libc6/libc6-dev,
# linux-libc-dev and the gcc runtime are left out.
install_sysroot() { # TRIPLET DEBARCH
  local base=$CACHE/$2 deb
  local sys=$base/sysroot
  [ -f "$sys/.ready" ] && return 0
  rm -rf "$base"
  mkdir -p "$base/lists/partial" "$base/archives/partial" "$sys"
  : >"$base/status"
  local papt=("${APT[@]}" -o APT::Architecture="$2" -o APT::Architectures::="$2"
    -o Dir::State::Lists="$base/lists" -o Dir::State::status="$base/status"
    -o Dir::Cache::Archives="$base/archives" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  # An index that fails (a mirror mid-sync) only costs its updates: main is enough.
  "${papt[@]}" -qq update >"$base/update.log" 2>&1 || true
  "${papt[@]}" -q --download-only --no-install-recommends install $DEV_PKGS >"$base/download.log" 2>&1 ||
    {
      tail -n 20 "$base/download.log" >&2
      return 1
    }
  for deb in "$base"/archives/*.deb; do
    case ${deb##*/} in
    libc6_* | libc6-dev_* | linux-libc-dev_* | libgcc* | gcc-* | libcrypt* | libnsl* | libtirpc* | \
      libssl* | libkrb* | libk5crypto* | libgssapi* | libcom-err* | libkeyutils*) continue ;;
    esac
    dpkg-deb -x "$deb" "$sys"
  done
  # Absolute symlinks (libcap.so -> /lib/TRIPLET/libcap.so.2) must point into the sysroot.
  find "$sys" -type l -lname '/*' -print0 | while IFS= read -r -d '' l; do
    ln -sfn "$sys$(readlink "$l")" "$l"
  done
  rm -rf "$base/archives" "$base/lists"
  touch "$sys/.ready"
}

install_one() { # NAME
  local t triplet debarch gccpkg
  t=$(target_of "$1") || {
    echo "$me: unknown target $1 (aarch64 or armhf)" >&2
    return 2
  }
  read -r triplet debarch gccpkg <<<"$t"
  if command -v "$triplet-gcc" >/dev/null && { have_multiarch "$debarch" || [ -f "$CACHE/$debarch/sysroot/.ready" ]; }; then
    echo "$me: $1: present"
    return 0
  fi
  [ "$(id -u)" = 0 ] || {
    echo "$me: $1 is missing; run $0 as root" >&2
    return 1
  }
  mkdir -p "$CACHE"
  if ! command -v "$triplet-gcc" >/dev/null; then
    echo "$me: installing $gccpkg"
    { "${APT[@]}" -qq install --no-install-recommends "$gccpkg" >/dev/null ||
      { apt_update && "${APT[@]}" -qq install --no-install-recommends "$gccpkg" >/dev/null; }; } ||
      {
        echo "$me: could not install $gccpkg" >&2
        return 1
      }
  fi
  local mode=${MINIRUN_CROSS_MODE:-}
  if [ "$mode" != sysroot ] && ! have_multiarch "$debarch"; then
    echo "$me: installing $DEV_PKGS for $debarch (multiarch)"
    if install_multiarch "$triplet" "$debarch"; then
      echo "$me: $1: multiarch"
      return 0
    fi
    [ "$mode" != multiarch ] || return 1
  fi
  have_multiarch "$debarch" && [ "$mode" != sysroot ] && return 0
  echo "$me: unpacking $DEV_PKGS for $debarch into $CACHE/$debarch/sysroot"
  install_sysroot "$triplet" "$debarch"
  echo "$me: $1: sysroot $CACHE/$debarch/sysroot"
}

targets=${1:-all}
[ "$targets" != all ] || targets="aarch64 armhf"
rc=0
for t in $targets; do install_one "$t" || rc=1; done
exit $rc
