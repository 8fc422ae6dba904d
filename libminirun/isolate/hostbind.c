/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "hostbind.h"

#include <errno.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../mount-api.h"
#include "../rootfs.h"
#include "../sync.h"
#include "../util.h"

/* The submounts found so far. */
struct found {
  const char *host_path;
  size_t plen;
  char **subs;
  size_t n, cap;
};

static int one_mount(void *arg, char *line)
{
  struct found *f = arg;
  const char *t = util_mountinfo_mount_point(line);
  if (t == NULL || strncmp(t, f->host_path, f->plen) != 0 || t[f->plen] != '/' ||
      t[f->plen + 1] == '\0')
    return 0;
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 16;
    char **grown = realloc(f->subs, cap * sizeof(char *));
    if (grown == NULL)
      return -ENOMEM;
    f->subs = grown;
    f->cap = cap;
  }
  if ((f->subs[f->n] = strdup(t + f->plen + 1)) == NULL)
    return -ENOMEM;
  f->n++;
  return 0;
}

/* A mountinfo line holds the superblock options too (an overlay's lowerdir
 * list can be long): a longer buffer, and again from the start, until the
 * longest line fits. */
#define MOUNTINFO_LINE_MIN (64 * 1024)
#define MOUNTINFO_LINE_MAX (16 * 1024 * 1024)

int hostbind_plan(const char *host_path, char ***subs, size_t *n, mr_error **err)
{
  *subs = NULL;
  *n = 0;
  struct found f = {.host_path = host_path, .plen = strlen(host_path)};
  int r = -E2BIG;
  for (size_t size = MOUNTINFO_LINE_MIN; r == -E2BIG && size <= MOUNTINFO_LINE_MAX; size *= 4) {
    hostbind_plan_free(f.subs, f.n);
    f.subs = NULL;
    f.n = f.cap = 0;
    char *buf = malloc(size);
    if (buf == NULL)
      return mr_err_sys(err, ENOMEM, "read /proc/self/mountinfo");
    r = util_mountinfo_each(buf, size, one_mount, &f);
    free(buf);
  }
  if (r < 0) {
    hostbind_plan_free(f.subs, f.n);
    return mr_err_sys(err, -r, "read /proc/self/mountinfo");
  }
  *subs = f.subs;
  *n = f.n;
  return 0;
}

void hostbind_plan_free(char **subs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(subs[i]);
  free(subs);
}

/* ---- child side: async-signal-safe ---- */

static int remount(const char *path, unsigned long flags)
{
  unsigned long all = MS_REMOUNT | MS_BIND | flags | rootfs_locked_flags(path);
  return mount(NULL, path, NULL, all, NULL) < 0 ? -errno : 0;
}

static unsigned long long as_attr(unsigned long flags)
{
  unsigned long long a = 0;
  if (flags & MS_RDONLY)
    a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  return a;
}

/* Before 5.12: the planned submounts one by one. One missing below the
 * target (gone from the host since the plan) has nothing to restrict. */
static int restrict_each(const char *target, unsigned long flags, char *const *subs, size_t n)
{
  char path[4096];
  for (size_t i = 0; i < n; i++) {
    struct sbuf b = {path, sizeof(path), 0};
    sbuf_add(&b, target);
    sbuf_add(&b, "/");
    sbuf_add(&b, subs[i]);
    if (b.len + 1 >= sizeof(path))
      return -ENAMETOOLONG;
    int r = remount(path, flags);
    if (r < 0 && r != -ENOENT)
      return r;
  }
  return 0;
}

int hostbind_restrict(const char *target, unsigned long flags, char *const *subs, size_t n,
                      const char **what)
{
  flags &= HOSTBIND_FLAGS;
  if (flags == 0)
    return 0;
  *what = "remount";
  int r = remount(target, flags);
  if (r < 0)
    return r;
  *what = "restrict the mounts below";
  struct mount_attr attr = {.attr_set = as_attr(flags)};
  if (syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
    if (errno != ENOSYS)
      return -errno;
    r = restrict_each(target, flags, subs, n);
    if (r < 0)
      return r;
  }
  *what = "check the flags of";
  struct statfs st;
  if (statfs(target, &st) < 0)
    return -errno;
  unsigned long got = (unsigned long)st.f_flags;
  *what = "the flags did not hold on";
  if (((flags & MS_RDONLY) && !(got & ST_RDONLY)) || ((flags & MS_NOSUID) && !(got & ST_NOSUID)) ||
      ((flags & MS_NODEV) && !(got & ST_NODEV)) || ((flags & MS_NOEXEC) && !(got & ST_NOEXEC)))
    return 1;
  return 0;
}
