/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-exec.c - mr_container_exec() through the public API only, against a
 * real container. Output is TAP; run by tests/integration/test-exec.sh.
 *
 *   test-exec BUNDLE STATE_ROOT   (BUNDLE's process must keep running)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minirun.h"

#include "../tap.h"

static int count_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d != NULL && readdir(d) != NULL)
    n++;
  if (d != NULL)
    closedir(d);
  return n;
}

static const char *msg(const mr_error *err)
{
  return err != NULL ? mr_error_message(err) : "(no error)";
}

/* Runs `argv` with env/cwd in the container, its stdout into `out`;
 * returns the exit status, or the negative code of the exec. */
static int exec_capture(mr_context *ctx, const char *id, const char *const *argv, size_t argc,
                        const char *env, const char *cwd, char *out, size_t size, mr_error **err)
{
  mr_exec_opts *o = NULL;
  mr_container *c = NULL;
  int p[2], status = -1;
  if (pipe2(p, O_CLOEXEC) < 0 || mr_exec_opts_new(&o, err) < 0)
    return -errno;
  int r = mr_exec_opts_set_args(o, argc, argv, err);
  if (r == 0 && env != NULL)
    r = mr_exec_opts_add_env(o, env, err);
  if (r == 0 && cwd != NULL)
    r = mr_exec_opts_set_cwd(o, cwd, err);
  mr_exec_opts_set_stdio(o, -1, p[1], -1);
  if (r == 0)
    r = mr_container_exec(ctx, id, o, &c, err);
  close(p[1]);
  mr_exec_opts_free(o);
  if (r == 0) {
    ssize_t n, used = 0;
    while ((n = read(p[0], out + used, size - 1 - (size_t)used)) > 0)
      used += n;
    out[used] = '\0';
    r = mr_container_wait(c, 0, &status, err);
  }
  close(p[0]);
  mr_container_free(c);
  return r < 0 ? r : status;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: test-exec BUNDLE STATE_ROOT\n");
    return 2;
  }
  mr_context *ctx = NULL;
  mr_config *cfg = NULL;
  mr_container *init = NULL;
  mr_error *err = NULL;
  char out[4096];
  if (mr_context_new(argv[2], &ctx, &err) < 0 ||
      mr_config_load_bundle(ctx, argv[1], &cfg, &err) < 0 ||
      mr_container_run(ctx, "api-exec", cfg, NULL, &init, &err) < 0) {
    printf("Bail out! setup: %s\n", msg(err));
    return 1;
  }
  int fds_before = count_fds();

  const char *const script[] = {"sh", "-c", "echo $GREETING; pwd; exit 5"};
  int st =
      exec_capture(ctx, "api-exec", script, 3, "GREETING=hello", "/tmp", out, sizeof(out), &err);
  ok(st == 5, "exit status of the exec'd process (%d: %s)", st, st < 0 ? msg(err) : "");
  ok(strcmp(out, "hello\n/tmp\n") == 0, "its env and cwd (output '%s')", out);
  mr_error_free(err);
  err = NULL;

  const char *const missing[] = {"no-such-program"};
  st = exec_capture(ctx, "api-exec", missing, 1, NULL, NULL, out, sizeof(out), &err);
  ok(st == -ENOENT, "a missing program is -ENOENT (%d)", st);
  ok(strstr(msg(err), "executable file not found in $PATH") != NULL, "with podman's wording: %s",
     msg(err));
  mr_error_free(err);
  err = NULL;

  /* process.json, and waiting through the pollable fd. */
  mr_exec_opts *o = NULL;
  mr_container *c = NULL;
  static const char pj[] = "{\"args\": [\"sh\", \"-c\", \"sleep 0.2; exit 3\"], \"cwd\": \"/\"}";
  int r = mr_exec_opts_new(&o, &err);
  if (r == 0)
    r = mr_exec_opts_set_process_json(o, pj, strlen(pj), &err);
  if (r == 0)
    r = mr_container_exec(ctx, "api-exec", o, &c, &err);
  ok(r == 0, "exec with a process JSON (%s)", r < 0 ? msg(err) : "");
  if (r == 0) {
    ok(mr_container_wait(c, 1, &st, NULL) == -EAGAIN, "still running right after exec");
    struct pollfd pfd = {.fd = mr_container_pollfd(c), .events = POLLIN};
    /* Without pidfd_open (before 5.3; tests/enosys-launcher) there is no
     * pollfd: -1, as documented, and waiting works all the same. */
    const char *enosys = getenv("MR_ENOSYS_SYSCALLS");
    if (enosys != NULL && strstr(enosys, "pidfd_open") != NULL)
      ok(pfd.fd == -1, "no pollfd without pidfd_open (%d)", pfd.fd);
    else
      ok(pfd.fd >= 0 && poll(&pfd, 1, 10000) == 1, "its pollfd becomes readable");
    ok(mr_container_wait(c, 0, &st, NULL) == 0 && st == 3, "exit status 3 (%d)", st);
  }
  mr_container_free(c);
  mr_exec_opts_free(o);
  mr_error_free(err);
  err = NULL;

  o = NULL;
  r = mr_exec_opts_new(&o, &err);
  if (r == 0)
    r = mr_exec_opts_set_process_json(o, "{\"args\": 1}", 11, &err);
  ok(r == -EINVAL && strstr(msg(err), "process.json: args") != NULL, "a bad process JSON: %s",
     msg(err));
  mr_exec_opts_free(o);
  mr_error_free(err);
  err = NULL;

  /* The option setters of runc's -g and --cgroup refuse bad values. */
  o = NULL;
  r = mr_exec_opts_new(&o, &err);
  if (r == 0)
    r = mr_exec_opts_add_additional_gid(o, (gid_t)-1, &err);
  ok(r == -EINVAL && strstr(msg(err), "additionalGids") != NULL,
     "additional gid (gid_t)-1 refused: %s", msg(err));
  mr_error_free(err);
  err = NULL;
  r = o != NULL ? mr_exec_opts_add_cgroup(o, "a", &err) : -1;
  if (r == 0)
    r = mr_exec_opts_add_cgroup(o, "b", &err);
  ok(r == -EINVAL && strstr(msg(err), "must be the only") != NULL,
     "a second PATH-only cgroup refused: %s", msg(err));
  mr_error_free(err);
  err = NULL;
  mr_exec_opts_free(o);
  o = NULL;
  r = mr_exec_opts_new(&o, &err);
  if (r == 0)
    r = mr_exec_opts_add_cgroup(o, "pids:../x", &err);
  ok(r == -EINVAL && strstr(msg(err), "below the container's cgroup") != NULL,
     "a cgroup path with '..' refused: %s", msg(err));
  mr_exec_opts_free(o);
  mr_error_free(err);
  err = NULL;

  /* A paused container: refused, or with ignore_paused the process waits
   * for a resume, here longer than the context's timeout. */
  if (mr_container_pause(ctx, "api-exec", &err) == 0) {
    const char *const t1[] = {"true"};
    st = exec_capture(ctx, "api-exec", t1, 1, NULL, NULL, out, sizeof(out), &err);
    ok(st == -EINVAL && strstr(msg(err), "cannot exec in a paused container") != NULL,
       "exec into a paused container refused: %s", msg(err));
    mr_error_free(err);
    err = NULL;
    o = NULL;
    c = NULL;
    r = mr_exec_opts_new(&o, &err);
    if (r == 0)
      r = mr_exec_opts_set_args(o, 1, t1, &err);
    mr_exec_opts_set_ignore_paused(o, 1);
    mr_context_set_timeout(ctx, 300);
    if (r == 0)
      r = mr_container_exec(ctx, "api-exec", o, &c, &err);
    mr_context_set_timeout(ctx, MR_DEFAULT_TIMEOUT_MS);
    ok(r == -ETIMEDOUT && strstr(msg(err), "stayed paused") != NULL,
       "ignore_paused: killed when no resume comes within the timeout: %s", msg(err));
    mr_container_free(c);
    mr_exec_opts_free(o);
    mr_error_free(err);
    err = NULL;
    mr_container_resume(ctx, "api-exec", NULL);
  } else {
    skip(msg(err), "exec into a paused container");
    skip(msg(err), "ignore_paused");
    mr_error_free(err);
    err = NULL;
  }

  ok(count_fds() == fds_before, "no fd leaked (%d before, %d after)", fds_before, count_fds());

  mr_container_kill(ctx, "api-exec", SIGKILL, 0, NULL);
  mr_container_wait(init, 0, &st, NULL);
  const char *const t[] = {"true"};
  st = exec_capture(ctx, "api-exec", t, 1, NULL, NULL, out, sizeof(out), &err);
  ok(st == -EINVAL && strstr(msg(err), "stopped") != NULL, "exec into a stopped container: %s",
     msg(err));
  mr_error_free(err);
  err = NULL;
  ok(mr_container_delete(ctx, "api-exec", 0, &err) == 0, "delete (%s)", msg(err));
  st = exec_capture(ctx, "api-exec", t, 1, NULL, NULL, out, sizeof(out), &err);
  ok(st == -ENOENT, "exec into an unknown container: %s", msg(err));
  mr_error_free(err);

  mr_container_free(init);
  mr_config_free(cfg);
  mr_context_free(ctx);
  return tap_done();
}
