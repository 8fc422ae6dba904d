/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-cgroup.c - an exec'd process joins the cgroups of the container's
 * init.
 *
 * The init's own /proc/PID/cgroup is the authority on where the container
 * is, whatever placed it (our cgroup code, a parent given by the caller,
 * or none: then the init is where its creator was). Each line
 * "ID:CONTROLLERS:PATH" is matched to a mounted hierarchy of ours (v1 by
 * its controllers in the super options, v2 by its type), and the pid is
 * written to MOUNTPOINT/PATH/cgroup.procs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "util.h"

/* Every comma-separated item of `controllers` is among `super_opts`. */
static bool has_controllers(const char *super_opts, const char *controllers)
{
  char want[256];
  snprintf(want, sizeof(want), "%s", controllers);
  char *save = NULL;
  for (char *c = strtok_r(want, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save)) {
    size_t n = strlen(c);
    bool found = false;
    for (const char *p = super_opts; p != NULL && !found; p = strchr(p, ',')) {
      if (*p == ',')
        p++;
      found = strncmp(p, c, n) == 0 && (p[n] == ',' || p[n] == '\0');
    }
    if (!found)
      return false;
  }
  return true;
}

/* The mountpoint and root (within the hierarchy) of the hierarchy a
 * /proc/PID/cgroup line names; false when it is not mounted here. */
static bool find_mount(FILE *mi, const char *controllers, char *mnt, char *root, size_t size)
{
  char *line = NULL;
  size_t cap = 0;
  bool found = false;
  rewind(mi);
  while (!found && getline(&line, &cap, mi) > 0) {
    char m_root[4096], m_point[4096], fstype[64], super[1024];
    const char *dash = strstr(line, " - ");
    if (dash == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", m_root, m_point) != 2 ||
        sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
      continue;
    if (controllers[0] == '\0')
      found = strcmp(fstype, "cgroup2") == 0;
    else
      found = strcmp(fstype, "cgroup") == 0 && has_controllers(super, controllers);
    if (found && (strlen(m_point) >= size || strlen(m_root) >= size))
      found = false;
    if (found) {
      strcpy(mnt, m_point);
      strcpy(root, m_root);
    }
  }
  free(line);
  return found;
}

static int join_one(FILE *mi, const char *controllers, const char *path, pid_t pid, mr_error **err)
{
  char mnt[4096], root[4096];
  if (!find_mount(mi, controllers, mnt, root, sizeof(mnt)))
    return 0; /* a hierarchy we do not see: nothing to join through */
  /* A mount of a subtree (root "/a") serves paths below it only. */
  size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
  if (rlen > 0 && (strncmp(path, root, rlen) != 0 || (path[rlen] != '/' && path[rlen] != '\0')))
    return 0;
  char *file = NULL;
  const char *rel = strcmp(path + rlen, "/") == 0 ? "" : path + rlen;
  if (asprintf(&file, "%s%s/cgroup.procs", mnt, rel) < 0)
    return mr_err_sys(err, ENOMEM, "cgroup path");
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  char text[32];
  int n = snprintf(text, sizeof(text), "%d", (int)pid);
  int r = fd < 0 ? -errno : util_write_all(fd, text, (size_t)n);
  if (fd >= 0)
    close(fd);
  if (r < 0)
    r = mr_err_sys(err, -r, "join the container's cgroup: write %s", file);
  free(file);
  return r;
}

int exec_cgroup_join(const mr_context *ctx, const struct state_record *rec, pid_t pid,
                     mr_error **err)
{
  if (ctx->cgroup_mode == MR_CGROUP_NONE)
    return 0;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)rec->pid);
  FILE *cg = fopen(path, "re");
  if (cg == NULL)
    return mr_err_sys(err, errno, "container '%s': open %s", rec->id, path);
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
    r = join_one(mi, c1 + 1, c2 + 1, pid, err);
  }
  free(line);
  fclose(mi);
  fclose(cg);
  return r;
}
