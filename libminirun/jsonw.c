/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "jsonw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int jw_init(struct jw *w, mr_error **err)
{
  w->st = yajl_gen_status_ok;
  w->g = yajl_gen_alloc(NULL);
  if (w->g == NULL)
    return mr_err_sys(err, ENOMEM, "JSON writer");
  /* Invalid UTF-8 is refused now: yajl_tree would not read it back. */
  yajl_gen_config(w->g, yajl_gen_validate_utf8, 1);
  return 0;
}

void jw_map_open(struct jw *w)
{
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_map_open(w->g);
}

void jw_map_close(struct jw *w)
{
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_map_close(w->g);
}

void jw_array_open(struct jw *w)
{
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_array_open(w->g);
}

void jw_array_close(struct jw *w)
{
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_array_close(w->g);
}

void jw_str(struct jw *w, const char *s)
{
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_string(w->g, (const unsigned char *)s, strlen(s));
}

void jw_key_str(struct jw *w, const char *key, const char *value)
{
  if (value == NULL)
    return;
  jw_str(w, key);
  jw_str(w, value);
}

/* Numbers go through their text so uint64 values stay exact. */
static void key_number(struct jw *w, const char *key, const char *text, int len)
{
  jw_str(w, key);
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_number(w->g, text, (size_t)len);
}

void jw_key_u64(struct jw *w, const char *key, unsigned long long value)
{
  char text[32];
  key_number(w, key, text, snprintf(text, sizeof(text), "%llu", value));
}

void jw_key_i64(struct jw *w, const char *key, long long value)
{
  char text[32];
  key_number(w, key, text, snprintf(text, sizeof(text), "%lld", value));
}

void jw_key_bool(struct jw *w, const char *key, bool value)
{
  jw_str(w, key);
  if (w->st == yajl_gen_status_ok)
    w->st = yajl_gen_bool(w->g, value);
}

static int jw_finish(struct jw *w, const char *what, char **out, size_t *len, mr_error **err)
{
  if (w->st == yajl_gen_invalid_string)
    return mr_err(err, -EINVAL, "%s: a string is not valid UTF-8", what);
  if (w->st != yajl_gen_status_ok)
    return mr_err(err, -EINVAL, "%s: JSON generation failed (yajl status %d)", what, (int)w->st);
  const unsigned char *buf;
  yajl_gen_get_buf(w->g, &buf, len);
  *out = strndup((const char *)buf, *len);
  if (*out == NULL)
    return mr_err_sys(err, ENOMEM, "%s", what);
  return 0;
}

int jw_render(void (*write)(struct jw *w, const void *arg), const void *arg, const char *what,
              char **out, size_t *len, mr_error **err)
{
  *out = NULL;
  struct jw w;
  int r = jw_init(&w, err);
  if (r < 0)
    return r;
  write(&w, arg);
  r = jw_finish(&w, what, out, len, err);
  yajl_gen_free(w.g);
  return r;
}
