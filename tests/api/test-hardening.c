/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hardening.c - hosts that stress the create path through the public API.
 *
 *   test-hardening CASE BUNDLE STATE_ROOT
 *
 * BUNDLE's process is short (e.g. `true`). Each CASE prints TAP lines and
 * exits non-zero when one failed; tests/integration/test-hardening.sh runs
 * them against real containers.
 *
 *   fds       a waiting init holds only its own fds, not the host's
 *   threads   two threads create containers; one stays created while the
 *             other is deleted: delete must not block
 *   sigstorm  a host with a SIGUSR1 handler and a storm of SIGUSR1 to its
 *             process group during create: the handler never runs in a child
 *   sigpipe   SIGPIPE at its default; the init dies before `run` opens its
 *             start gate: run fails cleanly and the host lives
 *   timeout   a 1 ms create timeout: -ETIMEDOUT, nothing left
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "minirun.h"

#include "../tap.h"

static const char *bundle, *state_root;
static mr_context *ctx;
static mr_config *cfg;

static const char *emsg(mr_error *err)
{
  return err ? mr_error_message(err) : "(no error object)";
}

static bool state_dir_exists(const char *id)
{
  char p[PATH_MAX];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", state_root, id);
  return stat(p, &st) == 0;
}

static bool no_child_left(void)
{
  errno = 0;
  return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

/* ------------------------------------------------------------------------ */

static void case_fds(void)
{
  char marker[PATH_MAX];
  snprintf(marker, sizeof marker, "%s/host-marker", state_root);
  mkdir(state_root, 0700);
  int plain = open(marker, O_RDWR | O_CREAT, 0600); /* not close-on-exec */
  int cloexec = open(marker, O_RDONLY | O_CLOEXEC);
  ok(plain >= 0 && cloexec >= 0, "host fds %d and %d open on %s", plain, cloexec, marker);
  mr_container *c = NULL;
  mr_error *err = NULL;
  int r = mr_container_create(ctx, "hard-fds", cfg, NULL, &c, &err);
  if (!ok(r == 0, "create hard-fds (%s)", r ? emsg(err) : "ok"))
    return;
  pid_t pid = mr_container_pid(c);
  char dir[64], link[PATH_MAX], target[PATH_MAX];
  snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
  DIR *d = opendir(dir);
  int n = 0, foreign = 0;
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    n++;
    snprintf(link, sizeof link, "%s/%s", dir, de->d_name);
    ssize_t len = readlink(link, target, sizeof target - 1);
    target[len > 0 ? len : 0] = '\0';
    int fd = atoi(de->d_name);
    bool own = fd <= 2 || strncmp(target, "socket:", 7) == 0 ||
               (strstr(target, "/exec.fifo") != NULL && strstr(target, "hard-fds") != NULL);
    if (!own) {
      printf("# the waiting init holds fd %d -> %s\n", fd, target);
      foreign++;
    }
  }
  if (d)
    closedir(d);
  ok(n > 0, "listed %s (%d entries)", dir, n);
  ok(foreign == 0,
     "the waiting init holds only 0-2, its sync socket and its exec fifo (%d other fds)", foreign);
  ok(n <= 5, "the waiting init holds at most 5 fds (%d)", n);
  mr_container_free(c);
  r = mr_container_delete(ctx, "hard-fds", 1, &err);
  ok(r == 0, "delete hard-fds (%s)", r ? emsg(err) : "ok");
  close(plain);
  close(cloexec);
  unlink(marker);
}

/* ------------------------------------------------------------------------ */

struct creator {
  const char *prefix;
  int round;
  int result;
  pthread_barrier_t *barrier;
};

static void *create_thread(void *arg)
{
  struct creator *cr = arg;
  char id[64];
  snprintf(id, sizeof id, "%s-%d", cr->prefix, cr->round);
  mr_context *my_ctx = NULL;
  mr_context_new(state_root, &my_ctx, NULL);
  pthread_barrier_wait(cr->barrier);
  cr->result = mr_container_create(my_ctx, id, cfg, NULL, NULL, NULL);
  mr_context_free(my_ctx);
  return NULL;
}

struct deleter {
  char id[64];
  atomic_int done;
  int result;
};

