#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-contrib.sh - checks the Yocto layer (contrib/yocto/meta-minirun) and
# the Buildroot package (contrib/buildroot) as far as this machine can without
# bitbake or Buildroot (neither can fetch here):
#
#   scripts/check-contrib.sh          (a CI step of run-tests.sh)
#
#   - the license checksums (LIC_FILES_CHKSUM md5, minirun.hash sha256) match
#     COPYING; the layer/recipe/package fields are there; the dependencies are
#     exactly the three libraries (libseccomp libcap yajl; no util-linux:
#     libmount is no dependency);
#   - every --enable/--disable option the recipes pass is one ./configure
#     knows;
#   - the footprint options (PACKAGECONFIG seccomp/caps/images/static-cli,
#     BR2_PACKAGE_MINIRUN_SECCOMP/CAPS/IMAGES/STATIC_CLI) bring or drop
#     their library;
#   - an aarch64 cross build with the options Buildroot's autotools-package
#     passes plus the package's (CLI and the footprint options off: no
#     libseccomp/libcap in DT_NEEDED or minirun.pc), installed with DESTDIR
#     into the paths a distribution uses (scripts/cross-build.sh, in
#     build-contrib); the default build is the regular cross-build step.
# Prints one line per check; exit 1 when one failed, 77 when the cross
# toolchain is missing (scripts/install-cross.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
Y=$top/contrib/yocto/meta-minirun
BB=$Y/recipes-containers/minirun/minirun_git.bb
BR=$top/contrib/buildroot/package/minirun
fails=0
check() { # NAME CMD...
  local name=$1
  shift
  if "$@"; then
    echo "ok     $name"
  else
    echo "FAILED $name"
    fails=$((fails + 1))
  fi
}
has() { grep -qE -- "$2" "$1"; }
# The words of a (possibly continued) VAR = "..." assignment in a recipe.
bbvar() { sed -n "s/^$2 *[?:]*= *\"\\(.*\\)\"/\\1/p" "$1" | head -n1; }

# ------------------------------------------------------------- Yocto
md5=$(md5sum "$top/COPYING" | cut -d' ' -f1)
check "yocto: LIC_FILES_CHKSUM is COPYING's md5" has "$BB" "file://COPYING;md5=$md5"
check "yocto: LICENSE LGPL-2.1-or-later" has "$BB" '^LICENSE = "LGPL-2.1-or-later"'
# DEPENDS plus the PACKAGECONFIG ones (3rd field).
pc_deps() { sed -n 's/^PACKAGECONFIG\[[a-z-]*\] = "[^,]*,[^,]*,\([^,"]*\).*/\1/p' "$BB"; }
check "yocto: DEPENDS + PACKAGECONFIG deps = libseccomp libcap yajl" \
  [ "$( (bbvar "$BB" DEPENDS; pc_deps) | tr ' ' '\n' | sed '/^$/d' | sort -u | xargs)" = "libcap libseccomp yajl" ]
check "yocto: inherit autotools pkgconfig" has "$BB" '^inherit autotools pkgconfig$'
check "yocto: PACKAGECONFIG[cli]" has "$BB" '^PACKAGECONFIG\[cli\] = "--enable-cli,--disable-cli"$'
# The footprint options: seccomp and caps carry their library.
check "yocto: PACKAGECONFIG[seccomp] brings libseccomp" has "$BB" \
  '^PACKAGECONFIG\[seccomp\] = "--enable-seccomp,--disable-seccomp,libseccomp"$'
check "yocto: PACKAGECONFIG[caps] brings libcap" has "$BB" '^PACKAGECONFIG\[caps\] = "--enable-caps,--disable-caps,libcap"$'
check "yocto: PACKAGECONFIG[images]" has "$BB" '^PACKAGECONFIG\[images\] = "--enable-images,--disable-images"$'
check "yocto: PACKAGECONFIG[static-cli]" has "$BB" '^PACKAGECONFIG\[static-cli\] = "--enable-static-cli,--disable-static-cli"$'
check "yocto: default PACKAGECONFIG = cli seccomp caps images" \
  [ "$(bbvar "$BB" PACKAGECONFIG | tr ' ' '\n' | sort | xargs)" = "caps cli images seccomp" ]
check "yocto: no systemd/python/setuptools class" sh -c "! grep -qE '^inherit.*(systemd|python|setuptools)' '$BB'"
for f in BBFILE_COLLECTIONS BBFILE_PATTERN_minirun BBFILE_PRIORITY_minirun LAYERSERIES_COMPAT_minirun BBFILES; do
  check "yocto: layer.conf sets $f" has "$Y/conf/layer.conf" "^$f"
done

