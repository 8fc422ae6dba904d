/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void sbuf_add(struct sbuf *b, const char *s)
{
  while (s != NULL && *s != '\0' && b->len + 1 < b->size)
    b->buf[b->len++] = *s++;
  b->buf[b->len] = '\0';
}

void sbuf_add_int(struct sbuf *b, long v)
{
  char digits[24];
  size_t n = 0;
  unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
  do {
    digits[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0)
    sbuf_add(b, "-");
  char out[24];
  for (size_t i = 0; i < n; i++)
    out[i] = digits[n - 1 - i];
  out[n] = '\0';
  sbuf_add(b, out);
}

static int send_msg(int fd, const struct sync_msg *m)
{
  /* Only the used part of the text is sent; the receiver zero-fills. */
  size_t len = offsetof(struct sync_msg, text) + strlen(m->text) + 1;
  for (;;) {
    ssize_t n = send(fd, m, len, MSG_NOSIGNAL);
    if (n >= 0)
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

int sync_send(int fd, int type, int errnum, int pid)
{
  struct sync_msg m = {.type = type, .errnum = errnum, .pid = pid};
  m.text[0] = '\0';
  return send_msg(fd, &m);
}

void sync_fail(int fd, int errnum, const char *a, const char *b, const char *c, const char *d)
{
  struct sync_msg m = {.type = SYNC_ERROR, .errnum = errnum};
  struct sbuf sb = {m.text, sizeof(m.text), 0};
  sbuf_add(&sb, a);
  sbuf_add(&sb, b);
  sbuf_add(&sb, c);
  sbuf_add(&sb, d);
  send_msg(fd, &m);
  _exit(127);
}

int sync_wait(int fd, int type)
{
  int pid;
  return sync_wait_pid(fd, type, &pid);
}

int sync_wait_pid(int fd, int type, int *pid)
{
  struct sync_msg m;
  for (;;) {
    ssize_t n = recv(fd, &m, sizeof(m), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < (ssize_t)offsetof(struct sync_msg, text))
      return -1;
    *pid = m.pid;
    return m.type == type ? 0 : -1;
  }
}

int sync_recv(int fd, struct sync_msg *msg)
{
  memset(msg, 0, sizeof(*msg));
  for (;;) {
    ssize_t n = recv(fd, msg, sizeof(*msg), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return 0;
    if (n < (ssize_t)offsetof(struct sync_msg, text))
      return -EPROTO;
    msg->text[SYNC_TEXT_MAX - 1] = '\0';
    return 1;
  }
}

int sync_error_to_err(const struct sync_msg *msg, mr_error **err)
{
  /* A negative errnum carries the code but the text is complete as is. */
  if (msg->errnum < 0)
    return mr_err_from(err, msg->errnum, -msg->errnum, msg->text);
  if (msg->errnum > 0)
    return mr_err_sys(err, msg->errnum, "%s", msg->text);
  return mr_err(err, -EINVAL, "%s", msg->text);
}
