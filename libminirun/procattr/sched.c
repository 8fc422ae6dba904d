/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sched.c - process.scheduler: sched_setattr() of the init. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../plan.h"
#include "../sync.h"
#include "procattr.h"

#define MR_SCHED_OTHER    0
#define MR_SCHED_FIFO     1
#define MR_SCHED_RR       2
#define MR_SCHED_BATCH    3
#define MR_SCHED_ISO      4 /* reserved by Linux, never implemented */
#define MR_SCHED_IDLE     5
#define MR_SCHED_DEADLINE 6
/* Layout version 1 (with the utilization clamps): as runc passes it; the
 * kernel accepts a larger struct whose extra bytes are zero. */
#define MR_SCHED_ATTR_SIZE 56

static const struct {
  const char *name;
  int policy;
} policies[] = {
    {"SCHED_OTHER", MR_SCHED_OTHER},
    {"SCHED_FIFO", MR_SCHED_FIFO},
    {"SCHED_RR", MR_SCHED_RR},
    {"SCHED_BATCH", MR_SCHED_BATCH},
    {"SCHED_ISO", MR_SCHED_ISO},
    {"SCHED_IDLE", MR_SCHED_IDLE},
    {"SCHED_DEADLINE", MR_SCHED_DEADLINE},
};

static const struct {
  const char *name;
  uint64_t flag;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static int parse_flags(const struct spec_scheduler *s, uint64_t *out, mr_error **err)
{
  *out = 0;
  for (size_t i = 0; i < s->n_flags; i++) {
    uint64_t f = 0;
    for (size_t j = 0; j < sizeof(sched_flags) / sizeof(*sched_flags); j++)
      if (strcmp(s->flags[i], sched_flags[j].name) == 0)
        f = sched_flags[j].flag;
    if (f == 0)
      return mr_err(err, -EINVAL, "config.json: process.scheduler.flags[%zu]: unknown flag \"%s\"",
                    i, s->flags[i]);
    *out |= f;
  }
  return 0;
}

/* The combinations runc refuses, plus the ranges the kernel would refuse
 * with a bare EINVAL. */
static int check(const struct spec_scheduler *s, int policy, mr_error **err)
{
  bool realtime = policy == MR_SCHED_FIFO || policy == MR_SCHED_RR;
  if (s->nice < -20 || s->nice > 19)
    return mr_err(err, -EINVAL, "config.json: process.scheduler.nice: %d is out of range -20..19",
                  (int)s->nice);
  if (!realtime && s->priority != 0)
    return mr_err(err, -EINVAL,
                  "config.json: process.scheduler.priority: only SCHED_FIFO and SCHED_RR have "
                  "a priority (policy is %s)",
                  s->policy);
  if (realtime && (s->priority < 1 || s->priority > 99))
    return mr_err(err, -EINVAL,
                  "config.json: process.scheduler.priority: %d is out of range 1..99 for %s",
                  (int)s->priority, s->policy);
  if (policy != MR_SCHED_DEADLINE && (s->runtime != 0 || s->deadline != 0 || s->period != 0))
    return mr_err(err, -EINVAL,
                  "config.json: process.scheduler: runtime, deadline and period are only for "
                  "SCHED_DEADLINE (policy is %s)",
                  s->policy);
  if (policy == MR_SCHED_DEADLINE) {
    uint64_t period = s->period != 0 ? s->period : s->deadline;
    if (s->runtime == 0 || s->deadline == 0)
      return mr_err(err, -EINVAL,
                    "config.json: process.scheduler: SCHED_DEADLINE needs runtime and deadline");
    if (s->runtime > s->deadline || s->deadline > period)
      return mr_err(err, -EINVAL,
                    "config.json: process.scheduler: SCHED_DEADLINE needs runtime <= deadline <= "
                    "period");
  }
  return 0;
}

int sched_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_scheduler *s = &config->spec->process.scheduler;
  if (!s->present)
    return 0;
  if (s->policy == NULL)
    return mr_err(err, -EINVAL, "config.json: process.scheduler.policy: missing");
  int policy = -1;
  for (size_t i = 0; i < sizeof(policies) / sizeof(*policies); i++)
    if (strcmp(s->policy, policies[i].name) == 0)
      policy = policies[i].policy;
  if (policy < 0)
    return mr_err(err, -EINVAL, "config.json: process.scheduler.policy: unknown policy \"%s\"",
                  s->policy);
  if (policy == MR_SCHED_ISO)
    return mr_err(err, -EINVAL,
                  "config.json: process.scheduler.policy: SCHED_ISO is not implemented by Linux");
  uint64_t flags;
  int r = parse_flags(s, &flags, err);
  if (r == 0)
    r = check(s, policy, err);
  if (r < 0)
    return r;
  struct procattr_sched_attr *a = &plan->procattr.sched;
  memset(a, 0, sizeof(*a));
  a->size = MR_SCHED_ATTR_SIZE;
  a->sched_policy = (uint32_t)policy;
  a->sched_flags = flags;
  a->sched_nice = s->nice;
  a->sched_priority = (uint32_t)s->priority;
  a->sched_runtime = s->runtime;
  a->sched_deadline = s->deadline;
  a->sched_period = s->period;
  plan->procattr.sched_set = true;
  return 0;
}

void sched_apply(const struct plan *plan, int sync_fd)
{
  if (!plan->procattr.sched_set)
    return;
  if (syscall(SYS_sched_setattr, 0, &plan->procattr.sched, 0) < 0)
    sync_fail(sync_fd, errno, "process.scheduler: sched_setattr",
              errno == EPERM
                  ? " (real-time and deadline policies need CAP_SYS_NICE and, in a v1 cpu cgroup, "
                    "real-time runtime: linux.resources.cpu.realtimeRuntime)"
                  : "",
              NULL, NULL);
}
