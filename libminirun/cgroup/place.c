/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/place.c - creating a container's cgroup directories, writing its
 * resources and moving its init in; undoing that when create fails.
 * Runs in the parent only (see cgroup/place.h for the sequence).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util.h"
#include "place.h"

#define FIELD "config.json: linux.cgroupsPath"

static int plan_paths(struct cg_place *p, mr_error **err)
{
  size_t n = p->layout.n;
  p->paths.mode = p->layout.mode;
  p->paths.dirs = calloc(n ? n : 1, sizeof(char *));
  p->paths.hier = calloc(n ? n : 1, sizeof(const struct cg_hierarchy *));
  if (p->paths.dirs == NULL || p->paths.hier == NULL)
    return mr_err_sys(err, ENOMEM, "cgroup paths");
  for (size_t i = 0; i < n; i++) {
    p->paths.hier[i] = &p->layout.h[i];
    p->paths.dirs[i] = util_path_join(p->layout.h[i].mountpoint, p->rel);
    if (p->paths.dirs[i] == NULL)
      return mr_err_sys(err, ENOMEM, "cgroup paths");
    p->paths.n++;
  }
  return 0;
}

static int plan_resources(mr_context *ctx, const struct spec *spec, struct cg_place *p,
                          mr_error **err)
{
  char **warnings = NULL;
  size_t n_warnings = 0;
  int r = cg_resources_plan_spec(spec, &p->layout, &p->writes, &warnings, &n_warnings, err);
  if (r < 0)
    mr_err_prefix(err, r, "config.json");
  for (size_t i = 0; i < n_warnings; i++) {
    mr_warn(ctx, "config.json: %s", warnings[i]);
    free(warnings[i]);
  }
  free(warnings);
  return r;
}

int cg_place_plan(mr_context *ctx, const struct spec *spec, const char *id, struct cg_place *p,
                  mr_error **err)
{
  memset(p, 0, sizeof(*p));
  p->clone_fd = -1;
  int r = cg_layout_detect(ctx->cgroup_mode, &p->layout, err);
  if (r < 0)
    return r;
  if (p->layout.mode == MR_CGROUP_NONE) {
    if (spec->linux_.resources.present)
      mr_warn(ctx, "config.json: linux.resources: not applied: %s",
              ctx->cgroup_mode == MR_CGROUP_NONE ? "cgroups are disabled"
                                                 : "the host has no cgroup hierarchy mounted");
    return 0;
  }
  r = cg_path_resolve(ctx, spec->linux_.cgroups_path, id, &p->rel, &p->own, err);
  if (r == 0)
    r = plan_paths(p, err);
  if (r == 0)
    r = plan_resources(ctx, spec, p, err);
  if (r == 0)
    mr_debug(ctx, "container %s: cgroup %s in %zu hierarchies", id, p->rel, p->paths.n);
  return r;
}

int cg_place_clone_fd(const struct cg_place *p)
{
  return p->clone_fd;
}

/* ---- creating the directories ---- */

static bool is_leaf(const struct cg_place *p, const char *dir)
{
  for (size_t i = 0; i < p->paths.n; i++)
    if (strcmp(p->paths.dirs[i], dir) == 0)
      return true;
  return false;
}

static bool was_created(const struct cg_place *p, const char *dir)
{
  for (size_t i = 0; i < p->n_created; i++)
    if (strcmp(p->created[i], dir) == 0)
      return true;
  return false;
}

/* Whether `dir` is CG_DEFAULT_PARENT of a hierarchy, as our own parent:
 * shared by every state root and kept once made (as crun and runc keep
 * theirs), so that a create does not pay a mkdir and a delete an rmdir in
 * each hierarchy for it, and creates under several roots never race over
 * a parent that comes and goes. */
static bool is_shared_top(const struct cg_place *p, const char *dir)
{
  if (p->own == 0)
    return false;
  for (size_t i = 0; i < p->paths.n; i++) {
    const char *mp = p->paths.hier[i]->mountpoint;
    size_t n = strlen(mp);
    if (strncmp(dir, mp, n) == 0 && strcmp(dir + n, CG_DEFAULT_PARENT) == 0)
      return true;
  }
  return false;
}

/* Adds "parent DIR" lines for the ancestors of `leaf` (below `root_len`)
 * that delete may remove once empty: the ones this create made and the
 * runtime's own default parent (the first p->own components), except its
 * shared top level. */
