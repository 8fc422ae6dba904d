/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-subcgroup.c - `exec --cgroup`: the process runs in an existing
 * sub-cgroup of the container's cgroup (runc's exec --cgroup).
 *
 * "PATH" names it in every hierarchy of the container (cgroup v2 has one),
 * "CONTROLLER[,CONTROLLER...]:PATH" in the v1 hierarchies of those
 * controllers. The options are checked for their form when given; at exec
 * time each recorded directory (state.json cgroupPaths, in the exec's
 * private copy of the record) that an option names is replaced by its
 * sub-directory, which must exist on the same cgroup filesystem. PATH has
 * no "." or ".." components and cgroupfs has no symlinks, so the result is
 * below the container's cgroup. The joining itself is exec-cgroup.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "cgroup/place.h"
#include "exec.h"
#include "util.h"

/* Relative, non-empty, no "." or ".." or empty components; a leading "/"
 * is dropped (runc joins it to the container's path either way). */
static int check_path(const char *spec, const char *path, mr_error **err)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    return mr_err(err, -EINVAL, "exec: cgroup: '%s': names no sub-cgroup", spec);
  for (const char *c = path; *c != '\0';) {
    size_t n = strcspn(c, "/");
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return mr_err(err, -EINVAL,
                    "exec: cgroup: '%s': the path must stay below the container's cgroup "
                    "(no '.', '..' or empty components)",
                    spec);
    c += n;
    if (*c == '/')
      c++;
  }
  return 0;
}

/* Every controller of `controllers` is named by no earlier option. */
static int check_controllers(const mr_exec_opts *o, const char *spec, const char *controllers,
                             mr_error **err)
{
  size_t len = strlen(controllers);
  if (len == 0 || controllers[len - 1] == ',')
    return mr_err(err, -EINVAL, "exec: cgroup: '%s': empty controller name", spec);
  for (const char *c = controllers; *c != '\0';) {
    size_t n = strcspn(c, ",");
    if (n == 0)
      return mr_err(err, -EINVAL, "exec: cgroup: '%s': empty controller name", spec);
    bool twice = false;
    for (const char *q = controllers; q < c && !twice; q += strcspn(q, ",") + 1)
      twice = strcspn(q, ",") == n && strncmp(q, c, n) == 0;
    for (size_t i = 0; i < o->n_cgroups && !twice; i++)
      twice = util_list_has(o->cgroups[i].controllers, c, n);
    if (twice)
      return mr_err(err, -EINVAL, "exec: cgroup: '%s': controller '%.*s' given twice", spec, (int)n,
                    c);
    c += n;
    if (*c == ',')
      c++;
  }
  return 0;
}

int mr_exec_opts_add_cgroup(mr_exec_opts *o, const char *spec, mr_error **err)
{
  if (spec == NULL || spec[0] == '\0')
    return mr_err(err, -EINVAL, "exec: cgroup: empty");
  const char *colon = strchr(spec, ':');
  const char *path = colon != NULL ? colon + 1 : spec;
  bool all = colon == NULL;
  if (o->n_cgroups > 0 && (all || o->cgroups[0].controllers == NULL))
    return mr_err(err, -EINVAL,
                  "exec: cgroup: '%s': a PATH without a 'CONTROLLER:' prefix must be the only "
                  "cgroup given",
                  spec);
  if (strchr(path, ':') != NULL)
    return mr_err(err, -EINVAL, "exec: cgroup: '%s': expected [CONTROLLER[,...]:]PATH", spec);
  char *controllers = all ? NULL : strndup(spec, (size_t)(colon - spec));
  int r = !all && controllers == NULL ? mr_err_sys(err, ENOMEM, "exec options") : 0;
  if (r == 0 && !all)
    r = check_controllers(o, spec, controllers, err);
  if (r == 0)
    r = check_path(spec, path, err);
  struct exec_subcgroup *grown = NULL;
  if (r == 0 && (grown = realloc(o->cgroups, (o->n_cgroups + 1) * sizeof(*grown))) == NULL)
    r = mr_err_sys(err, ENOMEM, "exec options");
  if (r == 0) {
    o->cgroups = grown;
    while (*path == '/')
      path++;
    char *copy = strdup(path);
    if (copy == NULL)
      r = mr_err_sys(err, ENOMEM, "exec options");
    else
      o->cgroups[o->n_cgroups++] = (struct exec_subcgroup){controllers, copy};
  }
  if (r < 0)
    free(controllers);
  return r;
}

