/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* procs.h - signalling and waiting for container processes without racing pid reuse. */
#ifndef MR_PROCS_H
#define MR_PROCS_H

#include "state.h"

/* Opens a pidfd of `pid` (-1 in *pidfd without pidfd support) and checks
 * that it is still the process that started at `start`; -ESRCH if not. */
int procs_pin(pid_t pid, unsigned long long start, int *pidfd);
/* Signals the init recorded in `rec`; -ESRCH when it is gone (or its pid
 * now belongs to another process). */
int procs_signal_init(const struct state_record *rec, int sig);
/* Signals every other process of the init's pid namespace. */
int procs_signal_pid_ns(const mr_context *ctx, const struct state_record *rec, int sig,
                        mr_error **err);
/* SIGKILLs the init and waits (bounded) until it is gone or a zombie. */
int procs_kill_and_wait(const struct state_record *rec, mr_error **err);

#endif /* MR_PROCS_H */
