/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * layer-store.c - images (root.path's and stacked layers) mounted once and
 * shared by every container that uses them:
 *
 *   <state root>/.layers/
 *       lock            flock()ed around every change of the directories and
 *                       references below
 *       <key>/          one image file in one mount namespace (flock()ed
 *                       around its mount and unmount), named
 *                       "<dev>-<ino>-<ctime>@<mntns>": an edited or replaced
 *                       file is another layer (its users keep the old), and
 *                       so is the same file used from another mount namespace
 *           mnt/        the image, read-only, nodev, nosuid
 *           image.loop  its loop device (loop.c records it before attaching)
 *           refs/<id>   one per container that uses it
 *
 * Mount namespaces: a mount is seen only in the namespace that made it (and
 * in copies made after), but the store is on a file system every namespace
 * sees. So each namespace the runtime is called from has its own entries,
 * mounts and counts (the key names the inode of /proc/self/ns/mnt): the
 * last user of an entry unmounts it in its namespace. Released from another
 * namespace (a container created in one, deleted from another), the mount
 * is not visible there; removing its directory (rmdir of mnt/) detaches it
 * in every other namespace (the kernel's rule since 3.18), so nothing stays.
 *
 * One mount rather than one per container: the second container skips the
 * loop device and the mount (bench/image.sh measures both), and the image's
 * decompressed pages are cached once, in one superblock. The mount lives in
 * the runtime's mount namespace (it must outlive the container that made it);
 * each container's overlay pins its superblock, so unmounting it here never
 * pulls a layer from under a running container.
 *
 * Crash safety: the container records its keys in its state directory before
 * it takes references (layers.c); a reference is taken before the mount and
 * dropped before the unmount; every step tolerates having been done already.
 * So whatever a kill -9 interrupts, the next acquire or release of the layer
 * (delete --force of the container, or another container) finishes the job.
 * A reference whose container's state directory is gone, or does not record
 * the layer (the id was reused after a state directory was lost), can only
 * be such a leftover: it is pruned; create and delete of an id drop those
 * named after it at once (layer_store_forget()).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../mount-api.h"
#include "../testing/crashpoint.h"
#include "../util.h"
#include "layers.h"

#define STORE_LOCK "lock"
#define LAYER_MNT  "mnt"
#define LAYER_REFS "refs"

struct store {
  char *dir; /* <state root>/.layers */
  int dirfd, lockfd, rootfd;
};

/* flock(LOCK_EX), retried on EINTR. */
static int lock_fd(int fd, const char *what, mr_error **err)
{
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return mr_err_sys(err, errno, "lock %s", what);
  return 0;
}

static void store_close(struct store *s)
{
  if (s->lockfd >= 0)
    close(s->lockfd); /* unlocks */
  if (s->dirfd >= 0)
    close(s->dirfd);
  if (s->rootfd >= 0)
    close(s->rootfd);
  free(s->dir);
}

/* Opens (creating when `create`) the store and takes its lock. -ENOENT
 * without `create` when there is no store. */
static int store_open(mr_context *ctx, struct store *s, bool create, mr_error **err)
{
  *s = (struct store){.dirfd = -1, .lockfd = -1, .rootfd = -1};
  s->dir = util_path_join(ctx->state_root, IMAGE_LAYER_STORE);
  if (s->dir == NULL)
    return mr_err_sys(err, ENOMEM, "image layers");
  if (create) {
    int r = util_mkdir_p(s->dir, 0700, err);
    if (r < 0)
      return r;
  }
  s->rootfd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s->rootfd < 0 || s->dirfd < 0)
    return errno == ENOENT && !create ? -ENOENT : mr_err_sys(err, errno, "open %s", s->dir);
  s->lockfd = openat(s->dirfd, STORE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (s->lockfd < 0)
    return mr_err_sys(err, errno, "open %s/%s", s->dir, STORE_LOCK);
  return lock_fd(s->lockfd, s->dir, err);
}

static void store_unlock(const struct store *s)
{
  flock(s->lockfd, LOCK_UN);
}

static int mkdir_at(int dirfd, const char *name, const char *dir, mr_error **err)
{
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
    return mr_err_sys(err, errno, "create %s/%s", dir, name);
  return 0;
}

/* Whether something is mounted on keyfd/mnt (its device differs). */
static bool mounted(int keyfd)
{
  struct stat key, mnt;
  return fstat(keyfd, &key) == 0 && fstatat(keyfd, LAYER_MNT, &mnt, AT_SYMLINK_NOFOLLOW) == 0 &&
         key.st_dev != mnt.st_dev;
}

/* Whether the container `id` holds layer `key`: its state directory exists
 * and its record lists the key (written before the reference is taken,
 * removed after it is dropped, layers.c). A state directory alone is not
 * enough: the id may have been reused by a container that does not use the
 * layer, after a predecessor's state was lost with its reference. When it
 * cannot tell (any error but ENOENT), the reference is live. */
static bool ref_live(const struct store *s, const char *id, const char *key)
{
  cleanup_close int fd = openat(s->rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno != ENOENT;
  cleanup_free char *text = NULL;
  size_t len = 0;
  int r = util_read_file_at(fd, IMAGE_LAYERS_RECORD, 64 * 1024, &text, &len, NULL);
  if (r < 0)
    return r != -ENOENT;
  char line[sizeof(((struct image_layer *)0)->key) + 2];
  snprintf(line, sizeof(line), "\n%s\n", key);
  return strstr(text, line) != NULL;
}

/* Drops references of containers that no longer hold the layer; returns
 * how many references remain (0 when refs/ is missing). */
static size_t prune_refs(mr_context *ctx, const struct store *s, int keyfd, const char *key)
{
  int fd = openat(keyfd, LAYER_REFS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return 0;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return 1; /* cannot tell: keep the layer */
  }
  size_t live = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    if (ref_live(s, de->d_name, key)) {
      live++;
      continue;
    }
    mr_debug(ctx, "image layer %s: container '%s' is gone: its reference dropped", key, de->d_name);
    unlinkat(dirfd(d), de->d_name, 0);
  }
  closedir(d);
  return live;
}

/* image/lower.c and loop.c name root.path in their errors: for a stacked
 * layer the annotation is what names it. */
static int layer_error(const struct image_layer *l, int r, mr_error *local, mr_error **err)
{
  static const char root_field[] = "config.json: root.path: ";
  const char *msg = local ? mr_error_message(local) : strerror(-r);
  if (strcmp(l->field, "config.json: root.path") != 0 &&
      strncmp(msg, root_field, sizeof(root_field) - 1) == 0)
    r = mr_err(err, r, "%s: %s", l->field, msg + sizeof(root_field) - 1);
  else if (local != NULL)
    r = mr_err_from(err, r, local->errnum, msg);
  mr_error_free(local);
  return r;
}

/* The image mounted on keyfd/mnt in the host's namespace. */
static int mount_layer(mr_context *ctx, struct image_layer *l, int keyfd, const char *mnt,
                       mr_error **err)
{
  /* A leftover of an interrupted mount: its loop device, if still bound. */
  int r = image_loop_release(ctx, keyfd, err);
  if (r < 0)
    return r;
  struct image_root im = {
      .format = l->format,
      .path = l->path,
      .file_fd = l->fd,
      .loop_fd = -1,
      .loop_nr = -1,
      .root_fd = -1,
  };
  mr_error *local = NULL;
  int fd = image_lower_mount(ctx, &im, keyfd, &local);
  if (fd < 0)
    fd = layer_error(l, fd, local, err);
  else
    mr_error_free(local);
  const char *fstype = l->format == IMAGE_SQUASHFS ? "squashfs" : "erofs";
  if (fd > 0) {
    if (syscall(SYS_move_mount, fd, "", AT_FDCWD, mnt, MR_MOVE_MOUNT_F_EMPTY_PATH) < 0)
      r = mr_err_sys(err, errno, "%s: %s: attach the %s mount at %s", l->field, l->path, fstype,
                     mnt);
    close(fd);
  } else if (fd == 0 && im.classic.active) {
    if (mount(im.classic.source, mnt, fstype, MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
      r = mr_err_sys(err, errno, "%s: %s: mount %s (%s) at %s", l->field, l->path, fstype,
                     im.classic.source, mnt);
  } else {
    r = fd < 0 ? fd : mr_err(err, -EINVAL, "%s: %s: not mounted", l->field, l->path);
  }
  /* The mount holds the loop device now (autoclear frees it with the mount). */
  if (im.loop_fd >= 0)
    close(im.loop_fd);
  free(im.classic.source);
  if (r == 0)
    mr_debug(ctx, "image layer %s: mounted at %s", l->path, mnt);
  return r;
}

static int acquire_locked(mr_context *ctx, const char *id, struct image_layer *l,
                          const struct store *s, mr_error **err)
{
  int r = mkdir_at(s->dirfd, l->key, s->dir, err);
  if (r < 0)
    return r;
  cleanup_close int keyfd =
      openat(s->dirfd, l->key, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (keyfd < 0)
    return mr_err_sys(err, errno, "open %s/%s", s->dir, l->key);
  cleanup_free char *keydir = util_path_join(s->dir, l->key);
  cleanup_free char *mnt = keydir ? util_path_join(keydir, LAYER_MNT) : NULL;
  if (mnt == NULL)
    return mr_err_sys(err, ENOMEM, "image layers");
  r = mkdir_at(keyfd, LAYER_REFS, keydir, err);
  if (r == 0)
    r = mkdir_at(keyfd, LAYER_MNT, keydir, err);
  if (r < 0)
    return r;
  size_t others = prune_refs(ctx, s, keyfd, l->key);
  cleanup_close int refsfd = openat(keyfd, LAYER_REFS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int ref = refsfd < 0 ? -1 : openat(refsfd, id, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (ref < 0)
    return mr_err_sys(err, errno, "image layer %s: reference %s/%s/%s", l->path, keydir, LAYER_REFS,
                      id);
  close(ref);
  MR_CRASH_POINT("layer-ref-taken");
  /* Mounting takes milliseconds (a loop device): under the layer's own lock
   * (its directory, which our reference keeps), so other images' users do
   * not wait. Never the store's lock while waiting for a layer's. */
  store_unlock(s);
  r = lock_fd(keyfd, keydir, err);
  if (r < 0)
    return r;
  if (mounted(keyfd)) {
    mr_debug(ctx, "image layer %s: shared mount %s (%zu other users)", l->path, mnt, others);
  } else {
    r = mount_layer(ctx, l, keyfd, mnt, err);
    if (r < 0)
      return r;
  }
  MR_CRASH_POINT("layer-mounted");
  l->lowerdir = mnt;
  mnt = NULL;
  return 0;
}

int layer_store_acquire(mr_context *ctx, const char *id, struct image_layer *l, mr_error **err)
{
  struct store s;
  int r = store_open(ctx, &s, true, err);
  if (r == 0)
    r = acquire_locked(ctx, id, l, &s, err);
  store_close(&s);
  return r;
}

/* ---- release ----------------------------------------------------------- */

static int unmount_layer(mr_context *ctx, const char *mnt, mr_error **err)
{
  if (umount2(mnt, UMOUNT_NOFOLLOW) == 0)
    return 0;
  /* Busy in the host namespace (someone's cwd): detach it; it goes when
   * they leave. The containers' overlays hold their own references. */
  if (errno == EBUSY && umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
    mr_warn(ctx, "image layer %s busy: detached", mnt);
    return 0;
  }
  return errno == EINVAL ? 0 : mr_err_sys(err, errno, "unmount image layer %s", mnt);
}

static void remove_layer_dirs(int keyfd)
{
  unlinkat(keyfd, IMAGE_RECORD_FILE, 0);
  unlinkat(keyfd, LAYER_REFS, AT_REMOVEDIR);
  unlinkat(keyfd, LAYER_MNT, AT_REMOVEDIR);
}

/* Drops the reference under the store's lock; the last user unmounts under
 * the layer's lock (a new user may come meanwhile: it waits for that lock,
 * then finds the layer unmounted and mounts it again), and removes the
 * directories under the store's lock again, unless someone holds a
 * reference by then. */
static int release_locked(mr_context *ctx, const char *id, const char *key, const struct store *s,
                          mr_error **err)
{
  cleanup_close int keyfd = openat(s->dirfd, key, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (keyfd < 0)
    return errno == ENOENT ? 0 : mr_err_sys(err, errno, "open %s/%s", s->dir, key);
  cleanup_close int refsfd = openat(keyfd, LAYER_REFS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (refsfd >= 0 && unlinkat(refsfd, id, 0) < 0 && errno != ENOENT)
    return mr_err_sys(err, errno, "image layer %s: drop reference %s", key, id);
  MR_CRASH_POINT("layer-ref-dropped");
  size_t left = prune_refs(ctx, s, keyfd, key);
  store_unlock(s);
  if (left > 0) {
    mr_debug(ctx, "image layer %s: %zu users left", key, left);
    return 0;
  }
  cleanup_free char *keydir = util_path_join(s->dir, key);
  cleanup_free char *mnt = keydir ? util_path_join(keydir, LAYER_MNT) : NULL;
  if (mnt == NULL)
    return mr_err_sys(err, ENOMEM, "image layers");
  int r = lock_fd(keyfd, keydir, err);
  if (r < 0 || prune_refs(ctx, s, keyfd, key) > 0)
    return r;
  r = mounted(keyfd) ? unmount_layer(ctx, mnt, err) : 0;
  MR_CRASH_POINT("layer-unmounted");
  if (r == 0)
    r = image_loop_release(ctx, keyfd, err);
  if (r == 0)
    r = lock_fd(s->lockfd, s->dir, err);
  if (r < 0 || prune_refs(ctx, s, keyfd, key) > 0)
    return r;
  remove_layer_dirs(keyfd);
  if (unlinkat(s->dirfd, key, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return mr_err_sys(err, errno, "remove image layer %s", keydir);
  mr_debug(ctx, "image layer %s: last user gone: unmounted", key);
  return 0;
}

int layer_store_release(mr_context *ctx, const char *id, const char *key, mr_error **err)
{
  struct store s;
  int r = store_open(ctx, &s, false, err);
  if (r == 0)
    r = release_locked(ctx, id, key, &s, err);
  store_close(&s);
  return r == -ENOENT ? 0 : r;
}

/* ---- references an id's predecessor left ------------------------------ */

/* The keys of the layers that hold a reference named `id` (a container
 * record of "key\n" lines, like image.layers without the id). */
static int refs_named(const struct store *s, const char *id, char **keys, size_t *len,
                      mr_error **err)
{
  cleanup_close int fd = fcntl(s->dirfd, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (d == NULL)
    return mr_err_sys(err, errno, "read %s", s->dir);
  fd = -1;
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.' || strcmp(de->d_name, STORE_LOCK) == 0)
      continue;
    char ref[NAME_MAX * 2 + 16];
    snprintf(ref, sizeof(ref), "%s/%s/%s", de->d_name, LAYER_REFS, id);
    if (faccessat(s->dirfd, ref, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    size_t n = strlen(de->d_name);
    if (*len + n + 2 > cap) {
      cap = (*len + n + 2) * 2;
      char *k = realloc(*keys, cap);
      if (k == NULL) {
        closedir(d);
        return mr_err_sys(err, ENOMEM, "image layers");
      }
      *keys = k;
    }
    memcpy(*keys + *len, de->d_name, n);
    *len += n;
    (*keys)[(*len)++] = '\n';
    (*keys)[*len] = '\0';
  }
  closedir(d);
  return 0;
}

int layer_store_forget(mr_context *ctx, const char *id, mr_error **err)
{
  struct store s;
  cleanup_free char *keys = NULL;
  size_t len = 0;
  int r = store_open(ctx, &s, false, err);
  if (r == 0)
    r = refs_named(&s, id, &keys, &len, err);
  store_close(&s);
  if (r < 0 || keys == NULL)
    return r == -ENOENT ? 0 : r;
  char *save = keys;
  for (char *key; r == 0 && (key = strsep(&save, "\n")) != NULL;) {
    if (key[0] == '\0')
      continue;
    mr_debug(ctx, "image layer %s: a reference of an earlier container '%s' dropped", key, id);
    r = layer_store_release(ctx, id, key, err);
  }
  return r;
}
