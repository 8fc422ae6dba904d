/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervisor.c - a small firmware daemon on libminirun (see README.md).
 *
 *   minirun-supervisor [--state-dir DIR] MANIFEST
 *   minirun-supervisor ctl SOCKET COMMAND...      (the control client)
 *
 * Starts the manifest's services in dependency order (a service starts once
 * the services it depends on run and, when they have a health check, are
 * healthy), restarts them by their policy with exponential backoff, checks
 * their health, updates them (update.c) and answers on DIR/control.sock
 * (status, stop, update SERVICE MANIFEST). One thread,
 * one poll() loop: the containers' pidfds, the control socket, a signalfd
 * for SIGTERM/SIGINT, timers. The library does the containers; this file
 * only decides when.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "service.h"

/* One line of the supervisor's log on stdout (the tests read it). */
void sv_say(const char *fmt, ...)
{
  va_list ap;
  printf("supervisor: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

/* The library's warnings and errors, prefixed. */
static void lib_log(void *userdata, enum mr_log_level level, const char *message)
{
  (void)userdata;
  fprintf(stderr, "supervisor: [libminirun %s] %s\n", level == MR_LOG_ERROR ? "error" : "warning",
          message);
}

long long sv_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------ */
/* Decisions                                                                 */
/* ------------------------------------------------------------------------ */

/* True once every dependency of `s` runs and, if it has a check, is healthy. */
static bool deps_ready(const struct sv *sv, const struct service *s)
{
  for (size_t d = 0; d < s->spec->n_deps; d++) {
    const struct service *dep = sv_find(sv, s->spec->deps[d]);
    if (!dep || dep->state != SV_RUNNING || !dep->healthy)
      return false;
  }
  return true;
}

/* The delay before restart number `failures` (1, 2, ...): initial * 2^(n-1),
 * capped. */
static unsigned backoff_ms(const struct sv_spec *spec, unsigned failures)
{
  unsigned long long d = spec->backoff_initial_ms;
  for (unsigned i = 1; i < failures && d < spec->backoff_max_ms; i++)
    d *= 2;
  return d > spec->backoff_max_ms ? spec->backoff_max_ms : (unsigned)d;
}

/* A service whose init exited (status already reaped): restart or not. */
static void decide_restart(struct sv *sv, struct service *s)
{
  int status = s->last_status;
  bool failed = status != 0;
  if (sv->stopping || s->stop_requested || s->spec->restart == SV_RESTART_NO ||
      (s->spec->restart == SV_RESTART_ON_FAILURE && !failed)) {
    s->state = failed ? SV_FAILED : SV_STOPPED;
    sv_say("%s exited with status %d; %s", s->name, status,
           s->state == SV_FAILED ? "failed, not restarted" : "stopped");
    return;
  }
  /* A service that ran healthy for a while starts its backoff afresh. */
  if (s->healthy_since && sv_now_ms() - s->healthy_since > SV_STABLE_MS)
    s->failures = 0;
  s->failures++;
  unsigned delay = backoff_ms(s->spec, s->failures);
  s->restart_at = sv_now_ms() + delay;
  s->state = SV_BACKOFF;
  sv_say("%s exited with status %d; restart %u in %u ms", s->name, status, s->failures, delay);
}

/* Runs the decisions due now; returns the ms until the next timer (-1: none). */
static int step(struct sv *sv)
{
  long long now = sv_now_ms(), next = -1;
  for (size_t i = 0; i < sv->n; i++) {
    struct service *s = &sv->svc[i];
    bool due = (s->state == SV_WAITING && deps_ready(sv, s)) ||
               (s->state == SV_BACKOFF && now >= s->restart_at);
    if (!sv->stopping && due && sv_service_start(sv, s) < 0)
      decide_restart(sv, s);
    if (!sv->stopping && s->state == SV_BACKOFF && (next < 0 || s->restart_at < next))
      next = s->restart_at;
    if (s->state == SV_RUNNING && s->stop_requested) {
      sv_service_stop(sv, s); /* escalates to SIGKILL at the deadline */
      if (next < 0 || s->stop_deadline < next)
        next = s->stop_deadline;
    }
    if (s->state == SV_RUNNING && sv_has_health(s->spec)) {
      if (now >= s->next_health_at)
        sv_health_check(sv, s);
      if (next < 0 || s->next_health_at < next)
        next = s->next_health_at;
    }
  }
  int t = next < 0 ? -1 : (int)(next > now ? next - now : 0);
  int u = sv_update_step(sv);
  return u >= 0 && (t < 0 || u < t) ? u : t;
}

/* Reaps every service whose init exited. */
static void reap_exited(struct sv *sv)
{
  for (size_t i = 0; i < sv->n; i++) {
    struct service *s = &sv->svc[i];
    int status = -1;
    if (s->state != SV_RUNNING || !sv_alive(s) || !sv_exited(s, &status))
      continue;
    sv_service_forget(sv, s, status);
    decide_restart(sv, s);
    sv_state_save(sv);
  }
}

static bool all_down(const struct sv *sv)
{
  for (size_t i = 0; i < sv->n; i++)
    if (sv->svc[i].state == SV_RUNNING)
      return false;
  return true;
}

/* Stops every service, dependents first (reverse manifest order). */
void sv_stop_all(struct sv *sv)
{
  if (!sv->stopping)
    sv_say("stopping");
  sv->stopping = true;
  for (size_t i = sv->n; i-- > 0;)
    if (sv->svc[i].state == SV_RUNNING)
      sv_service_stop(sv, &sv->svc[i]);
}

/* ------------------------------------------------------------------------ */
/* The loop                                                                  */
/* ------------------------------------------------------------------------ */

static int run_loop(struct sv *sv, int sigfd)
{
  for (;;) {
    int timeout = step(sv);
    if (sv->stopping && all_down(sv))
      return 0;
    struct pollfd p[2 + SV_MAX_SERVICES + SV_MAX_CLIENTS];
    size_t n = 0;
    p[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    n += sv_control_pollfds(sv, p + n);
    bool fallback = false;
    for (size_t i = 0; i < sv->n; i++) {
      const struct service *s = &sv->svc[i];
      if (s->state == SV_RUNNING && sv_alive(s)) {
        int fd = sv_pollfd(s);
        fallback |= fd < 0;
        p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
      }
    }
    /* Without pidfds (kernels before 5.3), look every 100 ms. */
    if (fallback && (timeout < 0 || timeout > 100))
      timeout = 100;
    if (poll(p, n, timeout) < 0 && errno != EINTR) {
      perror("supervisor: poll");
      return 1;
    }
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        sv_stop_all(sv);
    }
    sv_control_handle(sv, p + 1);
    reap_exited(sv);
  }
}

static int usage(void)
{
  fprintf(stderr, "usage: minirun-supervisor [--state-dir DIR] MANIFEST\n"
                  "       minirun-supervisor ctl SOCKET COMMAND...\n");
  return 2;
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"state-dir", required_argument, NULL, 'd'},
      {NULL, 0, NULL, 0},
  };
  static struct sv sv;
  const char *state_dir = "/run/minirun-supervisor";
  char why[512], path[PATH_MAX];
  int opt;

  if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
    return sv_ctl_main(argc - 1, argv + 1);
  while ((opt = getopt_long(argc, argv, "d:", longopts, NULL)) != -1) {
    if (opt != 'd')
      return usage();
    state_dir = optarg;
  }
  if (argc - optind != 1)
    return usage();
  if (sv_manifest_load(argv[optind], &sv.manifest, why, sizeof why) < 0) {
    fprintf(stderr, "supervisor: manifest %s\n", why);
    return 1;
  }
  if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
    fprintf(stderr, "supervisor: %s: %s\n", state_dir, strerror(errno));
    return 1;
  }
  snprintf(sv.state_dir, sizeof sv.state_dir, "%s", state_dir);
  snprintf(path, sizeof path, "%s/containers", state_dir);
  mr_error *err = NULL;
  if (mr_context_new(path, &sv.ctx, &err) < 0) {
    fprintf(stderr, "supervisor: %s\n", mr_error_message(err));
    mr_error_free(err);
    return 1;
  }
  mr_context_set_log(sv.ctx, lib_log, NULL, MR_LOG_WARNING);

  /* SIGTERM/SIGINT arrive through a signalfd in the loop; SIGPIPE from a
   * control client that went away is ignored. */
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sigfd < 0 || sv_control_open(&sv, why, sizeof why) < 0) {
    fprintf(stderr, "supervisor: %s\n", sigfd < 0 ? strerror(errno) : why);
    return 1;
  }
  snprintf(sv.manifest_path, sizeof sv.manifest_path, "%s", argv[optind]);
  sv_services_init(&sv);
  sv_state_recover(&sv);
  sv_say("supervising %zu services (control socket %s)", sv.n, sv.control_path);
  int rc = run_loop(&sv, sigfd);
  sv_say("stopped");
  sv_control_close(&sv);
  close(sigfd);
  sv_services_free(&sv);
  sv_updates_free(&sv);
  mr_context_free(sv.ctx);
  sv_manifest_free(&sv.manifest);
  return rc;
}
