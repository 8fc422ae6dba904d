/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mounts.h - config.json "mounts": planned in the parent, applied in the child. */
#ifndef MR_MOUNTS_H
#define MR_MOUNTS_H

#include "plan.h"

/* Parent: turns spec->mounts into plan->mounts (options parsed by
 * mounts/options.c, bind sources made absolute and checked); dropped fstab
 * options are logged through ctx (may be NULL). */
int mounts_plan(const mr_context *ctx, const mr_config *config, struct plan *plan, mr_error **err);
void mounts_plan_free(struct plan *plan);
/* Parent: m->options of mounts[index] into op's flags, propagation, recursive
 * attributes and op->data (fs-specific options, malloc()ed, or NULL). Part of
 * mounts_plan(), separate for the fuzz target. */
int mounts_parse_options(const mr_context *ctx, const struct spec_mount *m, size_t index,
                         struct mount_op *op, mr_error **err);

/* Child (async-signal-safe): performs every planned mount in order under
 * the rootfs (rootfd: an O_PATH fd of the rootfs bind mount; destinations
 * are resolved inside it); reports failure on sync_fd and exits. */
void mounts_apply(const struct plan *plan, int rootfd, int sync_fd);

/* For `features`: the i-th mount option accepted besides the kernel flag
 * names of mounts/options.h (recursive r* options, tmpcopyup, idmap...), or
 * NULL past the last. */
const char *mounts_extra_option(size_t i);

#endif /* MR_MOUNTS_H */
