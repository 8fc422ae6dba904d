/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * isolate/closefds.h - closing every fd but a few without close_range().
 *
 * Kernels before 5.9 have no close_range(). Both callers (the container
 * init, fds.c, and a hook's process, hooks-exec.c) run between fork and
 * execve, so everything here is async-signal-safe: system calls and a
 * stack buffer only.
 */
#ifndef MR_ISOLATE_CLOSEFDS_H
#define MR_ISOLATE_CLOSEFDS_H

#include <stdbool.h>
#include <stddef.h>

/* Closes every fd >= `first` but the `n_keep` ones of `keep`, as
 * /proc/self/fd lists them: complete, whatever the fd limit is now.
 * false (nothing closed) when no procfs is mounted on /proc. */
bool closefds_by_proc(int first, const int *keep, size_t n_keep);
/* Without /proc: every fd from `first` below the larger of the soft and
 * hard fd limit (capped at 2^20, Linux's default fs.nr_open): an fd above
 * the soft limit exists when the limit was lowered after it was opened.
 * Only an fd above both can stay open. */
void closefds_by_loop(int first, const int *keep, size_t n_keep);
/* close_range(first, ~0) or, before Linux 5.9, the walk, else the loop. */
void closefds_from(int first);

#endif
