/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* personality.h - linux.personality: execution domain and flags. */
#ifndef MR_PROCATTR_PERSONALITY_H
#define MR_PROCATTR_PERSONALITY_H

#include "../plan.h"

/* Parent: domain LINUX or LINUX32 plus personality(2) flag names; anything
 * else is an error naming the JSON path. */
int personality_plan(const mr_config *config, struct plan *plan, mr_error **err);

/* Child (async-signal-safe). */
void personality_apply(const struct plan *plan, int sync_fd);

#endif /* MR_PROCATTR_PERSONALITY_H */
