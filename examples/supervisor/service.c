/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * service.c - starting, stopping and checking one service through the
 * library. Each start is a new container NAME-GENERATION, so an old and a
 * new revision can run side by side during a hand-over update.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service.h"

#define HEALTH_CONNECT_MS 500
#define HEALTH_EXEC_MS    2000

struct service *sv_find(const struct sv *sv, const char *name)
{
  for (size_t i = 0; i < sv->n; i++)
    if (strcmp(sv->svc[i].name, name) == 0)
      return (struct service *)&sv->svc[i];
  return NULL;
}

const char *sv_state_name(enum sv_state st)
{
  static const char *const names[] = {"waiting", "running", "backoff", "stopped", "failed"};
  return names[st];
}

bool sv_has_health(const struct sv_spec *spec)
{
  return spec->health_port > 0 || spec->health_exec != NULL;
}

pid_t sv_pid(const struct service *s)
{
  return s->c ? mr_container_pid(s->c) : s->adopted_pid;
}

int sv_pollfd(const struct service *s)
{
  return s->c ? mr_container_pollfd(s->c) : s->adopted_pid > 0 ? s->adopted_fd : -1;
}

bool sv_alive(const struct service *s)
{
  return s->c != NULL || s->adopted_pid > 0;
}

void sv_services_init(struct sv *sv)
{
  sv->n = sv->manifest.n;
  for (size_t i = 0; i < sv->n; i++) {
    struct service *s = &sv->svc[i];
    memset(s, 0, sizeof *s);
    s->spec = &sv->manifest.services[i];
    snprintf(s->name, sizeof s->name, "%s", s->spec->name);
    s->state = SV_WAITING;
    s->pending_fd = -1;
    s->adopted_fd = -1;
  }
}

void sv_services_free(struct sv *sv)
{
  for (size_t i = 0; i < sv->n; i++) {
    mr_container_free(sv->svc[i].c);
    mr_container_free(sv->svc[i].next_c);
    sv->svc[i].c = sv->svc[i].next_c = NULL;
  }
}

void sv_stop_now(struct sv *sv, mr_container **c, const char *id)
{
  if (*c == NULL)
    return;
  int status;
  mr_container_kill(sv->ctx, id, SIGTERM, 0, NULL);
  struct pollfd p = {.fd = mr_container_pollfd(*c), .events = POLLIN};
  long long deadline = sv_now_ms() + SV_STOP_MS;
  while (mr_container_wait(*c, 1, &status, NULL) == -EAGAIN && sv_now_ms() < deadline)
    poll(&p, p.fd >= 0 ? 1 : 0, 50);
  mr_container_delete(sv->ctx, id, 1, NULL); /* SIGKILL if still there */
  mr_container_wait(*c, 0, &status, NULL);
  mr_container_free(*c);
  *c = NULL;
  printf("supervisor: %s stopped\n", id);
  fflush(stdout);
}

/* The config of `s`: its bundle, or, with network_from, its bundle joined to
 * that service's network namespace. */
static int load_config(struct sv *sv, const struct service *s, mr_config **cfg, mr_error **err,
                       char *why, size_t len)
{
  if (!s->spec->network_from)
    return mr_config_load_bundle(sv->ctx, s->spec->bundle, cfg, err);
  const struct service *from = sv_find(sv, s->spec->network_from);
  pid_t pid = from ? sv_pid(from) : 0;
  if (pid <= 0) {
    snprintf(why, len, "network_from: service '%s' is not running", s->spec->network_from);
    return -ESRCH;
  }
  return sv_config_joining(sv, s->spec, pid, cfg, err, why, len);
}

/* Creates and starts generation+1 of `s`. On failure last_status is 255 and
 * the caller applies the restart policy, as for a crash. */
