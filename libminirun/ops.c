/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ops.c - the public calls that act on an existing container through its
 * state directory: start, kill and delete (state and list: state-api.c).
 *
 * None of them needs to be the parent of the container init: processes are
 * addressed through pidfds whose target is checked against the start time
 * recorded in state.json, and nothing is ever reaped here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cgroup/place.h"
#include "context.h"
#include "hooks/hooks.h"
#include "image/image.h"
#include "jsonw.h"
#include "procs.h"
#include "state.h"
#include "testing/crashpoint.h"
#include "util.h"

#define ID_MAX_LEN 1024

static void hooks_filep(struct hooks_file *f)
{
  hooks_file_free(f);
}
#define cleanup_hooks_file __attribute__((cleanup(hooks_filep)))

static void record_freep(struct state_record **rec)
{
  state_record_free(*rec);
}
#define cleanup_record __attribute__((cleanup(record_freep)))

/* ------------------------------------------------------------------------ */
/* Ids, status names, errors                                                 */
/* ------------------------------------------------------------------------ */

/* Length of the UTF-8 sequence starting at s (0 when invalid): ids end up
 * in state.json, which must stay valid JSON. */
static size_t utf8_sequence_length(const unsigned char *s)
{
  size_t n = s[0] < 0x80                    ? 1
             : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
             : s[0] >= 0xe0 && s[0] <= 0xef ? 3
             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                            : 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

int mr_id_validate(const char *id, mr_error **err)
{
  if (id == NULL || id[0] == '\0')
    return mr_err(err, -EINVAL, "invalid container id: empty");
  size_t len = strnlen(id, ID_MAX_LEN + 1);
  if (len > ID_MAX_LEN)
    return mr_err(err, -EINVAL, "invalid container id: longer than %d bytes", ID_MAX_LEN);
  /* "." and "..", and every hidden name: the state root holds the
   * runtime's own entries under those (the CLI's .seccomp-cache), which a
   * container of that id would collide with. */
  if (id[0] == '.')
    return mr_err(err, -EINVAL, "invalid container id '%s': reserved name (starts with '.')", id);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)id[i];
    /* The id is not echoed here: it would carry the control character. */
    if (c < 0x20 || c == 0x7f)
      return mr_err(err, -EINVAL, "invalid container id: contains control character 0x%02x", c);
  }
  if (strchr(id, '/') != NULL)
    return mr_err(err, -EINVAL, "invalid container id '%s': contains '/'", id);
  for (size_t i = 0; i < len;) {
    size_t n = utf8_sequence_length((const unsigned char *)id + i);
    if (n == 0)
      return mr_err(err, -EINVAL, "invalid container id: not valid UTF-8");
    i += n;
  }
  return 0;
}

const char *mr_status_name(enum mr_status status)
{
  switch (status) {
  case MR_STATUS_CREATING:
    return "creating";
  case MR_STATUS_CREATED:
    return "created";
  case MR_STATUS_RUNNING:
    return "running";
  case MR_STATUS_PAUSED:
    return "paused";
  case MR_STATUS_STOPPED:
    return "stopped";
  case MR_STATUS_UNKNOWN:
    break;
  }
  return "unknown";
}

static int not_running(mr_error **err, const char *id)
{
  return mr_err(err, -EINVAL, "container '%s' is not running", id);
}

/* Locks the directory of `id` (validating the id) and reads its record. */
static int open_locked(mr_context *ctx, const char *id, int *dirfd, struct state_record **rec,
                       mr_error **err)
{
  int r = state_dir_lock(ctx, id, dirfd, err);
  if (r < 0)
    return r;
  r = state_load(*dirfd, id, rec, err);
  if (r < 0) {
    close(*dirfd);
    *dirfd = -1;
  }
  return r;
}

/* ------------------------------------------------------------------------ */
/* start                                                                     */
/* ------------------------------------------------------------------------ */

/* Writes one byte to the fifo. If the reader dies between our open() and
 * write(), the kernel raises SIGPIPE; the library may not touch signal
 * dispositions, so the signal is blocked in this thread for the write and a
 * SIGPIPE we caused is consumed before the mask is restored. */
