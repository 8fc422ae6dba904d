/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* procattr.c - the process attributes, planned and applied in one order. */
#include "procattr.h"

#include "../plan.h"

int procattr_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  int r = oom_plan(config, plan, err);
  if (r == 0)
    r = ioprio_plan(config, plan, err);
  if (r == 0)
    r = sched_plan(config, plan, err);
  if (r == 0)
    r = affinity_plan(config, plan, err);
  if (r == 0)
    r = mempolicy_plan(config, plan, err);
  return r;
}

void procattr_apply(const struct plan *plan, int sync_fd)
{
  /* oom_score_adj first: it goes through procfs, before any policy change
   * could slow the init down. */
  oom_apply(plan, sync_fd);
  sched_apply(plan, sync_fd);
  ioprio_apply(plan, sync_fd);
  mempolicy_apply(plan, sync_fd);
  affinity_apply_initial(plan, sync_fd);
}
