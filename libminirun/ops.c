/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ops.c - the public calls that act on an existing container through its
 * state directory: start, kill, delete, state and list.
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

#include "context.h"
#include "state.h"
#include "jsonw.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define ID_MAX_LEN 1024
/* How long delete waits for a SIGKILLed init to go away. */
#define KILL_WAIT_MS 10000

struct mr_state {
  struct state_record *rec;
  enum mr_status status;
};

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
  size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
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
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return mr_err(err, -EINVAL, "invalid container id '%s': reserved name", id);
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

static int does_not_exist(mr_error **err, const char *id)
{
  return mr_err(err, -ENOENT, "container '%s' does not exist", id);
}

static int not_running(mr_error **err, const char *id)
{
  return mr_err(err, -EINVAL, "container '%s' is not running", id);
}

/* Passes an error collected in a local object on to the caller's `err`. */
static int hand_over(mr_error **err, mr_error *local, int r)
{
  if (err != NULL && *err == NULL)
    *err = local;
  else
    mr_error_free(local);
  return r;
}

/* ------------------------------------------------------------------------ */
/* Loading a container's record                                              */
/* ------------------------------------------------------------------------ */

/* Reads state.json of `dirfd`. A missing state.json is a container that
 * does not exist (yet: its create has not written it). */
static int load_record(int dirfd, const char *id, struct state_record **out, mr_error **err)
{
  mr_error *local = NULL;
  int r = state_read(dirfd, out, &local);
  if (r == -ENOENT) {
    mr_error_free(local);
    return does_not_exist(err, id);
  }
  if (r < 0) {
    hand_over(err, local, r);
    return mr_err_prefix(err, r, "container '%s'", id);
  }
  if (strcmp((*out)->id, id) != 0) {
    r = mr_err(err, -EINVAL, "container '%s': state.json records id '%s'", id, (*out)->id);
    state_record_free(*out);
    *out = NULL;
  }
  return r;
}

/* Validates `id`, locks its directory and reads its record. */
static int open_locked(mr_context *ctx, const char *id, int *dirfd, struct state_record **rec,
                       mr_error **err)
{
  int r = mr_id_validate(id, err);
  if (r == 0)
    r = state_dir_lock(ctx, id, dirfd, err);
  if (r < 0)
    return r;
  r = load_record(*dirfd, id, rec, err);
  if (r < 0) {
    close(*dirfd);
    *dirfd = -1;
  }
  return r;
}

/* ------------------------------------------------------------------------ */
/* Signalling processes without racing pid reuse                             */
/* ------------------------------------------------------------------------ */

static int sys_pidfd_open(pid_t pid)
{
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Opens a pidfd (always close-on-exec) of `pid` and then checks that the pid
 * still names the recorded process: once the pidfd pins it, the number cannot
 * be reused. *pidfd is -1 on kernels without pidfds; the start time check
 * is then the only guard. -ESRCH when the process is gone. */
static int pin_process(pid_t pid, unsigned long long start, int *pidfd)
{
  *pidfd = -1;
  if (pid <= 0)
    return -ESRCH;
  int fd = sys_pidfd_open(pid);
  /* EPERM: seccomp filters of some container engines deny unknown syscalls. */
  if (fd < 0 && errno != ENOSYS && errno != EPERM)
    return -errno;
  unsigned long long now;
  bool dead;
  int r = proc_stat_read(pid, &now, &dead);
  if (r == 0 && (dead || now != start))
    r = -ESRCH;
  if (r < 0) {
    if (fd >= 0)
      close(fd);
    return r;
  }
  *pidfd = fd;
  return 0;
}

static int send_signal(int pidfd, pid_t pid, int sig)
{
  if (pidfd >= 0) {
    if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0)
      return 0;
    if (errno != ENOSYS)
      return -errno;
  }
  return kill(pid, sig) == 0 ? 0 : -errno;
}

/* Signals the init recorded in `rec`; -ESRCH when it is gone. */
static int signal_init(const struct state_record *rec, int sig)
{
  int pidfd;
  int r = pin_process(rec->pid, rec->pid_start, &pidfd);
  if (r < 0)
    return r;
  r = send_signal(pidfd, rec->pid, sig);
  if (pidfd >= 0)
    close(pidfd);
  return r;
}

/* The target of /proc/PID/ns/pid, e.g. "pid:[4026531836]". */
static int read_pid_ns(pid_t pid, char *buf, size_t size)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
  ssize_t n = readlink(path, buf, size - 1);
  if (n < 0)
    return -errno;
  buf[n] = '\0';
  return 0;
}