# ------------------------------------------------------------- Buildroot
sha=$(sha256sum "$top/COPYING" | cut -d' ' -f1)
check "buildroot: minirun.hash has COPYING's sha256" has "$BR/minirun.hash" "^sha256  $sha  COPYING$"
check "buildroot: autotools-package" has "$BR/minirun.mk" '^\$\(eval \$\(autotools-package\)\)$'
check "buildroot: MINIRUN_DEPENDENCIES (with the footprint options')" \
  [ "$(sed -n 's/^MINIRUN_DEPENDENCIES +*= //p' "$BR/minirun.mk" | tr ' ' '\n' | sort -u | xargs)" = "host-pkgconf libcap libseccomp yajl" ]
for o in SECCOMP CAPS IMAGES STATIC_CLI; do
  check "buildroot: BR2_PACKAGE_MINIRUN_$o" has "$BR/Config.in" "^config BR2_PACKAGE_MINIRUN_$o$"
  check "buildroot: minirun.mk uses BR2_PACKAGE_MINIRUN_$o" has "$BR/minirun.mk" "^ifeq \(\\\$\(BR2_PACKAGE_MINIRUN_$o\),y\)$"
done
check "buildroot: Config.in selects no util-linux" sh -c "! grep -q UTIL_LINUX '$BR/Config.in'"
for s in LIBSECCOMP LIBCAP YAJL; do
  check "buildroot: Config.in selects BR2_PACKAGE_$s" has "$BR/Config.in" "^	select BR2_PACKAGE_$s$"
done
# glibc and musl (scripts/check-musl.sh runs containers with a musl build).
check "buildroot: Config.in allows glibc and musl toolchains" \
  has "$BR/Config.in" '^	depends on BR2_TOOLCHAIN_USES_GLIBC \|\| BR2_TOOLCHAIN_USES_MUSL'
check "buildroot: Config.in indents with tabs" sh -c "! grep -qE '^ +[a-z]' '$BR/Config.in'"
check "buildroot: BR2_PACKAGE_MINIRUN_CLI" has "$BR/Config.in" '^config BR2_PACKAGE_MINIRUN_CLI$'
check "buildroot: external tree" has "$top/contrib/buildroot/external.desc" '^name: MINIRUN$'

# ------------------------------------------------------------- configure knows the options
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)
help=$("$top/configure" --help)
opts=$( (bbvar "$BB" EXTRA_OECONF; sed -n 's/^PACKAGECONFIG\[[a-z-]*\] = "\([^"]*\)"/\1/p' "$BB" | tr ',' ' '
  sed -n 's/^MINIRUN_CONF_OPTS +*= //p' "$BR/minirun.mk") | tr ' ' '\n' | grep -E '^--(en|dis)able-' | sort -u)
for o in $opts; do
  f=${o#--enable-}
  f=${f#--disable-}
  check "configure knows $o" grep -qE -- "--(enable|disable)-$f\b" <<<"$help"
done

# ------------------------------------------------------------- a build as Buildroot configures it
# autotools-package's own options (the unknown --disable-doc... only warn),
# then the package's with BR2_PACKAGE_MINIRUN_CLI and the footprint options
# off (the smallest package; the regular cross-build step builds the default
# configuration).
br_opts=(--exec-prefix=/usr --sysconfdir=/etc --localstatedir=/var --program-prefix=
  --disable-gtk-doc --disable-gtk-doc-html --disable-doc --disable-docs --disable-documentation
  --with-xmlto=no --with-fop=no --disable-dependency-tracking --disable-nls --disable-static
  --enable-shared --libdir=/usr/lib)
read -r -a pkg_opts <<<"$(sed -n 's/^MINIRUN_CONF_OPTS = //p' "$BR/minirun.mk")"
rc=0
MINIRUN_CROSS_BUILDDIR=${MINIRUN_CONTRIB_BUILDDIR:-$PWD/build-contrib} \
  "$top/scripts/cross-build.sh" aarch64 "${br_opts[@]}" "${pkg_opts[@]}" --disable-cli \
  --disable-seccomp --disable-caps --disable-images || rc=$?
if [ $rc = 77 ]; then
  echo "check-contrib: SKIP the build: no aarch64 toolchain (scripts/install-cross.sh aarch64)"
  [ $fails = 0 ] && exit 77
fi
check "buildroot-style aarch64 build, --disable-cli --disable-seccomp --disable-caps --disable-images, installed into /usr/lib" [ $rc = 0 ]
if [ $rc = 0 ]; then
  lib=${MINIRUN_CONTRIB_BUILDDIR:-$PWD/build-contrib}/stage/usr/lib/libminirun.so.0
  check "that build links neither libseccomp nor libcap" \
    sh -c "! aarch64-linux-gnu-readelf -d '$lib' | grep -E 'NEEDED.*(libseccomp|libcap)'"
  check "its minirun.pc requires neither" \
    sh -c "! grep -E '^Requires.private:.*(libseccomp|libcap)' '${lib%/*}/pkgconfig/minirun.pc'"
fi

echo "check-contrib: $fails failed"
[ $fails = 0 ]
