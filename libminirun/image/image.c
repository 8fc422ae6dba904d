/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image.c - a root.path that names an image file: the plan (format,
 * annotations), the setup before clone, the child's attach, and the cleanup
 * of what the state directory records. See image.h for the sequence.
 *
 * Annotations (README "Image roots"):
 *   org.minirun.rootfs.upper=/abs/dir   persistent upper layer: DIR/upper
 *                                       and DIR/work (made when missing),
 *                                       one container at a time (upper.c)
 *   org.minirun.rootfs.upper-size=64m   size cap of the private tmpfs upper
 *                                       (tmpfs size= syntax: N[kmg] or N%)
 */
#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../context.h"
#include "../error.h"
#include "../mount-api.h"
#include "../sync.h"
#include "../testing/crashpoint.h"
#include "../util.h"
#include "layers.h"
#include "verify.h"

#define ANN_PREFIX     "org.minirun.rootfs."
#define ANN_UPPER      ANN_PREFIX "upper"
#define ANN_UPPER_SIZE ANN_PREFIX "upper-size"

/* Every org.minirun.rootfs.* annotation the image code knows: any other is
 * refused, never ignored (a typo must not silently drop a persistent
 * upper). */
static const char *const known_annotations[] = {ANN_UPPER, ANN_UPPER_SIZE, IMAGE_ANN_SHA256,
                                                IMAGE_ANN_LAYERS, IMAGE_ANN_LAYERS_SHA256};

static const char *annotation(const struct spec *spec, const char *key)
{
  for (size_t i = 0; i < spec->n_annotations; i++)
    if (strcmp(spec->annotations[i].key, key) == 0)
      return spec->annotations[i].value ? spec->annotations[i].value : "";
  return NULL;
}

static int check_known(const struct spec *spec, mr_error **err)
{
  for (size_t i = 0; i < spec->n_annotations; i++) {
    const char *key = spec->annotations[i].key;
    if (strncmp(key, ANN_PREFIX, strlen(ANN_PREFIX)) != 0)
      continue;
    bool known = false;
    for (size_t k = 0; k < sizeof(known_annotations) / sizeof(*known_annotations); k++)
      known = known || strcmp(key, known_annotations[k]) == 0;
    if (!known)
      return mr_err(
          err, -EINVAL, "config.json: annotations: %s: unknown (known: %s, %s, %s, %s, %s)", key,
          ANN_UPPER, ANN_UPPER_SIZE, IMAGE_ANN_SHA256, IMAGE_ANN_LAYERS, IMAGE_ANN_LAYERS_SHA256);
  }
  return 0;
}

/* tmpfs's size= syntax: digits, then at most one of k, m, g or %. */
static bool valid_size(const char *s)
{
  size_t digits = strspn(s, "0123456789");
  if (digits == 0)
    return false;
  return s[digits] == '\0' || (strchr("kKmMgG%", s[digits]) != NULL && s[digits + 1] == '\0');
}

static int plan_upper(const struct spec *spec, struct image_root *im, mr_error **err)
{
  const char *upper = annotation(spec, ANN_UPPER);
  const char *size = annotation(spec, ANN_UPPER_SIZE);
  if ((upper != NULL || size != NULL) && !im->overlay)
    return mr_err(err, -EINVAL,
                  "config.json: annotations: %s: root.readonly is true: the image has no "
                  "writable layer",
                  upper != NULL ? ANN_UPPER : ANN_UPPER_SIZE);
  if (upper != NULL && size != NULL)
    return mr_err(err, -EINVAL,
                  "config.json: annotations: %s: only the private tmpfs upper has a size, not "
                  "the persistent %s",
                  ANN_UPPER_SIZE, ANN_UPPER);
  if (size != NULL && !valid_size(size))
    return mr_err(err, -EINVAL,
                  "config.json: annotations: %s: '%s' is not a size (N, Nk, Nm, Ng or N%%)",
                  ANN_UPPER_SIZE, size);
  if (upper != NULL) {
    struct stat st;
    if (upper[0] != '/' || strchr(upper, '\n') != NULL)
      return mr_err(err, -EINVAL, "config.json: annotations: %s: '%s' is not an absolute path",
                    ANN_UPPER, upper);
    if (stat(upper, &st) < 0)
      return mr_err_sys(err, errno, "config.json: annotations: %s: %s", ANN_UPPER, upper);
    if (!S_ISDIR(st.st_mode))
      return mr_err(err, -ENOTDIR, "config.json: annotations: %s: %s: not a directory", ANN_UPPER,
                    upper);
  }
  if ((upper != NULL && (im->upper_dir = strdup(upper)) == NULL) ||
      (size != NULL && (im->upper_size = strdup(size)) == NULL))
    return mr_err_sys(err, ENOMEM, "image");
  return 0;
}

