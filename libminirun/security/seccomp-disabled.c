/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-disabled.c - linux.seccomp in a build configured with
 * --disable-seccomp (no libseccomp): a config that asks for a filter fails
 * create; nothing is ever loaded, and the features document says so.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../container.h"
#include "../jsonw.h"
#include "../plan.h"
#include "seccomp.h"

int seccomp_plan(mr_context *ctx, const struct mr_config *config, const char *id, struct plan *plan,
                 mr_error **err)
{
  (void)ctx;
  (void)id;
  memset(&plan->seccomp, 0, sizeof(plan->seccomp));
  plan->seccomp.listener_fd = -1;
  if (!config->spec->linux_.seccomp.present)
    return 0;
  return mr_err(err, -EOPNOTSUPP,
                "config.json: linux.seccomp: this build of minirun has no seccomp support "
                "(configure --disable-seccomp)");
}

void seccomp_plan_free(struct seccomp_plan *sp)
{
  (void)sp;
}

void seccomp_config_init(struct mr_config *config)
{
  (void)config;
}

void seccomp_config_free(struct mr_config *config)
{
  (void)config;
}

void seccomp_apply_before_identity(struct plan *plan, int sync_fd)
{
  (void)plan;
  (void)sync_fd;
}

void seccomp_apply_before_exec(struct plan *plan, int sync_fd)
{
  (void)plan;
  (void)sync_fd;
}

void seccomp_features(struct jw *w)
{
  jw_str(w, "seccomp");
  jw_map_open(w);
  jw_key_bool(w, "enabled", false);
  jw_map_close(w);
}

void seccomp_features_annotations(struct jw *w)
{
  (void)w;
}
