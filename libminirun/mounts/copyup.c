/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "copyup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../util.h"

/* The kernel's getdents64 record (glibc's getdents64 wrapper is recent). */
struct dirent64_raw {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

struct copy {
  unsigned entries;
  char data[4096]; /* file contents pass through here, shared by all levels */
};

static int copy_data(int in, int out, struct copy *c)
{
  for (;;) {
    ssize_t n = read(in, c->data, sizeof(c->data));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return 0;
    int r = util_write_all(out, c->data, (size_t)n); /* async-signal-safe */
    if (r < 0)
      return r;
  }
}

/* Opens `name` in `from` (O_NOFOLLOW, plus `flags`) and checks it is what
 * fstatat showed as `st`: the same inode and type, never a FIFO, a link or
 * another file swapped in between. An fd, or -errno (-EAGAIN: swapped). */
static int open_same(int from, const char *name, int flags, const struct stat *st)
{
  int fd = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | flags);
  if (fd < 0)
    return -errno;
  struct stat now;
  int r = fstat(fd, &now) < 0 ? -errno : 0;
  if (r == 0 && ((now.st_mode & S_IFMT) != (st->st_mode & S_IFMT) || now.st_ino != st->st_ino ||
                 now.st_dev != st->st_dev))
    r = -EAGAIN;
  if (r < 0) {
    close(fd);
    return r;
  }
  return fd;
}

static int copy_file(int from, int to, const char *name, const struct stat *st, struct copy *c)
{
  /* O_NONBLOCK: should a FIFO be swapped in, the open must not block. */
  int in = open_same(from, name, O_NONBLOCK, st);
  if (in < 0)
    return in;
  int out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int r = out < 0 ? -errno : copy_data(in, out, c);
  if (out >= 0)
    close(out);
  close(in);
  return r;
}

static int copy_link(int from, int to, const char *name, struct copy *c)
{
  ssize_t n = readlinkat(from, name, c->data, sizeof(c->data) - 1);
  if (n < 0)
    return -errno;
  c->data[n] = '\0';
  return symlinkat(c->data, to, name) < 0 ? -errno : 0;
}

static int copy_dir(int from, int to, int depth, struct copy *c);

static int copy_subdir(int from, int to, const char *name, const struct stat *st, int depth,
                       struct copy *c)
{
  if (depth >= COPYUP_MAX_DEPTH)
    return -ELOOP;
  if (mkdirat(to, name, 0700) < 0)
    return -errno;
  int sub_from = open_same(from, name, O_DIRECTORY, st);
  if (sub_from < 0)
    return sub_from;
  int sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int r = sub_to < 0 ? -errno : copy_dir(sub_from, sub_to, depth + 1, c);
  if (sub_to >= 0)
    close(sub_to);
  close(sub_from);
  return r;
}

/* One entry: created in `to` like it is in `from`, then its owner and mode
 * (chown first: it clears set-id bits). */
static int copy_entry(int from, int to, const char *name, int depth, struct copy *c)
{
  if (++c->entries > COPYUP_MAX_ENTRIES)
    return -E2BIG;
  struct stat st;
  if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  int r;
  switch (st.st_mode & S_IFMT) {
  case S_IFDIR:
    r = copy_subdir(from, to, name, &st, depth, c);
    break;
  case S_IFREG:
    r = copy_file(from, to, name, &st, c);
    break;
  case S_IFLNK:
    r = copy_link(from, to, name, c);
    break;
  case S_IFCHR:
  case S_IFBLK:
  case S_IFIFO:
    r = mknodat(to, name, st.st_mode, st.st_rdev) < 0 ? -errno : 0;
    break;
  default:
    return 0; /* a socket means nothing without its listener */
  }
  if (r < 0)
    return r;
  if (fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  if (!S_ISLNK(st.st_mode) && fchmodat(to, name, st.st_mode & 07777, 0) < 0)
    return -errno;
  return 0;
}

static bool is_dot(const char *n)
{
  return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

static int copy_dir(int from, int to, int depth, struct copy *c)
{
  char buf[1024] __attribute__((aligned(8)));
  for (;;) {
    long n = syscall(SYS_getdents64, from, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return 0;
    for (long off = 0; off < n;) {
      struct dirent64_raw *d = (struct dirent64_raw *)(void *)(buf + off);
      off += d->d_reclen;
      if (is_dot(d->d_name))
        continue;
      int r = copy_entry(from, to, d->d_name, depth, c);
      if (r < 0)
        return r;
    }
  }
}

int copyup_tree(int from, int to)
{
  struct copy c;
  c.entries = 0;
  int r = copy_dir(from, to, 0, &c);
  if (r < 0)
    return r;
  struct stat st;
  if (fstat(from, &st) < 0)
    return -errno;
  if (fchown(to, st.st_uid, st.st_gid) < 0 || fchmod(to, st.st_mode & 07777) < 0)
    return -errno;
  return 0;
}