int sv_service_start(struct sv *sv, struct service *s)
{
  mr_config *cfg = NULL;
  mr_error *err = NULL;
  s->generation++;
  snprintf(s->id, sizeof s->id, "%s-%u", s->name, s->generation);
  /* The intent first: a restart finds the id even if we die in between. */
  sv_state_save(sv);
  /* A leftover of an earlier supervisor run with the same id goes first. */
  mr_container_delete(sv->ctx, s->id, 1, NULL);
  char why[512] = "";
  int r = load_config(sv, s, &cfg, &err, why, sizeof why);
  if (r == 0)
    r = mr_container_run(sv->ctx, s->id, cfg, NULL, &s->c, &err);
  mr_config_free(cfg);
  if (r < 0) {
    printf("supervisor: %s: start failed: %s\n", s->id,
           err      ? mr_error_message(err)
           : why[0] ? why
                    : strerror(-r));
    fflush(stdout);
    mr_error_free(err);
    s->c = NULL;
    s->last_status = 255; /* the caller's restart policy decides, as for a crash */
    return r;
  }
  if (s->state == SV_BACKOFF)
    s->restarts++;
  s->state = SV_RUNNING;
  s->started_at = sv_now_ms();
  s->healthy = !sv_has_health(s->spec);
  s->healthy_since = s->healthy ? s->started_at : 0;
  s->next_health_at = s->started_at;
  s->stop_requested = false;
  printf("supervisor: %s started (pid %d)\n", s->id, (int)mr_container_pid(s->c));
  fflush(stdout);
  return 0;
}

/* Asks the service to stop: SIGTERM now; reap_exited() sees it go. After
 * SV_STOP_MS the container is killed and removed. */
void sv_service_stop(struct sv *sv, struct service *s)
{
  if (s->state != SV_RUNNING || !sv_alive(s))
    return;
  if (!s->stop_requested) {
    s->stop_requested = true;
    s->stop_deadline = sv_now_ms() + SV_STOP_MS;
    mr_container_kill(sv->ctx, s->id, SIGTERM, 0, NULL);
    return;
  }
  if (sv_now_ms() >= s->stop_deadline)
    mr_container_delete(sv->ctx, s->id, 1, NULL); /* SIGKILL, then removed */
}

/* The init of `s` is gone (reaped, status given): remove the container and
 * free the handle. */
void sv_service_forget(struct sv *sv, struct service *s, int status)
{
  s->last_status = status;
  if (sv_alive(s))
    mr_container_delete(sv->ctx, s->id, 1, NULL);
  mr_container_free(s->c);
  s->c = NULL;
  if (s->adopted_fd >= 0)
    close(s->adopted_fd);
  s->adopted_fd = -1;
  s->adopted_pid = 0;
  s->healthy = false;
}

/* ------------------------------------------------------------------------ */
/* Health checks                                                             */
/* ------------------------------------------------------------------------ */

/* Connects to 127.0.0.1:port within HEALTH_CONNECT_MS. */
static bool tcp_ok(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (fd < 0)
    return false;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int e = 0;
    socklen_t l = sizeof e;
    ok = poll(&p, 1, HEALTH_CONNECT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 &&
         e == 0;
  }
  close(fd);
  return ok;
}

/* Runs argv inside the container of `pid` (its namespaces; a second fork
 * enters the pid namespace) and waits at most HEALTH_EXEC_MS. */
