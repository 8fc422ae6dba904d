/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * update.c - `update SERVICE MANIFEST`: moves a service to the revision
 * that MANIFEST names for it, with the strategy of the new spec:
 *
 *   download-then-kill  load (validate) the new bundle, stop the old
 *                       revision, start the new one
 *   kill-then-download  stop the old revision, load the new bundle, start
 *   hand-over           start the new revision beside the old one; once it
 *                       passes its health check ("marks itself stable") the
 *                       old one is stopped; if it is not healthy within its
 *                       health_timeout_ms (or exits), it is stopped and the
 *                       old one keeps running: rollback
 *
 * When the new revision cannot be loaded or started, the old spec is
 * started again (rollback) and the client gets an error. Bundles are never
 * removed: the old revision's files stay until the host removes them, which
 * is safe once `status` shows the new generation running and healthy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

/* Loads `path` and keeps it (its specs stay in use); the spec of `name`. */
const struct sv_spec *sv_load_spec(struct sv *sv, const char *name, const char *path, char *why,
                                   size_t len)
{
  if (sv->n_updates == SV_MAX_UPDATES) {
    snprintf(why, len, "too many updates in one run (%d)", SV_MAX_UPDATES);
    return NULL;
  }
  struct sv_manifest *m = calloc(1, sizeof *m);
  if (!m || sv_manifest_load(path, m, why, len) < 0) {
    free(m);
    return NULL;
  }
  sv->updates[sv->n_updates++] = m;
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->services[i].name, name) == 0)
      return &m->services[i];
  snprintf(why, len, "%s names no service '%s'", path, name);
  return NULL;
}

/* The new bundle's config loads ("download"): the only check a start needs
 * before the old revision goes. */
static int bundle_loads(struct sv *sv, const struct sv_spec *spec, char *why, size_t len)
{
  mr_config *cfg = NULL;
  mr_error *err = NULL;
  int r = mr_config_load_bundle(sv->ctx, spec->bundle, &cfg, &err);
  if (r < 0)
    snprintf(why, len, "%s", err ? mr_error_message(err) : strerror(-r));
  mr_error_free(err);
  mr_config_free(cfg);
  return r;
}

/* Stops the current revision and starts `spec`; back to `old` on failure. */
static int replace(struct sv *sv, struct service *s, const struct sv_spec *spec,
                   const struct sv_spec *old, char *why, size_t len)
{
  sv_stop_current(sv, s);
  s->spec = spec;
  s->spec_manifest = s->next_manifest;
  if (sv_service_start(sv, s) == 0)
    return 0;
  snprintf(why, len, "%s failed to start; rolled back", s->id);
  s->spec = old;
  s->spec_manifest = NULL;
  if (sv_service_start(sv, s) < 0)
    s->state = SV_FAILED;
  return -EIO;
}

/* Starts the new revision beside the current one. */
static int hand_over_begin(struct sv *sv, struct service *s, const struct sv_spec *spec, int fd,
                           char *why, size_t len)
{
  mr_config *cfg = NULL;
  mr_error *err = NULL;
  snprintf(s->next_id, sizeof s->next_id, "%s-%u", s->name, ++s->generation);
  sv_state_save(sv); /* the intent first */
  sv_crash_point("handover-intent");
  mr_container_delete(sv->ctx, s->next_id, 1, NULL);
  int r = mr_config_load_bundle(sv->ctx, spec->bundle, &cfg, &err);
  if (r == 0)
    r = mr_container_run(sv->ctx, s->next_id, cfg, NULL, &s->next_c, &err);
  mr_config_free(cfg);
  if (r < 0) {
    snprintf(why, len, "%s: %s; the old revision keeps running", s->next_id,
             err ? mr_error_message(err) : strerror(-r));
    mr_error_free(err);
    s->next_c = NULL;
    s->next_id[0] = '\0';
    sv_state_save(sv);
    return r;
  }
  s->next_spec = spec;
  s->next_started_at = s->next_check_at = sv_now_ms();
  s->next_deadline = s->next_started_at + spec->health_timeout_ms;
  s->pending_fd = fd;
  sv_say("%s started beside %s (hand-over)", s->next_id, s->id);
  sv_crash_point("handover-started");
  return 1;
}

