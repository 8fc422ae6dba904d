/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* plan.c - assembling the pre-clone plan from its per-concern parts. */
#define _GNU_SOURCE
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "image/image.h"
#include "mounts.h"
#include "namespaces.h"
#include "net/netdev.h"
#include "procattr/personality.h"
#include "procattr/rlimits.h"
#include "process.h"
#include "rootfs.h"
#include "security/caps.h"
#include "security/masked.h"
#include "terminal.h"

int plan_build(mr_context *ctx, const mr_config *config, const struct mr_create_opts *opts,
               struct plan *plan, mr_error **err)
{
  memset(plan, 0, sizeof(*plan));
  plan->spec = config->spec;
  plan->console_fd = -1;
  plan->hooks.result_fd = -1;
  plan->seccomp.listener_fd = -1;
  plan->procfs.root_fd = -1;
  plan->cgroup_fd = -1;
  plan->no_pivot = opts != NULL && opts->no_pivot;
  int r = rootfs_plan(config, plan, err);
  if (r == 0)
    r = namespaces_plan(config, plan, err);
  if (r == 0)
    r = mounts_plan(ctx, config, plan, err);
  if (r == 0)
    r = devices_plan(ctx, config, plan, err);
  if (r == 0)
    r = masked_plan(config, plan, err);
  if (r == 0)
    r = process_plan(config, opts, plan, err);
  if (r == 0)
    r = terminal_plan(config, opts, plan, err);
  if (r == 0)
    r = sysctl_plan(config, plan, err);
  if (r == 0)
    r = procattr_plan(config, plan, err);
  if (r == 0)
    r = lsm_plan(config, plan, err);
  if (r == 0)
    r = caps_plan(ctx, config, plan, err);
  if (r == 0)
    r = rlimits_plan(config, plan, err);
  if (r == 0)
    r = personality_plan(config, plan, err);
  if (r == 0)
    r = netdev_plan(config, plan, err);
  if (r == 0)
    r = procfs_plan(plan, err); /* last: opened only when the parts above need it */
  if (r < 0)
    plan_free(plan);
  return r;
}

void plan_free(struct plan *plan)
{
  cg_mount_plan_free(&plan->cgroup_mount);
  hooks_plan_free(&plan->hooks);
  seccomp_plan_free(&plan->seccomp);
  procfs_close(&plan->procfs);
  lsm_plan_free(plan);
  sysctl_plan_free(plan);
  rlimits_plan_free(plan);
  netdev_plan_free(plan);
  terminal_plan_free(plan);
  process_plan_free(plan);
  devices_plan_free(plan);
  mounts_plan_free(plan);
  namespaces_plan_free(plan);
  plan_keep_free(plan);
  image_root_free(plan);
  free(plan->rootfs);
  plan->rootfs = NULL;
}
