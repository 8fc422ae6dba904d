/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * signals.h - signals across clone, and writes that cannot raise SIGPIPE.
 *
 * Between clone() and the child's reset the child is a copy of the host:
 * a host handler running there would run host code in the container's
 * init. So the parent blocks every signal (in the calling thread only)
 * across clone; the child resets every disposition while still blocked
 * (discarding what is pending: it was meant for the host, e.g. a signal to
 * its process group), leaves the host's session, and only then unblocks.
 */
#ifndef MR_ISOLATE_SIGNALS_H
#define MR_ISOLATE_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "../plan.h"

/* Parent: blocks all signals in this thread; *old receives the mask. */
void signals_block_all(sigset_t *old);
/* Parent: restores the mask saved by signals_block_all. */
void signals_restore(const sigset_t *old);

/* Child, first thing after clone (async-signal-safe): not dumpable (the
 * init is a copy of the host's memory until exec), default dispositions,
 * pending signals discarded, a new session when `new_session`, every fd but
 * the plan's own closed, and (when `unblock`) an empty signal mask. */
void child_isolate(const struct plan *plan, bool new_session, bool unblock);

/* util_write_all() for pipes and sockets whose reader may be gone: EPIPE
 * instead of SIGPIPE, without touching the process's dispositions (SIGPIPE
 * is blocked in this thread around the write and a SIGPIPE the write raised
 * is consumed). 0 or -errno. */
int write_all_nosigpipe(int fd, const void *buf, size_t len);

#endif /* MR_ISOLATE_SIGNALS_H */
