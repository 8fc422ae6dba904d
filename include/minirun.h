/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * minirun.h - the public API of libminirun, an embeddable OCI container runtime.
 *
 * Conventions used by every function in this header:
 *
 *   - Handles are opaque. Create them with the matching *_new / *_load call and
 *     release them with the matching *_free call. *_free(NULL) is a no-op.
 *   - Functions that can fail return 0 on success and a negative errno-style
 *     code on failure (-EINVAL for bad input, -ENOENT for an unknown container,
 *     ...). When the last argument `err` is not NULL, *err receives a newly
 *     allocated error object describing what failed; release it with
 *     mr_error_free(). Pass NULL when you only want the code.
 *   - The library never writes to stdout/stderr, never calls exit(), installs
 *     no signal handlers, keeps no global mutable state and never reaps a child
 *     it did not create. Diagnostics go to the log callback of the context.
 *   - Every file descriptor the library opens is close-on-exec.
 *   - A context may be used from one thread at a time; distinct contexts may be
 *     used concurrently. Operations on the same container id from different
 *     processes are serialised by a per-container lock in the state directory.
 *
 * Each call below states what differs from these defaults:
 *
 *   - Ownership: out-parameters (*out) become the caller's, to release with
 *     the matching *_free (strings: free()). A `const char *` a getter returns
 *     belongs to the handle and lives until that handle is freed. Input
 *     strings and fds stay the caller's; the library copies what it keeps.
 *   - Thread-safety: calls without a handle (mr_version, mr_status_name,
 *     mr_id_validate, mr_signal_parse, mr_config_default_json) are safe from
 *     any thread. A context, a create-options object, a container handle, a
 *     state and an error object are for one thread at a time each; a config
 *     may be shared by threads (see mr_config_free). The log callback runs in
 *     the thread making the call, during the call.
 *   - Blocking: a call does not block unless it says so. Calls that take a
 *     container id wait for its per-container lock while another process or
 *     thread operates on that id (at most as long as that operation).
 *   - Errors: besides the codes listed, any call that can fail may return
 *     -ENOMEM, -EINVAL for a NULL required argument, or the negative errno of
 *     a failing system call, named in the error message.
 *   - Children and signals: the container's init and the hooks are children
 *     of the calling process. The library waits only for its own children, by
 *     pid. A host must therefore not set SIGCHLD to SIG_IGN, nor reap with
 *     wait() or waitpid(-1, ...): the kernel or the host then takes the exit
 *     status, and mr_container_wait() fails with -ECHILD (delete still works).
 *     A SIGCHLD handler that reaps its own pids only is fine. All signals are
 *     blocked in the calling thread across clone() and restored after, so no
 *     host handler runs in a child; the child resets every disposition. No
 *     library write can raise SIGPIPE in the host.
 *   - Process state: the calls leave the caller's signal mask and
 *     dispositions, umask, cwd, rlimits, environment, subreaper flag, stdio
 *     buffers and atexit handlers as they were, succeeding or failing
 *     (tests/api/test-contract.c checks each). Children never return into
 *     host code: they exec or _exit().
 *   - Stack: the calls run on the calling thread's stack; a child between
 *     clone() and exec runs on a stack of its own (mapped per call, with a
 *     guard page), never on a copy of the caller's. What a call needs of the
 *     caller's stack, measured (x86-64, gcc -O2, the tests' configuration):
 *     create and exec about 14 KiB each, the others under 8 KiB; a host
 *     thread with a 64 KiB stack works, and 32 KiB left at the call is
 *     ample.
 */
#ifndef MINIRUN_H
#define MINIRUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with -fvisibility=hidden; only MR_API symbols are
 * exported (and the version script keeps the set to mr_*). */
#if defined(__GNUC__)
#define MR_API __attribute__((visibility("default")))
#else
#define MR_API
#endif

#define MR_VERSION_MAJOR 0
#define MR_VERSION_MINOR 1
#define MR_VERSION_PATCH 0

