/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks-exec.c - running one hook: fork, execve, state on stdin, timeout.
 *
 * Async-signal-safe throughout (raw clone, no allocation, no stdio): the
 * container init runs its hooks with this code between clone and execve, and
 * in a multi-threaded host the library's own fork must not run glibc's fork
 * handlers either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../isolate/closefds.h"
#include "../sync.h"
#include "hooks.h"

#define TAIL_MAX 240 /* bytes of the hook's output kept for the error */

struct hook_io {
  int in;  /* our end of the hook's stdin (a socket) */
  int out; /* our end of its stdout+stderr (a pipe) */
  const char *state;
  size_t state_left;
  char tail[TAIL_MAX + 1];
  size_t tail_len;
};

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *errno_text(int e)
{
  switch (e) {
  case ENOENT:
    return "No such file or directory";
  case EACCES:
    return "Permission denied";
  case ENOEXEC:
    return "Exec format error";
  case ENOTDIR:
    return "Not a directory";
  case ELOOP:
    return "Too many levels of symbolic links";
  case ENOMEM:
    return "Cannot allocate memory";
  default:
    return NULL;
  }
}

static void add_errno(struct sbuf *b, int e)
{
  const char *text = errno_text(e);
  if (text != NULL) {
    sbuf_add(b, text);
    return;
  }
  sbuf_add(b, "errno ");
  sbuf_add_int(b, e);
}

/* Our fds go above 2 so the hook's dup2 onto 0-2 cannot clobber them. */
static int above_stdio(int *fd)
{
  if (*fd > 2)
    return 0;
  int moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
  if (moved < 0)
    return -1;
  close(*fd);
  *fd = moved;
  return 0;
}

/* The hook process: stdio wired, nothing else open, default signals. */
static __attribute__((noreturn)) void hook_child(const struct hook_cmd *h, int in, int out)
{
  /* Its own process group: a timeout kills what it started, too. */
  setpgid(0, 0);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
    _exit(127);
  closefds_from(3); /* complete before Linux 5.9 too (closefds.h) */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(h->path, h->argv, h->envp);
  int e = errno;
  char text[512];
  struct sbuf b = {text, sizeof(text), 0};
  sbuf_add(&b, "cannot execute ");
  sbuf_add(&b, h->path);
  sbuf_add(&b, ": ");
  add_errno(&b, e);
  (void)!write(2, text, b.len);
  _exit(127);
}

static void keep_tail(struct hook_io *io, const char *data, size_t n)
{
  if (n >= TAIL_MAX) {
    memcpy(io->tail, data + n - TAIL_MAX, TAIL_MAX);
    io->tail_len = TAIL_MAX;
    return;
  }
  if (io->tail_len + n > TAIL_MAX) {
    size_t drop = io->tail_len + n - TAIL_MAX;
    memmove(io->tail, io->tail + drop, io->tail_len - drop);
    io->tail_len -= drop;
  }
  memcpy(io->tail + io->tail_len, data, n);
  io->tail_len += n;
}

