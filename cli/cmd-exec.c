/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd-exec.c - `exec`: run another process in a running container.
 *
 * The forms the clients send: conmon (podman) runs
 *   exec --pid-file F --process P.json --detach [--tty --console-socket S]
 *        [--preserve-fds N] ID
 * and containerd's runc shim (go-runc Exec)
 *   exec --process P.json [--pid-file F] [--console-socket S] [--detach] ID
 * then waits for the pid in the pid file (both are subreapers). A user
 * types `minirun exec -t ID sh`. Without --detach the command waits, relays
 * signals to the process and exits with its status (128+N when killed by
 * signal N); 127 and 126 when the program is not found / not executable,
 * as podman maps them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char exec_usage[] =
    "Usage: minirun exec [OPTION]... ID [COMMAND [ARG]...]\n"
    "Run COMMAND (or the process of --process) in running container ID.\n"
    "  -p, --process FILE        the process as runtime-spec JSON (instead of COMMAND)\n"
    "  -d, --detach              exit once the process runs (it stays our child's)\n"
    "  -t, --tty                 give the process a pty\n"
    "      --console-socket SOCK AF_UNIX socket receiving the pty master\n"
    "      --pid-file FILE       write the process's pid to FILE\n"
    "      --preserve-fds N      pass fds 3..3+N-1 to the process\n"
    "      --cwd DIR             working directory inside the container\n"
    "  -e, --env NAME=VALUE      set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]      run as UID (and GID)\n"
    "  -c, --cap CAP             add a capability (repeatable)\n"
    "      --no-new-privs        set no_new_privs\n"
    "      --process-label L     SELinux label of the process\n"
    "      --apparmor PROFILE    AppArmor profile of the process\n"
    "  -g, --additional-gids GID[,GID]...  add supplementary groups (repeatable)\n"
    "      --cgroup [CONTROLLER[,...]:]PATH  run in this existing sub-cgroup of the\n"
    "                            container's (repeatable with CONTROLLER: for v1)\n"
    "      --ignore-paused       allow exec into a paused container (the process\n"
    "                            runs once it is resumed)\n"
    "      --no-subreaper        accepted for compatibility (no subreaper is used)\n"
    "Exit status: the process's (128+N when killed by signal N); 127 when the\n"
    "command is not found, 126 when it cannot be executed, 1 on other errors.\n";

enum {
  OPT_CONSOLE_SOCKET = 256,
  OPT_PID_FILE,
  OPT_PRESERVE_FDS,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_PROCESS_LABEL,
  OPT_APPARMOR,
  OPT_NO_SUBREAPER,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED,
};

