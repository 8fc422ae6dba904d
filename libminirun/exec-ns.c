/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-ns.c - joining the namespaces of a running container's init.
 *
 * Prepared in the parent: a pidfd of the init (pinned, then checked against
 * the start time in state.json) and an fd of each namespace config.json
 * lists, opened through /proc/PID/ns/ and checked again afterwards, so they
 * all belong to that init. The first child then calls setns() once on the
 * pidfd with every flag (Linux 5.8+: atomic, the kernel orders the user
 * namespace first), or, on older kernels, once per namespace fd with the
 * user namespace first (the others may be owned by it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "procs.h"
#include "sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  int flag;
  const char *name; /* under /proc/PID/ns/ */
} ns_kinds[SPEC_NS_COUNT] = {
    [SPEC_NS_PID] = {CLONE_NEWPID, "pid"},          [SPEC_NS_NETWORK] = {CLONE_NEWNET, "net"},
    [SPEC_NS_MOUNT] = {CLONE_NEWNS, "mnt"},         [SPEC_NS_IPC] = {CLONE_NEWIPC, "ipc"},
    [SPEC_NS_UTS] = {CLONE_NEWUTS, "uts"},          [SPEC_NS_USER] = {CLONE_NEWUSER, "user"},
    [SPEC_NS_CGROUP] = {CLONE_NEWCGROUP, "cgroup"}, [SPEC_NS_TIME] = {CLONE_NEWTIME, "time"},
};

/* setns() into our own user namespace fails (EINVAL): a container without
 * its own (or one created by a non-root caller's runtime in ours) skips it. */
static bool same_as_ours(int fd)
{
  struct stat ours, theirs;
  return stat("/proc/self/ns/user", &ours) == 0 && fstat(fd, &theirs) == 0 &&
         ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

static int open_ns(struct plan *plan, const struct state_record *rec, enum spec_ns_type t,
                   mr_error **err)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)rec->pid, ns_kinds[t].name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return mr_err(err, -ESRCH, "container '%s' is not running", rec->id);
  if (fd < 0)
    return mr_err_sys(err, errno, "container '%s': open %s", rec->id, path);
  if (t == SPEC_NS_USER && same_as_ours(fd)) {
    close(fd);
    return 0;
  }
  struct ns_join *j = &plan->joins[plan->n_joins++];
  j->type = ns_kinds[t].flag;
  j->fd = fd;
  j->path = ns_kinds[t].name;
  plan->exec_ns_flags |= ns_kinds[t].flag;
  if (t == SPEC_NS_PID || t == SPEC_NS_TIME)
    plan->join_pid = true;
  return plan_keep_fd(plan, &j->fd, err);
}

static int check_still_init(const struct state_record *rec, mr_error **err)
{
  unsigned long long start;
  bool dead;
  int r = proc_stat_read(rec->pid, &start, &dead);
  if (r < 0 || dead || start != rec->pid_start)
    return mr_err(err, -ESRCH, "container '%s' is not running", rec->id);
  return 0;
}

int exec_ns_plan(const struct spec *spec, const struct state_record *rec, struct plan *plan,
                 mr_error **err)
{
  int r = procs_pin(rec->pid, rec->pid_start, &plan->exec_pidfd);
  if (r == -ESRCH)
    return mr_err(err, r, "container '%s' is not running", rec->id);
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': pidfd of the init %d", rec->id, (int)rec->pid);
  if (plan->exec_pidfd >= 0)
    r = plan_keep_fd(plan, &plan->exec_pidfd, err);
  const struct spec_linux *l = &spec->linux_;
  for (size_t i = 0; r == 0 && i < l->n_namespaces; i++) {
    enum spec_ns_type t = l->namespaces[i].type;
    if ((size_t)t < SPEC_NS_COUNT && ns_kinds[t].name != NULL &&
        !(plan->exec_ns_flags & ns_kinds[t].flag))
      r = open_ns(plan, rec, t, err);
  }
  if (r == 0)
    r = check_still_init(rec, err);
  return r;
}

/* ---- child side: async-signal-safe ---- */

static void join_fd(const struct ns_join *j, int sync_fd)
{
  if (setns(j->fd, j->type) < 0)
    sync_fail(sync_fd, errno, "join the container's ", j->path, " namespace", NULL);
}

void exec_child_join(const struct plan *plan, int sync_fd)
{
  if (plan->exec_ns_flags == 0)
    return;
  /* EINVAL before 5.8 (a pidfd is no namespace fd): the per-namespace fds
   * below, which also name the namespace that failed. */
  if (plan->exec_pidfd >= 0 && setns(plan->exec_pidfd, plan->exec_ns_flags) == 0)
    return;
  for (size_t i = 0; i < plan->n_joins; i++)
    if (plan->joins[i].type == CLONE_NEWUSER)
      join_fd(&plan->joins[i], sync_fd);
  for (size_t i = 0; i < plan->n_joins; i++)
    if (plan->joins[i].type != CLONE_NEWUSER)
      join_fd(&plan->joins[i], sync_fd);
}
