/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mounts.h - config.json "mounts": planned in the parent, applied in the child. */
#ifndef MR_MOUNTS_H
#define MR_MOUNTS_H

#include "plan.h"

/* Parent: turns spec->mounts into plan->mounts (options parsed with libmount,
 * bind sources made absolute and checked). */
int mounts_plan(const mr_config *config, struct plan *plan, mr_error **err);
void mounts_plan_free(struct plan *plan);
/* Parent: m->options of mounts[index] into op's flags, propagation, recursive
 * attributes and op->data (fs-specific options, malloc()ed, or NULL). Part of
 * mounts_plan(), separate for the fuzz target. */
int mounts_parse_options(const struct spec_mount *m, size_t index, struct mount_op *op,
                         mr_error **err);

/* Child (async-signal-safe): performs every planned mount in order under
 * the rootfs (rootfd: an O_PATH fd of the rootfs bind mount; destinations
 * are resolved inside it); reports failure on sync_fd and exits. */
void mounts_apply(const struct plan *plan, int rootfd, int sync_fd);

/* For `features`: the i-th mount option accepted besides the names of
 * libmount's MNT_LINUX_MAP (recursive r* options, tmpcopyup, idmap...), or
 * NULL past the last. */
const char *mounts_extra_option(size_t i);

#endif /* MR_MOUNTS_H */
