/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * masked.h - linux.maskedPaths and linux.readonlyPaths.
 *
 * Masked files get the container's /dev/null bound over them (only after
 * checking, on an fd, that it is the 1:3 character device: an image that
 * replaced /dev/null must not get a host file bound - runc's CVE-2025-31133);
 * masked directories get an empty read-only tmpfs. Read-only paths are bound
 * onto themselves recursively and made read-only, keeping their other flags.
 * Paths that do not exist in the container are skipped, as runc and crun do
 * (the default lists name files only some kernels have).
 */
#ifndef MR_MASKED_H
#define MR_MASKED_H

#include "../plan.h"

/* Parent: checks the lists (absolute paths). */
int masked_plan(const mr_config *config, struct plan *plan, mr_error **err);

/* Child (async-signal-safe), after pivot_root and once /dev is complete:
 * applies readonlyPaths, then maskedPaths, resolved inside the container's
 * root. Reports failure on sync_fd and exits. */
void masked_apply(const struct plan *plan, int sync_fd);

#endif /* MR_MASKED_H */