static int write_byte_nosigpipe(int fd)
{
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);

  ssize_t n;
  do
    n = write(fd, "0", 1);
  while (n < 0 && errno == EINTR);
  int r = n == 1 ? 0 : n < 0 ? -errno : -EIO;

  if (r == -EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
  return r;
}

/* The init holds exec.fifo open for reading and blocks in read() until a
 * byte arrives. Opening without O_NONBLOCK would hang if it died. */
static int release_init(int dirfd, const char *id, mr_error **err)
{
  cleanup_close int fd =
      openat(dirfd, STATE_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENXIO) /* no reader */
    return mr_err(err, -ESRCH, "container '%s' init process is gone", id);
  if (fd < 0)
    return mr_err_sys(err, errno, "container '%s': open %s", id, STATE_EXEC_FIFO);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return mr_err_sys(err, errno, "container '%s': stat %s", id, STATE_EXEC_FIFO);
  if (!S_ISFIFO(st.st_mode))
    return mr_err(err, -EINVAL, "container '%s': %s is not a fifo", id, STATE_EXEC_FIFO);
  int r = write_byte_nosigpipe(fd);
  if (r == -EPIPE)
    return mr_err(err, -ESRCH, "container '%s' init process is gone", id);
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': write %s", id, STATE_EXEC_FIFO);
  return 0;
}

static int delete_locked(mr_context *ctx, int dirfd, const char *id, bool force, mr_error **err);

/* With startContainer hooks, the init reports their failure in hooks.fifo
 * and its end closes when it execs the program. Opened before the init is
 * released so a quick failure's text is still in the fifo. */
static int open_hooks_result(int dirfd, const char *id, int *fd, mr_error **err)
{
  *fd = openat(dirfd, HOOKS_RESULT_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (*fd < 0 && errno == ENOENT)
    return 0;
  if (*fd < 0)
    return mr_err_sys(err, errno, "container '%s': open %s", id, HOOKS_RESULT_FIFO);
  struct stat st;
  if (fstat(*fd, &st) < 0 || !S_ISFIFO(st.st_mode))
    return mr_err(err, -EINVAL, "container '%s': %s is not a fifo", id, HOOKS_RESULT_FIFO);
  return 0;
}

/* Reads until the init's end closes: nothing read means the startContainer
 * hooks passed and the program was exec'd. */
static int wait_hooks_result(int fd, const char *id, mr_error **err)
{
  char text[1024];
  size_t used = 0;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR)
      return mr_err_sys(err, errno, "container '%s': wait for startContainer hooks", id);
    ssize_t n = read(fd, text + used, sizeof(text) - 1 - used);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0 || used + (size_t)n >= sizeof(text) - 1) {
      if (n > 0)
        used += (size_t)n;
      break;
    }
    used += (size_t)n;
  }
  text[used] = '\0';
  if (used == 0)
    return 0;
  return mr_err(err, -EIO, "container '%s': %s", id, text);
}

int mr_container_start(mr_context *ctx, const char *id, mr_error **err)
{
  cleanup_close int dirfd = -1;
  cleanup_record struct state_record *rec = NULL;
  int r = open_locked(ctx, id, &dirfd, &rec, err);
  if (r < 0)
    return r;
  enum mr_status status = state_status(dirfd, rec);
  if (status != MR_STATUS_CREATED)
    return mr_err(err, -EINVAL, "container '%s' is not in created state (status: %s)", id,
                  mr_status_name(status));
  struct hooks_file hooks;
  r = hooks_file_read(dirfd, &hooks, err);
  if (r < 0)
    return mr_err_prefix(err, r, "container '%s'", id);
  cleanup_close int result_fd = -1;
  r = open_hooks_result(dirfd, id, &result_fd, err);
  MR_CRASH_POINT("start-locked");
  if (r == 0)
    r = release_init(dirfd, id, err);
  MR_CRASH_POINT("start-released");
  /* The init is released: from now on the container reads as running. */
  if (r == 0 && unlinkat(dirfd, STATE_EXEC_FIFO, 0) < 0 && errno != ENOENT)
    r = mr_err_sys(err, errno, "container '%s': remove %s", id, STATE_EXEC_FIFO);
  if (r == 0 && result_fd >= 0) {
    r = wait_hooks_result(result_fd, id, err);
    unlinkat(dirfd, HOOKS_RESULT_FIFO, 0);
    /* runtime.md: a failed startContainer hook stops the container and
     * continues with its destruction (and the poststop hooks). */
    if (r < 0)
      delete_locked(ctx, dirfd, id, true, NULL);
  }
  if (r == 0) {
    mr_debug(ctx, "container '%s' started", id);
    hooks_run_recorded(ctx, &hooks.poststart, rec, "running", rec->pid);
  }
  hooks_file_free(&hooks);
  return r;
}

