/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * terminal.c - the pty of a foreground `run` without --console-socket.
 *
 * When the config asks for a terminal, the library sends the pty master to a
 * console socket. Without one given by the user, `run` (in the foreground)
 * listens on a socket of its own in a private directory, receives the master
 * once the container runs, and relays between it and its own stdio:
 * stdin -> master and master -> stdout. When stdin is a terminal it is put in
 * raw mode (the container's pty does the line discipline) and its window size
 * is copied to the pty, again on every SIGWINCH.
 *
 * The library connects to the socket and the init sends the master before
 * mr_container_run() returns: the connection waits in the listen backlog and
 * the message in the connection, so both are picked up without blocking.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define SOCKET_NAME "console.sock"

/* ---- the console socket ---- */

static int make_dir(struct cli_console *cs, const char *base)
{
  struct sockaddr_un addr;
  int n;

  n = snprintf(cs->dir, sizeof(cs->dir), "%s/minirun-console-XXXXXX", base);
  if (n < 0 || (size_t)n >= sizeof(cs->dir))
    return -ENAMETOOLONG;
  n = snprintf(cs->path, sizeof(cs->path), "%s/%s", cs->dir, SOCKET_NAME);
  if (n < 0 || (size_t)n >= sizeof(cs->path) || (size_t)n >= sizeof(addr.sun_path))
    return -ENAMETOOLONG;
  /* mkdtemp() creates the directory with mode 0700. */
  if (mkdtemp(cs->dir) == NULL)
    return -errno;
  /* Same length: put the random part into the socket path too. */
  memcpy(cs->path, cs->dir, strlen(cs->dir));
  return 0;
}

int cli_console_listen(struct cli_console *cs, int min_fd)
{
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  struct sockaddr_un addr;
  int ret = -ENOENT, fd;

  cs->fd = -1;
  cs->dir[0] = cs->path[0] = '\0';
  if (xdg != NULL && xdg[0] == '/')
    ret = make_dir(cs, xdg);
  if (ret < 0)
    ret = make_dir(cs, "/tmp");
  if (ret < 0) {
    cs->dir[0] = cs->path[0] = '\0';
    cli_error("console socket: create a temporary directory: %s", strerror(-ret));
    return 1;
  }

  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    cli_error("console socket: %s", strerror(errno));
    cli_console_remove(cs);
    return 1;
  }
  /* Stay out of the fds the container inherits (0-2 and the preserved). */
  if (fd < min_fd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, min_fd);

    if (moved < 0) {
      cli_error("console socket: fcntl: %s", strerror(errno));
      close(fd);
      cli_console_remove(cs);
      return 1;
    }
    close(fd);
    fd = moved;
  }
  cs->fd = fd;

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, cs->path, strlen(cs->path) + 1);
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
    cli_error("console socket %s: %s", cs->path, strerror(errno));
    cli_console_remove(cs);
    return 1;
  }
  return 0;
}

void cli_console_remove(struct cli_console *cs)
{
  if (cs->fd >= 0)
    close(cs->fd);
  cs->fd = -1;
  if (cs->path[0] != '\0')
    unlink(cs->path);
  if (cs->dir[0] != '\0')
    rmdir(cs->dir);
  cs->dir[0] = cs->path[0] = '\0';
}

/* Receives one message carrying the master; returns the fd or -errno. */
static int receive_master(int conn)
{
  char name[256];
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(4 * sizeof(int))];
  } control;
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
  struct msghdr msg;
  struct cmsghdr *cmsg;
  ssize_t n;
  int master = -1;

  memset(&msg, 0, sizeof(msg));
  memset(&control, 0, sizeof(control));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof(control.buf);
  /* The init sent the master before the container was reported ready. */
  do
    n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == EAGAIN ? -ENOMSG : -errno;

  for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    size_t i, count;

    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
      continue;
    count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (i = 0; i < count; i++) {
      int fd;

      memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      if (master < 0)
        master = fd;
      else
        close(fd);
    }
  }
  if (master < 0)
    return -ENOMSG;
  name[n] = '\0';
  cli_log(MR_LOG_DEBUG, "received the pty master of %s", name);
  return master;
}

