/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cachefile.c - directories and entries of the on-disk caches; see cachefile.h. */
#define _GNU_SOURCE
#include "cachefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int cachefile_dir_open(const char *dir, int flags)
{
  mr_error *err = NULL;
  int r = util_mkdir_p(dir, 0700, &err);
  mr_err_clear(&err);
  if (r < 0)
    return r;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags);
  return fd < 0 ? -errno : fd;
}

bool cachefile_private(const struct stat *st)
{
  return st->st_uid == geteuid() && (st->st_mode & 022) == 0;
}

int cachefile_write(int dirfd, const char *name, const struct iovec *parts, size_t n)
{
  char tmp[256];
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.%d.%ld.tmp", name, (int)getpid(), (long)ts.tv_nsec) >=
      sizeof(tmp))
    return -ENAMETOOLONG;
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return -errno;
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    r = util_write_all(fd, parts[i].iov_base, parts[i].iov_len);
  if (close(fd) < 0 && r == 0)
    r = -errno;
  if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
    r = -errno;
  if (r < 0)
    unlinkat(dirfd, tmp, 0);
  return r;
}
