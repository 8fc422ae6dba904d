/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "personality.h"

#include <errno.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../sync.h"

static const struct {
  const char *name;
  unsigned long value;
} personality_flags[] = {
    {"UNAME26", UNAME26},
    {"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
    {"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
    {"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO},
    {"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
    {"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
    {"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
    {"SHORT_INODE", SHORT_INODE},
    {"WHOLE_SECONDS", WHOLE_SECONDS},
    {"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
    {"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
};
#define N_PERSONALITY_FLAGS (sizeof(personality_flags) / sizeof(personality_flags[0]))

int personality_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_personality *p = &config->spec->linux_.personality;
  if (!p->present)
    return 0;
  if (p->domain == NULL)
    return mr_err(err, -EINVAL, "config.json: linux.personality.domain: missing");
  if (strcmp(p->domain, "LINUX") == 0)
    plan->personality = PER_LINUX;
  else if (strcmp(p->domain, "LINUX32") == 0)
    plan->personality = PER_LINUX32;
  else
    return mr_err(err, -EINVAL,
                  "config.json: linux.personality.domain: unknown domain \"%s\" (LINUX or LINUX32)",
                  p->domain);
  for (size_t i = 0; i < p->n_flags; i++) {
    size_t k = 0;
    while (k < N_PERSONALITY_FLAGS && strcmp(personality_flags[k].name, p->flags[i]) != 0)
      k++;
    if (k == N_PERSONALITY_FLAGS)
      return mr_err(err, -EINVAL, "config.json: linux.personality.flags[%zu]: unknown flag \"%s\"",
                    i, p->flags[i]);
    plan->personality |= personality_flags[k].value;
  }
  plan->set_personality = true;
  return 0;
}

/* ---- child side: async-signal-safe ---- */

void personality_apply(const struct plan *plan, int sync_fd)
{
  if (plan->set_personality && syscall(SYS_personality, plan->personality) < 0)
    sync_fail(sync_fd, errno, "personality (linux.personality)", NULL, NULL, NULL);
}
