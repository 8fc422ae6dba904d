/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crashpoint.h - named steps where the crash-safety tests kill the runtime.
 *
 * MR_CRASH_POINT("state-written") marks a step of create/start/delete after
 * which a crash must leave something `delete --force` can clean up. In the
 * shipped library the macro is empty: no environment is read. Only the test
 * build (tests/crash/minirun-crashpoints, compiled with -DMR_CRASH_POINTS)
 * raises SIGKILL when MINIRUN_CRASH_AT names the step, so the tests can stop
 * the CLI exactly there (tests/integration/test-crash.sh).
 */
#ifndef MR_TESTING_CRASHPOINT_H
#define MR_TESTING_CRASHPOINT_H

#ifdef MR_CRASH_POINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void mr_crash_point(const char *step)
{
  const char *at = getenv("MINIRUN_CRASH_AT");
  if (at != NULL && strcmp(at, step) == 0)
    kill(getpid(), SIGKILL);
}
#define MR_CRASH_POINT(step) mr_crash_point(step)
/* MINIRUN_PAUSE_AT=STEP stops the process (SIGSTOP) at STEP instead, so a
 * test can look at it from outside (or from the container) and SIGCONT it.
 * Async-signal-safe: usable in a cloned child. */
extern char **environ;
static inline void mr_pause_point(const char *step)
{
  static const char key[] = "MINIRUN_PAUSE_AT=";
  for (char **e = environ; e != NULL && *e != NULL; e++)
    if (strncmp(*e, key, sizeof(key) - 1) == 0 && strcmp(*e + sizeof(key) - 1, step) == 0)
      kill((pid_t)syscall(SYS_getpid), SIGSTOP);
}
#define MR_PAUSE_POINT(step) mr_pause_point(step)
/* MINIRUN_FAKE=NAME[,NAME...] makes MR_FAKE("NAME") true: the code then
 * acts as if the kernel lacked a feature, so a test reaches the fallback of
 * older kernels on this one ("no-file-backed-erofs": image/lower.c). */
static inline int mr_fake(const char *name)
{
  size_t n = strlen(name);
  for (const char *p = getenv("MINIRUN_FAKE"); p != NULL;) {
    if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return 1;
    p = strchr(p, ',');
    if (p != NULL)
      p++;
  }
  return 0;
}
#define MR_FAKE(name) mr_fake(name)
#else
#define MR_CRASH_POINT(step) ((void)0)
#define MR_PAUSE_POINT(step) ((void)0)
#define MR_FAKE(name)        0
#endif

#endif
