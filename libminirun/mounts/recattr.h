/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * recattr.h - the recursive mount options (rro, rnosuid, rnoatime, ...) of
 * a mount and every mount below it: mount_setattr(AT_RECURSIVE) (5.12), and
 * before that one MS_REMOUNT|MS_BIND per mount, as listed in mountinfo.
 * Child side, async-signal-safe.
 */
#ifndef MR_MOUNTS_RECATTR_H
#define MR_MOUNTS_RECATTR_H

/* Sets/clears the MOUNT_ATTR_* bits on the mount at `target_fd` (an O_PATH
 * fd of its root, reached below rootfd) and every mount below it. Each
 * submount is reached again inside the root, never by host path. 0 or
 * -errno; *what names the failed step. */
int recattr_apply(int rootfd, int target_fd, unsigned long long set, unsigned long long clr,
                  const char **what);

#endif /* MR_MOUNTS_RECATTR_H */
