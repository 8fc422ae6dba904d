/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mempolicy.c - linux.memoryPolicy: set_mempolicy() of the init (kept
 * across execve, inherited by every process of the container). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../plan.h"
#include "../sync.h"
#include "procattr.h"

#define MR_MPOL_DEFAULT             0
#define MR_MPOL_PREFERRED           1
#define MR_MPOL_BIND                2
#define MR_MPOL_INTERLEAVE          3
#define MR_MPOL_LOCAL               4
#define MR_MPOL_PREFERRED_MANY      5
#define MR_MPOL_WEIGHTED_INTERLEAVE 6
#define MR_MPOL_F_NUMA_BALANCING    (1 << 13)
#define MR_MPOL_F_RELATIVE_NODES    (1 << 14)
#define MR_MPOL_F_STATIC_NODES      (1 << 15)

static const struct {
  const char *name;
  int mode;
} modes[] = {
    {"MPOL_DEFAULT", MR_MPOL_DEFAULT},
    {"MPOL_PREFERRED", MR_MPOL_PREFERRED},
    {"MPOL_BIND", MR_MPOL_BIND},
    {"MPOL_INTERLEAVE", MR_MPOL_INTERLEAVE},
    {"MPOL_LOCAL", MR_MPOL_LOCAL},
    {"MPOL_PREFERRED_MANY", MR_MPOL_PREFERRED_MANY},
    {"MPOL_WEIGHTED_INTERLEAVE", MR_MPOL_WEIGHTED_INTERLEAVE},
};

static const struct {
  const char *name;
  int flag;
} mode_flags[] = {
    {"MPOL_F_NUMA_BALANCING", MR_MPOL_F_NUMA_BALANCING},
    {"MPOL_F_RELATIVE_NODES", MR_MPOL_F_RELATIVE_NODES},
    {"MPOL_F_STATIC_NODES", MR_MPOL_F_STATIC_NODES},
};

static int parse_flags(const struct spec_memory_policy *m, int *out, mr_error **err)
{
  *out = 0;
  for (size_t i = 0; i < m->n_flags; i++) {
    int f = 0;
    for (size_t j = 0; j < sizeof(mode_flags) / sizeof(*mode_flags); j++)
      if (strcmp(m->flags[i], mode_flags[j].name) == 0)
        f = mode_flags[j].flag;
    if (f == 0)
      return mr_err(err, -EINVAL, "config.json: linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"",
                    i, m->flags[i]);
    *out |= f;
  }
  if ((*out & MR_MPOL_F_RELATIVE_NODES) && (*out & MR_MPOL_F_STATIC_NODES))
    return mr_err(err, -EINVAL,
                  "config.json: linux.memoryPolicy.flags: MPOL_F_RELATIVE_NODES and "
                  "MPOL_F_STATIC_NODES exclude each other");
  return 0;
}

static int parse_nodes(const struct spec_memory_policy *m, int mode, int flags,
                       struct cpulist *nodes, mr_error **err)
{
  bool takes_nodes = mode != MR_MPOL_DEFAULT && mode != MR_MPOL_LOCAL;
  bool given = m->nodes != NULL && m->nodes[0] != '\0';
  if (!takes_nodes && given)
    return mr_err(err, -EINVAL, "config.json: linux.memoryPolicy.nodes: %s takes no nodes",
                  m->mode);
  if (takes_nodes && !given)
    return mr_err(err, -EINVAL, "config.json: linux.memoryPolicy.nodes: %s needs nodes", m->mode);
  memset(nodes, 0, sizeof(*nodes));
  if (!given)
    return 0;
  const char *bad = m->nodes;
  int r = cpulist_parse(m->nodes, nodes, &bad);
  if (r < 0)
    return mr_err(err, -EINVAL,
                  "config.json: linux.memoryPolicy.nodes: \"%s\": not a node list like \"0-3\" (at "
                  "\"%s\")",
                  m->nodes, bad);
  struct cpulist possible;
  /* No such file: a kernel without NUMA; set_mempolicy() says so (ENOSYS).
   * Relative nodes are indexes into the allowed set, not node numbers. */
  if (!(flags & MR_MPOL_F_RELATIVE_NODES) &&
      cpulist_read("/sys/devices/system/node/possible", &possible) == 0) {
    int missing = cpulist_first_outside(nodes, &possible);
    if (missing >= 0)
      return mr_err(err, -EINVAL,
                    "config.json: linux.memoryPolicy.nodes: NUMA node %d does not exist on this "
                    "machine",
                    missing);
  }
  return 0;
}

int mempolicy_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_memory_policy *m = &config->spec->linux_.memory_policy;
  if (!m->present)
    return 0;
  if (m->mode == NULL)
    return mr_err(err, -EINVAL, "config.json: linux.memoryPolicy.mode: missing");
  int mode = -1;
  for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++)
    if (strcmp(m->mode, modes[i].name) == 0)
      mode = modes[i].mode;
  if (mode < 0)
    return mr_err(err, -EINVAL, "config.json: linux.memoryPolicy.mode: unknown mode \"%s\"",
                  m->mode);
  int flags;
  struct procattr_plan *p = &plan->procattr;
  int r = parse_flags(m, &flags, err);
  if (r == 0)
    r = parse_nodes(m, mode, flags, &p->mempolicy_nodes, err);
  if (r < 0)
    return r;
  p->mempolicy_set = true;
  p->mempolicy_mode = mode | flags;
  /* The kernel reads maxnode - 1 bits. */
  p->mempolicy_maxnode = cpulist_empty(&p->mempolicy_nodes) ? 0 : CPULIST_BITS + 1;
  return 0;
}

void mempolicy_apply(const struct plan *plan, int sync_fd)
{
  const struct procattr_plan *p = &plan->procattr;
  if (!p->mempolicy_set)
    return;
  if (syscall(SYS_set_mempolicy, p->mempolicy_mode,
              p->mempolicy_maxnode != 0 ? p->mempolicy_nodes.bits : NULL, p->mempolicy_maxnode) < 0)
    sync_fail(sync_fd, errno, "linux.memoryPolicy: set_mempolicy",
              errno == ENOSYS ? " (this kernel has no NUMA support)"
              : errno == EINVAL
                  ? " (mode, flags or nodes not accepted by this kernel: MPOL_PREFERRED_MANY "
                    "needs 5.15, MPOL_WEIGHTED_INTERLEAVE 6.9, MPOL_F_NUMA_BALANCING 5.12)"
                  : "",
              NULL, NULL);
}
