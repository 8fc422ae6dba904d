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
#include "exec.h"
#include "isolate/signals.h"
#include "namespaces.h"
#include "sync.h"

int spawn_pidfd_open(pid_t pid)
{
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -1 : fd;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3's arguments up to `cgroup` (CLONE_ARGS_SIZE_VER2), whatever the
 * installed headers know. */
struct clone_args_v2 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};

/* fork()-like clone with namespace flags. No glibc wrapper: its fork
 * handlers are not ours to run, and the child makes raw system calls only.
 * With a zero stack the child continues on a copy of our stack. With
 * cgroup_fd >= 0 the child starts in that cgroup (CLONE_INTO_CGROUP, 5.7+);
 * *into_cgroup says whether it did: older kernels refuse the flag (E2BIG,
 * EINVAL), and the caller then moves it before it runs any container code. */
static pid_t raw_clone(unsigned long flags, int *pidfd, int cgroup_fd, bool *into_cgroup)
{
  int fd = -1;
  struct clone_args_v2 args;
  memset(&args, 0, sizeof(args));
  args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
  args.pidfd = (uint64_t)(uintptr_t)&fd;
  args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  long pid = -1;
  if (cgroup_fd >= 0) {
    struct clone_args_v2 with = args;
    with.flags |= CLONE_INTO_CGROUP;
    with.cgroup = (uint64_t)cgroup_fd;
    pid = syscall(SYS_clone3, &with, sizeof(with));
    *into_cgroup = pid >= 0;
    if (pid < 0) /* the caller's cgroup.procs write reports a real problem */
      pid = syscall(SYS_clone3, &args, 64); /* CLONE_ARGS_SIZE_VER0 */
  } else {
    pid = syscall(SYS_clone3, &args, 64);
  }
  if (pid < 0 && errno == ENOSYS) {
    unsigned long exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    pid = syscall(SYS_clone, flags | exit_signal, 0, 0, 0, 0);
    if (pid > 0 && pidfd != NULL)
      fd = spawn_pidfd_open((pid_t)pid);
  }
  if (pid > 0 && pidfd != NULL)
    *pidfd = fd;
  return (pid_t)pid;
}

static __attribute__((noreturn)) void run_child(struct plan *plan, int child_sync, int gate_fd)
{
  child_isolate(plan, !plan->terminal, true);
  child_main(plan, child_sync, gate_fd);
}

/* The intermediate process: joins the pid/time namespace (which only
 * affects its future children), clones the init as our sibling and tells
 * the parent its pid. */
static __attribute__((noreturn)) void run_stage1(struct plan *plan, int child_sync, int gate_fd)
{
  /* Signals stay blocked here: the init inherits the mask and resets. */
  child_isolate(plan, false, false);
  namespaces_join_for_children(plan, child_sync);
  pid_t pid = raw_clone(plan->clone_flags | CLONE_PARENT, NULL, -1, NULL);
  if (pid < 0)
    sync_fail(child_sync, errno, "clone container init", NULL, NULL, NULL);
  if (pid == 0)
    run_child(plan, child_sync, gate_fd);
  sync_send(child_sync, SYNC_PID, 0, pid);
  _exit(0);
}

/* exec's first child: joins the running container's namespaces and clones
 * the process as our sibling (in the joined pid namespace). */
static __attribute__((noreturn)) void run_exec_stage1(struct plan *plan, int child_sync,
                                                      int gate_fd)
{
  (void)gate_fd;
  child_isolate(plan, false, false);
  exec_child_join(plan, child_sync);
  pid_t pid = raw_clone(CLONE_PARENT, NULL, -1, NULL);
  if (pid < 0)
    sync_fail(child_sync, errno, "clone the exec process", NULL, NULL, NULL);
  if (pid == 0) {
    child_isolate(plan, !plan->terminal, true);
    exec_child_main(plan, child_sync);
  }
  sync_send(child_sync, SYNC_PID, 0, pid);
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

typedef void (*stage1_fn)(struct plan *plan, int child_sync, int gate_fd);

static int spawn_two_step(stage1_fn stage1_main, struct plan *plan, int parent_sync, int child_sync,
                          int gate_fd, pid_t *pid, int *pidfd, mr_error **err)
{
  sigset_t mask;
  signals_block_all(&mask);
  pid_t stage1 = raw_clone(0, NULL, -1, NULL);
  if (stage1 == 0)
    stage1_main(plan, child_sync, gate_fd);
  int e = errno;
  signals_restore(&mask);
  if (stage1 < 0)
    return mr_err_sys(err, e, "clone");
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
  if (plan->join_pid)
    return spawn_two_step(run_stage1, plan, parent_sync, child_sync, gate_fd, pid, pidfd, err);
  /* No host handler may run in the child (see isolate/signals.h). */
  sigset_t mask;
  signals_block_all(&mask);
  pid_t p = raw_clone(plan->clone_flags, pidfd, plan->cgroup_fd, &plan->cloned_into_cgroup);
  if (p == 0)
    run_child(plan, child_sync, gate_fd);
  int e = errno;
  signals_restore(&mask);
  if (p < 0)
    return mr_err_sys(err, e, "clone container init");
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
  return spawn_two_step(run_exec_stage1, plan, parent_sync, child_sync, -1, pid, pidfd, err);
}
