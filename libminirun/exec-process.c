/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-process.c - the process of `exec`: config.json's process (or a
 * process.json replacing it) with the caller's overrides, written into the
 * exec's private copy of the container's spec, so every *_plan() of the
 * create path reads it as it would read a container's process.
 */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int push(char ***v, size_t *n, const char *s, mr_error **err)
{
  char **grown = realloc(*v, (*n + 1) * sizeof(char *));
  if (grown == NULL)
    return mr_err_sys(err, ENOMEM, "exec process");
  *v = grown;
  if ((grown[*n] = strdup(s)) == NULL)
    return mr_err_sys(err, ENOMEM, "exec process");
  ++*n;
  return 0;
}

static int set_args(struct spec_process *p, const mr_exec_opts *o, mr_error **err)
{
  for (size_t i = 0; i < p->n_args; i++)
    free(p->args[i]);
  free(p->args);
  p->args = NULL;
  p->n_args = 0;
  for (size_t i = 0; i < o->n_args; i++) {
    int r = push(&p->args, &p->n_args, o->args[i], err);
    if (r < 0)
      return r;
  }
  return 0;
}

/* NAME=VALUE replaces an entry of the same NAME (the last one given wins,
 * as runc's exec --env), else is appended. */
static int set_env(struct spec_process *p, const char *nv, mr_error **err)
{
  size_t name_len = (size_t)(strchr(nv, '=') - nv) + 1;
  for (size_t i = 0; i < p->n_env; i++) {
    if (strncmp(p->env[i], nv, name_len) == 0) {
      char *copy = strdup(nv);
      if (copy == NULL)
        return mr_err_sys(err, ENOMEM, "exec env");
      free(p->env[i]);
      p->env[i] = copy;
      return 0;
    }
  }
  return push(&p->env, &p->n_env, nv, err);
}

static int add_cap(struct spec_capabilities *c, const char *name, mr_error **err)
{
  int r = push(&c->bounding, &c->n_bounding, name, err);
  if (r == 0)
    r = push(&c->effective, &c->n_effective, name, err);
  if (r == 0)
    r = push(&c->permitted, &c->n_permitted, name, err);
  /* Ambient needs inheritable: only when the process has some (runc). */
  if (r == 0 && c->n_inheritable > 0)
    r = push(&c->inheritable, &c->n_inheritable, name, err);
  if (r == 0 && c->n_inheritable > 0)
    r = push(&c->ambient, &c->n_ambient, name, err);
  return r;
}

/* After the ones of the config or process.json, as runc's exec
 * --additional-gids. */
static int add_gids(struct spec_user *u, const mr_exec_opts *o, mr_error **err)
{
  uint32_t *grown =
      realloc(u->additional_gids, (u->n_additional_gids + o->n_gids) * sizeof(*grown));
  if (grown == NULL)
    return mr_err_sys(err, ENOMEM, "exec additionalGids");
  u->additional_gids = grown;
  for (size_t i = 0; i < o->n_gids; i++)
    grown[u->n_additional_gids++] = (uint32_t)o->gids[i];
  return 0;
}

static int apply_overrides(struct spec_process *p, const mr_exec_opts *o, mr_error **err)
{
  int r = 0;
  if (o->n_args > 0)
    r = set_args(p, o, err);
  for (size_t i = 0; r == 0 && i < o->n_env; i++)
    r = set_env(p, o->env[i], err);
  if (r == 0 && o->cwd != NULL)
    r = util_strdup_replace(&p->cwd, o->cwd, err);
  if (o->user_set) {
    p->user.uid = o->uid;
    p->user.gid = o->gid;
  }
  if (r == 0 && o->n_gids > 0)
    r = add_gids(&p->user, o, err);
  for (size_t i = 0; r == 0 && i < o->n_caps; i++) {
    p->capabilities.present = true;
    r = add_cap(&p->capabilities, o->caps[i], err);
  }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (r == 0 && o->label != NULL)
    r = util_strdup_replace(&p->selinux_label, o->label, err);
  if (r == 0 && o->apparmor != NULL)
    r = util_strdup_replace(&p->apparmor_profile, o->apparmor, err);
  /* Without a process.json only the caller asks for a terminal (runc and
   * crun: exec --tty), whatever the init has. */
  p->terminal = mr_exec_opts_terminal(o) == 1;
  return r;
}

int exec_process_prepare(mr_config *config, const mr_exec_opts *o, mr_error **err)
{
  struct spec_process *p = &config->spec->process;
  if (o->process_json != NULL) {
    struct spec_process from_file;
    int r =
        spec_parse_process(o->process_json, o->process_json_len, "process.json", &from_file, err);
    if (r < 0)
      return r;
    spec_process_free(p);
    *p = from_file;
    p->present = true;
  } else if (o->n_args == 0) {
    return mr_err(err, -EINVAL, "exec: no command: give args or a process.json");
  }
  int r = apply_overrides(p, o, err);
  if (r < 0)
    return r;
  const char *origin = o->process_json != NULL ? "process.json" : "exec";
  if (p->n_args == 0 || p->args[0][0] == '\0')
    return mr_err(err, -EINVAL, "%s: args: must not be empty", origin);
  if (p->cwd != NULL && p->cwd[0] != '/')
    return mr_err(err, -EINVAL, "%s: cwd: '%s' is not an absolute path", origin, p->cwd);
  return 0;
}
