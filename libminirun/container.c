/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * container.c - create and run: from a config to a waiting (or started)
 * container init, with its state committed.
 *
 * The parent's sequence: plan (all allocation and parsing) -> reserve the
 * state dir -> start gate -> clone -> id maps -> GO -> READY -> init.pid ->
 * GO -> state.json (committed) -> pid file. Any failure on the way kills and reaps the
 * child and removes the state dir, so nothing is left behind; the child's
 * mounts die with its mount namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/place.h"
#include "container.h"
#include "hooks/hooks.h"
#include "image/image.h"
#include "isolate/signals.h"
#include "namespaces.h"
#include "net/netdev.h"
#include "plan.h"
#include "spawn.h"
#include "state.h"
#include "sync.h"
#include "testing/crashpoint.h"
#include "util.h"

struct create_job {
  mr_context *ctx;
  const char *id;
  const mr_config *config;
  const struct mr_create_opts *opts;
  bool run;
  struct plan plan;
  struct cg_place cgroup;
  int dirfd;
  int sync[2]; /* [0] parent end, [1] child end */
  int gate[2]; /* [0] read end for the child, [1] write end (run only) */
  pid_t pid;
  int pidfd;
  struct timespec deadline; /* CLOCK_MONOTONIC; tv_sec 0: none */
};

static void close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* `start` runs in another process: a startContainer hook failing in the
 * init reaches it through this fifo, and start reads until the init's end
 * closes on exec - so the poststart hooks run once the program does. */
static int open_hooks_result(struct create_job *job, mr_error **err)
{
  const struct hooks_plan *hp = &job->plan.hooks;
  if (hp->lists[HOOK_START_CONTAINER].n == 0 && hp->lists[HOOK_POSTSTART].n == 0)
    return 0;
  if (mkfifoat(job->dirfd, HOOKS_RESULT_FIFO, 0600) < 0)
    return mr_err_sys(err, errno, "mkfifo %s", HOOKS_RESULT_FIFO);
  job->plan.hooks.result_fd = openat(job->dirfd, HOOKS_RESULT_FIFO, O_RDWR | O_CLOEXEC);
  if (job->plan.hooks.result_fd < 0)
    return mr_err_sys(err, errno, "open %s", HOOKS_RESULT_FIFO);
  return 0;
}

static int open_gate(struct create_job *job, mr_error **err)
{
  if (job->run) {
    if (pipe2(job->gate, O_CLOEXEC) < 0)
      return mr_err_sys(err, errno, "pipe");
    return 0;
  }
  /* The init holds the fifo open read-write, so `start` (any process) can
   * open it write-only without blocking, and its write wakes the init. */
  if (mkfifoat(job->dirfd, STATE_EXEC_FIFO, 0600) < 0)
    return mr_err_sys(err, errno, "mkfifo %s", STATE_EXEC_FIFO);
  job->gate[0] = openat(job->dirfd, STATE_EXEC_FIFO, O_RDWR | O_CLOEXEC);
  if (job->gate[0] < 0)
    return mr_err_sys(err, errno, "open %s", STATE_EXEC_FIFO);
  return open_hooks_result(job, err);
}

static int prepare_fds(struct create_job *job, mr_error **err)
{
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, job->sync) < 0)
    return mr_err_sys(err, errno, "socketpair");
  int min = 3 + job->plan.preserve_fds;
  int r = plan_keep_fd(&job->plan, &job->sync[1], err);
  if (r == 0)
    r = plan_keep_fd(&job->plan, &job->gate[0], err);
  if (r == 0)
    r = util_fd_move_above(&job->sync[0], min, err);
  if (r == 0)
    r = plan_keep_fd(&job->plan, &job->plan.hooks.result_fd, err);
  if (r == 0)
    r = plan_keep_fd(&job->plan, &job->plan.seccomp.listener_fd, err);
  job->plan.cgroup_join = job->cgroup.join;
  for (size_t i = 0; r == 0 && i < job->cgroup.join.n; i++)
    r = plan_keep_fd(&job->plan, &job->cgroup.join.fds[i], err);
  for (size_t i = 0; r == 0 && i < job->plan.n_keep; i++)
    r = util_fd_move_above(job->plan.keep[i], min, err);
  /* Not the child's: above the preserved range so that it is closed there. */
  if (r == 0)
    r = util_fd_move_above(&job->cgroup.clone_fd, min, err);
  job->plan.cgroup_fd = cg_place_clone_fd(&job->cgroup);
  return r;
}

