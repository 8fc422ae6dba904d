/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "signals.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../util.h"

void signals_block_all(sigset_t *old)
{
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, old);
}

void signals_restore(const sigset_t *old)
{
  pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- child side: async-signal-safe ---- */

static void reset_dispositions(void)
{
  struct sigaction ign, dfl;
  memset(&ign, 0, sizeof(ign));
  memset(&dfl, 0, sizeof(dfl));
  ign.sa_handler = SIG_IGN;
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP)
      continue;
    /* Ignoring discards a pending instance; EINVAL for the signals glibc
     * reserves for itself: fine. */
    sigaction(sig, &ign, NULL);
    sigaction(sig, &dfl, NULL);
  }
}

void child_isolate(const struct plan *plan, bool new_session, bool unblock)
{
  /* With a new user namespace the parent (possibly unprivileged) must
   * still open our /proc/PID/{uid,gid}_map: child_main drops it after GO. */
  if (!plan->user_ns)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  reset_dispositions();
  /* The host's terminal signals and process-group kills are not for the
   * container. With a terminal, terminal_setup makes the session. */
  if (new_session)
    setsid();
  plan_close_other_fds(plan);
  if (unblock) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
  }
}

/* ---- parent side ---- */

int write_all_nosigpipe(int fd, const void *buf, size_t len)
{
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  int r = util_write_all(fd, buf, len);
  if (r == -EPIPE && !was_pending) {
    /* Ours: consume it before the mask comes back. */
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return r;
}