/* Signals `pid` if it lives in pid namespace `ns`. The namespace is read
 * after the pidfd pinned the pid, so the check and the signal concern the
 * same process. Failures are only logged: processes come and go. */
static void signal_if_in_ns(const mr_context *ctx, pid_t pid, const char *ns, int sig)
{
  int pidfd = sys_pidfd_open(pid);
  if (pidfd < 0 && errno != ENOSYS && errno != EPERM)
    return;
  char other[64];
  if (read_pid_ns(pid, other, sizeof(other)) == 0 && strcmp(other, ns) == 0) {
    int r = send_signal(pidfd, pid, sig);
    if (r < 0 && r != -ESRCH)
      mr_debug(ctx, "signal %d to pid %d: %s", sig, (int)pid, strerror(-r));
  }
  if (pidfd >= 0)
    close(pidfd);
}

/* Every process whose pid namespace is the init's (the init itself is
 * signalled by the caller). Processes in pid namespaces nested below the
 * container's are not reached: killing them needs the cgroup. */
static int signal_pid_ns(const mr_context *ctx, const struct state_record *rec, int sig,
                         mr_error **err)
{
  char ns[64];
  int r = read_pid_ns(rec->pid, ns, sizeof(ns));
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': pid namespace of pid %d", rec->id, (int)rec->pid);
  DIR *d = opendir("/proc"); /* glibc opens it O_CLOEXEC */
  if (d == NULL)
    return mr_err_sys(err, errno, "open /proc");
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    char *end;
    long pid = strtol(de->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == rec->pid)
      continue;
    signal_if_in_ns(ctx, (pid_t)pid, ns, sig);
  }
  closedir(d);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Waiting for a process we are (maybe) not the parent of                    */
/* ------------------------------------------------------------------------ */

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pidfd polls readable once the process has exited (zombie or reaped). */
static int wait_pidfd(int pidfd, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;
  for (;;) {
    long long left = deadline - now_ms();
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int n = poll(&p, 1, left > 0 ? (int)left : 0);
    if (n > 0)
      return 0;
    if (n == 0)
      return -ETIMEDOUT;
    if (errno != EINTR)
      return -errno;
  }
}

/* Without pidfds: look at /proc/PID/stat every millisecond. */
static int wait_proc(pid_t pid, unsigned long long start, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;
  for (;;) {
    unsigned long long now;
    bool dead;
    int r = proc_stat_read(pid, &now, &dead);
    if (r == -ESRCH || (r == 0 && (dead || now != start)))
      return 0;
    if (r < 0)
      return r;
    if (now_ms() >= deadline)
      return -ETIMEDOUT;
    struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
    nanosleep(&ms, NULL);
  }
}

/* SIGKILLs the init and waits until it is gone or a zombie. With its own
 * pid namespace, the kernel has killed every other process of the container
 * by then. Without one, the remaining processes are only found through the
 * cgroup, which comes with the cgroup support. */
