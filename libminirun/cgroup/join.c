/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/join.c - the init's own move into its v1 cgroups (see join.h).
 * Runs in the child after clone: raw writes on fds opened by the parent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include "../sync.h"
#include "join.h"

void cg_join_apply(struct cg_join *j, int sync_fd)
{
  for (size_t i = 0; i < j->n; i++) {
    ssize_t n;
    do
      n = write(j->fds[i], "0", 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
      sync_fail(sync_fd, n < 0 ? errno : EIO, "cgroup: move the init into ", j->dirs[i], " (tasks)",
                NULL);
    close(j->fds[i]);
    j->fds[i] = -1;
  }
}
