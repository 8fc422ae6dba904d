/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * affinity.c - process.execCPUAffinity.
 *
 * `initial` is the affinity the init runs with while the runtime sets it up
 * (applied in step 9 of child_main); `final` is the one the user's program
 * runs with. runtime-spec: final applies "after the transition to the
 * container's cgroup". The init is placed in its cgroup before it is told
 * to go on, so setting `final` as the init's last act before execve gives the
 * program exactly that affinity from its first instruction (affinity
 * survives execve), with no window in which it runs on `initial`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../plan.h"
#include "../sync.h"
#include "procattr.h"

static int parse_one(const char *text, const char *field, const struct cpulist *present,
                     struct cpulist *out, mr_error **err)
{
  const char *bad = text;
  int r = cpulist_parse(text, out, &bad);
  if (r == -ERANGE)
    return mr_err(err, -EINVAL,
                  "config.json: process.execCPUAffinity.%s: \"%s\": CPU number too large (at "
                  "\"%s\")",
                  field, text, bad);
  if (r < 0)
    return mr_err(err, -EINVAL,
                  "config.json: process.execCPUAffinity.%s: \"%s\": not a CPU list like "
                  "\"0-3,8\" (at \"%s\")",
                  field, text, bad);
  int missing = present != NULL ? cpulist_first_outside(out, present) : -1;
  if (missing >= 0)
    return mr_err(err, -EINVAL,
                  "config.json: process.execCPUAffinity.%s: CPU %d is not present on this "
                  "machine",
                  field, missing);
  return 0;
}

int affinity_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_cpu_affinity *a = &config->spec->process.exec_cpu_affinity;
  if (a->initial == NULL && a->final == NULL)
    return 0;
  struct cpulist present;
  /* Without the sysfs file (no sysfs mounted) the kernel still refuses a
   * mask with no usable CPU at apply time. */
  const struct cpulist *check =
      cpulist_read("/sys/devices/system/cpu/present", &present) == 0 ? &present : NULL;
  struct procattr_plan *p = &plan->procattr;
  int r = 0;
  if (a->initial != NULL) {
    r = parse_one(a->initial, "initial", check, &p->affinity_initial, err);
    p->affinity_initial_set = r == 0;
  }
  if (r == 0 && a->final != NULL) {
    r = parse_one(a->final, "final", check, &p->affinity_final, err);
    p->affinity_final_set = r == 0;
  }
  return r;
}

static void set_affinity(const struct cpulist *l, const char *field, int sync_fd)
{
  if (syscall(SYS_sched_setaffinity, 0, sizeof(l->bits), l->bits) < 0)
    sync_fail(sync_fd, errno, "process.execCPUAffinity.", field,
              ": sched_setaffinity (are the CPUs online and in the container's cpuset?)", NULL);
}

void affinity_apply_initial(const struct plan *plan, int sync_fd)
{
  if (plan->procattr.affinity_initial_set)
    set_affinity(&plan->procattr.affinity_initial, "initial", sync_fd);
}

void affinity_apply_final(const struct plan *plan, int sync_fd)
{
  if (plan->procattr.affinity_final_set)
    set_affinity(&plan->procattr.affinity_final, "final", sync_fd);
}
