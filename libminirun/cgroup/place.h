/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/place.h - the placement half of cgroup/cgroup.h: where a
 * container's cgroups go (path.c), creating and entering them (place.c),
 * and acting on them later from any process through the directories
 * recorded in the state dir (control.c, v1.c, v2.c).
 *
 * Create's sequence: cg_place_plan() before anything exists (layout, path,
 * resource writes); cg_place_create() once the state dir is reserved
 * (records the directories in CG_PATHS_FILE first, so a create killed at
 * any point leaves a record for `delete --force`; then mkdir, v1 cpuset
 * copy, resource writes); the init is cloned into its v2 cgroup
 * (CLONE_INTO_CGROUP, cg_place_clone_fd()) or cg_place_enter() writes its
 * pid before the first GO; it moves itself into its v1 cgroups as its first
 * act after GO (cgroup/join.h): it runs no container code before either.
 * cg_place_abort() undoes a failed create.
 */
#ifndef MR_CGROUP_PLACE_H
#define MR_CGROUP_PLACE_H

#include <stdbool.h>
#include <sys/types.h>

#include "../context.h"
#include "cgroup.h"
#include "join.h"

/* statfs f_type of a v1 and a v2 hierarchy: recorded directories are
 * checked to be on one before anything is written or removed there
 * (control.c, exec-cgroup.c). */
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Relative cgroupsPath (and none) go below this in every hierarchy, for
 * the state root CG_DEFAULT_STATE_ROOT; below CG_DEFAULT_PARENT/<state
 * root with '/' as '-'> for other roots (cgroup/path.c). CG_DEFAULT_PARENT
 * itself is kept once made (place.c: is_shared_top); the root level goes
 * with its last container. */
#define CG_DEFAULT_PARENT     "/minirun"
#define CG_DEFAULT_STATE_ROOT "/run/minirun"
/* The state dir file listing the container's cgroup directories, one
 * absolute path per line, then "parent DIR" lines: the directories above
 * them this create made, deepest first, removed on delete when empty. */
#define CG_PATHS_FILE "cgroups"

/* cg_layout_detect() reading `mountinfo` instead of /proc/self/mountinfo
 * (the unit tests). */
int cg_layout_detect_from(const char *mountinfo, enum mr_cgroup_mode override,
                          struct cg_layout *out, mr_error **err);

/* path.c: the container's cgroup below each hierarchy's root ("/minirun/ID",
 * "/machine.slice/libpod-X.scope"), from cgroupsPath (may be NULL), the
 * context's parent and manager. Errors name linux.cgroupsPath. *own (may
 * be NULL) receives how many leading components are the runtime's own
 * default parent (removed on delete once empty, whoever made them, except
 * the shared CG_DEFAULT_PARENT). */
int cg_path_resolve(const mr_context *ctx, const char *cgroups_path, const char *id, char **out,
                    size_t *own, mr_error **err);

struct cg_place {
  struct cg_layout layout; /* mode MR_CGROUP_NONE: no placement at all */
  char *rel;               /* cg_path_resolve() */
  size_t own;              /* its leading components that are our default parent */
  struct cg_paths paths;   /* one directory per hierarchy of the layout */
  struct cg_writes writes; /* linux.resources (cgroup/resources*.c) */
  char **created;          /* directories we made, parents first */
  size_t n_created;
  int clone_fd;        /* the v2 leaf, for clone3 CLONE_INTO_CGROUP; -1 */
  struct cg_join join; /* the v1 leaves' `tasks`: the init moves itself (join.h) */
  bool skipped;        /* rootless without a writable tree: warned, not placed */
  char *record;        /* what CG_PATHS_FILE holds, NULL before it is written */
};

/* Before anything exists: the layout (context mode), the path, the
 * resource writes. */
int cg_place_plan(mr_context *ctx, const struct spec *spec, const char *id, struct cg_place *p,
                  mr_error **err);
