/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-listener.c - a seccomp agent for the listenerPath tests.
 *
 *   seccomp-listener SOCKET STATE-FILE ERRNO
 *
 * Listens on the unix socket SOCKET ("listening" on stderr when ready),
 * accepts one connection, receives the notify fd (SCM_RIGHTS) and the
 * containerProcessState JSON (written to STATE-FILE), then answers every
 * notification: mkdir/mkdirat fail with ERRNO, anything else continues
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Each one is logged to stdout as
 * "notified NR". Exits 0 when the container's tasks are gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
  fprintf(stderr, "seccomp-listener: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int accept_one(const char *path)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 1) < 0)
    die("listen");
  fprintf(stderr, "listening\n");
  int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0)
    die("accept");
  close(s);
  return c;
}

/* The fd comes with the first bytes; the rest of the document until EOF. */
static int receive(int c, const char *state_file)
{
  static char buf[1 << 20];
  size_t len = 0;
  int fd = -1;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  for (;;) {
    struct iovec iov = {.iov_base = buf + len, .iov_len = sizeof(buf) - len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd < 0) {
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof(control.buf);
    }
    ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
      die("recvmsg");
    struct cmsghdr *cm = fd < 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    if (n == 0)
      break;
    len += (size_t)n;
  }
  FILE *f = fopen(state_file, "w");
  if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
    die("write state file");
  if (fd < 0) {
    errno = EPROTO;
    die("no fd received");
  }
  return fd;
}

/* mkdir(2) exists only on the older ABIs (x86, armhf); aarch64 has just mkdirat. */
static int is_mkdir(int nr)
{
#ifdef SYS_mkdir
  if (nr == SYS_mkdir)
    return 1;
#endif
  return nr == SYS_mkdirat;
}

static void answer(int fd, int err_no)
{
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  memset(&req, 0, sizeof(req));
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
    if (errno == EINTR || errno == ENOENT)
      return;
    die("SECCOMP_IOCTL_NOTIF_RECV");
  }
  printf("notified %d\n", req.data.nr);
  fflush(stdout);
  memset(&resp, 0, sizeof(resp));
  resp.id = req.id;
  if (is_mkdir(req.data.nr))
    resp.error = -err_no;
  else
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
    die("SECCOMP_IOCTL_NOTIF_SEND");
}

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: %s SOCKET STATE-FILE ERRNO\n", argv[0]);
    return 2;
  }
  int c = accept_one(argv[1]);
  int fd = receive(c, argv[2]);
  close(c);
  int err_no = atoi(argv[3]);
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      die("poll");
    }
    if (p.revents & POLLIN)
      answer(fd, err_no);
    else if (p.revents & (POLLHUP | POLLERR))
      return 0;
  }
}
