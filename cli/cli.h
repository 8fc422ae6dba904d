/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli.h - declarations shared by the files of the minirun command line tool.
 *
 * The CLI talks to the runtime only through the public header minirun.h. It
 * owns every byte written to stdout/stderr and the optional --log file.
 */
#ifndef MINIRUN_CLI_H
#define MINIRUN_CLI_H

#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>

#include "minirun.h"

#define CLI_NAME         "minirun"
#define CLI_SPEC_VERSION "1.2.0"

#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* The global options given before the command. */
struct cli_globals {
  const char *root;        /* state directory (never NULL once dispatched) */
  enum mr_log_level level; /* library messages up to this level are logged */
  int cgroup_disabled;     /* --cgroup-manager=disabled */
  int cgroup_systemd;      /* --systemd-cgroup, --cgroup-manager=systemd */
};

/* A command handler: argv[0] is the command name. Returns the exit status. */
typedef int (*cli_command_fn)(const struct cli_globals *g, int argc, char **argv);

/* cmd-create.c */
int cli_cmd_create(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_run(const struct cli_globals *g, int argc, char **argv);
/* cmd-lifecycle.c */
int cli_cmd_start(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_kill(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_delete(const struct cli_globals *g, int argc, char **argv);
/* cmd-state.c */
int cli_cmd_state(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_list(const struct cli_globals *g, int argc, char **argv);
/* compat.c: crun/runc options. cli_log_target: --log [file:]PATH (other
 * drivers refused) -> *path; cli_rootless_value: true|false|auto. Both
 * return 0, or -1 after reporting. */
int cli_log_target(const char *arg, const char **path);
int cli_rootless_value(const char *value);
int cli_cmd_checkpoint(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_restore(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_features(const struct cli_globals *g, int argc, char **argv);
/* `delete --regex`: deletes every container whose id matches; 0 or 1. */
int cli_delete_regex(mr_context *ctx, const char *pattern, int force);
/* The bundle's config.json, or `file` (create/run --config) anchored at
 * `bundle`. A failure to read `file` is reported here (err stays NULL). */
int cli_load_config(mr_context *ctx, const char *bundle, const char *file, mr_config **out,
                    mr_error **err);

/* cmd-exec.c */
int cli_cmd_exec(const struct cli_globals *g, int argc, char **argv);
/* cmd-cgroup.c */
int cli_cmd_pause(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_resume(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_ps(const struct cli_globals *g, int argc, char **argv);
/* cmd-update.c */
int cli_cmd_update(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_events(const struct cli_globals *g, int argc, char **argv);
/* cmd-spec.c */
int cli_cmd_spec(const struct cli_globals *g, int argc, char **argv);

/* main.c: helpers for the commands. All return the exit status to use. */

/* Prepares getopt_long() for parsing a command's own argv. */
void cli_getopt_reset(void);
/* Reports a getopt_long() failure (c is '?' or ':'); `shortopts` is the
 * option string that was passed to getopt_long(). Returns 1. */
int cli_bad_option(const char *cmd, int c, char **argv, const char *shortopts);
/* Reports a usage error followed by a "Try ... --help" hint. Returns 1. */
int cli_usage_error(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Checks that between min and max positional arguments remain. Returns 0
 * when they do, else reports the problem and returns 1. */
int cli_check_args(const char *cmd, int count, int min, int max);
/* Prints a command's help text on stdout. Returns 0. */
int cli_help(const char *text);
/* Reports a failed library call (err may be NULL) and frees err. Returns 1. */
int cli_fail(int code, mr_error *err);
/* Creates the library context for the global options. Returns 0, or 1 after
 * reporting the failure. */
int cli_context(const struct cli_globals *g, mr_context **out);
/* Parses a decimal number in [0, INT_MAX]. Returns 0 or -1. */
int cli_parse_uint(const char *s, int *out);

/* log.c: the log sink. Errors always go to stderr ("minirun: <message>") and
 * are also appended to the --log file. Other messages go to the --log file
 * when one is given, else to stderr. */
void cli_log_init(const char *path, int json, enum mr_log_level level);
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);
void cli_verror(const char *fmt, va_list ap) CLI_PRINTF(1, 0);
void cli_log(enum mr_log_level level, const char *fmt, ...) CLI_PRINTF(2, 3);
/* An mr_log_fn forwarding library diagnostics to the sink. */
void cli_log_library(void *userdata, enum mr_log_level level, const char *message);

/* json.c */
/* `s` as a quoted JSON string, newly allocated; NULL when out of memory. */
char *cli_json_quote(const char *s);
/* Writes the JSON text `json` indented (2 spaces) followed by a newline.
 * Returns 0, or -1 on a write error. */
int cli_json_pretty(FILE *out, const char *json);

/* cancel.c: SIGINT/SIGTERM while creating make create give up cleanly.
 * Opens the cancel pipe (fds >= min_fd) as ctx's cancel fd; with
 * install_handlers, SIGINT/SIGTERM handlers that notify it (otherwise the
 * caller's handlers call cli_cancel_notify). */
int cli_cancel_begin(mr_context *ctx, int min_fd, int install_handlers);
void cli_cancel_notify(int sig);
/* Restores the handlers and closes the pipe. */
void cli_cancel_end(mr_context *ctx);
/* The signal that canceled, or 0. */
int cli_cancel_signal(void);

/* forward.c: relays signals received by a foreground `run` to the init. */
/* Installs the handlers; signals arriving before cli_forward_to() are kept. */
void cli_forward_install(void);
/* Starts relaying to `pid`, first sending the signals kept so far. */
void cli_forward_to(pid_t pid);
/* Stops relaying (the init was reaped); later signals are dropped. */
void cli_forward_stop(void);
/* Waits for c (retrying when a forwarded signal interrupts), then stops
 * forwarding; mr_container_wait's result. */
int cli_wait_forwarded(mr_container *c, int *status, mr_error **err);

/* terminal.c: the pty of a foreground `run` whose config wants a terminal
 * when no --console-socket was given: the CLI is its own console socket. */
struct cli_console {
  int fd;         /* the listening socket, or -1 */
  char dir[128];  /* its private directory (mode 0700), "" once removed */
  char path[128]; /* the socket's path, to pass as the console socket */
};
/* Creates the directory and the listening socket, its fd not below min_fd.
 * Returns 0, or 1 after reporting the failure (nothing is left behind). */
int cli_console_listen(struct cli_console *cs, int min_fd);
/* After the container was created: takes the connection the runtime made and
 * the pty master it sent, and removes the socket and its directory. Returns
 * the master, or -1 after reporting the failure. */
int cli_console_accept(struct cli_console *cs);
/* Closes the socket and removes it and its directory (again is harmless). */
void cli_console_remove(struct cli_console *cs);
/* Relays stdin to `master` and `master` to stdout (stdin in raw mode and the
 * window size kept in sync when it is a terminal) until the container side
 * hangs up or its init exits. Restores the terminal and closes `master`. */
void cli_console_proxy(int master, const mr_container *c);

#endif /* MINIRUN_CLI_H */