static int kill_and_wait(const struct state_record *rec, mr_error **err)
{
  int pidfd;
  int r = pin_process(rec->pid, rec->pid_start, &pidfd);
  if (r == -ESRCH)
    return 0;
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': pidfd of pid %d", rec->id, (int)rec->pid);
  r = send_signal(pidfd, rec->pid, SIGKILL);
  if (r == 0)
    r = pidfd >= 0 ? wait_pidfd(pidfd, KILL_WAIT_MS)
                   : wait_proc(rec->pid, rec->pid_start, KILL_WAIT_MS);
  if (pidfd >= 0)
    close(pidfd);
  if (r == -ESRCH)
    return 0;
  if (r == -ETIMEDOUT)
    return mr_err(err, r, "container '%s': pid %d still alive %d s after SIGKILL", rec->id,
                  (int)rec->pid, KILL_WAIT_MS / 1000);
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': kill pid %d", rec->id, (int)rec->pid);
  return 0;
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
  r = release_init(dirfd, id, err);
  if (r < 0)
    return r;
  /* The init is released: from now on the container reads as running. */
  if (unlinkat(dirfd, STATE_EXEC_FIFO, 0) < 0 && errno != ENOENT)
    return mr_err_sys(err, errno, "container '%s': remove %s", id, STATE_EXEC_FIFO);
  mr_debug(ctx, "container '%s' started", id);
  return 0;
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
  r = signal_init(rec, sig);
  if (r == -ESRCH)
    return not_running(err, id);
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': signal %d to pid %d", id, sig, (int)rec->pid);
  /* Without a pid namespace the container's processes can only be found
   * through its cgroup; --all over the cgroup comes with the cgroup work.
   * Until then only the init is signalled. */
  if (all && rec->new_pid_ns)
    return signal_pid_ns(ctx, rec, sig, err);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* delete                                                                    */
/* ------------------------------------------------------------------------ */

static int delete_locked(mr_context *ctx, int dirfd, const char *id, bool force, mr_error **err)
{
  cleanup_record struct state_record *rec = NULL;
  mr_error *local = NULL;
  int r = load_record(dirfd, id, &rec, &local);
  if (r == -ENOENT && force) {
    /* A directory without state.json that we could lock: the leftover of a
     * create that died before writing it. */
    mr_error_free(local);
    return state_dir_remove(ctx, id, err);
  }
  if (r < 0)
    return hand_over(err, local, r);

  enum mr_status status = state_status(dirfd, rec);
  if (status != MR_STATUS_STOPPED && status != MR_STATUS_CREATED && !force)
    return mr_err(err, -EBUSY, "container '%s' is %s: stop it or use --force", id,
                  mr_status_name(status));
  /* A never started container is killed even without force (as runc/crun). */
  if (status != MR_STATUS_STOPPED) {
    r = kill_and_wait(rec, err);
    if (r < 0)
      return r;
  }
  r = state_dir_remove(ctx, id, err);
  if (r == 0)
    mr_debug(ctx, "container '%s' deleted", id);
  return r;
}

int mr_container_delete(mr_context *ctx, const char *id, int force, mr_error **err)
{
  int r = mr_id_validate(id, err);
  if (r < 0)
    return r;
  cleanup_close int dirfd = -1;
  mr_error *local = NULL;
  r = state_dir_lock(ctx, id, &dirfd, &local);
  if (r == -ENOENT && force) {
    mr_error_free(local);
    return 0;
  }
  if (r < 0)
    return hand_over(err, local, r);
  return delete_locked(ctx, dirfd, id, force != 0, err);
}

/* ------------------------------------------------------------------------ */
/* state and list                                                            */
/* ------------------------------------------------------------------------ */

/* Builds the state of the container directory `dirfd`. No lock is taken, so
 * `state` never waits behind a long create: state.json is replaced by
 * rename() and so always complete, and a directory deleted while we read is
 * reported as unknown. */
static int load_state(int dirfd, const char *id, mr_state **out, mr_error **err)
{
  struct state_record *rec = NULL;
  int r = load_record(dirfd, id, &rec, err);
  if (r < 0)
    return r;
  enum mr_status status = state_status(dirfd, rec);
  struct stat st;
  if (fstat(dirfd, &st) == 0 && st.st_nlink == 0) {
    state_record_free(rec);
    return does_not_exist(err, id);
  }
  mr_state *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    state_record_free(rec);
    return mr_err_sys(err, ENOMEM, "container '%s'", id);
  }
  s->rec = rec;
  s->status = status;
  *out = s;
  return 0;
}

/* Opens the directory of `name` below the state root without locking. */
static int open_state_dir(int rootfd, const char *name, int *dirfd, mr_error **err)
{
  *dirfd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (*dirfd >= 0)
    return 0;
  if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
    return does_not_exist(err, name);
  return mr_err_sys(err, errno, "container '%s': open state directory", name);
}

int mr_state_get(mr_context *ctx, const char *id, mr_state **out, mr_error **err)
{
  *out = NULL;
  int r = mr_id_validate(id, err);
  if (r < 0)
    return r;
  cleanup_free char *path = state_dir_path(ctx, id);
  if (path == NULL)
    return mr_err_sys(err, ENOMEM, "container '%s'", id);
  cleanup_close int dirfd = -1;
  r = open_state_dir(AT_FDCWD, path, &dirfd, NULL);
  if (r == -ENOENT)
    return does_not_exist(err, id);
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': open %s", id, path);
  return load_state(dirfd, id, out, err);
}

void mr_state_free(mr_state *st)
{
  if (st == NULL)
    return;
  state_record_free(st->rec);
  free(st);
}

const char *mr_state_id(const mr_state *st)
{
  return st->rec->id;
}
enum mr_status mr_state_status(const mr_state *st)
{
  return st->status;
}

pid_t mr_state_pid(const mr_state *st)
{
  return st->status == MR_STATUS_STOPPED ? 0 : st->rec->pid;
}

const char *mr_state_bundle(const mr_state *st)
{
  return st->rec->bundle ? st->rec->bundle : "";
}

const char *mr_state_created(const mr_state *st)
{
  return st->rec->created ? st->rec->created : "";
}

uid_t mr_state_owner(const mr_state *st)
{
  return st->rec->owner;
}

