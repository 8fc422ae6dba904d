/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * overlay.c - the writable layer over a read-only image: an overlay whose
 * upper and work directories live on a tmpfs private to the container
 * (writes vanish with it; org.minirun.rootfs.upper-size caps it), or in a
 * persistent host directory (org.minirun.rootfs.upper=DIR: DIR/upper and
 * DIR/work, made when missing), so data survives delete and re-create.
 *
 * The layers are handed to the kernel as fds (FSCONFIG_SET_FD, 6.13) or,
 * on older kernels, as /proc/self/fd/N paths: the detached image mount and
 * tmpfs have no path anyone could race with. The upper directory takes the
 * mode and owner of the image's root: it is what `/` shows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../error.h"
#include "../mount-api.h"
#include "../util.h"
#include "image.h"
#include "layers.h"

/* A fresh tmpfs as a detached mount. */
static int tmpfs_mount(struct image_root *im, mr_error **err)
{
  int fs = image_fsopen("tmpfs");
  if (fs < 0)
    return mr_err_sys(err, -fs, "config.json: root.path: %s: fsopen tmpfs", im->path);
  int r = image_fsconfig_string(fs, "mode", "0755");
  if (r == 0 && im->upper_size != NULL)
    r = image_fsconfig_string(fs, "size", im->upper_size);
  if (r < 0)
    r = mr_err_sys(err, -r,
                   "config.json: annotations: org.minirun.rootfs.upper-size: tmpfs size '%s'",
                   im->upper_size ? im->upper_size : "");
  else
    r = image_fsmount(fs, "the tmpfs of the upper layer", im->path,
                      MR_MOUNT_ATTR_NODEV | MR_MOUNT_ATTR_NOSUID, err);
  close(fs);
  return r;
}

