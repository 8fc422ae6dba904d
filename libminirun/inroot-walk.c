/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inroot-walk.c - openat2(RESOLVE_IN_ROOT) done in userspace, for kernels
 * before 5.6 (and wherever openat2 fails with ENOSYS, e.g. under a seccomp
 * filter).
 *
 * The path is walked one component at a time from the root's fd, every
 * component opened O_PATH|O_NOFOLLOW relative to the fd of its parent. A
 * symlink is read with readlinkat and its text spliced in front of what is
 * left of the path: an absolute target restarts at the root, ".." pops the
 * last resolved component (and stays at the root there). ".." is never
 * opened: the walk re-opens the resolved prefix from the root instead, so
 * no step ever leaves the tree below rootfd by a path lookup, whatever the
 * image's symlinks say or however they change while we walk. The result is
 * the object the kernel's RESOLVE_IN_ROOT would give, or an error; never a
 * host path.
 *
 * What it cannot do that openat2 does: notice a directory being renamed
 * out of the root by someone with write access *outside* the root while the
 * walk holds its fd. That attacker already controls the host.
 *
 * Async-signal-safe: fixed buffers on the stack (3 x PATH_MAX), no malloc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inroot.h"

#define WALK_PATH_MAX 4096
/* As the kernel (MAXSYMLINKS). */
#define WALK_MAX_LINKS 40

struct walk {
  int rootfd;
  int dir;                  /* fd of the resolved prefix (rootfd or an O_PATH fd) */
  char done[WALK_PATH_MAX]; /* the resolved prefix, "a/b", no symlinks in it */
  size_t done_len;
  char todo[WALK_PATH_MAX]; /* what is left to resolve */
  char link[WALK_PATH_MAX]; /* scratch: a symlink's target */
  int links;
};

static void set_dir(struct walk *w, int fd)
{
  if (w->dir != w->rootfd)
    close(w->dir);
  w->dir = fd;
}

/* Back to the root: an absolute symlink, or ".." at the top. */
static void to_root(struct walk *w)
{
  set_dir(w, w->rootfd);
  w->done_len = 0;
  w->done[0] = '\0';
}

/* Opens the resolved prefix `done` again from the root. Every component of
 * it was a directory a moment ago; one swapped for a symlink since is an
 * error (ELOOP/ENOTDIR), never followed. */
static int reopen_done(struct walk *w)
{
  set_dir(w, w->rootfd);
  size_t i = 0;
  while (i < w->done_len) {
    size_t j = i;
    while (j < w->done_len && w->done[j] != '/')
      j++;
    char saved = w->done[j];
    w->done[j] = '\0';
    int fd = openat(w->dir, w->done + i, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    w->done[j] = saved;
    if (fd < 0)
      return -errno;
    set_dir(w, fd);
    i = j + 1;
  }
  return 0;
}

/* "..": drop the last resolved component; at the root, stay there. */
static int go_up(struct walk *w)
{
  if (w->done_len == 0)
    return 0;
  char *slash = memrchr(w->done, '/', w->done_len);
  w->done_len = slash != NULL ? (size_t)(slash - w->done) : 0;
  w->done[w->done_len] = '\0';
  return reopen_done(w);
}

static int append_done(struct walk *w, const char *name, size_t n)
{
  if (w->done_len + 1 + n + 1 > sizeof(w->done))
    return -ENAMETOOLONG;
  if (w->done_len > 0)
    w->done[w->done_len++] = '/';
  memcpy(w->done + w->done_len, name, n);
  w->done_len += n;
  w->done[w->done_len] = '\0';
  return 0;
}

/* todo = link + "/" + rest. `rest` points into todo itself. */
static int splice_link(struct walk *w, size_t link_len, const char *rest)
{
  size_t rest_len = strlen(rest);
  /* No slash of ours after the link's text when nothing follows: a
   * trailing slash would ask for a directory. */
  size_t sep = rest_len > 0 ? 1 : 0;
  if (link_len + sep + rest_len + 1 > sizeof(w->todo))
    return -ENAMETOOLONG;
  memmove(w->todo + link_len + sep, rest, rest_len + 1);
  memcpy(w->todo, w->link, link_len);
  if (sep)
    w->todo[link_len] = '/';
  return 0;
}

/* One component `name` (NUL-terminated, not "" "." ".."), `rest` the
 * remainder after it. Returns 1 when the component was a symlink (todo now
 * holds its target followed by rest), 0 when it was descended into (or is
 * the last and *last_fd holds it), or -errno. */
static int step(struct walk *w, const char *name, const char *rest, bool last, int flags,
                int *last_fd)
{
  int fd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
    if (++w->links > WALK_MAX_LINKS) {
      close(fd);
      return -ELOOP;
    }
    ssize_t n = readlinkat(fd, "", w->link, sizeof(w->link) - 1);
    int e = errno;
    close(fd);
    if (n < 0)
      return -e;
    if (n == 0)
      return -ENOENT; /* as the kernel does for an empty symlink */
    if (w->link[0] == '/')
      to_root(w);
    int r = splice_link(w, (size_t)n, rest);
    return r < 0 ? r : 1;
  }
  if (last) {
    *last_fd = fd;
    return 0;
  }
  if (!S_ISDIR(st.st_mode)) {
    close(fd);
    return -ENOTDIR;
  }
  int r = append_done(w, name, strlen(name));
  if (r < 0) {
    close(fd);
    return r;
  }
  set_dir(w, fd);
  return 0;
}