/* The library version as "MAJOR.MINOR.PATCH" (a static string). */
MR_API const char *mr_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct mr_error mr_error;

/* An error object is the caller's (see `err` above); these getters never
 * fail and never block.
 *
 * The errno value behind the failure (0 when the failure is not a system
 * error, e.g. a malformed config.json). */
MR_API int mr_error_errno(const mr_error *err);
/* The negative code the failing call returned. */
MR_API int mr_error_code(const mr_error *err);
/* A human readable message naming what failed, e.g.
 * "config.json: process.args: expected array of strings". Never NULL; owned
 * by `err`. */
MR_API const char *mr_error_message(const mr_error *err);
MR_API void mr_error_free(mr_error *err);

/* ------------------------------------------------------------------------ */
/* Context                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct mr_context mr_context;

enum mr_log_level {
  MR_LOG_ERROR = 0,
  MR_LOG_WARNING = 1,
  MR_LOG_INFO = 2,
  MR_LOG_DEBUG = 3,
};

/* Receives every diagnostic at or below the context's level. `message` is
 * only valid during the call. It runs in the thread that made the API call,
 * inside that call: it must not call into the same context. */
typedef void (*mr_log_fn)(void *userdata, enum mr_log_level level, const char *message);

enum mr_cgroup_mode {
  MR_CGROUP_AUTO = 0, /* detect from /sys/fs/cgroup */
  MR_CGROUP_NONE,     /* do not place containers in cgroups */
  MR_CGROUP_V1,
  MR_CGROUP_V2,
  MR_CGROUP_HYBRID,
};

/* Creates a context whose containers keep their state under `state_root`
 * (created 0700 on the first create). NULL selects "/run/minirun". Touches
 * nothing on disk. -EINVAL for an empty path. */
MR_API int mr_context_new(const char *state_root, mr_context **out, mr_error **err);
/* Frees the context; the containers it created stay as they are (their
 * handles remain valid: they do not refer to the context). */
MR_API void mr_context_free(mr_context *ctx);
/* The state root in use (absolute; owned by the context). */
MR_API const char *mr_context_state_root(const mr_context *ctx);
/* Installs the log sink; fn == NULL drops all messages (the default).
 * `userdata` stays the caller's. Not thread-safe against calls on the same
 * context. */
MR_API void mr_context_set_log(mr_context *ctx, mr_log_fn fn, void *userdata,
                               enum mr_log_level level);
/* Overrides cgroup detection (for the creates that follow):
 * MR_CGROUP_V1/_V2/_HYBRID use only those hierarchies of the host (create
 * fails when it lacks them); MR_CGROUP_NONE keeps containers out of cgroups
 * and never fails because of the host's layout (linux.resources is then
 * not applied: a warning in the log). */
MR_API void mr_context_set_cgroup_mode(mr_context *ctx, enum mr_cgroup_mode mode);
MR_API enum mr_cgroup_mode mr_context_cgroup_mode(const mr_context *ctx);
/* Where a container's cgroup goes, below the root of every hierarchy:
 * an absolute linux.cgroupsPath as given; a relative one below `parent`
 * (default "/minirun"); none: `parent`/ID. A "slice:prefix:name"
 * cgroupsPath (systemd's form) becomes the path systemd gives that unit
 * ("a-b.slice:p:n" -> /a.slice/a-b.slice/p-n.scope); no D-Bus is used.
 * NULL restores the default; -EINVAL for ".." or an empty path. */
MR_API int mr_context_set_cgroup_parent(mr_context *ctx, const char *parent, mr_error **err);
/* With `systemd` set (the CLI's --systemd-cgroup / --cgroup-manager
 * systemd), a container without cgroupsPath goes to
 * system.slice:minirun:ID (/system.slice/minirun-ID.scope). */
