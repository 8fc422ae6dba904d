/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * detect.c - what kind of image a root.path file is: by its magic, never by
 * its name. A superblock that claims more bytes than the file has is a
 * truncated image: refused here, with a message, rather than failing with
 * EIO somewhere inside the container later.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../error.h"
#include "image.h"

/* squashfs: "hsqs" at 0; bytes_used (le64) at 40. */
#define SQUASHFS_MAGIC      0x73717368u
#define SQUASHFS_BYTES_USED 40
#define SQUASHFS_SB_SIZE    96
/* EROFS: the superblock at 1024: magic (le32) 0xE0F5E1E2, blkszbits (u8)
 * at +12, blocks (le32) at +36. */
#define EROFS_SB_OFFSET 1024
#define EROFS_MAGIC     0xE0F5E1E2u
#define EROFS_BLKSZBITS 12
#define EROFS_BLOCKS    36
#define EROFS_SB_SIZE   128

static uint32_t le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
  return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Reads exactly `len` bytes at `off`; 0 when the file is shorter. */
static ssize_t read_at(int fd, void *buf, size_t len, off_t off)
{
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return 0;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

static int truncated(mr_error **err, const char *name, const char *fmt, uint64_t need, off_t have)
{
  return mr_err(err, -EINVAL,
                "config.json: root.path: %s: truncated %s image (its superblock says %llu "
                "bytes, the file has %lld)",
                name, fmt, (unsigned long long)need, (long long)have);
}

/* What a file that is no image is, for the message. */
static const char *kind(mode_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFIFO:
    return " (a FIFO)";
  case S_IFCHR:
    return " (a character device)";
  case S_IFBLK:
    return " (a block device)";
  case S_IFSOCK:
    return " (a socket)";
  default:
    return "";
  }
}

static int not_an_image(mr_error **err, const char *name, mode_t mode)
{
  return mr_err(err, -EINVAL,
                "config.json: root.path: %s: not a directory, squashfs or EROFS image%s", name,
                kind(mode));
}

int image_check_type(const char *path, const char *name, mr_error **err)
{
  struct stat st;
  if (stat(path, &st) < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s", name);
  return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? 0 : not_an_image(err, name, st.st_mode);
}

int image_detect(int fd, const char *name, enum image_format *format, mr_error **err)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s", name);
  if (!S_ISREG(st.st_mode))
    return not_an_image(err, name, st.st_mode);
  unsigned char sb[EROFS_SB_SIZE];
  ssize_t n = read_at(fd, sb, SQUASHFS_SB_SIZE, 0);
  if (n < 0)
    return mr_err_sys(err, (int)-n, "config.json: root.path: %s: read", name);
  if (n > 0 && le32(sb) == SQUASHFS_MAGIC) {
    uint64_t used = le64(sb + SQUASHFS_BYTES_USED);
    if (used > (uint64_t)st.st_size)
      return truncated(err, name, "squashfs", used, st.st_size);
    *format = IMAGE_SQUASHFS;
    return 0;
  }
  n = read_at(fd, sb, EROFS_SB_SIZE, EROFS_SB_OFFSET);
  if (n < 0)
    return mr_err_sys(err, (int)-n, "config.json: root.path: %s: read", name);
  if (n > 0 && le32(sb) == EROFS_MAGIC) {
    unsigned bits = sb[EROFS_BLKSZBITS];
    uint64_t size = bits < 32 ? (uint64_t)le32(sb + EROFS_BLOCKS) << bits : UINT64_MAX;
    if (size > (uint64_t)st.st_size)
      return truncated(err, name, "EROFS", size, st.st_size);
    *format = IMAGE_EROFS;
    return 0;
  }
  return not_an_image(err, name, st.st_mode);
}
