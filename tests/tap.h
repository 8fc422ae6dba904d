/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tap.h - the TAP output of every C test program under tests/ (header-only:
 * each program is one translation unit). ok()/check() print "ok N - what"
 * or "not ok N - what" and return the condition; skip() an "ok N - what #
 * SKIP why"; diag() a "# ..." comment; bail() "Bail out! ..." and exit 2;
 * tap_done() prints the plan "1..N" at the end and returns the exit status
 * (1 when anything failed).
 */
#ifndef MR_TESTS_TAP_H
#define MR_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define TAP_PRINTF(f, a) __attribute__((format(printf, f, a), unused))

static int tap_tests, tap_failed;

static bool tap_vok(bool cond, const char *fmt, va_list ap)
{
  tap_tests++;
  if (!cond)
    tap_failed++;
  printf("%sok %d - ", cond ? "" : "not ", tap_tests);
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
  return cond;
}

TAP_PRINTF(2, 3) static bool ok(bool cond, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  tap_vok(cond, fmt, ap);
  va_end(ap);
  return cond;
}

/* The same as ok(), under the name some programs use. */
TAP_PRINTF(2, 3) static bool check(bool cond, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  tap_vok(cond, fmt, ap);
  va_end(ap);
  return cond;
}

TAP_PRINTF(2, 3) static void skip(const char *why, const char *fmt, ...)
{
  va_list ap;
  tap_tests++;
  printf("ok %d - ", tap_tests);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf(" # SKIP %s\n", why);
  fflush(stdout);
}

TAP_PRINTF(1, 2) static void diag(const char *fmt, ...)
{
  va_list ap;
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

TAP_PRINTF(1, 2) __attribute__((noreturn)) static void bail(const char *fmt, ...)
{
  va_list ap;
  printf("Bail out! ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
  exit(2);
}

__attribute__((unused)) static int tap_done(void)
{
  printf("1..%d\n", tap_tests);
  if (tap_failed > 0)
    diag("%d of %d tests failed", tap_failed, tap_tests);
  fflush(stdout);
  return tap_failed > 0 ? 1 : 0;
}

#endif /* MR_TESTS_TAP_H */