static size_t add_parents(const struct cg_place *p, const char *leaf, size_t root_len, char *text)
{
  size_t used = 0, depth = 0;
  char path[4200];
  snprintf(path, sizeof(path), "%s", leaf);
  for (const char *c = leaf + root_len; *c; c++)
    depth += *c == '/';
  for (char *slash = strrchr(path, '/'); depth-- > 1 && slash && slash > path + root_len;
       slash = strrchr(path, '/')) {
    *slash = '\0';
    if ((depth <= p->own || was_created(p, path)) && !(depth == 1 && p->own > 0))
      used += (size_t)sprintf(text + used, "parent %s\n", path);
  }
  return used;
}

/* The leaves, then the parents delete may remove, deepest first. Written
 * before the first mkdir and again only if the parents this create made
 * changed it. */
static int record_paths(struct cg_place *p, int state_dirfd, mr_error **err)
{
  size_t len = 0;
  for (size_t i = 0; i < p->paths.n; i++)
    len += (strlen(p->paths.dirs[i]) + 8) * (2 + strlen(p->rel) / 2);
  cleanup_free char *text = malloc(len + 1);
  if (text == NULL)
    return mr_err_sys(err, ENOMEM, CG_PATHS_FILE);
  size_t used = 0;
  for (size_t i = 0; i < p->paths.n; i++)
    used += (size_t)sprintf(text + used, "%s\n", p->paths.dirs[i]);
  for (size_t i = 0; i < p->paths.n; i++)
    used += add_parents(p, p->paths.dirs[i], strlen(p->paths.hier[i]->mountpoint), text + used);
  text[used] = '\0';
  if (p->record != NULL && strcmp(p->record, text) == 0)
    return 0;
  int r = util_write_file_atomic(state_dirfd, CG_PATHS_FILE, text, used, 0600, err);
  if (r == 0) {
    free(p->record);
    p->record = text;
    text = NULL;
  }
  return r;
}

static int remember_created(struct cg_place *p, const char *dir)
{
  char **n = realloc(p->created, (p->n_created + 1) * sizeof(*n));
  if (n == NULL)
    return -ENOMEM;
  p->created = n;
  if ((n[p->n_created] = strdup(dir)) == NULL)
    return -ENOMEM;
  p->n_created++;
  return 0;
}

/* A leaf that already existed may be reused only while empty: delete kills
 * whatever is in the container's cgroup. */
static int check_reused_leaf(const char *dir, mr_error **err)
{
  char buf[16];
  int r = cg_read_file(dir, "cgroup.procs", buf, sizeof(buf));
  if (r < 0)
    return mr_err_sys(err, -r, FIELD ": %s/cgroup.procs", dir);
  if (buf[0] != '\0')
    return mr_err(err, -EBUSY, FIELD ": %s already holds processes", dir);
  return 0;
}

/* mkdir -p of hierarchy i's directory, one level at a time so that each
 * new level is set up (v2 delegation, v1 cpuset) before its child.
 * -EAGAIN when a parent vanished under us (another container's delete
 * removed it as empty). */
static int make_dir_once(mr_context *ctx, struct cg_place *p, size_t i, mr_error **err)
{
  const struct cg_hierarchy *h = p->paths.hier[i];
  const char *dir = p->paths.dirs[i];
  bool cpuset = !h->v2 && cg_layout_find(&p->layout, "cpuset") == h;
  size_t root_len = strlen(h->mountpoint);
  cleanup_free char *path = strdup(dir);
  if (path == NULL)
    return mr_err_sys(err, ENOMEM, "cgroup");
  for (char *slash = path + root_len; slash != NULL;) {
    char *next = strchr(slash + 1, '/');
    if (next)
      *next = '\0';
    if (h->v2) {
      *slash = '\0';
      cg_v2_delegate(ctx, path[0] ? path : "/");
      *slash = '/';
    }
    bool leaf = next == NULL;
    if (mkdir(path, 0755) == 0) {
      if (remember_created(p, path) < 0)
        return mr_err_sys(err, ENOMEM, "cgroup");
    } else if (errno == ENOENT) {
      return -EAGAIN;
    } else if (errno != EEXIST) {
      return mr_err_sys(err, errno, "cgroup: create %s", path);
    } else if (leaf) {
      int r = check_reused_leaf(path, err);
      if (r < 0)
        return r;
    }
    /* Also where the level already existed: a parallel create may have
     * made it and not yet filled its cpus/mems, and a child of an empty
     * cpuset cannot take tasks (ENOSPC). Filling is idempotent. */
    if (cpuset) {
      int r = cg_v1_cpuset_init(path, err);
      if (r < 0)
        return r;
    }
    if (next)
      *next = '/';
    slash = next;
  }
  return 0;
}

