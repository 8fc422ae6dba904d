/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hooks.c - unit tests of the hook runner (hook_exec: stdin, exit
 * status, output tail, timeout, exec failure, a state larger than the socket
 * buffer read or ignored) and of hooks.json (round trip, corrupted files).
 * Real processes; prints TAP; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks/hooks.h"
#include "spec.h"
#include "util.h"

#include "../tap.h"

static char tmpdir[] = "/tmp/mr-test-hooks.XXXXXX";

/* A hook running `sh -c script`. */
static struct hook_cmd sh_hook(const char *script, int timeout)
{
  static char *argv[4];
  static char *envp[] = {"PATH=/bin:/usr/bin", NULL};
  struct hook_cmd h = {.path = "/bin/sh", .argv = argv, .envp = envp, .timeout = timeout};
  argv[0] = "sh";
  argv[1] = "-c";
  argv[2] = (char *)script;
  argv[3] = NULL;
  snprintf(h.name, sizeof(h.name), "hooks.test[0]");
  return h;
}

static char *slurp(const char *path)
{
  char *text = NULL;
  size_t len;
  if (util_read_file(path, 1 << 24, &text, &len, NULL) < 0)
    return NULL;
  return text;
}

static void test_stdin_and_status(void)
{
  char script[700], out[600], msg[1024];
  snprintf(out, sizeof(out), "%s/stdin", tmpdir);
  snprintf(script, sizeof(script), "cat > %s", out);
  struct hook_cmd h = sh_hook(script, 5);
  const char *state = "{\"status\":\"creating\"}";
  int r = hook_exec(&h, state, strlen(state), msg, sizeof(msg));
  char *got = slurp(out);
  check(r == 0 && got && strcmp(got, state) == 0, "the hook reads the state on stdin (%s)",
        r     ? msg
        : got ? got
              : "(nothing)");
  free(got);

  h = sh_hook("echo first line; echo the-reason >&2; exit 5", 0);
  r = hook_exec(&h, "", 0, msg, sizeof(msg));
  check(r < 0 && strcmp(msg, "hooks.test[0]: exited with status 5: the-reason") == 0,
        "exit status and the last line of output in the error (%s)", msg);

  h = sh_hook("kill -9 $$", 0);
  r = hook_exec(&h, "", 0, msg, sizeof(msg));
  check(r < 0 && strcmp(msg, "hooks.test[0]: killed by signal 9") == 0, "death by signal (%s)",
        msg);

  h = sh_hook("true", 0);
  h.path = "/nonexistent/hook";
  r = hook_exec(&h, "", 0, msg, sizeof(msg));
  check(r < 0 && strstr(msg, "cannot execute /nonexistent/hook: No such file or directory"),
        "exec failure names the path (%s)", msg);
}

static void test_timeout(void)
{
  char msg[1024];
  struct hook_cmd h = sh_hook("sleep 30 & sleep 30", 1);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int r = hook_exec(&h, "", 0, msg, sizeof(msg));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  check(r == -ETIMEDOUT && strcmp(msg, "hooks.test[0]: timed out after 1 s") == 0, "timeout (%s)",
        msg);
  check(t1.tv_sec - t0.tv_sec < 4, "... enforced within a few seconds (%ld s)",
        (long)(t1.tv_sec - t0.tv_sec));
  check(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "no child of ours is left");
}

static void test_large_state(void)
{
  size_t len = 1 << 20; /* far beyond a socket buffer */
  char *state = malloc(len);
  char msg[1024], script[700], out[600];
  memset(state, 'x', len);
  snprintf(out, sizeof(out), "%s/large", tmpdir);
  snprintf(script, sizeof(script), "cat > %s", out);
  struct hook_cmd h = sh_hook(script, 10);
  int r = hook_exec(&h, state, len, msg, sizeof(msg));
  struct stat st;
  check(r == 0 && stat(out, &st) == 0 && (size_t)st.st_size == len,
        "a 1 MiB state arrives whole (%s)", r ? msg : "ok");
  h = sh_hook("exit 0", 10);
  r = hook_exec(&h, state, len, msg, sizeof(msg));
  check(r == 0, "a hook that ignores a large state neither hangs nor fails (%s)", r ? msg : "ok");
  free(state);
}