MR_API void mr_context_set_cgroup_systemd(mr_context *ctx, int systemd);
/* Keeps compiled linux.seccomp filters in directory `dir` (made absolute;
 * created with mode 0700 on first use; NULL turns the cache off, the
 * default). Compiling a large profile costs tens of milliseconds; a process
 * that creates one container (like a CLI) then pays it once per profile
 * instead of once per start. An entry is keyed by a SHA-256 of the seccomp
 * section, the architecture, the libseccomp version and the kernel release,
 * and carries a checksum: a damaged entry is recompiled and replaced, never
 * loaded. Entries are read only when owned by the caller's euid and not
 * writable by others; keep `dir` private (e.g. under the state root, as the
 * minirun CLI does: <root>/.seccomp-cache). Within one process the compiled
 * filter also stays on the mr_config, with or without a cache. (A build
 * configured with --disable-seccomp accepts and never uses it.) Does not
 * block; -EINVAL for an empty path, -ENOMEM. */
MR_API int mr_context_set_seccomp_cache(mr_context *ctx, const char *dir, mr_error **err);

/* Bounds how long mr_container_create() and mr_container_run() wait for the
 * container's init to set itself up (mounts, devices, files of the image)
 * and, for run, to exec; hashing an image root (org.minirun.rootfs.sha256)
 * has the same bound. When `ms` milliseconds pass first, the init is
 * killed and reaped, the state removed, and the call fails with -ETIMEDOUT.
 * 0 waits forever. The default is MR_DEFAULT_TIMEOUT_MS. Set it before the
 * create calls of this context (not thread-safe against them). */
#define MR_DEFAULT_TIMEOUT_MS 60000
MR_API void mr_context_set_timeout(mr_context *ctx, unsigned int ms);
/* An fd that create and run also watch while they wait for the init or hash
 * an image (e.g. a pipe a signal handler writes to, or a signalfd): once it
 * is readable they give up like on a timeout, with -ECANCELED. The library never reads or
 * closes it; -1 (the default) disables it. The caller keeps it open while
 * a create may run. */
MR_API void mr_context_set_cancel_fd(mr_context *ctx, int fd);

/* ------------------------------------------------------------------------ */
/* Configuration (an OCI bundle)                                             */
/* ------------------------------------------------------------------------ */

typedef struct mr_config mr_config;

/* Loads BUNDLE/config.json. The bundle path is made absolute; root.path is
 * resolved relative to it. Blocks on file I/O only. -ENOENT (and the other
 * errors of open/read) naming the file; -EINVAL naming the JSON field for a
 * malformed or unsupported config (nothing in it is ignored silently). */
MR_API int mr_config_load_bundle(mr_context *ctx, const char *bundle, mr_config **out,
                                 mr_error **err);
/* Parses an in-memory config.json; `bundle` (may be NULL: the current
 * directory; made absolute) anchors a relative root.path and is the bundle
 * recorded in the container's state. `json` is copied. -EINVAL naming the
 * field, as for mr_config_load_bundle. */
MR_API int mr_config_load_json(mr_context *ctx, const char *json, size_t len, const char *bundle,
                               mr_config **out, mr_error **err);
/* A config is immutable once loaded and may be used by several threads at
 * once (each with its own context): derived data such as the compiled
 * seccomp filter is computed on the first create, under a lock, and shared. */
MR_API void mr_config_free(mr_config *config);
/* 1 when the config's process wants a terminal (process.terminal), else 0.
 * Such a container needs a console socket, or a caller that provides one
 * itself (the CLI does for a foreground `run`). */
MR_API int mr_config_terminal(const mr_config *config);

/* The default config.json that `minirun spec` writes, as a newly allocated
 * string (free() it). `rootless` selects a user-namespace configuration for
 * the calling uid/gid. Thread-safe. */
MR_API int mr_config_default_json(int rootless, char **out, mr_error **err);

/* ------------------------------------------------------------------------ */
/* Create options                                                            */
/* ------------------------------------------------------------------------ */

typedef struct mr_create_opts mr_create_opts;

/* Options for mr_container_create/run, all off by default. The setters copy
 * their strings, never block and are not thread-safe on the same opts; a
 * create only reads the opts, which may be reused and freed right after. */
