/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * procattr.h - attributes of the container's process set by the init before
 * it runs the user's program: process.oomScoreAdj (oom.c), ioPriority
 * (ioprio.c), scheduler (sched.c), execCPUAffinity (affinity.c, lists parsed
 * by cpulist.c) and linux.memoryPolicy (mempolicy.c).
 *
 * Each has a *_plan() run by the parent (parse and validate, naming the JSON
 * path of a bad value) and an async-signal-safe *_apply() run by the child
 * (one raw system call; a failure is reported through sync_fail()).
 */
#ifndef MR_PROCATTR_H
#define MR_PROCATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../error.h"

/* Bits of a CPU or NUMA node list ("0-3,8"). */
#define CPULIST_BITS  1024
#define CPULIST_WORDS (CPULIST_BITS / 64)
struct cpulist {
  uint64_t bits[CPULIST_WORDS];
};

/* The layout of the kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1). */
struct procattr_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

struct procattr_plan {
  bool oom_set;
  char oom_text[16]; /* "500" */

  bool ioprio_set;
  int ioprio; /* IOPRIO_PRIO_VALUE(class, data) */

  bool sched_set;
  struct procattr_sched_attr sched;

  bool affinity_initial_set, affinity_final_set;
  struct cpulist affinity_initial, affinity_final;

  bool mempolicy_set;
  int mempolicy_mode; /* MPOL_* | MPOL_F_* */
  struct cpulist mempolicy_nodes;
  unsigned long mempolicy_maxnode; /* 0: no node mask */
};

/* cpulist.c: parses "0-3,8" into `out`. 0, or -EINVAL with *bad pointing at
 * the offending text, or -ERANGE for a number >= CPULIST_BITS. */
int cpulist_parse(const char *text, struct cpulist *out, const char **bad);
bool cpulist_empty(const struct cpulist *l);
/* The first set bit of `l` that is not set in `allowed`, or -1. */
int cpulist_first_outside(const struct cpulist *l, const struct cpulist *allowed);
/* Reads a kernel list file such as /sys/devices/system/cpu/present; -errno. */
int cpulist_read(const char *path, struct cpulist *out);

struct plan;
/* Parent: every part, in the order above. */
int procattr_plan(const mr_config *config, struct plan *plan, mr_error **err);
int oom_plan(const mr_config *config, struct plan *plan, mr_error **err);
int ioprio_plan(const mr_config *config, struct plan *plan, mr_error **err);
int sched_plan(const mr_config *config, struct plan *plan, mr_error **err);
int affinity_plan(const mr_config *config, struct plan *plan, mr_error **err);
int mempolicy_plan(const mr_config *config, struct plan *plan, mr_error **err);

/* Child (async-signal-safe), step 9 of child_main: every part but the final
 * CPU affinity, in the order oom, scheduler, ioprio, memory policy, initial
 * affinity. */
void procattr_apply(const struct plan *plan, int sync_fd);
void oom_apply(const struct plan *plan, int sync_fd);
void sched_apply(const struct plan *plan, int sync_fd);
void ioprio_apply(const struct plan *plan, int sync_fd);
void mempolicy_apply(const struct plan *plan, int sync_fd);
void affinity_apply_initial(const struct plan *plan, int sync_fd);
/* Child: execCPUAffinity.final, once the process is in place, just before the
 * user's program starts. */
void affinity_apply_final(const struct plan *plan, int sync_fd);

#endif /* MR_PROCATTR_H */
