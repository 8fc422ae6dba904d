/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * layers.c - the org.minirun.rootfs.layers annotation (layers.h): parsed
 * and every layer opened and checked at plan time; at setup the container
 * records the layers' keys in its state directory before taking references
 * on their shared mounts (layer-store.c), so delete --force after a crash
 * anywhere in between finds every reference it may hold.
 *
 *   org.minirun.rootfs.layers        = /img/app.sqfs:/img/base.erofs
 *   org.minirun.rootfs.layers.sha256 = <hex>,<hex>   (optional; "" or "-"
 *                                      skips a layer; directories cannot
 *                                      have one)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../mount-api.h"
#include "../testing/crashpoint.h"
#include "../util.h"
#include "layers.h"
#include "verify.h"

#define FIELD        "config.json: annotations: " IMAGE_ANN_LAYERS
#define FIELD_SHA256 "config.json: annotations: " IMAGE_ANN_LAYERS_SHA256
#define MAX_LAYERS   64

static const char *annotation(const struct spec *spec, const char *key)
{
  for (size_t i = 0; i < spec->n_annotations; i++)
    if (strcmp(spec->annotations[i].key, key) == 0)
      return spec->annotations[i].value ? spec->annotations[i].value : "";
  return NULL;
}

static void layer_free(struct image_layer *layer)
{
  free(layer->path);
  free(layer->lowerdir);
  if (layer->fd >= 0)
    close(layer->fd);
  layer->path = layer->lowerdir = NULL;
  layer->fd = -1;
}

