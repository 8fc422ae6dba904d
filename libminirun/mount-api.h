/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount-api.h - the new mount API (Linux 5.2: open_tree, move_mount,
 * fsopen, fsconfig, fsmount; 5.12: mount_setattr) for the files that call
 * it through syscall(2): the system call numbers (one number on every
 * architecture) for C libraries older than the calls, and the flags under
 * our own names, since <linux/mount.h> clashes with <sys/mount.h> on older
 * glibc. Each caller has its own fallback for older kernels (ENOSYS). Also
 * nosymfollow (5.10) for mount(2) and statfs, for C libraries without it.
 */
#ifndef MR_MOUNT_API_H
#define MR_MOUNT_API_H

#include <fcntl.h>
#include <sys/mount.h>   /* before the MS_ fallback: glibc's is an enum */
#include <sys/statvfs.h> /* likewise for ST_ */
#include <sys/syscall.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

#define MR_OPEN_TREE_CLONE         1
#define MR_OPEN_TREE_CLOEXEC       O_CLOEXEC
#define MR_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MR_FSOPEN_CLOEXEC          0x00000001
#define MR_FSCONFIG_SET_FLAG       0
#define MR_FSCONFIG_SET_STRING     1
#define MR_FSCONFIG_SET_FD         5
#define MR_FSCONFIG_CMD_CREATE     6
#define MR_FSMOUNT_CLOEXEC         0x00000001
#define MR_MOUNT_ATTR_RDONLY       0x00000001
#define MR_MOUNT_ATTR_NOSUID       0x00000002
#define MR_MOUNT_ATTR_NODEV        0x00000004
#define MR_MOUNT_ATTR_NOEXEC       0x00000008

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

#endif /* MR_MOUNT_API_H */
