/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec.c - mr_container_exec(), the parent's side (see exec.h).
 *
 * Sequence: lock the state dir -> check the status -> load the saved
 * config -> the exec's process -> plan (pidfd + namespace fds, process,
 * terminal, LSM, procattr, caps, rlimits, seccomp) -> clone (two steps) ->
 * the init's cgroups -> GO -> the sync socket closes on exec (success) or
 * carries the error -> pid file. The lock is held until the program runs
 * so a concurrent delete cannot pull the container away in between (but
 * for a paused container, ignore_paused: the resume needs the lock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"
#include "procattr/procattr.h"
#include "procattr/rlimits.h"
#include "process.h"
#include "security/caps.h"
#include "security/lsm.h"
#include "spawn.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

struct exec_job {
  mr_context *ctx;
  const char *id;
  const mr_exec_opts *opts;
  int dirfd;
  struct state_record *rec;
  mr_config *config;
  struct plan plan;
  bool planned;
  struct cg_join cgroup_join; /* the v1 cgroups the process moves itself into */
  bool paused;                /* exec into a paused container (ignore_paused) */
  int sync[2];
  pid_t pid;
  int pidfd;
};

static void close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* A paused container is refused unless the caller asks (runc's exec
 * --ignore-paused): its process would be frozen as soon as it joins the
 * cgroups, until someone resumes the container. */
static int check_status(struct exec_job *job, mr_error **err)
{
  enum mr_status st = state_status(job->dirfd, job->rec);
  if (st == MR_STATUS_RUNNING || st == MR_STATUS_CREATED)
    return 0;
  if (st == MR_STATUS_PAUSED && job->opts->ignore_paused) {
    job->paused = true;
    return 0;
  }
  if (st == MR_STATUS_PAUSED)
    return mr_err(err, -EINVAL,
                  "container '%s' is paused: cannot exec in a paused container (ignore_paused: "
                  "mr_exec_opts_set_ignore_paused, exec --ignore-paused, to override)",
                  job->id);
  return mr_err(err, -EINVAL, "container '%s' is %s: cannot exec into it", job->id,
                mr_status_name(st));
}

/* The config create used, saved in the state dir. A container created
 * before the copy was kept falls back to its bundle's config.json. */
static int load_config(struct exec_job *job, mr_error **err)
{
  int r = config_load_saved(job->dirfd, job->rec->bundle, &job->config, err);
  if (r == -ENOENT) {
    mr_err_clear(err);
    mr_warn(job->ctx, "container '%s': no saved config.json, reading the bundle's", job->id);
    r = mr_config_load_bundle(job->ctx, job->rec->bundle, &job->config, err);
  }
  return r < 0 ? mr_err_prefix(err, r, "container '%s'", job->id) : 0;
}

static int build_plan(struct exec_job *job, mr_error **err)
{
  struct plan *plan = &job->plan;
  memset(plan, 0, sizeof(*plan));
  plan->spec = job->config->spec;
  plan->exec = true;
  plan->exec_pidfd = -1;
  plan->console_fd = -1;
  plan->hooks.result_fd = -1;
  plan->seccomp.listener_fd = -1;
  plan->procfs.root_fd = -1;
  job->planned = true;
  const mr_config *cfg = job->config;
  const struct mr_create_opts *base = &job->opts->base;
  int r = exec_ns_plan(cfg->spec, job->rec, plan, err);
  if (r == 0)
    r = process_plan(cfg, base, plan, err);
  if (r == 0)
    r = terminal_plan(cfg, base, plan, err);
  if (r == 0)
    r = procattr_plan(cfg, plan, err);
  if (r == 0)
    r = lsm_plan(cfg, plan, err);
  if (r == 0)
    r = caps_plan(job->ctx, cfg, plan, err);
  if (r == 0)
    r = rlimits_plan(cfg, plan, err);
  if (r == 0)
    r = procfs_plan(plan, err);
  if (r == 0)
    r = seccomp_plan(job->ctx, cfg, job->id, plan, err);
  if (r == 0)
    lsm_log(job->ctx, plan);
  return r;
}

static int prepare_fds(struct exec_job *job, mr_error **err)
{
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, job->sync) < 0)
    return mr_err_sys(err, errno, "socketpair");
  int min = 3 + job->plan.preserve_fds;
  int r = plan_keep_fd(&job->plan, &job->sync[1], err);
  if (r == 0)
    r = plan_keep_fd(&job->plan, &job->plan.seccomp.listener_fd, err);
  if (r == 0)
    r = exec_cgroup_prepare(job->ctx, job->rec, &job->cgroup_join, err);
  job->plan.cgroup_join = job->cgroup_join;
  for (size_t i = 0; r == 0 && i < job->cgroup_join.n; i++)
    r = plan_keep_fd(&job->plan, &job->cgroup_join.fds[i], err);
  if (r == 0)
    r = util_fd_move_above(&job->sync[0], min, err);
  for (size_t i = 0; r == 0 && i < job->plan.n_keep; i++)
    r = util_fd_move_above(job->plan.keep[i], min, err);
  return r;
}

/* The process reports an error, or its end of the socket closes when it
 * execs. Bounded by the context's timeout; the cancel fd ends it too. */
