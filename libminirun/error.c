/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The definitions below, not the static analyzer's wrappers (error.h). */
#undef mr_err
#undef mr_err_sys

static mr_error *error_alloc(int code, int errnum, char *message)
{
  mr_error *e = calloc(1, sizeof(*e));
  if (e == NULL) {
    free(message);
    return NULL;
  }
  e->code = code;
  e->errnum = errnum;
  e->message = message;
  return e;
}

/* Out of memory while reporting: keep the code, use a static text. */
static void error_store(mr_error **err, int code, int errnum, char *message)
{
  if (err == NULL || *err != NULL) {
    free(message);
    return;
  }
  if (message == NULL)
    message = strdup("out of memory");
  *err = error_alloc(code, errnum, message);
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    return NULL;
  return s;
}

int mr_err(mr_error **err, int code, const char *fmt, ...)
{
  if (code >= 0)
    code = -EINVAL;
  if (err == NULL)
    return code;
  va_list ap;
  va_start(ap, fmt);
  char *msg = vformat(fmt, ap);
  va_end(ap);
  error_store(err, code, 0, msg);
  return code;
}

int mr_err_sys(mr_error **err, int errnum, const char *fmt, ...)
{
  if (errnum <= 0)
    errnum = EIO;
  if (err == NULL)
    return -errnum;
  va_list ap;
  va_start(ap, fmt);
  char *what = vformat(fmt, ap);
  va_end(ap);
  char *msg = NULL;
  if (what == NULL || asprintf(&msg, "%s: %s", what, strerror(errnum)) < 0)
    msg = NULL;
  free(what);
  error_store(err, -errnum, errnum, msg);
  return -errnum;
}

int mr_err_prefix(mr_error **err, int code, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return code;
  va_list ap;
  va_start(ap, fmt);
  char *prefix = vformat(fmt, ap);
  va_end(ap);
  char *msg = NULL;
  if (prefix != NULL && asprintf(&msg, "%s: %s", prefix, (*err)->message) >= 0) {
    free((*err)->message);
    (*err)->message = msg;
  }
  free(prefix);
  return code;
}

int mr_err_from(mr_error **err, int code, int errnum, const char *message)
{
  if (code >= 0)
    code = errnum > 0 ? -errnum : -EINVAL;
  if (err != NULL)
    error_store(err, code, errnum, strdup(message));
  return code;
}

int mr_err_clear(mr_error **err)
{
  if (err != NULL) {
    mr_error_free(*err);
    *err = NULL;
  }
  return 0;
}

int mr_error_errno(const mr_error *err)
{
  return err ? err->errnum : 0;
}
int mr_error_code(const mr_error *err)
{
  return err ? err->code : 0;
}
const char *mr_error_message(const mr_error *err)
{
  return err && err->message ? err->message : "unknown error";
}

void mr_error_free(mr_error *err)
{
  if (err == NULL)
    return;
  free(err->message);
  free(err);
}
