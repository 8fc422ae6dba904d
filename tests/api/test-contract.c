/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-contract.c - the embedding contract of include/minirun.h, proven
 * against real containers through the public API only.
 *
 *   test-contract CASE BUNDLE STATE_ROOT [N]
 *
 * BUNDLE's process is short and exits 0 (e.g. `true`). Each CASE prints TAP
 * and exits non-zero when a check failed; tests/integration/test-contract.sh
 * runs them, bench/soak.sh runs `soak` with N = 10000.
 *
 *   sideeffects  the host's signal mask and dispositions, umask, cwd,
 *                rlimits, subreaper flag, environment, prctl flags and open
 *                fds are identical before and after every API call,
 *                succeeding or failing; a host atexit() handler never runs in
 *                a child and unflushed stdio is never written twice
 *   threads      4 threads x N lifecycles at once on two contexts per state
 *                root (two roots), each with its own log callback, each
 *                thread keeping a container waiting in `created` meanwhile
 *                (whose init must hold no fd of the host or of another
 *                create), while 2 more threads hammer malloc
 *   smallstack   a host thread with a 64 KiB stack, all but a few KiB of it
 *                used, creates, execs into, starts and deletes containers
 *   loadtime     what the library and its dependencies do when loaded
 *                (their constructors): no fd, thread, signal disposition,
 *                mask, umask or environment change visible in main()
 *   soak         N create/start/wait/delete cycles: fds unchanged, RSS
 *                growth below 64 KiB after a warm-up
 *   hostreaps    what minirun.h says happens when the host breaks the
 *                supervision rules (waitpid(-1), SIGCHLD set to SIG_IGN): the
 *                exit status is lost, mr_container_wait() fails with
 *                -ECHILD, and delete still cleans up
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "minirun.h"

#define MAX_FD       256
#define RSS_BUDGET   (64 * 1024)
#define SMALL_STACK  (64 * 1024)
#define N_CREATORS   4
#define N_HAMMERS    2
#define ATEXIT_FILE  "atexit-ran-in-child"
#define STDIO_MARKER "unflushed-host-output;"

extern char **environ;

static int n_tests, n_failed;
static const char *tap_indent = ""; /* "    " in a re-executed child: a subtest */
static const char *bundle, *state_root;

static bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool ok(bool cond, const char *fmt, ...)
{
  va_list ap;
  n_tests++;
  if (!cond)
    n_failed++;
  printf("%s%s %d - ", tap_indent, cond ? "ok" : "not ok", n_tests);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
  return cond;
}

static const char *emsg(const mr_error *err)
{
  return err ? mr_error_message(err) : "(no error object)";
}

static void path_in(char *buf, size_t size, const char *dir, const char *name)
{
  if (snprintf(buf, size, "%s/%s", dir, name) >= (int)size) {
    printf("Bail out! path too long: %s/%s\n", dir, name);
    exit(1);
  }
}

/* The fds open in this process, as a bitmap. */
static void fd_set_now(bool open_fds[MAX_FD])
{
  for (int fd = 0; fd < MAX_FD; fd++)
    open_fds[fd] = fcntl(fd, F_GETFD) >= 0;
}

static int fd_count(void)
{
  bool s[MAX_FD];
  int n = 0;
  fd_set_now(s);
  for (int fd = 0; fd < MAX_FD; fd++)
    n += s[fd];
  return n;
}

/* A value of /proc/self/status ("Umask", "Threads"), or -1. */
static long proc_status(const char *key, int base)
{
  char line[256];
  long v = -1;
  size_t klen = strlen(key);
  FILE *f = fopen("/proc/self/status", "re");
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, key, klen) == 0 && line[klen] == ':')
      v = strtol(line + klen + 1, NULL, base);
  if (f)
    fclose(f);
  return v;
}

static long rss_bytes(void)
{
  char text[128] = "";
  FILE *f = fopen("/proc/self/statm", "re");
  size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
  if (f)
    fclose(f);
  text[n] = '\0';
  char *end;
  strtol(text, &end, 10);                /* size */
  long resident = strtol(end, NULL, 10); /* resident pages */
  return resident * sysconf(_SC_PAGESIZE);
}

