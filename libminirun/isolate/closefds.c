/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* isolate/closefds.c - see closefds.h. Async-signal-safe throughout. */
#define _GNU_SOURCE
#include "closefds.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* The kernel's getdents64 record (glibc's wrapper is recent). */
struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

static bool is_kept(int fd, const int *keep, size_t n_keep)
{
  for (size_t i = 0; i < n_keep; i++)
    if (keep[i] == fd)
      return true;
  return false;
}

static int parse_fd(const char *s)
{
  int fd = 0;
  if (*s == '\0')
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || fd > (INT32_MAX - 9) / 10)
      return -1;
    fd = fd * 10 + (*s - '0');
  }
  return fd;
}

/* Entries come in fd order and the directory's position is the fd number,
 * so closing while reading skips nothing. Only a real procfs is trusted:
 * an empty directory in its place would close nothing. */
bool closefds_by_proc(int first, const int *keep, size_t n_keep)
{
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return false;
  struct statfs sfs;
  if (fstatfs(dir, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    close(dir);
    return false;
  }
  char buf[512] __attribute__((aligned(8)));
  for (;;) {
    long n = syscall(SYS_getdents64, dir, buf, sizeof(buf));
    if (n <= 0)
      break;
    for (long off = 0; off < n;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
      off += d->d_reclen;
      int fd = parse_fd(d->d_name);
      if (fd >= first && fd != dir && !is_kept(fd, keep, n_keep))
        close(fd);
    }
  }
  close(dir);
  return true;
}

void closefds_by_loop(int first, const int *keep, size_t n_keep)
{
  struct rlimit rl;
  rlim_t max = 65536;
  if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0) {
    max = rl.rlim_cur > rl.rlim_max ? rl.rlim_cur : rl.rlim_max;
    if (max > (1u << 20))
      max = 1u << 20; /* also RLIM_INFINITY */
  }
  for (long fd = first; fd < (long)max; fd++)
    if (!is_kept((int)fd, keep, n_keep))
      close((int)fd);
}

void closefds_from(int first)
{
  if (syscall(SYS_close_range, (unsigned)first, ~0u, 0u) == 0)
    return;
  if (!closefds_by_proc(first, NULL, 0))
    closefds_by_loop(first, NULL, 0);
}
