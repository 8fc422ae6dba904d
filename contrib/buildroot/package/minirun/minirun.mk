################################################################################
#
# minirun
#
################################################################################

# No public release yet: point MINIRUN_OVERRIDE_SRCDIR (local.mk) at a
# checkout, or set MINIRUN_SITE to your mirror of the repository.
MINIRUN_VERSION = 0.1.0
MINIRUN_SITE = $(call github,example,minirun,v$(MINIRUN_VERSION))
MINIRUN_LICENSE = LGPL-2.1+
MINIRUN_LICENSE_FILES = COPYING
MINIRUN_INSTALL_STAGING = YES
# A git tree has no configure script: generate it (autoconf, automake,
# libtool; no other code generation).
MINIRUN_AUTORECONF = YES
MINIRUN_DEPENDENCIES = host-pkgconf yajl
MINIRUN_CONF_OPTS = --disable-python --disable-lua

ifeq ($(BR2_PACKAGE_MINIRUN_CLI),y)
MINIRUN_CONF_OPTS += --enable-cli
else
MINIRUN_CONF_OPTS += --disable-cli
endif

ifeq ($(BR2_PACKAGE_MINIRUN_STATIC_CLI),y)
MINIRUN_CONF_OPTS += --enable-static-cli
endif

# The footprint options (the project README, "Footprint").
ifeq ($(BR2_PACKAGE_MINIRUN_SECCOMP),y)
MINIRUN_DEPENDENCIES += libseccomp
MINIRUN_CONF_OPTS += --enable-seccomp
else
MINIRUN_CONF_OPTS += --disable-seccomp
endif

ifeq ($(BR2_PACKAGE_MINIRUN_CAPS),y)
MINIRUN_DEPENDENCIES += libcap
MINIRUN_CONF_OPTS += --enable-caps
else
MINIRUN_CONF_OPTS += --disable-caps
endif

ifeq ($(BR2_PACKAGE_MINIRUN_IMAGES),y)
MINIRUN_CONF_OPTS += --enable-images
else
MINIRUN_CONF_OPTS += --disable-images
endif

$(eval $(autotools-package))
