/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * recvtty.c - a console socket for the terminal tests: listens on PATH,
 * prints "name: <pty name>" for the master fd a runtime sends, then copies
 * everything the container writes to its terminal to stdout until the pty
 * closes (EIO once the container exited).
 *
 * usage: recvtty PATH   (prints "listening" on stderr once ready)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int receive_master(int conn, char *name, size_t size)
{
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = size - 1};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  ssize_t n = recvmsg(conn, &msg, 0);
  if (n < 0)
    return -1;
  name[n] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: recvtty PATH\n");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 1) < 0) {
    perror("recvtty: listen");
    return 1;
  }
  fprintf(stderr, "listening\n");
  int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  char name[256];
  int master = conn < 0 ? -1 : receive_master(conn, name, sizeof(name));
  if (master < 0) {
    perror("recvtty: receive");
    return 1;
  }
  printf("name: %s\n", name);
  fflush(stdout);
  char buf[4096];
  ssize_t n;
  while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && write(1, buf, (size_t)n) < 0)
      return 1;
  return 0;
}
