/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sync.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define INROOT_PATH_MAX     4096
#define INROOT_EAGAIN_TRIES 64

static int open_in_root(int rootfd, const char *path, int flags)
{
  struct open_how how;
  memset(&how, 0, sizeof(how));
  how.flags = (unsigned long long)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  /* With ".." in the path the kernel fails with EAGAIN when any rename or
   * mount happened meanwhile anywhere (other containers being set up): it
   * asks to be called again. Bounded: a system that never stops mounting
   * must not keep us here. */
  long fd;
  int tries = 0;
  do
    fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
  while (fd < 0 && errno == EAGAIN && ++tries < INROOT_EAGAIN_TRIES);
  /* ENOSYS: a kernel before 5.6. EPERM: the seccomp profile of an older
   * container engine we run in (Docker before 20.10 denies what it does
   * not know). Either way: the same resolution, in userspace. */
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    return inroot_walk(rootfd, path, flags);
  return fd < 0 ? -errno : (int)fd;
}

/* Creates the last component of `path` (whose parent exists) in the root. */
static int create_component(int rootfd, char *path, bool dir)
{
  char *slash = strrchr(path, '/');
  const char *name = slash + 1;
  int parent;
  if (slash == path) {
    parent = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
  } else {
    *slash = '\0';
    parent = open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
    *slash = '/';
  }
  if (parent < 0)
    return parent;
  int r = 0;
  if (dir) {
    if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
      r = -errno;
  } else {
    /* O_EXCL: an existing FIFO must not be opened (it would block). */
    int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST && errno != ELOOP) /* ELOOP: a symlink, followed later */
      r = -errno;
    if (fd >= 0)
      close(fd);
  }
  close(parent);
  return r;
}

/* Symlinks followed while creating, as a path walk would (kept small: each
 * level holds two path buffers on the child's stack). */
#define INROOT_LINK_DEPTH 4

static int create_path(int rootfd, const char *path, enum inroot_create create, int depth);

/* `prefix` exists but resolves to nothing: a symlink to a missing target.
 * Create that target, inside the root like everything else. */
static int create_link_target(int rootfd, char *prefix, enum inroot_create create, int depth)
{
  if (depth >= INROOT_LINK_DEPTH)
    return -ELOOP;
  char *slash = strrchr(prefix, '/');
  char link[INROOT_PATH_MAX];
  int parent;
  if (slash == prefix) {
    parent = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
  } else {
    *slash = '\0';
    parent = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
    *slash = '/';
  }
  if (parent < 0)
    return parent;
  ssize_t n = readlinkat(parent, slash + 1, link, sizeof(link) - 1);
  int e = errno;
  close(parent);
  if (n < 0)
    return e == EINVAL ? -ENOENT : -e; /* EINVAL: not a symlink after all */
  link[n] = '\0';
  if (link[0] == '/')
    return create_path(rootfd, link, create, depth + 1);
  /* Relative: from the directory holding the link. */
  char target[INROOT_PATH_MAX];
  struct sbuf b = {target, sizeof(target), 0};
  *slash = '\0';
  sbuf_add(&b, prefix);
  *slash = '/';
  sbuf_add(&b, "/");
  sbuf_add(&b, link);
  return create_path(rootfd, target, create, depth + 1);
}

/* Makes `prefix` (whose parent exists) resolve to something. */
static int ensure_component(int rootfd, char *prefix, enum inroot_create how, int depth)
{
  int fd = open_in_root(rootfd, prefix, O_PATH);
  if (fd == -ENOENT) {
    int r = create_component(rootfd, prefix, how == INROOT_DIR);
    if (r < 0)
      return r;
    fd = open_in_root(rootfd, prefix, O_PATH);
    if (fd == -ENOENT) /* it existed already, as a symlink to nowhere */
      return create_link_target(rootfd, prefix, how, depth);
  }
  if (fd < 0)
    return fd;
  close(fd);
  return 0;
}

/* Walks the prefixes of `path`, creating the missing ones. */
static int create_path(int rootfd, const char *path, enum inroot_create create, int depth)
{
  char buf[INROOT_PATH_MAX];
  struct sbuf b = {buf, sizeof(buf), 0};
  sbuf_add(&b, path);
  if (b.len + 1 >= sizeof(buf))
    return -ENAMETOOLONG;
  for (size_t i = 1; i <= b.len; i++) {
    if (buf[i] != '/' && buf[i] != '\0')
      continue;
    if (buf[i - 1] == '/')
      continue; /* "//" or a trailing "/" */
    char saved = buf[i];
    buf[i] = '\0';
    enum inroot_create how = saved != '\0' ? INROOT_DIR : create;
    int r = ensure_component(rootfd, buf, how, depth);
    buf[i] = saved;
    if (r < 0)
      return r;
  }
  return 0;
}

int inroot_open(int rootfd, const char *path, enum inroot_create create)
{
  int fd = open_in_root(rootfd, path, O_PATH);
  if (fd != -ENOENT || create == INROOT_EXISTING)
    return fd;
  int r = create_path(rootfd, path, create, 0);
  if (r < 0)
    return r;
  return open_in_root(rootfd, path, O_PATH);
}

int inroot_open_parent(int rootfd, const char *path, bool create, const char **name)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL || slash[1] == '\0')
    return -EINVAL;
  *name = slash + 1;
  char parent[INROOT_PATH_MAX];
  size_t len = (size_t)(slash - path);
  if (len + 1 >= sizeof(parent))
    return -ENAMETOOLONG;
  memcpy(parent, path, len);
  parent[len] = '\0';
  if (len == 0) {
    parent[0] = '/';
    parent[1] = '\0';
  }
  int fd = inroot_open(rootfd, parent, create ? INROOT_DIR : INROOT_EXISTING);
  if (fd < 0)
    return fd;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
    close(fd);
    return -ENOTDIR;
  }
  return fd;
}

const char *inroot_fd_path(int fd, char *buf, size_t size)
{
  struct sbuf b = {buf, size, 0};
  sbuf_add(&b, "/proc/self/fd/");
  sbuf_add_int(&b, fd);
  return buf;
}
