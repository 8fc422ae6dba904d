/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * copyup.h - the "tmpcopyup" mount option: a new tmpfs starts with a copy of
 * what the image had at its destination (as crun and runc do).
 *
 * Child side, async-signal-safe: raw syscalls only, fixed stack buffers,
 * bounded depth and entry count. Nothing is followed: symlinks are copied as
 * links, only regular files are opened, special files are re-created.
 */
#ifndef MR_COPYUP_H
#define MR_COPYUP_H

/* Copies the tree below directory fd `from` into directory fd `to` (both
 * opened O_RDONLY|O_DIRECTORY), then gives `to` the mode and owner of
 * `from`. Returns 0 or -errno (-E2BIG: more than COPYUP_MAX_ENTRIES
 * entries, -ELOOP: deeper than COPYUP_MAX_DEPTH). */
int copyup_tree(int from, int to);

#define COPYUP_MAX_DEPTH   16
#define COPYUP_MAX_ENTRIES 100000

#endif /* MR_COPYUP_H */