/* The super options ("rw,memory") of the v1 hierarchy mounted at the
 * longest mountpoint that holds `dir`, malloc'd; NULL when none is. */
static char *hierarchy_options(FILE *mi, const char *dir)
{
  char *line = NULL, *best = NULL;
  size_t cap = 0, best_len = 0;
  rewind(mi);
  while (getline(&line, &cap, mi) > 0) {
    char *point = NULL, fstype[64], super[1024];
    const char *dash = strstr(line, " - ");
    if (dash == NULL || sscanf(line, "%*s %*s %*s %*s %ms", &point) != 1)
      continue;
    size_t n = strlen(point);
    if (sscanf(dash + 3, "%63s %*s %1023s", fstype, super) == 2 && strcmp(fstype, "cgroup") == 0 &&
        n > best_len && strncmp(dir, point, n) == 0 && (dir[n] == '/' || dir[n] == '\0')) {
      char *copy = strdup(super);
      if (copy != NULL) {
        free(best);
        best = copy;
        best_len = n;
      }
    }
    free(point);
  }
  free(line);
  return best;
}

/* The option that names the hierarchy of `dir` (NULL: none); two options
 * naming one hierarchy are an error. */
static int option_for(const mr_exec_opts *o, const char *super, const struct exec_subcgroup **out,
                      mr_error **err)
{
  *out = NULL;
  for (size_t i = 0; i < o->n_cgroups; i++) {
    const struct exec_subcgroup *c = &o->cgroups[i];
    bool hit = c->controllers == NULL;
    for (const char *p = c->controllers; p != NULL && *p != '\0';) {
      size_t n = strcspn(p, ",");
      hit = hit || (super != NULL && util_list_has(super, p, n));
      p += n + (p[n] == ',');
    }
    if (hit && *out != NULL && strcmp((*out)->path, c->path) != 0)
      return mr_err(err, -EINVAL,
                    "exec: cgroup: '%s:%s' and '%s:%s' name two paths in one hierarchy (%s)",
                    (*out)->controllers, (*out)->path, c->controllers, c->path, super);
    if (hit)
      *out = c;
  }
  return 0;
}

/* `dir`/`sub` exists on the filesystem of `dir`; into *out (malloc'd). */
static int sub_dir(const char *id, const char *spec_path, const char *dir, char **out,
                   mr_error **err)
{
  struct statfs want, got;
  struct stat st;
  char *sub = NULL;
  if (asprintf(&sub, "%s/%s", dir, spec_path) < 0)
    return mr_err_sys(err, ENOMEM, "cgroup path");
  int r = 0;
  if (statfs(dir, &want) < 0)
    r = mr_err_sys(err, errno, "container '%s': its cgroup %s", id, dir);
  else if (stat(sub, &st) < 0 || statfs(sub, &got) < 0)
    r = mr_err_sys(err, errno, "exec: cgroup: '%s': the sub-cgroup %s of container '%s'", spec_path,
                   sub, id);
  else if (!S_ISDIR(st.st_mode) || got.f_type != want.f_type)
    r = mr_err(err, -EINVAL, "exec: cgroup: '%s': %s is not a cgroup below container '%s''s",
               spec_path, sub, id);
  if (r < 0)
    free(sub);
  else
    *out = sub;
  return r;
}

/* A v1 cpuset cgroup with no CPU or no memory node takes no task: the
 * kernel would refuse the exec'd process after clone with ENOSPC ("No
 * space left on device"). Told before anything starts, naming the file. */
