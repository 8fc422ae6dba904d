/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jq.h - JSON literals in C tests written with 'single' quotes, so they read
 * without backslashes: jq("{'a': 1}") is a new "{\"a\": 1}" (abort() when
 * out of memory; the caller frees it). Header-only, like tap.h.
 */
#ifndef MR_TESTS_JQ_H
#define MR_TESTS_JQ_H

#include <stdlib.h>
#include <string.h>

static char *jq(const char *s)
{
  char *d = strdup(s);
  if (d == NULL)
    abort();
  for (char *p = d; *p; p++)
    if (*p == '\'')
      *p = '"';
  return d;
}

#endif /* MR_TESTS_JQ_H */
