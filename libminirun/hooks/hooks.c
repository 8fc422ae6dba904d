/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hooks.c - the hook plan, and running hooks at their lifecycle points. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../container.h"
#include "../spec.h"
#include "../sync.h"
#include "../util.h"
#include "hooks.h"

/* A pid no init has: the init's state templates are split where it
 * appears. Only the "pid" key can produce the unescaped text `"pid":`. */
#define PID_SENTINEL      2147483647
#define PID_SENTINEL_TEXT "\"pid\":2147483647"

static const char *const kind_names[HOOK_KIND_COUNT] = {
    [HOOK_PRESTART] = "prestart",
    [HOOK_CREATE_RUNTIME] = "createRuntime",
    [HOOK_CREATE_CONTAINER] = "createContainer",
    [HOOK_START_CONTAINER] = "startContainer",
    [HOOK_POSTSTART] = "poststart",
    [HOOK_POSTSTOP] = "poststop",
};

const char *hooks_kind_name(enum hook_kind kind)
{
  return kind_names[kind];
}

static const struct spec_hook_list *spec_list(const struct spec_hooks *h, enum hook_kind kind)
{
  switch (kind) {
  case HOOK_PRESTART:
    return &h->prestart;
  case HOOK_CREATE_RUNTIME:
    return &h->create_runtime;
  case HOOK_CREATE_CONTAINER:
    return &h->create_container;
  case HOOK_START_CONTAINER:
    return &h->start_container;
  case HOOK_POSTSTART:
    return &h->poststart;
  default:
    return &h->poststop;
  }
}

/* A NULL-terminated copy of the pointer array (the strings are borrowed). */
static char **null_terminated(char **items, size_t n, const char *only)
{
  char **v = calloc(n + 2, sizeof(*v));
  if (v == NULL)
    return NULL;
  if (n == 0 && only != NULL)
    v[0] = (char *)only;
  for (size_t i = 0; i < n; i++)
    v[i] = items[i];
  return v;
}

int hooks_build_list(const struct spec_hooks *hooks, enum hook_kind kind, struct hook_list *out,
                     mr_error **err)
{
  const struct spec_hook_list *src = spec_list(hooks, kind);
  out->cmds = NULL;
  out->n = 0;
  if (src->n_hooks == 0)
    return 0;
  out->cmds = calloc(src->n_hooks, sizeof(*out->cmds));
  if (out->cmds == NULL)
    return mr_err_sys(err, ENOMEM, "hooks");
  for (size_t i = 0; i < src->n_hooks; i++) {
    const struct spec_hook *h = &src->hooks[i];
    struct hook_cmd *c = &out->cmds[i];
    out->n = i + 1;
    snprintf(c->name, sizeof(c->name), "hooks.%s[%zu]", kind_names[kind], i);
    if (h->path == NULL || h->path[0] != '/')
      return mr_err(err, -EINVAL, "%s.path: must be an absolute path, got '%s'", c->name,
                    h->path ? h->path : "");
    c->path = h->path;
    /* As process.env: an entry without '=' would reach execve as is. */
    for (size_t k = 0; k < h->n_env; k++)
      if (strchr(h->env[k], '=') == NULL)
        return mr_err(err, -EINVAL, "config.json: %s.env[%zu]: '%s' is not NAME=VALUE", c->name, k,
                      h->env[k]);
    /* Without args, argv[0] is the path, as an exec without arguments. */
    c->argv = null_terminated(h->args, h->n_args, h->path);
    c->envp = null_terminated(h->env, h->n_env, NULL);
    c->timeout = h->has_timeout ? h->timeout : 0;
    if (c->argv == NULL || c->envp == NULL)
      return mr_err_sys(err, ENOMEM, "%s", c->name);
  }
  return 0;
}

void hooks_list_free(struct hook_list *list)
{
  for (size_t i = 0; i < list->n; i++) {
    free(list->cmds[i].argv);
    free(list->cmds[i].envp);
  }
  free(list->cmds);
  list->cmds = NULL;
  list->n = 0;
}

/* Renders the state of `status` with the sentinel pid and splits it. */
static int state_template(const struct mr_config *config, const char *id, const char *status,
                          char *parts[2], size_t *len, mr_error **err)
{
  cleanup_free char *json = NULL;
  const struct spec *s = config->spec;
  int r = hooks_state_json(id, status, PID_SENTINEL, config->bundle, s->annotations,
                           s->n_annotations, &json, err);
  if (r < 0)
    return r;
  char *at = strstr(json, PID_SENTINEL_TEXT);
  if (at == NULL)
    return mr_err(err, -EPROTO, "hooks: state template without pid");
  size_t head = (size_t)(at - json) + strlen("\"pid\":");
  parts[0] = strndup(json, head);
  parts[1] = strdup(at + strlen(PID_SENTINEL_TEXT));
  if (parts[0] == NULL || parts[1] == NULL)
    return mr_err_sys(err, ENOMEM, "hooks");
  *len = strlen(json);
  return 0;
}

static int plan_templates(const struct mr_config *config, const char *id, struct hooks_plan *hp,
                          mr_error **err)
{
  size_t len_creating = 0, len_created = 0;
  int r = state_template(config, id, "creating", hp->creating, &len_creating, err);
  if (r == 0)
    r = state_template(config, id, "created", hp->created, &len_created, err);
  if (r < 0)
    return r;
  /* Room for any pid in place of the sentinel's digits. */
  hp->state_buf_size = (len_creating > len_created ? len_creating : len_created) + 32;
  hp->state_buf = malloc(hp->state_buf_size);
  if (hp->state_buf == NULL)
    return mr_err_sys(err, ENOMEM, "hooks");
  return 0;
}

