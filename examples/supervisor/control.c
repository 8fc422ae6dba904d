/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control.c - the supervisor's control socket (DIR/control.sock, mode 0600)
 * and its client. A line protocol: the client sends one command line, the
 * supervisor answers with lines and a last line "ok" or "error MESSAGE".
 *
 *   status   one line per service:
 *            NAME STATE id=ID pid=PID restarts=N status=LAST healthy=yes|no
 *   stop     stops every service (dependents first) and the supervisor
 *   update SERVICE MANIFEST
 *            updates SERVICE to its spec in MANIFEST (update.c); answered
 *            once the update is complete or rolled back
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "service.h"

static int unix_address(const char *path, struct sockaddr_un *a)
{
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a->sun_path)
    return -ENAMETOOLONG;
  memcpy(a->sun_path, path, strlen(path) + 1);
  return 0;
}

int sv_control_open(struct sv *sv, char *why, size_t len)
{
  struct sockaddr_un a;
  snprintf(sv->control_path, sizeof sv->control_path, "%s/control.sock", sv->state_dir);
  for (size_t i = 0; i < SV_MAX_CLIENTS; i++)
    sv->clients[i].fd = -1;
  sv->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (sv->listen_fd < 0 || unix_address(sv->control_path, &a) < 0) {
    snprintf(why, len, "control socket %s: %s", sv->control_path, strerror(errno));
    return -1;
  }
  unlink(sv->control_path);
  mode_t old = umask(077);
  int r = bind(sv->listen_fd, (struct sockaddr *)&a, sizeof a);
  umask(old);
  if (r < 0 || listen(sv->listen_fd, SV_MAX_CLIENTS) < 0) {
    snprintf(why, len, "control socket %s: %s", sv->control_path, strerror(errno));
    return -1;
  }
  return 0;
}

void sv_control_close(struct sv *sv)
{
  for (size_t i = 0; i < SV_MAX_CLIENTS; i++)
    if (sv->clients[i].fd >= 0)
      close(sv->clients[i].fd);
  if (sv->listen_fd >= 0) {
    close(sv->listen_fd);
    unlink(sv->control_path);
  }
}

/* The listening socket first, then one entry per client slot (-1: unused,
 * which poll ignores). */
size_t sv_control_pollfds(struct sv *sv, struct pollfd *p)
{
  p[0] = (struct pollfd){.fd = sv->listen_fd, .events = POLLIN};
  for (size_t i = 0; i < SV_MAX_CLIENTS; i++)
    p[1 + i] = (struct pollfd){.fd = sv->clients[i].fd, .events = POLLIN};
  return 1 + SV_MAX_CLIENTS;
}

static void reply(int fd, const char *text)
{
  size_t off = 0, len = strlen(text);
  while (off < len) {
    ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    off += (size_t)n;
  }
}

static void cmd_status(struct sv *sv, int fd)
{
  for (size_t i = 0; i < sv->n; i++) {
    const struct service *s = &sv->svc[i];
    char line[256];
    snprintf(line, sizeof line, "%s %s id=%s pid=%d restarts=%u status=%d healthy=%s\n", s->name,
             sv_state_name(s->state), s->id[0] ? s->id : "-", (int)sv_pid(s), s->restarts,
             s->last_status, s->healthy ? "yes" : "no");
    reply(fd, line);
  }
  reply(fd, "ok\n");
}

void sv_control_answer(struct sv *sv, int fd, const char *line)
{
  (void)sv;
  reply(fd, line);
  close(fd);
}

/* update NAME PATH: true when the answer comes later (the fd is kept). */
static bool cmd_update(struct sv *sv, int fd, char *args)
{
  char why[512], *name = args, *path = strchr(args, ' ');
  if (path)
    *path++ = '\0';
  if (!*name || !path || !*path || strchr(path, ' ')) {
    reply(fd, "error usage: update SERVICE MANIFEST\n");
    return false;
  }
  int r = sv_update_begin(sv, name, path, fd, why, sizeof why);
  if (r > 0)
    return true;
  if (r == 0) {
    reply(fd, "ok\n");
  } else {
    char answer[600];
    snprintf(answer, sizeof answer, "error %s\n", why);
    reply(fd, answer);
  }
  return false;
}

/* One command line from a client. Returns true when the client stays open
 * for a later answer; else it is closed after the answer. */
static bool command(struct sv *sv, int fd, char *line)
{
  line[strcspn(line, "\r\n")] = '\0';
  if (strcmp(line, "status") == 0) {
    cmd_status(sv, fd);
  } else if (strcmp(line, "stop") == 0) {
    reply(fd, "ok\n");
    sv_stop_all(sv);
  } else if (strncmp(line, "update ", 7) == 0) {
    return cmd_update(sv, fd, line + 7);
  } else {
    reply(fd, "error unknown command (status, stop, update)\n");
  }
  return false;
}

void sv_control_handle(struct sv *sv, const struct pollfd *p)
{
  if (p[0].revents & POLLIN) {
    int fd = accept4(sv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    size_t i = 0;
    while (fd >= 0 && i < SV_MAX_CLIENTS && sv->clients[i].fd >= 0)
      i++;
    if (fd >= 0 && i == SV_MAX_CLIENTS) {
      reply(fd, "error busy\n");
      close(fd);
    } else if (fd >= 0) {
      sv->clients[i] = (struct sv_client){.fd = fd, .len = 0};
    }
  }
  for (size_t i = 0; i < SV_MAX_CLIENTS; i++) {
    struct sv_client *c = &sv->clients[i];
    if (c->fd < 0 || !(p[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
      continue;
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (n > 0)
      c->len += (size_t)n;
    c->buf[c->len] = '\0';
    if (n > 0 && !strchr(c->buf, '\n') && c->len < sizeof c->buf - 1)
      continue; /* the line is not complete yet */
    bool keep = c->len > 0 && command(sv, c->fd, c->buf);
    if (!keep)
      close(c->fd); /* else the update owns it (sv_control_answer) */
    c->fd = -1;
  }
}

/* ------------------------------------------------------------------------ */
/* The client: minirun-supervisor ctl SOCKET COMMAND...                      */
/* ------------------------------------------------------------------------ */

int sv_ctl_main(int argc, char **argv)
{
  struct sockaddr_un a;
  char line[1024] = "";
  if (argc < 3) {
    fprintf(stderr, "usage: minirun-supervisor ctl SOCKET COMMAND...\n");
    return 2;
  }
  for (int i = 2; i < argc; i++) {
    strncat(line, argv[i], sizeof line - strlen(line) - 2);
    strncat(line, i + 1 < argc ? " " : "\n", sizeof line - strlen(line) - 1);
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || unix_address(argv[1], &a) < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    fprintf(stderr, "minirun-supervisor ctl: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  reply(fd, line);
  FILE *f = fdopen(fd, "r");
  char out[1024];
  int rc = 1;
  while (f && fgets(out, sizeof out, f)) {
    if (strcmp(out, "ok\n") == 0) {
      rc = 0;
      break;
    }
    if (strncmp(out, "error", 5) == 0) {
      fprintf(stderr, "minirun-supervisor ctl: %s", out);
      break;
    }
    fputs(out, stdout);
  }
  if (f)
    fclose(f);
  return rc;
}