static void *delete_thread(void *arg)
{
  struct deleter *dl = arg;
  mr_context *my_ctx = NULL;
  mr_context_new(state_root, &my_ctx, NULL);
  dl->result = mr_container_delete(my_ctx, dl->id, 1, NULL);
  mr_context_free(my_ctx);
  atomic_store(&dl->done, 1);
  return NULL;
}

/* Deletes `id` from another thread; false when that takes over 10 s. */
static bool delete_within(const char *id, int *result)
{
  static struct deleter dl;
  memset(&dl, 0, sizeof dl);
  snprintf(dl.id, sizeof dl.id, "%s", id);
  pthread_t th;
  pthread_create(&th, NULL, delete_thread, &dl);
  for (int i = 0; i < 1000 && !atomic_load(&dl.done); i++)
    usleep(10000);
  if (!atomic_load(&dl.done)) {
    pthread_detach(th);
    return false;
  }
  pthread_join(th, NULL);
  *result = dl.result;
  return true;
}

static void case_threads(void)
{
  int created = 0, blocked = 0, failed_delete = 0;
  for (int round = 0; round < 12 && blocked == 0; round++) {
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    struct creator a = {"thr-a", round, -1, &barrier}, b = {"thr-b", round, -1, &barrier};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, create_thread, &a);
    pthread_create(&tb, NULL, create_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&barrier);
    if (a.result == 0 && b.result == 0)
      created++;
    char ida[64], idb[64];
    snprintf(ida, sizeof ida, "thr-a-%d", round);
    snprintf(idb, sizeof idb, "thr-b-%d", round);
    int r = 0;
    /* thr-b stays created (its init waits) while thr-a is deleted. */
    if (!delete_within(ida, &r)) {
      blocked++;
      printf("# delete %s blocked while %s was waiting\n", ida, idb);
    } else if (r != 0) {
      failed_delete++;
    }
    int r2 = 0;
    if (!delete_within(idb, &r2) || r2 != 0)
      failed_delete++;
    if (blocked) {
      /* Let the blocked delete finish: the init holding the lock is gone. */
      for (int i = 0; i < 500 && state_dir_exists(ida); i++)
        usleep(10000);
    }
  }
  ok(created == 12, "12 pairs of containers created concurrently (%d)", created);
  ok(blocked == 0, "no delete blocked on another container's waiting init");
  ok(failed_delete == 0, "every delete succeeded (%d failed)", failed_delete);
}

/* ------------------------------------------------------------------------ */

static pid_t host_pid;
static int marker_fd = -1;
static atomic_int storm_stop;
static atomic_int host_handled;

static void on_usr1(int sig)
{
  (void)sig;
  int e = errno;
  if (getpid() != host_pid) {
    /* Host code running in a container's init: the defect. */
    char msg[64];
    int n = snprintf(msg, sizeof msg, "handler ran in pid %d\n", (int)getpid());
    if (write(marker_fd, msg, (size_t)n) < 0) {
      /* nothing to do */
    }
  } else {
    atomic_fetch_add(&host_handled, 1);
  }
  errno = e;
}

static void *storm_thread(void *arg)
{
  (void)arg;
  while (!atomic_load(&storm_stop)) {
    kill(0, SIGUSR1); /* our process group: the host and what is still in it */
    usleep(50);
  }
  return NULL;
}

