/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cancel.c - SIGINT/SIGTERM while a container is being created.
 *
 * The library installs no signal handlers, so it cannot notice them itself:
 * our handler writes into a pipe whose read end is the context's cancel fd.
 * create/run then kill and reap the half-made init, remove its state and
 * fail with -ECANCELED, and we exit non-zero instead of waiting for an
 * image that may never finish setting up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int cancel_pipe[2] = {-1, -1};
static volatile sig_atomic_t cancel_signo;
static int handlers_installed;
static struct sigaction saved_int, saved_term;

void cli_cancel_notify(int sig)
{
  int saved_errno = errno;
  int fd = cancel_pipe[1];

  if (fd >= 0 && cancel_signo == 0) {
    cancel_signo = sig;
    if (write(fd, "x", 1) < 0) {
      /* nothing to do in a handler */
    }
  }
  errno = saved_errno;
}

static void on_cancel_signal(int sig)
{
  cli_cancel_notify(sig);
}

/* pipe2() at or above `min_fd`: fds below belong to the container. */
static int pipe_above(int fds[2], int min_fd)
{
  int p[2], i;

  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
    return -1;
  for (i = 0; i < 2; i++) {
    fds[i] = p[i] >= min_fd ? p[i] : fcntl(p[i], F_DUPFD_CLOEXEC, min_fd);
    if (fds[i] != p[i])
      close(p[i]);
  }
  if (fds[0] < 0 || fds[1] < 0) {
    for (i = 0; i < 2; i++)
      if (fds[i] >= 0)
        close(fds[i]);
    fds[0] = fds[1] = -1;
    return -1;
  }
  return 0;
}

int cli_cancel_begin(mr_context *ctx, int min_fd, int install_handlers)
{
  struct sigaction sa;

  cancel_signo = 0;
  if (pipe_above(cancel_pipe, min_fd) < 0) {
    cli_error("cannot create a pipe: %s", strerror(errno));
    return -1;
  }
  mr_context_set_cancel_fd(ctx, cancel_pipe[0]);
  if (install_handlers) {
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_cancel_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved_int);
    sigaction(SIGTERM, &sa, &saved_term);
    handlers_installed = 1;
  }
  return 0;
}

void cli_cancel_end(mr_context *ctx)
{
  int fds[2] = {cancel_pipe[0], cancel_pipe[1]};

  mr_context_set_cancel_fd(ctx, -1);
  if (handlers_installed) {
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGTERM, &saved_term, NULL);
    handlers_installed = 0;
  }
  cancel_pipe[0] = cancel_pipe[1] = -1;
  if (fds[0] >= 0)
    close(fds[0]);
  if (fds[1] >= 0)
    close(fds[1]);
}

int cli_cancel_signal(void)
{
  return cancel_signo;
}
