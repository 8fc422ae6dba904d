#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# install-deps.sh: installs the Debian packages needed to build and test
# libminirun. Idempotent: apt is not touched when everything is installed.
set -euo pipefail

pkgs=(
  # build
  build-essential autoconf automake libtool pkg-config
  libseccomp-dev libcap-dev libyajl-dev
  # tests and the demo bundle; libmount-dev only for tests/unit/test-mountopts,
  # which compares libminirun's mount option parser with libmount's (the
  # library does not link libmount)
  libmount-dev
  busybox-static jq procps util-linux
  # the language bindings (bindings/): python3 for the ctypes package, Lua 5.4
  # for the C module and its tests
  python3 lua5.4 liblua5.4-dev
  # CI checks (run-tests.sh): valgrind over the in-process lifecycle, static
  # analysis (scripts/static-analysis.sh), libFuzzer and the sanitizer
  # runtimes (clang, libclang-rt-dev), formatting
  valgrind cppcheck clang-tidy clang libclang-rt-dev clang-format
  # the podman checklist (tests/integration/test-podman.sh): podman with
  # conmon, and catatonit for --init
  podman conmon catatonit
  # the containerd flow (tests/integration/test-containerd.sh)
  containerd
  # image roots (tests/integration/test-image.sh): mksquashfs, mkfs.erofs
  squashfs-tools erofs-utils
)

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run $0 as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A mirror in the middle of a sync (or a foreign architecture's index that
# lags behind) makes `apt-get update` fail although the packages we need are
# reachable: go on with the indexes we have and let the install decide.
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null \
  || echo "install-deps: apt-get update reported errors; trying the install anyway" >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
