/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rlimits.h - process.rlimits: checked in the plan, set in the child before
 * the uid switch. */
#ifndef MR_PROCATTR_RLIMITS_H
#define MR_PROCATTR_RLIMITS_H

#include "../plan.h"

/* Parent: every RLIMIT_* name, values exact as uint64 (2^64-1 is
 * RLIM_INFINITY); unknown or repeated types and soft > hard are errors
 * naming the JSON path. */
int rlimits_plan(const mr_config *config, struct plan *plan, mr_error **err);
void rlimits_plan_free(struct plan *plan);

/* Child (async-signal-safe): prlimit64 for each entry, in config order. */
void rlimits_apply(const struct plan *plan, int sync_fd);

#endif /* MR_PROCATTR_RLIMITS_H */
