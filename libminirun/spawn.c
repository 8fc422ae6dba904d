/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clone.h"
#include "exec.h"
#include "isolate/signals.h"
#include "namespaces.h"
#include "sync.h"

int spawn_pidfd_open(pid_t pid)
{
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -1 : fd;
}

/* What a child needs: in its copy of the parent's memory (no CLONE_VM). */
struct child_args {
  struct plan *plan;
  int child_sync, gate_fd;
  struct clone_stacks *stacks;
};

static int run_child(void *arg)
{
  struct child_args *a = arg;
  child_isolate(a->plan, !a->plan->terminal, true);
  child_main(a->plan, a->child_sync, a->gate_fd);
}

/* The intermediate process: joins the pid/time namespace (which only
 * affects its future children), clones the init as our sibling on the
 * second stack and tells the parent its pid. */
static int run_stage1(void *arg)
{
  struct child_args *a = arg;
  /* Signals stay blocked here: the init inherits the mask and resets. */
  child_isolate(a->plan, false, false);
  namespaces_join_for_children(a->plan, a->child_sync);
  pid_t pid = clone_on_stack(a->plan->clone_flags | CLONE_PARENT, a->stacks->stack[1],
                             a->stacks->size, run_child, a, NULL, -1, NULL);
  if (pid < 0)
    sync_fail(a->child_sync, errno, "clone container init", NULL, NULL, NULL);
  sync_send(a->child_sync, SYNC_PID, 0, pid);
  _exit(0);
}

static int run_exec_process(void *arg)
{
  struct child_args *a = arg;
  child_isolate(a->plan, !a->plan->terminal, true);
  exec_child_main(a->plan, a->child_sync);
}

/* exec's first child: joins the running container's namespaces and clones
 * the process as our sibling (in the joined pid namespace). */
static int run_exec_stage1(void *arg)
{
  struct child_args *a = arg;
  child_isolate(a->plan, false, false);
  exec_child_join(a->plan, a->child_sync);
  pid_t pid = clone_on_stack(CLONE_PARENT, a->stacks->stack[1], a->stacks->size, run_exec_process,
                             a, NULL, -1, NULL);
  if (pid < 0)
    sync_fail(a->child_sync, errno, "clone the exec process", NULL, NULL, NULL);
  sync_send(a->child_sync, SYNC_PID, 0, pid);
  _exit(0);
}

static int reap(pid_t pid)
{
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -errno;
  return status;
}

/* Clones our child on a stack of its own (the caller's stack may be
 * nearly used up: clone.h), with every signal blocked: no host handler may
 * run in the child (see isolate/signals.h). The child's copy of the stacks
 * is its own, so ours go right after clone. */
static pid_t clone_first(const char *what, int (*fn)(void *), struct child_args *a,
                         unsigned long flags, int *pidfd, int cgroup_fd, bool *into_cgroup,
                         mr_error **err)
{
  struct clone_stacks stacks;
  int r = clone_stacks_map(&stacks);
  if (r < 0)
    return mr_err_sys(err, -r, "map the child's stack");
  a->stacks = &stacks;
  sigset_t mask;
  signals_block_all(&mask);
  pid_t pid =
      clone_on_stack(flags, stacks.stack[0], stacks.size, fn, a, pidfd, cgroup_fd, into_cgroup);
  int e = errno;
  signals_restore(&mask);
  clone_stacks_unmap(&stacks);
  a->stacks = NULL;
  if (pid < 0)
    return mr_err_sys(err, e, "%s", what);
  return pid;
}

static int spawn_two_step(int (*stage1_main)(void *), struct child_args *a, int parent_sync,
                          pid_t *pid, int *pidfd, mr_error **err)
{
  pid_t stage1 = clone_first("clone", stage1_main, a, 0, NULL, -1, NULL, err);
  if (stage1 < 0)
    return stage1;
  reap(stage1);
  struct sync_msg msg;
  int r = sync_recv(parent_sync, &msg);
  if (r <= 0)
    return mr_err(err, r < 0 ? r : -ECHILD, "container init: spawner exited without a pid");
  if (msg.type == SYNC_ERROR)
    return sync_error_to_err(&msg, err);
  if (msg.type != SYNC_PID || msg.pid <= 0)
    return mr_err(err, -EPROTO, "container init: unexpected message from spawner");
  *pid = msg.pid;
  *pidfd = spawn_pidfd_open(msg.pid);
  return 0;
}

int spawn_init(struct plan *plan, int parent_sync, int child_sync, int gate_fd, pid_t *pid,
               int *pidfd, mr_error **err)
{
  *pid = -1;
  *pidfd = -1;
  int r = plan_seal_fds(plan, err);
  if (r < 0)
    return r;
  struct child_args a = {plan, child_sync, gate_fd, NULL};
  if (plan->join_pid)
    return spawn_two_step(run_stage1, &a, parent_sync, pid, pidfd, err);
  pid_t p = clone_first("clone container init", run_child, &a, plan->clone_flags, pidfd,
                        plan->cgroup_fd, &plan->cloned_into_cgroup, err);
  if (p < 0)
    return p;
  *pid = p;
  return 0;
}

int spawn_exec(struct plan *plan, int parent_sync, int child_sync, pid_t *pid, int *pidfd,
               mr_error **err)
{
  *pid = -1;
  *pidfd = -1;
  int r = plan_seal_fds(plan, err);
  if (r < 0)
    return r;
  struct child_args a = {plan, child_sync, -1, NULL};
  return spawn_two_step(run_exec_stage1, &a, parent_sync, pid, pidfd, err);
}
