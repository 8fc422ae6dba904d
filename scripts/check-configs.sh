#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-configs.sh - the footprint options build and behave (a CI step).
#
#   scripts/check-configs.sh
#
# Builds the smallest configuration natively, out of tree:
#   SRCDIR/configure --enable-werror --disable-seccomp --disable-caps
#                    --disable-images --enable-static-cli
#                    --disable-python --disable-lua
#   make; make check TESTS=  (every test program still compiles)
# in $MINIRUN_CONFIGS_BUILDDIR (default: build-configs under the current
# directory), then checks
#   - neither libminirun.so.0 nor the CLI links libseccomp or libcap
#     (DT_NEEDED) or refers to a symbol of theirs; minirun.pc does not
#     require them; the CLI does not need libminirun.so.0 (it is linked in,
#     with only the mr_* API global) and the CLI is fully static (Debian
#     has every archive this configuration needs);
#   - behaviour, with real containers (tests/integration/configs/test-footprint.sh
#     run against this build's CLI): the default spec runs, with no
#     capability inside; linux.seccomp, a capability name or an image root
#     each fail create with the error naming the field and the option, and
#     leave nothing behind; `minirun features` says what is missing.
# Exit status 0 on success, 77 (skip) when not root (containers need it).
set -euo pipefail
me=check-configs
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-2}
BUILD=${MINIRUN_CONFIGS_BUILDDIR:-$PWD/build-configs}
cfg=(--enable-werror --disable-seccomp --disable-caps --disable-images --enable-static-cli
  --disable-python --disable-lua)

if [ "$(id -u)" != 0 ]; then
  echo "$me: SKIP: the containers of the check need root" >&2
  exit 77
fi
# An independent build: nothing of a calling make may leak into ours.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
SRC=$("$SRCDIR/scripts/build-source.sh" "$SRCDIR" "$BUILD")

OBJ=$BUILD/obj
mkdir -p "$OBJ"
cd "$OBJ"
if ! [ -f config.status ] || [ "$(cat .configure-args 2>/dev/null)" != "${cfg[*]}" ]; then
  echo "$me: configure ${cfg[*]}"
  rm -f .configure-args
  "$SRC/configure" "${cfg[@]}" >configure.out 2>&1 || {
    tail -n 30 configure.out >&2
    exit 1
  }
  printf '%s\n' "${cfg[*]}" >.configure-args
fi
echo "$me: make -j$jobs"
make -j"$jobs" >make.out 2>&1 || {
  grep -E 'error|warning' make.out | head -n 30 >&2
  exit 1
}
make -j"$jobs" check TESTS= >make-check.out 2>&1 || {
  tail -n 30 make-check.out >&2
  exit 1
}

bad=0
for f in .libs/libminirun.so.0 minirun; do
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' ' -)
  case " $needed " in
  *" libseccomp."* | *" libcap."*)
    echo "$me: $f still links $needed" >&2
    bad=1
    ;;
  esac
  syms=$(nm -D --undefined-only "$f" 2>/dev/null | awk '{print $NF}' | grep -E '^(seccomp_|cap_)' || true)
  if [ -n "$syms" ]; then
    echo "$me: $f refers to $(echo "$syms" | paste -sd' ' -)" >&2
    bad=1
  fi
  echo "$me: $f: NEEDED ${needed:-nothing (static)}"
done
if readelf -d minirun | grep -q 'NEEDED.*libminirun'; then
  echo "$me: --enable-static-cli: the CLI still needs libminirun.so" >&2
  bad=1
fi
# What the CLI links in keeps only the API global (no clash with the
# internal symbols of a dependency's archive in a fully static link).
internal=$(nm -g --defined-only libminirun/minirun-static.o | awk '$3 !~ /^mr_/ { print $3 }')
if [ -n "$internal" ]; then
  echo "$me: libminirun/minirun-static.o exports internal symbols: $(echo "$internal" | head -n 5 | paste -sd' ' -)" >&2
  bad=1
fi
# Every archive this configuration needs is on Debian (yajl's as
# libyajl_s.a; libmount, which has none there, is no dependency any more):
# configure must find them all and the CLI be fully static (config.log:
# make may have rerun configure since configure.out).
static_line=$(awk '/checking whether the CLI can be linked fully static/ { f = 1 }
  f && /result:/ { sub(/.*result: /, ""); print; exit }' config.log)
if [ "$static_line" != yes ]; then
  echo "$me: configure: the CLI cannot be fully static: '$static_line'" >&2
  bad=1
fi
if [[ $(LC_ALL=C ldd minirun 2>&1) != *"not a dynamic executable"* ]]; then
  echo "$me: --enable-static-cli: the CLI is not fully static: $(ldd minirun 2>&1 | xargs)" >&2
  bad=1
fi
req=$(sed -n 's/^Requires.private://p' minirun.pc)
case " $req " in
*libseccomp* | *libcap*)
  echo "$me: minirun.pc still requires: $req" >&2
  bad=1
  ;;
esac
[ $bad = 0 ] || exit 1

echo "$me: containers (tests/integration/configs/test-footprint.sh against $OBJ/minirun)"
out=$(MINIRUN=$OBJ/minirun MINIRUN_BUILDDIR=$OBJ MINIRUN_SRCDIR=$SRCDIR \
  MR_TEST_FILES="$SRCDIR/tests/integration/configs/test-footprint.sh" \
  "$SRCDIR/tests/integration/run.sh" -k '^footprint\.' </dev/null 2>&1) || {
  echo "$out"
  exit 1
}
echo "$out"
# Every test must have run: a skip here means the build still has a feature.
if ! grep -Eq '^[1-9][0-9]* passed, 0 failed, 0 skipped' <<<"$out"; then
  echo "$me: not every footprint test ran against the disabled build" >&2
  exit 1
fi
size .libs/libminirun.so.0 minirun | sed 's/^/    /'