/* Reads what the hook printed; closes our end at EOF. */
static void drain_output(struct hook_io *io)
{
  char buf[512];
  for (;;) {
    ssize_t n = read(io->out, buf, sizeof(buf));
    if (n > 0) {
      keep_tail(io, buf, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 || errno != EAGAIN) {
      close(io->out);
      io->out = -1;
    }
    return;
  }
}

/* Sends what the socket takes of the state; closes it when all is sent or
 * the hook will never read it (it closed stdin or exited). */
static void feed_state(struct hook_io *io)
{
  while (io->state_left > 0) {
    ssize_t n = send(io->in, io->state, io->state_left, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      io->state += n;
      io->state_left -= (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return;
    break;
  }
  close(io->in);
  io->in = -1;
}

/* Waits for the hook until it exits or its time is up, keeping its stdin fed
 * and its output drained. 1: exited (*status), 0: timed out, -errno. */
static int supervise(pid_t pid, int timeout_s, struct hook_io *io, int *status)
{
  long deadline = timeout_s > 0 ? now_ms() + timeout_s * 1000L : 0;
  int interval = 1;
  for (;;) {
    pid_t w = waitpid(pid, status, WNOHANG);
    if (w == pid)
      return 1;
    if (w < 0 && errno != EINTR)
      return -errno;
    long wait_ms = interval;
    if (deadline != 0) {
      long left = deadline - now_ms();
      if (left <= 0)
        return 0;
      if (left < wait_ms)
        wait_ms = left;
    }
    struct pollfd p[2] = {{io->out, POLLIN, 0}, {io->in, POLLOUT, 0}};
    if (poll(p, 2, (int)wait_ms) == 0 && interval < 32)
      interval *= 2; /* a hook that takes its time is polled less often */
    if (io->out >= 0 && p[0].revents != 0)
      drain_output(io);
    if (io->in >= 0 && p[1].revents != 0)
      feed_state(io);
  }
}

static void add_tail(struct sbuf *b, struct hook_io *io)
{
  /* The last line that says something. */
  size_t end = io->tail_len;
  while (end > 0 && (io->tail[end - 1] == '\n' || io->tail[end - 1] == ' '))
    end--;
  size_t start = end;
  while (start > 0 && io->tail[start - 1] != '\n')
    start--;
  if (start == end)
    return;
  io->tail[end] = '\0';
  sbuf_add(b, ": ");
  sbuf_add(b, io->tail + start);
}

static int describe_status(int status, struct sbuf *b, struct hook_io *io)
{
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status)) {
    sbuf_add(b, "exited with status ");
    sbuf_add_int(b, WEXITSTATUS(status));
  } else {
    sbuf_add(b, "killed by signal ");
    sbuf_add_int(b, WTERMSIG(status));
  }
  add_tail(b, io);
  return -EIO;
}

static void close_io(struct hook_io *io)
{
  if (io->in >= 0)
    close(io->in);
  if (io->out >= 0)
    close(io->out);
  io->in = io->out = -1;
}

static int fail_sys(struct sbuf *b, const char *what, int e)
{
  sbuf_add(b, what);
  sbuf_add(b, ": ");
  add_errno(b, e);
  return -e;
}

int hook_exec(const struct hook_cmd *h, const char *state, size_t state_len, char *msg, size_t size)
{
  struct sbuf b = {msg, size, 0};
  sbuf_add(&b, h->name);
  sbuf_add(&b, ": ");
  struct hook_io io = {.in = -1, .out = -1, .state = state, .state_left = state_len};
  int sv[2], pp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return fail_sys(&b, "socketpair", errno);
  if (pipe2(pp, O_CLOEXEC) < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return fail_sys(&b, "pipe", e);
  }
  io.in = sv[0];
  io.out = pp[0];
  int hook_in = sv[1], hook_out = pp[1];
  if (above_stdio(&io.in) < 0 || above_stdio(&io.out) < 0 || above_stdio(&hook_in) < 0 ||
      above_stdio(&hook_out) < 0) {
    int e = errno;
    close(hook_in);
    close(hook_out);
    close_io(&io);
    return fail_sys(&b, "fcntl", e);
  }
  /* fork() without glibc's fork handlers. */
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0);
  if (pid == 0)
    hook_child(h, hook_in, hook_out);
  int e = errno;
  close(hook_in);
  close(hook_out);
  if (pid < 0) {
    close_io(&io);
    return fail_sys(&b, "fork", e);
  }
  setpgid(pid, pid); /* as the hook does: whoever runs first */
  fcntl(io.out, F_SETFL, O_NONBLOCK);
  feed_state(&io);
  int status = 0;
  int r = supervise(pid, h->timeout, &io, &status);
  if (r == 0) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL); /* in case it left its group */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
  } else if (io.out >= 0) {
    drain_output(&io); /* what it wrote last (descendants may keep it open) */
  }
  close_io(&io);
  if (r == 0) {
    sbuf_add(&b, "timed out after ");
    sbuf_add_int(&b, h->timeout);
    sbuf_add(&b, " s");
    return -ETIMEDOUT;
  }
  if (r < 0)
    return fail_sys(&b, "wait", -r);
  return describe_status(status, &b, &io);
}
