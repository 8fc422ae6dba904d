/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create-opts.c - the options of mr_container_create beyond config.json. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "util.h"

int mr_create_opts_new(mr_create_opts **out, mr_error **err)
{
  mr_create_opts *o = calloc(1, sizeof(*o));
  if (o == NULL)
    return mr_err_sys(err, ENOMEM, "create options");
  o->stdio[0] = o->stdio[1] = o->stdio[2] = -1;
  *out = o;
  return 0;
}

void mr_create_opts_free(mr_create_opts *opts)
{
  if (opts == NULL)
    return;
  free(opts->pid_file);
  free(opts->console_socket);
  free(opts);
}

int mr_create_opts_set_pid_file(mr_create_opts *opts, const char *path, mr_error **err)
{
  return util_strdup_replace(&opts->pid_file, path, err);
}

int mr_create_opts_set_console_socket(mr_create_opts *opts, const char *path, mr_error **err)
{
  return util_strdup_replace(&opts->console_socket, path, err);
}

void mr_create_opts_set_preserve_fds(mr_create_opts *opts, int n)
{
  opts->preserve_fds = n > 0 ? n : 0;
}

void mr_create_opts_set_listen_fds(mr_create_opts *opts, int n)
{
  opts->listen_fds = n > 0 ? n : 0;
}

void mr_create_opts_set_no_pivot(mr_create_opts *opts, int no_pivot)
{
  opts->no_pivot = no_pivot != 0;
}

void mr_create_opts_set_no_new_keyring(mr_create_opts *opts, int no_new_keyring)
{
  opts->no_new_keyring = no_new_keyring != 0;
}

void mr_create_opts_set_stdio(mr_create_opts *opts, int in_fd, int out_fd, int err_fd)
{
  opts->stdio[0] = in_fd;
  opts->stdio[1] = out_fd;
  opts->stdio[2] = err_fd;
}