static void test_hooks_file(void)
{
  char *args[] = {"hook", "a b"}, *env[] = {"K=v"};
  struct spec_hook ps = {.path = "/bin/ps-hook",
                         .args = args,
                         .n_args = 2,
                         .env = env,
                         .n_env = 1,
                         .has_timeout = true,
                         .timeout = 7};
  struct spec_hook stop = {.path = "/bin/stop-hook"};
  struct spec_hooks hooks = {.poststart = {&ps, 1}, .poststop = {&stop, 1}};
  int dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  mr_error *err = NULL;
  struct hooks_file f;
  int r = hooks_file_write(dirfd, &hooks, &err);
  if (r == 0)
    r = hooks_file_read(dirfd, &f, &err);
  if (check(r == 0, "hooks.json round trip (%s)", err ? mr_error_message(err) : "ok")) {
    const struct hook_cmd *c = f.poststart.cmds;
    check(f.poststart.n == 1 && strcmp(c->path, "/bin/ps-hook") == 0 &&
              strcmp(c->argv[0], "hook") == 0 && strcmp(c->argv[1], "a b") == 0 && !c->argv[2] &&
              strcmp(c->envp[0], "K=v") == 0 && !c->envp[1] && c->timeout == 7 &&
              strcmp(c->name, "hooks.poststart[0]") == 0,
          "poststart read back");
    c = f.poststop.cmds;
    check(f.poststop.n == 1 && strcmp(c->path, "/bin/stop-hook") == 0 &&
              strcmp(c->argv[0], "/bin/stop-hook") == 0 && !c->argv[1] && !c->envp[0] &&
              c->timeout == 0,
          "poststop without args runs with argv[0] = path and an empty environment");
    hooks_file_free(&f);
  }
  mr_error_free(err);
  err = NULL;

  static const struct {
    const char *text, *msg;
  } bad[] = {
      {"{\"poststart\": [", "hooks.json: not a valid JSON object"},
      {"[]", "hooks.json: not a valid JSON object"},
      {"{\"poststart\": {}}", "hooks.json: poststart: expected an array"},
      {"{\"poststop\": [{\"path\": \"rel\"}]}",
       "hooks.json: poststop[0]: path: expected an absolute path"},
      {"{\"poststop\": [{\"path\": \"/x\", \"args\": [1]}]}", "hooks.json: poststop[0]: args/env"},
      {"{\"poststop\": [{\"path\": \"/x\", \"timeout\": 0}]}", "hooks.json: poststop[0]: timeout"},
      {"{\"poststart\": [7]}", "hooks.json: poststart[0]: expected an object"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    util_write_file_atomic(dirfd, HOOKS_FILE, bad[i].text, strlen(bad[i].text), 0600, NULL);
    r = hooks_file_read(dirfd, &f, &err);
    const char *got = err ? mr_error_message(err) : "(no error)";
    check(r < 0 && strstr(got, bad[i].msg) != NULL, "corrupted hooks.json #%zu: %s", i, got);
    mr_error_free(err);
    err = NULL;
  }
  unlinkat(dirfd, HOOKS_FILE, 0);
  r = hooks_file_read(dirfd, &f, &err);
  check(r == 0 && f.poststart.n == 0 && f.poststop.n == 0, "no hooks.json: no hooks");
  hooks_file_free(&f);
  close(dirfd);
}

int main(void)
{
  if (mkdtemp(tmpdir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  test_stdin_and_status();
  test_timeout();
  test_large_state();
  test_hooks_file();
  return tap_done();
}
