/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/path.c - where below each hierarchy's root a container's cgroup
 * goes, from linux.cgroupsPath and the context.
 *
 *   "/a/b"              absolute: /a/b in every hierarchy
 *   "a/b"               relative: <parent>/a/b (mr_context_set_cgroup_parent;
 *                       default /minirun for the state root /run/minirun,
 *                       else /minirun/<the state root, '/' -> '-'>: ids are
 *                       unique per state root only, and two roots in use at
 *                       once must not share a cgroup)
 *   absent              <parent>/<id>; with the systemd manager
 *                       system.slice:minirun:<id>
 *   "slice:prefix:name" systemd's form (podman --systemd-cgroup): the path
 *                       systemd gives that unit, since we talk to no D-Bus:
 *                       "a-b.slice:p:n" -> /a.slice/a-b.slice/p-n.scope
 *
 * ".." is refused (it would leave the parent), "." and repeated slashes are
 * dropped, and the result must not be the root cgroup itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../context.h"
#include "place.h"

#define FIELD       "config.json: linux.cgroupsPath"
#define CG_PATH_MAX 4096

/* Appends "/" + the component [s, s+len) to out (of size CG_PATH_MAX). */
static int append(char *out, const char *s, size_t len)
{
  size_t used = strlen(out);
  if (used + 1 + len + 1 > CG_PATH_MAX)
    return -ENAMETOOLONG;
  out[used] = '/';
  memcpy(out + used + 1, s, len);
  out[used + 1 + len] = '\0';
  return 0;
}

/* Appends the components of `path` to out, normalised. */
static int append_path(char *out, const char *path, const char *what, mr_error **err)
{
  for (const char *p = path; *p;) {
    size_t len = strcspn(p, "/");
    if (len == 2 && strncmp(p, "..", 2) == 0)
      return mr_err(err, -EINVAL, "%s: '%s': '..' is not allowed", what, path);
    for (size_t i = 0; i < len; i++)
      if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
        return mr_err(err, -EINVAL, "%s: contains a control character", what);
    if (len > 255)
      return mr_err(err, -ENAMETOOLONG, "%s: a component is longer than 255 bytes", what);
    if (len > 0 && !(len == 1 && p[0] == '.') && append(out, p, len) < 0)
      return mr_err(err, -ENAMETOOLONG, "%s: longer than %d bytes", what, CG_PATH_MAX);
    p += len;
    while (*p == '/')
      p++;
  }
  return 0;
}

/* A slice name: "-.slice" (the root) or dash-separated non-empty words
 * ending in ".slice", no '/'. */
