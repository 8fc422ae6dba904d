# SPDX-License-Identifier: LGPL-2.1-or-later
SUMMARY = "Embeddable OCI container runtime library and crun-compatible CLI"
DESCRIPTION = "libminirun runs OCI containers from a C API (no global state, \
never exits or prints); minirun is a thin create/start/run/kill/delete/state \
command line on top of it, compatible with crun and runc."
HOMEPAGE = "https://example.invalid/minirun"
SECTION = "containers"
LICENSE = "LGPL-2.1-or-later"
LIC_FILES_CHKSUM = "file://COPYING;md5=4fbd65380cdd255951079008b364516c"

# Point MINIRUN_GIT_URI at your mirror of the repository (there is no public
# one yet), e.g. in local.conf:
#   MINIRUN_GIT_URI = "git:///srv/git/minirun.git;protocol=file"
MINIRUN_GIT_URI ??= "git://example.invalid/minirun.git;protocol=https"
SRC_URI = "${MINIRUN_GIT_URI};branch=main"
SRCREV ?= "${AUTOREV}"
PV = "0.1.0+git"
S = "${WORKDIR}/git"

# The run-time dependencies and nothing else: no systemd, no Python, no code
# generation, no util-linux (libminirun parses mount options itself).
# libseccomp and libcap come with their PACKAGECONFIG below.
DEPENDS = "yajl"

inherit autotools pkgconfig

# cli: the minirun command line (and its man page); without it only the
# library, minirun.h and minirun.pc are installed.
# seccomp, caps, images: the footprint options (project README, "Footprint");
# without one, a config asking for it fails create with a clear error.
#   seccomp  linux.seccomp (libseccomp)
#   caps     capability names (libcap); without: only empty capability sets
#   images   squashfs/EROFS image files as root.path
# static-cli: libminirun linked into the CLI; fully static where the static
# archives of the dependencies are in the sysroot (README.md of this layer).
PACKAGECONFIG ??= "cli seccomp caps images"
PACKAGECONFIG[cli] = "--enable-cli,--disable-cli"
PACKAGECONFIG[seccomp] = "--enable-seccomp,--disable-seccomp,libseccomp"
PACKAGECONFIG[caps] = "--enable-caps,--disable-caps,libcap"
PACKAGECONFIG[images] = "--enable-images,--disable-images"
PACKAGECONFIG[static-cli] = "--enable-static-cli,--disable-static-cli"

# Language bindings are not built for the target; warnings are not errors in
# a distribution build (the project's CI builds with --enable-werror).
EXTRA_OECONF = "--disable-python --disable-lua"

# The library is the main package; the CLI goes to minirun-cli.
PACKAGES =+ "${PN}-cli"
FILES:${PN}-cli = "${bindir}/minirun"
RDEPENDS:${PN}-cli = "${PN}"

# Runtime needs: namespaces, cgroups, seccomp and overlay in the kernel
# (see README.md of this layer for the kernel configuration fragment).
COMPATIBLE_HOST = "(x86_64|i.86|aarch64|arm).*-linux"
