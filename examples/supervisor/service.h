/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* service.h - the supervisor's run-time state of its services. */
#ifndef SERVICE_H
#define SERVICE_H

#include <limits.h>
#include <poll.h>

#include "supervisor.h"

#define SV_MAX_CLIENTS 8
#define SV_STABLE_MS   10000 /* healthy this long: the backoff starts afresh */
#define SV_STOP_MS     3000  /* SIGTERM -> SIGKILL */

enum sv_state {
  SV_WAITING, /* for its dependencies */
  SV_RUNNING,
  SV_BACKOFF, /* exited; restarts at restart_at */
  SV_STOPPED, /* exited 0 and not restarted */
  SV_FAILED,  /* exited non-zero (or could not start) and not restarted */
};

struct service {
  const struct sv_spec *spec;
  char name[SV_NAME_MAX];
  enum sv_state state;
  char id[SV_NAME_MAX + 16]; /* container id: NAME-GENERATION */
  unsigned generation;
  mr_container *c;
  /* A container adopted after a supervisor restart: not our child, so it is
   * watched through a pidfd (or kill(pid, 0)) and its status is unknown. */
  pid_t adopted_pid;
  int adopted_fd;
  /* The manifest the current spec came from (an update's), NULL: the
   * command line's; recorded in the state file. */
  const char *spec_manifest;
  const char *next_manifest;
  unsigned restarts, failures;
  int last_status;
  long long started_at, restart_at, healthy_since, next_health_at, stop_deadline;
  bool healthy, stop_requested;
  /* An update in progress (update.c): the new revision's spec and, for a
   * hand-over, its container running beside the current one. */
  const struct sv_spec *next_spec;
  mr_container *next_c;
  char next_id[SV_NAME_MAX + 16];
  long long next_started_at, next_check_at, next_deadline;
  int pending_fd; /* the control client waiting for the update's result */
};

struct sv_client {
  int fd;
  char buf[512];
  size_t len;
};

#define SV_MAX_UPDATES 16

struct sv {
  struct sv_manifest manifest;
  /* Manifests loaded by updates: their specs are in use until exit. */
  struct sv_manifest *updates[SV_MAX_UPDATES];
  size_t n_updates;
  struct service svc[SV_MAX_SERVICES];
  size_t n;
  mr_context *ctx;
  char state_dir[PATH_MAX - 64];
  char control_path[PATH_MAX];
  int listen_fd;
  struct sv_client clients[SV_MAX_CLIENTS];
  bool stopping;
  char manifest_path[PATH_MAX];
};

long long sv_now_ms(void);
struct service *sv_find(const struct sv *sv, const char *name);
const char *sv_state_name(enum sv_state st);
bool sv_has_health(const struct sv_spec *spec);

/* The init of the service's current container (0: none) and its pollfd. */
pid_t sv_pid(const struct service *s);
int sv_pollfd(const struct service *s);
/* The current container exists (ours or adopted). */
bool sv_alive(const struct service *s);

/* service.c */
void sv_services_init(struct sv *sv);
void sv_services_free(struct sv *sv);
int sv_service_start(struct sv *sv, struct service *s);
void sv_service_stop(struct sv *sv, struct service *s);
void sv_service_forget(struct sv *sv, struct service *s, int status);
void sv_health_check(struct sv *sv, struct service *s);
bool sv_probe(const struct sv_spec *spec, pid_t pid);
/* Stops container `id` now: SIGTERM, SIGKILL after SV_STOP_MS, reaped,
 * deleted, handle freed (*c = NULL). Blocks up to SV_STOP_MS + a little. */
void sv_stop_now(struct sv *sv, mr_container **c, const char *id);
/* sv_stop_now of the current container, ours or adopted. */
void sv_stop_current(struct sv *sv, struct service *s);
/* Takes over container s->id (running, not our child). */
int sv_adopt(struct sv *sv, struct service *s);
/* 1 and the status (255: unknown) when the current container's init exited. */
int sv_exited(struct service *s, int *status);

/* netjoin.c: the config of `spec`, joining the network namespace of `pid`. */
int sv_config_joining(struct sv *sv, const struct sv_spec *spec, pid_t pid, mr_config **out,
                      mr_error **err, char *why, size_t len);

/* update.c */
/* Starts the update of service `name` to its spec in manifest `path`,
 * answered on control client `fd`: 1 when pending (answered later), 0 when
 * done, < 0 on error (why). */
int sv_update_begin(struct sv *sv, const char *name, const char *path, int fd, char *why,
                    size_t len);
/* Advances hand-overs in progress; returns ms until the next check, -1. */
int sv_update_step(struct sv *sv);
void sv_updates_free(struct sv *sv);
const struct sv_spec *sv_load_spec(struct sv *sv, const char *name, const char *path, char *why,
                                   size_t len);

/* state.c: DIR/state.json, written atomically (tmp, fsync, rename, fsync
 * of the directory) at every step that changes which container is whose. */
int sv_state_save(struct sv *sv);
/* After a restart: adopts running containers, completes or rolls back an
 * interrupted update. Before the loop starts. */
void sv_state_recover(struct sv *sv);
/* Test hook: MINIRUN_SUPERVISOR_CRASH_AT=STEP kills the supervisor with
 * SIGKILL at STEP (a power cut there). */
void sv_crash_point(const char *step);
void sv_stop_all(struct sv *sv);

/* control.c */
int sv_control_open(struct sv *sv, char *why, size_t len);
void sv_control_close(struct sv *sv);
size_t sv_control_pollfds(struct sv *sv, struct pollfd *p);
void sv_control_handle(struct sv *sv, const struct pollfd *p);
/* Answers and closes a control client left waiting (update). */
void sv_control_answer(struct sv *sv, int fd, const char *line);
int sv_ctl_main(int argc, char **argv);
/* A line "supervisor: ..." on stdout, flushed (supervisor.c). */
void sv_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
