/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd-create.c - `create` and `run`.
 *
 * create leaves the init waiting for `start` and exits; run creates and starts
 * it, then (unless --detach) waits for it, relays signals to it, deletes it
 * and exits with its status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char create_usage[] =
    "Usage: minirun create [OPTION]... ID\n"
    "Create container ID from a bundle; its process waits for `minirun start ID`.\n"
    "  -b, --bundle DIR          bundle directory (default \".\")\n"
    "  -f, --config FILE         read FILE instead of BUNDLE/config.json\n"
    "      --pid-file FILE       write the container's init pid to FILE\n"
    "      --console-socket SOCK AF_UNIX socket receiving the pty master\n"
    "      --preserve-fds N      pass fds 3..3+N-1 to the container\n"
    "      --no-pivot            use MS_MOVE + chroot instead of pivot_root\n"
    "      --no-new-keyring      keep the caller's session keyring\n"
    "      --no-subreaper        accepted for compatibility (ignored)\n";

static const char run_usage[] =
    "Usage: minirun run [OPTION]... ID\n"
    "Create and start container ID, wait for it to exit, delete it and exit with its\n"
    "status. Signals sent to minirun are relayed to the container.\n"
    "  -b, --bundle DIR          bundle directory (default \".\")\n"
    "  -f, --config FILE         read FILE instead of BUNDLE/config.json\n"
    "  -d, --detach              exit once the container runs, leaving it running\n"
    "      --keep                do not delete the container after it exits\n"
    "      --pid-file FILE       write the container's init pid to FILE\n"
    "      --console-socket SOCK AF_UNIX socket receiving the pty master\n"
    "      --preserve-fds N      pass fds 3..3+N-1 to the container\n"
    "      --no-pivot            use MS_MOVE + chroot instead of pivot_root\n"
    "      --no-new-keyring      keep the caller's session keyring\n"
    "      --no-subreaper        accepted for compatibility (ignored)\n";

enum {
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_PRESERVE_FDS,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_NO_SUBREAPER,
  OPT_KEEP,
};

#define COMMON_OPTIONS                                                                             \
  {"bundle", required_argument, NULL, 'b'}, {"config", required_argument, NULL, 'f'},              \
      {"pid-file", required_argument, NULL, OPT_PID_FILE},                                         \
      {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},                             \
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},                                 \
      {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},                                               \
      {"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},                                   \
      {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},                                       \
  {                                                                                                \
    "help", no_argument, NULL, 'h'                                                                 \
  }

static const struct option create_options[] = {COMMON_OPTIONS, {NULL, 0, NULL, 0}};
static const struct option run_options[] = {
    COMMON_OPTIONS,
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {NULL, 0, NULL, 0},
};

struct create_args {
  const char *cmd;
  const char *id;
  const char *bundle;
  const char *config_file;
  const char *pid_file;
  const char *console_socket;
  int preserve_fds;
  int no_pivot;
  int no_new_keyring;
  int detach;
  int keep;
};

#define CONTINUE (-1)

/* Parses the options; returns CONTINUE, or the exit status to end with. */
static int parse_args(struct create_args *a, int is_run, int argc, char **argv)
{
  const char *shortopts = is_run ? ":b:f:dh" : ":b:f:h";
  int c;

  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, shortopts, is_run ? run_options : create_options, NULL)) !=
         -1) {
    switch (c) {
    case 'b':
      a->bundle = optarg;
      break;
    case 'f':
      a->config_file = optarg;
      break;
    case OPT_PID_FILE:
      a->pid_file = optarg;
      break;
    case OPT_CONSOLE_SOCKET:
      a->console_socket = optarg;
      break;
    case OPT_PRESERVE_FDS:
      if (cli_parse_uint(optarg, &a->preserve_fds) < 0)
        return cli_usage_error(a->cmd, "invalid --preserve-fds value `%s`", optarg);
      break;
    case OPT_NO_PIVOT:
      a->no_pivot = 1;
      break;
    case OPT_NO_NEW_KEYRING:
      a->no_new_keyring = 1;
      break;
    case OPT_NO_SUBREAPER:
      break;
    case 'd':
      a->detach = 1;
      break;
    case OPT_KEEP:
      a->keep = 1;
      break;
    case 'h':
      return cli_help(is_run ? run_usage : create_usage);
    default:
      return cli_bad_option(a->cmd, c, argv, shortopts);
    }
  }
  if (cli_check_args(a->cmd, argc - optind, 1, 1))
    return 1;
  a->id = argv[optind];
  return CONTINUE;
}

/* Socket activation (as runc and crun do): the LISTEN_FDS fds that follow
 * stdio are passed on too, when they were meant for this process. */
static int listen_fds(void)
{
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  int n, p;

  if (fds == NULL || cli_parse_uint(fds, &n) < 0)
    return 0;
  if (pid != NULL && (cli_parse_uint(pid, &p) < 0 || p != (int)getpid()))
    return 0;
  return n;
}

