/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-child.c - the exec'd process between clone() and execve(): the
 * init's *_apply() steps that concern the process (not the container),
 * in the init's order. Async-signal-safe only.
 */
#define _GNU_SOURCE
#include <unistd.h>

#include "exec.h"
#include "procattr/procattr.h"
#include "procattr/rlimits.h"
#include "process.h"
#include "security/caps.h"
#include "security/lsm.h"
#include "security/seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "testing/crashpoint.h"

/* The namespaces are joined (by our parent, the first child): the init's
 * pidfd and namespace fds are the host's handles on the container and have
 * no business in it, not even until exec. */
static void close_join_fds(struct plan *plan)
{
  for (size_t i = 0; i < plan->n_joins; i++)
    if (plan->joins[i].fd >= 0)
      close(plan->joins[i].fd);
  if (plan->exec_pidfd >= 0)
    close(plan->exec_pidfd);
}

void exec_child_main(struct plan *plan, int sync_fd)
{
  close_join_fds(plan);
  /* GO comes once the parent has put us into the container's v2 cgroup;
   * we move ourselves into the v1 ones (cgroup/join.h). */
  if (sync_wait_pid(sync_fd, SYNC_GO, &plan->seccomp.host_pid) < 0)
    _exit(127);
  cg_join_apply(&plan->cgroup_join, sync_fd);
  process_setup_fds(plan, sync_fd);
  terminal_setup(plan, sync_fd);
  lsm_apply(plan, sync_fd);
  procattr_apply(plan, sync_fd);
  rlimits_apply(plan, sync_fd);
  process_fill_home(plan, sync_fd);
  caps_prepare(plan, sync_fd);
  seccomp_apply_before_identity(plan, sync_fd);
  process_set_identity(plan, sync_fd);
  caps_apply(plan, sync_fd);

  char path[PROCESS_PATH_MAX];
  process_resolve(plan, path, sizeof(path), sync_fd);
  affinity_apply_final(plan, sync_fd);
  caps_no_new_privs(plan, sync_fd);
  seccomp_apply_before_exec(plan, sync_fd);
  /* In every namespace of the container with its credentials, still the
   * runtime's memory and binary: what a process of the container can reach
   * of us here is what the CVE-2019-5736 test looks at. */
  MR_PAUSE_POINT("exec-before-execve");
  /* The sync socket closes on exec: the parent's sign of success. */
  process_exec(plan, path, sync_fd);
}
