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

struct mr_container {
  char *id;
  pid_t pid;
  int pidfd; /* -1 when the kernel has no pidfds */
  bool reaped;
  int exit_status;
};

/* Checks that a config can be created at all (process, args, root). */
int config_validate_for_create(const mr_config *config, mr_error **err);

#endif /* MR_CONTAINER_H */
