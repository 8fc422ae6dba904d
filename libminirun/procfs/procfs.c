/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../mount-api.h"
#include "../plan.h"
#include "../sync.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define PROC_ROOT_INO 1

/* openat2 has one syscall number on every arch (the mount API's are in
 * mount-api.h). */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define PROCFS_PATH_MAX 256
#define PROCFS_NAME_MAX 64

const char *procfs_source_name(enum procfs_source s)
{
  switch (s) {
  case PROCFS_FSMOUNT:
    return "private procfs instance (fsmount)";
  case PROCFS_OPEN_TREE:
    return "clone of /proc (open_tree)";
  case PROCFS_HOST_PROC:
    return "/proc";
  default:
    return "none";
  }
}

static int fd_is_procfs(int fd)
{
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0)
    return -errno;
  return sfs.f_type == PROC_SUPER_MAGIC ? 0 : -EXDEV;
}

static int open_fsmount(void)
{
  int fs = (int)syscall(SYS_fsopen, "proc", MR_FSOPEN_CLOEXEC);
  if (fs < 0)
    return -errno;
  int r = 0;
  if (syscall(SYS_fsconfig, fs, MR_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    r = -errno;
  int mnt = r < 0 ? -1
                  : (int)syscall(SYS_fsmount, fs, MR_FSMOUNT_CLOEXEC,
                                 MR_MOUNT_ATTR_NOSUID | MR_MOUNT_ATTR_NODEV | MR_MOUNT_ATTR_NOEXEC);
  if (r == 0 && mnt < 0)
    r = -errno;
  close(fs);
  return r < 0 ? r : mnt;
}

static int open_source(enum procfs_source s)
{
  int fd;
  switch (s) {
  case PROCFS_FSMOUNT:
    return open_fsmount();
  case PROCFS_OPEN_TREE:
    fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc", MR_OPEN_TREE_CLONE | MR_OPEN_TREE_CLOEXEC);
    return fd < 0 ? -errno : fd;
  case PROCFS_HOST_PROC:
    fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
  default:
    return -EINVAL;
  }
}

/* The root must be a procfs root directory, not a subdirectory of one that
 * someone bound on /proc. */
static int check_root(int fd)
{
  struct stat st;
  int r = fd_is_procfs(fd);
  if (r < 0)
    return r;
  if (fstat(fd, &st) < 0)
    return -errno;
  return S_ISDIR(st.st_mode) && st.st_ino == PROC_ROOT_INO ? 0 : -EXDEV;
}

/* ---- below here: async-signal-safe ---- */

static size_t put_uint(char *buf, size_t size, unsigned long v)
{
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0 && n < sizeof(tmp));
  if (n >= size)
    return 0;
  for (size_t i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return n;
}

/* Opens `path` one component at a time, never following a symlink. The
 * caller checks which mount the result is on. */
static int walk(int root, const char *path, int flags)
{
  char name[PROCFS_NAME_MAX];
  int cur = -1;
  const char *s = path;
  for (;;) {
    const char *slash = strchr(s, '/');
    size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof(name)) {
      if (cur >= 0)
        close(cur);
      return -EINVAL;
    }
    memcpy(name, s, n);
    name[n] = '\0';
    int next = openat(cur >= 0 ? cur : root, name,
                      slash != NULL ? O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
                                    : flags | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    if (cur >= 0)
      close(cur);
    if (next < 0)
      return -e;
    cur = next;
    if (slash == NULL)
      return cur;
    s = slash + 1;
  }
}

/* "<pid>" or "<pid>/task/<tid>" of the caller as this procfs sees it. */
static int read_self(int root, bool thread, char *buf, size_t size)
{
  ssize_t n = readlinkat(root, thread ? "thread-self" : "self", buf, size - 1);
  if (n < 0 && thread && errno == ENOENT) {
    /* Before 3.17: the caller is single-threaded here, its tid is its pid. */
    n = readlinkat(root, "self", buf, size / 2 - 8);
    if (n > 0) {
      buf[n] = '\0';
      size_t len = (size_t)n;
      memcpy(buf + len, "/task/", 6);
      memcpy(buf + len + 6, buf, len);
      n = (ssize_t)(2 * len + 6);
    }
  }
  if (n <= 0)
    return n < 0 ? -errno : -ENOENT;
  if ((size_t)n >= size - 1)
    return -ENAMETOOLONG;
  buf[n] = '\0';
  return 0;
}

/* Parses "mnt_id:\t<n>" out of fdinfo text. */
static int parse_mnt_id(const char *text)
{
  const char *p = strstr(text, "mnt_id:");
  if (p == NULL)
    return -ENOTSUP;
  p += 7;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p < '0' || *p > '9')
    return -ENOTSUP;
  int v = 0;
  while (*p >= '0' && *p <= '9' && v < 100000000)
    v = v * 10 + (*p++ - '0');
  return v;
}

/* The id of the mount `fd` is on, from /proc/self/fdinfo (3.15+) read through
 * the root: no statx(STATX_MNT_ID) before 5.8, and name_to_handle_at() does
 * not work on procfs. */
static int fd_mnt_id(int root, int fd)
{
  char path[PROCFS_PATH_MAX];
  int r = read_self(root, false, path, sizeof(path) - 32);
  if (r < 0)
    return r;
  size_t len = strlen(path);
  memcpy(path + len, "/fdinfo/", 8);
  if (put_uint(path + len + 8, sizeof(path) - len - 8, (unsigned long)fd) == 0)
    return -ENAMETOOLONG;
  int info = walk(root, path, O_RDONLY);
  if (info < 0)
    return info;
  char text[512];
  ssize_t n;
  do
    n = read(info, text, sizeof(text) - 1);
  while (n < 0 && errno == EINTR);
  int e = errno;
  close(info);
  if (n < 0)
    return -e;
  text[n] = '\0';
  return parse_mnt_id(text);
}

static int open_with_openat2(int root, const char *path, int flags)
{
  struct open_how how;
  memset(&how, 0, sizeof(how));
  how.flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC);
  how.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
  return fd < 0 ? -errno : (int)fd;
}

