/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * error.h - the one error pattern of libminirun.
 *
 * A failing function returns a negative code and, when the caller passed a
 * non-NULL `err`, leaves an allocated message there:
 *
 *     if (stat(path, &st) < 0)
 *       return mr_err_sys(err, errno, "rootfs %s", path);
 *     ...
 *     return mr_err(err, -EINVAL, "process.args: must not be empty");
 *
 * mr_err_sys() appends ": <strerror>" and returns -errnum. Callers that add
 * context to an error they received use mr_err_prefix().
 */
#ifndef MR_ERROR_H
#define MR_ERROR_H

#include "minirun.h"

#define MR_PRINTF(a, b) __attribute__((format(printf, a, b)))

struct mr_error {
  int code;   /* the negative return value */
  int errnum; /* errno, 0 for non-system errors */
  char *message;
};

/* Sets *err (if err != NULL and *err is NULL) and returns `code` (< 0). */
int mr_err(mr_error **err, int code, const char *fmt, ...) MR_PRINTF(3, 4);
/* System error: message ": strerror(errnum)", returns -errnum. */
int mr_err_sys(mr_error **err, int errnum, const char *fmt, ...) MR_PRINTF(3, 4);
/* Prepends "<prefix>: " to an existing error message; returns its code. */
int mr_err_prefix(mr_error **err, int code, const char *fmt, ...) MR_PRINTF(3, 4);
/* Drops an error the caller decided to tolerate; returns 0. */
int mr_err_clear(mr_error **err);
/* An error built from parts already known (errnum may be 0). */
int mr_err_from(mr_error **err, int code, int errnum, const char *message);

#ifdef __clang_analyzer__
#include <errno.h>
/* The static analyzer (scripts/static-analysis.sh) sees one file at a time
 * and cannot know that these return < 0, so it follows impossible "error
 * returned 0" paths into NULL dereferences. Tell it. */
static inline int mr_err_negative_(int r)
{
  return r < 0 ? r : -EINVAL;
}
#define mr_err(...)     mr_err_negative_((mr_err)(__VA_ARGS__))
#define mr_err_sys(...) mr_err_negative_((mr_err_sys)(__VA_ARGS__))
#endif

#endif /* MR_ERROR_H */