int sv_update_begin(struct sv *sv, const char *name, const char *path, int fd, char *why,
                    size_t len)
{
  struct service *s = sv_find(sv, name);
  if (!s) {
    snprintf(why, len, "no service '%s'", name);
    return -ENOENT;
  }
  if (s->next_c || s->pending_fd >= 0 || s->state != SV_RUNNING || sv->stopping) {
    snprintf(why, len, "service '%s' is %s: updates only a running service, one at a time", name,
             s->next_c ? "updating" : sv_state_name(s->state));
    return -EBUSY;
  }
  const struct sv_spec *spec = sv_load_spec(sv, name, path, why, len);
  if (!spec)
    return -EINVAL;
  const struct sv_spec *old = s->spec;
  s->next_manifest = sv->updates[sv->n_updates - 1]->path;
  sv_say("updating %s (%s)", name, sv_update_name(spec->update));
  switch (spec->update) {
  case SV_UPDATE_HAND_OVER:
    return hand_over_begin(sv, s, spec, fd, why, len);
  case SV_UPDATE_DOWNLOAD_THEN_KILL:
    if (bundle_loads(sv, spec, why, len) < 0)
      return -EINVAL; /* nothing was touched */
    return replace(sv, s, spec, old, why, len);
  case SV_UPDATE_KILL_THEN_DOWNLOAD:
    sv_stop_current(sv, s);
    if (bundle_loads(sv, spec, why, len) < 0) {
      /* The old revision is gone already: bring it back. */
      char reason[256];
      snprintf(reason, sizeof reason, "%s", why);
      snprintf(why, len, "%s; rolled back", reason);
      if (sv_service_start(sv, s) < 0)
        s->state = SV_FAILED;
      return -EINVAL;
    }
    return replace(sv, s, spec, old, why, len);
  }
  return -EINVAL;
}

static void finish(struct sv *sv, struct service *s, const char *answer)
{
  s->next_spec = NULL;
  s->next_manifest = NULL;
  s->next_id[0] = '\0';
  sv_state_save(sv);
  if (s->pending_fd >= 0)
    sv_control_answer(sv, s->pending_fd, answer);
  s->pending_fd = -1;
}

/* The new revision is stable: it becomes the current one. */
static void promote(struct sv *sv, struct service *s)
{
  sv_say("%s healthy: stopping %s", s->next_id, s->id);
  sv_crash_point("handover-healthy");
  sv_stop_current(sv, s);
  sv_crash_point("handover-old-stopped");
  s->c = s->next_c;
  s->next_c = NULL;
  memcpy(s->id, s->next_id, sizeof s->id);
  s->spec = s->next_spec;
  s->spec_manifest = s->next_manifest;
  s->state = SV_RUNNING; /* also when the old one had crashed meanwhile */
  s->stop_requested = false;
  s->started_at = s->next_started_at;
  s->healthy = true;
  s->healthy_since = sv_now_ms();
  s->next_health_at = s->healthy_since + s->spec->health_interval_ms;
  s->failures = 0;
  sv_say("%s updated: %s runs", s->name, s->id);
  finish(sv, s, "ok\n");
}

static void roll_back(struct sv *sv, struct service *s, const char *why)
{
  char answer[256];
  sv_say("%s %s: rolling back", s->next_id, why);
  sv_stop_now(sv, &s->next_c, s->next_id);
  snprintf(answer, sizeof answer, "error %s %s; rolled back, %s keeps running\n", s->next_id, why,
           s->id);
  finish(sv, s, answer);
}

int sv_update_step(struct sv *sv)
{
  long long now = sv_now_ms(), next = -1;
  for (size_t i = 0; i < sv->n; i++) {
    struct service *s = &sv->svc[i];
    if (!s->next_c)
      continue;
    int status;
    if (sv->stopping) {
      roll_back(sv, s, "interrupted by stop");
    } else if (mr_container_wait(s->next_c, 1, &status, NULL) != -EAGAIN) {
      roll_back(sv, s, "exited");
    } else if (now >= s->next_check_at) {
      if (sv_probe(s->next_spec, mr_container_pid(s->next_c)))
        promote(sv, s);
      else if (now >= s->next_deadline)
        roll_back(sv, s, "not healthy in time");
      else
        s->next_check_at = now + s->next_spec->health_interval_ms;
    }
    if (s->next_c && (next < 0 || s->next_check_at < next))
      next = s->next_check_at;
  }
  return next < 0 ? -1 : (int)(next > now ? next - now : 0);
}

void sv_updates_free(struct sv *sv)
{
  for (size_t i = 0; i < sv->n_updates; i++) {
    sv_manifest_free(sv->updates[i]);
    free(sv->updates[i]);
  }
  sv->n_updates = 0;
}
