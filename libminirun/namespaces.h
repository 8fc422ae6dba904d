/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* namespaces.h - linux.namespaces: new ones via clone flags, joined ones via setns. */
#ifndef MR_NAMESPACES_H
#define MR_NAMESPACES_H

#include <sys/types.h>

#include "plan.h"

/* Parent: clone flags, opened fds of namespaces to join, id-map texts. */
int namespaces_plan(const mr_config *config, struct plan *plan, mr_error **err);
void namespaces_plan_free(struct plan *plan);

/* Parent: writes uid_map/gid_map of the new user namespace of `pid`. */
int namespaces_write_id_maps(const struct plan *plan, pid_t pid, mr_error **err);

/* Child (async-signal-safe): setns() into the joined namespaces (user first,
 * pid and time excepted: those are joined by the spawner), then the
 * namespaces that must be created after clone (cgroup, time). */
void namespaces_enter(const struct plan *plan, int sync_fd);
/* Child: sethostname/setdomainname. */
void namespaces_set_names(const struct plan *plan, int sync_fd);
/* Child of the spawner: joins the pid and time namespaces so that the next
 * clone() lands in them. */
void namespaces_join_for_children(const struct plan *plan, int sync_fd);

#endif /* MR_NAMESPACES_H */