MR_API int mr_create_opts_new(mr_create_opts **out, mr_error **err);
MR_API void mr_create_opts_free(mr_create_opts *opts);
/* Write the init's host pid to this file once the container is created. */
MR_API int mr_create_opts_set_pid_file(mr_create_opts *opts, const char *path, mr_error **err);
/* AF_UNIX socket that receives the pty master when process.terminal is true. */
MR_API int mr_create_opts_set_console_socket(mr_create_opts *opts, const char *path,
                                             mr_error **err);
/* Pass fds 3 .. 3+n-1 of the caller into the container (in addition to 0-2). */
MR_API void mr_create_opts_set_preserve_fds(mr_create_opts *opts, int n);
/* Socket activation: the first n preserved fds (3 .. 3+n-1, which
 * mr_create_opts_set_preserve_fds must cover) are the caller's LISTEN_FDS.
 * The container's environment then gets LISTEN_FDS=n and LISTEN_PID=<the
 * container process's pid as it sees it> (1 in a new pid namespace), unless
 * process.env sets them. A caller started by systemd passes the value of its
 * LISTEN_FDS when LISTEN_PID names it. n <= 0: no socket activation. Not
 * thread-safe on the same opts; never blocks. */
MR_API void mr_create_opts_set_listen_fds(mr_create_opts *opts, int n);
/* Use MS_MOVE + chroot instead of pivot_root (e.g. for an initramfs root). */
MR_API void mr_create_opts_set_no_pivot(mr_create_opts *opts, int no_pivot);
/* Do not give the container a fresh session keyring. */
MR_API void mr_create_opts_set_no_new_keyring(mr_create_opts *opts, int no_new_keyring);
/* The container's stdin/stdout/stderr (default: the caller's 0, 1, 2). The
 * fds are duplicated into the container; the caller keeps ownership. */
MR_API void mr_create_opts_set_stdio(mr_create_opts *opts, int in_fd, int out_fd, int err_fd);

/* ------------------------------------------------------------------------ */
/* Containers                                                                */
/* ------------------------------------------------------------------------ */

typedef struct mr_container mr_container;

enum mr_status {
  MR_STATUS_UNKNOWN = 0,
  MR_STATUS_CREATING,
  MR_STATUS_CREATED,
  MR_STATUS_RUNNING,
  MR_STATUS_PAUSED,
  MR_STATUS_STOPPED,
};

/* "created", "running", ... (a static string; thread-safe). */
MR_API const char *mr_status_name(enum mr_status status);

/* Checks a container id: non-empty, at most 1024 bytes, valid UTF-8, no '/',
 * no control characters, not starting with "." (".", ".." and the names the
 * runtime keeps under the state root, such as the CLI's .seccomp-cache).
 * Thread-safe; -EINVAL naming the rule broken. */
MR_API int mr_id_validate(const char *id, mr_error **err);

/* Creates container `id` from `config`: namespaces, rootfs and process are
 * set up and the init waits before exec until mr_container_start() (from any
 * process). The caller becomes the parent of the container init. `opts` may
 * be NULL. On failure nothing is left behind (no state, mount or process).
 *
 * Hooks (config.json "hooks"): prestart and createRuntime run in the
 * calling process, createContainer in the init; a failing one (exit status
 * != 0, or its `timeout` reached: the hook's process group is SIGKILLed)
 * fails the call with an error naming it ("hooks.createRuntime[1]: timed
 * out after 2 s") and then the poststop hooks run. Hooks are children of the
 * caller (exit signal SIGCHLD), each waited for by its pid only; a SIGCHLD
 * handler that reaps every child breaks that. The call blocks while hooks
 * run.
 *
 * `out` may be NULL (no handle: nobody can then mr_container_wait() for
 * the init, which the caller must reap itself by its pid, from
 * mr_state_pid()); otherwise *out is the caller's. `config` and `opts` are
 * only read and may be freed after the call.
 * Blocking: until the init has set itself up, bounded by the context's
 * timeout (mr_context_set_timeout) and cancel fd, plus the hooks' own
 * timeouts. Errors: -EINVAL (invalid id, config not runnable), -EEXIST (the
 * id exists), -ETIMEDOUT, -ECANCELED, -EIO (a hook failed), or the error the
 * init met, naming the field and path (e.g. -ENOENT for a missing program
 * or mount source). */
