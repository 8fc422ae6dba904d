/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-imgdetect.c - image_detect() (image/detect.c) on crafted superblocks
 * in memfds: squashfs and EROFS by magic, whatever the name; truncated
 * images (the superblock claims more than the file has, also with absurd
 * block sizes and byte counts) and everything else (empty, text, a magic at
 * the wrong offset, a FIFO, a directory) refused with the message naming
 * root.path. Prints TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "minirun.h"

#include "../tap.h"

static void put_le32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *p, uint64_t v)
{
  put_le32(p, (uint32_t)v);
  put_le32(p + 4, (uint32_t)(v >> 32));
}

/* A memfd holding `len` bytes of `data`, padded with zeros to `size`. */
static int file_of(const void *data, size_t len, size_t size)
{
  int fd = memfd_create("image", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, (off_t)size) < 0 || (len > 0 && pwrite(fd, data, len, 0) < 0))
    bail("memfd: %s", strerror(errno));
  return fd;
}

static int squashfs(uint64_t bytes_used, size_t size)
{
  unsigned char sb[96] = {0};
  put_le32(sb, 0x73717368u); /* "hsqs" */
  put_le64(sb + 40, bytes_used);
  return file_of(sb, sizeof(sb), size);
}

static int erofs(uint32_t blocks, unsigned char blkszbits, size_t size)
{
  unsigned char img[1024 + 128] = {0};
  put_le32(img + 1024, 0xE0F5E1E2u);
  img[1024 + 12] = blkszbits;
  put_le32(img + 1024 + 36, blocks);
  return file_of(img, sizeof(img), size);
}

/* image_detect() on fd (closed after): the code, *format, the message. */
static int detect(int fd, enum image_format *format, char *msg, size_t size)
{
  mr_error *err = NULL;
  *format = 0;
  int r = image_detect(fd, "rootfs.img", format, &err);
  snprintf(msg, size, "%s", err ? mr_error_message(err) : "");
  mr_error_free(err);
  close(fd);
  return r;
}

static void expect_format(int fd, enum image_format want, const char *what)
{
  enum image_format f;
  char msg[512];
  int r = detect(fd, &f, msg, sizeof(msg));
  ok(r == 0 && f == want, "%s: detected (r=%d, format %d, '%s')", what, r, (int)f, msg);
}

static void expect_refused(int fd, const char *needle, const char *what)
{
  enum image_format f;
  char msg[512];
  int r = detect(fd, &f, msg, sizeof(msg));
  ok(r < 0 && strstr(msg, "config.json: root.path: rootfs.img: ") == msg &&
         strstr(msg, needle) != NULL,
     "%s: refused (r=%d, '%s')", what, r, msg);
}

int main(void)
{
  expect_format(squashfs(4096, 4096), IMAGE_SQUASHFS, "squashfs of exactly its size");
  expect_format(squashfs(4000, 8192), IMAGE_SQUASHFS, "squashfs padded (mksquashfs pads to 4k)");
  expect_refused(squashfs(8192, 4096), "truncated squashfs image", "squashfs cut short");
  expect_refused(squashfs(UINT64_MAX, 4096), "truncated squashfs image", "squashfs claiming 2^64");
  expect_refused(file_of("hsq", 3, 3), "not a directory, squashfs or EROFS image",
                 "3 bytes of a squashfs magic");

  expect_format(erofs(2, 12, 8192), IMAGE_EROFS, "EROFS of 2 4k blocks");
  expect_refused(erofs(3, 12, 8192), "truncated EROFS image", "EROFS one block short");
  expect_refused(erofs(1, 200, 8192), "truncated EROFS image", "EROFS with a block size of 2^200");
  expect_refused(erofs(UINT32_MAX, 31, 8192), "truncated EROFS image", "EROFS claiming 2^63");
  expect_refused(file_of("\xe2\xe1\xf5\xe0", 4, 2048), "not a directory, squashfs or EROFS image",
                 "the EROFS magic at offset 0");

  expect_refused(file_of(NULL, 0, 0), "not a directory, squashfs or EROFS image", "empty file");
  const char text[] = "#!/bin/sh\necho not an image\n";
  expect_refused(file_of(text, sizeof(text) - 1, 4096), "not a directory, squashfs or EROFS image",
                 "a text file padded past the EROFS superblock");

  char dir[] = "/tmp/test-imgdetect.XXXXXX";
  if (mkdtemp(dir) == NULL)
    bail("mkdtemp: %s", strerror(errno));
  char fifo[sizeof(dir) + 8];
  snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
  if (mkfifo(fifo, 0600) < 0)
    bail("mkfifo: %s", strerror(errno));
  expect_refused(open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC),
                 "not a directory, squashfs or EROFS image", "a FIFO");
  expect_refused(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                 "not a directory, squashfs or EROFS image", "a directory's fd");
  unlink(fifo);
  rmdir(dir);
  return tap_done();
}