static bool path_is_plain(const char *path)
{
  if (path[0] == '\0' || path[0] == '/')
    return false;
  for (const char *s = path; *s != '\0';) {
    const char *slash = strchr(s, '/');
    size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
      return false;
    if (slash == NULL)
      break;
    s = slash + 1;
    if (*s == '\0')
      return false;
  }
  return true;
}

int procfs_open_file(const struct procfs *p, const char *path, int flags)
{
  if (p->root_fd < 0)
    return -EBADF;
  if (!path_is_plain(path))
    return -EINVAL;
  int fd = -ENOSYS;
  if (!p->no_openat2)
    fd = open_with_openat2(p->root_fd, path, flags);
  if (fd == -ENOSYS || fd == -EPERM) { /* EPERM: an older engine's seccomp profile */
    fd = walk(p->root_fd, path, flags);
    if (fd >= 0) {
      /* Without RESOLVE_NO_XDEV: the walk never goes up, so a file on the
       * root's own mount was reached without crossing any other. */
      int id = fd_mnt_id(p->root_fd, fd);
      if (id < 0 || id != p->root_mnt_id) {
        close(fd);
        return id < 0 ? id : -EXDEV;
      }
    }
  }
  if (fd < 0)
    return fd;
  int r = fd_is_procfs(fd);
  if (r < 0) {
    close(fd);
    return r;
  }
  return fd;
}

int procfs_open_self(const struct procfs *p, const char *rel, bool thread, int flags)
{
  char path[PROCFS_PATH_MAX];
  if (p->root_fd < 0)
    return -EBADF;
  int r = read_self(p->root_fd, thread, path, sizeof(path));
  if (r < 0)
    return r;
  size_t len = strlen(path), rlen = strlen(rel);
  if (len + 1 + rlen >= sizeof(path))
    return -ENAMETOOLONG;
  path[len] = '/';
  memcpy(path + len + 1, rel, rlen + 1);
  return procfs_open_file(p, path, flags);
}

int procfs_write_fd(int fd, const char *text)
{
  /* One write(): procfs attributes take the whole value or nothing. */
  size_t len = strlen(text);
  ssize_t n;
  do
    n = write(fd, text, len);
  while (n < 0 && errno == EINTR);
  int r = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
  close(fd);
  return r;
}

void procfs_fail(int sync_fd, int neg_errno, const char *what, const char *name)
{
  const char *why = neg_errno == -EXDEV || neg_errno == -ELOOP
                        ? ": not the procfs file itself (a mount or a symlink in the way), refused"
                        : "";
  sync_fail(sync_fd, -neg_errno, what, name, why, NULL);
}

/* ---- parent ---- */

int procfs_open(struct procfs *p, enum procfs_source first, mr_error **err)
{
  static const enum procfs_source order[] = {PROCFS_FSMOUNT, PROCFS_OPEN_TREE, PROCFS_HOST_PROC};
  p->root_fd = -1;
  p->source = PROCFS_NONE;
  int last = -ENOENT;
  for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++) {
    if (first != PROCFS_NONE && order[i] < first)
      continue;
    int fd = open_source(order[i]);
    int r = fd < 0 ? fd : check_root(fd);
    if (r == 0) {
      p->root_fd = fd;
      p->source = order[i];
      break;
    }
    if (fd >= 0)
      close(fd);
    last = r;
  }
  if (p->root_fd < 0)
    return mr_err_sys(err, -last, "no verified procfs handle: /proc is not a procfs root");
  p->root_mnt_id = fd_mnt_id(p->root_fd, p->root_fd);
  if (p->root_mnt_id < 0 && p->no_openat2) {
    int r = p->root_mnt_id;
    procfs_close(p);
    return mr_err_sys(err, -r, "procfs: mount id of the handle");
  }
  return 0;
}

int procfs_plan(struct plan *plan, mr_error **err)
{
  plan->procfs.root_fd = -1;
  bool needed = plan->sysctl.n_ops > 0 || plan->procattr.oom_set || lsm_needs_procfs(&plan->lsm) ||
                plan->user_ns || plan->timens_offsets != NULL;
  if (!needed)
    return 0;
  int r = procfs_open(&plan->procfs, PROCFS_NONE, err);
  if (r < 0)
    return mr_err_prefix(err, r, "procfs writes (sysctl, oomScoreAdj, LSM labels, id maps)");
  return plan_keep_fd(plan, &plan->procfs.root_fd, err); /* the child writes through it */
}

void procfs_close(struct procfs *p)
{
  if (p->root_fd >= 0)
    close(p->root_fd);
  p->root_fd = -1;
  p->source = PROCFS_NONE;
}
