/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* disabled.c - image_root_plan() of a build configured with
 * --disable-images: root.path must be a directory. */
#include <errno.h>

#include "../error.h"
#include "image.h"

int image_root_plan(const mr_config *config, struct plan *plan, const char *path, mr_error **err)
{
  (void)plan;
  (void)path;
  return mr_err(err, -EOPNOTSUPP,
                "config.json: root.path: %s: rootfs images are not supported by this build "
                "(configure --disable-images)",
                config->rootfs);
}
