/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * terminal.h - process.terminal: a pty allocated inside the container, its
 * master handed to the caller's console socket (SCM_RIGHTS), its slave made
 * the controlling terminal and stdio of the process.
 */
#ifndef MR_TERMINAL_H
#define MR_TERMINAL_H

#include "plan.h"

/* Parent: connects to the console socket when the config asks for a
 * terminal (fails clearly when no socket was given). */
int terminal_plan(const mr_config *config, const struct mr_create_opts *opts, struct plan *plan,
                  mr_error **err);
void terminal_plan_free(struct plan *plan);

/* Child, inside the new root (async-signal-safe). */
void terminal_setup(const struct plan *plan, int sync_fd);

#endif /* MR_TERMINAL_H */
