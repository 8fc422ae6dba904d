/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-api.c - the public API of libminirun, exercised with real containers.
 *
 * Uses nothing but include/minirun.h. Output is TAP.
 *
 *   test-api BUNDLE            (or MR_TEST_BUNDLE=BUNDLE test-api)
 *
 * BUNDLE is made by tests/integration/lib.sh: a busybox rootfs whose
 * process.args are ["sh", "-c", ". /hostdir/cmd.sh"] and a bind mount of a
 * host directory on /hostdir. That host directory is $MR_TEST_HOSTDIR (default
 * BUNDLE/../hostdir); this program writes cmd.sh there before each container,
 * so one bundle runs many different commands. The containers' state lives in
 * $MR_TEST_STATE (default: a fresh temp dir).
 *
 * Besides what each call does, the program checks the library's manners: no
 * fd leaked (and every fd it holds is close-on-exec), no child left, no child
 * of the caller reaped, umask, signal mask, signal dispositions and cwd
 * unchanged, nothing written to stdout/stderr.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "minirun.h"

#include "../tap.h"

#define MAX_FD 1024

static const char *bundle;  /* absolute */
static const char *hostdir; /* absolute */
static const char *state_root;
static char tmpdir[PATH_MAX]; /* scratch files of this program */
static mr_context *ctx;
static int devnull = -1;

/* ------------------------------------------------------------------------ */
/* TAP                                                                       */
/* ------------------------------------------------------------------------ */

/* The message of err (or "(no error object)"), for diagnostics. */
static const char *emsg(const mr_error *err)
{
  return err ? mr_error_message(err) : "(no error object)";
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static char *read_file(const char *path)
{
  FILE *f = fopen(path, "re");
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  if (!f)
    return NULL;
  for (;;) {
    if (cap - len < 4096) {
      cap = cap ? cap * 2 : 8192;
      buf = realloc(buf, cap + 1);
      if (!buf)
        bail("out of memory");
    }
    n = fread(buf + len, 1, cap - len, f);
    if (n == 0)
      break;
    len += n;
  }
  fclose(f);
  buf[len] = '\0';
  return buf;
}

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "we");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0)
    bail("cannot write %s: %s", path, strerror(errno));
}

static char *path_in(const char *dir, const char *name)
{
  char *p;
  if (asprintf(&p, "%s/%s", dir, name) < 0)
    bail("out of memory");
  return p;
}

/* The command the next container runs (sourced by sh from /hostdir/cmd.sh). */
static void set_cmd(const char *script)
{
  char *p = path_in(hostdir, "cmd.sh");
  write_file(p, script);
  free(p);
}

static char *host_file(const char *name)
{
  char *p = path_in(hostdir, name);
  char *s = read_file(p);
  free(p);
  return s;
}

static void host_unlink(const char *name)
{
  char *p = path_in(hostdir, name);
  unlink(p);
  free(p);
}

static bool wait_host_file(const char *name, int timeout_ms)
{
  char *p = path_in(hostdir, name);
  bool found = false;
  for (int i = 0; i < timeout_ms / 10; i++) {
    if (access(p, F_OK) == 0) {
      found = true;
      break;
    }
    usleep(10000);
  }
  free(p);
  return found;
}

static bool exists(const char *path)
{
  struct stat st;
  return lstat(path, &st) == 0;
}

static bool state_dir_exists(const char *id)
{
  char *p = path_in(state_root, id);
  bool r = exists(p);
  free(p);
  return r;
}

/* Which fds are open. */
static void fd_snapshot(bool open_fds[MAX_FD])
{
  for (int fd = 0; fd < MAX_FD; fd++)
    open_fds[fd] = fcntl(fd, F_GETFD) >= 0;
}

static int fd_count(void)
{
  int n = 0;
  for (int fd = 0; fd < MAX_FD; fd++)
    n += fcntl(fd, F_GETFD) >= 0;
  return n;
}

/* Every fd open now but not in `before` must be close-on-exec; returns the
 * first offender or -1. */
static int new_fd_without_cloexec(const bool before[MAX_FD])
{
  for (int fd = 0; fd < MAX_FD; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !before[fd] && !(flags & FD_CLOEXEC))
      return fd;
  }
  return -1;
}

static int open_out(const char *name)
{
  char *p = path_in(tmpdir, name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    bail("open %s: %s", p, strerror(errno));
  free(p);
  return fd;
}

static char *tmp_file(const char *name)
{
  char *p = path_in(tmpdir, name);
  char *s = read_file(p);
  free(p);
  return s;
}

/* Options sending the container's stdout+stderr to tmpdir/NAME. The caller
 * keeps ownership of the fd (the library duplicates it at create time): it
 * stays open until opts_done(). */
static struct {
  mr_create_opts *opts;
  int fd;
} outputs[16];

static mr_create_opts *opts_with_output(const char *name)
{
  mr_create_opts *opts = NULL;
  mr_error *err = NULL;
  int out;
  size_t i;
  if (mr_create_opts_new(&opts, &err) < 0 || !opts)
    bail("mr_create_opts_new: %s", emsg(err));
  out = open_out(name);
  mr_create_opts_set_stdio(opts, devnull, out, out);
  for (i = 0; i < sizeof outputs / sizeof *outputs && outputs[i].opts; i++)
    ;
  if (i == sizeof outputs / sizeof *outputs)
    bail("too many create options alive");
  outputs[i].opts = opts;
  outputs[i].fd = out;
  return opts;
}

static void opts_done(mr_create_opts *opts)
{
  for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++) {
    if (outputs[i].opts == opts) {
      close(outputs[i].fd);
      outputs[i].opts = NULL;
    }
  }
  mr_create_opts_free(opts);
}

static mr_config *load_bundle_config(void)
{
  mr_config *cfg = NULL;
  mr_error *err = NULL;
  if (mr_config_load_bundle(ctx, bundle, &cfg, &err) < 0 || !cfg)
    bail("mr_config_load_bundle(%s): %s", bundle, emsg(err));
  return cfg;
}

static pid_t canary; /* our own child, exited, that nobody but us may reap */
static bool state_root_preexisted;

/* Number of our child processes (alive or zombie) other than the canary. */
static int count_children(void)
{
  DIR *d = opendir("/proc");
  struct dirent *de;
  int n = 0;
  if (!d)
    bail("opendir /proc: %s", strerror(errno));
  while ((de = readdir(d))) {
    char path[64], *text, *p;
    pid_t pid = (pid_t)atoi(de->d_name);
    if (pid <= 0 || pid == canary)
      continue;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    text = read_file(path);
    if (!text)
      continue;
    p = strrchr(text, ')'); /* "pid (comm) S ppid ..." */
    if (p) {
      char state;
      int ppid;
      if (sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid())
        n++;
    }
    free(text);
  }
  closedir(d);
  return n;
}