int hooks_plan(const struct mr_config *config, const char *id, struct hooks_plan *hp,
               mr_error **err)
{
  memset(hp, 0, sizeof(*hp));
  hp->result_fd = -1;
  int r = 0;
  for (int k = 0; r == 0 && k < HOOK_KIND_COUNT; k++)
    r = hooks_build_list(&config->spec->hooks, (enum hook_kind)k, &hp->lists[k], err);
  if (r == 0 && (hp->lists[HOOK_CREATE_CONTAINER].n > 0 || hp->lists[HOOK_START_CONTAINER].n > 0))
    r = plan_templates(config, id, hp, err);
  if (r < 0)
    hooks_plan_free(hp);
  return r;
}

void hooks_plan_free(struct hooks_plan *hp)
{
  for (int k = 0; k < HOOK_KIND_COUNT; k++)
    hooks_list_free(&hp->lists[k]);
  for (int i = 0; i < 2; i++) {
    free(hp->creating[i]);
    free(hp->created[i]);
    hp->creating[i] = hp->created[i] = NULL;
  }
  free(hp->state_buf);
  hp->state_buf = NULL;
  if (hp->result_fd >= 0)
    close(hp->result_fd);
  hp->result_fd = -1;
}

bool hooks_plan_needs_parent(const struct hooks_plan *hp)
{
  for (int k = HOOK_PRESTART; k <= HOOK_START_CONTAINER; k++)
    if (hp->lists[k].n > 0)
      return true;
  return false;
}

/* ------------------------------------------------------------------------ */
/* In the library process                                                    */
/* ------------------------------------------------------------------------ */

int hooks_run_list(const mr_context *ctx, const struct hook_list *list, const char *state,
                   bool fatal, mr_error **err)
{
  for (size_t i = 0; i < list->n; i++) {
    const struct hook_cmd *h = &list->cmds[i];
    char msg[1024];
    mr_debug(ctx, "running %s: %s", h->name, h->path);
    int r = hook_exec(h, state, strlen(state), msg, sizeof(msg));
    if (r < 0 && fatal)
      return mr_err(err, r, "%s", msg);
    if (r < 0)
      mr_warn(ctx, "%s", msg);
  }
  return 0;
}

int hooks_run_plan(const mr_context *ctx, const struct hooks_plan *hp, enum hook_kind kind,
                   const char *id, const struct mr_config *config, const char *status, pid_t pid,
                   mr_error **err)
{
  const struct hook_list *list = &hp->lists[kind];
  if (list->n == 0)
    return 0;
  cleanup_free char *state = NULL;
  const struct spec *s = config->spec;
  int r = hooks_state_json(id, status, pid, config->bundle, s->annotations, s->n_annotations,
                           &state, err);
  if (r < 0)
    return r;
  bool fatal = kind < HOOK_POSTSTART;
  return hooks_run_list(ctx, list, state, fatal, err);
}

int hooks_answer_init(const mr_context *ctx, const struct hooks_plan *hp, int sync_fd,
                      const char *id, const struct mr_config *config, pid_t pid, mr_error **err)
{
  int r = hooks_run_plan(ctx, hp, HOOK_PRESTART, id, config, "creating", pid, err);
  if (r == 0)
    r = hooks_run_plan(ctx, hp, HOOK_CREATE_RUNTIME, id, config, "creating", pid, err);
  if (r == 0 && sync_send(sync_fd, SYNC_GO, 0, pid) < 0)
    r = mr_err(err, -ECHILD, "container init exited during setup");
  return r;
}

/* ------------------------------------------------------------------------ */
/* In the container init (async-signal-safe)                                 */
/* ------------------------------------------------------------------------ */

void hooks_init_runtime(struct hooks_plan *hp, int sync_fd)
{
  if (!hooks_plan_needs_parent(hp))
    return;
  int pid = 0;
  /* EOF or anything else: the parent failed (a hook did) and kills us. */
  if (sync_send(sync_fd, SYNC_HOOKS, 0, 0) < 0 || sync_wait_pid(sync_fd, SYNC_GO, &pid) < 0)
    _exit(127);
  hp->host_pid = pid;
}

void hooks_init_run(struct hooks_plan *hp, enum hook_kind kind, int sync_fd)
{
  const struct hook_list *list = &hp->lists[kind];
  if (list->n == 0)
    return;
  char *const *parts = kind == HOOK_CREATE_CONTAINER ? hp->creating : hp->created;
  struct sbuf state = {hp->state_buf, hp->state_buf_size, 0};
  sbuf_add(&state, parts[0]);
  sbuf_add_int(&state, hp->host_pid);
  sbuf_add(&state, parts[1]);
  for (size_t i = 0; i < list->n; i++) {
    char msg[SYNC_TEXT_MAX - 1];
    int r = hook_exec(&list->cmds[i], state.buf, state.len, msg, sizeof(msg));
    if (r == 0)
      continue;
    /* `start` from another process reads it there (the creator is gone). */
    if (kind == HOOK_START_CONTAINER && hp->result_fd >= 0)
      (void)!write(hp->result_fd, msg, strlen(msg));
    sync_fail(sync_fd, r, msg, NULL, NULL, NULL);
  }
}