static bool no_child_left(void)
{
  errno = 0;
  return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static mr_config *load_config(mr_context *ctx)
{
  mr_config *cfg = NULL;
  mr_error *err = NULL;
  int r = mr_config_load_bundle(ctx, bundle, &cfg, &err);
  if (r < 0) {
    printf("Bail out! load %s: %s\n", bundle, emsg(err));
    exit(1);
  }
  return cfg;
}

/* Options giving a container /dev/null as stdio (the TAP stream stays clean). */
static mr_create_opts *quiet_opts(int devnull)
{
  mr_create_opts *o = NULL;
  if (mr_create_opts_new(&o, NULL) == 0)
    mr_create_opts_set_stdio(o, devnull, devnull, devnull);
  return o;
}

/* create + start + wait + delete; 0 or a negative code, status in *status. */
static int lifecycle(mr_context *ctx, const char *id, const mr_config *cfg,
                     const mr_create_opts *opts, int *status, mr_error **err)
{
  mr_container *c = NULL;
  int r = mr_container_create(ctx, id, cfg, opts, &c, err);
  if (r == 0)
    r = mr_container_start(ctx, id, err);
  if (r == 0)
    r = mr_container_wait(c, 0, status, err);
  if (r == 0)
    r = mr_container_delete(ctx, id, 0, err);
  else if (c != NULL)
    mr_container_delete(ctx, id, 1, NULL);
  if (c != NULL && r < 0)
    mr_container_wait(c, 0, status, NULL);
  mr_container_free(c);
  return r;
}

/* ------------------------------------------------------------------------ */
/* sideeffects                                                               */
/* ------------------------------------------------------------------------ */

struct host_state {
  sigset_t mask;
  struct sigaction act[NSIG];
  long umask;
  char cwd[PATH_MAX];
  struct rlimit rl[RLIM_NLIMITS];
  int subreaper, dumpable, pdeathsig, no_new_privs;
  char comm[17];
  char **env;
  size_t env_n;
  unsigned long env_hash;
  int fd_flags[MAX_FD]; /* -1: closed */
  dev_t fd_dev[MAX_FD];
  ino_t fd_ino[MAX_FD];
};

static void host_state_get(struct host_state *s)
{
  memset(s, 0, sizeof *s);
  sigprocmask(SIG_SETMASK, NULL, &s->mask);
  for (int i = 1; i < NSIG; i++)
    sigaction(i, NULL, &s->act[i]);
  s->umask = proc_status("Umask", 8);
  if (!getcwd(s->cwd, sizeof s->cwd))
    s->cwd[0] = '\0';
  for (int i = 0; i < RLIM_NLIMITS; i++)
    getrlimit(i, &s->rl[i]);
  prctl(PR_GET_CHILD_SUBREAPER, &s->subreaper);
  s->dumpable = prctl(PR_GET_DUMPABLE);
  prctl(PR_GET_PDEATHSIG, &s->pdeathsig);
  s->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS);
  prctl(PR_GET_NAME, s->comm);
  s->env = environ;
  s->env_hash = 5381;
  for (char **e = environ; *e; e++, s->env_n++)
    for (const char *p = *e; *p; p++)
      s->env_hash = s->env_hash * 33 + (unsigned char)*p;
  for (int fd = 0; fd < MAX_FD; fd++) {
    struct stat st;
    s->fd_flags[fd] = fcntl(fd, F_GETFD);
    if (s->fd_flags[fd] >= 0 && fstat(fd, &st) == 0) {
      s->fd_dev[fd] = st.st_dev;
      s->fd_ino[fd] = st.st_ino;
    }
  }
}

/* The first difference between two states, or NULL. */
static const char *host_state_diff(const struct host_state *a, const struct host_state *b,
                                   char *buf, size_t size)
{
  for (int i = 1; i < NSIG; i++) {
    if (sigismember(&a->mask, i) != sigismember(&b->mask, i))
      return snprintf(buf, size, "signal mask (signal %d)", i), buf;
    if (i == SIGKILL || i == SIGSTOP)
      continue;
    if (a->act[i].sa_handler != b->act[i].sa_handler || a->act[i].sa_flags != b->act[i].sa_flags)
      return snprintf(buf, size, "disposition of signal %d", i), buf;
  }
  if (a->umask != b->umask)
    return snprintf(buf, size, "umask %03lo -> %03lo", a->umask, b->umask), buf;
  if (strcmp(a->cwd, b->cwd) != 0)
    return snprintf(buf, size, "cwd %.200s -> %.200s", a->cwd, b->cwd), buf;
  for (int i = 0; i < RLIM_NLIMITS; i++)
    if (a->rl[i].rlim_cur != b->rl[i].rlim_cur || a->rl[i].rlim_max != b->rl[i].rlim_max)
      return snprintf(buf, size, "rlimit %d", i), buf;
  if (a->subreaper != b->subreaper)
    return "child subreaper flag";
  if (a->dumpable != b->dumpable || a->pdeathsig != b->pdeathsig ||
      a->no_new_privs != b->no_new_privs || strcmp(a->comm, b->comm) != 0)
    return "prctl state (dumpable, pdeathsig, no_new_privs or name)";
  if (a->env != b->env || a->env_n != b->env_n || a->env_hash != b->env_hash)
    return "environment";
  for (int fd = 0; fd < MAX_FD; fd++)
    if (a->fd_flags[fd] != b->fd_flags[fd] || a->fd_dev[fd] != b->fd_dev[fd] ||
        a->fd_ino[fd] != b->fd_ino[fd])
      return snprintf(buf, size, "fd %d (flags %d -> %d)", fd, a->fd_flags[fd], b->fd_flags[fd]),
             buf;
  return NULL;
}

static pid_t host_pid;
static char atexit_path[PATH_MAX];

/* Host code that must run only in the host: it records any run elsewhere. */
static void host_atexit(void)
{
  if (getpid() == host_pid)
    return;
  int fd = open(atexit_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (write(fd, "x", 1) < 0) {
    }
    close(fd);
  }
}

static void noop_handler(int sig)
{
  (void)sig;
}

/* The pidfd a container handle owns (mr_container_pollfd) is the one fd an
 * API call may leave open: it is the handle's, closed by mr_container_free. */
static void hide_handle_fd(struct host_state *s, const mr_container *c)
{
  int fd = c != NULL ? mr_container_pollfd(c) : -1;
  if (fd >= 0 && fd < MAX_FD) {
    s->fd_flags[fd] = -1;
    s->fd_dev[fd] = 0;
    s->fd_ino[fd] = 0;
  }
}

