/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/join.c - the init's own move into its v1 cgroups (see join.h):
 * the parent opens the `tasks` files, the child after clone writes them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../sync.h"
#include "../util.h"
#include "join.h"

int cg_join_add(struct cg_join *j, const char *dir, mr_error **err)
{
  int *fds = realloc(j->fds, (j->n + 1) * sizeof(*fds));
  if (fds == NULL)
    return mr_err_sys(err, ENOMEM, "cgroup");
  j->fds = fds;
  const char **dirs = realloc(j->dirs, (j->n + 1) * sizeof(*dirs));
  if (dirs == NULL)
    return mr_err_sys(err, ENOMEM, "cgroup");
  j->dirs = dirs;
  cleanup_free char *tasks = util_path_join(dir, "tasks");
  if (tasks == NULL)
    return mr_err_sys(err, ENOMEM, "cgroup");
  int fd = open(tasks, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && (errno == EACCES || errno == EPERM || errno == ENOENT))
    return 1;
  if (fd < 0)
    return mr_err_sys(err, errno, "cgroup: open %s", tasks);
  j->fds[j->n] = fd;
  j->dirs[j->n++] = dir;
  return 0;
}

bool cg_join_has(const struct cg_join *j, const char *dir)
{
  for (size_t i = 0; i < j->n; i++)
    if (j->dirs[i] == dir)
      return true;
  return false;
}

void cg_join_free(struct cg_join *j)
{
  for (size_t i = 0; i < j->n; i++)
    if (j->fds[i] >= 0)
      close(j->fds[i]);
  free(j->fds);
  free(j->dirs);
  j->fds = NULL;
  j->dirs = NULL;
  j->n = 0;
}

/* ---- child side: async-signal-safe ---- */

void cg_join_apply(struct cg_join *j, int sync_fd)
{
  for (size_t i = 0; i < j->n; i++) {
    ssize_t n;
    do
      n = write(j->fds[i], "0", 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
      sync_fail(sync_fd, n < 0 ? errno : EIO, "cgroup: move the process into ", j->dirs[i],
                " (tasks)", NULL);
    close(j->fds[i]);
    j->fds[i] = -1;
  }
}
