/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ops-resources.c - the public calls on a container's resources: update
 * (new limits) and stats (usage). The cgroup directories come from
 * state.json, so any process can call them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container.h"
#include "context.h"
#include "state.h"
#include "util.h"

struct mr_stats {
  struct cg_stats s;
};

static int load(mr_context *ctx, const char *id, int *dirfd, struct state_record **rec,
                mr_error **err)
{
  if (ctx == NULL)
    return mr_err(err, -EINVAL, "no context");
  int r = state_dir_lock(ctx, id, dirfd, err);
  if (r == 0)
    r = state_load(*dirfd, id, rec, err);
  if (r == 0 && (*rec)->n_cgroup_paths == 0)
    r = mr_err(err, -ENOTSUP, "container '%s' has no cgroup (it was created with cgroups disabled)",
               id);
  return r;
}

int mr_container_update(mr_context *ctx, const char *id, const char *json, size_t len,
                        mr_error **err)
{
  cleanup_close int dirfd = -1;
  struct state_record *rec = NULL;
  struct spec_resources *res = NULL;
  int r = load(ctx, id, &dirfd, &rec, err);
  if (r == 0 && state_status(dirfd, rec) == MR_STATUS_STOPPED)
    r = mr_err(err, -EINVAL, "container '%s' is stopped", id);
  if (r == 0)
    r = spec_parse_resources(json, len, "update", &res, err);
  /* New device rules must keep the config's own nodes usable. */
  mr_config *cfg = NULL;
  if (r == 0 && res->n_devices > 0 && config_load_saved(dirfd, rec->bundle, &cfg, NULL) < 0)
    mr_warn(ctx, "container '%s': no saved config.json: its linux.devices are not re-allowed", id);
  if (r == 0) {
    r = cg_resources_update(ctx, rec->cgroup_paths, rec->n_cgroup_paths, res,
                            cfg != NULL ? cfg->spec : NULL, err);
    if (r < 0)
      mr_err_prefix(err, r, "update");
  }
  if (r == 0)
    mr_debug(ctx, "container '%s': resources updated", id);
  mr_config_free(cfg);
  spec_resources_free(res);
  state_record_free(rec);
  return r;
}

int mr_container_stats(mr_context *ctx, const char *id, mr_stats **out, mr_error **err)
{
  if (out == NULL)
    return mr_err(err, -EINVAL, "mr_container_stats: NULL output");
  *out = NULL;
  cleanup_close int dirfd = -1;
  struct state_record *rec = NULL;
  int r = load(ctx, id, &dirfd, &rec, err);
  mr_stats *st = NULL;
  if (r == 0 && (st = calloc(1, sizeof(*st))) == NULL)
    r = mr_err(err, -ENOMEM, "out of memory");
  if (r == 0 && cg_stats_read(rec->cgroup_paths, rec->n_cgroup_paths, &st->s) < 0)
    r = mr_err(err, -ENOENT, "container '%s': its cgroups are gone", id);
  state_record_free(rec);
  if (r < 0) {
    free(st);
    return r;
  }
  *out = st;
  return 0;
}

uint64_t mr_stats_memory_usage(const mr_stats *s)
{
  return s != NULL && s->s.has_memory_usage ? s->s.memory_usage : UINT64_MAX;
}

uint64_t mr_stats_memory_peak(const mr_stats *s)
{
  return s != NULL && s->s.has_memory_peak ? s->s.memory_peak : UINT64_MAX;
}

uint64_t mr_stats_oom_kills(const mr_stats *s)
{
  return s != NULL && s->s.has_oom_kills ? s->s.oom_kills : UINT64_MAX;
}

uint64_t mr_stats_pids_current(const mr_stats *s)
{
  return s != NULL && s->s.has_pids_current ? s->s.pids_current : UINT64_MAX;
}

uint64_t mr_stats_cpu_usage_ns(const mr_stats *s)
{
  return s != NULL && s->s.has_cpu_usage ? s->s.cpu_usage_ns : UINT64_MAX;
}

void mr_stats_free(mr_stats *s)
{
  free(s);
}