static void set_deadline(struct create_job *job)
{
  unsigned ms = job->ctx->timeout_ms;
  if (ms == 0)
    return;
  clock_gettime(CLOCK_MONOTONIC, &job->deadline);
  job->deadline.tv_sec += ms / 1000;
  job->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (job->deadline.tv_nsec >= 1000000000L) {
    job->deadline.tv_sec++;
    job->deadline.tv_nsec -= 1000000000L;
  }
}

/* Milliseconds left until the deadline (-1: none, 0: passed). */
static int ms_left(const struct create_job *job)
{
  if (job->deadline.tv_sec == 0)
    return -1;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long ms = (long long)(job->deadline.tv_sec - now.tv_sec) * 1000 +
                 (job->deadline.tv_nsec - now.tv_nsec) / 1000000;
  if (ms <= 0)
    return 0;
  return ms > 1000000 ? 1000000 : (int)ms;
}

/* Waits until the init has something to say on the sync socket, within the
 * context's timeout and unless the caller's cancel fd becomes readable: a
 * hostile image must not hang the caller. */
static int wait_for_init(struct create_job *job, mr_error **err)
{
  for (;;) {
    struct pollfd pfd[2] = {{.fd = job->sync[0], .events = POLLIN},
                            {.fd = job->ctx->cancel_fd, .events = POLLIN}};
    int left = ms_left(job);
    if (left == 0)
      return mr_err(err, -ETIMEDOUT,
                    "container %s: the init did not finish its setup within %u ms "
                    "(mr_context_set_timeout); killed",
                    job->id, job->ctx->timeout_ms);
    int n = poll(pfd, pfd[1].fd >= 0 ? 2 : 1, left);
    if (n < 0 && errno != EINTR)
      return mr_err_sys(err, errno, "container %s: poll", job->id);
    if (n > 0 && pfd[1].fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
      return mr_err(err, -ECANCELED, "container %s: create canceled by the caller", job->id);
    if (n > 0 && pfd[0].revents != 0)
      return 0;
  }
}

/* Waits for READY; a SYNC_ERROR becomes the returned error. On the way the
 * init asks for the prestart/createRuntime hooks (SYNC_HOOKS). */
static int wait_ready(struct create_job *job, mr_error **err)
{
  struct sync_msg msg;
  int r = wait_for_init(job, err);
  if (r < 0)
    return r;
  r = sync_recv(job->sync[0], &msg);
  if (r > 0 && msg.type == SYNC_HOOKS) {
    r = hooks_answer_init(job->ctx, &job->plan.hooks, job->sync[0], job->id, job->config, job->pid,
                          err);
    if (r < 0)
      return r;
    r = wait_for_init(job, err);
    if (r < 0)
      return r;
    r = sync_recv(job->sync[0], &msg);
  }
  if (r < 0)
    return mr_err_sys(err, -r, "container init: read sync socket");
  if (r == 0)
    return mr_err(err, -ECHILD, "container init exited during setup");
  if (msg.type == SYNC_ERROR)
    return sync_error_to_err(&msg, err);
  if (msg.type != SYNC_READY)
    return mr_err(err, -EPROTO, "container init: unexpected message %d", msg.type);
  return 0;
}

int container_write_pid_file(const char *path, pid_t pid, mr_error **err)
{
  cleanup_free char *dir_copy = strdup(path);
  cleanup_free char *base_copy = strdup(path);
  if (dir_copy == NULL || base_copy == NULL)
    return mr_err_sys(err, ENOMEM, "pid file");
  cleanup_close int dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return mr_err_sys(err, errno, "pid file %s", path);
  char text[32];
  int n = snprintf(text, sizeof(text), "%d", (int)pid);
  int r = util_write_file_atomic(dfd, basename(base_copy), text, (size_t)n, 0644, err);
  return r < 0 ? mr_err_prefix(err, r, "pid file %s", path) : 0;
}

/* `run`: opens the gate (the pipe the init blocks on after its last GO). */
static int release_gate(struct create_job *job, mr_error **err)
{
  mr_debug(job->ctx, "container %s: init %d is ready, starting it", job->id, (int)job->pid);
  int w = write_all_nosigpipe(job->gate[1], "1", 1);
  if (w == -EPIPE)
    return mr_err(err, -ECHILD, "start container: the container init exited before its start");
  if (w < 0)
    return mr_err_sys(err, -w, "start container");
  close_fd(&job->gate[1]);
  return 0;
}

static int commit_state(struct create_job *job, mr_error **err)
{
  const mr_config *cfg = job->config;
  char created[64];
  util_rfc3339_now(created, sizeof(created));
  struct state_record rec = {
      .id = (char *)job->id,
      .pid = job->pid,
      .bundle = cfg->bundle,
      .rootfs = job->plan.image != NULL ? job->plan.image->path : job->plan.rootfs,
      .created = created,
      .owner = geteuid(),
      .cgroup_paths = job->cgroup.skipped ? NULL : job->cgroup.paths.dirs,
      .n_cgroup_paths = job->cgroup.skipped ? 0 : job->cgroup.paths.n,
      .new_pid_ns = (job->plan.clone_flags & CLONE_NEWPID) != 0,
      .annotations = cfg->spec->annotations,
      .n_annotations = cfg->spec->n_annotations,
  };
  bool dead = false;
  int r = proc_stat_read(job->pid, &rec.pid_start, &dead);
  if (r < 0 || dead)
    return mr_err(err, -ECHILD, "container init exited during setup");
  r = hooks_file_write(job->dirfd, &cfg->spec->hooks, err);
  if (r == 0)
    r = config_save(job->dirfd, cfg, err);
  if (r == 0)
    r = state_write_init(job->dirfd, job->pid, rec.pid_start, err);
  /* GO before state.json: whatever reads as created (state.json + an init
   * holding exec.fifo) has its GO and will wait for start even if we die
   * now. The other order let a create killed between the two leave a
   * "created" container whose init was about to exit (EOF instead of GO):
   * `start` then succeeded and nothing ran (issue 10, defect 9). Dying
   * after GO but before state.json leaves a waiting init without
   * state.json: `delete --force` finds it by init.pid and kills it. */
  if (r == 0 && sync_send(job->sync[0], SYNC_GO, 0, 0) < 0)
    r = mr_err(err, -ECHILD, "container init exited during setup");
  MR_CRASH_POINT("go-sent");
  /* `run` releases its init before state.json for the same reason: killed
   * after GO, its init would read as running while it was about to exit
   * (EOF on the gate pipe). */
  if (r == 0 && job->run)
    r = release_gate(job, err);
  if (r == 0)
    r = state_write_record(job->dirfd, &rec, err);
  MR_CRASH_POINT("state-written");
  if (r == 0 && job->opts != NULL && job->opts->pid_file != NULL)
    r = container_write_pid_file(job->opts->pid_file, job->pid, err);
  MR_CRASH_POINT("pid-file-written");
  MR_CRASH_POINT("state-committed");
  return r;
}

/* `run`: wait until exec happened (the sync socket closes on exec) or
 * failed (the init reports why); release_gate() opened the gate. */
static int confirm_exec(struct create_job *job, mr_error **err)
{
  struct sync_msg msg;
  int r = wait_for_init(job, err);
  if (r < 0)
    return r;
  r = sync_recv(job->sync[0], &msg);
  if (r > 0 && msg.type == SYNC_ERROR)
    return sync_error_to_err(&msg, err);
  return 0;
}

static void abort_job(struct create_job *job)
{
  bool spawned = job->pid > 0;
  if (job->pid > 0) {
    kill(job->pid, SIGKILL);
    while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
      ;
    job->pid = -1;
  }
  cg_place_abort(job->ctx, &job->cgroup);
  /* Our copies of the image's mounts and loop device first: the device
   * can only go once nothing holds it. */
  image_root_free(&job->plan);
  if (job->dirfd >= 0) {
    image_root_destroy(job->ctx, job->dirfd, job->id, NULL);
    state_dir_remove(job->ctx, job->id, NULL);
  }
  /* As runtime.md's lifecycle: a failed create continues with destroy and
   * then the poststop hooks. */
  if (spawned)
    hooks_run_plan(job->ctx, &job->plan.hooks, HOOK_POSTSTOP, job->id, job->config, "stopped", 0,
                   NULL);
}

static void job_close(struct create_job *job)
{
  close_fd(&job->sync[0]);
  close_fd(&job->sync[1]);
  close_fd(&job->gate[0]);
  close_fd(&job->gate[1]);
  close_fd(&job->dirfd);
  plan_free(&job->plan);
  cg_place_free(&job->cgroup);
}

static int make_handle(struct create_job *job, mr_container **out, mr_error **err)
{
  mr_container *c = calloc(1, sizeof(*c));
  if (c == NULL || (c->id = strdup(job->id)) == NULL) {
    free(c);
    return mr_err_sys(err, ENOMEM, "container handle");
  }
  c->pid = job->pid;
  c->pidfd = job->pidfd;
  job->pidfd = -1;
  *out = c;
  return 0;
}

/* Whether the init makes its own cgroup namespace (after its placement). */
static bool new_cgroup_ns(const struct spec *spec)
{
  const struct spec_namespace *ns = spec_find_namespace(spec, SPEC_NS_CGROUP);
  return ns != NULL && (ns->path == NULL || ns->path[0] == '\0');
}

/* An image root is mounted once the state directory can record it. */
static int setup_image(struct create_job *job, mr_error **err)
{
  /* Whatever an earlier container of this id left in the image store. */
  image_id_forget(job->ctx, job->id);
  if (job->plan.image == NULL)
    return 0;
  cleanup_free char *dir = state_dir_path(job->ctx, job->id);
  if (dir == NULL)
    return mr_err_sys(err, ENOMEM, "state directory");
  return image_root_setup(job->ctx, &job->plan, job->id, job->dirfd, dir, err);
}

static int run_job(struct create_job *job, mr_error **err)
{
  set_deadline(job);
  int r = state_dir_create(job->ctx, job->id, &job->dirfd, err);
  if (r < 0)
    return r;
  MR_CRASH_POINT("state-dir-created");
  r = setup_image(job, err);
  if (r < 0)
    return r;
  /* Limits are in place before the init exists. */
  r = cg_place_create(job->ctx, &job->cgroup, job->dirfd, err);
  if (r == 0)
    r = cg_mount_plan(&job->cgroup, new_cgroup_ns(job->config->spec), &job->plan.cgroup_mount, err);
  if (r == 0)
    r = open_gate(job, err);
  MR_CRASH_POINT("gate-opened");
  if (r == 0)
    r = prepare_fds(job, err);
  if (r == 0)
    r = spawn_init(&job->plan, job->sync[0], job->sync[1], job->gate[0], &job->pid, &job->pidfd,
                   err);
  if (r < 0)
    return r;
  close_fd(&job->sync[1]);
  close_fd(&job->gate[0]);
  close_fd(&job->plan.hooks.result_fd); /* start must see EOF once the init execs */
  MR_CRASH_POINT("init-spawned");
  /* In its cgroups before the first GO: it runs no container code yet. */
  r = cg_place_enter(&job->cgroup, job->pid, job->plan.cloned_into_cgroup, err);
  if (r == 0)
    r = namespaces_write_id_maps(&job->plan, job->pid, err);
  if (r == 0)
    r = netdev_move(&job->plan, job->pid, err);
  /* The init's host pid goes with GO: it may be 1 in its own pid namespace. */
  if (r == 0 && sync_send(job->sync[0], SYNC_GO, 0, job->pid) < 0)
    r = mr_err_sys(err, errno, "container init: sync");
  if (r == 0)
    r = wait_ready(job, err);
  MR_CRASH_POINT("init-ready");
  if (r == 0)
    r = commit_state(job, err);
  if (r == 0 && job->run)
    r = confirm_exec(job, err);
  MR_CRASH_POINT("run-started");
  if (r == 0 && job->run)
    hooks_run_plan(job->ctx, &job->plan.hooks, HOOK_POSTSTART, job->id, job->config, "running",
                   job->pid, NULL);
  return r;
}

static int create_container(mr_context *ctx, const char *id, const mr_config *config,
                            const mr_create_opts *opts, bool run, mr_container **out,
                            mr_error **err)
{
  if (ctx == NULL || config == NULL)
    return mr_err(err, -EINVAL, "create: no context or config");
  int r = mr_id_validate(id, err);
  if (r == 0)
    r = config_validate_for_create(config, err);
  if (r < 0)
    return r;
  struct create_job job = {
      .ctx = ctx,
      .id = id,
      .config = config,
      .opts = opts,
      .run = run,
      .dirfd = -1,
      .sync = {-1, -1},
      .gate = {-1, -1},
      .pid = -1,
      .pidfd = -1,
      .cgroup = {.clone_fd = -1},
  };
  r = plan_build(ctx, config, opts, &job.plan, err);
  if (r < 0)
    return r;
  r = hooks_plan(config, id, &job.plan.hooks, err);
  if (r == 0)
    r = seccomp_plan(ctx, config, id, &job.plan, err);
  if (r == 0)
    r = cg_place_plan(ctx, config->spec, id, &job.cgroup, err);
  if (r < 0) {
    plan_free(&job.plan);
    cg_place_free(&job.cgroup);
    return r;
  }
  lsm_log(ctx, &job.plan);
  r = run_job(&job, err);
  if (r == 0 && out != NULL)
    r = make_handle(&job, out, err);
  if (r < 0) {
    abort_job(&job);
    mr_debug(ctx, "create %s failed: cleaned up", id);
  }
  close_fd(&job.pidfd);
  job_close(&job);
  return r;
}

int mr_container_create(mr_context *ctx, const char *id, const mr_config *config,
                        const mr_create_opts *opts, mr_container **out, mr_error **err)
{
  return create_container(ctx, id, config, opts, false, out, err);
}

int mr_container_run(mr_context *ctx, const char *id, const mr_config *config,
                     const mr_create_opts *opts, mr_container **out, mr_error **err)
{
  return create_container(ctx, id, config, opts, true, out, err);
}

pid_t mr_container_pid(const mr_container *c)
{
  return c ? c->pid : -1;
}
const char *mr_container_id(const mr_container *c)
{
  return c ? c->id : NULL;
}
int mr_container_pollfd(const mr_container *c)
{
  return c ? c->pidfd : -1;
}

static int decode_status(int status)
{
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

int mr_container_wait(mr_container *c, int nohang, int *exit_status, mr_error **err)
{
  if (c == NULL)
    return mr_err(err, -EINVAL, "wait: no container");
  if (!c->reaped) {
    int status;
    pid_t r;
    do
      r = waitpid(c->pid, &status, nohang ? WNOHANG : 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
      return mr_err_sys(err, errno, "wait for container %s (pid %d)", c->id, (int)c->pid);
    if (r == 0)
      return -EAGAIN;
    c->reaped = true;
    c->exit_status = decode_status(status);
  }
  if (exit_status != NULL)
    *exit_status = c->exit_status;
  return 0;
}

void mr_container_free(mr_container *c)
{
  if (c == NULL)
    return;
  if (c->pidfd >= 0)
    close(c->pidfd);
  free(c->id);
  free(c);
}
