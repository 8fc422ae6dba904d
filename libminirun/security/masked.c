/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "masked.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../inroot.h"
#include "../mount-api.h"
#include "../rootfs.h"
#include "../sync.h"
#include "../util.h"

#define MASKED_PATH_MAX 4096

static int check_list(char *const *paths, size_t n, const char *field, mr_error **err)
{
  for (size_t i = 0; i < n; i++) {
    const char *p = paths[i];
    if (p == NULL || p[0] != '/')
      return mr_err(err, -EINVAL, "config.json: linux.%s[%zu]: '%s' is not an absolute path", field,
                    i, p ? p : "");
    if (strlen(p) >= MASKED_PATH_MAX)
      return mr_err(err, -ENAMETOOLONG, "config.json: linux.%s[%zu]: path too long", field, i);
  }
  return 0;
}

int masked_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  (void)plan;
  const struct spec_linux *l = &config->spec->linux_;
  int r = check_list(l->masked_paths, l->n_masked_paths, "maskedPaths", err);
  if (r == 0)
    r = check_list(l->readonly_paths, l->n_readonly_paths, "readonlyPaths", err);
  return r;
}

/* ---- child side: async-signal-safe from here on ---- */

/* An O_PATH fd of `path` resolved inside the root, or -errno. */
static int open_target(int rootfd, const char *path)
{
  return inroot_open(rootfd, path, INROOT_EXISTING);
}

/* The MS_* flags a remount must repeat: in a user namespace the kernel
 * locks nosuid/nodev/noexec/atime flags, and a remount dropping them fails
 * with EPERM. */
static unsigned long locked_flags(int fd)
{
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0)
    return 0;
  return rootfs_locked_flags_of((unsigned long)sfs.f_flags);
}

/* Makes the single mount at fd read-only. */
static int remount_readonly(int fd)
{
  char path[64];
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(fd);
  return mount(NULL, inroot_fd_path(fd, path, sizeof(path)), NULL, flags, NULL) < 0 ? -errno : 0;
}

/* One line of mountinfo: when its mount point lies below `top`, make it
 * read-only too. */
static int remount_if_below(int rootfd, char *line, const char *top, size_t top_len)
{
  const char *mp = util_mountinfo_mount_point(line);
  if (mp == NULL || strncmp(mp, top, top_len) != 0)
    return 0;
  const char *rest = mp + top_len;
  if (top_len > 1 && *rest++ != '/')
    return 0; /* "/proc/sysfoo" is not below "/proc/sys" */
  if (*rest == '\0')
    return 0; /* top itself: done already */
  int fd = open_target(rootfd, mp);
  if (fd == -ENOENT)
    return 0; /* over-mounted by a later mount */
  if (fd < 0)
    return fd;
  int r = remount_readonly(fd);
  close(fd);
  return r;
}

struct below_top {
  int rootfd;
  const char *top;
  size_t len;
};

static int remount_if_below_cb(void *arg, char *line)
{
  const struct below_top *t = arg;
  return remount_if_below(t->rootfd, line, t->top, t->len);
}

/* Kernels before 5.12 have no mount_setattr(AT_RECURSIVE): remount every
 * mount below the read-only path one by one, as listed in mountinfo. */
static int remount_submounts(int rootfd, int fd)
{
  char top[MASKED_PATH_MAX], link[64];
  ssize_t n = readlink(inroot_fd_path(fd, link, sizeof(link)), top, sizeof(top) - 1);
  if (n <= 0)
    return n < 0 ? -errno : -EINVAL;
  top[n] = '\0';
  struct below_top t = {rootfd, top, (size_t)n};
  char buf[4096];
  return util_mountinfo_each(buf, sizeof(buf), remount_if_below_cb, &t);
}

static int make_tree_readonly(int rootfd, int fd)
{
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
    return 0;
  if (errno != ENOSYS)
    return -errno;
  int r = remount_readonly(fd);
  return r < 0 ? r : remount_submounts(rootfd, fd);
}

