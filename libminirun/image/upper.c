/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * upper.c - one container at a time per persistent upper directory
 * (org.minirun.rootfs.upper). overlayfs lets a second overlay use an upper
 * directory in use (it only warns in the kernel log: "undefined behavior"),
 * so the runtime keeps the rule itself: DIR/.minirun-owner names the state
 * directory of the container that holds DIR, from create until delete. A
 * name whose state directory is gone is stale and taken over.
 *
 * The container's own state directory records the claim (IMAGE_CLAIM_FILE:
 * "STATE_DIR\nUPPER_DIR\n") before it is made, so delete - also `delete
 * --force` after a crash mid-create - releases it. Claims are made and
 * released under flock() on DIR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../context.h"
#include "../error.h"
#include "../util.h"
#include "image.h"

#define OWNER_FILE ".minirun-owner"
#define OWNER_MAX  4096

static int lock_dir(const char *path, mr_error **err)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return mr_err_sys(err, errno, "config.json: annotations: org.minirun.rootfs.upper: %s", path);
  while (flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) {
      int e = errno;
      close(fd);
      return mr_err_sys(err, e, "config.json: annotations: org.minirun.rootfs.upper: lock %s",
                        path);
    }
  }
  return fd;
}

/* The owner's state directory, or NULL (no owner file, or unreadable). */
static char *read_owner(int dirfd)
{
  char *text = NULL;
  size_t len = 0;
  if (util_read_file_at(dirfd, OWNER_FILE, OWNER_MAX, &text, &len, NULL) < 0)
    return NULL;
  char *nl = memchr(text, '\n', len);
  if (nl != NULL)
    *nl = '\0';
  return text;
}

static bool is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int image_upper_claim(mr_context *ctx, const struct image_root *im, int dirfd, const char *dir,
                      mr_error **err)
{
  if (im->upper_dir == NULL)
    return 0;
  cleanup_free char *record = NULL;
  if (asprintf(&record, "%s\n%s\n", dir, im->upper_dir) < 0) {
    record = NULL;
    return mr_err_sys(err, ENOMEM, "image");
  }
  int r = util_write_file_atomic(dirfd, IMAGE_CLAIM_FILE, record, strlen(record), 0600, err);
  if (r < 0)
    return r;
  cleanup_close int upper = lock_dir(im->upper_dir, err);
  if (upper < 0)
    return upper;
  cleanup_free char *owner = read_owner(upper);
  if (owner != NULL && strcmp(owner, dir) != 0 && is_dir(owner))
    return mr_err(err, -EBUSY,
                  "config.json: annotations: org.minirun.rootfs.upper: %s is the upper layer of "
                  "the container whose state is %s (one container at a time: delete it first)",
                  im->upper_dir, owner);
  if (owner != NULL && strcmp(owner, dir) != 0)
    mr_debug(ctx, "upper %s: taking over from %s (gone)", im->upper_dir, owner);
  char text[OWNER_MAX];
  int n = snprintf(text, sizeof(text), "%s\n", dir);
  if (n < 0 || (size_t)n >= sizeof(text))
    return mr_err(err, -ENAMETOOLONG, "state directory %s", dir);
  r = util_write_file_atomic(upper, OWNER_FILE, text, (size_t)n, 0600, err);
  return r < 0 ? mr_err_prefix(err, r, "config.json: annotations: org.minirun.rootfs.upper: %s",
                               im->upper_dir)
               : 0;
}

int image_upper_release(mr_context *ctx, int dirfd, mr_error **err)
{
  cleanup_free char *record = NULL;
  size_t len = 0;
  int r = util_read_file_at(dirfd, IMAGE_CLAIM_FILE, 2 * OWNER_MAX, &record, &len, NULL);
  if (r == -ENOENT)
    return 0;
  char *nl = r == 0 ? memchr(record, '\n', len) : NULL;
  char *upper_path = nl ? nl + 1 : NULL;
  char *end = upper_path ? memchr(upper_path, '\n', len - (size_t)(upper_path - record)) : NULL;
  if (end == NULL) {
    mr_warn(ctx, "state: %s is damaged; no upper directory released", IMAGE_CLAIM_FILE);
    return 0;
  }
  *nl = *end = '\0';
  mr_error *local = NULL;
  cleanup_close int upper = lock_dir(upper_path, &local);
  if (upper < 0) {
    /* Removed by its owner in the meantime: nothing to release. */
    mr_debug(ctx, "upper %s: %s", upper_path, mr_error_message(local));
    mr_error_free(local);
    return 0;
  }
  cleanup_free char *owner = read_owner(upper);
  if (owner != NULL && strcmp(owner, record) == 0 && unlinkat(upper, OWNER_FILE, 0) < 0 &&
      errno != ENOENT)
    return mr_err_sys(err, errno, "release upper directory %s", upper_path);
  return 0;
}
