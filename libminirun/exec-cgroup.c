/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-cgroup.c - an exec'd process joins the container's cgroups.
 *
 * The cgroups are the ones create recorded in the state (cgroupPaths, one
 * directory per hierarchy): they are the contract, and out of the
 * container's reach. The init's /proc/PID/cgroup is not: a container that
 * can write to a cgroupfs moves its init wherever it may write, and an exec
 * that followed it would run outside the container's limits. The init's
 * cgroup is read in two cases only:
 *  - nothing recorded (create placed the init in no cgroup of its own, e.g.
 *    rootless without a delegated tree): the process goes where the init
 *    is, each "ID:CONTROLLERS:PATH" line matched to a mounted hierarchy (v1
 *    by its controllers in the super options, v2 by its type);
 *  - cgroup v2 refuses the recorded directory with EBUSY (the container
 *    enabled controllers for children of it, so it may hold no process):
 *    the init's cgroup, and only when it lies below the recorded one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/place.h"
#include "exec.h"
#include "util.h"

/* Every comma-separated item of `controllers` is among `super_opts`. */
static bool has_controllers(const char *super_opts, const char *controllers)
{
  char want[256];
  snprintf(want, sizeof(want), "%s", controllers);
  char *save = NULL;
  for (char *c = strtok_r(want, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save))
    if (!util_list_has(super_opts, c, strlen(c)))
      return false;
  return true;
}

/* The mountpoint and root (within the hierarchy) of the hierarchy a
 * /proc/PID/cgroup line names, malloc'd (the caller frees both); false when
 * it is not mounted here. On the heap: exec runs on the caller's thread,
 * whose stack may be small (minirun.h). */
static bool find_mount(FILE *mi, const char *controllers, char **mnt, char **root)
{
  char *line = NULL;
  size_t cap = 0;
  bool found = false;
  rewind(mi);
  while (!found && getline(&line, &cap, mi) > 0) {
    char *m_root = NULL, *m_point = NULL, fstype[64], super[1024];
    const char *dash = strstr(line, " - ");
    if (dash != NULL && sscanf(line, "%*s %*s %*s %ms %ms", &m_root, &m_point) == 2 &&
        sscanf(dash + 3, "%63s %*s %1023s", fstype, super) == 2) {
      if (controllers[0] == '\0')
        found = strcmp(fstype, "cgroup2") == 0;
      else
        found = strcmp(fstype, "cgroup") == 0 && has_controllers(super, controllers);
    }
    if (found) {
      *mnt = m_point;
      *root = m_root;
    } else {
      free(m_point);
      free(m_root);
    }
  }
  free(line);
  return found;
}

static int join_one(FILE *mi, const char *controllers, const char *path, pid_t pid, mr_error **err)
{
  char *mnt = NULL, *root = NULL, *file = NULL;
  if (!find_mount(mi, controllers, &mnt, &root))
    return 0; /* a hierarchy we do not see: nothing to join through */
  /* A mount of a subtree (root "/a") serves paths below it only. */
  size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
  int r = 0;
  if (rlen > 0 && (strncmp(path, root, rlen) != 0 || (path[rlen] != '/' && path[rlen] != '\0')))
    goto out;
  const char *rel = strcmp(path + rlen, "/") == 0 ? "" : path + rlen;
  if (asprintf(&file, "%s%s/cgroup.procs", mnt, rel) < 0) {
    file = NULL;
    r = mr_err_sys(err, ENOMEM, "cgroup path");
    goto out;
  }
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  char text[32];
  int n = snprintf(text, sizeof(text), "%d", (int)pid);
  r = fd < 0 ? -errno : util_write_all(fd, text, (size_t)n);
  if (fd >= 0)
    close(fd);
  if (r < 0)
    r = mr_err_sys(err, -r, "join the container's cgroup: write %s", file);
out:
  free(file);
  free(mnt);
  free(root);
  return r;
}

/* Joins `pid` to each hierarchy that `cg` (a /proc/PID/cgroup, closed
 * here) lists, each "ID:CONTROLLERS:PATH" line matched to a mounted
 * hierarchy; with `only`, just those whose controllers include it. */
static int join_listed(FILE *cg, const char *only, pid_t pid, mr_error **err)
{
  FILE *mi = fopen("/proc/self/mountinfo", "re");
  if (mi == NULL) {
    fclose(cg);
    return mr_err_sys(err, errno, "open /proc/self/mountinfo");
  }
  char *line = NULL;
  size_t cap = 0;
  int r = 0;
  while (r == 0 && getline(&line, &cap, cg) > 0) {
    line[strcspn(line, "\n")] = '\0';
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL)
      continue;
    *c2 = '\0';
    if (only == NULL || has_controllers(c1 + 1, only))
      r = join_one(mi, c1 + 1, c2 + 1, pid, err);
  }
  free(line);
  fclose(mi);
  fclose(cg);
  return r;
}