static int make_opts(const struct create_args *a, mr_create_opts **out, mr_error **err)
{
  mr_create_opts *opts;
  int ret, extra = listen_fds();

  ret = mr_create_opts_new(&opts, err);
  if (ret < 0)
    return ret;
  if (a->pid_file != NULL)
    ret = mr_create_opts_set_pid_file(opts, a->pid_file, err);
  if (ret >= 0 && a->console_socket != NULL)
    ret = mr_create_opts_set_console_socket(opts, a->console_socket, err);
  if (ret < 0) {
    mr_create_opts_free(opts);
    return ret;
  }
  mr_create_opts_set_preserve_fds(opts, a->preserve_fds + extra);
  mr_create_opts_set_listen_fds(opts, extra);
  mr_create_opts_set_no_pivot(opts, a->no_pivot);
  mr_create_opts_set_no_new_keyring(opts, a->no_new_keyring);
  *out = opts;
  return 0;
}

/* Waits for the init of a foreground `run`, then deletes the container.
 * Returns the container's exit status, or 1 on error. */
static int wait_and_delete(mr_context *ctx, mr_container *c, const struct create_args *a)
{
  mr_error *err = NULL;
  int status = 1, ret;

  ret = cli_wait_forwarded(c, &status, &err);
  if (ret < 0) {
    cli_fail(ret, err);
    err = NULL;
    status = 1;
  }
  cli_log(MR_LOG_DEBUG, "container %s exited with status %d", a->id, status);
  if (a->keep)
    return status;
  ret = mr_container_delete(ctx, a->id, 1, &err);
  if (ret < 0)
    return cli_fail(ret, err);
  return status;
}

/* A foreground `run` of a container that wants a terminal, without
 * --console-socket: the CLI takes the pty master itself (as crun does). */
static int own_console(const struct create_args *a, int is_run, const mr_config *config)
{
  return is_run && !a->detach && a->console_socket == NULL && mr_config_terminal(config) == 1;
}

/* Relays the container's pty, then waits for it as wait_and_delete() does.
 * Without a master, the container is killed: nobody could talk to it. */
static int proxy_wait_and_delete(mr_context *ctx, mr_container *c, const struct create_args *a,
                                 struct cli_console *cons)
{
  int master = cli_console_accept(cons), status;

  if (master < 0) {
    mr_container_kill(ctx, a->id, SIGKILL, 0, NULL);
    wait_and_delete(ctx, c, a);
    return 1;
  }
  cli_console_proxy(master, c);
  status = wait_and_delete(ctx, c, a);
  return status;
}

static int create_or_run(const struct cli_globals *g, const struct create_args *a, int is_run)
{
  mr_context *ctx = NULL;
  mr_config *config = NULL;
  mr_create_opts *opts = NULL;
  mr_container *c = NULL;
  mr_error *err = NULL;
  struct cli_console cons = {.fd = -1};
  int ret, status, console = 0;

  if (cli_context(g, &ctx))
    return 1;
  ret = cli_load_config(ctx, a->bundle, a->config_file, &config, &err);
  if (ret >= 0)
    ret = make_opts(a, &opts, &err);
  if (ret >= 0 && own_console(a, is_run, config)) {
    /* Listening before the runtime connects, which it does while creating. */
    if (cli_console_listen(&cons, 3 + a->preserve_fds + listen_fds())) {
      mr_create_opts_free(opts);
      mr_config_free(config);
      mr_context_free(ctx);
      return 1;
    }
    console = 1;
    ret = mr_create_opts_set_console_socket(opts, cons.path, &err);
  }
  if (ret >= 0) {
    int foreground = is_run && !a->detach;

    if (foreground)
      cli_forward_install();
    if (cli_cancel_begin(ctx, 3 + a->preserve_fds + listen_fds(), !foreground) < 0) {
      mr_create_opts_free(opts);
      mr_config_free(config);
      cli_console_remove(&cons);
      mr_context_free(ctx);
      return 1;
    }
    if (!is_run)
      ret = mr_container_create(ctx, a->id, config, opts, &c, &err);
    else
      ret = mr_container_run(ctx, a->id, config, opts, &c, &err);
    cli_cancel_end(ctx);
    if (ret == -ECANCELED && cli_cancel_signal() != 0)
      cli_log(MR_LOG_DEBUG, "interrupted by signal %d while creating %s", cli_cancel_signal(),
              a->id);
  }
  mr_create_opts_free(opts);
  mr_config_free(config);
  if (ret < 0) {
    cli_console_remove(&cons);
    status = cli_fail(ret, err);
  } else if (is_run && !a->detach) {
    cli_forward_to(mr_container_pid(c));
    if (console)
      status = proxy_wait_and_delete(ctx, c, a, &cons);
    else
      status = wait_and_delete(ctx, c, a);
  } else {
    status = 0;
  }
  cli_console_remove(&cons);
  mr_container_free(c);
  mr_context_free(ctx);
  return status;
}

int cli_cmd_create(const struct cli_globals *g, int argc, char **argv)
{
  struct create_args a = {.cmd = "create", .bundle = "."};
  int ret = parse_args(&a, 0, argc, argv);

  return ret == CONTINUE ? create_or_run(g, &a, 0) : ret;
}

int cli_cmd_run(const struct cli_globals *g, int argc, char **argv)
{
  struct create_args a = {.cmd = "run", .bundle = "."};
  int ret = parse_args(&a, 1, argc, argv);

  return ret == CONTINUE ? create_or_run(g, &a, 1) : ret;
}
