/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/control.c - acting on an existing container's cgroups from any
 * process (kill --all, ps, pause/resume, delete), through the directories
 * its create recorded in the state dir.
 *
 * The recorded paths come from a root-owned 0700 directory, but are still
 * checked to be on a cgroup filesystem before anything is written or
 * removed there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../util.h"
#include "place.h"

#define PATHS_MAX     (64u * 1024)
#define DESTROY_TRIES 500 /* x 10 ms */
#define SIGNAL_PASSES 20

int cg_write_file(const char *dir, const char *file, const char *text)
{
  char path[4200];
  if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
    return -ENAMETOOLONG;
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -errno;
  size_t len = strlen(text);
  ssize_t n;
  do
    n = write(fd, text, len);
  while (n < 0 && errno == EINTR);
  int r = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
  close(fd);
  return r;
}

int cg_read_file(const char *dir, const char *file, char *buf, size_t size)
{
  char path[4200];
  if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
    return -ENAMETOOLONG;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -errno;
  size_t used = 0;
  for (;;) {
    ssize_t n = read(fd, buf + used, size - 1 - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    used += (size_t)n;
    if (used == size - 1)
      break;
  }
  close(fd);
  buf[used] = '\0';
  while (used > 0 && buf[used - 1] == '\n')
    buf[--used] = '\0';
  return 0;
}

static bool on_cgroupfs(const char *dir)
{
  struct statfs sfs;
  return statfs(dir, &sfs) == 0 &&
         (sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC);
}

static bool is_v2(const char *dir)
{
  struct statfs sfs;
  return statfs(dir, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

void cg_dirs_free(char **dirs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(dirs[i]);
  free(dirs);
}

static int add_line(char ***list, size_t *n, const char *line, mr_error **err)
{
  if (line[0] != '/' || strstr(line, "/../") != NULL)
    return mr_err(err, -EINVAL, "%s: '%s' is not an absolute cgroup path", CG_PATHS_FILE, line);
  char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
  if (nl == NULL)
    return mr_err_sys(err, ENOMEM, CG_PATHS_FILE);
  *list = nl;
  if ((nl[*n] = strdup(line)) == NULL)
    return mr_err_sys(err, ENOMEM, CG_PATHS_FILE);
  (*n)++;
  return 0;
}

int cg_paths_read(int state_dirfd, char ***dirs, size_t *n, char ***parents, size_t *n_parents,
                  mr_error **err)
{
  *dirs = NULL;
  *n = 0;
  if (parents != NULL) {
    *parents = NULL;
    *n_parents = 0;
  }
  cleanup_free char *text = NULL;
  int r = util_read_file_at(state_dirfd, CG_PATHS_FILE, PATHS_MAX, &text, NULL, NULL);
  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return mr_err_sys(err, -r, "read %s", CG_PATHS_FILE);
  char *save = NULL;
  r = 0;
  for (char *l = strtok_r(text, "\n", &save); r == 0 && l; l = strtok_r(NULL, "\n", &save)) {
    if (strncmp(l, "parent ", 7) != 0)
      r = add_line(dirs, n, l, err);
    else if (parents != NULL)
      r = add_line(parents, n_parents, l + 7, err);
  }
  if (r < 0) {
    cg_dirs_free(*dirs, *n);
    *dirs = NULL;
    *n = 0;
    if (parents != NULL) {
      cg_dirs_free(*parents, *n_parents);
      *parents = NULL;
      *n_parents = 0;
    }
  }
  return r;
}

/* ---- processes ---- */

static int add_pids_of(const char *dir, pid_t **pids, size_t *n, size_t *cap, int depth)
{
  char path[4200];
  snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
  FILE *f = fopen(path, "re");
  if (f == NULL)
    return -errno;
  char *line = NULL;
  size_t len = 0;
  while (getline(&line, &len, f) > 0) {
    char *end;
    errno = 0;
    long v = strtol(line, &end, 10);
    if (errno != 0 || end == line || v <= 0)
      continue;
    if (*n == *cap) {
      size_t nc = *cap ? *cap * 2 : 64;
      pid_t *np = realloc(*pids, nc * sizeof(*np));
      if (np == NULL) {
        free(line);
        fclose(f);
        return -ENOMEM;
      }
      *pids = np;
      *cap = nc;
    }
    (*pids)[(*n)++] = (pid_t)v;
  }
  free(line);
  fclose(f);
  /* Sub-cgroups the container made (a nested runtime, systemd inside). */
  DIR *d = depth < 16 ? opendir(dir) : NULL;
  if (d == NULL)
    return 0;
  struct dirent *de;
  int r = 0;
  while (r == 0 && (de = readdir(d)) != NULL) {
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    r = add_pids_of(path, pids, n, cap, depth + 1);
    if (r == -ENOENT)
      r = 0;
  }
  closedir(d);
  return r;
}

static int cmp_pid(const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

int cg_pids(char *const *dirs, size_t n, pid_t **pids, size_t *n_pids, mr_error **err)
{
  *pids = NULL;
  *n_pids = 0;
  if (n == 0)
    return mr_err(err, -ENOTSUP, "the container has no cgroup (created with cgroups disabled)");
  size_t cap = 0;
  int r = add_pids_of(dirs[0], pids, n_pids, &cap, 0);
  if (r < 0) {
    free(*pids);
    *pids = NULL;
    *n_pids = 0;
    return mr_err_sys(err, -r, "cgroup: read %s/cgroup.procs", dirs[0]);
  }
  if (*n_pids > 1)
    qsort(*pids, *n_pids, sizeof(pid_t), cmp_pid);
  return 0;
}

/* ---- freezing ---- */

/* The directory whose freezer acts: the v1 freezer hierarchy's when there
 * is one (hybrid hosts too), else the cgroup2 one. */
static const char *freezer_dir(char *const *dirs, size_t n, bool *v2)
{
  char buf[32];
  for (size_t i = 0; i < n; i++)
    if (!is_v2(dirs[i]) && cg_read_file(dirs[i], "freezer.state", buf, sizeof(buf)) == 0) {
      *v2 = false;
      return dirs[i];
    }
  for (size_t i = 0; i < n; i++)
    if (is_v2(dirs[i])) {
      *v2 = true;
      return dirs[i];
    }
  return NULL;
}

int cg_freeze(char *const *dirs, size_t n, bool freeze, mr_error **err)
{
  bool v2 = false;
  const char *dir = freezer_dir(dirs, n, &v2);
  if (dir == NULL)
    return mr_err(err, -ENOTSUP, "%s: the container's cgroups have no freezer",
                  freeze ? "pause" : "resume");
  int r = v2 ? cg_v2_freeze(dir, freeze, err) : cg_v1_freeze(dir, freeze, err);
  if (r < 0 && freeze) /* never leave it half frozen */
    v2 ? cg_v2_freeze(dir, false, NULL) : cg_v1_freeze(dir, false, NULL);
  return r;
}

bool cg_is_frozen(char *const *dirs, size_t n)
{
  bool v2 = false;
  const char *dir = freezer_dir(dirs, n, &v2);
  if (dir == NULL)
    return false;
  return v2 ? cg_v2_is_frozen(dir) : cg_v1_is_frozen(dir);
}

/* ---- signals ---- */

/* One pass: signals every pid listed now; returns how many there were. */
static int signal_pass(char *const *dirs, size_t n, int sig, mr_error **err)
{
  pid_t *pids = NULL;
  size_t n_pids = 0;
  int r = cg_pids(dirs, n, &pids, &n_pids, err);
  if (r < 0)
    return r;
  for (size_t i = 0; i < n_pids; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH) {
      r = mr_err_sys(err, errno, "signal %d to pid %d", sig, (int)pids[i]);
      break;
    }
  free(pids);
  return r < 0 ? r : (int)n_pids;
}

int cg_signal_all(char *const *dirs, size_t n, int sig, mr_error **err)
{
  /* The cgroup2 directory is recorded last (cg_layout): found at once. */
  for (size_t i = n; sig == SIGKILL && i-- > 0;) {
    if (!is_v2(dirs[i]))
      continue;
    int r = cg_v2_kill(dirs[i], err);
    /* A task frozen by a v1 freezer (hybrid hosts) dies once thawed. */
    if (r > 0 && cg_is_frozen(dirs, n))
      cg_freeze(dirs, n, false, NULL);
    if (r != 0)
      return r < 0 ? r : 0;
  }
  /* Frozen, nothing can fork between reading the list and the kill; a
   * frozen task keeps the signal pending until the thaw. A paused
   * container stays paused, except for SIGKILL: a v1-frozen task cannot
   * die before it is thawed. */
  bool was_frozen = cg_is_frozen(dirs, n);
  bool frozen = was_frozen || cg_freeze(dirs, n, true, NULL) == 0;
  int r = signal_pass(dirs, n, sig, err);
  if (frozen && (!was_frozen || sig == SIGKILL))
    cg_freeze(dirs, n, false, NULL);
  if (r < 0)
    return r;
  /* SIGKILL without a freezer: repeat until nothing is left to fork. */
  for (int pass = 0; sig == SIGKILL && !frozen && r > 0 && pass < SIGNAL_PASSES; pass++)
    r = signal_pass(dirs, n, sig, err);
  return r < 0 ? r : 0;
}

/* ---- removal ---- */

/* rmdir of dir and the sub-cgroups the container made, deepest first
 * (looked for only when the plain rmdir finds the directory busy). */
static int remove_tree(const char *dir, int depth)
{
  if (rmdir(dir) == 0 || errno == ENOENT)
    return 0;
  if (errno != EBUSY)
    return -errno;
  DIR *d = depth < 16 ? opendir(dir) : NULL;
  if (d != NULL) {
    struct dirent *de;
    char path[4200];
    while ((de = readdir(d)) != NULL) {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
      remove_tree(path, depth + 1);
    }
    closedir(d);
  }
  if (rmdir(dir) < 0 && errno != ENOENT)
    return -errno;
  return 0;
}

int cg_destroy(const mr_context *ctx, char *const *dirs, size_t n, mr_error **err)
{
  for (size_t i = 0; i < n; i++) {
    if (!on_cgroupfs(dirs[i])) {
      if (access(dirs[i], F_OK) == 0)
        mr_warn(ctx, "cgroup: %s is not on a cgroup filesystem: left alone", dirs[i]);
      else
        mr_debug(ctx, "cgroup: %s: already gone", dirs[i]);
      continue;
    }
    int r = 0, t;
    for (t = 0; t < DESTROY_TRIES; t++) {
      r = remove_tree(dirs[i], 0);
      /* Gone means gone: a directory still there is tried again. */
      if (r == 0 && access(dirs[i], F_OK) == 0)
        r = -EBUSY;
      if (r != -EBUSY)
        break;
      /* Tasks left: kill them (again); dying ones take a moment. */
      cg_signal_all(&dirs[i], 1, SIGKILL, NULL);
      struct timespec ms = {0, 10000000};
      nanosleep(&ms, NULL);
    }
    if ((r == -EACCES || r == -EPERM) && geteuid() != 0) {
      mr_warn(ctx, "cgroup: cannot remove %s: %s", dirs[i], strerror(-r));
      continue;
    }
    if (r < 0)
      return mr_err_sys(err, -r, "cgroup: remove %s", dirs[i]);
    mr_debug(ctx, "cgroup: removed %s (%d retries)", dirs[i], t);
  }
  return 0;
}

/* Removes the directories that are empty already - the usual case: the
 * init was the last process and has exited - and keeps the others, in
 * order, for the kill-and-remove path. A process of the container is in
 * its directory of every hierarchy, so while one lives each rmdir fails
 * (EBUSY) and nothing changes; this only spares an exited container the
 * freeze, list and kill round trips of cg_signal_all. */
static size_t remove_empty(char **dirs, size_t n)
{
  size_t left = 0;
  for (size_t i = 0; i < n; i++) {
    if (on_cgroupfs(dirs[i]) && rmdir(dirs[i]) == 0) {
      free(dirs[i]);
      continue;
    }
    dirs[left++] = dirs[i];
  }
  return left;
}

int cg_destroy_recorded(const mr_context *ctx, int state_dirfd, mr_error **err)
{
  char **dirs = NULL, **parents = NULL;
  size_t n = 0, n_parents = 0;
  int r = cg_paths_read(state_dirfd, &dirs, &n, &parents, &n_parents, err);
  mr_debug(ctx, "cgroup: %zu directories recorded (%d)", n, r);
  if (r == 0)
    n = remove_empty(dirs, n);
  if (r == 0 && n > 0) {
    cg_signal_all(dirs, n, SIGKILL, NULL);
    r = cg_destroy(ctx, dirs, n, err);
  }
  /* Deepest first; one still in use by another container stays. */
  for (size_t i = 0; r == 0 && i < n_parents; i++)
    if (on_cgroupfs(parents[i]))
      rmdir(parents[i]);
  cg_dirs_free(dirs, n);
  cg_dirs_free(parents, n_parents);
  return r;
}
