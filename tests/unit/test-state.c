/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-state.c - unit tests of the state directory, status, signal names
 * and the start/kill/delete/state/list calls, against real child processes
 * recorded in a temporary state root. Prints TAP; exits 1 on any failure.
 *
 *   gcc -Wall -Wextra -Werror -std=gnu11 -Iinclude -Ilibminirun tests/unit/test-state.c \
 *       libminirun/{context,state,signal,ops,error,util}.c -lyajl -o /tmp/test-state
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "minirun.h"
#include "state.h"
#include "util.h"

#include "../tap.h"

/* Checks a call's result code and, when `msg` is given, its message; frees
 * the error and clears *ep. */
static void check_err(int r, mr_error **ep, int code, const char *msg, const char *what)
{
  mr_error *e = *ep; /* read after the call: argument order is unspecified */
  *ep = NULL;
  const char *got = e ? mr_error_message(e) : "(no error)";
  bool ok = r == code && (code == 0 || e != NULL) && (msg == NULL || strcmp(got, msg) == 0);
  check(ok, "%s", what);
  if (!ok)
    printf("#   got %d '%s', want %d '%s'\n", r, r < 0 ? got : "", code, msg ? msg : "");
  mr_error_free(e);
}

static void msleep(int ms)
{
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                  */
/* ------------------------------------------------------------------------ */

static pid_t spawn_sleep(void)
{
  pid_t pid = fork();
  if (pid == 0) {
    execlp("sleep", "sleep", "1000", (char *)NULL);
    _exit(127);
  }
  return pid;
}

static int reap(pid_t pid)
{
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

static bool killed_by(int status, int sig)
{
  return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* Writes a state record for `pid` (with its real start time) under `id`. */
static int record(mr_context *ctx, const char *id, pid_t pid, bool new_pid_ns)
{
  struct state_record rec = {.id = (char *)id,
                             .pid = pid,
                             .bundle = "/bundle",
                             .rootfs = "/bundle/rootfs",
                             .created = "2024-01-02T03:04:05.000000006Z",
                             .owner = getuid(),
                             .new_pid_ns = new_pid_ns};
  bool dead;
  if (proc_stat_read(pid, &rec.pid_start, &dead) < 0)
    return -1;
  int dirfd;
  int r = state_dir_create(ctx, id, &dirfd, NULL);
  if (r < 0)
    return r;
  r = state_write(dirfd, &rec, NULL);
  close(dirfd);
  return r;
}

static bool dir_exists(mr_context *ctx, const char *id)
{
  cleanup_free char *path = state_dir_path(ctx, id);
  struct stat st;
  return stat(path, &st) == 0;
}

static int make_fifo(mr_context *ctx, const char *id, char *path, size_t size)
{
  snprintf(path, size, "%s/%s/%s", mr_context_state_root(ctx), id, STATE_EXEC_FIFO);
  return mkfifo(path, 0600);
}

static enum mr_status status_of(mr_context *ctx, const char *id)
{
  int dirfd;
  struct state_record *rec = NULL;
  if (state_dir_lock(ctx, id, &dirfd, NULL) < 0)
    return MR_STATUS_UNKNOWN;
  enum mr_status st = MR_STATUS_UNKNOWN;
  if (state_read(dirfd, &rec, NULL) == 0)
    st = state_status(dirfd, rec);
  state_record_free(rec);
  close(dirfd);
  return st;
}

/* Waits up to 5 s until `pid` is a zombie or gone. */
static bool wait_dead(pid_t pid)
{
  for (int i = 0; i < 5000; i++) {
    unsigned long long start;
    bool dead;
    if (proc_stat_read(pid, &start, &dead) < 0 || dead)
      return true;
    msleep(1);
  }
  return false;
}

static void remove_tree(const char *path)
{
  DIR *d = opendir(path);
  if (d != NULL) {
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      char *child = util_path_join(path, de->d_name);
      if (de->d_type == DT_DIR)
        remove_tree(child);
      else
        unlink(child);
      free(child);
    }
    closedir(d);
  }
  rmdir(path);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */
/* ------------------------------------------------------------------------ */

static void test_id_validate(void)
{
  char long_ok[1025], long_bad[1026];
  memset(long_ok, 'a', 1024);
  long_ok[1024] = '\0';
  memset(long_bad, 'a', 1025);
  long_bad[1025] = '\0';
  struct {
    const char *id;
    int code;
  } cases[] = {
      {"abc", 0},
      {"a-b_c.d:e", 0},
      {".hidden", -EINVAL},
      {"...", -EINVAL},
      {".seccomp-cache", -EINVAL},
      {"\xc3\xa9t\xc3\xa9", 0},
      {long_ok, 0},
      {long_bad, -EINVAL},
      {"", -EINVAL},
      {"/", -EINVAL},
      {".", -EINVAL},
      {"..", -EINVAL},
      {"a/b", -EINVAL},
      {"a\nb", -EINVAL},
      {"\x7f", -EINVAL},
      {"tab\t", -EINVAL},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int r = mr_id_validate(cases[i].id, NULL);
    check(r == cases[i].code, "id_validate case %zu (len %zu) -> %d", i, strlen(cases[i].id), r);
  }
  mr_error *e = NULL;
  check_err(mr_id_validate("a/b", &e), &e, -EINVAL, "invalid container id 'a/b': contains '/'",
            "id 'a/b' message");
  check_err(mr_id_validate("", &e), &e, -EINVAL, "invalid container id: empty", "empty id message");
  check_err(mr_id_validate(NULL, &e), &e, -EINVAL, "invalid container id: empty", "NULL id");
}

static void log_sink(void *userdata, enum mr_log_level level, const char *message)
{
  char *buf = userdata;
  snprintf(buf, 128, "%d:%s", (int)level, message);
}

static void test_context(void)
{
  mr_context *ctx = NULL;
  check(mr_context_new(NULL, &ctx, NULL) == 0 &&
            strcmp(mr_context_state_root(ctx), "/run/minirun") == 0,
        "default state root");
  mr_context_free(ctx);

  char cwd[PATH_MAX], want[PATH_MAX + 16];
  check(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
  snprintf(want, sizeof(want), "%s/rel/x", strcmp(cwd, "/") == 0 ? "" : cwd);
  ctx = NULL;
  if (mr_context_new("rel/x//", &ctx, NULL) < 0) {
    check(false, "mr_context_new with a relative root");
    return;
  }
  check(strcmp(mr_context_state_root(ctx), want) == 0, "relative state root made absolute: %s",
        mr_context_state_root(ctx));
  struct stat st;
  check(stat("rel", &st) < 0 && errno == ENOENT, "context does not create the state root");

  char got[128] = "";
  mr_log(ctx, MR_LOG_ERROR, "dropped %d", 1);
  mr_context_set_log(ctx, log_sink, got, MR_LOG_WARNING);
  mr_debug(ctx, "too verbose");
  check(got[0] == '\0', "message above the level is dropped");
  mr_warn(ctx, "hello %s", "world");
  check(strcmp(got, "1:hello world") == 0, "warning reaches the callback: %s", got);
  check(mr_context_cgroup_mode(ctx) == MR_CGROUP_AUTO, "cgroup mode defaults to auto");
  mr_context_set_cgroup_mode(ctx, MR_CGROUP_NONE);
  check(mr_context_cgroup_mode(ctx) == MR_CGROUP_NONE, "cgroup mode set");
  mr_context_free(ctx);

  mr_error *e = NULL;
  check_err(mr_context_new("", &ctx, &e), &e, -EINVAL, NULL, "empty state root rejected");
  check(strcmp(mr_version(), "0.1.0") == 0, "version %s", mr_version());
}

static bool records_equal(const struct state_record *a, const struct state_record *b)
{
  if (strcmp(a->id, b->id) || a->pid != b->pid || a->pid_start != b->pid_start ||
      strcmp(a->bundle, b->bundle) || strcmp(a->rootfs, b->rootfs) ||
      strcmp(a->created, b->created) || a->owner != b->owner || a->new_pid_ns != b->new_pid_ns ||
      a->n_annotations != b->n_annotations)
    return false;
  for (size_t i = 0; i < a->n_annotations; i++) {
    if (strcmp(a->annotations[i].key, b->annotations[i].key) ||
        strcmp(a->annotations[i].value, b->annotations[i].value))
      return false;
  }
  return true;
}

static void test_round_trip(mr_context *ctx)
{
  struct spec_kv ann[] = {{"org.example/a", "1"}, {"b", "quote \" back\\slash \n é"}};
  char created[64];
  util_rfc3339_now(created, sizeof(created));
  struct state_record rec = {.id = "rt",
                             .pid = 4242,
                             .pid_start = 18446744073709551610ULL, /* > LLONG_MAX */
                             .bundle = "/b",
                             .rootfs = "/b/rootfs",
                             .created = created,
                             .owner = 1000,
                             .new_pid_ns = true,
                             .annotations = ann,
                             .n_annotations = 2};
  int dirfd = -1;
  check(state_dir_create(ctx, "rt", &dirfd, NULL) == 0, "state_dir_create");
  check(state_write(dirfd, &rec, NULL) == 0, "state_write");
  struct state_record *back = NULL;
  check(state_read(dirfd, &back, NULL) == 0 && records_equal(&rec, back),
        "state_read returns what was written");
  state_record_free(back);

  struct stat st;
  check(fstat(dirfd, &st) == 0 && (st.st_mode & 07777) == 0700, "container dir is 0700");
  check(stat(mr_context_state_root(ctx), &st) == 0 && (st.st_mode & 07777) == 0700,
        "state root is 0700");
  int n = 0, others = 0, marks = 0;
  DIR *d = fdopendir(fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
  for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      strcmp(de->d_name, STATE_FILE) == 0                         ? n++
      : strcmp(de->d_name, "init.4242.18446744073709551610") == 0 ? marks++
      : strcmp(de->d_name, STATE_INIT_FILE)                       ? others++
                                                                  : 0;
  }
  if (d)
    closedir(d);
  check(n == 1 && marks == 1 && others == 0,
        "atomic write leaves only state.json, init.pid and the init.PID.START mark (others: %d)",
        others);
  pid_t mark_pid = 0;
  unsigned long long mark_start = 0;
  check(state_init_from_mark(dirfd, &mark_pid, &mark_start) == 0 && mark_pid == 4242 &&
            mark_start == 18446744073709551610ULL,
        "the init read back from the mark's name");
  close(dirfd);

  mr_error *e = NULL;
  check_err(state_dir_create(ctx, "rt", &dirfd, &e), &e, -EEXIST, "container 'rt' already exists",
            "create of an existing id");
  check_err(state_dir_lock(ctx, "nope", &dirfd, &e), &e, -ENOENT, "container 'nope' does not exist",
            "lock of an unknown id");
}

static int write_raw_state(mr_context *ctx, const char *id, const char *json)
{
  int dirfd;
  int r = state_dir_create(ctx, id, &dirfd, NULL);
  if (r == 0)
    r = util_write_file_atomic(dirfd, STATE_FILE, json, strlen(json), 0600, NULL);
  close(dirfd);
  return r;
}

static void test_read_lenient_and_strict(mr_context *ctx)
{
  const char *json = "{\"future\":{\"x\":[1,2.5,null]},\"id\":\"raw\",\"pid\":7,\"owner\":0}";
  check(write_raw_state(ctx, "raw", json) == 0, "write raw state.json");
  int dirfd;
  struct state_record *rec = NULL;
  check(state_dir_lock(ctx, "raw", &dirfd, NULL) == 0, "lock raw");
  check(state_read(dirfd, &rec, NULL) == 0 && rec->pid == 7 && rec->bundle == NULL &&
            rec->n_annotations == 0,
        "unknown fields ignored, absent fields NULL");
  state_record_free(rec);
  rec = NULL;
  const char *bad = "{\"id\":\"raw\",\"pid\":\"7\"}";
  util_write_file_atomic(dirfd, STATE_FILE, bad, strlen(bad), 0600, NULL);
  mr_error *e = NULL;
  check_err(state_read(dirfd, &rec, &e), &e, -EINVAL,
            "state.json: 'pid': expected a non-negative integer", "wrong type rejected");
  util_write_file_atomic(dirfd, STATE_FILE, "{", 1, 0600, NULL);
  check_err(state_read(dirfd, &rec, &e), &e, -EINVAL, NULL, "truncated JSON rejected");
  check(rec == NULL, "no record on failure");
  close(dirfd);
  check(state_dir_remove(ctx, "raw", NULL) == 0 && !dir_exists(ctx, "raw"), "state_dir_remove");
  check(state_dir_remove(ctx, "raw", NULL) == 0, "state_dir_remove of a missing dir");
}

static void test_lock(mr_context *ctx)
{
  int dirfd;
  check(state_dir_lock(ctx, "rt", &dirfd, NULL) == 0, "lock rt");
  cleanup_free char *path = state_dir_path(ctx, "rt");
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _exit(flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK ? 0 : 1);
  }
  int status = reap(pid);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "second locker gets EWOULDBLOCK");

  /* A waiter must notice that the holder deleted the directory. */
  pid = fork();
  if (pid == 0) {
    close(dirfd); /* the inherited fd shares our lock */
    int fd = -1;
    _exit(state_dir_lock(ctx, "rt", &fd, NULL) == -ENOENT ? 0 : 1);
  }
  msleep(300); /* let it block in flock() */
  check(state_dir_remove(ctx, "rt", NULL) == 0, "remove while a waiter blocks");
  close(dirfd);
  status = reap(pid);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "waiter sees ENOENT after removal");
}

static void test_proc_stat(void)
{
  unsigned long long start, again;
  bool dead;
  char old[17] = "";
  check(proc_stat_read(getpid(), &start, &dead) == 0 && !dead, "proc_stat_read self");
  prctl(PR_GET_NAME, old);
  prctl(PR_SET_NAME, "a) b ) (c");
  check(proc_stat_read(getpid(), &again, &dead) == 0 && again == start && !dead,
        "comm with spaces and ')' parsed");
  prctl(PR_SET_NAME, old);
  check(proc_stat_read(0, &start, &dead) == -ESRCH, "pid 0 -> ESRCH");
}

static void test_status(mr_context *ctx)
{
  pid_t pid = spawn_sleep();
  check(record(ctx, "st", pid, false) == 0, "record live child");
  check(status_of(ctx, "st") == MR_STATUS_RUNNING, "live child: running");
  char fifo[PATH_MAX];
  check(make_fifo(ctx, "st", fifo, sizeof(fifo)) == 0, "mkfifo");
  /* The init holds exec.fifo open while it waits for the start. */
  int gate = open(fifo, O_RDWR | O_CLOEXEC);
  check(status_of(ctx, "st") == MR_STATUS_CREATED, "exec.fifo held by the init: created");
  close(gate);
  /* A start that died between releasing the init and removing the fifo. */
  check(status_of(ctx, "st") == MR_STATUS_RUNNING, "exec.fifo without a reader: running");
  unlink(fifo);

  struct state_record rec = {.id = "st", .pid = pid};
  bool dead;
  proc_stat_read(pid, &rec.pid_start, &dead);
  rec.pid_start++;
  check(state_status(AT_FDCWD, &rec) == MR_STATUS_STOPPED, "start time mismatch: stopped");

  kill(pid, SIGKILL);
  check(wait_dead(pid), "child died");
  check(status_of(ctx, "st") == MR_STATUS_STOPPED, "zombie: stopped");
  reap(pid);
  check(status_of(ctx, "st") == MR_STATUS_STOPPED, "reaped: stopped");
  check(state_dir_remove(ctx, "st", NULL) == 0, "remove st");
}

static void test_signal_parse(void)
{
  struct {
    const char *name;
    int code, sig;
  } cases[] = {
      {"TERM", 0, SIGTERM},
      {"SIGTERM", 0, SIGTERM},
      {"sigterm", 0, SIGTERM},
      {"15", 0, 15},
      {"0", 0, 0},
      {"9", 0, SIGKILL},
      {"KILL", 0, SIGKILL},
      {"sigWinch", 0, SIGWINCH},
      {"CLD", 0, SIGCHLD},
      {"IOT", 0, SIGABRT},
      {"POLL", 0, SIGIO},
      {"STKFLT", 0, 16},
      {"PWR", 0, SIGPWR},
      {"SYS", 0, SIGSYS},
      {"RTMIN", 0, SIGRTMIN},
      {"SIGRTMIN+3", 0, SIGRTMIN + 3},
      {"RTMAX-1", 0, SIGRTMAX - 1},
      {"sigrtmax", 0, SIGRTMAX},
      {"64", 0, 64},
      {"65", -EINVAL, 0},
      {"RTMIN+31", -EINVAL, 0},
      {"RTMIN-1", -EINVAL, 0},
      {"RTMAX+1", -EINVAL, 0},
      {"FOO", -EINVAL, 0},
      {"", -EINVAL, 0},
      {"SIG", -EINVAL, 0},
      {"-1", -EINVAL, 0},
      {"+1", -EINVAL, 0},
      {"SIG15", -EINVAL, 0},
      {"TERM ", -EINVAL, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int sig = -1;
    int r = mr_signal_parse(cases[i].name, &sig, NULL);
    check(r == cases[i].code && (r < 0 || sig == cases[i].sig), "signal '%s' -> %d (%d)",
          cases[i].name, r, sig);
  }
  mr_error *e = NULL;
  int sig;
  check_err(mr_signal_parse("FOO", &sig, &e), &e, -EINVAL, "unknown signal 'FOO'",
            "unknown signal message");
}

static void test_kill(mr_context *ctx)
{
  pid_t pid = spawn_sleep();
  check(record(ctx, "k1", pid, false) == 0, "record k1");
  check(mr_container_kill(ctx, "k1", 0, 0, NULL) == 0, "kill 0 probes");
  check(mr_container_kill(ctx, "k1", SIGTERM, 0, NULL) == 0, "kill TERM");
  check(killed_by(reap(pid), SIGTERM), "child died of SIGTERM");
  mr_error *e = NULL;
  check_err(mr_container_kill(ctx, "k1", SIGTERM, 0, &e), &e, -EINVAL,
            "container 'k1' is not running", "kill of a stopped container");
  check_err(mr_container_kill(ctx, "nope", SIGTERM, 0, &e), &e, -ENOENT,
            "container 'nope' does not exist", "kill of an unknown container");
  check_err(mr_container_kill(ctx, "a/b", SIGTERM, 0, &e), &e, -EINVAL, NULL, "kill of invalid id");
  check(mr_container_delete(ctx, "k1", 0, NULL) == 0 && !dir_exists(ctx, "k1"),
        "delete of a stopped container");

  /* pid reuse: the recorded start time no longer matches -> not signalled */
  pid = spawn_sleep();
  check(record(ctx, "k2", pid, false) == 0, "record k2");
  int dirfd;
  struct state_record *rec = NULL;
  state_dir_lock(ctx, "k2", &dirfd, NULL);
  state_read(dirfd, &rec, NULL);
  rec->pid_start += 1;
  state_write(dirfd, rec, NULL);
  state_record_free(rec);
  close(dirfd);
  check_err(mr_container_kill(ctx, "k2", SIGKILL, 0, &e), &e, -EINVAL,
            "container 'k2' is not running", "kill refuses a reused pid");
  unsigned long long start;
  bool dead;
  check(proc_stat_read(pid, &start, &dead) == 0 && !dead, "the other process survived");
  kill(pid, SIGKILL);
  reap(pid);
  check(mr_container_delete(ctx, "k2", 0, NULL) == 0, "delete k2");
}

static void test_delete(mr_context *ctx)
{
  pid_t pid = spawn_sleep();
  check(record(ctx, "d1", pid, false) == 0, "record d1");
  mr_error *e = NULL;
  check_err(mr_container_delete(ctx, "d1", 0, &e), &e, -EBUSY,
            "container 'd1' is running: stop it or use --force", "delete of running needs force");
  check(dir_exists(ctx, "d1"), "still there");
  check(mr_container_delete(ctx, "d1", 1, NULL) == 0, "delete --force");
  check(killed_by(reap(pid), SIGKILL), "running init SIGKILLed");
  check(!dir_exists(ctx, "d1"), "state dir removed");
  mr_state *st = NULL;
  check_err(mr_state_get(ctx, "d1", &st, &e), &e, -ENOENT, "container 'd1' does not exist",
            "state of a deleted container");

  /* A created (never started) container is killed without force. */
  pid = spawn_sleep();
  char fifo[PATH_MAX];
  check(record(ctx, "d2", pid, false) == 0 && make_fifo(ctx, "d2", fifo, sizeof(fifo)) == 0,
        "record created d2");
  int gate = open(fifo, O_RDWR | O_CLOEXEC);
  check(mr_container_delete(ctx, "d2", 0, NULL) == 0, "delete of a created container");
  close(gate);
  check(killed_by(reap(pid), SIGKILL), "created init SIGKILLed");
  check(!dir_exists(ctx, "d2"), "d2 removed with its fifo");

  check(mr_container_delete(ctx, "unknown", 1, NULL) == 0, "delete -f of an unknown id is 0");
  check_err(mr_container_delete(ctx, "unknown", 0, &e), &e, -ENOENT,
            "container 'unknown' does not exist", "delete of an unknown id");

  /* The leftover of a create that died before writing state.json. */
  cleanup_free char *path = state_dir_path(ctx, "leftover");
  mkdir(path, 0700);
  check_err(mr_container_delete(ctx, "leftover", 0, &e), &e, -ENOENT, NULL,
            "delete of a dir without state.json");
  check(mr_container_delete(ctx, "leftover", 1, NULL) == 0 && !dir_exists(ctx, "leftover"),
        "delete -f removes it");
}

/* A child that holds exec.fifo open and waits for the start byte. */
static pid_t spawn_fifo_reader(const char *fifo)
{
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    /* O_RDWR keeps read() blocking even before any writer came. */
    int fd = open(fifo, O_RDWR | O_CLOEXEC);
    char c = 0;
    if (write(ready[1], "x", 1) != 1 || fd < 0 || read(fd, &c, 1) != 1)
      _exit(2);
    _exit(c == '0' ? 0 : 1);
  }
  close(ready[1]);
  char c;
  if (read(ready[0], &c, 1) != 1)
    pid = -1;
  close(ready[0]);
  return pid;
}

static void test_start(mr_context *ctx)
{
  char fifo[PATH_MAX];
  snprintf(fifo, sizeof(fifo), "%s/s1/%s", mr_context_state_root(ctx), STATE_EXEC_FIFO);
  int dirfd;
  check(state_dir_create(ctx, "s1", &dirfd, NULL) == 0, "create s1");
  close(dirfd);
  check(mkfifo(fifo, 0600) == 0, "fifo for s1");
  pid_t pid = spawn_fifo_reader(fifo);
  struct state_record rec = {.id = "s1", .pid = pid};
  bool dead;
  proc_stat_read(pid, &rec.pid_start, &dead);
  state_dir_lock(ctx, "s1", &dirfd, NULL);
  check(state_write(dirfd, &rec, NULL) == 0, "record s1");
  close(dirfd);
  mr_error *e = NULL;
  check_err(mr_container_start(ctx, "s1", &e), &e, 0, NULL, "start s1");
  int status = reap(pid);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "init got the start byte");
  check(access(fifo, F_OK) < 0 && errno == ENOENT, "exec.fifo removed");
  check_err(mr_container_start(ctx, "s1", &e), &e, -EINVAL,
            "container 's1' is not in created state (status: stopped)", "start twice");
  check(mr_container_delete(ctx, "s1", 0, NULL) == 0, "delete s1");

  pid = spawn_sleep();
  check(record(ctx, "s2", pid, false) == 0, "record s2");
  check_err(mr_container_start(ctx, "s2", &e), &e, -EINVAL,
            "container 's2' is not in created state (status: running)", "start of running");
  check(make_fifo(ctx, "s2", fifo, sizeof(fifo)) == 0, "fifo without reader");
  /* The init no longer waits at the fifo (a start died after releasing it):
   * it runs, and is not started a second time. */
  check_err(mr_container_start(ctx, "s2", &e), &e, -EINVAL,
            "container 's2' is not in created state (status: running)", "start without a reader");
  check(mr_container_delete(ctx, "s2", 1, NULL) == 0, "delete s2");
  reap(pid);
}

