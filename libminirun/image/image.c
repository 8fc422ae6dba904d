/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* image.c - image_root_plan(): what kind of image root.path is. */
#include <errno.h>

#include "../error.h"
#include "image.h"

int image_root_plan(const mr_config *config, struct plan *plan, const char *path, mr_error **err)
{
  (void)plan;
  (void)path;
  return mr_err(err, -ENOTDIR, "config.json: root.path: rootfs %s: not a directory",
                config->rootfs);
}
