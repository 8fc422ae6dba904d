/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manifest.c - the supervisor's manifest, parsed with yajl:
 *
 *   {"services": [{"name": "web", "bundle": "/srv/web",
 *                  "depends_on": ["db"],
 *                  "restart": "no" | "on-failure" | "always",
 *                  "backoff_ms": [100, 5000],
 *                  "health": {"tcp": 8080} | {"exec": ["sh", "-c", "..."]},
 *                  "health_interval_ms": 200, "health_timeout_ms": 10000,
 *                  "update": "download-then-kill" | "kill-then-download" |
 *                            "hand-over",
 *                  "network_from": "db"}]}
 *
 * Unknown keys are errors (nothing is ignored silently). Services are
 * returned sorted so that each comes after the services it depends on; a
 * dependency cycle or an unknown dependency is an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "supervisor.h"

#define MANIFEST_MAX (1 << 20)

static int fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t len, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, len, fmt, ap);
  va_end(ap);
  return -EINVAL;
}

const char *sv_restart_name(enum sv_restart r)
{
  return r == SV_RESTART_ALWAYS ? "always" : r == SV_RESTART_ON_FAILURE ? "on-failure" : "no";
}

const char *sv_update_name(enum sv_update u)
{
  return u == SV_UPDATE_HAND_OVER            ? "hand-over"
         : u == SV_UPDATE_KILL_THEN_DOWNLOAD ? "kill-then-download"
                                             : "download-then-kill";
}

static int get_uint(yajl_val v, const char *field, unsigned max, unsigned *out, char *why,
                    size_t len)
{
  if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 || YAJL_GET_INTEGER(v) > (long long)max)
    return fail(why, len, "%s: expected an integer 0..%u", field, max);
  *out = (unsigned)YAJL_GET_INTEGER(v);
  return 0;
}

static char **string_array(yajl_val v)
{
  char **argv = calloc(v->u.array.len + 1, sizeof(*argv));
  for (size_t i = 0; argv && i < v->u.array.len; i++)
    argv[i] = strdup(v->u.array.values[i]->u.string);
  return argv;
}

static bool all_strings(yajl_val v)
{
  if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0)
    return false;
  for (size_t i = 0; i < v->u.array.len; i++)
    if (!YAJL_IS_STRING(v->u.array.values[i]))
      return false;
  return true;
}

static int parse_health(yajl_val h, struct sv_spec *s, char *why, size_t len)
{
  if (!YAJL_IS_OBJECT(h) || h->u.object.len != 1)
    return fail(why, len, "health: expected {\"tcp\": PORT} or {\"exec\": [ARGS]}");
  const char *k = h->u.object.keys[0];
  yajl_val v = h->u.object.values[0];
  unsigned port = 0;
  if (strcmp(k, "tcp") == 0) {
    if (get_uint(v, "health.tcp", 65535, &port, why, len) < 0 || port == 0)
      return fail(why, len, "health.tcp: expected a port 1..65535");
    s->health_port = (int)port;
    return 0;
  }
  if (strcmp(k, "exec") == 0) {
    if (!all_strings(v))
      return fail(why, len, "health.exec: expected a non-empty array of strings");
    s->health_exec = string_array(v);
    return 0;
  }
  return fail(why, len, "health: unknown check '%s' (tcp, exec)", k);
}