int cli_console_accept(struct cli_console *cs)
{
  int conn, master;

  do
    conn = accept4(cs->fd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0) {
    int e = errno;

    cli_console_remove(cs);
    cli_error("console socket: %s",
              e == EAGAIN ? "the runtime did not connect to it" : strerror(e));
    return -1;
  }
  cli_console_remove(cs);
  master = receive_master(conn);
  close(conn);
  if (master < 0) {
    cli_error("console socket: receive the pty master: %s",
              master == -ENOMSG ? "no file descriptor was sent" : strerror(-master));
    return -1;
  }
  return master;
}

/* ---- the terminal of the caller ---- */

static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;

static void restore_termios(void)
{
  if (termios_saved) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    termios_saved = 0;
  }
}

/* Signals that would end the CLI with the terminal left raw (the forwarded
 * ones do not end it): put the terminal back, then die of the signal. */
static const int fatal[] = {SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ,
                            SIGABRT, SIGSEGV,   SIGBUS,  SIGFPE,  SIGILL};
#define N_FATAL (sizeof(fatal) / sizeof(fatal[0]))

static void on_fatal(int sig)
{
  int saved_errno = errno;

  restore_termios();
  /* SA_RESETHAND restored the default action: the signal, pending while the
   * handler runs, ends the process once it returns. */
  raise(sig);
  errno = saved_errno;
}

static void set_fatal_handlers(int install)
{
  struct sigaction sa;
  size_t i;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = install ? on_fatal : SIG_DFL;
  sa.sa_flags = install ? SA_RESETHAND : 0;
  sigemptyset(&sa.sa_mask);
  for (i = 0; i < N_FATAL; i++) {
    struct sigaction old;

    /* Leave alone what the caller ignores. */
    if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;
    sigaction(fatal[i], &sa, NULL);
  }
}

static int make_raw(void)
{
  struct termios raw;

  if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
    return -errno;
  raw = saved_termios;
  cfmakeraw(&raw);
  set_fatal_handlers(1);
  termios_saved = 1;
  if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
    int e = errno;

    termios_saved = 0;
    set_fatal_handlers(0);
    return -e;
  }
  return 0;
}

static void copy_winsize(int master)
{
  struct winsize ws;

  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

/* ---- the relay ---- */

/* Writes all of buf to a descriptor that may be non-blocking. */
static int write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);

    if (n < 0) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};

      if (errno == EINTR)
        continue;
      if (errno != EAGAIN)
        return -errno;
      poll(&p, 1, -1);
      continue;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

struct relay {
  int master;
  int in_open;     /* stdin not at EOF yet */
  int master_open; /* master not at EOF/EIO yet */
  char in[4096];   /* read from stdin, not yet written to the master */
  size_t in_len, in_off;
};

/* Copies what the master has to stdout. Returns 1 when the relay must end:
 * the master reached its end (every slave closed), or stdout is gone (then
 * the master is closed, which hangs up the container's terminal, as when a
 * terminal window is closed); 0 when the master has nothing more for now. */
static int drain_master(struct relay *r)
{
  char buf[16384];

  for (;;) {
    ssize_t n = read(r->master, buf, sizeof(buf));

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return 0;
    if (n <= 0) {
      /* EIO: the container side hung up. */
      if (n < 0 && errno != EIO)
        cli_log(MR_LOG_DEBUG, "read pty master: %s", strerror(errno));
      r->master_open = 0;
      return 1;
    }
    if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
      cli_log(MR_LOG_DEBUG, "write stdout: %s", strerror(errno));
      return 1;
    }
  }
}

static void read_stdin(struct relay *r)
{
  ssize_t n;

  do
    n = read(STDIN_FILENO, r->in, sizeof(r->in));
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0) {
    r->in_open = 0;
    return;
  }
  r->in_len = (size_t)n;
  r->in_off = 0;
}

