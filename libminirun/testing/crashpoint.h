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
#include <unistd.h>

static inline void mr_crash_point(const char *step)
{
  const char *at = getenv("MINIRUN_CRASH_AT");
  if (at != NULL && strcmp(at, step) == 0)
    kill(getpid(), SIGKILL);
}
#define MR_CRASH_POINT(step) mr_crash_point(step)
#else
#define MR_CRASH_POINT(step) ((void)0)
#endif

#endif