static int parse_service(yajl_val o, struct sv_spec *s, size_t idx, char *why, size_t len)
{
  char f[64];
  snprintf(f, sizeof f, "services[%zu]", idx);
  if (!YAJL_IS_OBJECT(o))
    return fail(why, len, "%s: expected an object", f);
  s->restart = SV_RESTART_ON_FAILURE;
  s->backoff_initial_ms = 100;
  s->backoff_max_ms = 10000;
  s->health_interval_ms = 200;
  s->health_timeout_ms = 10000;
  s->update = SV_UPDATE_HAND_OVER;
  for (size_t i = 0; i < o->u.object.len; i++) {
    const char *k = o->u.object.keys[i];
    yajl_val v = o->u.object.values[i];
    int r = 0;
    if (strcmp(k, "name") == 0) {
      const char *n = YAJL_GET_STRING(v);
      if (!n || !*n || strlen(n) >= SV_NAME_MAX ||
          strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(n))
        return fail(why, len, "%s.name: expected 1..%d characters of [a-z0-9-]", f,
                    SV_NAME_MAX - 1);
      snprintf(s->name, sizeof s->name, "%s", n);
    } else if (strcmp(k, "bundle") == 0) {
      if (!YAJL_IS_STRING(v) || YAJL_GET_STRING(v)[0] != '/')
        return fail(why, len, "%s.bundle: expected an absolute path", f);
      s->bundle = strdup(v->u.string);
    } else if (strcmp(k, "depends_on") == 0) {
      if (!YAJL_IS_ARRAY(v) || v->u.array.len > SV_MAX_DEPS ||
          (v->u.array.len > 0 && !all_strings(v)))
        return fail(why, len, "%s.depends_on: expected up to %d service names", f, SV_MAX_DEPS);
      for (size_t d = 0; d < v->u.array.len; d++)
        s->deps[s->n_deps++] = strdup(v->u.array.values[d]->u.string);
    } else if (strcmp(k, "restart") == 0) {
      const char *p = YAJL_GET_STRING(v);
      if (p && strcmp(p, "no") == 0)
        s->restart = SV_RESTART_NO;
      else if (p && strcmp(p, "on-failure") == 0)
        s->restart = SV_RESTART_ON_FAILURE;
      else if (p && strcmp(p, "always") == 0)
        s->restart = SV_RESTART_ALWAYS;
      else
        return fail(why, len, "%s.restart: expected \"no\", \"on-failure\" or \"always\"", f);
    } else if (strcmp(k, "backoff_ms") == 0) {
      if (!YAJL_IS_ARRAY(v) || v->u.array.len != 2)
        return fail(why, len, "%s.backoff_ms: expected [INITIAL, MAX]", f);
      r = get_uint(v->u.array.values[0], "backoff_ms[0]", 3600000, &s->backoff_initial_ms, why,
                   len);
      if (r == 0)
        r = get_uint(v->u.array.values[1], "backoff_ms[1]", 3600000, &s->backoff_max_ms, why, len);
      if (r == 0 && (s->backoff_initial_ms == 0 || s->backoff_max_ms < s->backoff_initial_ms))
        return fail(why, len, "%s.backoff_ms: expected 0 < INITIAL <= MAX", f);
    } else if (strcmp(k, "health") == 0) {
      r = parse_health(v, s, why, len);
    } else if (strcmp(k, "health_interval_ms") == 0) {
      r = get_uint(v, "health_interval_ms", 3600000, &s->health_interval_ms, why, len);
    } else if (strcmp(k, "health_timeout_ms") == 0) {
      r = get_uint(v, "health_timeout_ms", 3600000, &s->health_timeout_ms, why, len);
    } else if (strcmp(k, "update") == 0) {
      const char *p = YAJL_GET_STRING(v);
      if (p && strcmp(p, "download-then-kill") == 0)
        s->update = SV_UPDATE_DOWNLOAD_THEN_KILL;
      else if (p && strcmp(p, "kill-then-download") == 0)
        s->update = SV_UPDATE_KILL_THEN_DOWNLOAD;
      else if (p && strcmp(p, "hand-over") == 0)
        s->update = SV_UPDATE_HAND_OVER;
      else
        return fail(why, len,
                    "%s.update: expected \"download-then-kill\", \"kill-then-download\" or "
                    "\"hand-over\"",
                    f);
    } else if (strcmp(k, "network_from") == 0) {
      if (!YAJL_IS_STRING(v) || !v->u.string[0])
        return fail(why, len, "%s.network_from: expected a service name", f);
      s->network_from = strdup(v->u.string);
    } else {
      return fail(why, len, "%s: unknown key '%s'", f, k);
    }
    if (r < 0) {
      char inner[256];
      snprintf(inner, sizeof inner, "%s", why);
      return fail(why, len, "%s.%s", f, inner);
    }
  }
  if (!s->name[0])
    return fail(why, len, "%s.name: missing", f);
  if (!s->bundle)
    return fail(why, len, "%s (%s).bundle: missing", f, s->name);
  /* The service whose network namespace is joined must run first. */
  bool listed = false;
  for (size_t d = 0; s->network_from && d < s->n_deps; d++)
    listed |= strcmp(s->deps[d], s->network_from) == 0;
  if (s->network_from && !listed) {
    if (s->n_deps == SV_MAX_DEPS)
      return fail(why, len, "%s.depends_on: no room for network_from", f);
    s->deps[s->n_deps++] = strdup(s->network_from);
  }
  return 0;
}