static int check_cpuset(const char *spec_path, const char *sub, mr_error **err)
{
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
    char value[8];
    int r = cg_read_file(sub, files[i], value, sizeof(value));
    if (r < 0)
      return mr_err_sys(err, -r, "exec: cgroup: '%s': read %s/%s", spec_path, sub, files[i]);
    if (value[0] == '\0')
      return mr_err(err, -EINVAL,
                    "exec: cgroup: '%s': %s/%s is empty: a cpuset cgroup without CPUs or memory "
                    "nodes takes no process",
                    spec_path, sub, files[i]);
  }
  return 0;
}

/* Every controller the options name is in one of the container's v1
 * hierarchies, whose super options `supers` lists. */
static int check_known(const mr_exec_opts *o, const char *supers, const char *id, mr_error **err)
{
  for (size_t i = 0; i < o->n_cgroups; i++) {
    for (const char *p = o->cgroups[i].controllers; p != NULL && *p != '\0';) {
      size_t n = strcspn(p, ",");
      if (!util_list_has(supers, p, n))
        return mr_err(err, -EINVAL,
                      "exec: cgroup: '%s:%s': controller '%.*s' is in no v1 cgroup of "
                      "container '%s'",
                      o->cgroups[i].controllers, o->cgroups[i].path, (int)n, p, id);
      p += n + (p[n] == ',');
    }
  }
  return 0;
}

/* One recorded directory: replaced by the sub-cgroup an option names;
 * its hierarchy's super options appended to `supers`. */
static int resolve_one(const mr_context *ctx, struct state_record *rec, size_t i,
                       const mr_exec_opts *o, FILE *mi, FILE *supers, mr_error **err)
{
  struct statfs sfs;
  const struct exec_subcgroup *c = NULL;
  char *super = NULL, *sub = NULL;
  if (statfs(rec->cgroup_paths[i], &sfs) == 0 && sfs.f_type == CGROUP_SUPER_MAGIC)
    super = hierarchy_options(mi, rec->cgroup_paths[i]);
  if (super != NULL)
    fprintf(supers, "%s,", super);
  int r = option_for(o, super, &c, err);
  bool cpuset = super != NULL && util_list_has(super, "cpuset", strlen("cpuset"));
  free(super);
  if (r == 0 && c != NULL)
    r = sub_dir(rec->id, c->path, rec->cgroup_paths[i], &sub, err);
  if (r == 0 && c != NULL && cpuset)
    r = check_cpuset(c->path, sub, err);
  if (r < 0)
    free(sub);
  else if (c != NULL) {
    mr_debug(ctx, "exec in '%s': cgroup %s", rec->id, sub);
    free(rec->cgroup_paths[i]);
    rec->cgroup_paths[i] = sub;
  }
  return r;
}

int exec_subcgroup_resolve(const mr_context *ctx, struct state_record *rec, const mr_exec_opts *o,
                           mr_error **err)
{
  if (o->n_cgroups == 0)
    return 0;
  if (ctx->cgroup_mode == MR_CGROUP_NONE || rec->n_cgroup_paths == 0)
    return mr_err(err, -EINVAL,
                  "exec: cgroup: container '%s' has no cgroup of its own to run in a sub-cgroup of",
                  rec->id);
  char *text = NULL;
  size_t len = 0;
  FILE *mi = fopen("/proc/self/mountinfo", "re");
  FILE *supers = open_memstream(&text, &len);
  int r = 0;
  if (mi == NULL)
    r = mr_err_sys(err, errno, "open /proc/self/mountinfo");
  else if (supers == NULL)
    r = mr_err_sys(err, ENOMEM, "exec: cgroup");
  for (size_t i = 0; r == 0 && i < rec->n_cgroup_paths; i++)
    r = resolve_one(ctx, rec, i, o, mi, supers, err);
  if (supers != NULL && fclose(supers) != 0 && r == 0)
    r = mr_err_sys(err, ENOMEM, "exec: cgroup");
  if (r == 0)
    r = check_known(o, text != NULL ? text : "", rec->id, err);
  free(text);
  if (mi != NULL)
    fclose(mi);
  return r;
}