/* ------------------------------------------------------------------------ */
/* Log sink                                                                  */
/* ------------------------------------------------------------------------ */

struct log_counts {
  int magic;
  int by_level[4];
  int above_level; /* messages more verbose than the level asked for */
  int bad;         /* NULL/empty messages, unknown levels, wrong userdata */
  enum mr_log_level level;
};

#define LOG_MAGIC 0x6d726c67

static void log_cb(void *userdata, enum mr_log_level level, const char *message)
{
  struct log_counts *c = userdata;
  if (!c || c->magic != LOG_MAGIC)
    abort(); /* wrong userdata: nothing sane to count into */
  if ((int)level < MR_LOG_ERROR || level > MR_LOG_DEBUG || !message || !*message) {
    c->bad++;
    return;
  }
  c->by_level[level]++;
  if (level > c->level)
    c->above_level++;
}

static int log_total(const struct log_counts *c)
{
  return c->by_level[0] + c->by_level[1] + c->by_level[2] + c->by_level[3];
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */
/* ------------------------------------------------------------------------ */

static void test_version(void)
{
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", MR_VERSION_MAJOR, MR_VERSION_MINOR, MR_VERSION_PATCH);
  ok(mr_version() && strcmp(mr_version(), want) == 0, "mr_version() is \"%s\" (got \"%s\")", want,
     mr_version() ? mr_version() : "(null)");
}

static void test_context(void)
{
  mr_context *c = NULL;
  mr_error *err = NULL;
  char *root = path_in(tmpdir, "ctx-root");
  int r = mr_context_new(root, &c, &err);
  ok(r == 0 && c, "mr_context_new with a temp state root (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  if (c) {
    ok(mr_context_state_root(c) && strcmp(mr_context_state_root(c), root) == 0,
       "mr_context_state_root returns the root given");
    mr_context_set_cgroup_mode(c, MR_CGROUP_NONE);
    ok(mr_context_cgroup_mode(c) == MR_CGROUP_NONE, "mr_context_set_cgroup_mode(NONE) sticks");
    mr_context_set_cgroup_mode(c, MR_CGROUP_V2);
    ok(mr_context_cgroup_mode(c) == MR_CGROUP_V2, "mr_context_set_cgroup_mode(V2) sticks");
  }
  mr_context_free(c);
  free(root);
  /* *_free(NULL) are no-ops. */
  mr_context_free(NULL);
  mr_config_free(NULL);
  mr_create_opts_free(NULL);
  mr_container_free(NULL);
  mr_state_free(NULL);
  mr_error_free(NULL);
  ok(true, "*_free(NULL) are no-ops");
}

static void test_id_validate(void)
{
  static const char *good[] = {"a", "abc", "a.b-c_d", "A1", "a.", "a..b"};
  static const char *bad[] = {"",
                              "a/b",
                              "/",
                              ".",
                              "..",
                              "..a",
                              ".seccomp-cache",
                              "a\x01"
                              "b",
                              "a\nb",
                              "a\x7f"
                              "b"};
  char long_ok[1025], long_bad[1026];
  mr_error *err = NULL;
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    ok(mr_id_validate(good[i], NULL) == 0, "mr_id_validate accepts \"%s\"", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int r = mr_id_validate(bad[i], &err);
    ok(r < 0 && err && strstr(mr_error_message(err), "invalid container id"),
       "mr_id_validate rejects bad id #%zu with \"invalid container id\" (r=%d, %s)", i, r,
       emsg(err));
    ok(!err || mr_error_code(err) == r, "error code of bad id #%zu matches the return value", i);
    mr_error_free(err);
    err = NULL;
  }
  memset(long_ok, 'a', 1024);
  long_ok[1024] = '\0';
  memset(long_bad, 'a', 1025);
  long_bad[1025] = '\0';
  ok(mr_id_validate(long_ok, NULL) == 0, "mr_id_validate accepts 1024 bytes");
  ok(mr_id_validate(long_bad, NULL) < 0, "mr_id_validate rejects 1025 bytes");
}

static void test_signal_parse(void)
{
  static const struct {
    const char *name;
    int sig;
  } good[] = {{"TERM", SIGTERM},    {"SIGTERM", SIGTERM}, {"sigterm", SIGTERM}, {"15", SIGTERM},
              {"KILL", SIGKILL},    {"9", SIGKILL},       {"SIGUSR1", SIGUSR1}, {"hup", SIGHUP},
              {"SIGCHLD", SIGCHLD}, {"WINCH", SIGWINCH}};
  static const char *bad[] = {"", "BOGUS", "SIGBOGUS", "-1", "abc15", "15abc", "100000"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    int sig = -1;
    int r = mr_signal_parse(good[i].name, &sig, NULL);
    ok(r == 0 && sig == good[i].sig, "mr_signal_parse(\"%s\") = %d (got r=%d sig=%d)", good[i].name,
       good[i].sig, r, sig);
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int sig = -1;
    mr_error *err = NULL;
    int r = mr_signal_parse(bad[i], &sig, &err);
    ok(r < 0 && err && *mr_error_message(err), "mr_signal_parse(\"%s\") fails with a message (%s)",
       bad[i], emsg(err));
    mr_error_free(err);
  }
}

static void test_status_names(void)
{
  ok(strcmp(mr_status_name(MR_STATUS_CREATED), "created") == 0, "status name created");
  ok(strcmp(mr_status_name(MR_STATUS_RUNNING), "running") == 0, "status name running");
  ok(strcmp(mr_status_name(MR_STATUS_STOPPED), "stopped") == 0, "status name stopped");
  ok(strcmp(mr_status_name(MR_STATUS_PAUSED), "paused") == 0, "status name paused");
  ok(strcmp(mr_status_name(MR_STATUS_CREATING), "creating") == 0, "status name creating");
}

static void test_config(void)
{
  mr_config *cfg = NULL;
  mr_error *err = NULL;
  char *json, *path, *badbundle;
  int r;

  r = mr_config_load_bundle(ctx, bundle, &cfg, &err);
  ok(r == 0 && cfg, "mr_config_load_bundle of the test bundle (%s)", r ? emsg(err) : "ok");
  mr_config_free(cfg);
  mr_error_free(err);
  cfg = NULL;
  err = NULL;

  r = mr_config_load_bundle(ctx, "/nonexistent-bundle-dir", &cfg, &err);
  ok(r < 0 && !cfg && err, "mr_config_load_bundle of a missing bundle fails (r=%d)", r);
  ok(err && mr_error_errno(err) == ENOENT, "... with errno ENOENT (%d)",
     err ? mr_error_errno(err) : -1);
  ok(err && strstr(mr_error_message(err), "/nonexistent-bundle-dir"),
     "... and a message naming the path (%s)", emsg(err));
  mr_error_free(err);
  err = NULL;

  path = path_in(bundle, "config.json");
  json = read_file(path);
  if (!json)
    bail("cannot read %s", path);
  r = mr_config_load_json(ctx, json, strlen(json), bundle, &cfg, &err);
  ok(r == 0 && cfg, "mr_config_load_json of config.json's text (%s)", r ? emsg(err) : "ok");
  mr_config_free(cfg);
  mr_error_free(err);
  cfg = NULL;
  err = NULL;
  /* Only `len` bytes count: trailing garbage past len is ignored. */
  {
    size_t n = strlen(json);
    char *garbage = malloc(n + 16);
    memcpy(garbage, json, n);
    memcpy(garbage + n, "}}}garbage", 11);
    r = mr_config_load_json(ctx, garbage, n, bundle, &cfg, &err);
    ok(r == 0 && cfg, "mr_config_load_json honours len (%s)", r ? emsg(err) : "ok");
    mr_config_free(cfg);
    mr_error_free(err);
    cfg = NULL;
    err = NULL;
    free(garbage);
  }

  r = mr_config_load_json(ctx, "{\"ociVersion\": ", 15, bundle, &cfg, &err);
  ok(r < 0 && !cfg && err, "malformed JSON in memory fails (r=%d)", r);
  ok(err && mr_error_errno(err) == 0, "... with errno 0 (%d)", err ? mr_error_errno(err) : -1);
  ok(err && mr_error_code(err) == r, "... and error code == return value");
  ok(err && strstr(mr_error_message(err), "config.json"),
     "... and a message naming config.json (%s)", emsg(err));
  mr_error_free(err);
  err = NULL;

  {
    const char *wrong =
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": \"sh\", \"cwd\": \"/\"},"
        " \"root\": {\"path\": \"rootfs\"}}";
    r = mr_config_load_json(ctx, wrong, strlen(wrong), bundle, &cfg, &err);
    ok(r < 0 && err &&
           strstr(mr_error_message(err), "config.json: process.args: expected array of strings"),
       "process.args of the wrong type: \"config.json: process.args: expected array of strings\" "
       "(%s)",
       emsg(err));
    ok(err && mr_error_errno(err) == 0, "... with errno 0");
    mr_error_free(err);
    err = NULL;
  }

  /* A bundle with a malformed config.json. */
  badbundle = path_in(tmpdir, "badbundle");
  mkdir(badbundle, 0755);
  {
    char *p = path_in(badbundle, "config.json");
    write_file(p, "{ this is not json");
    free(p);
  }
  r = mr_config_load_bundle(ctx, badbundle, &cfg, &err);
  ok(r < 0 && err && strstr(mr_error_message(err), "config.json"),
     "mr_config_load_bundle with malformed JSON names config.json (%s)", emsg(err));
  ok(err && mr_error_errno(err) == 0, "... with errno 0 (%d)", err ? mr_error_errno(err) : -1);
  mr_error_free(err);
  err = NULL;
  free(badbundle);

  /* The default spec parses. */
  {
    char *def = NULL;
    r = mr_config_default_json(0, &def, &err);
    ok(r == 0 && def && strstr(def, "ociVersion"), "mr_config_default_json(0) (%s)",
       r ? emsg(err) : "ok");
    mr_error_free(err);
    err = NULL;
    if (def) {
      r = mr_config_load_json(ctx, def, strlen(def), bundle, &cfg, &err);
      ok(r == 0, "the default config.json loads (%s)", r ? emsg(err) : "ok");
      mr_config_free(cfg);
      mr_error_free(err);
      cfg = NULL;
      err = NULL;
    }
    free(def);
    def = NULL;
    r = mr_config_default_json(1, &def, &err);
    ok(r == 0 && def && strstr(def, "uidMappings") && strstr(def, "\"user\""),
       "mr_config_default_json(1) has a user namespace and uidMappings");
    mr_error_free(err);
    err = NULL;
    free(def);
  }

  free(json);
  free(path);
}

/* create + start + wait of `sh -c 'exit 3'`, with state checks on the way. */
static void test_create_start_wait(void)
{
  mr_config *cfg = load_bundle_config();
  mr_create_opts *opts = opts_with_output("c1.out");
  mr_container *c = NULL;
  mr_state *st = NULL;
  mr_error *err = NULL;
  char *pidfile = path_in(tmpdir, "c1.pid");
  char *s, *json = NULL, real_bundle[PATH_MAX];
  bool before[MAX_FD];
  pid_t pid;
  int r, status = -1, cloexec_offender;
  struct stat sb;

  if (!realpath(bundle, real_bundle))
    bail("realpath %s", bundle);
  host_unlink("out");
  set_cmd("echo $$ > /hostdir/out; echo to-stdout; exit 3\n");
  ok(mr_create_opts_set_pid_file(opts, pidfile, &err) == 0, "mr_create_opts_set_pid_file");
  mr_error_free(err);
  err = NULL;

  fd_snapshot(before);
  r = mr_container_create(ctx, "api-c1", cfg, opts, &c, &err);
  if (!ok(r == 0 && c, "mr_container_create api-c1 (%s)", r ? emsg(err) : "ok")) {
    mr_error_free(err);
    mr_config_free(cfg);
    opts_done(opts);
    free(pidfile);
    return;
  }
  pid = mr_container_pid(c);
  ok(pid > 0, "mr_container_pid > 0 (%d)", (int)pid);
  ok(strcmp(mr_container_id(c), "api-c1") == 0, "mr_container_id");
  if (state_root_preexisted)
    skip("the state root existed before", "the state root was created with mode 0700");
  else
    ok(stat(state_root, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0700,
       "the state root was created with mode 0700 (%o)", (unsigned)(sb.st_mode & 07777));
  cloexec_offender = new_fd_without_cloexec(before);
  ok(cloexec_offender < 0, "every fd the library holds is close-on-exec (offender: %d)",
     cloexec_offender);
  s = read_file(pidfile);
  ok(s && atoi(s) == pid, "the pid file holds the init pid (%s)", s ? s : "(none)");
  free(s);
  s = host_file("out");
  ok(s == NULL, "the process has not run before start");
  free(s);
  if (mr_container_pollfd(c) >= 0) {
    struct pollfd pfd = {.fd = mr_container_pollfd(c), .events = POLLIN};
    ok(poll(&pfd, 1, 0) == 0, "the pollfd is not readable while the container is created");
  }
  r = mr_container_wait(c, 1, &status, &err);
  ok(r == -EAGAIN, "mr_container_wait(nohang) on a created container returns -EAGAIN (%d)", r);
  mr_error_free(err);
  err = NULL;

  r = mr_state_get(ctx, "api-c1", &st, &err);
  ok(r == 0 && st, "mr_state_get of a created container (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  if (st) {
    ok(strcmp(mr_state_id(st), "api-c1") == 0, "state id");
    ok(mr_state_status(st) == MR_STATUS_CREATED, "state status is created (%s)",
       mr_status_name(mr_state_status(st)));
    ok(mr_state_pid(st) == pid, "state pid == container pid (%d)", (int)mr_state_pid(st));
    ok(mr_state_bundle(st) && strcmp(mr_state_bundle(st), real_bundle) == 0,
       "state bundle is the absolute bundle path (%s)", mr_state_bundle(st));
    ok(mr_state_created(st) && strlen(mr_state_created(st)) >= 20 &&
           mr_state_created(st)[strlen(mr_state_created(st)) - 1] == 'Z' &&
           strchr(mr_state_created(st), 'T'),
       "state created is RFC 3339 UTC (%s)", mr_state_created(st));
    ok(mr_state_owner(st) == getuid(), "state owner is the caller's uid");
    r = mr_state_to_json(st, &json, &err);
    ok(r == 0 && json, "mr_state_to_json");
    ok(json && strstr(json, "\"ociVersion\"") && strstr(json, "\"id\"") &&
           strstr(json, "\"api-c1\"") && strstr(json, "\"status\"") &&
           strstr(json, "\"created\"") && strstr(json, "\"pid\"") && strstr(json, "\"bundle\"") &&
           strstr(json, real_bundle),
       "state JSON has ociVersion, id, status, pid, bundle (%s)", json ? json : "(null)");
    free(json);
    json = NULL;
    mr_error_free(err);
    err = NULL;
    mr_state_free(st);
    st = NULL;
  }

  r = mr_container_start(ctx, "api-c1", &err);
  ok(r == 0, "mr_container_start (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  r = mr_container_start(ctx, "api-c1", &err);
  ok(r < 0 && err && strstr(mr_error_message(err), "not in created state"),
     "a second mr_container_start fails with \"not in created state\" (%s)", emsg(err));
  mr_error_free(err);
  err = NULL;

  r = mr_container_wait(c, 0, &status, &err);
  ok(r == 0 && status == 3, "mr_container_wait returns exit status 3 (r=%d, status=%d)", r, status);
  mr_error_free(err);
  err = NULL;
  s = host_file("out");
  ok(s && strcmp(s, "1\n") == 0,
     "the container wrote its pid (1) into the bind-mounted host dir (%s)", s ? s : "(no file)");
  free(s);
  s = tmp_file("c1.out");
  ok(s && strcmp(s, "to-stdout\n") == 0, "container stdout went to the fd given to set_stdio (%s)",
     s ? s : "(none)");
  free(s);

  r = mr_state_get(ctx, "api-c1", &st, &err);
  ok(r == 0 && st && mr_state_status(st) == MR_STATUS_STOPPED, "state is stopped after exit");
  ok(st && mr_state_pid(st) == 0, "state pid is 0 once stopped (%d)",
     st ? (int)mr_state_pid(st) : -1);
  mr_state_free(st);
  mr_error_free(err);
  err = NULL;

  r = mr_container_kill(ctx, "api-c1", SIGKILL, 0, &err);
  ok(r < 0 && err, "mr_container_kill of a stopped container fails (%s)", emsg(err));
  mr_error_free(err);
  err = NULL;

  r = mr_container_delete(ctx, "api-c1", 0, &err);
  ok(r == 0, "mr_container_delete of the stopped container (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  ok(!state_dir_exists("api-c1"), "its state dir is gone");
  r = mr_state_get(ctx, "api-c1", &st, &err);
  ok(r == -ENOENT && err && strstr(mr_error_message(err), "does not exist"),
     "mr_state_get after delete: -ENOENT, \"does not exist\" (r=%d, %s)", r, emsg(err));
  mr_state_free(st);
  mr_error_free(err);

  mr_container_free(c);
  opts_done(opts);
  mr_config_free(cfg);
  free(pidfile);
}

/* mr_container_run with an in-memory config; the pollfd. */
static void test_run_and_pollfd(void)
{
  char *path = path_in(bundle, "config.json");
  char *json = read_file(path);
  mr_config *cfg = NULL;
  mr_create_opts *opts = opts_with_output("run.out");
  mr_container *c = NULL;
  mr_error *err = NULL;
  int r, status = -1;
  char *s;

  r = mr_config_load_json(ctx, json, strlen(json), bundle, &cfg, &err);
  if (!ok(r == 0, "in-memory config for mr_container_run (%s)", r ? emsg(err) : "ok"))
    goto out;
  host_unlink("inmem");
  set_cmd("sleep 0.5; echo in-memory > /hostdir/inmem; exit 0\n");
  r = mr_container_run(ctx, "api-run", cfg, opts, &c, &err);
  if (!ok(r == 0 && c, "mr_container_run (%s)", r ? emsg(err) : "ok"))
    goto out;
  r = mr_container_wait(c, 1, &status, NULL);
  ok(r == -EAGAIN, "mr_container_wait(nohang) while running returns -EAGAIN (%d)", r);
  if (mr_container_pollfd(c) < 0) {
    skip("no pollfd on this kernel", "pollfd becomes readable on exit");
  } else {
    struct pollfd pfd = {.fd = mr_container_pollfd(c), .events = POLLIN};
    struct timespec t0, t1;
    int flags = fcntl(pfd.fd, F_GETFD);
    ok(flags >= 0 && (flags & FD_CLOEXEC), "the pollfd is close-on-exec");
    ok(poll(&pfd, 1, 0) == 0, "the pollfd is not readable while the container runs");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = poll(&pfd, 1, 10000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ok(r == 1 && (pfd.revents & POLLIN), "the pollfd becomes readable when the init exits (r=%d)",
       r);
    ok(t1.tv_sec - t0.tv_sec < 9, "... within the container's lifetime");
    r = mr_container_wait(c, 1, &status, &err);
    ok(r == 0 && status == 0,
       "mr_container_wait(nohang) after the pollfd fired reaps it (r=%d, status=%d)", r, status);
  }
  if (status == -1) {
    r = mr_container_wait(c, 0, &status, &err);
    ok(r == 0 && status == 0, "mr_container_wait (r=%d, status=%d)", r, status);
  }
  s = host_file("inmem");
  ok(s && strcmp(s, "in-memory\n") == 0, "the container of the in-memory config ran (%s)",
     s ? s : "(none)");
  free(s);
  mr_error_free(err);
  err = NULL;
  r = mr_container_delete(ctx, "api-run", 0, &err);
  ok(r == 0 && !state_dir_exists("api-run"), "mr_container_delete after run (%s)",
     r ? emsg(err) : "ok");
out:
  mr_error_free(err);
  mr_container_free(c);
  mr_config_free(cfg);
  opts_done(opts);
  free(json);
  free(path);
}

static void test_kill(void)
{
  mr_config *cfg = load_bundle_config();
  mr_create_opts *opts = opts_with_output("kill.out");
  mr_container *c = NULL;
  mr_error *err = NULL;
  mr_state *st = NULL;
  int r, status = -1;

  host_unlink("ready");
  set_cmd("echo ready > /hostdir/ready; exec sleep 100\n");
  r = mr_container_run(ctx, "api-kill", cfg, opts, &c, &err);
  if (!ok(r == 0 && c, "mr_container_run api-kill (%s)", r ? emsg(err) : "ok"))
    goto out;
  ok(wait_host_file("ready", 10000), "the container started");
  r = mr_state_get(ctx, "api-kill", &st, NULL);
  ok(r == 0 && st && mr_state_status(st) == MR_STATUS_RUNNING, "state is running");
  mr_state_free(st);
  st = NULL;
  r = mr_container_delete(ctx, "api-kill", 0, &err);
  ok(r < 0 && err && strstr(mr_error_message(err), "running"),
     "mr_container_delete of a running container without force fails (%s)", emsg(err));
  mr_error_free(err);
  err = NULL;
  r = mr_container_kill(ctx, "api-kill", SIGKILL, 0, &err);
  ok(r == 0, "mr_container_kill SIGKILL (%s)", r ? emsg(err) : "ok");
  r = mr_container_wait(c, 0, &status, &err);
  ok(r == 0 && status == 137, "mr_container_wait after SIGKILL returns 137 (r=%d, status=%d)", r,
     status);
  r = mr_container_delete(ctx, "api-kill", 0, &err);
  ok(r == 0 && !state_dir_exists("api-kill"), "delete after kill (%s)", r ? emsg(err) : "ok");
out:
  mr_error_free(err);
  mr_container_free(c);
  mr_config_free(cfg);
  opts_done(opts);
}

static void test_delete_force(void)
{
  mr_config *cfg = load_bundle_config();
  mr_create_opts *opts = opts_with_output("force.out");
  mr_container *c = NULL;
  mr_error *err = NULL;
  int r, status = -1;
  pid_t pid;

  host_unlink("ready");
  set_cmd("echo ready > /hostdir/ready; exec sleep 100\n");
  r = mr_container_run(ctx, "api-force", cfg, opts, &c, &err);
  if (!ok(r == 0 && c, "mr_container_run api-force (%s)", r ? emsg(err) : "ok"))
    goto out;
  pid = mr_container_pid(c);
  wait_host_file("ready", 10000);
  r = mr_container_delete(ctx, "api-force", 1, &err);
  ok(r == 0 && !state_dir_exists("api-force"),
     "mr_container_delete(force) of a running container (%s)", r ? emsg(err) : "ok");
  r = mr_container_wait(c, 0, &status, &err);
  ok(r == 0 && status >= 128, "the init was killed (r=%d, status=%d)", r, status);
  ok(kill(pid, 0) < 0 && errno == ESRCH, "the init %d is gone", (int)pid);
  mr_error_free(err);
  err = NULL;
  r = mr_container_delete(ctx, "api-no-such", 1, &err);
  ok(r == 0, "mr_container_delete(force) of an unknown id succeeds (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  r = mr_container_delete(ctx, "api-no-such", 0, &err);
  ok(r == -ENOENT && err && strstr(mr_error_message(err), "does not exist"),
     "mr_container_delete of an unknown id: -ENOENT, \"does not exist\" (r=%d, %s)", r, emsg(err));
  mr_error_free(err);
  err = NULL;
  r = mr_container_kill(ctx, "api-no-such", SIGTERM, 0, &err);
  ok(r == -ENOENT && err && strstr(mr_error_message(err), "does not exist"),
     "mr_container_kill of an unknown id: -ENOENT, \"does not exist\" (%s)", emsg(err));
  mr_error_free(err);
  err = NULL;
  r = mr_container_start(ctx, "api-no-such", &err);
  ok(r == -ENOENT && err && strstr(mr_error_message(err), "does not exist"),
     "mr_container_start of an unknown id: -ENOENT, \"does not exist\" (%s)", emsg(err));
out:
  mr_error_free(err);
  mr_container_free(c);
  mr_config_free(cfg);
  opts_done(opts);
}

/* update and stats through the API on a running container (enforcement is
 * tests/integration/test-cgroup-res.sh's). */
static void test_resources(void)
{
  mr_config *cfg = load_bundle_config();
  mr_create_opts *opts = opts_with_output("res.out");
  mr_container *c = NULL;
  mr_stats *st = NULL;
  mr_error *err = NULL;
  int r, status = -1;
  static const char good[] = "{\"pids\": {\"limit\": 64}}";
  static const char bad[] = "{\"pids\": {\"limit\": -7}}";

  ok(mr_stats_pids_current(NULL) == UINT64_MAX, "mr_stats_* of NULL: UINT64_MAX");
  host_unlink("ready");
  set_cmd("echo ready > /hostdir/ready; exec sleep 100\n");
  r = mr_container_run(ctx, "api-res", cfg, opts, &c, &err);
  if (!ok(r == 0 && c, "mr_container_run api-res (%s)", r ? emsg(err) : "ok"))
    goto out;
  wait_host_file("ready", 10000);
  r = mr_container_stats(ctx, "api-res", &st, &err);
  if (r == -ENOTSUP) { /* no cgroups on this host */
    ok(1, "# SKIP no cgroups: %s", emsg(err));
    goto done;
  }
  ok(r == 0 && st && mr_stats_pids_current(st) == 1,
     "mr_container_stats: 1 process (r=%d, %s, pids %llu)", r, r ? emsg(err) : "ok",
     st ? (unsigned long long)mr_stats_pids_current(st) : 0ULL);
  ok(st && mr_stats_cpu_usage_ns(st) > 0 && mr_stats_cpu_usage_ns(st) != UINT64_MAX &&
         mr_stats_memory_usage(st) > 0 && mr_stats_memory_usage(st) != UINT64_MAX,
     "mr_container_stats: cpu and memory figures");
  r = mr_container_update(ctx, "api-res", good, strlen(good), &err);
  ok(r == 0, "mr_container_update pids.limit 64 (%s)", r ? emsg(err) : "ok");
  r = mr_container_update(ctx, "api-res", bad, strlen(bad), &err);
  ok(r == -EINVAL && err && strstr(mr_error_message(err), "linux.resources.pids.limit"),
     "mr_container_update with a bad value names the field (r=%d, %s)", r, emsg(err));
  mr_error_free(err);
  err = NULL;
  r = mr_container_update(ctx, "api-no-such", good, strlen(good), &err);
  ok(r == -ENOENT, "mr_container_update of an unknown id: -ENOENT (%s)", emsg(err));
  mr_error_free(err);
  err = NULL;
  r = mr_container_stats(ctx, "api-res", NULL, &err);
  ok(r == -EINVAL, "mr_container_stats without an output: -EINVAL");
done:
  mr_error_free(err);
  err = NULL;
  r = mr_container_delete(ctx, "api-res", 1, &err);
  ok(r == 0, "delete api-res (%s)", r ? emsg(err) : "ok");
  mr_container_wait(c, 0, &status, NULL);
out:
  mr_stats_free(st);
  mr_error_free(err);
  mr_container_free(c);
  mr_config_free(cfg);
  opts_done(opts);
}

static void test_list_and_duplicate(void)
{
  mr_config *cfg = load_bundle_config();
  mr_create_opts *opts = opts_with_output("list.out");
  mr_container *cb = NULL, *ca = NULL, *dup = NULL;
  mr_state **list = NULL;
  size_t n = 0;
  mr_error *err = NULL;
  int r, status;

  set_cmd("exit 0\n");
  r = mr_container_create(ctx, "api-b", cfg, opts, &cb, &err);
  ok(r == 0, "create api-b (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  r = mr_container_create(ctx, "api-a", cfg, opts, &ca, &err);
  ok(r == 0, "create api-a (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;

  r = mr_container_create(ctx, "api-a", cfg, opts, &dup, &err);
  ok(r < 0 && !dup && err && strstr(mr_error_message(err), "already exists"),
     "creating api-a again fails with \"already exists\" (r=%d, %s)", r, emsg(err));
  mr_error_free(err);
  err = NULL;

  r = mr_state_list(ctx, &list, &n, &err);
  ok(r == 0 && n == 2, "mr_state_list returns 2 states (r=%d, n=%zu)", r, n);
  ok(n == 2 && strcmp(mr_state_id(list[0]), "api-a") == 0 &&
         strcmp(mr_state_id(list[1]), "api-b") == 0,
     "mr_state_list is sorted by id");
  ok(n == 2 && mr_state_status(list[0]) == MR_STATUS_CREATED &&
         mr_state_status(list[1]) == MR_STATUS_CREATED,
     "both are created (the duplicate create did not disturb api-a)");
  ok(n == 2 && ca && mr_state_pid(list[0]) == mr_container_pid(ca), "api-a keeps its pid");
  mr_state_list_free(list, n);
  mr_error_free(err);
  err = NULL;

  /* Deleting never-started containers; we are their parent: reap them. */
  r = mr_container_delete(ctx, "api-a", 0, &err);
  ok(r == 0, "delete created api-a (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  r = mr_container_delete(ctx, "api-b", 0, &err);
  ok(r == 0, "delete created api-b (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  if (ca)
    ok(mr_container_wait(ca, 0, &status, NULL) == 0, "the init of deleted api-a can be reaped");
  if (cb)
    ok(mr_container_wait(cb, 0, &status, NULL) == 0, "the init of deleted api-b can be reaped");
  r = mr_state_list(ctx, &list, &n, &err);
  ok(r == 0 && n == 0, "mr_state_list is empty after the deletes (n=%zu)", n);
  mr_state_list_free(list, n);
  mr_error_free(err);
  mr_container_free(ca);
  mr_container_free(cb);
  mr_container_free(dup);
  mr_config_free(cfg);
  opts_done(opts);
}

/* A failing create writes nothing to stdout/stderr and leaves nothing. */
static void test_failed_create_is_silent_and_clean(void)
{
  char *path = path_in(bundle, "config.json");
  char *json = read_file(path);
  char *norootfs = path_in(tmpdir, "norootfs-bundle");
  char *capture_path = path_in(tmpdir, "stdio-capture");
  mr_config *cfg = NULL;
  mr_container *c = NULL;
  mr_error *err = NULL;
  int r, saved1, saved2, cap;
  char *captured;
  struct stat st;

  mkdir(norootfs, 0755);
  /* root.path "rootfs" relative to a bundle dir that has none. */
  r = mr_config_load_json(ctx, json, strlen(json), norootfs, &cfg, &err);
  if (!ok(r == 0, "config anchored at a bundle without rootfs loads (%s)", r ? emsg(err) : "ok"))
    goto out;
  fflush(stdout);
  fflush(stderr);
  cap = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  saved1 = dup(1);
  saved2 = dup(2);
  dup2(cap, 1);
  dup2(cap, 2);
  r = mr_container_create(ctx, "api-fail", cfg, NULL, &c, &err);
  fflush(stdout);
  fflush(stderr);
  dup2(saved1, 1);
  dup2(saved2, 2);
  close(saved1);
  close(saved2);
  close(cap);
  ok(r < 0 && !c, "create with a missing rootfs fails (r=%d)", r);
  ok(err && strstr(mr_error_message(err), "No such file or directory") &&
         strstr(mr_error_message(err), norootfs),
     "... naming the rootfs path and ENOENT (%s)", emsg(err));
  ok(err && mr_error_errno(err) == ENOENT, "... with errno ENOENT");
  captured = read_file(capture_path);
  ok(stat(capture_path, &st) == 0 && st.st_size == 0,
     "the library wrote nothing to stdout/stderr (%s)", captured ? captured : "");
  free(captured);
  ok(!state_dir_exists("api-fail"), "no state dir is left");
  ok(count_children() == 0, "no child process is left (%d)", count_children());
out:
  mr_error_free(err);
  mr_container_free(c);
  mr_config_free(cfg);
  free(json);
  free(path);
  free(norootfs);
  free(capture_path);
}

static void test_logging(void)
{
  struct log_counts dbg = {.magic = LOG_MAGIC, .level = MR_LOG_DEBUG};
  struct log_counts warn = {.magic = LOG_MAGIC, .level = MR_LOG_WARNING};
  mr_context *c2 = NULL;
  mr_config *cfg = NULL;
  mr_create_opts *opts = opts_with_output("log.out");
  mr_container *c = NULL;
  mr_state *st = NULL;
  mr_error *err = NULL;
  int r, status = -1, before;

  /* Debug level on the main context for one container run. */
  mr_context_set_log(ctx, log_cb, &dbg, MR_LOG_DEBUG);
  cfg = load_bundle_config();
  set_cmd("exit 0\n");
  r = mr_container_run(ctx, "api-log", cfg, opts, &c, &err);
  if (r == 0) {
    mr_container_wait(c, 0, &status, NULL);
    mr_container_delete(ctx, "api-log", 0, NULL);
  }
  ok(r == 0 && status == 0, "a container runs with a debug log sink (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  mr_container_free(c);
  c = NULL;
  /* A failing call: an error-level diagnostic is likely, but not asserted. */
  mr_state_get(ctx, "api-log-unknown", &st, NULL);
  mr_state_free(st);
  st = NULL;
  diag("log messages at debug level: error=%d warning=%d info=%d debug=%d", dbg.by_level[0],
       dbg.by_level[1], dbg.by_level[2], dbg.by_level[3]);
  ok(dbg.bad == 0, "every log message is non-empty with a valid level");
  mr_context_set_log(ctx, NULL, NULL, MR_LOG_DEBUG);
  before = log_total(&dbg);
  mr_state_get(ctx, "api-log-unknown", &st, NULL);
  mr_state_free(st);
  st = NULL;
  ok(log_total(&dbg) == before, "no messages after mr_context_set_log(NULL)");
  mr_config_free(cfg);
  cfg = NULL;

  /* Warning level on a second context: nothing more verbose arrives. */
  r = mr_context_new(state_root, &c2, &err);
  ok(r == 0, "a second context on the same state root (%s)", r ? emsg(err) : "ok");
  mr_error_free(err);
  err = NULL;
  if (c2) {
    mr_context_set_log(c2, log_cb, &warn, MR_LOG_WARNING);
    if (mr_config_load_bundle(c2, bundle, &cfg, &err) == 0) {
      r = mr_container_run(c2, "api-log2", cfg, opts, &c, &err);
      if (r == 0) {
        mr_container_wait(c, 0, &status, NULL);
        mr_container_delete(c2, "api-log2", 0, NULL);
      }
    }
    mr_state_get(c2, "api-log-unknown", &st, NULL);
    mr_state_free(st);
    st = NULL;
    ok(warn.above_level == 0 && warn.bad == 0,
       "a WARNING-level sink gets nothing more verbose (%d info/debug messages)", warn.above_level);
  }
  mr_error_free(err);
  mr_container_free(c);
  mr_config_free(cfg);
  mr_context_free(c2);
  opts_done(opts);
}

static void test_foreign_child_not_reaped(void)
{
  int status = 0;
  pid_t r = waitpid(canary, &status, WNOHANG);
  ok(r == canary && WIFEXITED(status) && WEXITSTATUS(status) == 7,
     "the caller's own child (exited before the containers ran) was not reaped by the library "
     "(r=%d)",
     (int)r);
}

/* ------------------------------------------------------------------------ */

/* A multi-threaded host whose threads keep allocating while containers are
 * created. The child between clone() and exec() must only make system calls:
 * a malloc lock held by another thread, or glibc's set*id broadcast to
 * threads that do not exist in the child, would hang it here. */
static atomic_int threads_stop;

static void *busy_thread(void *arg)
{
  (void)arg;
  while (!atomic_load(&threads_stop)) {
    void *p[16];
    for (int i = 0; i < 16; i++)
      p[i] = malloc((size_t)(i + 1) * 512);
    for (int i = 0; i < 16; i++)
      free(p[i]);
  }
  return NULL;
}

/* The bundle's config.json with `hooks` (a JSON object text) added. */
static char *config_with_hooks(const char *hooks)
{
  char *path = path_in(bundle, "config.json");
  char *json = read_file(path);
  char *out = NULL;
  if (!json)
    bail("cannot read %s", path);
  char *end = strrchr(json, '}');
  if (!end)
    bail("%s: not a JSON object", path);
  *end = '\0';
  if (asprintf(&out, "%s, \"hooks\": %s}", json, hooks) < 0)
    bail("out of memory");
  free(json);
  free(path);
  return out;
}

/* Hooks through the library alone: run (createRuntime, poststart) and
 * delete (poststop) in this process, and a failing hook that leaves
 * nothing behind, no zombie hook process included. */
static void test_hooks(void)
{
  char *hooks = NULL, *json = NULL, *s;
  mr_config *cfg = NULL;
  mr_container *c = NULL;
  mr_error *err = NULL;
  int r, status = -1;
  const char *names[] = {"hook-cr", "hook-ps", "hook-pstop"};
  for (size_t i = 0; i < 3; i++)
    host_unlink(names[i]);
  if (asprintf(&hooks,
               "{\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > "
               "%s/hook-cr\"]}],"
               " \"poststart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > "
               "%s/hook-ps\"], \"timeout\": 5}],"
               " \"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > "
               "%s/hook-pstop\"]}]}",
               hostdir, hostdir, hostdir) < 0)
    bail("out of memory");
  json = config_with_hooks(hooks);
  r = mr_config_load_json(ctx, json, strlen(json), bundle, &cfg, &err);
  if (!ok(r == 0, "config with hooks (%s)", r ? emsg(err) : "ok"))
    goto out;
  set_cmd("exit 0\n");
  int children = count_children();
  r = mr_container_run(ctx, "api-hooks", cfg, NULL, &c, &err);
  if (!ok(r == 0 && c, "mr_container_run with hooks (%s)", r ? emsg(err) : "ok"))
    goto out;
  char want[128];
  snprintf(want, sizeof want, "\"status\":\"creating\",\"pid\":%d,", (int)mr_container_pid(c));
  s = host_file("hook-cr");
  ok(s && strstr(s, want), "createRuntime got the creating state with the init's pid (%s)",
     s ? s : "(none)");
  free(s);
  snprintf(want, sizeof want, "\"status\":\"running\",\"pid\":%d,", (int)mr_container_pid(c));
  s = host_file("hook-ps");
  ok(s && strstr(s, want), "poststart ran before mr_container_run returned (%s)", s ? s : "(none)");
  free(s);
  r = mr_container_wait(c, 0, &status, &err);
  ok(r == 0 && status == 0, "wait (r=%d, status=%d)", r, status);
  r = mr_container_delete(ctx, "api-hooks", 0, &err);
  ok(r == 0, "delete (%s)", r ? emsg(err) : "ok");
  s = host_file("hook-pstop");
  ok(s && strstr(s, "\"status\":\"stopped\""), "poststop ran in mr_container_delete (%s)",
     s ? s : "(none)");
  free(s);
  ok(count_children() == children, "no hook process left as our child");
  mr_container_free(c);
  c = NULL;
  mr_config_free(cfg);
  cfg = NULL;
  free(json);

  json = config_with_hooks("{\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", "
                           "\"-c\", \"echo api-hook-says-no >&2; exit 7\"]}]}");
  r = mr_config_load_json(ctx, json, strlen(json), bundle, &cfg, &err);
  if (!ok(r == 0, "config with a failing hook (%s)", r ? emsg(err) : "ok"))
    goto out;
  r = mr_container_run(ctx, "api-hooks", cfg, NULL, &c, &err);
  ok(r < 0 && err &&
         strstr(mr_error_message(err), "hooks.createRuntime[0]: exited with status 7: "
                                       "api-hook-says-no"),
     "a failing createRuntime hook fails mr_container_run (%s)", err ? emsg(err) : "no error");
  ok(!state_dir_exists("api-hooks"), "... and leaves no state dir");
  ok(count_children() == children, "... and no child process");
out:
  mr_error_free(err);
  mr_container_free(c);
  mr_config_free(cfg);
  free(json);
  free(hooks);
}

static void test_threaded_host(void)
{
  pthread_t th[4];
  int started = 0, ran = 0;
  mr_config *cfg = NULL;
  mr_error *err = NULL;
  int r = mr_config_load_bundle(ctx, bundle, &cfg, &err);
  if (!ok(r == 0, "config for the threaded host (%s)", r ? emsg(err) : "ok"))
    goto out;
  set_cmd("exit 0\n");
  atomic_store(&threads_stop, 0);
  for (int i = 0; i < 4; i++)
    if (pthread_create(&th[i], NULL, busy_thread, NULL) == 0)
      started++;
  ok(started == 4, "4 allocating threads running (%d)", started);
  for (int i = 0; i < 20; i++) {
    char id[32];
    mr_container *c = NULL;
    int status = -1;
    snprintf(id, sizeof id, "api-thr-%d", i);
    if (mr_container_run(ctx, id, cfg, NULL, &c, NULL) == 0 &&
        mr_container_wait(c, 0, &status, NULL) == 0 && status == 0)
      ran++;
    mr_container_free(c);
    mr_container_delete(ctx, id, 1, NULL);
  }
  atomic_store(&threads_stop, 1);
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  ok(ran == 20, "20 containers created and run from a host with busy threads (%d)", ran);
out:
  mr_error_free(err);
  mr_config_free(cfg);
}

int main(int argc, char **argv)
{
  static char bundle_buf[PATH_MAX], hostdir_buf[PATH_MAX], state_buf[PATH_MAX];
  const char *b = argc > 1 ? argv[1] : getenv("MR_TEST_BUNDLE");
  const char *h = getenv("MR_TEST_HOSTDIR");
  const char *s = getenv("MR_TEST_STATE");
  const char *t = getenv("TMPDIR");
  bool fds_before[MAX_FD];
  int fds_n_before, fds_n_after;
  sigset_t mask_before, mask_after, block;
  struct sigaction act_before[NSIG], act_after;
  char cwd_before[PATH_MAX], cwd_after[PATH_MAX];
  mode_t umask_after;
  mr_error *err = NULL;
  int r;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!b || !*b)
    bail("usage: test-api BUNDLE (or MR_TEST_BUNDLE)");
  if (!realpath(b, bundle_buf))
    bail("bundle %s: %s", b, strerror(errno));
  bundle = bundle_buf;
  if (h && *h) {
    if (!realpath(h, hostdir_buf))
      bail("MR_TEST_HOSTDIR %s: %s", h, strerror(errno));
  } else {
    char *p = path_in(bundle, "../hostdir");
    if (!realpath(p, hostdir_buf))
      bail("no MR_TEST_HOSTDIR and %s: %s", p, strerror(errno));
    free(p);
  }
  hostdir = hostdir_buf;
  snprintf(tmpdir, sizeof tmpdir, "%s/minirun-test-api.XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(tmpdir))
    bail("mkdtemp: %s", strerror(errno));
  if (s && *s) {
    snprintf(state_buf, sizeof state_buf, "%s", s);
  } else {
    char *p = path_in(tmpdir, "state");
    snprintf(state_buf, sizeof state_buf, "%s", p);
    free(p);
  }
  state_root = state_buf;
  state_root_preexisted = exists(state_root);
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

  /* The process state the library must not touch. */
  umask(027);
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  sigprocmask(SIG_BLOCK, &block, NULL);
  sigprocmask(SIG_SETMASK, NULL, &mask_before);
  for (int i = 1; i < NSIG; i++)
    sigaction(i, NULL, &act_before[i]);
  if (!getcwd(cwd_before, sizeof cwd_before))
    bail("getcwd");
  /* A child of our own, exited and not yet reaped: the library must leave it. */
  canary = fork();
  if (canary == 0)
    _exit(7);
  {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, canary, &si, WEXITED | WNOWAIT);
  }
  fd_snapshot(fds_before);
  fds_n_before = fd_count();

  diag("bundle %s, hostdir %s, state root %s", bundle, hostdir, state_root);
  r = mr_context_new(state_root, &ctx, &err);
  if (r < 0 || !ctx)
    bail("mr_context_new(%s): %s", state_root, emsg(err));

  test_version();
  test_context();
  test_id_validate();
  test_signal_parse();
  test_status_names();
  test_config();
  test_create_start_wait();
  test_run_and_pollfd();
  test_kill();
  test_delete_force();
  test_resources();
  test_list_and_duplicate();
  test_failed_create_is_silent_and_clean();
  test_logging();
  test_hooks();
  test_threaded_host();

  mr_context_free(ctx);
  ctx = NULL;

  /* Manners. */
  test_foreign_child_not_reaped();
  errno = 0;
  r = waitpid(-1, NULL, WNOHANG);
  ok(r == -1 && errno == ECHILD, "no child is left (waitpid(-1, WNOHANG) = %d, %s)", r,
     strerror(errno));
  fds_n_after = fd_count();
  ok(fds_n_after == fds_n_before, "no fd leaked (%d open before, %d after)", fds_n_before,
     fds_n_after);
  {
    int leaked = -1;
    for (int fd = 0; fd < MAX_FD; fd++)
      if ((fcntl(fd, F_GETFD) >= 0) != fds_before[fd]) {
        leaked = fd;
        break;
      }
    ok(leaked < 0, "the same fds are open as before (first difference: %d)", leaked);
  }
  umask_after = umask(027);
  ok(umask_after == 027, "the umask is unchanged (%03o)", (unsigned)umask_after);
  sigprocmask(SIG_SETMASK, NULL, &mask_after);
  {
    int diff = 0;
    for (int i = 1; i < NSIG; i++)
      if (sigismember(&mask_before, i) != sigismember(&mask_after, i))
        diff = i;
    ok(diff == 0, "the signal mask is unchanged (first difference: %d)", diff);
    diff = 0;
    for (int i = 1; i < NSIG; i++) {
      /* 32 to SIGRTMIN-1 are the C library's own (glibc installs their
       * handlers when it first needs them, e.g. under ASan's setxid). */
      if (i == SIGKILL || i == SIGSTOP || (i >= 32 && i < SIGRTMIN))
        continue;
      sigaction(i, NULL, &act_after);
      if (act_after.sa_handler != act_before[i].sa_handler)
        diff = i;
    }
    ok(diff == 0, "no signal disposition changed (first difference: %d)", diff);
  }
  ok(getcwd(cwd_after, sizeof cwd_after) && strcmp(cwd_before, cwd_after) == 0,
     "the working directory is unchanged");
  {
    DIR *d = opendir(state_root);
    struct dirent *de;
    int left = 0;
    while (d && (de = readdir(d))) {
      if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && de->d_type == DT_DIR) {
        diag("left in the state root: %s", de->d_name);
        left++;
      }
    }
    if (d)
      closedir(d);
    ok(left == 0, "no container directory is left in the state root");
  }

  close(devnull);
  {
    char *cmd;
    if (asprintf(&cmd, "rm -rf --one-file-system '%s'", tmpdir) > 0) {
      if (system(cmd) != 0)
        diag("could not remove %s", tmpdir);
      free(cmd);
    }
  }
  return tap_done();
}