static void write_master(struct relay *r)
{
  ssize_t n = write(r->master, r->in + r->in_off, r->in_len - r->in_off);

  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN)
      return;
    /* The container side is gone: what is left cannot be delivered. */
    r->in_len = r->in_off = 0;
    return;
  }
  r->in_off += (size_t)n;
  if (r->in_off == r->in_len)
    r->in_len = r->in_off = 0;
}

/* Whether the init has exited (without reaping it: it must stay our child
 * until cli_forward_stop()). For kernels without pidfds. */
static int init_exited(pid_t pid)
{
  siginfo_t si;

  memset(&si, 0, sizeof(si));
  if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
    return errno != EINTR;
  return si.si_pid != 0;
}

enum { P_STDIN, P_MASTER, P_INIT, P_WINCH, N_POLL };

void cli_console_proxy(int master, const mr_container *c)
{
  struct relay r = {.master = master, .in_open = 1, .master_open = 1};
  int tty = isatty(STDIN_FILENO), raw = 0, winch = -1, pollfd = mr_container_pollfd(c);
  pid_t pid = mr_container_pid(c);
  sigset_t winch_set, old_mask;
  struct sigaction ign, old_pipe;

  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  /* A closed stdout is an EPIPE to handle, not the death of the CLI (which
   * would leave the container behind). */
  memset(&ign, 0, sizeof(ign));
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old_pipe);
  if (tty) {
    int ret = make_raw();

    if (ret < 0)
      cli_log(MR_LOG_WARNING, "cannot put the terminal in raw mode: %s", strerror(-ret));
    else
      raw = 1;
    /* SIGWINCH is only read from a signalfd: it stays blocked meanwhile. */
    sigemptyset(&winch_set);
    sigaddset(&winch_set, SIGWINCH);
    if (sigprocmask(SIG_BLOCK, &winch_set, &old_mask) == 0) {
      winch = signalfd(-1, &winch_set, SFD_CLOEXEC | SFD_NONBLOCK);
      if (winch < 0)
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
    }
    copy_winsize(master);
  }

  while (r.master_open) {
    struct pollfd p[N_POLL];
    int n;

    memset(p, 0, sizeof(p));
    p[P_STDIN].fd = r.in_open && r.in_len == 0 ? STDIN_FILENO : -1;
    p[P_STDIN].events = POLLIN;
    p[P_MASTER].fd = master;
    p[P_MASTER].events = (short)(POLLIN | (r.in_len > 0 ? POLLOUT : 0));
    p[P_INIT].fd = pollfd;
    p[P_INIT].events = POLLIN;
    p[P_WINCH].fd = winch;
    p[P_WINCH].events = POLLIN;

    n = poll(p, N_POLL, pollfd >= 0 ? -1 : 200);
    if (n < 0) {
      if (errno == EINTR)
        continue; /* a forwarded signal */
      cli_log(MR_LOG_WARNING, "poll: %s", strerror(errno));
      break;
    }

    if (p[P_WINCH].revents) {
      struct signalfd_siginfo si;

      while (read(winch, &si, sizeof(si)) > 0)
        ;
      copy_winsize(master);
    }
    if (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (drain_master(&r))
        break;
    }
    if (p[P_MASTER].revents & POLLOUT)
      write_master(&r);
    if (p[P_STDIN].revents & POLLNVAL)
      r.in_open = 0;
    else if (p[P_STDIN].revents)
      read_stdin(&r);
    if (r.in_len > 0)
      write_master(&r);

    /* The init is gone: what it wrote is at the master by now. Helpers
     * outside a pid namespace may still hold the pty; do not wait for them. */
    if ((pollfd >= 0 && p[P_INIT].revents) || (pollfd < 0 && init_exited(pid))) {
      drain_master(&r);
      break;
    }
  }

  if (winch >= 0) {
    close(winch);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
  }
  if (raw) {
    restore_termios();
    set_fatal_handlers(0);
  }
  close(master);
  sigaction(SIGPIPE, &old_pipe, NULL);
}