static bool exec_ok(pid_t pid, char **argv)
{
  static const char *const ns[] = {"ipc", "uts", "net", "pid", "mnt"};
  pid_t child = fork();
  if (child < 0)
    return false;
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
      char p[64];
      snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)pid, ns[i]);
      int fd = open(p, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, 0) < 0)
        _exit(126);
      close(fd);
    }
    pid_t inner = fork();
    if (inner == 0) {
      int null = open("/dev/null", O_RDWR);
      if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
      }
      execvp(argv[0], argv);
      _exit(127);
    }
    int st = 0;
    while (inner > 0 && waitpid(inner, &st, 0) < 0 && errno == EINTR)
      ;
    _exit(inner > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 126);
  }
  long long deadline = sv_now_ms() + HEALTH_EXEC_MS;
  int st = 0;
  pid_t r;
  while ((r = waitpid(child, &st, WNOHANG)) == 0 && sv_now_ms() < deadline)
    usleep(10000);
  if (r == 0) {
    kill(child, SIGKILL);
    waitpid(child, &st, 0);
    return false;
  }
  return r == child && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void sv_stop_current(struct sv *sv, struct service *s)
{
  if (s->c) {
    sv_stop_now(sv, &s->c, s->id);
    return;
  }
  if (s->adopted_pid <= 0)
    return;
  /* Not our child: SIGTERM, watch it go, then delete (SIGKILL if needed). */
  mr_container_kill(sv->ctx, s->id, SIGTERM, 0, NULL);
  long long deadline = sv_now_ms() + SV_STOP_MS;
  while (kill(s->adopted_pid, 0) == 0 && sv_now_ms() < deadline)
    usleep(20000);
  sv_service_forget(sv, s, 255);
  printf("supervisor: %s stopped\n", s->id);
  fflush(stdout);
}

int sv_adopt(struct sv *sv, struct service *s)
{
  mr_state *st = NULL;
  if (mr_state_get(sv->ctx, s->id, &st, NULL) < 0)
    return -ENOENT;
  pid_t pid = mr_state_status(st) == MR_STATUS_RUNNING ? mr_state_pid(st) : 0;
  mr_state_free(st);
  if (pid <= 0)
    return -ESRCH;
  s->adopted_pid = pid;
  s->adopted_fd = (int)syscall(SYS_pidfd_open, pid, 0); /* -1 before 5.3: polled */
  s->state = SV_RUNNING;
  s->started_at = sv_now_ms();
  s->healthy = !sv_has_health(s->spec) || sv_probe(s->spec, pid);
  s->healthy_since = s->healthy ? s->started_at : 0;
  s->next_health_at = s->started_at;
  printf("supervisor: %s adopted (pid %d)\n", s->id, (int)pid);
  fflush(stdout);
  return 0;
}

int sv_exited(struct service *s, int *status)
{
  if (s->c) {
    int r = mr_container_wait(s->c, 1, status, NULL);
    if (r == -EAGAIN)
      return 0;
    if (r < 0)
      *status = 255;
    return 1;
  }
  if (s->adopted_pid <= 0 || kill(s->adopted_pid, 0) == 0)
    return 0;
  *status = 255; /* reaped by whoever inherited it */
  return 1;
}

/* One health check of `spec` against the container whose init is `pid`. */
bool sv_probe(const struct sv_spec *spec, pid_t pid)
{
  if (spec->health_port > 0)
    return tcp_ok(spec->health_port);
  if (spec->health_exec)
    return exec_ok(pid, spec->health_exec);
  return true;
}

void sv_health_check(struct sv *sv, struct service *s)
{
  long long now = sv_now_ms();
  bool ok = sv_probe(s->spec, sv_pid(s));
  s->next_health_at = now + s->spec->health_interval_ms;
  if (ok && !s->healthy) {
    s->healthy = true;
    s->healthy_since = now;
    printf("supervisor: %s healthy after %lld ms\n", s->id, now - s->started_at);
    fflush(stdout);
  } else if (!ok && s->healthy) {
    s->healthy = false;
    s->healthy_since = 0;
    printf("supervisor: %s unhealthy\n", s->id);
    fflush(stdout);
  }
  /* Never healthy within its timeout: kill it, the restart policy decides. */
  if (!s->healthy && !s->stop_requested && now - s->started_at > s->spec->health_timeout_ms) {
    printf("supervisor: %s not healthy within %u ms: killing it\n", s->id,
           s->spec->health_timeout_ms);
    fflush(stdout);
    mr_container_kill(sv->ctx, s->id, SIGKILL, 0, NULL);
  }
}
