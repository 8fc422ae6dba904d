/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks-state.c - the OCI state hooks read, and hooks.json: the poststart
 * and poststop hooks kept in the state dir, because `start` and `delete`
 * usually run in other processes than `create`, and the bundle's config.json
 * may have changed or vanished meanwhile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "../jsonw.h"
#include "../spec.h"
#include "../state.h"
#include "../util.h"
#include "hooks.h"

#define HOOKS_FILE_MAX (4 << 20)

/* ------------------------------------------------------------------------ */
/* The state on stdin                                                        */
/* ------------------------------------------------------------------------ */

struct state_args {
  const char *id, *status, *bundle;
  pid_t pid;
  const struct spec_kv *annotations;
  size_t n_annotations;
};

static void jw_hook_state(struct jw *w, const void *arg)
{
  const struct state_args *a = arg;
  jw_map_open(w);
  jw_key_str(w, "ociVersion", "1.2.0");
  jw_key_str(w, "id", a->id);
  jw_key_str(w, "status", a->status);
  jw_key_i64(w, "pid", a->pid);
  jw_key_str(w, "bundle", a->bundle);
  if (a->n_annotations > 0) {
    jw_str(w, "annotations");
    jw_map_open(w);
    for (size_t i = 0; i < a->n_annotations; i++)
      jw_key_str(w, a->annotations[i].key, a->annotations[i].value ? a->annotations[i].value : "");
    jw_map_close(w);
  }
  jw_map_close(w);
}

int hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle,
                     const struct spec_kv *annotations, size_t n_annotations, char **out,
                     mr_error **err)
{
  struct state_args a = {id, status, bundle ? bundle : "", pid, annotations, n_annotations};
  size_t len;
  return jw_render(jw_hook_state, &a, "hook state", out, &len, err);
}

void hooks_run_recorded(const mr_context *ctx, const struct hook_list *list,
                        const struct state_record *rec, const char *status, pid_t pid)
{
  if (list->n == 0)
    return;
  cleanup_free char *state = NULL;
  mr_error *err = NULL;
  int r = hooks_state_json(rec->id, status, pid, rec->bundle, rec->annotations, rec->n_annotations,
                           &state, &err);
  if (r == 0)
    hooks_run_list(ctx, list, state, false, NULL);
  else
    mr_warn(ctx, "container '%s': %s hooks not run: %s", rec->id, status, mr_error_message(err));
  mr_error_free(err);
}

/* ------------------------------------------------------------------------ */
/* hooks.json                                                                */
/* ------------------------------------------------------------------------ */

static void jw_strv(struct jw *w, const char *key, char **v, size_t n)
{
  jw_str(w, key);
  jw_array_open(w);
  for (size_t i = 0; i < n; i++)
    jw_str(w, v[i]);
  jw_array_close(w);
}

static void jw_hook_list(struct jw *w, const char *key, const struct spec_hook_list *l)
{
  jw_str(w, key);
  jw_array_open(w);
  for (size_t i = 0; i < l->n_hooks; i++) {
    const struct spec_hook *h = &l->hooks[i];
    jw_map_open(w);
    jw_key_str(w, "path", h->path);
    jw_strv(w, "args", h->args, h->n_args);
    jw_strv(w, "env", h->env, h->n_env);
    if (h->has_timeout)
      jw_key_i64(w, "timeout", h->timeout);
    jw_map_close(w);
  }
  jw_array_close(w);
}

static void jw_hooks_file(struct jw *w, const void *arg)
{
  const struct spec_hooks *h = arg;
  jw_map_open(w);
  jw_hook_list(w, "poststart", &h->poststart);
  jw_hook_list(w, "poststop", &h->poststop);
  jw_map_close(w);
}

int hooks_file_write(int dirfd, const struct spec_hooks *hooks, mr_error **err)
{
  if (hooks->poststart.n_hooks == 0 && hooks->poststop.n_hooks == 0)
    return 0;
  cleanup_free char *json = NULL;
  size_t len;
  int r = jw_render(jw_hooks_file, hooks, HOOKS_FILE, &json, &len, err);
  if (r == 0)
    r = util_write_file_atomic(dirfd, HOOKS_FILE, json, len, 0600, err);
  return r;
}

static int bad(mr_error **err, const char *list, size_t i, const char *what)
{
  return mr_err(err, -EINVAL, HOOKS_FILE ": %s[%zu]: %s", list, i, what);
}