/* The ppid (field 4) of /proc/PID/stat. */
static pid_t ppid_of(pid_t pid)
{
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "re");
  if (f == NULL)
    return -1;
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  int ppid = -1;
  if (p == NULL || sscanf(p + 2, "%*c %d", &ppid) != 1)
    return -1;
  return ppid;
}

static pid_t find_child(pid_t parent)
{
  for (int tries = 0; tries < 5000; tries++) {
    DIR *d = opendir("/proc");
    pid_t found = -1;
    for (struct dirent *de; found < 0 && (de = readdir(d)) != NULL;) {
      pid_t pid = (pid_t)atoi(de->d_name);
      if (pid > 0 && ppid_of(pid) == parent)
        found = pid;
    }
    closedir(d);
    if (found > 0)
      return found;
    msleep(1);
  }
  return -1;
}

static void test_kill_all_pidns(mr_context *ctx)
{
  /* The child is pid 1 of a new pid namespace and starts a second process. */
  pid_t init = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
  if (init < 0) {
    printf("ok %d - # SKIP kill --all: no pid namespace (%s)\n", ++tap_tests, strerror(errno));
    return;
  }
  if (init == 0) {
    if (spawn_sleep() < 0)
      _exit(1);
    execlp("sleep", "sleep", "1000", (char *)NULL);
    _exit(127);
  }
  pid_t other = find_child(init);
  check(other > 0, "second process of the namespace found");
  check(record(ctx, "ns", init, true) == 0, "record ns");
  /* An ns init without a handler ignores TERM; the other process does not. */
  check(mr_container_kill(ctx, "ns", SIGTERM, 0, NULL) == 0, "kill TERM (init only)");
  msleep(100);
  unsigned long long start;
  bool dead = true;
  check(proc_stat_read(other, &start, &dead) == 0 && !dead, "other process untouched");
  check(mr_container_kill(ctx, "ns", SIGTERM, 1, NULL) == 0, "kill --all TERM");
  check(wait_dead(other), "other process killed by --all");
  check(proc_stat_read(init, &start, &dead) == 0 && !dead, "init alive (ignores TERM)");
  check(mr_container_delete(ctx, "ns", 1, NULL) == 0, "delete -f ns");
  check(killed_by(reap(init), SIGKILL), "ns init SIGKILLed");
}