/* ------------------------------------------------------------------------ */
/* kill                                                                      */
/* ------------------------------------------------------------------------ */

int mr_container_kill(mr_context *ctx, const char *id, int sig, int all, mr_error **err)
{
  if (sig < 0 || sig > SIGRTMAX)
    return mr_err(err, -EINVAL, "invalid signal %d", sig);
  cleanup_close int dirfd = -1;
  cleanup_record struct state_record *rec = NULL;
  int r = open_locked(ctx, id, &dirfd, &rec, err);
  if (r < 0)
    return r;
  /* Like crun, a created (not yet started) container may be signalled. */
  if (state_status(dirfd, rec) == MR_STATUS_STOPPED)
    return not_running(err, id);
  r = procs_signal_init(rec, sig);
  if (r == -ESRCH)
    return not_running(err, id);
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': signal %d to pid %d", id, sig, (int)rec->pid);
  /* Every process: through the cgroup (which also finds them without a
   * pid namespace), else through the init's pid namespace. */
  if (all && rec->n_cgroup_paths > 0) {
    r = cg_signal_all(rec->cgroup_paths, rec->n_cgroup_paths, sig, err);
    return r < 0 ? mr_err_prefix(err, r, "container '%s': kill --all", id) : 0;
  }
  if (all && rec->new_pid_ns)
    return procs_signal_pid_ns(ctx, rec, sig, err);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* delete                                                                    */
/* ------------------------------------------------------------------------ */

/* Kills what is left in the container's cgroups (a paused one too) and
 * removes them, then frees its image root's loop device and directories.
 * What to free comes from records written before it was set up
 * (CG_PATHS_FILE, IMAGE_RECORD_FILE), so a create killed half-way is
 * cleaned too. */
static int destroy_recorded(mr_context *ctx, int dirfd, const char *id, mr_error **err)
{
  int r = cg_destroy_recorded(ctx, dirfd, err);
  if (r == 0)
    r = image_root_destroy(ctx, dirfd, id, err);
  return r < 0 ? mr_err_prefix(err, r, "container '%s'", id) : 0;
}

/* `delete --force` of a container whose state.json is damaged: the init is
 * found through the second record (init.pid), else the third (a file name,
 * state-init.c), else as the holder of exec.fifo (a created container), and
 * killed before the directory goes. With none of them there is nothing left
 * to identify it by (a create that died before writing them: its init exits
 * on its own, or a started container whose three records were all
 * destroyed). */
static int find_damaged_init(mr_context *ctx, int dirfd, const char *id, struct state_record *rec)
{
  int r = state_read_init(dirfd, &rec->pid, &rec->pid_start);
  if (r == 0)
    return 0;
  if (r != -ENOENT)
    mr_warn(ctx, "container '%s': %s is damaged too", id, STATE_INIT_FILE);
  r = state_init_from_mark(dirfd, &rec->pid, &rec->pid_start);
  if (r == 0)
    return 0;
  r = state_init_fifo_holder(dirfd, &rec->pid, &rec->pid_start);
  if (r < 0) {
    mr_warn(ctx, "container '%s': its init cannot be identified", id);
    return -ENOENT;
  }
  mr_warn(ctx, "container '%s': its init %d found as the holder of %s", id, (int)rec->pid,
          STATE_EXEC_FIFO);
  return 0;
}

static int delete_damaged(mr_context *ctx, int dirfd, const char *id, const mr_error *why,
                          mr_error **err)
{
  mr_warn(ctx, "%s; deleting it anyway", mr_error_message(why));
  struct state_record rec = {.id = (char *)id};
  int r = find_damaged_init(ctx, dirfd, id, &rec);
  if (r == 0)
    r = procs_kill_and_wait(&rec, err);
  if (r < 0 && r != -ENOENT && r != -EINVAL)
    return r;
  r = destroy_recorded(ctx, dirfd, id, err);
  return r < 0 ? r : state_dir_remove(ctx, id, err);
}

/* `delete --force` of a create that died before state.json: one that died
 * after the init's last GO left it waiting for a start that cannot come
 * (container.c commit_state), recorded in init.pid and its mark. */
static int delete_uncommitted(mr_context *ctx, int dirfd, const char *id, mr_error **err)
{
  struct state_record rec = {.id = (char *)id};
  int r = state_read_init(dirfd, &rec.pid, &rec.pid_start);
  if (r < 0)
    r = state_init_from_mark(dirfd, &rec.pid, &rec.pid_start);
  if (r == 0) {
    mr_debug(ctx, "container '%s': killing the init %d of an unfinished create", id, (int)rec.pid);
    r = procs_kill_and_wait(&rec, err);
    if (r < 0)
      return r;
  }
  r = destroy_recorded(ctx, dirfd, id, err);
  return r < 0 ? r : state_dir_remove(ctx, id, err);
}

static int delete_locked(mr_context *ctx, int dirfd, const char *id, bool force, mr_error **err)
{
  cleanup_record struct state_record *rec = NULL;
  mr_error *local = NULL;
  int r = state_load(dirfd, id, &rec, &local);
  /* With force, a directory without state.json that we could lock is the
   * leftover of a create that died before writing it. */
  if (r == -ENOENT && force) {
    mr_error_free(local);
    return delete_uncommitted(ctx, dirfd, id, err);
  }
  if (r < 0 && r != -ENOMEM && force) {
    r = delete_damaged(ctx, dirfd, id, local, err);
    mr_error_free(local);
    return r;
  }
  if (r < 0) {
    if (err != NULL && *err == NULL)
      *err = local;
    else
      mr_error_free(local);
    return r;
  }

  /* The poststop hooks are read before anything is destroyed; with force a
   * broken hooks.json does not keep the container alive. */
  cleanup_hooks_file struct hooks_file hooks;
  mr_error *hooks_err = NULL;
  r = hooks_file_read(dirfd, &hooks, &hooks_err);
  if (r < 0 && !force) {
    mr_err(err, r, "container '%s': %s (delete --force removes it)", id,
           mr_error_message(hooks_err));
    mr_error_free(hooks_err);
    return r;
  }
  if (r < 0)
    mr_warn(ctx, "container '%s': poststop hooks not run: %s", id, mr_error_message(hooks_err));
  mr_error_free(hooks_err);
  enum mr_status status = state_status(dirfd, rec);
  if (status != MR_STATUS_STOPPED && status != MR_STATUS_CREATED && !force)
    return mr_err(err, -EBUSY, "container '%s' is %s: stop it or use --force", id,
                  mr_status_name(status));
  /* A never started container is killed even without force (as runc/crun). */
  MR_CRASH_POINT("delete-locked");
  if (status != MR_STATUS_STOPPED) {
    /* Through the cgroup first: a frozen init cannot die until thawed. */
    if (rec->n_cgroup_paths > 0)
      cg_signal_all(rec->cgroup_paths, rec->n_cgroup_paths, SIGKILL, NULL);
    r = procs_kill_and_wait(rec, err);
    if (r < 0)
      return r;
  }
  MR_CRASH_POINT("delete-killed");
  r = destroy_recorded(ctx, dirfd, id, err);
  if (r == 0)
    r = state_dir_remove(ctx, id, err);
  if (r == 0) {
    mr_debug(ctx, "container '%s' deleted", id);
    hooks_run_recorded(ctx, &hooks.poststop, rec, "stopped", 0);
  }
  return r;
}

int mr_container_delete(mr_context *ctx, const char *id, int force, mr_error **err)
{
  cleanup_close int dirfd = -1;
  /* An invalid id fails validation (-EINVAL) even with force. */
  int r = state_dir_lock(ctx, id, &dirfd, err);
  if (r == -ENOENT && force)
    return mr_err_clear(err); /* podman relies on it */
  if (r < 0)
    return r;
  return delete_locked(ctx, dirfd, id, force != 0, err);
}
