/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/update.c - new resources for a running container: plan them on
 * the layout detected now, match each planned hierarchy to the container's
 * recorded directory (by mount point) and write. The plan runs first, so a
 * bad value changes nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../context.h"
#include "cgroup.h"

/* The hierarchy whose mount point holds `dir` (the longest match: on a
 * hybrid host /sys/fs/cgroup/unified is not /sys/fs/cgroup/un...). */
static const struct cg_hierarchy *hierarchy_of(const struct cg_layout *l, const char *dir)
{
  const struct cg_hierarchy *best = NULL;
  size_t best_len = 0;
  for (size_t i = 0; i < l->n; i++) {
    size_t len = strlen(l->h[i].mountpoint);
    if (strncmp(dir, l->h[i].mountpoint, len) == 0 && (dir[len] == '/' || dir[len] == '\0') &&
        len >= best_len) {
      best = &l->h[i];
      best_len = len;
    }
  }
  return best;
}

static void log_warnings(const mr_context *ctx, char **w, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    mr_warn(ctx, "update: %s", w[i]);
    free(w[i]);
  }
  free(w);
}

int cg_resources_update(const mr_context *ctx, char *const *dirs, size_t n,
                        const struct spec_resources *res, const struct spec *spec, mr_error **err)
{
  struct cg_layout l;
  int r = cg_layout_detect(ctx->cgroup_mode, &l, err);
  if (r < 0)
    return r;
  const struct cg_hierarchy **hier = calloc(n ? n : 1, sizeof(const struct cg_hierarchy *));
  struct cg_paths paths = {.mode = l.mode, .dirs = (char **)dirs, .hier = hier, .n = n};
  struct cg_writes w = {0};
  char **warnings = NULL;
  size_t n_warnings = 0;
  if (hier == NULL)
    r = mr_err(err, -ENOMEM, "out of memory");
  for (size_t i = 0; r == 0 && i < n; i++)
    hier[i] = hierarchy_of(&l, dirs[i]);
  if (r == 0)
    r = cg_resources_plan_with(res, spec, &l, &w, &warnings, &n_warnings, err);
  log_warnings(ctx, warnings, n_warnings);
  if (r == 0)
    r = cg_writes_apply(&w, &paths, err);
  cg_writes_free(&w);
  free(hier);
  cg_layout_free(&l);
  return r;
}