/* CALL(expect, what, expr): runs one API call between two snapshots; expect
 * is 1 (must succeed), 0 (must fail) or -1 (either). */
#define CALL(expect_ok, what, expr)                                                                \
  do {                                                                                             \
    struct host_state before_, after_;                                                             \
    char why_[PATH_MAX + 64];                                                                      \
    mr_error *e_ = NULL;                                                                           \
    mr_error **err = &e_;                                                                          \
    host_state_get(&before_);                                                                      \
    int r_ = (expr);                                                                               \
    host_state_get(&after_);                                                                       \
    hide_handle_fd(&before_, c);                                                                   \
    hide_handle_fd(&after_, c);                                                                    \
    const char *d_ = host_state_diff(&before_, &after_, why_, sizeof why_);                        \
    int expect_ = (expect_ok);                                                                     \
    bool good_ = expect_ < 0 || (expect_ == 1) == (r_ == 0);                                       \
    ok(good_ &&d_ == NULL, "%s: %s (%d%s%s); host state %s%s", what,                               \
       r_ == 0 ? "succeeded" : "failed", r_, e_ ? ": " : "", e_ ? mr_error_message(e_) : "",       \
       d_ ? "changed: " : "unchanged", d_ ? d_ : "");                                              \
    (void)err;                                                                                     \
    mr_error_free(e_);                                                                             \
  } while (0)

static void case_sideeffects(const char *bad_bundle)
{
  mr_context *ctx = NULL;
  mr_config *cfg = NULL, *bad = NULL;
  mr_container *c = NULL;
  mr_state *st = NULL;
  mr_state **list = NULL;
  size_t n = 0;
  char *json = NULL, buf[PATH_MAX];
  int status = -1, sig = 0, pipefd[2] = {-1, -1};
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  mr_create_opts *opts = quiet_opts(devnull);

  /* A host with state of its own the library must leave alone. */
  host_pid = getpid();
  char host_dir[PATH_MAX];
  snprintf(host_dir, sizeof host_dir, "%s.host", state_root);
  mkdir(host_dir, 0700);
  path_in(atexit_path, sizeof atexit_path, host_dir, ATEXIT_FILE);
  atexit(host_atexit);
  path_in(buf, sizeof buf, host_dir, "host-stdio");
  FILE *host_out = fopen(buf, "we");
  setvbuf(host_out, NULL, _IOFBF, 4096);
  fputs(STDIO_MARKER, host_out); /* stays in the buffer until fclose */
  struct sigaction sa = {.sa_handler = noop_handler, .sa_flags = SA_RESTART};
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGHUP, SIG_IGN);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  sigprocmask(SIG_BLOCK, &block, NULL);
  umask(026);
  struct rlimit core = {0, RLIM_INFINITY};
  setrlimit(RLIMIT_CORE, &core);
  setenv("MR_CONTRACT_HOST", "1", 1);
  int leaked = open("/dev/null", O_RDONLY); /* not close-on-exec */

  CALL(1, "mr_context_new", mr_context_new(state_root, &ctx, err));
  CALL(0, "mr_config_load_bundle of a missing bundle",
       mr_config_load_bundle(ctx, "/nonexistent-bundle", &cfg, err));
  CALL(0, "mr_config_load_json of broken JSON",
       mr_config_load_json(ctx, "{\"process\":", 11, bundle, &cfg, err));
  CALL(1, "mr_config_load_bundle", mr_config_load_bundle(ctx, bundle, &cfg, err));
  CALL(1, "mr_config_load_bundle (args: a missing program)",
       mr_config_load_bundle(ctx, bad_bundle, &bad, err));
  CALL(0, "mr_id_validate(\"a/b\")", mr_id_validate("a/b", err));
  CALL(0, "mr_container_create with an invalid id",
       mr_container_create(ctx, "bad/id", cfg, opts, &c, err));
  CALL(1, "mr_container_create", mr_container_create(ctx, "side-1", cfg, opts, &c, err));
  CALL(0, "mr_container_create of a duplicate id",
       mr_container_create(ctx, "side-1", cfg, opts, NULL, err));
  CALL(1, "mr_state_get", mr_state_get(ctx, "side-1", &st, err));
  CALL(1, "mr_state_to_json", st ? mr_state_to_json(st, &json, err) : -ENOENT);
  CALL(1, "mr_state_list", mr_state_list(ctx, &list, &n, err));
  mr_state *none = NULL;
  CALL(0, "mr_state_get of an unknown id", mr_state_get(ctx, "side-none", &none, err));
  CALL(0, "mr_container_start of an unknown id", mr_container_start(ctx, "side-none", err));
  CALL(1, "mr_container_start", mr_container_start(ctx, "side-1", err));
  CALL(1, "mr_container_wait", mr_container_wait(c, 0, &status, err));
  CALL(0, "mr_container_kill of a stopped container",
       mr_container_kill(ctx, "side-1", SIGTERM, 0, err));
  CALL(1, "mr_container_delete", mr_container_delete(ctx, "side-1", 0, err));
  mr_container_free(c);
  c = NULL;
  CALL(0, "mr_container_run of a missing program (the init fails in the child)",
       mr_container_run(ctx, "side-2", bad, opts, &c, err));
  mr_context_set_timeout(ctx, 1);
  CALL(0, "mr_container_create timing out after 1 ms",
       mr_container_create(ctx, "side-3", cfg, opts, &c, err));
  mr_context_set_timeout(ctx, MR_DEFAULT_TIMEOUT_MS);
  if (pipe2(pipefd, O_CLOEXEC) == 0 && write(pipefd[1], "x", 1) == 1)
    mr_context_set_cancel_fd(ctx, pipefd[0]);
  CALL(0, "mr_container_create cancelled through the cancel fd",
       mr_container_create(ctx, "side-4", cfg, opts, &c, err));
  mr_context_set_cancel_fd(ctx, -1);
  CALL(1, "mr_container_run", mr_container_run(ctx, "side-5", cfg, opts, &c, err));
  CALL(-1, "mr_container_kill of a running (or just exited) init",
       mr_container_kill(ctx, "side-5", SIGKILL, 0, err));
  CALL(1, "mr_container_delete --force", mr_container_delete(ctx, "side-5", 1, err));
  CALL(1, "mr_container_wait after delete --force", mr_container_wait(c, 0, &status, err));
  mr_container_free(c);
  c = NULL;
  CALL(0, "mr_container_delete of an unknown id", mr_container_delete(ctx, "side-6", 0, err));
  CALL(1, "mr_container_delete --force of an unknown id",
       mr_container_delete(ctx, "side-6", 1, err));
  CALL(0, "mr_signal_parse of a bad name", mr_signal_parse("SIGNOPE", &sig, err));
  free(json);
  json = NULL;
  CALL(1, "mr_config_default_json", mr_config_default_json(0, &json, err));
  CALL(1, "mr_context_free",
       (mr_config_free(cfg), mr_config_free(bad), mr_state_free(st), mr_state_list_free(list, n),
        mr_context_free(ctx), 0));

  ok(no_child_left(), "no child of the host is left");
  /* The host's unflushed buffer is written exactly once, by the host. */
  fclose(host_out);
  FILE *f = fopen(buf, "re");
  char content[256] = "";
  size_t len = f ? fread(content, 1, sizeof content - 1, f) : 0;
  content[len] = '\0';
  if (f)
    fclose(f);
  ok(strcmp(content, STDIO_MARKER) == 0, "unflushed host stdio written once, by the host ('%s')",
     content);
  ok(access(atexit_path, F_OK) != 0, "the host's atexit handler never ran in a child");
  unlink(buf);
  free(json);
  mr_create_opts_free(opts);
  close(leaked);
  close(pipefd[0]);
  close(pipefd[1]);
  close(devnull);
  rmdir(host_dir);
}

