/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.h - the internal shape of the public config/options/container handles. */
#ifndef MR_CONTAINER_H
#define MR_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include <pthread.h>

#include "context.h"
#include "security/seccomp.h"
#include "spec.h"

struct mr_config {
  struct spec *spec;
  char *bundle; /* absolute */
  char *rootfs; /* absolute (bundle-relative root.path resolved) */
  /* The text it was parsed from: create keeps a copy in the state dir
   * (STATE_CONFIG_FILE) for exec, as crun does. */
  char *json;
  size_t json_len;
  /* linux.seccomp compiled on the first create (security/seccomp.c); the
   * lock makes that safe when threads share the config. */
  pthread_mutex_t seccomp_lock;
  struct seccomp_program seccomp_prog;
};

struct mr_create_opts {
  char *pid_file;
  char *console_socket;
  int preserve_fds;
  int listen_fds; /* socket activation: the first listen_fds preserved fds */
  bool no_pivot;
  bool no_new_keyring;
  int stdio[3]; /* -1: inherit the caller's */
};

struct mr_exec_opts {
  struct mr_create_opts base; /* pid file, console socket, preserve fds, stdio */
  char *process_json;
  size_t process_json_len;
  char **args;
  size_t n_args;
  char **env;
  size_t n_env;
  char *cwd;
  bool user_set;
  uid_t uid;
  gid_t gid;
  char **caps;
  size_t n_caps;
  bool no_new_privs;
  char *label, *apparmor;
  int terminal;       /* -1: as process.json says (false without one) */
  bool json_terminal; /* process.json's "terminal" */
  gid_t *gids;        /* appended to process.user.additionalGids */
  size_t n_gids;
  bool ignore_paused;
  struct exec_subcgroup *cgroups; /* --cgroup: sub-cgroups to run in */
  size_t n_cgroups;
};

/* One --cgroup: `path` (relative, no "." or ".." components) below the
 * container's cgroup of every hierarchy (`controllers` NULL), or of the v1
 * hierarchies of each of the comma-separated `controllers`. */
struct exec_subcgroup {
  char *controllers;
  char *path;
};

struct mr_container {
  char *id;
  pid_t pid;
  int pidfd; /* -1 when the kernel has no pidfds */
  bool reaped;
  int exit_status;
};

/* Writes the config's text into a container's state dir (for exec). */
int config_save(int dirfd, const mr_config *config, mr_error **err);
/* Loads what config_save() wrote; `bundle` is the recorded bundle. */
int config_load_saved(int dirfd, const char *bundle, mr_config **out, mr_error **err);

/* Writes `pid` to `path` atomically (create's and exec's --pid-file). */
int container_write_pid_file(const char *path, pid_t pid, mr_error **err);

/* Checks that a config can be created at all (process, args, root). */
int config_validate_for_create(const mr_config *config, mr_error **err);

#endif /* MR_CONTAINER_H */