/* org.minirun.rootfs.sha256 is parsed here, checked in setup (it reads the
 * whole image unless the digest cache knows it). */
static int plan_integrity(const struct spec *spec, struct image_root *im, mr_error **err)
{
  const char *want = annotation(spec, IMAGE_ANN_SHA256);
  if (want == NULL)
    return 0;
  im->has_digest = true;
  return image_digest_parse("config.json: annotations: " IMAGE_ANN_SHA256, want, im->digest, err);
}

static int plan_layers(const struct spec *spec, struct image_root *im, mr_error **err)
{
  im->layers = calloc(1, sizeof(*im->layers));
  if (im->layers == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  int r = image_layers_plan(spec, im->layers, err);
  im->stacked = r == 0 && im->layers->n > 0;
  if (r == 0)
    r = image_layers_set_root(im->layers, im->path, im->file_fd, im->format, err);
  return r;
}

int image_root_plan(const mr_config *config, struct plan *plan, const char *path, mr_error **err)
{
  struct image_root *im = calloc(1, sizeof(*im));
  if (im == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  im->file_fd = im->loop_fd = im->loop_nr = im->root_fd = -1;
  plan->image = im; /* freed by plan_free() from here on */
  im->path = strdup(path);
  if (im->path == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  /* A device node or FIFO is refused unopened; O_NONBLOCK: one that
   * replaces the file meanwhile must not block the open either (it is
   * refused by its fstat next). */
  int r = image_check_type(path, config->rootfs, err);
  if (r < 0)
    return r;
  im->file_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (im->file_fd < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s", config->rootfs);
  r = image_detect(im->file_fd, config->rootfs, &im->format, err);
  if (r < 0)
    return r;
  im->overlay = !config->spec->root.readonly;
  r = check_known(config->spec, err);
  if (r == 0)
    r = plan_upper(config->spec, im, err);
  if (r == 0)
    r = plan_integrity(config->spec, im, err);
  if (r == 0)
    r = plan_layers(config->spec, im, err);
  return r;
}

static int make_dir(int dirfd, const char *name, mr_error **err)
{
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
    return mr_err_sys(err, errno, "state directory: create %s", name);
  return 0;
}

/* Kernels before 5.2: the child mounts with mount(2) where these say,
 * the root at plan->rootfs, a directory of the state directory. */
static int setup_classic(struct plan *plan, int dirfd, const char *dir, mr_error **err)
{
  struct image_root *im = plan->image;
  /* mount(2) of squashfs/erofs/overlay needs the initial user namespace. */
  if (plan->user_ns)
    return mr_err(err, -EOPNOTSUPP,
                  "config.json: root.path: %s: an image root in a user namespace needs the "
                  "new mount API (Linux 5.2)",
                  im->path);
  int r = make_dir(dirfd, IMAGE_ROOT_DIR, err);
  if (r < 0)
    return r;
  plan->rootfs = util_path_join(dir, IMAGE_ROOT_DIR);
  if (plan->rootfs == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  if (im->overlay || im->stacked)
    r = make_dir(dirfd, IMAGE_LOWER_DIR, err);
  if (im->overlay) {
    if (r == 0 && im->upper_dir == NULL)
      r = make_dir(dirfd, IMAGE_UPPER_DIR, err);
  }
  return r < 0 ? r : image_overlay_classic(im, dir, err);
}

/* The digest check, then the stacked layers (recorded in the state
 * directory, then referenced in the shared store). */
static int setup_layers(mr_context *ctx, struct image_root *im, const char *id, int dirfd,
                        mr_error **err)
{
  if (im->has_digest) {
    char what[PATH_MAX + 32];
    snprintf(what, sizeof(what), "config.json: root.path: %s", im->path);
    int r = image_verify(ctx, im->file_fd, what, IMAGE_ANN_SHA256, im->digest, err);
    if (r < 0)
      return r;
  }
  return image_layers_acquire(ctx, id, im->layers, dirfd, err);
}

int image_root_setup(mr_context *ctx, struct plan *plan, const char *id, int dirfd, const char *dir,
                     mr_error **err)
{
  struct image_root *im = plan->image;
  if (im == NULL)
    return 0;
  /* In another namespace's mounts (or the host's) the root would stay. */
  if (!(plan->clone_flags & CLONE_NEWNS))
    return mr_err(err, -EINVAL,
                  "config.json: linux.namespaces: an image root needs a new mount namespace "
                  "(not a path)");
  int r = setup_layers(ctx, im, id, dirfd, err);
  if (r == 0)
    r = image_upper_claim(ctx, im, dirfd, dir, err);
  if (r < 0)
    return r;
  /* A clone of the image's shared mount (layers.h); mount(2) binds it. */
  int lower = image_layers_root_mount(im->layers, err);
  if (lower == -ENOSYS) {
    mr_debug(ctx, "image %s: no open_tree (5.2): the init binds %s", im->path,
             im->layers->root.lowerdir);
    im->classic.active = true;
    im->classic.fstype = NULL; /* a bind */
    im->classic.source = strdup(im->layers->root.lowerdir);
    lower = im->classic.source ? 0 : mr_err_sys(err, ENOMEM, "image");
  }
  MR_CRASH_POINT("image-lower-mounted");
  if (lower < 0)
    return lower;
  if (im->classic.active)
    return setup_classic(plan, dirfd, dir, err);
  if (im->overlay || im->stacked) {
    im->root_fd = image_overlay_mount(ctx, im, lower, err);
    close(lower);
    if (im->root_fd < 0)
      return im->root_fd;
  } else {
    im->root_fd = lower;
  }
  MR_CRASH_POINT("image-mounted");
  mr_debug(ctx, "image %s: %s root prepared", im->path, im->overlay ? "overlay" : "read-only");
  /* Attached by fd, on top of / (image_root_attach()): this path only
   * names the root in messages. */
  plan->rootfs = strdup(im->path);
  if (plan->rootfs == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  return plan_keep_fd(plan, &im->root_fd, err);
}

/* ---- child side: async-signal-safe ---- */

static void fail(const struct image_root *im, int sync_fd, const char *what, const char *where)
{
  sync_fail(sync_fd, errno, "config.json: root.path: ", im->path, what, where);
}

bool image_root_classic(const struct plan *plan)
{
  return plan->image != NULL && plan->image->classic.active;
}

static void attach_classic(const struct plan *plan, int sync_fd)
{
  const struct image_root *im = plan->image;
  const struct image_classic *c = &im->classic;
  /* The image's shared mount (read-only, nodev, nosuid) bound here. */
  if (mount(c->source, c->lower, NULL, MS_BIND, NULL) < 0)
    fail(im, sync_fd, ": bind its shared mount ", c->source);
  if (!im->overlay && !im->stacked)
    return;
  if (!im->overlay) { /* read-only: the layers alone */
    if (mount("overlay", plan->rootfs, "overlay", MS_RDONLY, c->overlay_data) < 0)
      fail(im, sync_fd, ": mount the overlay on ", plan->rootfs);
    return;
  }
  struct stat root;
  if (stat(c->lower, &root) < 0)
    fail(im, sync_fd, ": stat the image's root at ", c->lower);
  if (c->upper_tmpfs &&
      mount("tmpfs", c->upper_base, "tmpfs", MS_NODEV | MS_NOSUID, c->tmpfs_data) < 0)
    fail(im, sync_fd, ": mount the upper tmpfs on ", c->upper_base);
  if (mkdir(c->upper, root.st_mode & 07777) == 0) {
    if (chown(c->upper, root.st_uid, root.st_gid) < 0 || chmod(c->upper, root.st_mode & 07777) < 0)
      fail(im, sync_fd, ": set up ", c->upper);
  } else if (errno != EEXIST) {
    fail(im, sync_fd, ": create ", c->upper);
  }
  if (mkdir(c->work, 0700) < 0 && errno != EEXIST)
    fail(im, sync_fd, ": create ", c->work);
  if (mount("overlay", plan->rootfs, "overlay", 0, c->overlay_data) < 0)
    fail(im, sync_fd, ": mount the overlay on ", plan->rootfs);
}

int image_root_attach(const struct plan *plan, int sync_fd)
{
  const struct image_root *im = plan->image;
  int fd;
  if (im->classic.active) {
    attach_classic(plan, sync_fd);
    fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  } else {
    /* On top of / of the container's mount namespace: a path every
     * container can reach (in a user namespace the state directory is
     * not searchable); pivot_root then goes by the mount's fd. The
     * propagation of / is private or slave by now: nothing reaches the
     * host. */
    if (syscall(SYS_move_mount, im->root_fd, "", AT_FDCWD, "/", MR_MOVE_MOUNT_F_EMPTY_PATH) < 0)
      fail(im, sync_fd, ": attach the root on top of /", NULL);
    /* The mount's fd is its root, now attached. */
    fd = fcntl(im->root_fd, F_DUPFD_CLOEXEC, 3);
  }
  if (fd < 0)
    fail(im, sync_fd, ": open the root at ", plan->rootfs);
  return fd;
}

int image_root_chdir(const struct plan *plan)
{
  const struct image_root *im = plan->image;
  return im->classic.active ? chdir(plan->rootfs) : fchdir(im->root_fd);
}

/* ---- cleanup ---- */

void image_id_forget(mr_context *ctx, const char *id)
{
  mr_error *local = NULL;
  if (layer_store_forget(ctx, id, &local) < 0)
    mr_warn(ctx, "container '%s': image layers: %s", id, mr_error_message(local));
  mr_error_free(local);
}

int image_root_destroy(mr_context *ctx, int dirfd, const char *id, mr_error **err)
{
  int r = image_layers_release(ctx, dirfd, err);
  if (r == 0) {
    image_id_forget(ctx, id);
    r = image_loop_release(ctx, dirfd, err);
  }
  if (r == 0)
    r = image_upper_release(ctx, dirfd, err);
  if (r < 0)
    return r;
  /* Empty on the host: the mounts were in the container's namespace. */
  static const char *const dirs[] = {IMAGE_ROOT_DIR, IMAGE_LOWER_DIR, IMAGE_UPPER_DIR};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
    if (unlinkat(dirfd, dirs[i], AT_REMOVEDIR) < 0 && errno != ENOENT)
      return mr_err_sys(err, errno, "state directory: remove %s", dirs[i]);
  return 0;
}

void image_root_free(struct plan *plan)
{
  struct image_root *im = plan->image;
  if (im == NULL)
    return;
  if (im->file_fd >= 0)
    close(im->file_fd);
  if (im->loop_fd >= 0)
    close(im->loop_fd);
  if (im->root_fd >= 0)
    close(im->root_fd);
  struct image_classic *c = &im->classic;
  free(c->source);
  free(c->lower);
  free(c->upper_base);
  free(c->upper);
  free(c->work);
  free(c->tmpfs_data);
  free(c->overlay_data);
  free(im->path);
  free(im->upper_dir);
  free(im->upper_size);
  if (im->layers != NULL)
    image_layers_free(im->layers);
  free(im->layers);
  free(im);
  plan->image = NULL;
}
