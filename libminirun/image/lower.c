/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lower.c - the image itself, mounted read-only, nodev, nosuid: the lower
 * layer of the root's overlay (or the root, with root.readonly).
 *
 * squashfs needs a block device: a loop device (loop.c). EROFS is mounted
 * straight from the file where the kernel can (file-backed EROFS, 6.12):
 * no loop device at all; older kernels answer ENOTBLK and get a loop device
 * too. The source is given as /proc/self/fd/N of the fd opened and checked
 * at plan time, never the path again: the file cannot be swapped in
 * between. Without the new mount API (< 5.2, where file-backed EROFS does
 * not exist either) the child mounts the loop device with mount(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../context.h"
#include "../error.h"
#include "../mount-api.h"
#include "../testing/crashpoint.h"
#include "image.h"

static const char *fstype_of(const struct image_root *im)
{
  return im->format == IMAGE_SQUASHFS ? "squashfs" : "erofs";
}

/* A detached read-only mount of the image from `source` (the loop device,
 * or /proc/self/fd/N of the file); -ENOSYS (and no error) without the new
 * mount API. */
static int mount_from(struct image_root *im, const char *source, mr_error **err)
{
  const char *fstype = fstype_of(im);
  int fs = image_fsopen(fstype);
  if (fs == -ENOSYS)
    return fs;
  if (fs == -ENODEV)
    return mr_err(err, -ENODEV,
                  "config.json: root.path: %s: the kernel has no %s support (CONFIG_%s_FS)",
                  im->path, fstype, im->format == IMAGE_SQUASHFS ? "SQUASHFS" : "EROFS");
  if (fs < 0)
    return mr_err_sys(err, -fs, "config.json: root.path: %s: fsopen %s", im->path, fstype);
  int r = image_fsconfig_string(fs, "source", source);
  if (r == 0)
    r = image_fsconfig_flag(fs, "ro");
  if (r < 0)
    r = mr_err_sys(err, -r, "config.json: root.path: %s: configure the %s mount", im->path, fstype);
  else
    r = image_fsmount(fs, fstype, im->path,
                      MR_MOUNT_ATTR_RDONLY | MR_MOUNT_ATTR_NODEV | MR_MOUNT_ATTR_NOSUID, err);
  close(fs);
  return r;
}

/* File-backed EROFS; -ENOTBLK (and no error) when the kernel needs a
 * block device. */
static int erofs_from_file(mr_context *ctx, struct image_root *im, mr_error **err)
{
  mr_error *local = NULL;
  char source[32];
  snprintf(source, sizeof(source), "/proc/self/fd/%d", im->file_fd);
  /* The test build can act as a kernel before 6.12 (testing/crashpoint.h). */
  int r = MR_FAKE("no-file-backed-erofs") ? -ENOTBLK : mount_from(im, source, &local);
  if (r == -ENOTBLK) {
    mr_debug(ctx, "image %s: no file-backed EROFS in this kernel (6.12+): a loop device", im->path);
    mr_error_free(local);
    return r;
  }
  if (r < 0 && err != NULL && *err == NULL)
    *err = local;
  else
    mr_error_free(local);
  return r;
}

int image_lower_mount(mr_context *ctx, struct image_root *im, int dirfd, mr_error **err)
{
  if (im->format == IMAGE_EROFS) {
    int r = erofs_from_file(ctx, im, err);
    if (r != -ENOTBLK && r != -ENOSYS)
      return r;
  }
  int r = image_loop_attach(ctx, im, dirfd, err);
  if (r < 0)
    return r;
  /* The device is bound to the checked fd: its path is as good, and it is
   * what mountinfo then shows. */
  char dev[32];
  snprintf(dev, sizeof(dev), "/dev/loop%d", im->loop_nr);
  r = mount_from(im, dev, err);
  if (r != -ENOSYS)
    return r;
  mr_debug(ctx, "image %s: no new mount API (5.2): the init mounts it", im->path);
  im->classic.active = true;
  im->classic.fstype = fstype_of(im);
  im->classic.source = strdup(dev);
  return im->classic.source != NULL ? 0 : mr_err_sys(err, ENOMEM, "image");
}
