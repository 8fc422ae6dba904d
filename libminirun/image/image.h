/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* image.h - rootfs images: a root.path that names a file, not a directory.
 *
 * The one entry point the rootfs code calls. Built from the sources of
 * Makefile.am's IMAGE_SOURCES; `./configure --disable-images` builds
 * image/disabled.c instead, which refuses every image. */
#ifndef MR_IMAGE_H
#define MR_IMAGE_H

#include "../plan.h"

/* Parent, before clone: root.path (`path`, realpath()ed, not a directory)
 * becomes the container's root. Errors name root.path. */
int image_root_plan(const mr_config *config, struct plan *plan, const char *path, mr_error **err);

#endif