/* Nothing recorded: every hierarchy the init is in, as /proc/INIT/cgroup
 * lists it. */
static int join_like_init(const struct state_record *rec, pid_t pid, mr_error **err)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)rec->pid);
  FILE *cg = fopen(path, "re");
  if (cg == NULL)
    return mr_err_sys(err, errno, "container '%s': open %s", rec->id, path);
  return join_listed(cg, NULL, pid, err);
}

int exec_cgroup_thaw_killed(pid_t pid, mr_error **err)
{
  FILE *cg = fopen("/proc/self/cgroup", "re");
  if (cg == NULL)
    return mr_err_sys(err, errno, "open /proc/self/cgroup");
  return join_listed(cg, "freezer", pid, err);
}

/* The init's cgroup v2 directory (the mountpoint joined with the path of
 * its "0::PATH" line) into buf; -ENOENT when it has none we can reach. */
static int init_v2_dir(const struct state_record *rec, char *buf, size_t size)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)rec->pid);
  FILE *cg = fopen(path, "re");
  if (cg == NULL)
    return -errno;
  FILE *mi = fopen("/proc/self/mountinfo", "re");
  if (mi == NULL) {
    int e = errno;
    fclose(cg);
    return -e;
  }
  char *line = NULL;
  size_t cap = 0;
  int r = -ENOENT;
  while (r == -ENOENT && getline(&line, &cap, cg) > 0) {
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "0::", 3) != 0)
      continue;
    char *mnt = NULL, *root = NULL;
    if (!find_mount(mi, "", &mnt, &root))
      break;
    const char *p = line + 3;
    size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (rlen == 0 || (strncmp(p, root, rlen) == 0 && (p[rlen] == '/' || p[rlen] == '\0')))
      r = (size_t)snprintf(buf, size, "%s%s", mnt, p + rlen) < size ? 0 : -ENAMETOOLONG;
    free(mnt);
    free(root);
    break;
  }
  free(line);
  fclose(mi);
  fclose(cg);
  return r;
}

/* `sub` is a directory strictly below `dir`, reached without "..". */
static bool strictly_below(const char *dir, const char *sub)
{
  size_t n = strlen(dir), len = strlen(sub);
  if (len < n + 2 || strncmp(sub, dir, n) != 0 || sub[n] != '/')
    return false;
  return strstr(sub + n, "/../") == NULL && strcmp(sub + len - 3, "/..") != 0;
}

/* One recorded directory, checked to be on a cgroup filesystem first; see
 * the top of the file for the v2 EBUSY case. */
static int join_recorded(const struct state_record *rec, const char *dir, pid_t pid, mr_error **err)
{
  struct statfs sfs;
  if (statfs(dir, &sfs) < 0)
    return mr_err_sys(err, errno, "container '%s': its cgroup %s", rec->id, dir);
  if (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)
    return mr_err(err, -EINVAL,
                  "container '%s': " STATE_FILE ": cgroupPaths: %s is not on a cgroup filesystem",
                  rec->id, dir);
  char text[32], sub[4200];
  snprintf(text, sizeof(text), "%d", (int)pid);
  int r = cg_write_file(dir, "cgroup.procs", text);
  if (r == -EBUSY && sfs.f_type == CGROUP2_SUPER_MAGIC && init_v2_dir(rec, sub, sizeof(sub)) == 0 &&
      strictly_below(dir, sub)) {
    dir = sub;
    r = cg_write_file(dir, "cgroup.procs", text);
  }
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': join its cgroup: write %s/cgroup.procs", rec->id,
                      dir);
  return 0;
}

int exec_cgroup_prepare(const mr_context *ctx, const struct state_record *rec, struct cg_join *j,
                        mr_error **err)
{
  if (ctx->cgroup_mode == MR_CGROUP_NONE)
    return 0;
  for (size_t i = 0; i < rec->n_cgroup_paths; i++) {
    struct statfs sfs;
    const char *dir = rec->cgroup_paths[i];
    /* Anything else is join_recorded's (and its error's). */
    if (statfs(dir, &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC)
      continue;
    int r = cg_join_add(j, dir, err); /* 1: join_recorded writes cgroup.procs */
    if (r < 0)
      return mr_err_prefix(err, r, "container '%s': join its cgroup", rec->id);
  }
  return 0;
}

int exec_cgroup_join(const mr_context *ctx, const struct state_record *rec, pid_t pid,
                     const struct cg_join *j, mr_error **err)
{
  if (ctx->cgroup_mode == MR_CGROUP_NONE)
    return 0;
  if (rec->n_cgroup_paths == 0)
    return join_like_init(rec, pid, err);
  for (size_t i = 0; i < rec->n_cgroup_paths; i++) {
    if (cg_join_has(j, rec->cgroup_paths[i]))
      continue;
    int r = join_recorded(rec, rec->cgroup_paths[i], pid, err);
    if (r < 0)
      return r;
  }
  return 0;
}