/* ------------------------------------------------------------------------ */
/* threads                                                                   */
/* ------------------------------------------------------------------------ */

static atomic_int hammer_stop;

static void *hammer(void *arg)
{
  (void)arg;
  while (!atomic_load(&hammer_stop)) {
    void *p[32];
    for (int i = 0; i < 32; i++)
      p[i] = malloc((size_t)(i + 1) * 256);
    for (int i = 0; i < 32; i++)
      free(p[i]);
  }
  return NULL;
}

struct creator {
  int index, n;
  char root[PATH_MAX];
  pthread_t self;
  atomic_int logs, foreign_logs;
  int ran, failed, held_ok, held_foreign_fds, held_status;
  char first_error[256];
};

/* Each thread's log callback: it must be called with its own userdata, on
 * its own thread. */
static void creator_log(void *userdata, enum mr_log_level level, const char *message)
{
  struct creator *cr = userdata;
  (void)level;
  (void)message;
  if (pthread_equal(pthread_self(), cr->self))
    atomic_fetch_add(&cr->logs, 1);
  else
    atomic_fetch_add(&cr->foreign_logs, 1);
}

/* Fds of the waiting init `pid` that are not its own: its own are 0-2, its
 * exec fifo (in state dir `id`), the stdio source `stdio_fd` of its create
 * (dup'ed onto 0-2 at exec) and one socket (its sync socket). */
static int foreign_fds(pid_t pid, const char *id, int stdio_fd)
{
  char dir[64], link[PATH_MAX + 300], target[PATH_MAX], own[PATH_MAX + 16];
  int foreign = 0, sockets = 0;
  snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
  snprintf(own, sizeof own, "/%s/exec.fifo", id);
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    long fd = strtol(de->d_name, NULL, 10);
    if (de->d_name[0] == '.' || fd <= 2)
      continue;
    snprintf(link, sizeof link, "%s/%s", dir, de->d_name);
    ssize_t len = readlink(link, target, sizeof target - 1);
    target[len > 0 ? len : 0] = '\0';
    if (strstr(target, own) != NULL || fd == stdio_fd ||
        (strncmp(target, "socket:", 7) == 0 && sockets++ == 0))
      continue;
    printf("# the waiting init of %s holds fd %s -> %s\n", id, de->d_name, target);
    foreign++;
  }
  if (d)
    closedir(d);
  return d ? foreign : -1;
}

