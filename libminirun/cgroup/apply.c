/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/apply.c - performing a planned list of cgroup writes (and the v2
 * device program) on a container's cgroup directories, for create and for
 * update. Runs in the parent; a value the kernel refuses is an error naming
 * the field, the file and the value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util.h"
#include "resources.h"

/* The container's directory in hierarchy `h` (matched by mount point, so a
 * layout detected again by another process works too). */
static const char *dir_of(const struct cg_paths *p, const struct cg_hierarchy *h)
{
  for (size_t i = 0; i < p->n; i++)
    if (p->hier[i] == h ||
        (p->hier[i] != NULL && h != NULL && strcmp(p->hier[i]->mountpoint, h->mountpoint) == 0))
      return p->dirs[i];
  return NULL;
}

static const char *dir_v2(const struct cg_paths *p)
{
  for (size_t i = 0; i < p->n; i++)
    if (p->hier[i] != NULL && p->hier[i]->v2)
      return p->dirs[i];
  return NULL;
}

static int write_at(int dfd, const char *file, const char *value)
{
  int fd = openat(dfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -errno;
  /* One write(): cgroup files take a value per call. */
  ssize_t n = write(fd, value, strlen(value));
  int e = n < 0 ? errno : 0;
  close(fd);
  return n < 0 ? -e : 0;
}

/* memory.checkBeforeUpdate: the new limit must not be below the usage. */
static int check_usage(int dfd, const struct cg_write *w, mr_error **err)
{
  char *end, *text = NULL;
  size_t len;
  unsigned long long limit = strtoull(w->value, &end, 10);
  if (*end != '\0' || w->value[0] == '-')
    return 0; /* "max" / -1 */
  const char *usage_file = w->h->v2 ? "memory.current" : "memory.usage_in_bytes";
  int r = util_read_file_at(dfd, usage_file, 64, &text, &len, err);
  if (r < 0)
    return mr_err_prefix(err, r, "%s (memory.checkBeforeUpdate)", w->field);
  unsigned long long usage = strtoull(text, NULL, 10);
  free(text);
  if (limit < usage)
    return mr_err(err, -EBUSY, "%s: %llu is below the current usage %llu (checkBeforeUpdate)",
                  w->field, limit, usage);
  return 0;
}

static int apply_one(int dfd, const struct cg_write *w, mr_error **err)
{
  if (w->flags & CG_W_CHECK_USAGE) {
    int r = check_usage(dfd, w, err);
    if (r < 0)
      return r;
  }
  int r = write_at(dfd, w->file, w->value);
  if (r == -ENOENT && w->alt_file != NULL) {
    r = write_at(dfd, w->alt_file, w->alt_value);
    if (r == -ENOENT)
      return mr_err(err, -ENOENT, "%s: the kernel has neither %s nor %s", w->field, w->file,
                    w->alt_file);
    if (r < 0)
      return mr_err_sys(err, -r, "%s: writing '%s' to %s", w->field, w->alt_value, w->alt_file);
    return 0;
  }
  if (r == -ENOENT)
    return mr_err(err, -ENOENT, "%s: the kernel has no %s", w->field, w->file);
  if (r < 0)
    return mr_err_sys(err, -r, "%s: writing '%s' to %s", w->field, w->value, w->file);
  return 0;
}

/* The directory fd of the hierarchy of the current write; consecutive
 * writes to one hierarchy (the planner groups them) share it. */
struct dirs {
  const struct cg_paths *p;
  const struct cg_hierarchy *h;
  int fd;
};

static int dir_fd(struct dirs *d, const struct cg_write *w, mr_error **err)
{
  if (d->fd >= 0 && d->h == w->h)
    return d->fd;
  if (d->fd >= 0)
    close(d->fd);
  d->fd = -1;
  const char *dir = dir_of(d->p, w->h);
  if (dir == NULL)
    return mr_err(err, -ENOENT, "%s: the container has no cgroup in %s", w->field,
                  w->h->mountpoint);
  d->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (d->fd < 0)
    return mr_err_sys(err, errno, "%s: cgroup %s", w->field, dir);
  d->h = w->h;
  return d->fd;
}

/* The pair i, i+1 (CG_W_ORDERED): if i is refused, i+1 first, then i. */
static int apply_ordered(int dfd, const struct cg_write *w, mr_error **err)
{
  mr_error *first = NULL;
  int r = apply_one(dfd, &w[0], &first);
  if (r == -EINVAL) {
    mr_error *second = NULL;
    if (apply_one(dfd, &w[1], &second) == 0) {
      mr_error_free(first);
      first = NULL;
      r = apply_one(dfd, &w[0], err);
    }
    mr_error_free(second);
  } else if (r == 0) {
    r = apply_one(dfd, &w[1], err);
  }
  if (first != NULL) {
    if (err != NULL && *err == NULL)
      *err = first;
    else
      mr_error_free(first);
  }
  return r;
}

static int apply_writes(const struct cg_writes *ws, const struct cg_paths *p, mr_error **err)
{
  struct dirs d = {.p = p, .fd = -1};
  int r = 0;
  for (size_t i = 0; i < ws->n && r == 0; i++) {
    const struct cg_write *w = &ws->w[i];
    int dfd = dir_fd(&d, w, err);
    if (dfd < 0)
      r = dfd;
    else if ((w->flags & CG_W_ORDERED) && i + 1 < ws->n && ws->w[i + 1].h == w->h)
      r = apply_ordered(dfd, &ws->w[i++], err);
    else
      r = apply_one(dfd, w, err);
  }
  if (d.fd >= 0)
    close(d.fd);
  return r;
}

int cg_writes_apply(const struct cg_writes *ws, const struct cg_paths *p, mr_error **err)
{
  int r = apply_writes(ws, p, err);
  if (r < 0 || ws->devices.n_insns == 0)
    return r;
  const char *dir = dir_v2(p);
  if (dir == NULL)
    return mr_err(err, -ENOENT, "linux.resources.devices: the container has no cgroup v2 dir");
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return mr_err_sys(err, errno, "linux.resources.devices: cgroup %s", dir);
  r = cg_devices_attach(dfd, &ws->devices, err);
  close(dfd);
  return r;
}
