/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* devices.h - device nodes and the standard /dev links of the container. */
#ifndef MR_DEVICES_H
#define MR_DEVICES_H

#include "plan.h"

/* Parent: the default devices (when config.json mounts a fresh /dev) plus
 * linux.devices, the latter overriding defaults with the same path. In a new
 * user namespace (no mknod there) the host's node at the same path is bound:
 * its type and numbers must be the requested ones (else an error); a
 * fileMode/uid/gid it does not have cannot be applied to the host's node and
 * is logged on `ctx` as a warning (crun and runc ignore them silently). */
int devices_plan(mr_context *ctx, const mr_config *config, struct plan *plan, mr_error **err);
void devices_plan_free(struct plan *plan);

/* Child: mknod (or bind from the host inside a user namespace), then the
 * /dev/fd, /dev/std{in,out,err} and /dev/ptmx links. */
void devices_apply(const struct plan *plan, int rootfd, int sync_fd);

#endif /* MR_DEVICES_H */
