/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* child.h - the container init between clone() and execve(). */
#ifndef MR_CHILD_H
#define MR_CHILD_H

#include "plan.h"

/* Runs in the cloned child: sets the container up, reports READY on
 * sync_fd, waits for the parent's GO (state committed), blocks on the start
 * gate, then execs. Only async-signal-safe calls. Never returns. */
__attribute__((noreturn)) void child_main(struct plan *plan, int sync_fd, int gate_fd);

#endif /* MR_CHILD_H */