MR_API int mr_container_create(mr_context *ctx, const char *id, const mr_config *config,
                               const mr_create_opts *opts, mr_container **out, mr_error **err);

/* Releases the waiting init of a created container (any process may call).
 * Errors: -ENOENT (unknown id), -EINVAL (not in `created`, e.g. because its
 * init died while it waited). Without hooks it does not block.
 * With startContainer or poststart hooks it blocks until the program is
 * exec'd; a failing startContainer hook fails the call (-EIO) and the
 * container is destroyed (poststop hooks run). Then the poststart hooks run
 * in the calling process; their failures are warnings in the log. A
 * corrupted hooks.json in the state dir fails the call before anything
 * happens. */
MR_API int mr_container_start(mr_context *ctx, const char *id, mr_error **err);

/* create + start in one call; the caller is the parent of the init and can
 * mr_container_wait() for it. The poststart hooks run once the program is
 * exec'd, before the call returns. Ownership, blocking (the timeout covers
 * the exec too) and errors as for create and start. */
MR_API int mr_container_run(mr_context *ctx, const char *id, const mr_config *config,
                            const mr_create_opts *opts, mr_container **out, mr_error **err);

/* The handle of a container created by this process. The getters never fail
 * or block; the id string belongs to the handle. */
MR_API pid_t mr_container_pid(const mr_container *c);
MR_API const char *mr_container_id(const mr_container *c);
/* A pollable fd that becomes readable when the init exits (a pidfd on
 * kernels that have them), or -1. Owned by the handle. -1 on kernels
 * without pidfd_open (before 5.3): poll mr_container_wait() with `nohang`
 * instead; the init is the caller's child, so waiting stays safe. */
MR_API int mr_container_pollfd(const mr_container *c);
/* Waits for the init to exit and reaps it. *exit_status receives the exit
 * code, or 128 + signal number when it was killed by a signal. With
 * `nohang` set, returns -EAGAIN while it still runs (without an error
 * object); without it, blocks until the init exits (use the pollfd and
 * `nohang` to bound that). Once reaped, later calls return the same status.
 * -ECHILD when the status was taken by someone else (see "Children and
 * signals" above). Not thread-safe on the same handle. */
MR_API int mr_container_wait(mr_container *c, int nohang, int *exit_status, mr_error **err);
/* Frees the handle and closes its pollfd; the container itself is untouched
 * (an init not yet reaped stays a child of the caller: delete or wait for it
 * by other means). */
MR_API void mr_container_free(mr_container *c);

/* Sends `signal` to the container init, or to every process of the container
 * when `all` is set (through its cgroup: processes outside its pid
 * namespace too; a paused container stays paused with the signal pending,
 * except SIGKILL, which kills it). Does not block beyond the container's
 * lock. Errors: -ENOENT (unknown id), -EINVAL (invalid signal, or the
 * container is not running), -EPERM. */
MR_API int mr_container_kill(mr_context *ctx, const char *id, int signal, int all, mr_error **err);

/* Removes a stopped (or never started) container. With `force`, a running one
 * is killed first and an unknown id is not an error. Once the container is
 * gone the poststop hooks (kept in its state dir) run in the calling process;
 * their failures are warnings. A corrupted hooks.json fails a delete without
 * `force`; with `force` it is a warning and the poststop hooks are skipped.
 * Blocking: the poststop hooks, and the wait for a killed init to die
 * (bounded: a few seconds after SIGKILL, then an error). Errors: -ENOENT
 * (unknown id, without force), -EBUSY (running, without force), -EINVAL
 * (invalid id). */
