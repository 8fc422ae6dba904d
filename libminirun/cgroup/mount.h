/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/mount.h - the `cgroup` mount of config.json (podman sends one at
 * /sys/fs/cgroup): the container sees only its own cgroups, never the
 * host's tree.
 *
 *   v2      cgroup2 mounted in the container's new cgroup namespace (whose
 *           root is its cgroup); without one, a bind of its v2 directory;
 *   v1      a tmpfs with one bind per hierarchy of the container's own
 *           directory ("cpu,cpuacct", "systemd" for name=systemd; symlinks
 *           "cpu" and "cpuacct" for a co-mounted pair, as hosts have);
 *   hybrid  both: the v1 tmpfs, the v2 one at unified/;
 *   none    (cgroups disabled, rootless without a delegated tree) an empty
 *           tmpfs.
 * Every mount gets the config's flags (ro, nosuid, nodev, noexec), the
 * binds included. Planned in the parent once the cgroups exist; applied
 * by the init after its placement and cgroup namespace (async-signal-safe).
 */
#ifndef MR_CGROUP_MOUNT_H
#define MR_CGROUP_MOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "../error.h"

struct cg_place;

struct cg_bind {
  char *name;     /* the directory under the tmpfs: "cpu,cpuacct", "systemd" */
  char *host_dir; /* the container's directory in that hierarchy */
  char **links;   /* co-mounted controllers: symlinks to `name` */
  size_t n_links;
};

struct cg_mount_plan {
  enum { CG_MOUNT_EMPTY = 0, CG_MOUNT_V2, CG_MOUNT_TREE } how;
  bool fresh_v2; /* mount cgroup2 (new cgroup namespace) rather than bind v2_dir */
  char *v2_dir;  /* the container's cgroup2 directory, or NULL */
  struct cg_bind *binds;
  size_t n_binds;
};

/* Parent: what to mount for the container placed as `p`. */
int cg_mount_plan(const struct cg_place *p, bool new_cgroupns, struct cg_mount_plan *out,
                  mr_error **err);
void cg_mount_plan_free(struct cg_mount_plan *m);

/* Child: mounts the top of the tree at `target` (cgroup2, a bind, or the
 * tmpfs). 0 or -errno, *what naming the step. */
int cg_mount_top(const struct cg_mount_plan *m, const char *target, unsigned long flags,
                 const char **what);
/* Child: with the top mounted, reached again as `target` (the path of a
 * reopened fd): the binds, symlinks, then the tmpfs read-only when asked;
 * for a bind of the v2 directory, its flags. */
int cg_mount_fill(const struct cg_mount_plan *m, const char *target, unsigned long flags,
                  const char **what);

#endif