/* Whether only slashes (or nothing) follow: then `name` is the last one,
 * and a trailing slash asks for a directory. */
static bool only_slashes(const char *s)
{
  while (*s == '/')
    s++;
  return *s == '\0';
}

static int walk_all(struct walk *w, int flags)
{
  size_t pos = 0;
  bool want_dir = (flags & O_DIRECTORY) != 0;
  for (;;) {
    while (w->todo[pos] == '/')
      pos++;
    if (w->todo[pos] == '\0')
      break; /* the last component was "." or "..", or the path was "/" */
    char *name = w->todo + pos;
    char *end = strchrnul(name, '/');
    bool last = only_slashes(end);
    if (last && *end == '/')
      want_dir = true;
    char saved = *end;
    *end = '\0';
    size_t n = (size_t)(end - name);
    int r = 0;
    if (n == 1 && name[0] == '.') {
      /* nothing */
    } else if (n == 2 && name[0] == '.' && name[1] == '.') {
      r = go_up(w);
    } else {
      int fd = -1;
      /* step() moves rest to the front of todo on a symlink; it must see
       * the slash that follows this component restored. */
      *end = saved;
      char tmp[256];
      if (n >= sizeof(tmp))
        return -ENAMETOOLONG;
      memcpy(tmp, name, n);
      tmp[n] = '\0';
      /* A trailing slash follows the last link whatever O_NOFOLLOW says. */
      int nofollow = last && *end != '/' ? flags & O_NOFOLLOW : 0;
      r = step(w, tmp, end, last, nofollow, &fd);
      if (r == 1) {
        pos = 0;
        continue;
      }
      if (r == 0 && last) {
        struct stat st;
        if (want_dir && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))) {
          close(fd);
          return -ENOTDIR;
        }
        return fd;
      }
    }
    *end = saved;
    if (r < 0)
      return r;
    pos = (size_t)(end - w->todo);
  }
  /* The result is the resolved prefix itself (a directory). */
  int fd = openat(w->dir, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int inroot_walk(int rootfd, const char *path, int flags)
{
  struct walk w;
  if (flags & ~(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
    return -EINVAL; /* O_PATH lookups only: what the callers need */
  size_t len = strlen(path);
  if (len == 0)
    return -ENOENT; /* as openat2 */
  if (len + 1 > sizeof(w.todo))
    return -ENAMETOOLONG;
  memcpy(w.todo, path, len + 1);
  w.rootfd = rootfd;
  w.dir = rootfd;
  w.done_len = 0;
  w.done[0] = '\0';
  w.links = 0;
  int r = walk_all(&w, flags);
  set_dir(&w, rootfd);
  return r;
}
