/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks.h - the six OCI hooks (runtime-spec config.md "POSIX-platform Hooks").
 *
 * Who runs what, and where (runtime.md lifecycle):
 *   prestart, createRuntime  the parent (runtime namespace), during create,
 *                            when the init asks over the sync socket: after
 *                            the container's namespaces and mounts exist,
 *                            before pivot_root. State "creating".
 *   createContainer          the init (container namespaces), right after,
 *                            still before pivot_root. State "creating".
 *   startContainer           the init, after the start gate, before the user
 *                            program is exec'd. State "created".
 *   poststart                whoever ran start/run, once the program runs.
 *                            State "running".
 *   poststop                 whoever deletes the container, after it is
 *                            gone. State "stopped".
 * The first four failing fail the operation; poststart/poststop failures
 * are logged as warnings.
 *
 * A hook is a fork+execve with its argv/envp built before clone; the state
 * JSON arrives on its stdin (a socket: a hook that does not read it cannot
 * SIGPIPE us); its stdout+stderr are captured, and their tail ends up in the
 * error when it fails. The runner is async-signal-safe, so the container init
 * uses the same code as the library.
 */
#ifndef MR_HOOKS_H
#define MR_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../context.h"

enum hook_kind {
  HOOK_PRESTART = 0,
  HOOK_CREATE_RUNTIME,
  HOOK_CREATE_CONTAINER,
  HOOK_START_CONTAINER,
  HOOK_POSTSTART,
  HOOK_POSTSTOP,
  HOOK_KIND_COUNT
};

/* One hook, ready for execve. */
struct hook_cmd {
  char name[48];    /* "hooks.createRuntime[1]", for messages */
  const char *path; /* absolute */
  char **argv;      /* NULL-terminated; strings borrowed */
  char **envp;      /* NULL-terminated; strings borrowed */
  int timeout;      /* seconds; 0: none */
};

struct hook_list {
  struct hook_cmd *cmds;
  size_t n;
};

/* What the init needs to run its hooks: the commands, and the OCI state
 * split around the pid, which the init only learns from the parent. */
struct hooks_plan {
  struct hook_list lists[HOOK_KIND_COUNT];
  char *creating[2]; /* state JSON before / after the pid, status "creating" */
  char *created[2];  /* the same with status "created" */
  char *state_buf;   /* the init assembles a state here */
  size_t state_buf_size;
  pid_t host_pid; /* the init's pid as the runtime sees it (set in the init) */
  int result_fd;  /* the init's end of hooks.fifo (startContainer errors for `start`), or -1 */
};

#define HOOKS_FILE        "hooks.json"
#define HOOKS_RESULT_FIFO "hooks.fifo"

struct spec_hooks;
struct spec_kv;
struct mr_config;

/* hooks.c ---------------------------------------------------------------- */

/* Builds the commands and the init's state templates for container `id`. */
int hooks_plan(const struct mr_config *config, const char *id, struct hooks_plan *hp,
               mr_error **err);
void hooks_plan_free(struct hooks_plan *hp);
/* True when the init must ask the parent before its create-time hooks. */
bool hooks_plan_needs_parent(const struct hooks_plan *hp);

/* Parent: the init asked (SYNC_HOOKS): run prestart + createRuntime with
 * the "creating" state and answer GO carrying the init's host pid. */
int hooks_answer_init(const mr_context *ctx, const struct hooks_plan *hp, int sync_fd,
                      const char *id, const struct mr_config *config, pid_t pid, mr_error **err);

/* Init: asks the parent to run prestart/createRuntime (when any
 * create-time hook exists) and learns its host pid. sync_fail()s. */
void hooks_init_runtime(struct hooks_plan *hp, int sync_fd);
/* Init: runs the createContainer or startContainer hooks. sync_fail()s;
 * startContainer errors also go to result_fd for `start`. */
void hooks_init_run(struct hooks_plan *hp, enum hook_kind kind, int sync_fd);

/* Runs a list in the library process. `fatal`: the first failure is the
 * returned error; else each failure is logged as a warning and 0 returned. */
int hooks_run_list(const mr_context *ctx, const struct hook_list *list, const char *state,
                   bool fatal, mr_error **err);
/* Runs the plan's `kind` list with the state (status, pid) of container
 * `id`; fatal for the create-time kinds, warnings for poststart/poststop. */
int hooks_run_plan(const mr_context *ctx, const struct hooks_plan *hp, enum hook_kind kind,
                   const char *id, const struct mr_config *config, const char *status, pid_t pid,
                   mr_error **err);
/* Builds hook_cmds for a spec hook list named `kind`. */
int hooks_build_list(const struct spec_hooks *hooks, enum hook_kind kind, struct hook_list *out,
                     mr_error **err);
void hooks_list_free(struct hook_list *list);
const char *hooks_kind_name(enum hook_kind kind);

/* hooks-exec.c ----------------------------------------------------------- */

/* Runs one hook with `state` on its stdin, enforcing its timeout.
 * Async-signal-safe, allocates nothing. On failure returns a negative errno
 * and leaves "hooks.KIND[i]: what happened" in msg (size bytes). */
int hook_exec(const struct hook_cmd *h, const char *state, size_t state_len, char *msg,
              size_t size);

/* hooks-state.c ---------------------------------------------------------- */

/* The OCI state document hooks read on stdin. */
int hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle,
                     const struct spec_kv *annotations, size_t n_annotations, char **out,
                     mr_error **err);

/* poststart/poststop as kept in the state dir (start/delete run them from
 * other processes). */
struct hooks_file {
  void *tree; /* the parsed hooks.json: the commands borrow its strings */
  struct hook_list poststart, poststop;
};
/* Writes hooks.json atomically into the state dir (nothing when there are
 * neither poststart nor poststop hooks). */
int hooks_file_write(int dirfd, const struct spec_hooks *hooks, mr_error **err);
/* Reads hooks.json; a missing file is no hooks. Errors name the file. */
int hooks_file_read(int dirfd, struct hooks_file *out, mr_error **err);
void hooks_file_free(struct hooks_file *f);
/* Runs poststart/poststop of a recorded container; failures are warnings. */
struct state_record;
void hooks_run_recorded(const mr_context *ctx, const struct hook_list *list,
                        const struct state_record *rec, const char *status, pid_t pid);

#endif /* MR_HOOKS_H */
