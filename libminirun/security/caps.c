/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../context.h"
#include "../sync.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_RAISE     2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define CAP_WORD(cap) ((unsigned)(cap) >> 5)
#define CAP_BIT(cap)  (1u << ((unsigned)(cap)&31u))

static bool has_cap(const uint32_t set[2], int cap)
{
  return (set[CAP_WORD(cap)] & CAP_BIT(cap)) != 0;
}

/* The highest capability the running kernel knows. Kernels before 3.2 lack
 * the file; the floor (4.14) has it, but fall back to the kernel headers we know. */
int caps_last_cap(void)
{
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[16];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n > 0) {
      buf[n] = '\0';
      char *end;
      long v = strtol(buf, &end, 10);
      if (end != buf && v >= 0 && v < 64)
        return (int)v;
    }
  }
  return CAP_LAST_CAP;
}

/* Adds every name of `names` to `set`; `what` is "bounding", ... */
static int parse_set(mr_context *ctx, char **names, size_t n, const char *what, int last_cap,
                     uint32_t set[2], mr_error **err)
{
  for (size_t i = 0; i < n; i++) {
    int cap = caps_from_name(names[i]);
    if (cap == -EOPNOTSUPP)
      return mr_err(err, -EOPNOTSUPP,
                    "config.json: process.capabilities.%s[%zu]: \"%s\": this build of minirun has "
                    "no capability support (configure --disable-caps): only empty capability "
                    "sets are possible",
                    what, i, names[i]);
    if (cap < 0 || cap >= 64)
      return mr_err(err, -EINVAL,
                    "config.json: process.capabilities.%s[%zu]: unknown capability \"%s\"", what, i,
                    names[i]);
    if (cap > last_cap) {
      mr_debug(ctx, "process.capabilities.%s[%zu]: %s is unknown to the running kernel: skipped",
               what, i, names[i]);
      continue;
    }
    set[CAP_WORD(cap)] |= CAP_BIT(cap);
  }
  return 0;
}

/* Whether the process runs in a user namespace of its own or a joined one:
 * there its bounding and permitted sets start full, whatever ours are. */
static bool in_user_ns(const struct plan *plan)
{
  if (plan->user_ns || (plan->exec_ns_flags & CLONE_NEWUSER))
    return true;
  for (size_t i = 0; i < plan->n_joins; i++)
    if (plan->joins[i].type == CLONE_NEWUSER)
      return true;
  return false;
}

/* The sets the container starts from without a user namespace: the
 * runtime's own bounding set and permitted set (inherited through clone). */
static int runtime_caps(int last_cap, uint32_t bounding[2], uint32_t permitted[2], mr_error **err)
{
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0)
    return mr_err_sys(err, errno, "capget");
  for (int i = 0; i < 2; i++)
    permitted[i] = data[i].permitted;
  bounding[0] = bounding[1] = 0;
  for (int cap = 0; cap <= last_cap; cap++)
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
      bounding[CAP_WORD(cap)] |= CAP_BIT(cap);
  return 0;
}

/* A capability the runtime itself lacks cannot reach the container (the
 * host, or the container minirun runs in, took it away: this machine's root
 * has no CAP_SYS_RESOURCE). crun and runc drop it from the bounding set
 * without a word and fail a permitted/inheritable one with a bare "capset:
 * Operation not permitted". Here: a warning naming the bounding entry (the
 * container's bounding set cannot hold more than ours, and refusing would
 * break configs that start under crun), an error naming the field and the
 * capability for the sets capset(2) would refuse. */
static int check_runtime_holds(mr_context *ctx, const struct cap_sets *s, mr_error **err)
{
  uint32_t bnd[2], prm[2];
  int r = runtime_caps(s->last_cap, bnd, prm, err);
  for (int cap = 0; r == 0 && cap <= s->last_cap; cap++) {
    const char *set = NULL;
    if (has_cap(s->permitted, cap) && !(has_cap(prm, cap) && has_cap(bnd, cap)))
      set = "permitted";
    else if (has_cap(s->inheritable, cap) && !has_cap(bnd, cap))
      set = "inheritable";
    bool bounding_only = set == NULL && has_cap(s->bounding, cap) && !has_cap(bnd, cap);
    if (set == NULL && !bounding_only)
      continue;
    char name[CAPS_NAME_MAX];
    caps_to_name(cap, name);
    if (set != NULL)
      r = mr_err(err, -EPERM,
                 "config.json: process.capabilities.%s: %s: the runtime does not hold it itself "
                 "(not in its %s set), so it cannot grant it",
                 set, name, has_cap(bnd, cap) ? "permitted" : "bounding");
    else
      mr_warn(ctx,
              "config.json: process.capabilities.bounding: %s is not in the runtime's own "
              "bounding set: the container cannot have it",
              name);
  }
  return r;
}

