/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-closefds.c - unit tests of isolate/closefds.c, the fd closing of
 * kernels before close_range (5.9): the /proc/self/fd walk closes an fd
 * above the soft fd limit and keeps the listed ones; it refuses a /proc
 * that is no procfs (an empty directory would close nothing); the loop
 * reaches past a lowered soft limit. Each case runs in a child (it closes
 * the child's fds). Output is TAP.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate/closefds.h"

#include "../tap.h"

enum { WALK, LOOP, FAKE_PROC };
enum { SETUP = 32 }; /* child exit statuses SETUP + step: the step failed */

static bool is_open(int fd)
{
  return fcntl(fd, F_GETFD) >= 0;
}

/* A /proc that is a tmpfs with an empty self/fd, in a mount namespace of
 * the child's own. */
static bool fake_proc(void)
{
  return unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
         mount("tmpfs", "/proc", "tmpfs", 0, NULL) == 0 && mkdir("/proc/self", 0755) == 0 &&
         mkdir("/proc/self/fd", 0755) == 0;
}

/* In a child: fds `low` (kept), `mid` and `high` (above the lowered soft
 * limit) open, then the method; exit status: bit 0 walk refused, bit 1
 * `low` closed, bit 2 `mid` open, bit 3 `high` open, 16 setup failed. */
static int run_case(int method, int high)
{
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl;
    int p[2];
    int low = pipe(p) == 0 ? p[0] : -1;
    if (low < 0)
      _exit(SETUP + 0);
    if (dup2(low, 100) < 0)
      _exit(SETUP + 1);
    if (dup2(low, high) < 0)
      _exit(SETUP + 2);
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
      _exit(SETUP + 3);
    rl.rlim_cur = 64; /* high stays open above it */
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
      _exit(SETUP + 4);
    if (method == FAKE_PROC && !fake_proc())
      _exit(SETUP + 5);
    int keep[] = {low};
    int st = 0;
    if (method == LOOP)
      closefds_by_loop(low + 1, keep, 1);
    else if (!closefds_by_proc(low + 1, keep, 1))
      st |= 1;
    st |= (!is_open(low) ? 2 : 0) | (is_open(100) ? 4 : 0) | (is_open(high) ? 8 : 0);
    _exit(st);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid)
    return 16;
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status); /* a crash in the code under test: a failure */
  return WEXITSTATUS(status);
}

/* The child could not set the case up (not the code under test): a skip
 * naming the step. */
static bool setup_failed(int st, const char *what)
{
  static const char *const steps[] = {"pipe",      "dup2 to 100",  "dup2 to the high fd",
                                      "getrlimit", "setrlimit 64", "a tmpfs /proc"};
  if (st < SETUP || st > SETUP + 5)
    return false;
  char why[96];
  snprintf(why, sizeof(why), "setup failed in the child: %s", steps[st - SETUP]);
  skip(why, "%s", what);
  return true;
}

int main(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max < 1024) {
    skip("hard fd limit below 1024", "closefds");
    return tap_done();
  }
  int high = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (1u << 20) ? (1 << 20) - 1
                                                                      : (int)rl.rlim_max - 1;
  int st = run_case(WALK, high);
  if (!setup_failed(st, "walk"))
    ok(st == 0, "walk: fd 100 and fd %d (above the soft limit 64) closed, the kept one open (%d)",
       high, st);
  st = run_case(LOOP, high);
  if (!setup_failed(st, "loop"))
    ok(st == 0, "loop: fd 100 and fd %d (above the soft limit 64) closed, the kept one open (%d)",
       high, st);
  if (geteuid() != 0) {
    skip("needs root for a mount namespace", "walk refuses a /proc that is no procfs");
  } else {
    st = run_case(FAKE_PROC, high);
    if (!setup_failed(st, "walk refuses a tmpfs /proc"))
      ok(st == (1 | 4 | 8), "walk refuses a tmpfs /proc and closes nothing (%d)", st);
  }
  return tap_done();
}
