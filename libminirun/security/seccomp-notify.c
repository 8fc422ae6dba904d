/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-notify.c - linux.seccomp.listenerPath: hand the notify fd over.
 *
 * runtime-spec (config-linux.md, runtime.md): the runtime connects to the
 * unix socket at listenerPath and sends the seccomp notify fd with
 * SCM_RIGHTS together with a containerProcessState document:
 *   {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {...}}
 *
 * The fd only exists once the child loaded the filter, just before execve
 * and possibly long after `create` returned (the parent may be gone by
 * `start`), so the child sends it itself. Everything is prepared here: the
 * socket is connected before clone (listenerPath is a host path; the child
 * no longer sees the host's files), and the document is rendered with two
 * ten-digit placeholders where the pids go. The child learns its host pid
 * from the parent's GO and overwrites each placeholder with the digits and
 * spaces (JSON allows whitespace after a number): no allocation, no stdio.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../container.h"
#include "../jsonw.h"
#include "../sync.h"
#include "../util.h"
#include "seccomp.h"

#define OCI_VERSION     "1.2.0"
#define PID_PLACEHOLDER 9999999999ULL /* ten digits: wider than any pid */
#define PID_KEY_TEXT    "\"pid\":9999999999"

struct process_state {
  const struct mr_config *config;
  const char *id;
  const char *status;
};

static void write_state(struct jw *w, const void *arg)
{
  const struct process_state *ps = arg;
  const struct spec *spec = ps->config->spec;
  jw_map_open(w);
  jw_key_str(w, "ociVersion", OCI_VERSION);
  jw_str(w, "fds");
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_array_open(w->g);
  jw_str(w, "seccompFd");
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_array_close(w->g);
  jw_key_u64(w, "pid", PID_PLACEHOLDER);
  jw_key_str(w, "metadata",
             spec->linux_.seccomp.listener_metadata ? spec->linux_.seccomp.listener_metadata : "");
  jw_str(w, "state");
  jw_map_open(w);
  jw_key_str(w, "ociVersion", OCI_VERSION);
  jw_key_str(w, "id", ps->id);
  jw_key_str(w, "status", ps->status);
  jw_key_u64(w, "pid", PID_PLACEHOLDER);
  jw_key_str(w, "bundle", ps->config->bundle);
  jw_str(w, "annotations");
  jw_map_open(w);
  for (size_t i = 0; i < spec->n_annotations; i++)
    jw_key_str(w, spec->annotations[i].key,
               spec->annotations[i].value ? spec->annotations[i].value : "");
  jw_map_close(w);
  jw_map_close(w);
  jw_map_close(w);
}

/* Offsets of the two pid placeholders. Only our own "pid" keys can be
 * followed by a bare number: in strings the quotes would be escaped. */
static int find_pids(const char *json, size_t pid_at[2])
{
  const char *p = json;
  for (int i = 0; i < 2; i++) {
    p = strstr(p, PID_KEY_TEXT);
    if (p == NULL)
      return -1;
    pid_at[i] = (size_t)(p - json) + strlen("\"pid\":");
    p += strlen(PID_KEY_TEXT);
  }
  return 0;
}

static int connect_listener(const char *path, int *out, mr_error **err)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path))
    return mr_err(err, -ENAMETOOLONG,
                  "config.json: linux.seccomp.listenerPath: '%s' is longer than a socket path "
                  "can be",
                  path);
  memcpy(addr.sun_path, path, strlen(path) + 1);
  cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return mr_err_sys(err, errno, "seccomp listener: socket");
  int r;
  do
    r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return mr_err_sys(err, errno, "config.json: linux.seccomp.listenerPath: connect %s", path);
  *out = fd;
  fd = -1;
  return 0;
}

int seccomp_notify_plan(const struct mr_config *config, const char *id, struct seccomp_plan *sp,
                        mr_error **err)
{
  struct process_state ps = {
      .config = config,
      .id = id,
      /* Early: loaded during setup; else after `start`, just before execve. */
      .status = sp->early ? "creating" : "created",
  };
  int r =
      jw_render(write_state, &ps, "containerProcessState", &sp->state_json, &sp->state_len, err);
  if (r < 0)
    return r;
  if (find_pids(sp->state_json, sp->pid_at) < 0)
    return mr_err(err, -EINVAL, "containerProcessState: pid placeholders not found");
  return connect_listener(config->spec->linux_.seccomp.listener_path, &sp->listener_fd, err);
}

/* ---- child side (async-signal-safe) ------------------------------------ */

static void put_pid(char *at, int pid)
{
  char digits[10];
  int n = 0;
  unsigned int v = pid > 0 ? (unsigned int)pid : 0;
  do
    digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0 && n < 10);
  for (int i = 0; i < 10; i++)
    at[i] = i < n ? digits[n - 1 - i] : ' ';
}

static ssize_t send_with_fd(int sock, const char *buf, size_t len, int fd)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof(control));
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = control.buf,
                       .msg_controllen = sizeof(control.buf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n;
}

void seccomp_notify_send(struct seccomp_plan *sp, int notify_fd, int sync_fd)
{
  for (int i = 0; i < 2; i++)
    put_pid(sp->state_json + sp->pid_at[i], sp->host_pid);
  ssize_t n = send_with_fd(sp->listener_fd, sp->state_json, sp->state_len, notify_fd);
  if (n < 0)
    sync_fail(sync_fd, errno, "send the seccomp notify fd to the listener", NULL, NULL, NULL);
  /* A stream socket may take a long document in parts; the fd went first. */
  if ((size_t)n < sp->state_len &&
      util_write_all(sp->listener_fd, sp->state_json + n, sp->state_len - (size_t)n) < 0)
    sync_fail(sync_fd, errno, "send the containerProcessState to the listener", NULL, NULL, NULL);
  close(notify_fd);
  close(sp->listener_fd);
  sp->listener_fd = -1;
}
