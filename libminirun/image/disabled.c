/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* disabled.c - image/image.h in a build configured with --disable-images:
 * root.path must be a directory. image_root_plan() refuses every image, so
 * plan->image is never set and the other entry points have nothing to do. */
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

int image_root_setup(mr_context *ctx, struct plan *plan, const char *id, int dirfd, const char *dir,
                     mr_error **err)
{
  (void)ctx, (void)plan, (void)id, (void)dirfd, (void)dir, (void)err;
  return 0;
}

bool image_root_classic(const struct plan *plan)
{
  (void)plan;
  return false;
}

int image_root_attach(const struct plan *plan, int sync_fd)
{
  (void)plan, (void)sync_fd;
  return -1;
}

int image_root_chdir(const struct plan *plan)
{
  (void)plan;
  errno = ENOSYS;
  return -1;
}

/* A state directory from a build with images (the same state root) may
 * record a loop device: it is freed by the kernel (autoclear) anyway. */
void image_id_forget(mr_context *ctx, const char *id)
{
  (void)ctx, (void)id;
}

int image_root_destroy(mr_context *ctx, int dirfd, const char *id, mr_error **err)
{
  (void)ctx, (void)dirfd, (void)id, (void)err;
  return 0;
}

void image_root_free(struct plan *plan)
{
  (void)plan;
}
