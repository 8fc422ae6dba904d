/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* context.c - the context handle and logging through its callback. */
#define _GNU_SOURCE
#include "context.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/place.h"
#include "util.h"

#define DEFAULT_STATE_ROOT "/run/minirun"

#define MR_STR_(x) #x
#define MR_STR(x)  MR_STR_(x)

const char *mr_version(void)
{
  return MR_STR(MR_VERSION_MAJOR) "." MR_STR(MR_VERSION_MINOR) "." MR_STR(MR_VERSION_PATCH);
}

/* Makes `path` absolute against the current directory and drops trailing
 * slashes, so that state paths built from it are stable when the caller
 * chdir()s later. The directory itself need not exist yet. */
static int absolute_root(const char *path, char **out, mr_error **err)
{
  cleanup_free char *joined = NULL;
  if (path[0] != '/') {
    cleanup_free char *cwd = getcwd(NULL, 0);
    if (cwd == NULL)
      return mr_err_sys(err, errno, "state root %s: getcwd", path);
    joined = util_path_join(cwd, path);
  } else {
    joined = strdup(path);
  }
  if (joined == NULL)
    return mr_err_sys(err, ENOMEM, "state root %s", path);
  size_t len = strlen(joined);
  while (len > 1 && joined[len - 1] == '/')
    joined[--len] = '\0';
  *out = joined;
  joined = NULL;
  return 0;
}

int mr_context_new(const char *state_root, mr_context **out, mr_error **err)
{
  if (out == NULL)
    return mr_err(err, -EINVAL, "mr_context_new: out is NULL");
  *out = NULL;
  if (state_root == NULL)
    state_root = DEFAULT_STATE_ROOT;
  if (state_root[0] == '\0')
    return mr_err(err, -EINVAL, "state root: empty path");

  mr_context *ctx = calloc(1, sizeof(*ctx));
  if (ctx == NULL)
    return mr_err_sys(err, ENOMEM, "context");
  int r = absolute_root(state_root, &ctx->state_root, err);
  if (r < 0) {
    free(ctx);
    return r;
  }
  ctx->log_level = MR_LOG_ERROR;
  ctx->cgroup_mode = MR_CGROUP_AUTO;
  ctx->timeout_ms = MR_DEFAULT_TIMEOUT_MS;
  ctx->cancel_fd = -1;
  *out = ctx;
  return 0;
}

void mr_context_free(mr_context *ctx)
{
  if (ctx == NULL)
    return;
  free(ctx->state_root);
  free(ctx->seccomp_cache_dir);
  free(ctx->cgroup_parent);
  free(ctx);
}

const char *mr_context_state_root(const mr_context *ctx)
{
  return ctx->state_root;
}

void mr_context_set_log(mr_context *ctx, mr_log_fn fn, void *userdata, enum mr_log_level level)
{
  ctx->log_fn = fn;
  ctx->log_data = userdata;
  ctx->log_level = level;
}

void mr_context_set_cgroup_mode(mr_context *ctx, enum mr_cgroup_mode mode)
{
  ctx->cgroup_mode = mode;
}

int mr_context_set_cgroup_parent(mr_context *ctx, const char *parent, mr_error **err)
{
  if (ctx == NULL)
    return mr_err(err, -EINVAL, "mr_context_set_cgroup_parent: no context");
  char *copy = NULL;
  if (parent != NULL) {
    if (parent[0] == '\0')
      return mr_err(err, -EINVAL, "cgroup parent: empty path");
    /* The same checks as a cgroupsPath: resolve a dummy id below it. */
    mr_context probe = {.cgroup_parent = (char *)parent};
    cleanup_free char *path = NULL;
    int r = cg_path_resolve(&probe, NULL, "x", &path, NULL, err);
    if (r < 0)
      return r;
    copy = strdup(parent);
    if (copy == NULL)
      return mr_err_sys(err, ENOMEM, "cgroup parent");
  }
  free(ctx->cgroup_parent);
  ctx->cgroup_parent = copy;
  return 0;
}

void mr_context_set_cgroup_systemd(mr_context *ctx, int systemd)
{
  ctx->cgroup_systemd = systemd != 0;
}

int mr_context_set_seccomp_cache(mr_context *ctx, const char *dir, mr_error **err)
{
  if (ctx == NULL)
    return mr_err(err, -EINVAL, "mr_context_set_seccomp_cache: no context");
  char *abs = NULL;
  if (dir != NULL) {
    if (dir[0] == '\0')
      return mr_err(err, -EINVAL, "seccomp cache: empty path");
    int r = absolute_root(dir, &abs, err);
    if (r < 0)
      return r;
  }
  free(ctx->seccomp_cache_dir);
  ctx->seccomp_cache_dir = abs;
  return 0;
}

enum mr_cgroup_mode mr_context_cgroup_mode(const mr_context *ctx)
{
  return ctx->cgroup_mode;
}

void mr_context_set_timeout(mr_context *ctx, unsigned int ms)
{
  ctx->timeout_ms = ms;
}

void mr_context_set_cancel_fd(mr_context *ctx, int fd)
{
  ctx->cancel_fd = fd;
}

void mr_log(const mr_context *ctx, enum mr_log_level level, const char *fmt, ...)
{
  /* Check before formatting: debug messages are cheap when nobody listens. */
  if (ctx == NULL || ctx->log_fn == NULL || level > ctx->log_level)
    return;
  char *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (n < 0)
    return; /* out of memory: a log line is not worth failing for */
  ctx->log_fn(ctx->log_data, level, msg);
  free(msg);
}
