/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* oom.c - process.oomScoreAdj, written to /proc/self/oom_score_adj. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "../plan.h"
#include "../sync.h"
#include "procattr.h"

int oom_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_process *p = &config->spec->process;
  if (!p->has_oom_score_adj)
    return 0;
  if (p->oom_score_adj < -1000 || p->oom_score_adj > 1000)
    return mr_err(err, -EINVAL, "config.json: process.oomScoreAdj: %d is out of range -1000..1000",
                  (int)p->oom_score_adj);
  plan->procattr.oom_set = true;
  snprintf(plan->procattr.oom_text, sizeof(plan->procattr.oom_text), "%d", (int)p->oom_score_adj);
  return 0;
}

void oom_apply(const struct plan *plan, int sync_fd)
{
  if (!plan->procattr.oom_set)
    return;
  int fd = procfs_open_self(&plan->procfs, "oom_score_adj", false, O_WRONLY);
  if (fd < 0)
    procfs_fail(sync_fd, fd, "process.oomScoreAdj: open /proc/self/oom_score_adj", "");
  int r = procfs_write_fd(fd, plan->procattr.oom_text);
  if (r == -EACCES || r == -EPERM)
    sync_fail(sync_fd, -r, "process.oomScoreAdj: write ", plan->procattr.oom_text,
              " to /proc/self/oom_score_adj (a value below the runtime's own needs "
              "CAP_SYS_RESOURCE)",
              NULL);
  if (r < 0)
    sync_fail(sync_fd, -r, "process.oomScoreAdj: write ", plan->procattr.oom_text,
              " to /proc/self/oom_score_adj", NULL);
}