static void case_sigstorm(void)
{
  char marker[PATH_MAX];
  snprintf(marker, sizeof marker, "%s.sigstorm-marker", state_root);
  marker_fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  host_pid = getpid();
  /* Our own process group, so the storm reaches nobody but us and the
   * children still in it. */
  setpgid(0, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t th;
  pthread_create(&th, NULL, storm_thread, NULL);
  int ran = 0;
  for (int i = 0; i < 30; i++) {
    char id[32];
    mr_container *c = NULL;
    mr_error *err = NULL;
    int status = -1;
    snprintf(id, sizeof id, "storm-%d", i);
    int r = mr_container_run(ctx, id, cfg, NULL, &c, &err);
    if (r == 0 && mr_container_wait(c, 0, &status, NULL) == 0 && status == 0)
      ran++;
    else
      printf("# %s: run %d (%s), exit status %d\n", id, r, r ? emsg(err) : "ok", status);
    mr_error_free(err);
    mr_container_free(c);
    mr_container_delete(ctx, id, 1, NULL);
  }
  atomic_store(&storm_stop, 1);
  pthread_join(th, NULL);
  signal(SIGUSR1, SIG_IGN);
  struct stat st;
  fstat(marker_fd, &st);
  ok(atomic_load(&host_handled) > 0, "the storm reached the host (%d signals handled)",
     atomic_load(&host_handled));
  ok(st.st_size == 0, "the host's SIGUSR1 handler never ran in a child (marker: %lld bytes)",
     (long long)st.st_size);
  ok(ran == 30, "30 containers ran to exit status 0 during the storm (%d)", ran);
  close(marker_fd);
  unlink(marker);
}

/* ------------------------------------------------------------------------ */

/* The log callback kills the init once the library says it is about to
 * start it, and waits until it is a zombie: the gate's reader is gone. */
static void kill_at_start(void *userdata, enum mr_log_level level, const char *message)
{
  (void)level;
  int *killed = userdata;
  const char *p = strstr(message, ": init ");
  if (p == NULL || strstr(message, "starting it") == NULL)
    return;
  pid_t pid = (pid_t)atoi(p + 7);
  if (pid <= 0 || kill(pid, SIGKILL) < 0)
    return;
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  for (int i = 0; i < 500; i++) {
    FILE *f = fopen(path, "r");
    char state = '?';
    if (f != NULL) {
      if (fgets(buf, sizeof buf, f) != NULL && strrchr(buf, ')') != NULL)
        state = strrchr(buf, ')')[2];
      fclose(f);
    }
    if (state == 'Z' || state == 'X' || f == NULL)
      break;
    usleep(2000);
  }
  *killed = 1;
}

static void case_sigpipe(void)
{
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int killed = 0;
  mr_context_set_log(ctx, kill_at_start, &killed, MR_LOG_DEBUG);
  mr_container *c = NULL;
  mr_error *err = NULL;
  int r = mr_container_run(ctx, "pipe", cfg, NULL, &c, &err);
  mr_context_set_log(ctx, NULL, NULL, MR_LOG_ERROR);
  ok(killed == 1, "the init was killed just before its start");
  ok(r < 0, "run of a container whose init died before the start fails (%d: %s)", r,
     r ? emsg(err) : "succeeded");
  ok(true, "the host survived the write into the dead gate (SIGPIPE at its default)");
  ok(!state_dir_exists("pipe"), "no state dir left");
  ok(no_child_left(), "no child left");
  mr_error_free(err);
  mr_container_free(c);
}

/* ------------------------------------------------------------------------ */

static void case_timeout(void)
{
#ifndef MR_DEFAULT_TIMEOUT_MS /* a library from before the timeout: fail */
  ok(false, "mr_context_set_timeout exists");
#else
  mr_context_set_timeout(ctx, 1);
  mr_error *err = NULL;
  int r = mr_container_create(ctx, "slow", cfg, NULL, NULL, &err);
  ok(r == -ETIMEDOUT, "create with a 1 ms timeout fails with -ETIMEDOUT (%d: %s)", r, emsg(err));
  ok(err != NULL && strstr(mr_error_message(err), "within 1 ms") != NULL,
     "the error says what timed out (%s)", emsg(err));
  ok(!state_dir_exists("slow"), "no state dir left");
  ok(no_child_left(), "the init was killed and reaped");
  mr_error_free(err);
  mr_context_set_timeout(ctx, 0);
  err = NULL;
  r = mr_container_create(ctx, "slow", cfg, NULL, NULL, &err);
  ok(r == 0, "create without a timeout works (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  mr_container_delete(ctx, "slow", 1, NULL);
#endif
}

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: test-hardening CASE BUNDLE STATE_ROOT\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  bundle = argv[2];
  state_root = argv[3];
  mr_error *err = NULL;
  if (mr_context_new(state_root, &ctx, &err) < 0 ||
      mr_config_load_bundle(ctx, bundle, &cfg, &err) < 0) {
    printf("Bail out! %s\n", emsg(err));
    return 1;
  }
  const char *c = argv[1];
  if (strcmp(c, "fds") == 0)
    case_fds();
  else if (strcmp(c, "threads") == 0)
    case_threads();
  else if (strcmp(c, "sigstorm") == 0)
    case_sigstorm();
  else if (strcmp(c, "sigpipe") == 0)
    case_sigpipe();
  else if (strcmp(c, "timeout") == 0)
    case_timeout();
  else {
    printf("Bail out! unknown case %s\n", c);
    return 2;
  }
  mr_config_free(cfg);
  mr_context_free(ctx);
  return tap_done();
}
