/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state-init.c - finding a container's init when state.json and init.pid
 * are both damaged, so `delete --force` can still kill it before the state
 * directory goes.
 *
 * Two more ways, neither depending on a file's contents:
 *  - a third record in a file *name*, "init.PID.START" (empty), made with
 *    the other two: truncating or overwriting files leaves names alone;
 *  - the process holding the directory's exec.fifo open read-write: that is
 *    the init while it waits for start (a created container), found in
 *    /proc/PID/fd with nothing recorded at all.
 * Either is checked against /proc/PID/stat (start time) before it is used,
 * as every record is (procs.c pins the pid).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "util.h"

#define MARK_PREFIX "init."

int state_init_mark(int dirfd, pid_t pid, unsigned long long start, mr_error **err)
{
  char name[64];
  snprintf(name, sizeof(name), MARK_PREFIX "%d.%llu", (int)pid, start);
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST)
    return mr_err_sys(err, errno, "%s", name);
  if (fd >= 0)
    close(fd);
  return 0;
}

/* "PID.START" after the prefix: decimal digits only, nothing else. */
static bool parse_mark(const char *s, pid_t *pid, unsigned long long *start)
{
  unsigned long long v[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    if (*s < '0' || *s > '9')
      return false;
    for (; *s >= '0' && *s <= '9'; s++) {
      unsigned d = (unsigned)(*s - '0');
      if (v[k] > ULLONG_MAX / 10 || (v[k] == ULLONG_MAX / 10 && d > ULLONG_MAX % 10))
        return false;
      v[k] = v[k] * 10 + d;
    }
    if (*s != (k == 0 ? '.' : '\0'))
      return false;
    s++;
  }
  if (v[0] == 0 || v[0] > INT_MAX)
    return false;
  *pid = (pid_t)v[0];
  *start = v[1];
  return true;
}

int state_init_from_mark(int dirfd, pid_t *pid, unsigned long long *start)
{
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    int e = errno;
    close(fd);
    return -e;
  }
  int r = -ENOENT;
  struct dirent *de;
  while (r < 0 && (de = readdir(d)) != NULL)
    if ((de->d_type == DT_REG || de->d_type == DT_UNKNOWN) &&
        strncmp(de->d_name, MARK_PREFIX, strlen(MARK_PREFIX)) == 0 &&
        parse_mark(de->d_name + strlen(MARK_PREFIX), pid, start))
      r = 0;
  closedir(d);
  return r;
}

/* Whether /proc/PID/fd/FD (FD a name in that directory) is `fifo` opened
 * read-write (fdinfo's octal flags), as the waiting init holds it. */
static bool holds_fifo_rdwr(int fddir, int infodir, const char *fd, const struct stat *fifo)
{
  struct stat st;
  if (fstatat(fddir, fd, &st, 0) < 0 || st.st_dev != fifo->st_dev || st.st_ino != fifo->st_ino)
    return false;
  int info = openat(infodir, fd, O_RDONLY | O_CLOEXEC);
  if (info < 0)
    return false;
  char buf[256];
  ssize_t n = read(info, buf, sizeof(buf) - 1);
  close(info);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  const char *flags = strstr(buf, "flags:");
  return flags != NULL && (strtoul(flags + strlen("flags:"), NULL, 8) & O_ACCMODE) == O_RDWR;
}

static bool process_holds_fifo(pid_t pid, const struct stat *fifo)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
  int fddir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
  int infodir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool found = false;
  DIR *d = fddir >= 0 && infodir >= 0 ? fdopendir(fddir) : NULL;
  if (d != NULL) {
    fddir = -1; /* closedir closes it */
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL)
      found = de->d_name[0] != '.' && holds_fifo_rdwr(dirfd(d), infodir, de->d_name, fifo);
    closedir(d);
  }
  if (fddir >= 0)
    close(fddir);
  if (infodir >= 0)
    close(infodir);
  return found;
}

int state_init_fifo_holder(int dirfd, pid_t *pid, unsigned long long *start)
{
  struct stat fifo;
  if (fstatat(dirfd, STATE_EXEC_FIFO, &fifo, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  if (!S_ISFIFO(fifo.st_mode))
    return -ENOENT;
  DIR *d = opendir("/proc"); /* glibc opens it O_CLOEXEC */
  if (d == NULL)
    return -errno;
  int r = -ENOENT;
  struct dirent *de;
  while (r < 0 && (de = readdir(d)) != NULL) {
    char *end;
    long p = strtol(de->d_name, &end, 10);
    if (*end != '\0' || p <= 0 || p > INT_MAX || p == (long)getpid())
      continue;
    bool dead;
    if (process_holds_fifo((pid_t)p, &fifo) && proc_stat_read((pid_t)p, start, &dead) == 0 &&
        !dead) {
      *pid = (pid_t)p;
      r = 0;
    }
  }
  closedir(d);
  return r;
}
