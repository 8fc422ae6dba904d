/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spawn.h - cloning the container init. */
#ifndef MR_SPAWN_H
#define MR_SPAWN_H

#include <sys/types.h>

#include "plan.h"

/* Clones the init with plan->clone_flags; the child runs child_main() with
 * child_sync and gate_fd and closes parent_sync. When a pid (or time)
 * namespace is joined, an intermediate process joins it and clones the
 * init with CLONE_PARENT, so the caller is the init's parent either way.
 * *pidfd is -1 on kernels without pidfds. */
int spawn_init(struct plan *plan, int parent_sync, int child_sync, int gate_fd, pid_t *pid,
               int *pidfd, mr_error **err);

/* exec: a first child joins the container's namespaces (exec_child_join)
 * and clones the process with CLONE_PARENT, which then runs
 * exec_child_main(). The caller is the process's parent. */
int spawn_exec(struct plan *plan, int parent_sync, int child_sync, pid_t *pid, int *pidfd,
               mr_error **err);

/* pidfd_open() or -1. */
int spawn_pidfd_open(pid_t pid);

#endif /* MR_SPAWN_H */
