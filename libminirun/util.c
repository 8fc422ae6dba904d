/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void util_freep(void *p)
{
  free(*(void **)p);
}

void util_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

int util_read_file_at(int dirfd, const char *name, size_t max, char **out, size_t *len,
                      mr_error **err)
{
  /* O_NONBLOCK: a FIFO in its place must not block the open (it is then
   * refused as not a regular file); on a regular file it changes nothing. */
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return mr_err_sys(err, errno, "%s", name);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return mr_err_sys(err, errno, "%s", name);
  if (!S_ISREG(st.st_mode))
    return mr_err(err, -EINVAL, "%s: not a regular file", name);
  if ((size_t)st.st_size > max)
    return mr_err(err, -EFBIG, "%s: larger than %zu bytes", name, max);
  size_t cap = (size_t)st.st_size + 1, used = 0;
  char *buf = malloc(cap);
  if (buf == NULL)
    return mr_err_sys(err, ENOMEM, "%s", name);
  for (;;) {
    if (used + 1 >= cap) { /* the file grew since fstat */
      if (cap > max) {
        free(buf);
        return mr_err(err, -EFBIG, "%s: larger than %zu bytes", name, max);
      }
      char *bigger = realloc(buf, cap * 2);
      if (bigger == NULL) {
        free(buf);
        return mr_err_sys(err, ENOMEM, "%s", name);
      }
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + used, cap - used - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      free(buf);
      return mr_err_sys(err, e, "%s", name);
    }
    if (n == 0)
      break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  *out = buf;
  if (len != NULL)
    *len = used;
  return 0;
}

int util_read_file(const char *path, size_t max, char **out, size_t *len, mr_error **err)
{
  return util_read_file_at(AT_FDCWD, path, max, out, len, err);
}

int util_write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int util_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                           mr_error **err)
{
  char tmp[PATH_MAX];
  if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
    return mr_err(err, -ENAMETOOLONG, "%s: name too long", name);
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return mr_err_sys(err, errno, "create %s", tmp);
  int r = util_write_all(fd, data, len);
  if (close(fd) < 0 && r == 0)
    r = -errno;
  if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
    r = -errno;
  if (r < 0) {
    unlinkat(dirfd, tmp, 0);
    return mr_err_sys(err, -r, "write %s", name);
  }
  return 0;
}

int util_mkdir_parents(char *path, mode_t mode)
{
  if (path[0] == '\0')
    return -ENOENT;
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char saved = *p;
    *p = '\0';
    int r = mkdir(path, mode);
    int e = errno;
    *p = saved;
    if (r < 0 && e != EEXIST)
      return -e;
    if (saved == '\0')
      return 0;
  }
}

int util_mkdir_p(const char *path, mode_t mode, mr_error **err)
{
  cleanup_free char *copy = strdup(path);
  if (copy == NULL)
    return mr_err_sys(err, ENOMEM, "mkdir %s", path);
  int r = util_mkdir_parents(copy, mode);
  return r < 0 ? mr_err_sys(err, -r, "mkdir %s", path) : 0;
}

int util_strdup(const char *s, char **out, mr_error **err)
{
  *out = NULL;
  if (s == NULL)
    return 0;
  *out = strdup(s);
  if (*out == NULL)
    return mr_err_sys(err, ENOMEM, "strdup");
  return 0;
}

int util_strdup_replace(char **slot, const char *s, mr_error **err)
{
  char *copy = NULL;
  int r = util_strdup(s, &copy, err);
  if (r < 0)
    return r;
  free(*slot);
  *slot = copy;
  return 0;
}

bool util_list_has(const char *list, const char *item, size_t n)
{
  for (const char *p = list; p != NULL; p = strchr(p, ',')) {
    if (*p == ',')
      p++;
    if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  }
  return false;
}

char *util_path_join(const char *a, const char *b)
{
  size_t la = strlen(a);
  while (la > 1 && a[la - 1] == '/')
    la--;
  if (la == 1 && a[0] == '/')
    la = 0; /* "/" + "x" is "/x", not "//x" */
  while (*b == '/')
    b++;
  /* Copied, not asprintf: a start joins ~40 paths, and musl's asprintf
   * formats each twice (once to measure): 3,000 instructions a join. */
  size_t lb = strlen(b);
  char *out = malloc(la + 1 + lb + 1);
  if (out == NULL)
    return NULL;
  char *slash = mempcpy(out, a, la);
  *slash = '/';
  memcpy(slash + 1, b, lb + 1);
  return out;
}

void util_rfc3339_now(char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

void util_mountinfo_unescape(char *s)
{
  char *out = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
        s[3] <= '7') {
      *out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
      s += 3;
    } else {
      *out++ = *s;
    }
  }
  *out = '\0';
}

char *util_mountinfo_mount_point(char *line)
{
  char *f = line;
  for (int i = 0; i < 4; i++) {
    f = strchr(f, ' ');
    if (f == NULL)
      return NULL;
    f++;
  }
  char *end = strchr(f, ' ');
  if (end == NULL)
    return NULL;
  *end = '\0';
  util_mountinfo_unescape(f);
  return f;
}

int util_fd_move_above(int *fd, int min, mr_error **err)
{
  if (*fd < 0 || *fd >= min)
    return 0;
  int moved = fcntl(*fd, F_DUPFD_CLOEXEC, min);
  if (moved < 0)
    return mr_err_sys(err, errno, "fcntl F_DUPFD_CLOEXEC");
  close(*fd);
  *fd = moved;
  return 0;
}

int util_mountinfo_each(char *buf, size_t size, int (*fn)(void *arg, char *line), void *arg)
{
  int mi = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (mi < 0)
    return -errno;
  size_t len = 0;
  int r = 0;
  for (;;) {
    ssize_t got = read(mi, buf + len, size - 1 - len);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      r = got < 0 ? -errno : 0;
      break;
    }
    len += (size_t)got;
    buf[len] = '\0';
    char *line = buf, *nl;
    while (r == 0 && (nl = strchr(line, '\n')) != NULL) {
      *nl = '\0';
      r = fn(arg, line);
      line = nl + 1;
    }
    len -= (size_t)(line - buf);
    memmove(buf, line, len);
    if (r < 0 || len == size - 1) {
      r = r < 0 ? r : -E2BIG; /* a line longer than the buffer */
      break;
    }
  }
  close(mi);
  return r;
}