MR_API int mr_container_delete(mr_context *ctx, const char *id, int force, mr_error **err);

/* Freezes every process of running container `id` (v1 freezer or v2
 * cgroup.freeze) and returns once they are frozen; its status reads
 * "paused" until mr_container_resume(). -EINVAL when it is not running,
 * -ENOTSUP when it has no cgroup (created with MR_CGROUP_NONE). */
MR_API int mr_container_pause(mr_context *ctx, const char *id, mr_error **err);
/* Thaws a paused container; -EINVAL when it is not paused. */
MR_API int mr_container_resume(mr_context *ctx, const char *id, mr_error **err);
/* The host pids of every process in the container's cgroup (its
 * sub-cgroups too), sorted, in a newly allocated array (free() it); none
 * once it stopped. -ENOTSUP when it has no cgroup. */
MR_API int mr_container_pids(mr_context *ctx, const char *id, pid_t **pids, size_t *n,
                             mr_error **err);

/* ------------------------------------------------------------------------ */
/* Exec: another process in a running container                              */
/* ------------------------------------------------------------------------ */

typedef struct mr_exec_opts mr_exec_opts;

MR_API int mr_exec_opts_new(mr_exec_opts **out, mr_error **err);
MR_API void mr_exec_opts_free(mr_exec_opts *opts);
/* A whole runtime-spec "process" object (what `exec --process FILE` reads):
 * it replaces the container's process. Without it the process starts as a
 * copy of config.json's (user, env, cwd, capabilities, rlimits,
 * noNewPrivileges, LSM labels, scheduler, ...) with the args given below.
 * The setters below override either. Errors name "process.json: FIELD". */
MR_API int mr_exec_opts_set_process_json(mr_exec_opts *opts, const char *json, size_t len,
                                         mr_error **err);
/* The command (argv[0] looked up in the container's PATH). */
MR_API int mr_exec_opts_set_args(mr_exec_opts *opts, size_t argc, const char *const *argv,
                                 mr_error **err);
/* "NAME=VALUE": replaces NAME in the environment, or adds it. */
MR_API int mr_exec_opts_add_env(mr_exec_opts *opts, const char *name_value, mr_error **err);
/* Absolute working directory inside the container. */
MR_API int mr_exec_opts_set_cwd(mr_exec_opts *opts, const char *cwd, mr_error **err);
MR_API void mr_exec_opts_set_user(mr_exec_opts *opts, uid_t uid, gid_t gid);
/* Adds a capability ("CAP_NET_ADMIN") to the bounding, effective and
 * permitted sets (and ambient when the process has inheritable ones), as
 * runc's `exec --cap`. */
MR_API int mr_exec_opts_add_capability(mr_exec_opts *opts, const char *name, mr_error **err);
MR_API void mr_exec_opts_set_no_new_privs(mr_exec_opts *opts, int no_new_privs);
/* SELinux process label / AppArmor profile of the new process. */
MR_API int mr_exec_opts_set_process_label(mr_exec_opts *opts, const char *label, mr_error **err);
MR_API int mr_exec_opts_set_apparmor(mr_exec_opts *opts, const char *profile, mr_error **err);
/* 1: the process gets a new pty of the container (its master is sent to
 * the console socket, which is then required); 0: not. By default it has
 * one when its process.json says "terminal": true, else not (the init's
 * terminal setting is not inherited, as with runc and crun). */
MR_API void mr_exec_opts_set_terminal(mr_exec_opts *opts, int terminal);
/* Whether the process will get a terminal (1) or not (0), by the rules
 * above: a caller that talks to it itself listens on a console socket. */
