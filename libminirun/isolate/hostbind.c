/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "hostbind.h"

#include <errno.h>
#include <libmount/libmount.h>
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

int hostbind_plan(const char *host_path, char ***subs, size_t *n, mr_error **err)
{
  *subs = NULL;
  *n = 0;
  struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
  if (tb == NULL)
    return mr_err(err, -EIO, "read /proc/self/mountinfo");
  struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
  struct libmnt_fs *fs;
  size_t plen = strlen(host_path), cap = 0;
  int r = it == NULL ? mr_err_sys(err, ENOMEM, "mount table") : 0;
  while (r == 0 && mnt_table_next_fs(tb, it, &fs) == 0) {
    const char *t = mnt_fs_get_target(fs);
    if (t == NULL || strncmp(t, host_path, plen) != 0 || t[plen] != '/' || t[plen + 1] == '\0')
      continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      char **grown = realloc(*subs, cap * sizeof(char *));
      if (grown == NULL) {
        r = mr_err_sys(err, ENOMEM, "mount table");
        break;
      }
      *subs = grown;
    }
    if (((*subs)[*n] = strdup(t + plen + 1)) == NULL)
      r = mr_err_sys(err, ENOMEM, "mount table");
    else
      (*n)++;
  }
  mnt_free_iter(it);
  mnt_unref_table(tb);
  return r;
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