/* A JSON array of strings as a NULL-terminated array borrowing them. */
static int strv_from(yajl_val v, char ***out, size_t *n)
{
  *out = NULL;
  *n = 0;
  if (v == NULL)
    return 0;
  if (!YAJL_IS_ARRAY(v))
    return -1;
  size_t len = v->u.array.len;
  for (size_t i = 0; i < len; i++)
    if (!YAJL_IS_STRING(v->u.array.values[i]))
      return -1;
  char **items = calloc(len + 1, sizeof(*items));
  if (items == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < len; i++)
    items[i] = v->u.array.values[i]->u.string;
  *out = items;
  *n = len;
  return 0;
}

static int cmd_from(yajl_val obj, const char *list, size_t i, struct hook_cmd *c, mr_error **err)
{
  snprintf(c->name, sizeof(c->name), "hooks.%s[%zu]", list, i);
  if (!YAJL_IS_OBJECT(obj))
    return bad(err, list, i, "expected an object");
  const char *path_key[] = {"path", NULL}, *args_key[] = {"args", NULL}, *env_key[] = {"env", NULL},
             *timeout_key[] = {"timeout", NULL};
  yajl_val path = yajl_tree_get(obj, path_key, yajl_t_string);
  if (path == NULL || path->u.string[0] != '/')
    return bad(err, list, i, "path: expected an absolute path");
  c->path = path->u.string;
  size_t n;
  int r = strv_from(yajl_tree_get(obj, args_key, yajl_t_any), &c->argv, &n);
  if (r == 0 && n == 0) {
    free(c->argv);
    c->argv = calloc(2, sizeof(*c->argv));
    if (c->argv != NULL)
      c->argv[0] = path->u.string;
  }
  if (r == 0)
    r = strv_from(yajl_tree_get(obj, env_key, yajl_t_any), &c->envp, &n);
  if (r == 0 && c->envp == NULL)
    c->envp = calloc(1, sizeof(*c->envp));
  if (r == -1)
    return bad(err, list, i, "args/env: expected arrays of strings");
  if (r < 0 || c->argv == NULL || c->envp == NULL)
    return mr_err_sys(err, ENOMEM, HOOKS_FILE);
  yajl_val t = yajl_tree_get(obj, timeout_key, yajl_t_any);
  if (t != NULL &&
      (!YAJL_IS_INTEGER(t) || YAJL_GET_INTEGER(t) <= 0 || YAJL_GET_INTEGER(t) > INT32_MAX))
    return bad(err, list, i, "timeout: expected a positive integer");
  c->timeout = t != NULL ? (int)YAJL_GET_INTEGER(t) : 0;
  return 0;
}

static int list_from(yajl_val root, const char *key, struct hook_list *out, mr_error **err)
{
  const char *path[] = {key, NULL};
  yajl_val arr = yajl_tree_get(root, path, yajl_t_any);
  if (arr == NULL)
    return 0;
  if (!YAJL_IS_ARRAY(arr))
    return mr_err(err, -EINVAL, HOOKS_FILE ": %s: expected an array", key);
  size_t n = arr->u.array.len;
  if (n == 0)
    return 0;
  out->cmds = calloc(n, sizeof(*out->cmds));
  if (out->cmds == NULL)
    return mr_err_sys(err, ENOMEM, HOOKS_FILE);
  for (size_t i = 0; i < n; i++) {
    out->n = i + 1;
    int r = cmd_from(arr->u.array.values[i], key, i, &out->cmds[i], err);
    if (r < 0)
      return r;
  }
  return 0;
}

int hooks_file_read(int dirfd, struct hooks_file *out, mr_error **err)
{
  memset(out, 0, sizeof(*out));
  cleanup_free char *text = NULL;
  size_t len;
  mr_error *local = NULL;
  int r = util_read_file_at(dirfd, HOOKS_FILE, HOOKS_FILE_MAX, &text, &len, &local);
  if (r == -ENOENT) {
    mr_error_free(local);
    return 0; /* the container has no poststart/poststop hooks */
  }
  if (r < 0) {
    if (err != NULL && *err == NULL)
      *err = local;
    else
      mr_error_free(local);
    return r;
  }
  char why[128] = "";
  yajl_val root = yajl_tree_parse(text, why, sizeof(why));
  if (root == NULL || !YAJL_IS_OBJECT(root)) {
    yajl_tree_free(root);
    why[strcspn(why, "\n")] = '\0'; /* yajl adds the text and a marker below */
    return mr_err(err, -EINVAL, HOOKS_FILE ": not a valid JSON object%s%s", why[0] ? ": " : "",
                  why);
  }
  out->tree = root;
  r = list_from(root, "poststart", &out->poststart, err);
  if (r == 0)
    r = list_from(root, "poststop", &out->poststop, err);
  if (r < 0)
    hooks_file_free(out);
  return r;
}

void hooks_file_free(struct hooks_file *f)
{
  hooks_list_free(&f->poststart);
  hooks_list_free(&f->poststop);
  yajl_tree_free(f->tree);
  f->tree = NULL;
}