MR_API int mr_exec_opts_terminal(const mr_exec_opts *opts);
MR_API int mr_exec_opts_set_console_socket(mr_exec_opts *opts, const char *path, mr_error **err);
/* Written once the process runs (not when exec fails). */
MR_API int mr_exec_opts_set_pid_file(mr_exec_opts *opts, const char *path, mr_error **err);
MR_API void mr_exec_opts_set_preserve_fds(mr_exec_opts *opts, int n);
/* The process's stdin/stdout/stderr (default: the caller's 0, 1, 2). */
MR_API void mr_exec_opts_set_stdio(mr_exec_opts *opts, int in_fd, int out_fd, int err_fd);
/* Adds a supplementary group to the process's user.additionalGids (after
 * those of config.json or process.json), as runc's `exec
 * --additional-gids`. (gid_t)-1 is refused (-EINVAL). */
MR_API int mr_exec_opts_add_additional_gid(mr_exec_opts *opts, gid_t gid, mr_error **err);
/* 1: a paused container is no error: the process joins its frozen cgroups
 * and runs once the container is resumed (runc's `exec --ignore-paused`).
 * mr_container_exec() then releases the container's lock once the process
 * is in its cgroups (so mr_container_resume() can take it) and waits for
 * the resume within the context's timeout (-ETIMEDOUT: the process is
 * killed, taken out of the frozen cgroup to die). Default 0: -EINVAL. */
MR_API void mr_exec_opts_set_ignore_paused(mr_exec_opts *opts, int ignore_paused);
/* Runs the process in an existing sub-cgroup of the container's cgroup
 * instead (runc's `exec --cgroup`): "PATH" for every hierarchy (cgroup v2:
 * the only form), or "CONTROLLER[,CONTROLLER...]:PATH" for the v1
 * hierarchies of those controllers (repeatable, one controller at most
 * once). PATH is relative to the container's cgroup ("/" prefix allowed),
 * without "." or ".." components. Checked at exec time: the directory
 * must exist and be a cgroup below the container's, a controller must be
 * one of the container's hierarchies (-EINVAL, -ENOENT). */
MR_API int mr_exec_opts_add_cgroup(mr_exec_opts *opts, const char *spec, mr_error **err);

/* Starts a process in running (or created) container `id`: it joins every
 * namespace of the container's init (the user namespace first; through a
 * pidfd where the kernel supports setns() on one, else /proc/PID/ns/ fds
 * opened before the fork), its cgroups, and gets the capabilities,
 * rlimits, seccomp filter, no_new_privs, LSM label, env and cwd of the
 * container's config (or of the process JSON). The caller is its parent:
 * mr_container_wait() on the returned handle gives its exit status (128 +
 * signal). Returns once the program has been exec'd. The runtime's copy
 * never becomes reachable from the container: it is not dumpable before
 * it joins anything and holds no host fd when it execs.
 * A stopped or unknown container is an error (-EINVAL / -ENOENT), a paused
 * one too unless mr_exec_opts_set_ignore_paused().
 * When the program cannot be run the message is the one podman maps to
 * exit codes: 'exec "NAME": executable file not found in $PATH' (-ENOENT,
 * 127) or 'exec "NAME": permission denied' (-EACCES, 126).
 * Blocks until the program runs, at most the context's timeout
 * (mr_context_set_timeout: -ETIMEDOUT) and until its cancel fd is readable
 * (-ECANCELED); the process is then killed and reaped. Holds the
 * container's lock meanwhile (a concurrent delete waits). `out` NULL: the
 * caller still is the parent and must reap the pid itself. Not thread-safe
 * on the same opts; a context is used by one thread at a time. */
MR_API int mr_container_exec(mr_context *ctx, const char *id, const mr_exec_opts *opts,
                             mr_container **out, mr_error **err);

/* ------------------------------------------------------------------------ */
/* State                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct mr_state mr_state;

/* Reads the state of container `id` (-ENOENT when unknown, -EINVAL for an
 * invalid id; a damaged state file is an error naming it); *out is the
 * caller's, its strings belong to it. Blocks on file I/O only. */
