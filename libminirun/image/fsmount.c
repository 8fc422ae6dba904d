/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fsmount.c - the new mount API (Linux 5.2) for image roots: a filesystem
 * context configured key by key, then a detached mount nobody else sees.
 * When creating the superblock fails, the kernel often says why in the
 * context's log ("overlayfs: ..."): that text goes into the error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../error.h"
#include "../mount-api.h"
#include "image.h"

int image_fsopen(const char *fstype)
{
  int fs = (int)syscall(SYS_fsopen, fstype, MR_FSOPEN_CLOEXEC);
  return fs < 0 ? -errno : fs;
}

int image_fsconfig_string(int fs, const char *key, const char *value)
{
  return syscall(SYS_fsconfig, fs, MR_FSCONFIG_SET_STRING, key, value, 0) < 0 ? -errno : 0;
}

int image_fsconfig_fd(int fs, const char *key, int fd)
{
  return syscall(SYS_fsconfig, fs, MR_FSCONFIG_SET_FD, key, NULL, fd) < 0 ? -errno : 0;
}

int image_fsconfig_flag(int fs, const char *key)
{
  return syscall(SYS_fsconfig, fs, MR_FSCONFIG_SET_FLAG, key, NULL, 0) < 0 ? -errno : 0;
}

/* The last error line of the context's log, "" when it has none. Lines
 * start with "e " (error), "w " (warning) or "i " (info). */
static void kernel_message(int fs, char *buf, size_t size)
{
  buf[0] = '\0';
  char line[256];
  ssize_t n;
  while ((n = read(fs, line, sizeof(line) - 1)) > 0) {
    line[n] = '\0';
    if (line[0] == 'e' && line[1] == ' ')
      snprintf(buf, size, " (kernel: %s)", line + 2);
  }
}

int image_fsmount(int fs, const char *what, const char *name, unsigned attrs, mr_error **err)
{
  if (syscall(SYS_fsconfig, fs, MR_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    int e = errno;
    char msg[300];
    kernel_message(fs, msg, sizeof(msg));
    return mr_err_sys(err, e, "config.json: root.path: %s: mount %s%s", name, what, msg);
  }
  int mnt = (int)syscall(SYS_fsmount, fs, MR_FSMOUNT_CLOEXEC, attrs);
  if (mnt < 0)
    return mr_err_sys(err, errno, "config.json: root.path: %s: fsmount %s", name, what);
  return mnt;
}
