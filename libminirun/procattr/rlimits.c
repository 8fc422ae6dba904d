/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "rlimits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../sync.h"

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};
#define N_RLIMIT_NAMES (sizeof(rlimit_names) / sizeof(rlimit_names[0]))

static int rlimit_resource(const char *name)
{
  for (size_t i = 0; i < N_RLIMIT_NAMES; i++)
    if (strcmp(rlimit_names[i].name, name) == 0)
      return rlimit_names[i].resource;
  return -1;
}

int rlimits_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_process *p = &config->spec->process;
  if (p->n_rlimits == 0)
    return 0;
  plan->rlimits = calloc(p->n_rlimits, sizeof(*plan->rlimits));
  if (plan->rlimits == NULL)
    return mr_err_sys(err, ENOMEM, "process.rlimits");
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct spec_rlimit *l = &p->rlimits[i];
    if (l->type == NULL)
      return mr_err(err, -EINVAL, "config.json: process.rlimits[%zu].type: missing", i);
    int resource = rlimit_resource(l->type);
    if (resource < 0)
      return mr_err(err, -EINVAL, "config.json: process.rlimits[%zu].type: unknown rlimit \"%s\"",
                    i, l->type);
    for (size_t j = 0; j < i; j++)
      if (plan->rlimits[j].resource == resource)
        return mr_err(err, -EINVAL,
                      "config.json: process.rlimits[%zu].type: %s is already set by "
                      "process.rlimits[%zu]",
                      i, l->type, j);
    if (l->soft > l->hard)
      return mr_err(err, -EINVAL,
                    "config.json: process.rlimits[%zu]: %s soft limit %llu is above its hard "
                    "limit %llu",
                    i, l->type, (unsigned long long)l->soft, (unsigned long long)l->hard);
    struct rlimit_op *op = &plan->rlimits[plan->n_rlimits++];
    op->resource = resource;
    op->soft = l->soft;
    op->hard = l->hard;
    /* The child cannot format numbers into a message: do it now. */
    if (asprintf(&op->what, "config.json: process.rlimits[%zu]: set %s to soft %llu, hard %llu", i,
                 l->type, (unsigned long long)l->soft, (unsigned long long)l->hard) < 0) {
      op->what = NULL;
      return mr_err_sys(err, ENOMEM, "process.rlimits");
    }
  }
  return 0;
}

void rlimits_plan_free(struct plan *plan)
{
  for (size_t i = 0; i < plan->n_rlimits; i++)
    free(plan->rlimits[i].what);
  free(plan->rlimits);
  plan->rlimits = NULL;
  plan->n_rlimits = 0;
}

/* ---- child side: async-signal-safe ---- */

void rlimits_apply(const struct plan *plan, int sync_fd)
{
  for (size_t i = 0; i < plan->n_rlimits; i++) {
    const struct rlimit_op *op = &plan->rlimits[i];
    /* prlimit64 takes 64-bit values on every architecture (setrlimit's
     * rlim_t is 32 bits on 32-bit ARM); ~0 is RLIM64_INFINITY. */
    uint64_t lim[2] = {op->soft, op->hard};
    if (syscall(SYS_prlimit64, 0, op->resource, lim, NULL) == 0)
      continue;
    int e = errno;
    if (e == EPERM)
      sync_fail(sync_fd, -EPERM, op->what,
                ": Operation not permitted (raising a hard limit above the runtime's needs "
                "CAP_SYS_RESOURCE)",
                NULL, NULL);
    sync_fail(sync_fd, e, op->what, NULL, NULL, NULL);
  }
}
