/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jsonw.h - a small JSON writer over yajl_gen for the documents the library
 * produces (state.json, the OCI state). Every call is a no-op after the
 * first failure, so a document is written straight through and checked
 * once by jw_finish().
 */
#ifndef MR_JSONW_H
#define MR_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>

#include "error.h"

struct jw {
  yajl_gen g;
  yajl_gen_status st;
};

void jw_map_open(struct jw *w);
void jw_map_close(struct jw *w);
void jw_array_open(struct jw *w);
void jw_array_close(struct jw *w);
void jw_str(struct jw *w, const char *s);
/* "key": "value"; nothing at all when value is NULL. */
void jw_key_str(struct jw *w, const char *key, const char *value);
void jw_key_u64(struct jw *w, const char *key, unsigned long long value);
void jw_key_i64(struct jw *w, const char *key, long long value);
void jw_key_bool(struct jw *w, const char *key, bool value);

/* Runs `write(w, arg)` on a fresh compact writer (strings must be valid
 * UTF-8) and returns the document as a new NUL-terminated string, or an
 * error naming `what` when any call failed. */
int jw_render(void (*write)(struct jw *w, const void *arg), const void *arg, const char *what,
              char **out, size_t *len, mr_error **err);

#endif /* MR_JSONW_H */