static void readonly_path(int rootfd, const char *path, int sync_fd)
{
  int fd = open_target(rootfd, path);
  if (fd == -ENOENT)
    return;
  if (fd < 0)
    sync_fail(sync_fd, -fd, "readonlyPaths: open ", path, NULL, NULL);
  char fdpath[64];
  inroot_fd_path(fd, fdpath, sizeof(fdpath));
  if (mount(fdpath, fdpath, NULL, MS_BIND | MS_REC, NULL) < 0)
    sync_fail(sync_fd, errno, "readonlyPaths: bind ", path, NULL, NULL);
  close(fd);
  /* Reopened: the fd taken before the bind sees the mount beneath it. */
  fd = open_target(rootfd, path);
  if (fd < 0)
    sync_fail(sync_fd, -fd, "readonlyPaths: reopen ", path, NULL, NULL);
  int r = make_tree_readonly(rootfd, fd);
  if (r < 0)
    sync_fail(sync_fd, -r, "readonlyPaths: make read-only ", path, NULL, NULL);
  close(fd);
}

/* The container's /dev/null, opened without following a symlink and
 * checked to be the null device: whatever else sits there (a regular file,
 * a link to a host file, another device) is never bound anywhere. */
static int open_devnull(int rootfd, int sync_fd)
{
  const char *name = "null";
  int dir = inroot_open_parent(rootfd, "/dev/null", false, &name);
  if (dir < 0)
    sync_fail(sync_fd, -dir, "maskedPaths: open /dev of the container", NULL, NULL, NULL);
  int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  int e = errno;
  close(dir);
  if (fd < 0)
    sync_fail(sync_fd, e, "maskedPaths: open /dev/null of the container", NULL, NULL, NULL);
  struct stat st;
  if (fstat(fd, &st) < 0)
    sync_fail(sync_fd, errno, "maskedPaths: stat /dev/null", NULL, NULL, NULL);
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
    sync_fail(sync_fd, -EPERM,
              "maskedPaths: /dev/null in the container is not the null device (character device "
              "1:3); refusing to mask with it",
              NULL, NULL, NULL);
  return fd;
}

static void mask_path(int rootfd, const char *path, int *devnull, int sync_fd)
{
  int fd = open_target(rootfd, path);
  if (fd == -ENOENT)
    return;
  if (fd < 0)
    sync_fail(sync_fd, -fd, "maskedPaths: open ", path, NULL, NULL);
  struct stat st;
  if (fstat(fd, &st) < 0)
    sync_fail(sync_fd, errno, "maskedPaths: stat ", path, NULL, NULL);
  char fdpath[64], nullpath[64];
  inroot_fd_path(fd, fdpath, sizeof(fdpath));
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", fdpath, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
      sync_fail(sync_fd, errno, "maskedPaths: mount an empty tmpfs on ", path, NULL, NULL);
    close(fd);
    return;
  }
  if (*devnull < 0)
    *devnull = open_devnull(rootfd, sync_fd);
  /* By fd: the node checked above, not whatever the path names now. */
  if (mount(inroot_fd_path(*devnull, nullpath, sizeof(nullpath)), fdpath, NULL, MS_BIND, NULL) < 0)
    sync_fail(sync_fd, errno, "maskedPaths: bind /dev/null on ", path, NULL, NULL);
  close(fd);
  fd = open_target(rootfd, path);
  if (fd < 0)
    sync_fail(sync_fd, -fd, "maskedPaths: reopen ", path, NULL, NULL);
  int r = remount_readonly(fd);
  if (r < 0)
    sync_fail(sync_fd, -r, "maskedPaths: make read-only ", path, NULL, NULL);
  close(fd);
}

void masked_apply(const struct plan *plan, int sync_fd)
{
  const struct spec_linux *l = &plan->spec->linux_;
  if (l->n_masked_paths == 0 && l->n_readonly_paths == 0)
    return;
  int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    sync_fail(sync_fd, errno, "open / of the container", NULL, NULL, NULL);
  /* Read-only first, as runc: a path both masked and under a read-only
   * path ends up masked. */
  for (size_t i = 0; i < l->n_readonly_paths; i++)
    readonly_path(rootfd, l->readonly_paths[i], sync_fd);
  int devnull = -1;
  for (size_t i = 0; i < l->n_masked_paths; i++)
    mask_path(rootfd, l->masked_paths[i], &devnull, sync_fd);
  if (devnull >= 0)
    close(devnull);
  close(rootfd);
}
