/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "recattr.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../inroot.h"
#include "../mount-api.h"
#include "../util.h"

#define RECATTR_PATH_MAX 4096

/* ST_* of statfs -> MS_* of mount(2), for the flags a bind remount keeps
 * or changes per mount. */
static const struct {
  unsigned long st, ms;
  unsigned long long attr;
} flag_map[] = {
    {ST_RDONLY, MS_RDONLY, MOUNT_ATTR_RDONLY},
    {ST_NOSUID, MS_NOSUID, MOUNT_ATTR_NOSUID},
    {ST_NODEV, MS_NODEV, MOUNT_ATTR_NODEV},
    {ST_NOEXEC, MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {ST_NODIRATIME, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
    {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
};

static unsigned long atime_ms(unsigned long long attr)
{
  switch (attr & MOUNT_ATTR__ATIME) {
  case MOUNT_ATTR_NOATIME:
    return MS_NOATIME;
  case MOUNT_ATTR_STRICTATIME:
    return MS_STRICTATIME;
  default:
    return MS_RELATIME;
  }
}

/* The mount(2) flags of one remount: the mount's own, changed as asked. */
static unsigned long new_flags(unsigned long st, unsigned long long set, unsigned long long clr)
{
  unsigned long ms = 0;
  for (size_t i = 0; i < sizeof(flag_map) / sizeof(*flag_map); i++) {
    bool on = (st & flag_map[i].st) != 0;
    if (clr & flag_map[i].attr)
      on = false;
    if (set & flag_map[i].attr)
      on = true;
    if (on)
      ms |= flag_map[i].ms;
  }
  if (clr & MOUNT_ATTR__ATIME)
    ms |= atime_ms(set);
  else if (st & ST_NOATIME)
    ms |= MS_NOATIME;
  else if (st & ST_RELATIME)
    ms |= MS_RELATIME;
  else
    ms |= MS_STRICTATIME;
  return ms;
}

static int remount_fd(int fd, unsigned long long set, unsigned long long clr)
{
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0)
    return -errno;
  unsigned long ms = new_flags((unsigned long)sfs.f_flags, set, clr);
  char path[64];
  if (mount(NULL, inroot_fd_path(fd, path, sizeof(path)), NULL, MS_REMOUNT | MS_BIND | ms, NULL) <
      0)
    return -errno;
  /* Before 5.10 the kernel ignores MS_NOSYMFOLLOW: check it took. */
  if ((ms & MS_NOSYMFOLLOW) && (fstatfs(fd, &sfs) < 0 || !(sfs.f_flags & ST_NOSYMFOLLOW)))
    return -EOPNOTSUPP;
  return 0;
}

struct below {
  int rootfd;
  const char *root; /* host path of the rootfs */
  size_t root_len;
  const char *top; /* host path of the target mount */
  size_t top_len;
  unsigned long long set, clr;
};

/* One mountinfo line: a mount strictly below the target gets the flags,
 * reached again from the root by its path inside it. */
static int one_line(const struct below *b, char *line)
{
  const char *mp = util_mountinfo_mount_point(line);
  if (mp == NULL || strncmp(mp, b->top, b->top_len) != 0 || mp[b->top_len] != '/')
    return 0;
  if (strncmp(mp, b->root, b->root_len) != 0 || mp[b->root_len] != '/')
    return -EXDEV; /* below the target but not below the root: cannot be */
  int fd = inroot_open(b->rootfd, mp + b->root_len, INROOT_EXISTING);
  if (fd == -ENOENT)
    return 0; /* over-mounted by a later mount of the list */
  if (fd < 0)
    return fd;
  int r = remount_fd(fd, b->set, b->clr);
  close(fd);
  return r;
}

static int one_line_cb(void *arg, char *line)
{
  return one_line(arg, line);
}

static int each_line(const struct below *b)
{
  char buf[RECATTR_PATH_MAX + 512];
  return util_mountinfo_each(buf, sizeof(buf), one_line_cb, (void *)b);
}

static int fd_host_path(int fd, char *buf, size_t size)
{
  char link[64];
  ssize_t n = readlink(inroot_fd_path(fd, link, sizeof(link)), buf, size - 1);
  if (n <= 0)
    return n < 0 ? -errno : -EINVAL;
  if ((size_t)n == size - 1)
    return -ENAMETOOLONG;
  buf[n] = '\0';
  return 0;
}

int recattr_apply(int rootfd, int target_fd, unsigned long long set, unsigned long long clr,
                  const char **what)
{
  struct mount_attr attr = {.attr_set = set, .attr_clr = clr};
  *what = "set recursive mount options on ";
  if (syscall(SYS_mount_setattr, target_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
              sizeof(attr)) == 0)
    return 0;
  if (errno != ENOSYS)
    return -errno;
  /* Before 5.12: the mount itself, then each one below it. */
  *what = "remount (no mount_setattr: one mount at a time) ";
  int r = remount_fd(target_fd, set, clr);
  if (r < 0)
    return r;
  char root[RECATTR_PATH_MAX], top[RECATTR_PATH_MAX];
  if ((r = fd_host_path(rootfd, root, sizeof(root))) < 0 ||
      (r = fd_host_path(target_fd, top, sizeof(top))) < 0)
    return r;
  struct below b = {rootfd, root, strlen(root), top, strlen(top), set, clr};
  if (b.root_len == 1)
    b.root_len = 0; /* the root is "/" (after pivot_root) */
  *what = "remount a mount below (no mount_setattr) ";
  return each_line(&b);
}