MR_API int mr_state_get(mr_context *ctx, const char *id, mr_state **out, mr_error **err);
MR_API void mr_state_free(mr_state *st);
MR_API const char *mr_state_id(const mr_state *st);
MR_API enum mr_status mr_state_status(const mr_state *st);
/* The init's host pid; 0 once stopped. */
MR_API pid_t mr_state_pid(const mr_state *st);
MR_API const char *mr_state_bundle(const mr_state *st);
/* Creation time, RFC 3339 with nanoseconds, UTC. */
MR_API const char *mr_state_created(const mr_state *st);
/* The uid that created the container. */
MR_API uid_t mr_state_owner(const mr_state *st);
/* The OCI state document as a newly allocated string (free() it): ociVersion,
 * id, status, pid (0 once stopped), bundle, and as crun prints them rootfs,
 * created and owner; annotations when the config has any. */
MR_API int mr_state_to_json(const mr_state *st, char **out, mr_error **err);

/* The states of every container under the context's state root, sorted by
 * id. Release with mr_state_list_free(). A container whose state cannot be
 * read is skipped with a warning in the log; a state root that does not
 * exist yet is an empty list. */
MR_API int mr_state_list(mr_context *ctx, mr_state ***out, size_t *count, mr_error **err);
MR_API void mr_state_list_free(mr_state **list, size_t count);

/* ------------------------------------------------------------------------ */
/* Resources: update and usage                                               */
/* ------------------------------------------------------------------------ */

/* Applies new limits to a created, running or paused container: `json` is a
 * runtime-spec LinuxResources object (what `podman update` sends, e.g.
 * {"memory":{"limit":268435456},"pids":{"limit":100}}); fields it leaves
 * out keep their value. Values are checked and converted for the host's
 * cgroup layout exactly as at create (see minirun(8), RESOURCES); a bad
 * value changes nothing and the error names the field
 * ("update: linux.resources.memory.swap: ..."); a value the kernel refuses
 * names the file and the value (earlier fields stay written). The device
 * rules, when given, replace the previous ones. -ENOTSUP when the
 * container has no cgroup. */
MR_API int mr_container_update(mr_context *ctx, const char *id, const char *json, size_t len,
                               mr_error **err);

/* Usage of a container's cgroups, read at the time of the call. */
typedef struct mr_stats mr_stats;
MR_API int mr_container_stats(mr_context *ctx, const char *id, mr_stats **out, mr_error **err);
/* Each returns the figure, or UINT64_MAX when the host does not report it
 * (memory peak needs Linux 5.19 on cgroup v2). */
MR_API uint64_t mr_stats_memory_usage(const mr_stats *s); /* bytes */
MR_API uint64_t mr_stats_memory_peak(const mr_stats *s);  /* bytes */
/* Processes the OOM killer killed in the container. */
MR_API uint64_t mr_stats_oom_kills(const mr_stats *s);
MR_API uint64_t mr_stats_pids_current(const mr_stats *s);
MR_API uint64_t mr_stats_cpu_usage_ns(const mr_stats *s); /* user + system */
MR_API void mr_stats_free(mr_stats *s);

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* The runtime-spec features document (features.md) of this library on
 * this kernel, as a newly allocated JSON string (free() it): hooks, mount
 * options, namespaces, capabilities, cgroup layouts, seccomp actions,
 * operators, architectures and flags, LSMs, idmapped mounts, netDevices.
 * Every list holds only what a config.json may use (what the parser and
 * this kernel accept); intelRdt and the systemd cgroup manager are false.
 * A build configured without a feature says so: --disable-seccomp gives
 * linux.seccomp.enabled false, --disable-caps an empty capability list,
 * --disable-images the annotation "org.minirun.images.enabled": "false".
 * Never blocks; -ENOMEM. What `minirun features` prints. */
MR_API int mr_features_json(char **out, mr_error **err);

/* Parses "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3" or "SIGRTMAX-1" into
 * a signal number. Thread-safe; -EINVAL for an unknown name. */
MR_API int mr_signal_parse(const char *name, int *signal, mr_error **err);

#ifdef __cplusplus
}
#endif

#endif /* MINIRUN_H */