static int check_slice(const char *slice, size_t len, mr_error **err)
{
  static const char suffix[] = ".slice";
  size_t sl = sizeof(suffix) - 1;
  if (len <= sl || strncmp(slice + (len - sl), suffix, sl) != 0 || memchr(slice, '/', len) ||
      (len != sl + 1 && (slice[0] == '-' || slice[len - sl - 1] == '-')))
    return mr_err(err, -EINVAL, FIELD ": '%.*s' is not a systemd slice name (like a-b.slice)",
                  (int)len, slice);
  for (size_t i = 0; i + 1 < len - sl; i++)
    if (slice[i] == '-' && slice[i + 1] == '-')
      return mr_err(err, -EINVAL, FIELD ": '%.*s': empty word in a slice name", (int)len, slice);
  return 0;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" ("-.slice": nothing). */
static int expand_slice(char *out, const char *slice, size_t len)
{
  if (len == 7 && strncmp(slice, "-.slice", 7) == 0)
    return 0;
  size_t words = len - 6; /* without ".slice" */
  for (size_t i = 0; i <= words; i++) {
    if (i != words && slice[i] != '-')
      continue;
    char unit[512];
    if (i + 7 > sizeof(unit))
      return -ENAMETOOLONG;
    memcpy(unit, slice, i);
    memcpy(unit + i, ".slice", 7);
    int r = append(out, unit, strlen(unit));
    if (r < 0)
      return r;
  }
  return 0;
}

static int systemd_path(const char *spec, char *out, mr_error **err)
{
  const char *c1 = strchr(spec, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c2 == NULL || strchr(c2 + 1, ':') != NULL)
    return mr_err(err, -EINVAL, FIELD ": '%s': expected slice:prefix:name (systemd)", spec);
  const char *slice = spec, *prefix = c1 + 1, *name = c2 + 1;
  size_t slice_len = (size_t)(c1 - spec), prefix_len = (size_t)(c2 - prefix);
  if (slice_len == 0) {
    slice = "system.slice";
    slice_len = strlen(slice);
  }
  int r = check_slice(slice, slice_len, err);
  if (r < 0)
    return r;
  if (*name == '\0' || strchr(name, '/') || memchr(prefix, '/', prefix_len))
    return mr_err(err, -EINVAL, FIELD ": '%s': the prefix and name must be non-empty words", spec);
  char unit[512];
  int n = prefix_len ? snprintf(unit, sizeof(unit), "%.*s-%s.scope", (int)prefix_len, prefix, name)
                     : snprintf(unit, sizeof(unit), "%s.scope", name);
  if (n < 0 || (size_t)n >= sizeof(unit) || n > 255)
    return mr_err(err, -ENAMETOOLONG, FIELD ": '%s': unit name longer than 255 bytes", spec);
  if (expand_slice(out, slice, slice_len) < 0)
    return mr_err(err, -ENAMETOOLONG, FIELD ": '%s': too long", spec);
  return append_path(out, unit, FIELD, err);
}

/* "/tmp/x/state" -> "/minirun/tmp-x-state" (the last 200 bytes of the
 * root when it is longer: the end is what differs). */
static void default_parent(const mr_context *ctx, char *out, size_t size)
{
  const char *root = ctx->state_root ? ctx->state_root : CG_DEFAULT_STATE_ROOT;
  if (strcmp(root, CG_DEFAULT_STATE_ROOT) == 0) {
    snprintf(out, size, "%s", CG_DEFAULT_PARENT);
    return;
  }
  while (*root == '/')
    root++;
  size_t len = strlen(root);
  if (len > 200)
    root += len - 200;
  int n = snprintf(out, size, "%s/%s", CG_DEFAULT_PARENT, root);
  for (char *p = out + strlen(CG_DEFAULT_PARENT) + 1; n > 0 && *p; p++)
    if (*p == '/' || (unsigned char)*p < 0x20)
      *p = '-';
}

static size_t count_components(const char *path)
{
  size_t n = 0;
  for (const char *p = path; *p; p++)
    n += *p == '/';
  return n;
}

int cg_path_resolve(const mr_context *ctx, const char *cgroups_path, const char *id, char **out,
                    size_t *own, mr_error **err)
{
  if (own != NULL)
    *own = 0;
  char path[CG_PATH_MAX] = "", fallback[300];
  default_parent(ctx, fallback, sizeof(fallback));
  const char *parent = ctx->cgroup_parent ? ctx->cgroup_parent : fallback;
  int r = 0;
  *out = NULL;
  if (cgroups_path == NULL && ctx->cgroup_systemd) {
    char unit[1100];
    snprintf(unit, sizeof(unit), "system.slice:minirun:%s", id);
    r = systemd_path(unit, path, err);
  } else if (cgroups_path == NULL) {
    r = append_path(path, parent, "cgroup parent", err);
    if (r == 0 && own != NULL && ctx->cgroup_parent == NULL)
      *own = count_components(path);
    if (r == 0)
      r = append_path(path, id, "container id", err);
  } else if (cgroups_path[0] == '\0') {
    return mr_err(err, -EINVAL, FIELD ": empty");
  } else if (cgroups_path[0] != '/' && strchr(cgroups_path, ':') != NULL) {
    r = systemd_path(cgroups_path, path, err);
  } else {
    if (cgroups_path[0] != '/')
      r = append_path(path, parent, "cgroup parent", err);
    if (r == 0 && own != NULL && ctx->cgroup_parent == NULL && cgroups_path[0] != '/')
      *own = count_components(path);
    if (r == 0)
      r = append_path(path, cgroups_path, FIELD, err);
  }
  if (r < 0)
    return r;
  if (path[0] == '\0')
    return mr_err(err, -EINVAL, FIELD ": '%s' names the root cgroup, which is not a container's",
                  cgroups_path ? cgroups_path : "");
  *out = strdup(path);
  return *out ? 0 : mr_err_sys(err, ENOMEM, FIELD);
}