static void *creator_thread(void *arg)
{
  struct creator *cr = arg;
  mr_context *ctx = NULL;
  mr_config *cfg = NULL;
  mr_container *held = NULL;
  mr_error *err = NULL;
  char held_id[64], id[64];
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  mr_create_opts *opts = quiet_opts(devnull);

  cr->self = pthread_self();
  if (mr_context_new(cr->root, &ctx, &err) < 0) {
    snprintf(cr->first_error, sizeof cr->first_error, "context: %s", emsg(err));
    goto out;
  }
  mr_context_set_log(ctx, creator_log, cr, MR_LOG_DEBUG);
  cfg = load_config(ctx);
  snprintf(held_id, sizeof held_id, "thr%d-held", cr->index);
  if (mr_container_create(ctx, held_id, cfg, opts, &held, &err) < 0) {
    snprintf(cr->first_error, sizeof cr->first_error, "create %s: %s", held_id, emsg(err));
    mr_error_free(err);
    err = NULL;
  }
  for (int i = 0; i < cr->n; i++) {
    int status = -1;
    snprintf(id, sizeof id, "thr%d-%d", cr->index, i);
    int r = lifecycle(ctx, id, cfg, opts, &status, &err);
    if (r == 0 && status == 0) {
      cr->ran++;
    } else {
      if (cr->failed++ == 0)
        snprintf(cr->first_error, sizeof cr->first_error, "%s: %d, status %d: %s", id, r, status,
                 emsg(err));
    }
    mr_error_free(err);
    err = NULL;
  }
  if (held != NULL) {
    /* Every other create of every thread happened while this init waited. */
    cr->held_foreign_fds = foreign_fds(mr_container_pid(held), held_id, devnull);
    cr->held_ok = mr_container_start(ctx, held_id, NULL) == 0 &&
                  mr_container_wait(held, 0, &cr->held_status, NULL) == 0 &&
                  mr_container_delete(ctx, held_id, 0, NULL) == 0;
    if (!cr->held_ok)
      mr_container_delete(ctx, held_id, 1, NULL);
    mr_container_free(held);
  }
  mr_config_free(cfg);
out:
  mr_error_free(err);
  mr_context_free(ctx);
  mr_create_opts_free(opts);
  close(devnull);
  return NULL;
}

static void case_threads(int n)
{
  static struct creator cr[N_CREATORS];
  pthread_t th[N_CREATORS], hm[N_HAMMERS];
  int fds_before = fd_count();

  atomic_store(&hammer_stop, 0);
  for (int i = 0; i < N_HAMMERS; i++)
    pthread_create(&hm[i], NULL, hammer, NULL);
  for (int i = 0; i < N_CREATORS; i++) {
    cr[i].index = i;
    cr[i].n = n;
    /* Two state roots, two contexts (threads) on each. */
    snprintf(cr[i].root, sizeof cr[i].root, "%s-%c", state_root, i % 2 ? 'b' : 'a');
    pthread_create(&th[i], NULL, creator_thread, &cr[i]);
  }
  for (int i = 0; i < N_CREATORS; i++)
    pthread_join(th[i], NULL);
  atomic_store(&hammer_stop, 1);
  for (int i = 0; i < N_HAMMERS; i++)
    pthread_join(hm[i], NULL);

  for (int i = 0; i < N_CREATORS; i++) {
    ok(cr[i].ran == n, "thread %d (%s): %d of %d lifecycles exited 0%s%s", i, cr[i].root, cr[i].ran,
       n, cr[i].first_error[0] ? "; first error: " : "", cr[i].first_error);
    ok(cr[i].held_ok && cr[i].held_status == 0,
       "thread %d: its container waiting in created all along then started and exited 0", i);
    ok(cr[i].held_foreign_fds == 0,
       "thread %d: the waiting init held no fd of the host or of another create (%d)", i,
       cr[i].held_foreign_fds);
    ok(atomic_load(&cr[i].logs) > 0 && atomic_load(&cr[i].foreign_logs) == 0,
       "thread %d: its log callback got %d messages, all on its own thread (%d elsewhere)", i,
       atomic_load(&cr[i].logs), atomic_load(&cr[i].foreign_logs));
  }
  ok(no_child_left(), "no child is left");
  ok(fd_count() == fds_before, "no fd leaked (%d before, %d after)", fds_before, fd_count());
}

/* ------------------------------------------------------------------------ */
/* smallstack                                                                */
/* ------------------------------------------------------------------------ */

/* A host thread with a 64 KiB stack, most of it used when it calls us:
 * each call of the library must fit in what the caller has left, and the
 * child between clone and execve must not need any of it (it runs on a
 * stack of its own). First pass: each call from the top of the stack,
 * measuring how deep it goes (the unused stack is painted, then the paint
 * that is left is counted). Second pass: before each call the thread
 * recurses until only that much plus SMALL_STACK_SPARE is left. A child on
 * a copy of the caller's stack (the old way) needs some 17 KiB beyond the
 * clone point there, overflows and dies: the create (or exec) fails. */
#define SMALL_STACK_SPARE (4 * 1024)
#define STACK_PAINT       0xa5

enum small_step { SMALL_LOAD, SMALL_CREATE, SMALL_EXEC, SMALL_START, SMALL_DELETE, SMALL_STEPS };
static const char *const small_step_name[SMALL_STEPS] = {
    "mr_context_new + mr_config_load_bundle", "mr_container_create", "mr_container_exec + wait",
    "mr_container_start + wait", "mr_container_delete"};

struct small_run {
  bool measure;             /* the first pass */
  size_t need[SMALL_STEPS]; /* measured by the first pass */
  size_t left[SMALL_STEPS]; /* the stack each call had */
  int failed_step;          /* -1: none */
  char error[256];
  int devnull;
  mr_context *ctx;
  mr_config *cfg;
  mr_create_opts *opts;
  mr_exec_opts *xopts;
  mr_container *c;
};