int caps_plan(mr_context *ctx, const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_process *p = &config->spec->process;
  const struct spec_capabilities *c = &p->capabilities;
  struct cap_sets *s = &plan->caps;
  memset(s, 0, sizeof(*s));
  s->last_cap = caps_last_cap();
  plan->no_new_privs = p->no_new_privileges;
  int r = parse_set(ctx, c->bounding, c->n_bounding, "bounding", s->last_cap, s->bounding, err);
  if (r == 0)
    r = parse_set(ctx, c->effective, c->n_effective, "effective", s->last_cap, s->effective, err);
  if (r == 0)
    r = parse_set(ctx, c->permitted, c->n_permitted, "permitted", s->last_cap, s->permitted, err);
  if (r == 0)
    r = parse_set(ctx, c->inheritable, c->n_inheritable, "inheritable", s->last_cap, s->inheritable,
                  err);
  if (r == 0)
    r = parse_set(ctx, c->ambient, c->n_ambient, "ambient", s->last_cap, s->ambient, err);
  if (r < 0)
    return r;
  /* An effective capability outside the permitted set makes capset() fail
   * in the child: say which entry is wrong before anything starts. An
   * ambient one outside permitted+inheritable cannot be raised; the default
   * specs of runc and crun ask for exactly that (ambient without an
   * inheritable set), and both runtimes start such a container without it.
   * Do the same, but say so: a warning naming the entry, never silence. */
  for (int cap = 0; cap <= s->last_cap; cap++) {
    char name[CAPS_NAME_MAX];
    if (has_cap(s->effective, cap) && !has_cap(s->permitted, cap))
      return mr_err(err, -EINVAL,
                    "config.json: process.capabilities.effective: %s is not in the permitted set",
                    caps_to_name(cap, name));
    if (has_cap(s->ambient, cap) && !(has_cap(s->permitted, cap) && has_cap(s->inheritable, cap))) {
      mr_warn(ctx,
              "config.json: process.capabilities.ambient: %s is not in both the permitted and "
              "inheritable sets: not raised (as runc and crun)",
              caps_to_name(cap, name));
      s->ambient[CAP_WORD(cap)] &= ~CAP_BIT(cap);
    }
  }
  return in_user_ns(plan) ? 0 : check_runtime_holds(ctx, s, err);
}

/* ---- child side: async-signal-safe ---- */

void caps_prepare(const struct plan *plan, int sync_fd)
{
  /* Keep the permitted set across the switch to a non-root uid; caps_apply
   * then narrows it to exactly what the spec lists. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    sync_fail(sync_fd, errno, "prctl PR_SET_KEEPCAPS", NULL, NULL, NULL);
  for (int cap = 0; cap <= plan->caps.last_cap; cap++) {
    if (has_cap(plan->caps.bounding, cap))
      continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      sync_fail(sync_fd, errno, "drop a capability from the bounding set", NULL, NULL, NULL);
  }
}

void caps_apply(const struct plan *plan, int sync_fd)
{
  const struct cap_sets *s = &plan->caps;
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = s->effective[i];
    data[i].permitted = s->permitted[i];
    data[i].inheritable = s->inheritable[i];
  }
  if (syscall(SYS_capset, &hdr, data) < 0)
    sync_fail(sync_fd, errno,
              "capset (process.capabilities: the runtime must hold every capability it grants)",
              NULL, NULL, NULL);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    sync_fail(sync_fd, errno, "clear the ambient capabilities", NULL, NULL, NULL);
  for (int cap = 0; cap <= s->last_cap; cap++)
    if (has_cap(s->ambient, cap) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      sync_fail(sync_fd, errno, "raise an ambient capability (process.capabilities.ambient)", NULL,
                NULL, NULL);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    sync_fail(sync_fd, errno, "prctl PR_SET_KEEPCAPS", NULL, NULL, NULL);
}

void caps_no_new_privs(const struct plan *plan, int sync_fd)
{
  if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    sync_fail(sync_fd, errno, "prctl PR_SET_NO_NEW_PRIVS (process.noNewPrivileges)", NULL, NULL,
              NULL);
}
