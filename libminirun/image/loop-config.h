/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loop-config.h - LOOP_CONFIGURE (Linux 5.8: bind a file and set the
 * device's flags in one ioctl) for kernel headers older than it; loop.c
 * falls back to LOOP_SET_FD + LOOP_SET_STATUS64 when the kernel is. Also
 * built into bench/image-share.c, which uses no other part of the library.
 */
#ifndef MR_IMAGE_LOOP_CONFIG_H
#define MR_IMAGE_LOOP_CONFIG_H

#include <linux/loop.h>

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config {
  __u32 fd;
  __u32 block_size;
  struct loop_info64 info;
  __u64 __reserved[8];
};
#endif

#endif /* MR_IMAGE_LOOP_CONFIG_H */