/* One call (or two, where the second is a wait on the first): 0 or < 0. */
static int small_call(struct small_run *s, enum small_step step, mr_error **err)
{
  const char *id = s->measure ? "small-top" : "small-deep";
  const char *argv[] = {"true"};
  mr_container *x = NULL;
  int r, status = -1;
  switch (step) {
  case SMALL_LOAD:
    r = mr_context_new(state_root, &s->ctx, err);
    if (r == 0)
      r = mr_config_load_bundle(s->ctx, bundle, &s->cfg, err);
    return r;
  case SMALL_CREATE:
    return mr_container_create(s->ctx, id, s->cfg, s->opts, &s->c, err);
  case SMALL_EXEC:
    r = mr_exec_opts_set_args(s->xopts, 1, argv, err);
    if (r == 0)
      r = mr_container_exec(s->ctx, id, s->xopts, &x, err);
    if (r == 0)
      r = mr_container_wait(x, 0, &status, err);
    mr_container_free(x);
    return r < 0 ? r : status == 0 ? 0 : -ECHILD;
  case SMALL_START:
    r = mr_container_start(s->ctx, id, err);
    if (r == 0)
      r = mr_container_wait(s->c, 0, &status, err);
    return r < 0 ? r : status == 0 ? 0 : -ECHILD;
  case SMALL_DELETE:
  default:
    return mr_container_delete(s->ctx, id, 0, err);
  }
}

/* Paints [lo, 1 KiB below our own frame): what no call has used yet. */
static __attribute__((noinline)) void stack_paint(char *lo)
{
  uintptr_t end = (uintptr_t)__builtin_frame_address(0) - 1024;
  for (volatile char *p = lo; (uintptr_t)p < end; p++)
    *p = (char)STACK_PAINT;
}

static size_t stack_unpainted(const char *lo, const char *top)
{
  const char *p = lo;
  while (p < top && (unsigned char)*p == STACK_PAINT)
    p++;
  return (size_t)(top - p);
}

/* Recurses (1 KiB a frame) until `leave` bytes above lo are left (0: not
 * at all), then makes the call, measuring how deep it went. */
static __attribute__((noinline)) int small_descend(struct small_run *s, enum small_step step,
                                                   char *lo, size_t leave, mr_error **err)
{
  volatile char pad[1024];
  pad[0] = 0;
  char *here = (char *)pad;
  if (leave != 0 && (size_t)(here - lo) > leave + sizeof(pad)) {
    int r = small_descend(s, step, lo, leave, err);
    pad[1] = pad[0]; /* no tail call */
    return r;
  }
  s->left[step] = (size_t)(here - lo);
  stack_paint(lo);
  int r = small_call(s, step, err);
  if (s->measure)
    s->need[step] = stack_unpainted(lo, here);
  return r;
}

static void *small_stack_thread(void *arg)
{
  struct small_run *s = arg;
  pthread_attr_t attr;
  void *lo = NULL;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &lo, &size);
    pthread_attr_destroy(&attr);
  }
  if (lo == NULL) {
    snprintf(s->error, sizeof s->error, "pthread_getattr_np failed");
    return NULL;
  }
  for (int i = 0; i < SMALL_STEPS && s->failed_step < 0; i++) {
    mr_error *err = NULL;
    size_t leave = s->measure ? 0 : s->need[i] + SMALL_STACK_SPARE;
    int r = small_descend(s, (enum small_step)i, lo, leave, &err);
    if (r < 0) {
      s->failed_step = i;
      snprintf(s->error, sizeof s->error, "%s", emsg(err));
    }
    mr_error_free(err);
  }
  return NULL;
}

static void small_stack_run(struct small_run *s)
{
  pthread_attr_t attr;
  pthread_t th;
  s->failed_step = -1;
  s->error[0] = '\0';
  s->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  s->opts = quiet_opts(s->devnull);
  if (mr_exec_opts_new(&s->xopts, NULL) == 0)
    mr_exec_opts_set_stdio(s->xopts, s->devnull, s->devnull, s->devnull);
  pthread_attr_init(&attr);
  int r = pthread_attr_setstacksize(&attr, SMALL_STACK);
  if (r == 0)
    r = pthread_create(&th, &attr, small_stack_thread, s);
  pthread_attr_destroy(&attr);
  if (ok(r == 0, "host thread with a %d KiB stack started", SMALL_STACK / 1024))
    pthread_join(th, NULL);
  if (s->failed_step >= 0 && s->failed_step > SMALL_CREATE)
    mr_container_delete(s->ctx, s->measure ? "small-top" : "small-deep", 1, NULL);
  if (s->c != NULL && s->failed_step >= 0)
    mr_container_wait(s->c, 0, NULL, NULL);
  mr_container_free(s->c);
  mr_config_free(s->cfg);
  mr_context_free(s->ctx);
  mr_exec_opts_free(s->xopts);
  mr_create_opts_free(s->opts);
  close(s->devnull);
}

