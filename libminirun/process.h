/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process.h - the container's process: fds, identity, cwd, executable, exec. */
#ifndef MR_PROCESS_H
#define MR_PROCESS_H

#include "plan.h"

#define PROCESS_PATH_MAX 4096

/* Parent: argv/envp/user/umask/cwd from config.json process. */
int process_plan(const mr_config *config, const struct mr_create_opts *opts, struct plan *plan,
                 mr_error **err);
void process_plan_free(struct plan *plan);

/* Child (async-signal-safe). */
/* Credential changes as raw system calls (see process.c for why). */
int raw_setresuid(uid_t uid);
int raw_setresgid(gid_t gid);
int raw_setgroups(size_t n, const gid_t *groups);
/* stdio dups, preserved fds made inheritable, every other fd close-on-exec. */
void process_setup_fds(const struct plan *plan, int sync_fd);
/* Inside the new root, before it becomes read-only: creates a missing cwd. */
void process_make_cwd(const struct plan *plan, int sync_fd);
/* setgroups/setresgid/setresuid, umask, chdir, keyring. */
void process_set_identity(const struct plan *plan, int sync_fd);
/* Finds args[0] like execvp would, in the container's PATH; fails with
 * "executable file not found in $PATH" / "permission denied". */
void process_resolve(const struct plan *plan, char *path, size_t size, int sync_fd);
/* Sets HOME from the container's /etc/passwd when the config has none. */
void process_fill_home(struct plan *plan, int sync_fd);
/* Sets LISTEN_PID to our pid (as the container sees it) for socket
 * activation. */
void process_fill_listen_pid(struct plan *plan);
__attribute__((noreturn)) void process_exec(const struct plan *plan, const char *path, int sync_fd);

#endif /* MR_PROCESS_H */
