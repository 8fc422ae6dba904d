/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ops-cgroup.c - the public calls that act on a container through its
 * cgroups: pause, resume and the list of its processes. The cgroup
 * directories come from state.json (cgroupPaths), so any process can call
 * them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/place.h"
#include "context.h"
#include "state.h"
#include "util.h"

struct locked {
  int dirfd;
  struct state_record *rec;
};

static void locked_release(struct locked *l)
{
  if (l->dirfd >= 0)
    close(l->dirfd);
  state_record_free(l->rec);
}
#define cleanup_locked __attribute__((cleanup(locked_release)))

static int lock_and_load(mr_context *ctx, const char *id, struct locked *l, mr_error **err)
{
  if (ctx == NULL)
    return mr_err(err, -EINVAL, "no context");
  int r = state_dir_lock(ctx, id, &l->dirfd, err);
  if (r == 0)
    r = state_load(l->dirfd, id, &l->rec, err);
  if (r == 0 && l->rec->n_cgroup_paths == 0)
    r = mr_err(err, -ENOTSUP, "container '%s' has no cgroup (it was created with cgroups disabled)",
               id);
  return r;
}

static int pause_or_resume(mr_context *ctx, const char *id, bool pause, mr_error **err)
{
  cleanup_locked struct locked l = {.dirfd = -1};
  int r = lock_and_load(ctx, id, &l, err);
  if (r < 0)
    return r;
  enum mr_status st = state_status(l.dirfd, l.rec);
  enum mr_status want = pause ? MR_STATUS_RUNNING : MR_STATUS_PAUSED;
  if (st != want)
    return mr_err(err, -EINVAL, "container '%s' is %s, not %s", id, mr_status_name(st),
                  mr_status_name(want));
  r = cg_freeze(l.rec->cgroup_paths, l.rec->n_cgroup_paths, pause, err);
  if (r < 0)
    return mr_err_prefix(err, r, "container '%s': %s", id, pause ? "pause" : "resume");
  mr_debug(ctx, "container '%s' %s", id, pause ? "paused" : "resumed");
  return 0;
}

int mr_container_pause(mr_context *ctx, const char *id, mr_error **err)
{
  return pause_or_resume(ctx, id, true, err);
}

int mr_container_resume(mr_context *ctx, const char *id, mr_error **err)
{
  return pause_or_resume(ctx, id, false, err);
}

int mr_container_pids(mr_context *ctx, const char *id, pid_t **pids, size_t *n, mr_error **err)
{
  if (pids == NULL || n == NULL)
    return mr_err(err, -EINVAL, "mr_container_pids: NULL output");
  *pids = NULL;
  *n = 0;
  cleanup_locked struct locked l = {.dirfd = -1};
  int r = lock_and_load(ctx, id, &l, err);
  if (r < 0)
    return r;
  if (state_status(l.dirfd, l.rec) == MR_STATUS_STOPPED)
    return 0; /* its cgroup may still list dying tasks: nothing runs */
  r = cg_pids(l.rec->cgroup_paths, l.rec->n_cgroup_paths, pids, n, err);
  return r < 0 ? mr_err_prefix(err, r, "container '%s'", id) : 0;
}