static void case_smallstack(void)
{
  static struct small_run s;
  s.measure = true;
  small_stack_run(&s);
  ok(s.failed_step < 0, "from the top of the stack: create, exec, start, delete succeeded%s%s%s",
     s.failed_step >= 0 ? ": " : "", s.failed_step >= 0 ? small_step_name[s.failed_step] : "",
     s.error);
  for (int i = 0; i < SMALL_STEPS; i++)
    ok(s.need[i] > 0 && s.need[i] < s.left[i], "%s used %zu of the caller's %zu bytes of stack",
       small_step_name[i], s.need[i], s.left[i]);

  struct small_run deep = s;
  memset(&deep, 0, sizeof(deep));
  memcpy(deep.need, s.need, sizeof(deep.need));
  small_stack_run(&deep);
  ok(deep.failed_step < 0, "with little stack left: create, exec, start, delete succeeded%s%s%s%s",
     deep.failed_step >= 0 ? ": " : "",
     deep.failed_step >= 0 ? small_step_name[deep.failed_step] : "",
     deep.failed_step >= 0 ? ": " : "", deep.error);
  for (int i = 0; i < SMALL_STEPS; i++)
    ok(deep.left[i] <= deep.need[i] + SMALL_STACK_SPARE + 1024,
       "%s was called with %zu bytes of stack left", small_step_name[i], deep.left[i]);
  ok(no_child_left(), "no child is left");
}

/* ------------------------------------------------------------------------ */
/* loadtime                                                                  */
/* ------------------------------------------------------------------------ */

/* Re-executes this program with a known state (fds 0-2 only, umask 067,
 * SIGUSR2 blocked, SIGUSR1 ignored, one extra variable): `loadtime-child`
 * then checks, first thing in main(), that loading libminirun and its
 * dependencies (and running their constructors) changed none of it. */
static void case_loadtime(void)
{
  const char *self = "/proc/self/exe";
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_SETMASK, &block, NULL);
    for (int i = 1; i < NSIG; i++)
      if (i != SIGKILL && i != SIGSTOP)
        signal(i, SIG_DFL);
    signal(SIGUSR1, SIG_IGN);
    umask(067);
    for (int fd = 3; fd < MAX_FD; fd++)
      close(fd);
    char *argv[] = {(char *)self, "loadtime-child", (char *)bundle, (char *)state_root, NULL};
    char *envp[] = {"MR_LOADTIME=1", "PATH=/usr/bin:/bin", NULL};
    execve(self, argv, envp);
    _exit(127);
  }
  int st = -1;
  waitpid(pid, &st, 0);
  ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the re-executed host saw no load-time change");
}

