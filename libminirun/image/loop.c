/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loop.c - a loop device for an image file: read-only, autoclear (the
 * kernel detaches it when its last user - the image's superblock - goes
 * away, so a container that dies frees its device by itself).
 *
 * No direct I/O: it would cache the image once instead of twice (the file's
 * compressed pages and the filesystem's), but the image's shared superblock
 * (layer-store.c) goes with its last container, so for containers started
 * one after another the file's page cache is the only cache that survives
 * from one start to the next. Measured (README, Image roots): 100 sequential runs
 * of a busybox squashfs took 10.3-15.1 s with LO_FLAGS_DIRECT_IO, 6.6-10.0 s
 * without.
 *
 * LOOP_CTL_GET_FREE + LOOP_CONFIGURE (5.8); before 5.8 LOOP_SET_FD +
 * LOOP_SET_STATUS64. Another process may take the free device between the
 * two steps (EBUSY): ask for another one. The device number is recorded in
 * the state directory before the device is configured, so `delete --force`
 * after a crash between LOOP_SET_FD and LOOP_SET_STATUS64 (no autoclear yet)
 * still finds and frees it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../context.h"
#include "../error.h"
#include "../testing/crashpoint.h"
#include "../util.h"
#include "image.h"
#include "loop-config.h"

#define LOOP_ATTEMPTS 16

static int record(int dirfd, int nr, const struct stat *st, mr_error **err)
{
  char text[96];
  int n = snprintf(text, sizeof(text), "%d %llu %llu\n", nr, (unsigned long long)st->st_dev,
                   (unsigned long long)st->st_ino);
  return util_write_file_atomic(dirfd, IMAGE_RECORD_FILE, text, (size_t)n, 0600, err);
}

/* Before 5.8: bind, then set autoclear. Returns 1 (the legacy way) or
 * -errno. */
static int configure_legacy(int loop_fd, int file_fd)
{
  if (ioctl(loop_fd, LOOP_SET_FD, file_fd) < 0)
    return -errno;
  MR_CRASH_POINT("image-loop-bound");
  struct loop_info64 info;
  memset(&info, 0, sizeof(info));
  info.lo_flags = LO_FLAGS_AUTOCLEAR;
  if (ioctl(loop_fd, LOOP_SET_STATUS64, &info) < 0) {
    int e = errno;
    ioctl(loop_fd, LOOP_CLR_FD, 0);
    return -e;
  }
  return 1;
}

/* 0 (LOOP_CONFIGURE), 1 (LOOP_SET_FD) or -errno. */
static int configure(int loop_fd, int file_fd)
{
  struct loop_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.fd = (__u32)file_fd;
  cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
  if (ioctl(loop_fd, LOOP_CONFIGURE, &cfg) == 0)
    return 0;
  /* The loop driver answers an ioctl it does not know with EINVAL. */
  if (errno != EINVAL && errno != ENOTTY)
    return -errno;
  return configure_legacy(loop_fd, file_fd);
}

int image_loop_attach(mr_context *ctx, struct image_root *im, int dirfd, mr_error **err)
{
  struct stat st;
  if (fstat(im->file_fd, &st) < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s", im->path);
  cleanup_close int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s: open /dev/loop-control", im->path);
  int r = -EBUSY;
  for (int i = 0; i < LOOP_ATTEMPTS && r == -EBUSY; i++) {
    int nr = ioctl(ctl, LOOP_CTL_GET_FREE);
    if (nr < 0)
      return mr_err_sys(err, errno, "config.json: root.path: %s: no free loop device", im->path);
    r = record(dirfd, nr, &st, err);
    if (r < 0)
      return r;
    MR_CRASH_POINT("image-loop-recorded");
    char dev[32];
    snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return mr_err_sys(err, errno, "config.json: root.path: %s: open %s", im->path, dev);
    r = configure(fd, im->file_fd);
    if (r < 0) {
      close(fd);
      if (r == -EBUSY)
        mr_debug(ctx, "image %s: %s was taken meanwhile: another one", im->path, dev);
      continue;
    }
    im->loop_fd = fd;
    im->loop_nr = nr;
    mr_debug(ctx, "image %s: attached to %s (%s)", im->path, dev,
             r == 0 ? "LOOP_CONFIGURE" : "LOOP_SET_FD, before 5.8");
  }
  if (r < 0)
    return mr_err_sys(err, -r, "config.json: root.path: %s: attach a loop device", im->path);
  return 0;
}

/* "N DEV INO\n" as record() wrote it. */
static int parse_record(const char *text, unsigned long long *nr, unsigned long long *dev,
                        unsigned long long *ino)
{
  unsigned long long *out[] = {nr, dev, ino};
  const char *p = text;
  for (size_t i = 0; i < sizeof(out) / sizeof(*out); i++) {
    char *end;
    errno = 0;
    *out[i] = strtoull(p, &end, 10);
    if (errno != 0 || end == p || (*end != ' ' && *end != '\n'))
      return -EINVAL;
    p = end + 1;
  }
  return *nr <= INT_MAX ? 0 : -EINVAL;
}

int image_loop_release(mr_context *ctx, int dirfd, mr_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  int r = util_read_file_at(dirfd, IMAGE_RECORD_FILE, 256, &text, &len, NULL);
  if (r == -ENOENT)
    return 0;
  unsigned long long nr = 0, dev = 0, ino = 0;
  if (r < 0 || parse_record(text, &nr, &dev, &ino) < 0) {
    mr_warn(ctx, "state: %s is damaged; no loop device freed", IMAGE_RECORD_FILE);
    return 0;
  }
  char path[48];
  snprintf(path, sizeof(path), "/dev/loop%llu", nr);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : mr_err_sys(err, errno, "free loop device %s", path);
  struct loop_info64 info;
  if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0)
    return errno == ENXIO ? 0 : mr_err_sys(err, errno, "free loop device %s", path);
  /* Bound to another file: the device was freed and reused since. */
  if (info.lo_device != dev || info.lo_inode != ino)
    return 0;
  /* Still mounted (a dying mount namespace): the kernel turns this into
   * autoclear, and the device goes with its last user. */
  if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO && errno != EBUSY)
    return mr_err_sys(err, errno, "free loop device %s", path);
  mr_debug(ctx, "freed loop device %s", path);
  return 0;
}
