/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"
#include "mounts.h"
#include "namespaces.h"
#include "net/loopback.h"
#include "net/netdev.h"
#include "procattr/personality.h"
#include "procattr/procattr.h"
#include "procattr/rlimits.h"
#include "process.h"
#include "procfs/sysctl.h"
#include "rootfs.h"
#include "security/caps.h"
#include "security/lsm.h"
#include "security/masked.h"
#include "security/seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "testing/crashpoint.h"

/* Blocks until `start` writes a byte into the gate (the exec fifo, or a
 * pipe for `run`). EOF means nobody will ever start us. */
static void wait_for_start(int gate_fd)
{
  char c;
  for (;;) {
    ssize_t n = read(gate_fd, &c, 1);
    if (n == 1)
      return;
    if (n < 0 && errno == EINTR)
      continue;
    _exit(127);
  }
}

static void become_namespace_root(const struct plan *plan, int sync_fd)
{
  if (!plan->user_ns)
    return;
  /* The maps are written: act as the namespace's root so what we create
   * is owned by it. */
  if ((plan->gid_map != NULL && raw_setresgid(0) < 0) ||
      (plan->uid_map != NULL && raw_setresuid(0) < 0))
    sync_fail(sync_fd, errno, "become root of the user namespace", NULL, NULL, NULL);
}

void child_main(struct plan *plan, int sync_fd, int gate_fd)
{
  /* Modes of mount points and device nodes are exact; the process umask
   * is set last. This is the child's umask, not the host's. */
  umask(0);
  if (sync_wait_pid(sync_fd, SYNC_GO, &plan->seccomp.host_pid) < 0)
    _exit(127);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);         /* the id maps are written */
  cg_join_apply(&plan->cgroup_join, sync_fd); /* before the cgroup namespace */
  namespaces_enter(plan, sync_fd);
  become_namespace_root(plan, sync_fd);
  process_setup_fds(plan, sync_fd);
  loopback_up(plan, sync_fd);
  netdev_up(plan, sync_fd);

  int rootfd = rootfs_prepare(plan, sync_fd);
  mounts_apply(plan, rootfd, sync_fd);
  devices_apply(plan, rootfd, sync_fd);
  close(rootfd);
  hooks_init_runtime(&plan->hooks, sync_fd); /* prestart, createRuntime: the parent */
  hooks_init_run(&plan->hooks, HOOK_CREATE_CONTAINER, sync_fd);
  rootfs_enter(plan, sync_fd);
  process_make_cwd(plan, sync_fd);
  terminal_setup(plan, sync_fd);
  masked_apply(plan, sync_fd);
  rootfs_finish(plan, sync_fd);
  namespaces_set_names(plan, sync_fd);
  sysctl_apply(plan, sync_fd);
  lsm_apply(plan, sync_fd);
  procattr_apply(plan, sync_fd);
  rlimits_apply(plan, sync_fd);
  personality_apply(plan, sync_fd);
  process_fill_home(plan, sync_fd);
  process_fill_listen_pid(plan);
  caps_prepare(plan, sync_fd);
  seccomp_apply_before_identity(plan, sync_fd);
  process_set_identity(plan, sync_fd);
  caps_apply(plan, sync_fd);

  char path[PROCESS_PATH_MAX];
  process_resolve(plan, path, sizeof(path), sync_fd);

  /* If the parent dies before it recorded us (init.pid), the second GO never
   * comes (EOF: we hold no copy of its end): an init nobody knows about must
   * not wait for a start that cannot come. From GO on we are committed: the
   * parent writes state.json only after it (container.c commit_state). */
  if (sync_send(sync_fd, SYNC_READY, 0, 0) < 0)
    _exit(127);
  MR_PAUSE_POINT("init-ready-sent"); /* test build: defect 9's window */
  if (sync_wait(sync_fd, SYNC_GO) < 0)
    _exit(127);
  wait_for_start(gate_fd);
  hooks_init_run(&plan->hooks, HOOK_START_CONTAINER, sync_fd);
  affinity_apply_final(plan, sync_fd);
  caps_no_new_privs(plan, sync_fd);
  seccomp_apply_before_exec(plan, sync_fd);
  process_exec(plan, path, sync_fd);
}