static int loadtime_child(void)
{
  /* Nothing of the library ran yet but its (and its dependencies')
   * constructors: look at the process as main() finds it. */
  sigset_t mask;
  struct sigaction sa;
  int bad_disp = 0, fds = fd_count();
  long umask_now = proc_status("Umask", 8), threads = proc_status("Threads", 10);
  sigprocmask(SIG_SETMASK, NULL, &mask);
  for (int i = 1; i < NSIG; i++) {
    if (i == SIGKILL || i == SIGSTOP || sigaction(i, NULL, &sa) < 0)
      continue;
    if (sa.sa_handler != (i == SIGUSR1 ? SIG_IGN : SIG_DFL))
      bad_disp = i;
  }
  int masked = 0;
  for (int i = 1; i < NSIG; i++)
    if (sigismember(&mask, i) && i != SIGUSR2)
      masked = i;
  int envn = 0;
  for (char **e = environ; *e; e++)
    envn++;
  ok(fds == 3, "at main(): only fds 0-2 are open (%d open)", fds);
  ok(threads == 1, "at main(): one thread (%ld)", threads);
  ok(bad_disp == 0, "at main(): signal dispositions as inherited (first change: %d)", bad_disp);
  ok(masked == 0 && sigismember(&mask, SIGUSR2), "at main(): the signal mask as inherited");
  ok(umask_now == 067, "at main(): umask %03lo as inherited", umask_now);
  ok(envn == 2 && getenv("MR_LOADTIME") != NULL, "at main(): environment as inherited");
  ok(strcmp(mr_version(), "") != 0, "the library is loaded (version %s)", mr_version());
  printf("%s1..%d\n", tap_indent, n_tests);
  return n_failed ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* soak                                                                      */
/* ------------------------------------------------------------------------ */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void case_soak(int n)
{
  mr_context *ctx = NULL;
  mr_error *err = NULL;
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  mr_create_opts *opts = quiet_opts(devnull);
  int warmup = n / 10 < 50 ? n / 10 : 50, done = 0, fds_warm = 0;
  long rss_warm = 0;
  double t0 = 0;
  char first_error[256] = "";

  if (mr_context_new(state_root, &ctx, &err) < 0) {
    printf("Bail out! context: %s\n", emsg(err));
    exit(1);
  }
  mr_config *cfg = load_config(ctx);
  for (int i = 0; i < n; i++) {
    if (i == warmup) {
      fds_warm = fd_count();
      rss_warm = rss_bytes();
      t0 = now_s();
    }
    char id[32];
    int status = -1;
    snprintf(id, sizeof id, "soak-%d", i % 8);
    if (lifecycle(ctx, id, cfg, opts, &status, &err) == 0 && status == 0)
      done++;
    else if (first_error[0] == '\0')
      snprintf(first_error, sizeof first_error, "cycle %d: %s (status %d)", i, emsg(err), status);
    mr_error_free(err);
    err = NULL;
  }
  double secs = now_s() - t0;
  int fds_end = fd_count();
  long rss_end = rss_bytes();
  printf("# soak: %d cycles (%d after a warm-up of %d) in %.1f s, %.2f ms/cycle; fds %d -> %d; "
         "RSS %ld KiB -> %ld KiB (%+ld bytes)\n",
         n, n - warmup, warmup, secs, n > warmup ? secs * 1000.0 / (n - warmup) : 0.0, fds_warm,
         fds_end, rss_warm / 1024, rss_end / 1024, rss_end - rss_warm);
  ok(done == n, "%d of %d create/start/wait/delete cycles exited 0%s%s", done, n,
     first_error[0] ? "; first error: " : "", first_error);
  ok(fds_end == fds_warm, "open fds unchanged over the cycles (%d -> %d)", fds_warm, fds_end);
  if (getenv("MR_CONTRACT_NO_RSS")) /* under valgrind, whose own RSS grows */
    ok(true, "RSS growth not checked # SKIP MR_CONTRACT_NO_RSS");
  else
    ok(rss_end - rss_warm < RSS_BUDGET, "RSS growth %ld bytes < %d", rss_end - rss_warm,
       RSS_BUDGET);
  mr_config_free(cfg);
  mr_context_free(ctx);
  mr_create_opts_free(opts);
  close(devnull);
  ok(no_child_left(), "no child is left");
}

/* ------------------------------------------------------------------------ */
/* hostreaps                                                                 */
/* ------------------------------------------------------------------------ */

/* Runs the bundle once while the host takes the init's status away. */
static void reaped_behind_our_back(mr_context *ctx, const mr_config *cfg,
                                   const mr_create_opts *opts, const char *id, const char *how,
                                   bool ignore_sigchld)
{
  mr_container *c = NULL;
  mr_error *err = NULL;
  int status = -1;
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  if (ignore_sigchld)
    sigaction(SIGCHLD, &ign, &old);
  int r = mr_container_run(ctx, id, cfg, opts, &c, &err);
  if (!ok(r == 0, "%s: run %s (%s)", how, id, r ? emsg(err) : "ok"))
    goto out;
  /* Wait until the init is gone without reaping it ourselves. */
  for (int i = 0; i < 500 && kill(mr_container_pid(c), 0) == 0; i++) {
    if (!ignore_sigchld)
      waitpid(-1, NULL, WNOHANG); /* the host's reap-everything loop */
    usleep(10000);
  }
  r = mr_container_wait(c, 0, &status, &err);
  ok(r == -ECHILD, "%s: mr_container_wait fails with -ECHILD (%d: %s)", how, r, emsg(err));
  mr_error_free(err);
  err = NULL;
  r = mr_container_delete(ctx, id, 0, &err);
  ok(r == 0, "%s: the container can still be deleted (%s)", how, r ? emsg(err) : "ok");
out:
  if (ignore_sigchld)
    sigaction(SIGCHLD, &old, NULL);
  mr_error_free(err);
  mr_container_free(c);
}

static void case_hostreaps(void)
{
  mr_context *ctx = NULL;
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  mr_create_opts *opts = quiet_opts(devnull);
  if (mr_context_new(state_root, &ctx, NULL) < 0) {
    printf("Bail out! context\n");
    exit(1);
  }
  mr_config *cfg = load_config(ctx);
  reaped_behind_our_back(ctx, cfg, opts, "reap-1", "waitpid(-1) in the host", false);
  reaped_behind_our_back(ctx, cfg, opts, "reap-2", "SIGCHLD set to SIG_IGN", true);
  mr_config_free(cfg);
  mr_context_free(ctx);
  mr_create_opts_free(opts);
  close(devnull);
  ok(no_child_left(), "no child is left");
}

int main(int argc, char **argv)
{
  static char bundle_buf[PATH_MAX];
  if (argc >= 2 && strcmp(argv[1], "loadtime-child") == 0) {
    tap_indent = "    ";
    return loadtime_child();
  }
  if (argc < 4) {
    fprintf(stderr, "usage: test-contract CASE BUNDLE STATE_ROOT [N]\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!realpath(argv[2], bundle_buf)) {
    printf("Bail out! bundle %s: %s\n", argv[2], strerror(errno));
    return 1;
  }
  bundle = bundle_buf;
  state_root = argv[3];
  mkdir(state_root, 0700);
  int n = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 0;
  const char *c = argv[1];

  if (strcmp(c, "sideeffects") == 0) {
    const char *bad = getenv("MR_TEST_BAD_BUNDLE");
    if (!bad) {
      printf(
          "Bail out! sideeffects needs MR_TEST_BAD_BUNDLE (a bundle whose program is missing)\n");
      return 1;
    }
    case_sideeffects(bad);
  } else if (strcmp(c, "threads") == 0) {
    case_threads(n > 0 ? n : 25);
  } else if (strcmp(c, "smallstack") == 0) {
    case_smallstack();
  } else if (strcmp(c, "loadtime") == 0) {
    case_loadtime();
  } else if (strcmp(c, "hostreaps") == 0) {
    case_hostreaps();
  } else if (strcmp(c, "soak") == 0) {
    case_soak(n > 0 ? n : 300);
  } else {
    printf("Bail out! unknown case %s\n", c);
    return 2;
  }
  printf("1..%d\n", n_tests);
  return n_failed ? 1 : 0;
}