void image_layers_free(struct image_layers *l)
{
  layer_free(&l->root);
  for (size_t i = 0; i < l->n; i++)
    layer_free(&l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* The layer's place in the store: an edited (ctime) or replaced (inode)
 * file is another layer, and so is the same file used from another mount
 * namespace (`mntns`): a mount is seen only in the namespace that made it
 * (and in copies made later), so each namespace the runtime is called from
 * mounts, counts and unmounts its own. */
static void layer_key(struct image_layer *layer, const struct stat *st, unsigned long long mntns)
{
  snprintf(layer->key, sizeof(layer->key), "%llx-%llx-%llx.%lx@%llx",
           (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
           (unsigned long long)st->st_ctim.tv_sec, (unsigned long)st->st_ctim.tv_nsec, mntns);
}

/* The runtime's mount namespace: the inode of /proc/self/ns/mnt. */
static int mount_ns(unsigned long long *ino, mr_error **err)
{
  struct stat st;
  if (stat("/proc/self/ns/mnt", &st) < 0)
    return mr_err_sys(err, errno, "image layers: the mount namespace: /proc/self/ns/mnt");
  *ino = (unsigned long long)st.st_ino;
  return 0;
}

int image_layers_set_root(struct image_layers *l, const char *path, int fd,
                          enum image_format format, mr_error **err)
{
  struct stat st;
  l->root.path = strdup(path);
  if (l->root.path == NULL)
    return mr_err_sys(err, ENOMEM, "image");
  l->root.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (l->root.fd < 0 || fstat(l->root.fd, &st) < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s", path);
  l->root.format = format;
  l->root.field = "config.json: root.path";
  layer_key(&l->root, &st, l->mntns);
  for (size_t i = 0; i < l->n; i++)
    if (l->v[i].fd >= 0 && strcmp(l->v[i].key, l->root.key) == 0)
      return mr_err(err, -EINVAL, FIELD ": %s is root.path's image itself", l->v[i].path);
  return 0;
}

/* detect.c names root.path; here it is a layer. */
static int layer_detect_error(int r, mr_error *local, mr_error **err)
{
  static const char root_field[] = "config.json: root.path: ";
  const char *msg = mr_error_message(local);
  if (strncmp(msg, root_field, sizeof(root_field) - 1) == 0)
    msg += sizeof(root_field) - 1;
  mr_err(err, r, FIELD ": %s", msg);
  mr_error_free(local);
  return r;
}

/* Opens one layer and tells an image from a directory. */
static int open_layer(struct image_layer *layer, const char *name, unsigned long long mntns,
                      mr_error **err)
{
  if (name[0] != '/')
    return mr_err(err, -EINVAL, FIELD ": '%s': not an absolute path", name);
  char resolved[PATH_MAX];
  if (realpath(name, resolved) == NULL)
    return mr_err_sys(err, errno, FIELD ": %s", name);
  layer->path = strdup(resolved);
  if (layer->path == NULL)
    return mr_err_sys(err, ENOMEM, FIELD);
  /* A device node or FIFO is refused unopened (image_check_type()). */
  mr_error *local = NULL;
  int r = image_check_type(resolved, name, &local);
  if (r < 0)
    return layer_detect_error(r, local, err);
  struct stat st;
  layer->fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (layer->fd < 0 || fstat(layer->fd, &st) < 0)
    return mr_err_sys(err, errno, FIELD ": %s", name);
  if (S_ISDIR(st.st_mode)) {
    close(layer->fd);
    layer->fd = -1;
    layer->lowerdir = strdup(resolved);
    return layer->lowerdir ? 0 : mr_err_sys(err, ENOMEM, FIELD);
  }
  r = image_detect(layer->fd, name, &layer->format, &local);
  if (r < 0)
    return layer_detect_error(r, local, err);
  layer_key(layer, &st, mntns);
  return 0;
}

static int split_layers(const char *value, struct image_layers *l, mr_error **err)
{
  if (value[0] == '\0')
    return mr_err(err, -EINVAL, FIELD ": empty (list layers as /a.sqfs:/b.erofs, top first)");
  size_t n = 1;
  for (const char *p = value; *p; p++)
    n += *p == ':';
  if (n > MAX_LAYERS)
    return mr_err(err, -EINVAL, FIELD ": %zu layers, at most %d", n, MAX_LAYERS);
  l->v = calloc(n, sizeof(*l->v));
  if (l->v == NULL)
    return mr_err_sys(err, ENOMEM, FIELD);
  cleanup_free char *copy = strdup(value);
  if (copy == NULL)
    return mr_err_sys(err, ENOMEM, FIELD);
  char *save = copy;
  for (size_t i = 0; i < n; i++) {
    char *name = strsep(&save, ":");
    l->v[i].fd = -1;
    l->v[i].field = FIELD;
    l->n++;
    if (name[0] == '\0')
      return mr_err(err, -EINVAL, FIELD ": layer %zu is empty", i + 1);
    int r = open_layer(&l->v[i], name, l->mntns, err);
    if (r < 0)
      return r;
    for (size_t j = 0; j < i; j++)
      if (l->v[i].fd >= 0 && strcmp(l->v[j].key, l->v[i].key) == 0)
        return mr_err(err, -EINVAL, FIELD ": %s is listed twice", name);
  }
  return 0;
}

static int parse_digests(const char *value, struct image_layers *l, mr_error **err)
{
  cleanup_free char *copy = strdup(value);
  if (copy == NULL)
    return mr_err_sys(err, ENOMEM, FIELD_SHA256);
  char *save = copy;
  size_t i = 0;
  for (char *d; (d = strsep(&save, ",")) != NULL; i++) {
    if (i >= l->n)
      return mr_err(err, -EINVAL, FIELD_SHA256 ": more digests than the %zu layers of %s", l->n,
                    IMAGE_ANN_LAYERS);
    if (d[0] == '\0' || strcmp(d, "-") == 0)
      continue;
    if (l->v[i].fd < 0)
      return mr_err(err, -EINVAL, FIELD_SHA256 ": digest %zu: %s is a directory", i + 1,
                    l->v[i].path);
    char field[160];
    snprintf(field, sizeof(field), FIELD_SHA256 ": digest %zu", i + 1);
    int r = image_digest_parse(field, d, l->v[i].digest, err);
    if (r < 0)
      return r;
    l->v[i].has_digest = true;
  }
  if (i != l->n)
    return mr_err(err, -EINVAL, FIELD_SHA256 ": %zu digests for the %zu layers of %s", i, l->n,
                  IMAGE_ANN_LAYERS);
  return 0;
}

int image_layers_plan(const struct spec *spec, struct image_layers *l, mr_error **err)
{
  *l = (struct image_layers){.root.fd = -1};
  int r = mount_ns(&l->mntns, err);
  if (r < 0)
    return r;
  const char *layers = annotation(spec, IMAGE_ANN_LAYERS);
  const char *digests = annotation(spec, IMAGE_ANN_LAYERS_SHA256);
  if (layers == NULL && digests != NULL)
    return mr_err(err, -EINVAL, FIELD_SHA256 ": set, but %s is not", IMAGE_ANN_LAYERS);
  if (layers == NULL)
    return 0;
  r = split_layers(layers, l, err);
  if (r == 0 && digests != NULL)
    r = parse_digests(digests, l, err);
  if (r < 0)
    image_layers_free(l);
  return r;
}

/* ---- setup and release ------------------------------------------------- */

static int record(int dirfd, const char *id, const struct image_layers *l, mr_error **err)
{
  size_t size = strlen(id) + 2 + (l->n + 1) * sizeof(l->root.key);
  cleanup_free char *text = malloc(size);
  if (text == NULL)
    return mr_err_sys(err, ENOMEM, IMAGE_LAYERS_RECORD);
  size_t len = (size_t)snprintf(text, size, "%s\n", id);
  if (l->root.fd >= 0)
    len += (size_t)snprintf(text + len, size - len, "%s\n", l->root.key);
  for (size_t i = 0; i < l->n; i++)
    if (l->v[i].fd >= 0)
      len += (size_t)snprintf(text + len, size - len, "%s\n", l->v[i].key);
  return util_write_file_atomic(dirfd, IMAGE_LAYERS_RECORD, text, len, 0600, err);
}

int image_layers_acquire(mr_context *ctx, const char *id, struct image_layers *l, int dirfd,
                         mr_error **err)
{
  if (l->n == 0 && l->root.fd < 0)
    return 0;
  for (size_t i = 0; i < l->n; i++) {
    if (!l->v[i].has_digest)
      continue;
    char what[PATH_MAX + 64];
    snprintf(what, sizeof(what), FIELD ": %s", l->v[i].path);
    int r = image_verify(ctx, l->v[i].fd, what, IMAGE_ANN_LAYERS_SHA256, l->v[i].digest, err);
    if (r < 0)
      return r;
  }
  int r = record(dirfd, id, l, err);
  MR_CRASH_POINT("layers-recorded");
  if (r == 0 && l->root.fd >= 0)
    r = layer_store_acquire(ctx, id, &l->root, err);
  for (size_t i = 0; r == 0 && i < l->n; i++)
    if (l->v[i].fd >= 0)
      r = layer_store_acquire(ctx, id, &l->v[i], err);
  return r;
}

int image_layers_root_mount(const struct image_layers *l, mr_error **err)
{
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, l->root.lowerdir,
                        MR_OPEN_TREE_CLONE | MR_OPEN_TREE_CLOEXEC);
  if (fd < 0 && errno == ENOSYS)
    return -ENOSYS;
  if (fd < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s: clone its mount %s", l->root.path,
                      l->root.lowerdir);
  return fd;
}

int image_layers_release(mr_context *ctx, int dirfd, mr_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  int r = util_read_file_at(dirfd, IMAGE_LAYERS_RECORD, 64 * 1024, &text, &len, NULL);
  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return mr_err_sys(err, -r, "read %s", IMAGE_LAYERS_RECORD);
  char *save = text;
  const char *id = strsep(&save, "\n");
  if (save == NULL || mr_id_validate(id, NULL) < 0) {
    mr_warn(ctx, "state: %s is damaged: no image layer released", IMAGE_LAYERS_RECORD);
    return 0;
  }
  for (char *key; r == 0 && (key = strsep(&save, "\n")) != NULL;)
    if (key[0] != '\0' && key[0] != '.' && strchr(key, '/') == NULL)
      r = layer_store_release(ctx, id, key, err);
  if (r == 0 && unlinkat(dirfd, IMAGE_LAYERS_RECORD, 0) < 0 && errno != ENOENT)
    r = mr_err_sys(err, errno, "remove %s", IMAGE_LAYERS_RECORD);
  return r;
}