static const struct option exec_options[] = {
    {"process", required_argument, NULL, 'p'},
    {"detach", no_argument, NULL, 'd'},
    {"tty", no_argument, NULL, 't'},
    {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
    {"cwd", required_argument, NULL, OPT_CWD},
    {"env", required_argument, NULL, 'e'},
    {"user", required_argument, NULL, 'u'},
    {"cap", required_argument, NULL, 'c'},
    {"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
    {"process-label", required_argument, NULL, OPT_PROCESS_LABEL},
    {"apparmor", required_argument, NULL, OPT_APPARMOR},
    {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
    {"additional-gids", required_argument, NULL, 'g'},
    {"cgroup", required_argument, NULL, OPT_CGROUP},
    {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct exec_args {
  const char *process;
  const char *console_socket;
  int detach;
  int preserve_fds;
  const char *id;
  int argc;
  char **argv;
};

#define CONTINUE (-1)

/* "UID" or "UID:GID" (numbers only, as runc's exec). */
static int parse_user(const char *s, mr_exec_opts *o)
{
  char *end;
  unsigned long uid, gid;

  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  uid = strtoul(s, &end, 10);
  gid = 0;
  if (*end == ':') {
    if (end[1] < '0' || end[1] > '9')
      return -1;
    gid = strtoul(end + 1, &end, 10);
  }
  if (errno != 0 || *end != '\0' || uid >= 0xffffffffUL || gid >= 0xffffffffUL)
    return -1;
  mr_exec_opts_set_user(o, (uid_t)uid, (gid_t)gid);
  return 0;
}

/* "GID[,GID]..." (numbers from 0 to 4294967294, as runc's exec -g). */
static int parse_gids(const char *s, mr_exec_opts *o, mr_error **err, int *ret)
{
  const char *p = s;
  for (;;) {
    char *end;
    if (*p < '0' || *p > '9')
      return -1;
    errno = 0;
    unsigned long gid = strtoul(p, &end, 10);
    if (errno != 0 || gid > 0xffffffffUL || (*end != ',' && *end != '\0'))
      return -1;
    *ret = mr_exec_opts_add_additional_gid(o, (gid_t)gid, err);
    if (*ret < 0 || *end == '\0')
      return 0;
    p = end + 1;
  }
}

static int read_process_file(const char *path, mr_exec_opts *o, mr_error **err)
{
  FILE *f = fopen(path, "re");
  char *text = NULL;
  size_t len = 0;
  int ret;

  if (f == NULL) {
    cli_error("process file `%s`: %s", path, strerror(errno));
    return -1;
  }
  FILE *mem = open_memstream(&text, &len);
  char buf[8192];
  size_t n;
  while (mem != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0 && len < (16u << 20))
    fwrite(buf, 1, n, mem);
  int bad = ferror(f) || mem == NULL;
  fclose(f);
  if (mem != NULL)
    fclose(mem);
  if (bad) {
    free(text);
    cli_error("process file `%s`: read error", path);
    return -1;
  }
  ret = mr_exec_opts_set_process_json(o, text, len, err);
  free(text);
  return ret < 0 ? ret : 0;
}

/* One option into `o`; returns CONTINUE or the exit status to end with. */
static int apply_option(int c, struct exec_args *a, mr_exec_opts *o, mr_error **err, int *ret)
{
  switch (c) {
  case 'p':
    a->process = optarg;
    return CONTINUE;
  case 'd':
    a->detach = 1;
    return CONTINUE;
  case 't':
    mr_exec_opts_set_terminal(o, 1);
    return CONTINUE;
  case OPT_CONSOLE_SOCKET:
    a->console_socket = optarg;
    *ret = mr_exec_opts_set_console_socket(o, optarg, err);
    return CONTINUE;
  case OPT_PID_FILE:
    *ret = mr_exec_opts_set_pid_file(o, optarg, err);
    return CONTINUE;
  case OPT_PRESERVE_FDS:
    if (cli_parse_uint(optarg, &a->preserve_fds) < 0)
      return cli_usage_error("exec", "invalid --preserve-fds value `%s`", optarg);
    mr_exec_opts_set_preserve_fds(o, a->preserve_fds);
    return CONTINUE;
  case OPT_CWD:
    *ret = mr_exec_opts_set_cwd(o, optarg, err);
    return CONTINUE;
  case 'e':
    *ret = mr_exec_opts_add_env(o, optarg, err);
    return CONTINUE;
  case 'u':
    if (parse_user(optarg, o) < 0)
      return cli_usage_error("exec", "invalid --user `%s` (expected UID[:GID])", optarg);
    return CONTINUE;
  case 'c':
    *ret = mr_exec_opts_add_capability(o, optarg, err);
    return CONTINUE;
  case OPT_NO_NEW_PRIVS:
    mr_exec_opts_set_no_new_privs(o, 1);
    return CONTINUE;
  case OPT_PROCESS_LABEL:
    *ret = mr_exec_opts_set_process_label(o, optarg, err);
    return CONTINUE;
  case OPT_APPARMOR:
    *ret = mr_exec_opts_set_apparmor(o, optarg, err);
    return CONTINUE;
  case OPT_NO_SUBREAPER:
    return CONTINUE;
  case 'g':
    if (parse_gids(optarg, o, err, ret) < 0)
      return cli_usage_error("exec", "invalid --additional-gids `%s` (expected GID[,GID]...)",
                             optarg);
    return CONTINUE;
  case OPT_CGROUP:
    *ret = mr_exec_opts_add_cgroup(o, optarg, err);
    return CONTINUE;
  case OPT_IGNORE_PAUSED:
    mr_exec_opts_set_ignore_paused(o, 1);
    return CONTINUE;
  default:
    return cli_usage_error("exec", "unhandled option");
  }
}

static int parse_args(struct exec_args *a, mr_exec_opts *o, int argc, char **argv)
{
  static const char shortopts[] = "+:p:dte:u:c:g:h";
  mr_error *err = NULL;
  int c, ret = 0, st;

  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, shortopts, exec_options, NULL)) != -1) {
    if (c == 'h')
      return cli_help(exec_usage);
    if (c == '?' || c == ':')
      return cli_bad_option("exec", c, argv, shortopts);
    st = apply_option(c, a, o, &err, &ret);
    if (st != CONTINUE)
      return st;
    if (ret < 0)
      return cli_fail(ret, err);
  }
  if (optind >= argc)
    return cli_usage_error("exec", "please specify a container ID");
  a->id = argv[optind];
  a->argc = argc - optind - 1;
  a->argv = argv + optind + 1;
  if (a->process != NULL && a->argc > 0)
    return cli_usage_error("exec", "--process and a COMMAND cannot both be given");
  if (a->process == NULL && a->argc == 0)
    return cli_usage_error("exec", "please specify a COMMAND (or --process FILE)");
  if (a->process != NULL && read_process_file(a->process, o, &err) < 0)
    return err != NULL ? cli_fail(-EINVAL, err) : 1;
  if (a->argc > 0) {
    ret = mr_exec_opts_set_args(o, (size_t)a->argc, (const char *const *)a->argv, &err);
    if (ret < 0)
      return cli_fail(ret, err);
  }
  if (a->detach && a->console_socket == NULL && mr_exec_opts_terminal(o) == 1)
    return cli_usage_error("exec", "--tty with --detach needs --console-socket");
  return CONTINUE;
}

/* Podman's mapping of a failed exec: 127 not found, 126 not executable. */
static int exec_failure(int code, mr_error *err)
{
  const char *msg = err != NULL ? mr_error_message(err) : "";
  int is_exec = strncmp(msg, "exec \"", 6) == 0;
  int status = 1;

  if (is_exec && code == -ENOENT)
    status = 127;
  else if (is_exec && code == -EACCES)
    status = 126;
  cli_fail(code, err);
  return status;
}

static int wait_process(mr_container *c)
{
  mr_error *err = NULL;
  int status = 1, ret;

  ret = cli_wait_forwarded(c, &status, &err);
  if (ret < 0)
    return cli_fail(ret, err);
  return status;
}

static int run_exec(const struct cli_globals *g, struct exec_args *a, mr_exec_opts *o)
{
  struct cli_console cons = {.fd = -1};
  mr_context *ctx = NULL;
  mr_container *c = NULL;
  mr_error *err = NULL;
  int ret, status, console = 0;

  if (cli_context(g, &ctx))
    return 1;
  if (!a->detach && a->console_socket == NULL && mr_exec_opts_terminal(o) == 1) {
    if (cli_console_listen(&cons, 3 + a->preserve_fds)) {
      mr_context_free(ctx);
      return 1;
    }
    console = 1;
    ret = mr_exec_opts_set_console_socket(o, cons.path, &err);
    if (ret < 0) {
      cli_console_remove(&cons);
      mr_context_free(ctx);
      return cli_fail(ret, err);
    }
  }
  if (!a->detach)
    cli_forward_install();
  ret = mr_container_exec(ctx, a->id, o, &c, &err);
  if (ret < 0) {
    cli_console_remove(&cons);
    mr_context_free(ctx);
    return exec_failure(ret, err);
  }
  status = 0;
  if (!a->detach) {
    cli_forward_to(mr_container_pid(c));
    if (console) {
      int master = cli_console_accept(&cons);
      if (master >= 0)
        cli_console_proxy(master, c);
    }
    status = wait_process(c);
  }
  cli_console_remove(&cons);
  mr_container_free(c);
  mr_context_free(ctx);
  return status;
}

int cli_cmd_exec(const struct cli_globals *g, int argc, char **argv)
{
  struct exec_args a = {0};
  mr_exec_opts *o = NULL;
  mr_error *err = NULL;
  int ret = mr_exec_opts_new(&o, &err);

  if (ret < 0)
    return cli_fail(ret, err);
  ret = parse_args(&a, o, argc, argv);
  if (ret == CONTINUE)
    ret = run_exec(g, &a, o);
  mr_exec_opts_free(o);
  return ret;
}