static int wait_exec(struct exec_job *job, mr_error **err)
{
  unsigned ms = job->ctx->timeout_ms;
  struct pollfd pfd[2] = {{.fd = job->sync[0], .events = POLLIN},
                          {.fd = job->ctx->cancel_fd, .events = POLLIN}};
  for (;;) {
    int n = poll(pfd, pfd[1].fd >= 0 ? 2 : 1, ms == 0 ? -1 : (int)ms);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return mr_err_sys(err, errno, "exec in '%s': poll", job->id);
    if (n == 0 && job->paused)
      return mr_err(err, -ETIMEDOUT,
                    "exec in '%s': the container stayed paused for %u ms "
                    "(mr_context_set_timeout): the process was killed",
                    job->id, ms);
    if (n == 0)
      return mr_err(
          err, -ETIMEDOUT,
          "exec in '%s': the process did not start within %u ms (mr_context_set_timeout); "
          "killed",
          job->id, ms);
    if (pfd[1].fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
      return mr_err(err, -ECANCELED, "exec in '%s': canceled by the caller", job->id);
    if (pfd[0].revents != 0)
      break;
  }
  struct sync_msg msg;
  int r = sync_recv(job->sync[0], &msg);
  if (r < 0)
    return mr_err_sys(err, -r, "exec in '%s': read sync socket", job->id);
  if (r > 0 && msg.type == SYNC_ERROR)
    return sync_error_to_err(&msg, err);
  if (r > 0)
    return mr_err(err, -EPROTO, "exec in '%s': unexpected message %d", job->id, msg.type);
  return 0;
}

static int start_process(struct exec_job *job, mr_error **err)
{
  int r = prepare_fds(job, err);
  if (r == 0)
    r = spawn_exec(&job->plan, job->sync[0], job->sync[1], &job->pid, &job->pidfd, err);
  if (r < 0)
    return r;
  close_fd(&job->sync[1]);
  r = exec_cgroup_join(job->ctx, job->rec, job->pid, &job->cgroup_join, err);
  if (r == 0 && sync_send(job->sync[0], SYNC_GO, 0, job->pid) < 0)
    r = mr_err(err, -ECHILD, "exec in '%s': the process exited before it started", job->id);
  /* In a paused container the process freezes in its cgroups: the lock
   * goes now, or the resume it waits for could not take it. */
  if (r == 0 && job->paused) {
    mr_debug(job->ctx, "exec in '%s': paused container: waiting for a resume", job->id);
    close_fd(&job->dirfd);
  }
  if (r == 0)
    r = wait_exec(job, err);
  if (r == 0 && job->opts->base.pid_file != NULL)
    r = container_write_pid_file(job->opts->base.pid_file, job->pid, err);
  return r;
}

static void abort_process(struct exec_job *job)
{
  if (job->pid <= 0)
    return;
  kill(job->pid, SIGKILL);
  if (job->paused) {
    mr_error *e = NULL;
    if (exec_cgroup_thaw_killed(job->pid, &e) < 0)
      mr_warn(job->ctx, "exec in '%s': %s (the killed process dies on resume)", job->id,
              mr_error_message(e));
    mr_error_free(e);
  }
  while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  job->pid = -1;
}

static int make_handle(struct exec_job *job, mr_container **out, mr_error **err)
{
  mr_container *c = calloc(1, sizeof(*c));
  if (c == NULL || (c->id = strdup(job->id)) == NULL) {
    free(c);
    return mr_err_sys(err, ENOMEM, "exec handle");
  }
  c->pid = job->pid;
  c->pidfd = job->pidfd;
  job->pidfd = -1;
  *out = c;
  return 0;
}

static int run_exec(struct exec_job *job, mr_error **err)
{
  int r = state_dir_lock(job->ctx, job->id, &job->dirfd, err);
  if (r == 0)
    r = state_load(job->dirfd, job->id, &job->rec, err);
  if (r == 0)
    r = check_status(job, err);
  if (r == 0)
    r = exec_subcgroup_resolve(job->ctx, job->rec, job->opts, err);
  if (r == 0)
    r = load_config(job, err);
  if (r == 0)
    r = exec_process_prepare(job->config, job->opts, err);
  if (r == 0)
    r = build_plan(job, err);
  if (r == 0)
    r = start_process(job, err);
  return r;
}

int mr_container_exec(mr_context *ctx, const char *id, const mr_exec_opts *opts, mr_container **out,
                      mr_error **err)
{
  if (ctx == NULL || opts == NULL)
    return mr_err(err, -EINVAL, "exec: no context or options");
  int r = mr_id_validate(id, err);
  if (r < 0)
    return r;
  struct exec_job job = {
      .ctx = ctx, .id = id, .opts = opts, .dirfd = -1, .sync = {-1, -1}, .pid = -1, .pidfd = -1};
  r = run_exec(&job, err);
  if (r == 0 && out != NULL)
    r = make_handle(&job, out, err);
  if (r < 0)
    abort_process(&job);
  else
    mr_debug(ctx, "exec in '%s': process %d runs", id, (int)job.pid);
  close_fd(&job.pidfd);
  close_fd(&job.sync[0]);
  close_fd(&job.sync[1]);
  cg_join_free(&job.cgroup_join);
  if (job.planned) {
    plan_free(&job.plan);
    close_fd(&job.plan.exec_pidfd);
  }
  mr_config_free(job.config);
  state_record_free(job.rec);
  close_fd(&job.dirfd);
  return r;
}