static int find(const struct sv_manifest *m, const char *name)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->services[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* Orders services so that dependencies come first (depth-first; `mark`: 0
 * unseen, 1 on the current path, 2 placed). */
static int visit(const struct sv_manifest *m, size_t i, int *mark, size_t *order, size_t *n,
                 char *why, size_t len)
{
  if (mark[i] == 2)
    return 0;
  if (mark[i] == 1)
    return fail(why, len, "services: dependency cycle through '%s'", m->services[i].name);
  mark[i] = 1;
  for (size_t d = 0; d < m->services[i].n_deps; d++) {
    int j = find(m, m->services[i].deps[d]);
    if (j < 0)
      return fail(why, len, "services (%s).depends_on: unknown service '%s'", m->services[i].name,
                  m->services[i].deps[d]);
    if (visit(m, (size_t)j, mark, order, n, why, len) < 0)
      return -EINVAL;
  }
  mark[i] = 2;
  order[(*n)++] = i;
  return 0;
}

static int sort_by_deps(struct sv_manifest *m, char *why, size_t len)
{
  int mark[SV_MAX_SERVICES] = {0};
  size_t order[SV_MAX_SERVICES] = {0}, n = 0;
  for (size_t i = 0; i < m->n; i++)
    if (visit(m, i, mark, order, &n, why, len) < 0)
      return -EINVAL;
  if (n != m->n)
    return fail(why, len, "services: internal error ordering dependencies");
  struct sv_spec sorted[SV_MAX_SERVICES];
  memset(sorted, 0, sizeof sorted);
  for (size_t i = 0; i < m->n; i++)
    sorted[i] = m->services[order[i]];
  memcpy(m->services, sorted, m->n * sizeof(sorted[0]));
  return 0;
}

static char *read_text(const char *path, char *why, size_t len)
{
  FILE *f = fopen(path, "re");
  if (!f) {
    fail(why, len, "%s: %s", path, strerror(errno));
    return NULL;
  }
  char *text = malloc(MANIFEST_MAX + 1);
  size_t n = text ? fread(text, 1, MANIFEST_MAX + 1, f) : 0;
  fclose(f);
  if (!text || n > MANIFEST_MAX) {
    free(text);
    fail(why, len, "%s: larger than %d bytes", path, MANIFEST_MAX);
    return NULL;
  }
  text[n] = '\0';
  return text;
}

int sv_manifest_load(const char *path, struct sv_manifest *m, char *why, size_t len)
{
  char err[256] = "";
  memset(m, 0, sizeof *m);
  if (!realpath(path, m->path))
    snprintf(m->path, sizeof m->path, "%s", path);
  char *text = read_text(path, why, len);
  if (!text)
    return -EINVAL;
  yajl_val root = yajl_tree_parse(text, err, sizeof err);
  free(text);
  int r = 0;
  if (!root) {
    r = fail(why, len, "%s: invalid JSON: %s", path, err);
    goto out;
  }
  const char *services_path[] = {"services", NULL};
  yajl_val svcs = yajl_tree_get(root, services_path, yajl_t_array);
  if (!YAJL_IS_OBJECT(root) || root->u.object.len != 1 || !svcs || svcs->u.array.len == 0 ||
      svcs->u.array.len > SV_MAX_SERVICES) {
    r = fail(why, len, "%s: expected {\"services\": [1..%d services]}", path, SV_MAX_SERVICES);
    goto out;
  }
  for (size_t i = 0; i < svcs->u.array.len && r == 0; i++) {
    r = parse_service(svcs->u.array.values[i], &m->services[i], i, why, len);
    m->n = i + 1;
    if (r == 0 && find(m, m->services[i].name) != (int)i)
      r = fail(why, len, "services[%zu].name: '%s' used twice", i, m->services[i].name);
  }
  if (r == 0)
    r = sort_by_deps(m, why, len);
out:
  yajl_tree_free(root);
  if (r < 0)
    sv_manifest_free(m);
  return r;
}

void sv_manifest_free(struct sv_manifest *m)
{
  for (size_t i = 0; i < m->n; i++) {
    struct sv_spec *s = &m->services[i];
    free(s->bundle);
    free(s->network_from);
    for (size_t d = 0; d < s->n_deps; d++)
      free(s->deps[d]);
    for (size_t a = 0; s->health_exec && s->health_exec[a]; a++)
      free(s->health_exec[a]);
    free(s->health_exec);
  }
  memset(m, 0, sizeof *m);
}
