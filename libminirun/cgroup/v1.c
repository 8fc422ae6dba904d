/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/v1.c - what differs on a v1 hierarchy: the freezer controller's
 * freezer.state and the cpuset controller's empty defaults.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "../util.h"
#include "place.h"

/* The freezer takes a moment (FREEZING) when a task is busy in the
 * kernel; writing FROZEN again retries the tasks that were not frozen. */
#define FREEZE_TRIES 30000 /* x >= 1 ms: see FREEZE_WAIT_MS in v2.c */

int cg_v1_freeze(const char *dir, bool freeze, mr_error **err)
{
  const char *want = freeze ? "FROZEN" : "THAWED";
  char state[32];
  for (int i = 0; i < FREEZE_TRIES; i++) {
    int r = cg_write_file(dir, "freezer.state", want);
    if (r == 0)
      r = cg_read_file(dir, "freezer.state", state, sizeof(state));
    if (r < 0)
      return mr_err_sys(err, -r, "cgroup: %s/freezer.state", dir);
    if (strcmp(state, want) == 0)
      return 0;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  return mr_err(err, -EBUSY, "cgroup: %s/freezer.state: still %s after %d s", dir, state,
                FREEZE_TRIES / 1000);
}

bool cg_v1_is_frozen(const char *dir)
{
  char state[32];
  return cg_read_file(dir, "freezer.state", state, sizeof(state)) == 0 &&
         strcmp(state, "FROZEN") == 0;
}

/* A new cpuset cgroup starts with empty cpus and mems, and no task can join
 * it then: inherit the parent's. */
static int copy_from_parent(const char *dir, const char *file, mr_error **err)
{
  char value[4096];
  int r = cg_read_file(dir, file, value, sizeof(value));
  if (r < 0)
    return mr_err_sys(err, -r, "cgroup: %s/%s", dir, file);
  if (value[0] != '\0')
    return 0;
  cleanup_free char *parent = strdup(dir);
  if (parent == NULL)
    return mr_err_sys(err, ENOMEM, "cgroup");
  *strrchr(parent, '/') = '\0';
  r = cg_read_file(parent, file, value, sizeof(value));
  if (r == 0)
    r = cg_write_file(dir, file, value);
  if (r < 0)
    return mr_err_sys(err, -r, "cgroup: copy %s of %s into %s", file, parent, dir);
  return 0;
}

int cg_v1_cpuset_init(const char *dir, mr_error **err)
{
  int r = copy_from_parent(dir, "cpuset.cpus", err);
  if (r == 0)
    r = copy_from_parent(dir, "cpuset.mems", err);
  return r;
}