static void test_state_and_list(const char *base)
{
  char root[PATH_MAX / 2];
  snprintf(root, sizeof(root), "%s/list-root", base);
  mr_context *ctx = NULL;
  mr_context_new(root, &ctx, NULL);
  mr_state **list = NULL;
  size_t count = 99;
  check(mr_state_list(ctx, &list, &count, NULL) == 0 && count == 0 && list == NULL,
        "missing state root: empty list");

  /* The test process itself stands in for a running init. */
  const char *ids[] = {"b", "c", "a"};
  for (size_t i = 0; i < 3; i++)
    check(record(ctx, ids[i], getpid(), false) == 0, "record %s", ids[i]);
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/creating", root);
  mkdir(path, 0700); /* no state.json yet */
  snprintf(path, sizeof(path), "%s/bad\nid", root);
  mkdir(path, 0700);
  snprintf(path, sizeof(path), "%s/file", root);
  close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));

  check(mr_state_list(ctx, &list, &count, NULL) == 0 && count == 3, "list: %zu entries", count);
  for (size_t i = 0; i < count && i < 3; i++)
    check(strcmp(mr_state_id(list[i]), (const char *[]){"a", "b", "c"}[i]) == 0, "list sorted: %s",
          mr_state_id(list[i]));
  mr_state_list_free(list, count);

  mr_state *st = NULL;
  check(mr_state_get(ctx, "a", &st, NULL) == 0, "state a");
  check(mr_state_status(st) == MR_STATUS_RUNNING && mr_state_pid(st) == getpid() &&
            strcmp(mr_state_bundle(st), "/bundle") == 0 &&
            strcmp(mr_state_created(st), "2024-01-02T03:04:05.000000006Z") == 0 &&
            mr_state_owner(st) == getuid(),
        "state accessors");
  char *json = NULL;
  bool got;
  char want[512];
  snprintf(want, sizeof(want),
           "{\"ociVersion\":\"1.2.0\",\"id\":\"a\",\"status\":\"running\",\"pid\":%d,"
           "\"bundle\":\"/bundle\",\"rootfs\":\"/bundle/rootfs\","
           "\"created\":\"2024-01-02T03:04:05.000000006Z\",\"owner\":\"\"}",
           (int)getpid());
  got = mr_state_to_json(st, &json, NULL) == 0;
  check(got && strcmp(json, want) == 0, "state JSON: %s", got ? json : "(null)");
  free(json);
  mr_state_free(st);

  /* Annotations are part of the OCI state. */
  int dirfd;
  struct state_record *rec = NULL;
  check(state_dir_lock(ctx, "c", &dirfd, NULL) == 0 && state_read(dirfd, &rec, NULL) == 0,
        "read c");
  struct spec_kv ann = {"k", "v"};
  struct state_record with_ann = *rec;
  with_ann.annotations = &ann;
  with_ann.n_annotations = 1;
  check(state_write(dirfd, &with_ann, NULL) == 0, "write c with an annotation");
  state_record_free(rec);
  close(dirfd);
  st = NULL;
  json = NULL;
  got = mr_state_get(ctx, "c", &st, NULL) == 0 && mr_state_to_json(st, &json, NULL) == 0;
  check(got && strstr(json, ",\"owner\":\"\",\"annotations\":{\"k\":\"v\"}}") != NULL,
        "state JSON with annotations: %s", got ? json : "(null)");
  free(json);
  mr_state_free(st);

  /* A stopped container reports pid 0. */
  pid_t pid = spawn_sleep();
  record(ctx, "gone", pid, false);
  kill(pid, SIGKILL);
  reap(pid);
  st = NULL;
  check(mr_state_get(ctx, "gone", &st, NULL) == 0 && mr_state_status(st) == MR_STATUS_STOPPED &&
            mr_state_pid(st) == 0,
        "stopped: pid 0");
  json = NULL;
  check(mr_state_to_json(st, &json, NULL) == 0 && strstr(json, "\"status\":\"stopped\",\"pid\":0,"),
        "stopped JSON has pid 0");
  free(json);
  mr_state_free(st);

  mr_error *e = NULL;
  st = NULL;
  check_err(mr_state_get(ctx, "creating", &st, &e), &e, -ENOENT,
            "container 'creating' does not exist", "state of a container being created");
  mr_context_free(ctx);
  remove_tree(root);
}

int main(void)
{
  char base[] = "/tmp/minirun-test-state-XXXXXX";
  if (mkdtemp(base) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  char root[PATH_MAX];
  snprintf(root, sizeof(root), "%s/state", base);
  mr_context *ctx = NULL;
  if (mr_context_new(root, &ctx, NULL) < 0) {
    printf("Bail out! mr_context_new\n");
    return 1;
  }

  test_id_validate();
  test_context();
  test_round_trip(ctx);
  test_read_lenient_and_strict(ctx);
  test_lock(ctx);
  test_proc_stat();
  test_status(ctx);
  test_signal_parse();
  test_kill(ctx);
  test_delete(ctx);
  test_start(ctx);
  test_kill_all_pidns(ctx);
  test_state_and_list(base);

  mr_context_free(ctx);
  remove_tree(base);
  return tap_done();
}
