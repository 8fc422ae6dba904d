/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forward.c - relays the signals a foreground `minirun run` receives to the
 * container init, so that Ctrl-C or `kill <cli pid>` stops the container.
 *
 * The handlers are installed before the container is created (the pid is not
 * known yet): signals arriving then are remembered and sent as soon as the
 * pid is known. Handlers are used rather than a blocked mask + signalfd
 * because the container would inherit a blocked mask, whereas caught signals
 * are reset to their default by execve(). SA_RESTART keeps the library's
 * system calls (waitpid(), reads on its sync pipes) from failing with EINTR.
 * The init stays our unreaped child until cli_forward_stop(), so its pid
 * cannot be reused while we relay to it.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cli.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static volatile sig_atomic_t target;
static volatile sig_atomic_t pending[N_FORWARDED];
static volatile sig_atomic_t stopped;

static void on_signal(int sig)
{
  int saved_errno = errno;
  pid_t pid = target;
  size_t i;

  if (pid > 0) {
    kill(pid, sig);
  } else if (!stopped) {
    /* Still creating: SIGINT/SIGTERM mean "give up" (a hostile image may
     * never finish setting up). */
    if (sig == SIGINT || sig == SIGTERM)
      cli_cancel_notify(sig);
    for (i = 0; i < N_FORWARDED; i++) {
      if (forwarded[i] == sig)
        pending[i] = 1;
    }
  }
  errno = saved_errno;
}

void cli_forward_install(void)
{
  struct sigaction sa;
  size_t i;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (i = 0; i < N_FORWARDED; i++)
    sigaddset(&sa.sa_mask, forwarded[i]);
  for (i = 0; i < N_FORWARDED; i++)
    sigaction(forwarded[i], &sa, NULL);
}

void cli_forward_to(pid_t pid)
{
  size_t i;

  if (pid <= 0)
    return;
  target = pid;
  for (i = 0; i < N_FORWARDED; i++) {
    if (pending[i]) {
      pending[i] = 0;
      kill(pid, forwarded[i]);
    }
  }
}

void cli_forward_stop(void)
{
  stopped = 1;
  target = 0;
}

int cli_wait_forwarded(mr_container *c, int *status, mr_error **err)
{
  int ret;
  for (;;) {
    ret = mr_container_wait(c, 0, status, err);
    if (ret != -EINTR)
      break;
    mr_error_free(*err);
    *err = NULL;
  }
  cli_forward_stop();
  return ret;
}
