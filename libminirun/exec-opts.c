/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec-opts.c - the options of mr_container_exec(). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "util.h"

int mr_exec_opts_new(mr_exec_opts **out, mr_error **err)
{
  mr_exec_opts *o = calloc(1, sizeof(*o));
  if (o == NULL)
    return mr_err_sys(err, ENOMEM, "exec options");
  o->base.stdio[0] = o->base.stdio[1] = o->base.stdio[2] = -1;
  o->base.no_new_keyring = true; /* the process joins the init's session keyring */
  o->terminal = -1;
  *out = o;
  return 0;
}

static void free_strv(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void mr_exec_opts_free(mr_exec_opts *opts)
{
  if (opts == NULL)
    return;
  free(opts->base.pid_file);
  free(opts->base.console_socket);
  free(opts->process_json);
  free_strv(opts->args, opts->n_args);
  free_strv(opts->env, opts->n_env);
  free_strv(opts->caps, opts->n_caps);
  free(opts->cwd);
  free(opts->label);
  free(opts->apparmor);
  free(opts->gids);
  for (size_t i = 0; i < opts->n_cgroups; i++) {
    free(opts->cgroups[i].controllers);
    free(opts->cgroups[i].path);
  }
  free(opts->cgroups);
  free(opts);
}

static int replace_string(char **slot, const char *value, const char *what, mr_error **err)
{
  if (value == NULL)
    return mr_err(err, -EINVAL, "exec options: %s: NULL", what);
  return util_strdup_replace(slot, value, err);
}

static int append_string(char ***v, size_t *n, const char *s, mr_error **err)
{
  char **grown = realloc(*v, (*n + 2) * sizeof(char *));
  if (grown == NULL)
    return mr_err_sys(err, ENOMEM, "exec options");
  *v = grown;
  if ((grown[*n] = strdup(s)) == NULL)
    return mr_err_sys(err, ENOMEM, "exec options");
  grown[++*n] = NULL;
  return 0;
}

int mr_exec_opts_set_process_json(mr_exec_opts *opts, const char *json, size_t len, mr_error **err)
{
  if (json == NULL)
    return mr_err(err, -EINVAL, "process.json: no text given");
  /* Parsed now to refuse a bad file early; exec parses it again into its
   * copy of the spec. */
  struct spec_process p;
  int r = spec_parse_process(json, len, "process.json", &p, err);
  if (r < 0)
    return r;
  opts->json_terminal = p.terminal;
  spec_process_free(&p);
  char *copy = malloc(len + 1);
  if (copy == NULL)
    return mr_err_sys(err, ENOMEM, "process.json");
  memcpy(copy, json, len);
  copy[len] = '\0';
  free(opts->process_json);
  opts->process_json = copy;
  opts->process_json_len = len;
  return 0;
}

int mr_exec_opts_set_args(mr_exec_opts *opts, size_t argc, const char *const *argv, mr_error **err)
{
  if (argc == 0 || argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
    return mr_err(err, -EINVAL, "exec: args: the command must not be empty");
  free_strv(opts->args, opts->n_args);
  opts->args = NULL;
  opts->n_args = 0;
  for (size_t i = 0; i < argc; i++) {
    if (argv[i] == NULL)
      return mr_err(err, -EINVAL, "exec: args[%zu]: NULL", i);
    int r = append_string(&opts->args, &opts->n_args, argv[i], err);
    if (r < 0)
      return r;
  }
  return 0;
}

int mr_exec_opts_add_env(mr_exec_opts *opts, const char *name_value, mr_error **err)
{
  if (name_value == NULL || strchr(name_value, '=') == NULL || name_value[0] == '=')
    return mr_err(err, -EINVAL, "exec: env: '%s' is not NAME=VALUE",
                  name_value ? name_value : "(null)");
  return append_string(&opts->env, &opts->n_env, name_value, err);
}

int mr_exec_opts_set_cwd(mr_exec_opts *opts, const char *cwd, mr_error **err)
{
  if (cwd == NULL || cwd[0] != '/')
    return mr_err(err, -EINVAL, "exec: cwd: '%s' is not an absolute path", cwd ? cwd : "(null)");
  return replace_string(&opts->cwd, cwd, "cwd", err);
}

void mr_exec_opts_set_user(mr_exec_opts *opts, uid_t uid, gid_t gid)
{
  opts->user_set = true;
  opts->uid = uid;
  opts->gid = gid;
}

int mr_exec_opts_add_capability(mr_exec_opts *opts, const char *name, mr_error **err)
{
  if (name == NULL || name[0] == '\0')
    return mr_err(err, -EINVAL, "exec: capability: empty name");
  return append_string(&opts->caps, &opts->n_caps, name, err);
}

void mr_exec_opts_set_no_new_privs(mr_exec_opts *opts, int no_new_privs)
{
  opts->no_new_privs = no_new_privs != 0;
}

int mr_exec_opts_set_process_label(mr_exec_opts *opts, const char *label, mr_error **err)
{
  return replace_string(&opts->label, label, "process label", err);
}

int mr_exec_opts_set_apparmor(mr_exec_opts *opts, const char *profile, mr_error **err)
{
  return replace_string(&opts->apparmor, profile, "apparmor profile", err);
}

void mr_exec_opts_set_terminal(mr_exec_opts *opts, int terminal)
{
  opts->terminal = terminal != 0;
}

int mr_exec_opts_terminal(const mr_exec_opts *opts)
{
  if (opts->terminal >= 0)
    return opts->terminal;
  return opts->process_json != NULL && opts->json_terminal ? 1 : 0;
}

int mr_exec_opts_set_console_socket(mr_exec_opts *opts, const char *path, mr_error **err)
{
  return replace_string(&opts->base.console_socket, path, "console socket", err);
}

int mr_exec_opts_set_pid_file(mr_exec_opts *opts, const char *path, mr_error **err)
{
  return replace_string(&opts->base.pid_file, path, "pid file", err);
}

void mr_exec_opts_set_preserve_fds(mr_exec_opts *opts, int n)
{
  opts->base.preserve_fds = n > 0 ? n : 0;
}

void mr_exec_opts_set_stdio(mr_exec_opts *opts, int in_fd, int out_fd, int err_fd)
{
  opts->base.stdio[0] = in_fd;
  opts->base.stdio[1] = out_fd;
  opts->base.stdio[2] = err_fd;
}

int mr_exec_opts_add_additional_gid(mr_exec_opts *opts, gid_t gid, mr_error **err)
{
  if (gid == (gid_t)-1)
    return mr_err(err, -EINVAL,
                  "exec: additionalGids: %lu is (gid_t)-1, not a group (0 to 4294967294)",
                  (unsigned long)gid);
  gid_t *grown = realloc(opts->gids, (opts->n_gids + 1) * sizeof(*grown));
  if (grown == NULL)
    return mr_err_sys(err, ENOMEM, "exec options");
  opts->gids = grown;
  opts->gids[opts->n_gids++] = gid;
  return 0;
}

void mr_exec_opts_set_ignore_paused(mr_exec_opts *opts, int ignore_paused)
{
  opts->ignore_paused = ignore_paused != 0;
}
