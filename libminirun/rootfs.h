/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rootfs.h - the container's root: propagation, bind, pivot_root, read-only. */
#ifndef MR_ROOTFS_H
#define MR_ROOTFS_H

#include "plan.h"

/* Parent: checks root.path and parses root propagation. */
int rootfs_plan(const mr_config *config, struct plan *plan, mr_error **err);

/* Child (async-signal-safe). Order: rootfs_prepare, mounts, devices,
 * rootfs_enter, process cwd, rootfs_finish. */
/* Returns an O_PATH fd of the rootfs bind mount: mounts and devices are
 * resolved inside it. */
int rootfs_prepare(const struct plan *plan, int sync_fd);
void rootfs_enter(const struct plan *plan, int sync_fd);
void rootfs_finish(const struct plan *plan, int sync_fd);
/* MS_NOSUID/NODEV/NOEXEC/atime flags set on the mount at `path`: a remount
 * must repeat them (in a user namespace the kernel locks them). */
unsigned long rootfs_locked_flags(const char *path);
unsigned long rootfs_locked_flags_of(unsigned long st_flags);

#endif /* MR_ROOTFS_H */