static void jw_state(struct jw *w, const mr_state *st)
{
  const struct state_record *rec = st->rec;
  jw_map_open(w);
  jw_key_str(w, "ociVersion", "1.2.0");
  jw_key_str(w, "id", rec->id);
  jw_key_str(w, "status", mr_status_name(st->status));
  jw_key_i64(w, "pid", mr_state_pid(st)); /* 0 once stopped, as crun prints it */
  jw_key_str(w, "bundle", rec->bundle);
  jw_key_str(w, "rootfs", rec->rootfs);
  jw_key_str(w, "created", rec->created);
  jw_key_str(w, "owner", ""); /* as crun: the uid is mr_state_owner() */
  if (rec->n_annotations > 0) {
    jw_str(w, "annotations");
    jw_map_open(w);
    for (size_t i = 0; i < rec->n_annotations; i++)
      jw_key_str(w, rec->annotations[i].key,
                 rec->annotations[i].value ? rec->annotations[i].value : "");
    jw_map_close(w);
  }
  jw_map_close(w);
}

int mr_state_to_json(const mr_state *st, char **out, mr_error **err)
{
  *out = NULL;
  struct jw w;
  int r = jw_init(&w, err);
  if (r < 0)
    return r;
  jw_state(&w, st);
  const unsigned char *buf;
  size_t len;
  r = jw_finish(&w, "state JSON", &buf, &len, err);
  if (r == 0 && (*out = strndup((const char *)buf, len)) == NULL)
    r = mr_err_sys(err, ENOMEM, "state JSON");
  jw_free(&w);
  return r;
}

struct state_vec {
  mr_state **items;
  size_t n, cap;
};

static int vec_push(struct state_vec *v, mr_state *st)
{
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    mr_state **items = reallocarray(v->items, cap, sizeof(*items));
    if (items == NULL)
      return -ENOMEM;
    v->items = items;
    v->cap = cap;
  }
  v->items[v->n++] = st;
  return 0;
}

/* Loads one entry of the state root into `v`. Entries that are not
 * containers, are still being created or vanish meanwhile are skipped, and
 * so is a broken state.json (with a warning): one bad container must not hide
 * the others. */
static int list_one(const mr_context *ctx, int rootfd, const char *name, struct state_vec *v)
{
  if (mr_id_validate(name, NULL) < 0)
    return 0;
  cleanup_close int dirfd = -1;
  mr_error *local = NULL;
  mr_state *st = NULL;
  int r = open_state_dir(rootfd, name, &dirfd, &local);
  if (r == 0)
    r = load_state(dirfd, name, &st, &local);
  if (r == -ENOMEM) {
    mr_error_free(local);
    return r;
  }
  if (r < 0 && r != -ENOENT)
    mr_warn(ctx, "skipping container '%s': %s", name, mr_error_message(local));
  mr_error_free(local);
  if (r < 0)
    return 0;
  r = vec_push(v, st);
  if (r < 0)
    mr_state_free(st);
  return r;
}

static int compare_states(const void *a, const void *b)
{
  const mr_state *x = *(mr_state *const *)a, *y = *(mr_state *const *)b;
  return strcmp(x->rec->id, y->rec->id);
}

static int list_dir(const mr_context *ctx, DIR *d, struct state_vec *v, mr_error **err)
{
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(d);
    if (de == NULL)
      return errno ? mr_err_sys(err, errno, "read %s", ctx->state_root) : 0;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (list_one(ctx, dirfd(d), de->d_name, v) < 0)
      return mr_err_sys(err, ENOMEM, "list containers");
  }
}

int mr_state_list(mr_context *ctx, mr_state ***out, size_t *count, mr_error **err)
{
  *out = NULL;
  *count = 0;
  int rootfd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 && errno == ENOENT)
    return 0; /* nothing was ever created */
  if (rootfd < 0)
    return mr_err_sys(err, errno, "state root %s", ctx->state_root);
  DIR *d = fdopendir(rootfd);
  if (d == NULL) {
    int e = errno;
    close(rootfd);
    return mr_err_sys(err, e, "state root %s", ctx->state_root);
  }
  struct state_vec v = {0};
  int r = list_dir(ctx, d, &v, err);
  closedir(d);
  if (r < 0) {
    mr_state_list_free(v.items, v.n);
    return r;
  }
  if (v.n > 1)
    qsort(v.items, v.n, sizeof(*v.items), compare_states);
  *out = v.items;
  *count = v.n;
  return 0;
}

void mr_state_list_free(mr_state **list, size_t count)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < count; i++)
    mr_state_free(list[i]);
  free(list);
}
