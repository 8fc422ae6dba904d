/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hostbind.h - recursive binds of host trees (/sys when sysfs cannot be
 * mounted, /sys/fs/cgroup on v1 hosts) made as restricted as the config
 * asks: read-only, nosuid, nodev, noexec, on every mount below as well,
 * and checked afterwards. A bind ignores the flags of its first mount(2),
 * so without this the container would get the host's /sys writable.
 */
#ifndef MR_ISOLATE_HOSTBIND_H
#define MR_ISOLATE_HOSTBIND_H

#include <stddef.h>
#include <sys/mount.h>

#include "../error.h"

/* The flags hostbind_restrict applies. */
#define HOSTBIND_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Before clone: the mount points strictly below `host_path` on the host,
 * relative to it ("fs/cgroup"), for kernels without mount_setattr. */
int hostbind_plan(const char *host_path, char ***subs, size_t *n, mr_error **err);
void hostbind_plan_free(char **subs, size_t n);

/* Child, async-signal-safe: applies `flags` (HOSTBIND_FLAGS bits) to the
 * bind at `target` and every mount below it (mount_setattr, else one
 * remount per planned submount), then checks the top mount. 0, -errno of
 * a failed step, or 1 when the check found the flags missing; *what names
 * the step. */
int hostbind_restrict(const char *target, unsigned long flags, char *const *subs, size_t n,
                      const char **what);

#endif /* MR_ISOLATE_HOSTBIND_H */