static int make_dir(mr_context *ctx, struct cg_place *p, size_t i, mr_error **err)
{
  for (int tries = 0; tries < 20; tries++) {
    int r = make_dir_once(ctx, p, i, err);
    if (r != -EAGAIN)
      return r;
  }
  return mr_err(err, -EAGAIN, "cgroup: create %s: its parents keep disappearing", p->paths.dirs[i]);
}

static bool no_access(int r)
{
  return r == -EACCES || r == -EPERM || r == -EROFS;
}

/* What the init enters its cgroups through: the cgroup2 leaf for clone3
 * (pure v2 and hybrid), each v1 leaf's `tasks` file for the init's own
 * move (join.h). */
static int open_entries(struct cg_place *p, mr_error **err)
{
  for (size_t i = 0; i < p->paths.n; i++) {
    const char *dir = p->paths.dirs[i];
    if (!p->paths.hier[i]->v2) {
      int r = cg_join_add(&p->join, dir, err);
      if (r < 0)
        return r;
      continue; /* r == 1: cg_place_enter writes its cgroup.procs */
    }
    p->clone_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (p->clone_fd < 0)
      return mr_err_sys(err, errno, "cgroup: open %s", dir);
  }
  return 0;
}

static void close_entries(struct cg_place *p)
{
  if (p->clone_fd >= 0)
    close(p->clone_fd);
  p->clone_fd = -1;
  cg_join_free(&p->join);
}

int cg_place_create(mr_context *ctx, struct cg_place *p, int state_dirfd, mr_error **err)
{
  if (p->layout.mode == MR_CGROUP_NONE)
    return 0;
  int r = record_paths(p, state_dirfd, err);
  for (size_t i = 0; r == 0 && i < p->paths.n; i++) {
    mr_error *local = NULL;
    r = make_dir(ctx, p, i, &local);
    /* Rootless without a delegated tree: like crun, run unconfined with a
     * warning - unless the config asks for limits. */
    if (r < 0 && no_access(r) && geteuid() != 0 && p->writes.n == 0 &&
        p->writes.devices.n_insns == 0) {
      mr_warn(ctx, "%s; running without cgroups", mr_error_message(local));
      mr_error_free(local);
      cg_place_abort(ctx, p);
      p->skipped = true;
      unlinkat(state_dirfd, CG_PATHS_FILE, 0);
      return 0;
    }
    if (r < 0) {
      if (err != NULL && *err == NULL)
        *err = local;
      else
        mr_error_free(local);
    }
  }
  if (r == 0)
    r = record_paths(p, state_dirfd, err);
  if (r == 0 && (r = cg_writes_apply(&p->writes, &p->paths, err)) < 0)
    mr_err_prefix(err, r, "config.json");
  if (r == 0)
    r = open_entries(p, err);
  return r;
}

int cg_place_enter(struct cg_place *p, pid_t pid, bool cloned_into_v2, mr_error **err)
{
  if (p->layout.mode == MR_CGROUP_NONE || p->skipped)
    return 0;
  char text[32];
  snprintf(text, sizeof(text), "%d", (int)pid);
  for (size_t i = 0; i < p->paths.n; i++) {
    if (p->paths.hier[i]->v2 ? cloned_into_v2 : cg_join_has(&p->join, p->paths.dirs[i]))
      continue;
    int r = cg_write_file(p->paths.dirs[i], "cgroup.procs", text);
    if (r < 0)
      return mr_err_sys(err, -r, "cgroup: move the init (pid %d) into %s", (int)pid,
                        p->paths.dirs[i]);
  }
  return 0;
}

void cg_place_abort(mr_context *ctx, struct cg_place *p)
{
  close_entries(p);
  if (p->n_created == 0)
    return;
  /* Only what we made, deepest first. What is still in a leaf (a process
   * the init forked before it was killed) is killed by cg_destroy; a
   * parent is only removed when empty: other containers may be below it. */
  for (size_t i = p->n_created; i-- > 0;) {
    mr_error *local = NULL;
    if (is_shared_top(p, p->created[i]))
      continue;
    if (!is_leaf(p, p->created[i]))
      rmdir(p->created[i]);
    else if (cg_destroy(ctx, &p->created[i], 1, &local) < 0)
      mr_warn(ctx, "%s", mr_error_message(local));
    mr_error_free(local);
  }
  cg_dirs_free(p->created, p->n_created);
  p->created = NULL;
  p->n_created = 0;
}

void cg_place_free(struct cg_place *p)
{
  close_entries(p);
  cg_dirs_free(p->paths.dirs, p->paths.n);
  free(p->paths.hier);
  cg_dirs_free(p->created, p->n_created);
  cg_writes_free(&p->writes);
  cg_layout_free(&p->layout);
  free(p->rel);
  free(p->record);
  memset(p, 0, sizeof(*p));
  p->clone_fd = -1;
}