static int upper_base(struct image_root *im, mr_error **err)
{
  if (im->upper_dir == NULL)
    return tmpfs_mount(im, err);
  int fd = open(im->upper_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return mr_err_sys(err, errno, "config.json: annotations: org.minirun.rootfs.upper: %s",
                      im->upper_dir);
  return fd;
}

/* base/name, made when missing (a persistent upper has them already). */
static int layer_dir(struct image_root *im, int base, const char *name, const struct stat *like,
                     mr_error **err)
{
  const char *where = im->upper_dir ? im->upper_dir : "the upper tmpfs";
  if (mkdirat(base, name, like->st_mode & 07777) == 0) {
    if (fchownat(base, name, like->st_uid, like->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        fchmodat(base, name, like->st_mode & 07777, 0) < 0)
      return mr_err_sys(err, errno, "config.json: root.path: %s: set up %s/%s", im->path, where,
                        name);
  } else if (errno != EEXIST) {
    return mr_err_sys(err, errno, "config.json: root.path: %s: create %s/%s", im->path, where,
                      name);
  }
  int fd = openat(base, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s: open %s/%s", im->path, where, name);
  return fd;
}

/* key=fd; on kernels without fd layers (EINVAL) key_str=/proc/self/fd/N. */
static int set_layer(int ovl, const char *key, const char *key_str, int fd)
{
  int r = image_fsconfig_fd(ovl, key, fd);
  if (r != -EINVAL)
    return r;
  char path[32];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  return image_fsconfig_string(ovl, key_str, path);
}

/* The lower layers, top first: the image, then the stacked layers
 * (layers.h; their shared mounts or directories, opened here). One
 * "lowerdir+" per layer by fd; kernels without fd layers get one "lowerdir"
 * of /proc/self/fd/N paths. */
static int set_lowers(int ovl, const struct image_root *im, int lower_fd, mr_error **err)
{
  size_t n = 1 + (im->layers ? im->layers->n : 0);
  cleanup_free int *fds = calloc(n, sizeof(*fds));
  cleanup_free char *joined = malloc(n * 32);
  if (fds == NULL || joined == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  fds[0] = lower_fd;
  int r = 0;
  for (size_t i = 1; i < n && r == 0; i++) {
    const struct image_layer *l = &im->layers->v[i - 1];
    fds[i] = open(l->lowerdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fds[i] < 0)
      r = mr_err_sys(err, errno, "config.json: annotations: %s: %s: open %s", IMAGE_ANN_LAYERS,
                     l->path, l->lowerdir);
  }
  bool by_fd = true;
  for (size_t i = 0; i < n && r == 0 && by_fd; i++) {
    r = image_fsconfig_fd(ovl, "lowerdir+", fds[i]);
    by_fd = !(r == -EINVAL && i == 0);
    if (!by_fd)
      r = 0;
  }
  if (r == 0 && !by_fd) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
      len += (size_t)snprintf(joined + len, 32, "%s/proc/self/fd/%d", i ? ":" : "", fds[i]);
    r = image_fsconfig_string(ovl, "lowerdir", joined);
  }
  if (r < 0 && (err == NULL || *err == NULL))
    r = mr_err_sys(err, -r, "config.json: root.path: %s: configure the overlay's lower layers",
                   im->path);
  for (size_t i = 1; i < n; i++)
    if (fds[i] > 0)
      close(fds[i]);
  return r;
}

/* A new overlay context with the image's lower layers set: what both the
 * read-only and the writable overlay start from. A context fd, or -errno. */
static int overlay_with_lowers(struct image_root *im, int lower_fd, mr_error **err)
{
  int ovl = image_fsopen("overlay");
  if (ovl < 0)
    return mr_err_sys(err, -ovl, "config.json: root.path: %s: fsopen overlay", im->path);
  int r = set_lowers(ovl, im, lower_fd, err);
  if (r < 0) {
    close(ovl);
    return r;
  }
  return ovl;
}

/* root.readonly with stacked layers: an overlay of lower layers only. */
static int readonly_overlay(struct image_root *im, int lower_fd, mr_error **err)
{
  cleanup_close int ovl = overlay_with_lowers(im, lower_fd, err);
  if (ovl < 0)
    return ovl;
  return image_fsmount(ovl, "the overlay", im->path, MR_MOUNT_ATTR_RDONLY, err);
}

int image_overlay_mount(mr_context *ctx, struct image_root *im, int lower_fd, mr_error **err)
{
  (void)ctx;
  if (!im->overlay)
    return readonly_overlay(im, lower_fd, err);
  struct stat root;
  if (fstat(lower_fd, &root) < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s: stat its root", im->path);
  cleanup_close int base = upper_base(im, err);
  if (base < 0)
    return base;
  cleanup_close int upper = layer_dir(im, base, "upper", &root, err);
  if (upper < 0)
    return upper;
  struct stat private = {.st_mode = 0700, .st_uid = 0, .st_gid = 0};
  cleanup_close int work = layer_dir(im, base, "work", &private, err);
  if (work < 0)
    return work;
  cleanup_close int ovl = overlay_with_lowers(im, lower_fd, err);
  if (ovl < 0)
    return ovl;
  int r = set_layer(ovl, "upperdir", "upperdir", upper);
  if (r == 0)
    r = set_layer(ovl, "workdir", "workdir", work);
  if (r < 0)
    return mr_err_sys(err, -r, "config.json: root.path: %s: configure the overlay", im->path);
  return image_fsmount(ovl, "the overlay", im->path, 0, err);
}

/* The overlay's data string takes ',' and ':' as separators. */
static bool plain(const char *s)
{
  return strpbrk(s, ",:\\") == NULL;
}

/* *out = "LOWER:LAYER1:LAYER2..." for mount(2)'s data. */
static int stacked_lowers(const struct image_root *im, const char *lower, char **out,
                          mr_error **err)
{
  size_t n = im->layers ? im->layers->n : 0, len = strlen(lower) + 1;
  if (!plain(lower))
    return mr_err(err, -EINVAL,
                  "config.json: root.path: %s: the state directory path contains ',', ':' or "
                  "'\\' (mount(2) cannot take it for an overlay)",
                  im->path);
  for (size_t i = 0; i < n; i++) {
    const char *dir = im->layers->v[i].lowerdir;
    if (!plain(dir))
      return mr_err(err, -EINVAL,
                    "config.json: annotations: %s: %s contains ',', ':' or '\\' (mount(2) "
                    "cannot take it for an overlay)",
                    IMAGE_ANN_LAYERS, dir);
    len += strlen(dir) + 1;
  }
  char *s = malloc(len);
  if (s == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  strcpy(s, lower);
  for (size_t i = 0; i < n; i++) {
    strcat(s, ":");
    strcat(s, im->layers->v[i].lowerdir);
  }
  *out = s;
  return 0;
}

int image_overlay_classic(struct image_root *im, const char *dir, mr_error **err)
{
  struct image_classic *c = &im->classic;
  bool overlay = im->overlay || im->stacked;
  c->lower = util_path_join(dir, overlay ? IMAGE_LOWER_DIR : IMAGE_ROOT_DIR);
  if (c->lower == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  if (!overlay)
    return 0;
  cleanup_free char *lowers = NULL;
  int r = stacked_lowers(im, c->lower, &lowers, err);
  if (r < 0)
    return r;
  if (!im->overlay) { /* read-only: the layers alone */
    if (asprintf(&c->overlay_data, "lowerdir=%s", lowers) < 0) {
      c->overlay_data = NULL;
      return mr_err_sys(err, ENOMEM, "image");
    }
    return 0;
  }
  c->upper_tmpfs = im->upper_dir == NULL;
  c->upper_base = c->upper_tmpfs ? util_path_join(dir, IMAGE_UPPER_DIR) : strdup(im->upper_dir);
  if (c->upper_base == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  c->upper = util_path_join(c->upper_base, "upper");
  c->work = util_path_join(c->upper_base, "work");
  if (c->upper == NULL || c->work == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  if (!plain(c->lower) || !plain(c->upper_base))
    return mr_err(err, -EINVAL,
                  "config.json: root.path: %s: the state directory or upper directory path "
                  "contains ',', ':' or '\\' (mount(2) cannot take it for an overlay)",
                  im->path);
  if (asprintf(&c->tmpfs_data, "mode=0755%s%s", im->upper_size ? ",size=" : "",
               im->upper_size ? im->upper_size : "") < 0) {
    c->tmpfs_data = NULL;
    return mr_err_sys(err, ENOMEM, "image");
  }
  if (asprintf(&c->overlay_data, "lowerdir=%s,upperdir=%s,workdir=%s", lowers, c->upper, c->work) <
      0) {
    c->overlay_data = NULL;
    return mr_err_sys(err, ENOMEM, "image");
  }
  return 0;
}
