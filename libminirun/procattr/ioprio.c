/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioprio.c - process.ioPriority: ioprio_set() of the init. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../plan.h"
#include "../sync.h"
#include "procattr.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

static const struct {
  const char *name;
  int klass;
} io_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

int ioprio_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_io_priority *io = &config->spec->process.io_priority;
  if (!io->present)
    return 0;
  if (io->klass == NULL)
    return mr_err(err, -EINVAL, "config.json: process.ioPriority.class: missing");
  int klass = -1;
  for (size_t i = 0; i < sizeof(io_classes) / sizeof(*io_classes); i++)
    if (strcmp(io->klass, io_classes[i].name) == 0)
      klass = io_classes[i].klass;
  if (klass < 0)
    return mr_err(err, -EINVAL,
                  "config.json: process.ioPriority.class: unknown class \"%s\" (expected "
                  "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)",
                  io->klass);
  if (io->priority < 0 || io->priority > 7)
    return mr_err(err, -EINVAL, "config.json: process.ioPriority.priority: %d is out of range 0..7",
                  (int)io->priority);
  plan->procattr.ioprio_set = true;
  plan->procattr.ioprio = klass << IOPRIO_CLASS_SHIFT | io->priority;
  return 0;
}

void ioprio_apply(const struct plan *plan, int sync_fd)
{
  if (!plan->procattr.ioprio_set)
    return;
  if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, plan->procattr.ioprio) < 0)
    sync_fail(sync_fd, errno, "process.ioPriority: ioprio_set",
              errno == EPERM ? " (IOPRIO_CLASS_RT needs CAP_SYS_ADMIN or CAP_SYS_NICE)" : "", NULL,
              NULL);
}
