/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * procfs.h - the runtime's own procfs writes, through a verified handle.
 *
 * runc's CVE-2025-52881: a runtime that writes /proc/self/attr/exec,
 * /proc/sys/... or oom_score_adj by path can be redirected by a mount the
 * bundle (or a racing container process) placed over /proc, and write a
 * label, a sysctl or a score into whatever file sits there. So every such
 * write goes through here:
 *
 *  - before clone the parent obtains a procfs root the container cannot have
 *    touched: a fresh detached procfs instance (fsopen/fsmount, 5.2+), else a
 *    non-recursive clone of the host's /proc (open_tree, 5.2+: no submounts
 *    come with it), else the host's /proc itself. The container's mounts live
 *    in its own mount namespace and never stack on these.
 *  - a file is opened below that root without crossing a mount or following
 *    any symlink (openat2 RESOLVE_NO_XDEV|NO_SYMLINKS|NO_MAGICLINKS, 5.6+;
 *    before that, a component-by-component O_NOFOLLOW walk whose result must
 *    sit on the root's own mount);
 *  - the opened fd must be on procfs (fstatfs) before anything is written.
 *
 * /proc/sys entries resolve against the namespaces of the process that opens
 * them, so a handle opened by the parent serves the child's sysctls.
 * Functions marked "child" are async-signal-safe.
 */
#ifndef MR_PROCFS_H
#define MR_PROCFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "../error.h"

enum procfs_source {
  PROCFS_NONE = 0,
  PROCFS_FSMOUNT,   /* fsopen("proc") + fsmount: a private instance */
  PROCFS_OPEN_TREE, /* open_tree(/proc, OPEN_TREE_CLONE): the mount, no submounts */
  PROCFS_HOST_PROC, /* the caller's /proc, verified to be a procfs root */
};

struct procfs {
  int root_fd; /* -1 when not opened */
  enum procfs_source source;
  int root_mnt_id; /* for the walk: the mount every opened file must be on */
  bool no_openat2; /* use the walk even when openat2 exists (tests, old kernels) */
};

struct plan;
/* Parent: opens plan->procfs when the plan writes to procfs (sysctl,
 * oom_score_adj, LSM attributes, id maps, time namespace offsets); call
 * after those parts are planned. */
int procfs_plan(struct plan *plan, mr_error **err);

/* Parent: obtains a root, trying the sources from `first` on (PROCFS_NONE or
 * PROCFS_FSMOUNT: all of them). */
int procfs_open(struct procfs *p, enum procfs_source first, mr_error **err);
void procfs_close(struct procfs *p);
const char *procfs_source_name(enum procfs_source s);

/* Child and parent: opens `path` (relative to the procfs root, e.g.
 * "sys/net/ipv4/ip_forward"; no "." or ".." components) with `flags`,
 * verified as described above. Returns an fd or -errno (-EXDEV: the path
 * crosses a mount or leaves procfs; -ELOOP: a symlink on the way). */
int procfs_open_file(const struct procfs *p, const char *path, int flags);
/* Child and parent: the same for "<pid of the caller>/<rel>" (what
 * /proc/self/<rel> names, without following the "self" symlink). With
 * `thread` true: "<pid>/task/<tid>/<rel>" (/proc/thread-self/<rel>). */
int procfs_open_self(const struct procfs *p, const char *rel, bool thread, int flags);
/* Child and parent: writes `text` to an fd procfs_open_* returned and closes
 * it. 0 or -errno. */
int procfs_write_fd(int fd, const char *text);

/* Child: reports a failed open/write (-errno) of `what``name` and exits. */
__attribute__((noreturn)) void procfs_fail(int sync_fd, int neg_errno, const char *what,
                                           const char *name);

#endif /* MR_PROCFS_H */