/* Records the directories in `state_dirfd`/CG_PATHS_FILE, creates them
 * (v1 cpuset: cpus/mems copied from the parent when empty; v2: the
 * parents delegate their controllers), writes the resources and opens what
 * the init is placed through (the v2 leaf, the v1 `tasks` files). */
int cg_place_create(mr_context *ctx, struct cg_place *p, int state_dirfd, mr_error **err);
/* The fd to pass as clone3's cgroup (the cgroup2 leaf), or -1. */
int cg_place_clone_fd(const struct cg_place *p);
/* Moves `pid` into the directories the init does not enter by itself: the
 * v2 one unless clone3 placed it there, the v1 ones without join fds. */
int cg_place_enter(struct cg_place *p, pid_t pid, bool cloned_into_v2, mr_error **err);
/* After a failed create (the init is dead and reaped): kills what is
 * still in the cgroups and removes every directory cg_place_create made. */
void cg_place_abort(mr_context *ctx, struct cg_place *p);
void cg_place_free(struct cg_place *p);

/* ---- control.c: a container's cgroups from any process ---- */

/* Reads CG_PATHS_FILE of a state dir (*n == 0, no error, when the container
 * has no cgroups): the container's directories and, when `parents` is not
 * NULL, the parents its create made. */
int cg_paths_read(int state_dirfd, char ***dirs, size_t *n, char ***parents, size_t *n_parents,
                  mr_error **err);
/* Kills what is left in the recorded cgroups (a paused container too),
 * removes them and the parents the create made when they are empty. */
int cg_destroy_recorded(const mr_context *ctx, int state_dirfd, mr_error **err);
void cg_dirs_free(char **dirs, size_t n);
/* The pids in the container's cgroups (the first directory's cgroup.procs,
 * the whole subtree), sorted; -ENOENT when the cgroup is gone. */
int cg_pids(char *const *dirs, size_t n, pid_t **pids, size_t *n_pids, mr_error **err);
/* Signals every process of the cgroups (SIGKILL through v2 cgroup.kill
 * where the kernel has it). */
int cg_signal_all(char *const *dirs, size_t n, int sig, mr_error **err);
/* Freezes (or thaws) the container and waits until it is (v1 freezer,
 * v2 cgroup.freeze); -ENOTSUP without a freezer. */
int cg_freeze(char *const *dirs, size_t n, bool freeze, mr_error **err);
/* Whether the container's cgroup is frozen. */
bool cg_is_frozen(char *const *dirs, size_t n);
/* Kills every process (cgroup.kill, or freeze + SIGKILL + thaw), then
 * removes the directories, retrying (bounded) while dying tasks remain. */
int cg_destroy(const mr_context *ctx, char *const *dirs, size_t n, mr_error **err);

/* v1.c / v2.c: per-layout primitives on one directory. */
int cg_v1_freeze(const char *dir, bool freeze, mr_error **err);
bool cg_v1_is_frozen(const char *dir);
int cg_v2_freeze(const char *dir, bool freeze, mr_error **err);
bool cg_v2_is_frozen(const char *dir);
/* 1: killed through cgroup.kill; 0: the kernel has no cgroup.kill. */
int cg_v2_kill(const char *dir, mr_error **err);
/* Enables every controller of `parent`'s cgroup.controllers in its
 * cgroup.subtree_control (best effort: a controller that cannot be
 * delegated stays off; the resource writes then name it). */
void cg_v2_delegate(const mr_context *ctx, const char *parent);
/* v1 cpuset: copies cpuset.cpus/mems of the parent into `dir` when empty. */
int cg_v1_cpuset_init(const char *dir, mr_error **err);

/* Writes `text` to dir/file; -errno. */
int cg_write_file(const char *dir, const char *file, const char *text);
/* Reads dir/file into buf (NUL-terminated, trailing newline dropped). */
int cg_read_file(const char *dir, const char *file, char *buf, size_t size);

#endif
