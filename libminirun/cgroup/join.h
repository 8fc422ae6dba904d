/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/join.h - the init moves itself into its v1 cgroups.
 *
 * Writing a pid to cgroup.procs makes the kernel take the global
 * cgroup_threadgroup_rwsem for writing, and taking it waits for an RCU
 * grace period whenever the lock was idle: 5-15 ms of wall time per create
 * on a busy host, more than the rest of `run`. A thread that writes "0" to
 * a v1 `tasks` file moves only itself and skips that lock (Linux 5.x and
 * later; older kernels take it anyway, and the move is just as correct).
 * The init is single-threaded, so moving its one thread moves the process.
 *
 * The parent opens each v1 leaf's `tasks` file before clone (the open-time
 * permission check is the one that counts), the init writes "0" to each as
 * its first act after GO, before its cgroup namespace and before anything
 * of the container runs, and closes them. An exec'd process joins the
 * container's v1 cgroups the same way (exec.c). The cgroup2 directory, when
 * there is one, is entered through clone3's CLONE_INTO_CGROUP, or by the
 * parent writing cgroup.procs on kernels without it (cgroup/place.c).
 */
#ifndef MR_CGROUP_JOIN_H
#define MR_CGROUP_JOIN_H

#include <stdbool.h>
#include <stddef.h>

#include "../error.h"

struct cg_join {
  int *fds;          /* the `tasks` files, O_WRONLY; -1 once closed */
  const char **dirs; /* the directories they are in, for messages */
  size_t n;
};

/* Parent side: opens dir/tasks for writing and adds it (`dir` is
 * borrowed: it must outlive `j`). 0 when added; 1 when `tasks` cannot be
 * opened (a delegated tree that only hands out cgroup.procs): the caller
 * writes the pid to cgroup.procs instead; -errno on other failures. */
int cg_join_add(struct cg_join *j, const char *dir, mr_error **err);
/* Whether `dir` (the same pointer) is one the process enters by itself. */
bool cg_join_has(const struct cg_join *j, const char *dir);
/* Parent side: closes what is still open and frees the lists. */
void cg_join_free(struct cg_join *j);

/* Child side (async-signal-safe): writes "0" to every fd and closes it;
 * on failure reports the directory over `sync_fd` and _exit()s. */
void cg_join_apply(struct cg_join *j, int sync_fd);

#endif
