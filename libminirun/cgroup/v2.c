/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/v2.c - what differs on the cgroup2 hierarchy: cgroup.freeze and
 * cgroup.events, cgroup.kill (5.14+), delegating controllers down the tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util.h"
#include "place.h"

/* Freezing takes milliseconds on a board, but seconds on an emulated or
 * overloaded machine (tasks freeze only when they next leave the kernel):
 * bound the wait by the clock, generously. */
#define FREEZE_WAIT_MS 30000

static long long now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* "frozen 1" in cgroup.events: every task of the subtree is frozen. */
static int events_frozen(const char *dir)
{
  char events[512];
  int r = cg_read_file(dir, "cgroup.events", events, sizeof(events));
  if (r < 0)
    return r;
  const char *f = strstr(events, "frozen ");
  return f != NULL && f[7] == '1';
}

int cg_v2_freeze(const char *dir, bool freeze, mr_error **err)
{
  int r = cg_write_file(dir, "cgroup.freeze", freeze ? "1" : "0");
  if (r == -ENOENT)
    return mr_err(err, -ENOTSUP,
                  "cgroup: %s: no cgroup.freeze (the kernel's cgroup2 freezer "
                  "needs Linux 5.2)",
                  dir);
  if (r < 0)
    return mr_err_sys(err, -r, "cgroup: write %s/cgroup.freeze", dir);
  /* cgroup.events signals a change with POLLPRI; poll with a short
   * timeout anyway so a missed edge costs milliseconds, not the wait. */
  cleanup_free char *path = util_path_join(dir, "cgroup.events");
  cleanup_close int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  for (long long end = now_ms() + FREEZE_WAIT_MS; now_ms() < end;) {
    r = events_frozen(dir);
    if (r < 0)
      return mr_err_sys(err, -r, "cgroup: read %s/cgroup.events", dir);
    if ((r == 1) == freeze)
      return 0;
    if (fd >= 0) {
      struct pollfd p = {fd, POLLPRI, 0};
      poll(&p, 1, 10);
    } else {
      struct timespec ms = {0, 10000000};
      nanosleep(&ms, NULL);
    }
  }
  return mr_err(err, -EBUSY, "cgroup: %s: not %s after %d s", dir, freeze ? "frozen" : "thawed",
                FREEZE_WAIT_MS / 1000);
}

bool cg_v2_is_frozen(const char *dir)
{
  return events_frozen(dir) == 1;
}

int cg_v2_kill(const char *dir, mr_error **err)
{
  int r = cg_write_file(dir, "cgroup.kill", "1");
  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return mr_err_sys(err, -r, "cgroup: write %s/cgroup.kill", dir);
  return 1;
}

void cg_v2_delegate(const mr_context *ctx, const char *parent)
{
  char controllers[1024], want[1200];
  if (cg_read_file(parent, "cgroup.controllers", controllers, sizeof(controllers)) < 0 ||
      controllers[0] == '\0')
    return;
  char enabled[1024] = "";
  cg_read_file(parent, "cgroup.subtree_control", enabled, sizeof(enabled));
  size_t used = 0;
  char *save = NULL;
  for (char *c = strtok_r(controllers, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
    /* Already enabled ones are skipped: writing them again would fail
     * with EBUSY in a cgroup that holds processes. */
    size_t n = strlen(c);
    const char *e = strstr(enabled, c);
    if (e != NULL && (e == enabled || e[-1] == ' ') && (e[n] == '\0' || e[n] == ' '))
      continue;
    used += (size_t)snprintf(want + used, sizeof(want) - used, "%s+%s", used ? " " : "", c);
    if (used >= sizeof(want))
      return;
  }
  if (used == 0 || cg_write_file(parent, "cgroup.subtree_control", want) == 0)
    return;
  /* One of them refused (e.g. a threaded subtree, or "cpu" with realtime
   * tasks): enable the others one by one. */
  save = NULL;
  for (char *c = strtok_r(want, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
    int r = cg_write_file(parent, "cgroup.subtree_control", c);
    if (r < 0)
      mr_debug(ctx, "cgroup: %s: cannot enable %s for children: %s", parent, c + 1, strerror(-r));
  }
}
