/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec.h - mr_container_exec(): a new process in a running container.
 *
 * The parent loads the config the container was created with (kept in its
 * state dir), applies the exec's process, and builds a plan with the same
 * *_plan() steps as create, minus everything that builds the container
 * (mounts, devices, rootfs, hooks, sysctl): instead the plan holds a pidfd
 * of the init and fds of its namespaces. Then, as for a joined pid
 * namespace at create, a first child joins the namespaces (setns affects
 * its children for pid and time) and clones the process as our child
 * (CLONE_PARENT); the process waits for GO (we put it into the init's
 * cgroups first) and sets itself up with the *_apply() steps of the init.
 */
#ifndef MR_EXEC_H
#define MR_EXEC_H

#include "container.h"
#include "plan.h"
#include "state.h"

/* The exec's process into config->spec->process (the config is the exec's
 * private copy). */
int exec_process_prepare(mr_config *config, const mr_exec_opts *opts, mr_error **err);

/* Parent: the init's pidfd and namespace fds (into plan->joins), the
 * setns() flags for the pidfd, checked against the init recorded in
 * `rec` so a reused pid is never joined. */
int exec_ns_plan(const struct spec *spec, const struct state_record *rec, struct plan *plan,
                 mr_error **err);

/* Parent: the recorded cgroup directories of `rec` (the exec's copy) that
 * an exec --cgroup option names are replaced by its sub-cgroup, checked to
 * exist below them (exec-subcgroup.c). */
int exec_subcgroup_resolve(const mr_context *ctx, struct state_record *rec, const mr_exec_opts *o,
                           mr_error **err);

/* Parent, before the spawn: opens the `tasks` file of each recorded v1
 * directory into `j`, for the process to move itself (cgroup/join.h). */
int exec_cgroup_prepare(const mr_context *ctx, const struct state_record *rec, struct cg_join *j,
                        mr_error **err);
/* Parent: moves `pid` into the container's cgroups as the state records
 * them (cgroupPaths) - all but those of `j`, which the process enters by
 * itself after GO - before the process runs any of its own code; where
 * none are recorded, into every cgroup the init is in (exec-cgroup.c).
 * Nothing with cgroups disabled (MR_CGROUP_NONE). */
int exec_cgroup_join(const mr_context *ctx, const struct state_record *rec, pid_t pid,
                     const struct cg_join *j, mr_error **err);

/* Parent: a process killed while frozen by the v1 freezer of a paused
 * container does not die before it is thawed: it goes into our own freezer
 * cgroup (not frozen) and dies there, the SIGKILL pending, without running
 * anything. Nothing without a v1 freezer (a v2 frozen cgroup lets SIGKILL
 * through). */
int exec_cgroup_thaw_killed(pid_t pid, mr_error **err);

/* First child (async-signal-safe): joins the init's namespaces, the user
 * namespace first; pid and time take effect for the next clone. */
void exec_child_join(const struct plan *plan, int sync_fd);
/* The process itself: waits for GO, applies the process attributes and
 * execs. Never returns. */
__attribute__((noreturn)) void exec_child_main(struct plan *plan, int sync_fd);

#endif /* MR_EXEC_H */
