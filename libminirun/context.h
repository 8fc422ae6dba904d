/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* context.h - the context every call hangs off, and logging through it. */
#ifndef MR_CONTEXT_H
#define MR_CONTEXT_H

#include <stdbool.h>

#include "error.h"
#include "minirun.h"

struct mr_context {
  char *state_root;
  mr_log_fn log_fn;
  void *log_data;
  enum mr_log_level log_level;
  enum mr_cgroup_mode cgroup_mode;
  char *cgroup_parent;     /* NULL: CG_DEFAULT_PARENT (cgroup/place.h) */
  bool cgroup_systemd;     /* no cgroupsPath: system.slice:minirun:ID */
  char *seccomp_cache_dir; /* NULL: no cache of compiled seccomp filters */
  unsigned int timeout_ms; /* create/run: 0 = no limit */
  int cancel_fd;           /* create/run give up when readable; -1: none */
};

/* Formats and hands a message to the context's log callback, if any. */
void mr_log(const mr_context *ctx, enum mr_log_level level, const char *fmt, ...) MR_PRINTF(3, 4);
#define mr_debug(ctx, ...) mr_log(ctx, MR_LOG_DEBUG, __VA_ARGS__)
#define mr_warn(ctx, ...)  mr_log(ctx, MR_LOG_WARNING, __VA_ARGS__)

#endif /* MR_CONTEXT_H */
