/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fds.c - the child keeps its own fds and nothing else of the host's.
 *
 * The host may be multi-threaded: whatever any of its threads had open at
 * clone time (another container's locked state dir and sync socket, a run
 * gate's write end, sockets of the host's own) is copied into the child.
 * Marking it close-on-exec is not enough: the init waits between create and
 * start, holding those fds for as long as it waits. So the parent lists the
 * child's own fds (plan_keep_fd) and the child closes every other one as its
 * first act. Kernels before 5.9 lack close_range(): /proc/self/fd is walked,
 * or, without /proc, every fd up to the fd limit is closed (closefds.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../plan.h"
#include "closefds.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

int plan_keep_fd(struct plan *plan, int *fd, mr_error **err)
{
  /* Grown one at a time: a handful of entries, rarely a few dozen. */
  int **keep = realloc(plan->keep, (plan->n_keep + 1) * sizeof(*keep));
  if (keep == NULL)
    return mr_err_sys(err, ENOMEM, "container init fds");
  plan->keep = keep;
  plan->keep[plan->n_keep++] = fd;
  return 0;
}

void plan_keep_free(struct plan *plan)
{
  free(plan->keep);
  free(plan->kept);
  plan->keep = NULL;
  plan->kept = NULL;
  plan->n_keep = plan->n_kept = 0;
}

static void add_kept(struct plan *plan, int fd)
{
  if (fd < 3 + plan->preserve_fds)
    return; /* kept anyway */
  size_t i = plan->n_kept;
  for (size_t k = 0; k < plan->n_kept; k++)
    if (plan->kept[k] == fd)
      return;
  /* insertion sort: a handful of entries */
  while (i > 0 && plan->kept[i - 1] > fd) {
    plan->kept[i] = plan->kept[i - 1];
    i--;
  }
  plan->kept[i] = fd;
  plan->n_kept++;
}

int plan_seal_fds(struct plan *plan, mr_error **err)
{
  int *kept = realloc(plan->kept, (plan->n_keep + 3) * sizeof(*kept));
  if (kept == NULL)
    return mr_err_sys(err, ENOMEM, "container init fds");
  plan->kept = kept;
  plan->n_kept = 0;
  for (size_t i = 0; i < plan->n_keep; i++)
    if (*plan->keep[i] >= 0)
      add_kept(plan, *plan->keep[i]);
  for (int i = 0; i < 3; i++)
    if (plan->stdio[i] >= 0)
      add_kept(plan, plan->stdio[i]);
  return 0;
}

/* ---- child side: async-signal-safe ---- */

static int close_range_raw(unsigned first, unsigned last)
{
  return (int)syscall(SYS_close_range, first, last, 0);
}

void plan_close_other_fds(const struct plan *plan)
{
  unsigned first = 3u + (unsigned)plan->preserve_fds;
  unsigned from = first;
  bool ok = true;
  /* The gaps between the kept fds (sorted, all >= first). */
  for (size_t i = 0; ok && i < plan->n_kept; i++) {
    unsigned fd = (unsigned)plan->kept[i];
    if (fd > from && close_range_raw(from, fd - 1) < 0)
      ok = false;
    from = fd + 1;
  }
  if (ok && close_range_raw(from, ~0u) < 0)
    ok = false;
  if (!ok && !closefds_by_proc((int)first, plan->kept, plan->n_kept))
    closefds_by_loop((int)first, plan->kept, plan->n_kept);
  /* What we keep must still not reach the container's process. */
  for (size_t i = 0; i < plan->n_kept; i++)
    fcntl(plan->kept[i], F_SETFD, FD_CLOEXEC);
}
