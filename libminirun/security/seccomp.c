/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp.c - linux.seccomp: the plan (before clone) and the load (child).
 *
 * Where the program comes from, cheapest first:
 *   1. the mr_config: compiled by an earlier create from the same config;
 *   2. the context's cache directory (seccomp-cache.c), for one-shot
 *      processes like the CLI;
 *   3. libseccomp (seccomp-compile.c), whose result goes to 1 and 2.
 * A config is immutable once loaded and may be shared by threads, so the
 * lazy step runs under the config's lock; the program is never modified
 * afterwards and every plan borrows it.
 *
 * The child loads it with the raw seccomp() system call as the last step
 * before execve (after no_new_privs), or, when no_new_privs is off and the
 * process will not keep CAP_SYS_ADMIN (which the kernel then requires),
 * before the uid/capability switch, as runc does. In that case everything
 * the runtime does afterwards (setgroups, setresuid, capset, reading the
 * start fifo, execve) must be allowed by the profile, which podman's is.
 */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../container.h"
#include "../plan.h"
#include "../sync.h"
#include "sha256.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static long raw_seccomp(unsigned int op, unsigned int flags, void *args)
{
  return syscall(SYS_seccomp, op, flags, args);
}

/* The program for `config`, compiled at most once per config. */
static int config_program(mr_context *ctx, const struct mr_config *config,
                          const struct seccomp_program **out, mr_error **err)
{
  struct mr_config *c = (struct mr_config *)config; /* the lazily filled cache only */
  const struct spec_seccomp *sc = &config->spec->linux_.seccomp;
  int r = 0;
  pthread_mutex_lock(&c->seccomp_lock);
  if (c->seccomp_prog.insns == NULL) {
    unsigned char key[SHA256_LEN];
    bool hit = false;
    if (ctx->seccomp_cache_dir != NULL) {
      seccomp_cache_key(sc, key);
      hit = seccomp_cache_load(ctx, ctx->seccomp_cache_dir, key, &c->seccomp_prog) == 1;
    }
    if (!hit) {
      r = seccomp_compile(ctx, sc, &c->seccomp_prog, err);
      if (r == 0) {
        mr_debug(ctx, "seccomp: compiled %zu instructions", c->seccomp_prog.n_insns);
        if (ctx->seccomp_cache_dir != NULL)
          seccomp_cache_store(ctx, ctx->seccomp_cache_dir, key, &c->seccomp_prog);
      }
    }
  }
  pthread_mutex_unlock(&c->seccomp_lock);
  *out = &c->seccomp_prog;
  return r;
}

/* Flags the kernel does not know fail with EINVAL before it reads the
 * (here: missing) program, known ones with EFAULT: a probe without effect. */
static int check_kernel_flags(unsigned int flags, mr_error **err)
{
  static const struct {
    unsigned int flag;
    const char *what;
  } need[] = {
      {SECCOMP_FILTER_FLAG_LOG, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_LOG needs Linux 4.14"},
      {SECCOMP_FILTER_FLAG_SPEC_ALLOW,
       "linux.seccomp.flags: SECCOMP_FILTER_FLAG_SPEC_ALLOW needs Linux 4.17"},
      {SECCOMP_FILTER_FLAG_NEW_LISTENER,
       "linux.seccomp.listenerPath: seccomp user notification needs Linux 5.0"},
      {SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
       "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs Linux 5.19"},
  };
  for (size_t i = 0; i < sizeof(need) / sizeof(*need); i++) {
    unsigned int f = need[i].flag;
    if (!(flags & f))
      continue;
    if (f == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
      f |= SECCOMP_FILTER_FLAG_NEW_LISTENER; /* only valid together */
    if (raw_seccomp(SECCOMP_SET_MODE_FILTER, f, NULL) < 0 && errno == EFAULT)
      continue;
    if (errno == ENOSYS)
      return mr_err(err, -ENOSYS, "config.json: linux.seccomp: the kernel has no seccomp()");
    return mr_err(err, -EOPNOTSUPP, "config.json: %s (not supported by this kernel)", need[i].what);
  }
  return 0;
}

/* Will the process hold CAP_SYS_ADMIN when it reaches execve? */
static bool keeps_sys_admin(const struct spec_process *p)
{
  if (!p->capabilities.present)
    return p->user.uid == 0;
  for (size_t i = 0; i < p->capabilities.n_effective; i++)
    if (strcmp(p->capabilities.effective[i], "CAP_SYS_ADMIN") == 0)
      return true;
  return false;
}

int seccomp_plan(mr_context *ctx, const struct mr_config *config, const char *id, struct plan *plan,
                 mr_error **err)
{
  struct seccomp_plan *sp = &plan->seccomp;
  memset(sp, 0, sizeof(*sp));
  sp->listener_fd = -1;
  const struct spec_seccomp *sc = &config->spec->linux_.seccomp;
  if (!sc->present)
    return 0;
  struct seccomp_check chk;
  int r = seccomp_check_spec(sc, &chk, err);
  if (r < 0)
    return r;
  const struct seccomp_program *prog;
  r = config_program(ctx, config, &prog, err);
  if (r < 0)
    return r;
  sp->prog.len = (unsigned short)prog->n_insns;
  sp->prog.filter = prog->insns;
  sp->flags = chk.flags;
  if (sc->listener_path != NULL)
    sp->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  r = check_kernel_flags(sp->flags, err);
  if (r < 0)
    return r;
  sp->early = !config->spec->process.no_new_privileges && !keeps_sys_admin(&config->spec->process);
  if (sc->listener_path != NULL) {
    r = seccomp_notify_plan(config, id, sp, err);
    if (r < 0)
      return r;
  }
  sp->enabled = true;
  return 0;
}

void seccomp_plan_free(struct seccomp_plan *sp)
{
  if (sp->listener_fd >= 0)
    close(sp->listener_fd);
  sp->listener_fd = -1;
  free(sp->state_json);
  sp->state_json = NULL;
}

void seccomp_config_init(struct mr_config *config)
{
  pthread_mutex_init(&config->seccomp_lock, NULL);
}

void seccomp_config_free(struct mr_config *config)
{
  seccomp_program_free(&config->seccomp_prog);
  pthread_mutex_destroy(&config->seccomp_lock);
}

/* ---- child side -------------------------------------------------------- */

static void load(struct plan *plan, int sync_fd)
{
  struct seccomp_plan *sp = &plan->seccomp;
  long fd = raw_seccomp(SECCOMP_SET_MODE_FILTER, sp->flags, &sp->prog);
  if (fd < 0)
    sync_fail(sync_fd, errno, "load the seccomp filter", NULL, NULL, NULL);
  if (sp->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
    seccomp_notify_send(sp, (int)fd, sync_fd);
}

void seccomp_apply_before_identity(struct plan *plan, int sync_fd)
{
  if (plan->seccomp.enabled && plan->seccomp.early)
    load(plan, sync_fd);
}

void seccomp_apply_before_exec(struct plan *plan, int sync_fd)
{
  if (plan->seccomp.enabled && !plan->seccomp.early)
    load(plan, sync_fd);
}
