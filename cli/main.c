/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c - global options, command dispatch and the helpers commands share
 * for reporting errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: minirun [GLOBAL OPTION]... COMMAND [OPTION]... [ARG]...\n"
    "\n"
    "minirun runs OCI containers; it is command line compatible with crun and runc.\n"
    "Global options (before COMMAND; --opt VALUE and --opt=VALUE both work):\n"
    "  --root DIR  state directory (default /run/minirun, or $XDG_RUNTIME_DIR/minirun\n"
    "  for non-root users); --log [file:]FILE  also append errors and diagnostics to\n"
    "  FILE (other crun log drivers are refused);\n"
    "  --log-format text|json; --log-level error|warning|info|debug; --debug;\n"
    "  --cgroup-manager cgroupfs|systemd|disabled; --systemd-cgroup;\n"
    "  --rootless true|false|auto (accepted; privileges decide);\n"
    "  -v, --version; -h, --help.\n"
    "Commands:\n"
    "  create [-b|--bundle DIR] [--pid-file FILE] [--console-socket SOCKET]\n"
    "         [--preserve-fds N] [--no-pivot] [--no-new-keyring] [--no-subreaper]\n"
    "         [-f|--config FILE] ID\n"
    "  run    [create options] [-d|--detach] [--keep] ID\n"
    "  start  ID\n"
    "  kill   [-a|--all] ID [SIGNAL]     (default SIGTERM)\n"
    "  delete [-f|--force] [-r|--regex] ID    (--regex: ID is an extended regex)\n"
    "  exec   [-d] [-t] [--process FILE] [--pid-file F] [--console-socket S] [-e K=V]\n"
    "         [-u UID[:GID]] [--cwd D] [--cap C] [--no-new-privs] [-g GID[,GID]]\n"
    "         [--cgroup [CTRL:]PATH] [--ignore-paused] ID [COMMAND [ARG]...]\n"
    "  state  ID\n"
    "  list   [-f|--format table|json] [-q|--quiet]\n"
    "  spec   [--rootless] [-b|--bundle DIR]\n"
    "  pause  ID;  resume ID\n"
    "  ps     [-f|--format table|json] ID [PS ARGS...]\n"
    "  update [-r|--resources FILE|-] [--memory N --pids-limit N ...] ID\n"
    "  events --stats ID\n"
    "  features                          (runtime-spec features JSON)\n"
    "  checkpoint, restore: not supported (exit 1)\n"
    "Every command accepts -h/--help. Exit status: 0 on success, 1 on error; run\n"
    "exits with the container's status (128+N when killed by signal N).\n";

struct cli_command {
  const char *name;
  cli_command_fn fn;
};

static const struct cli_command commands[] = {
    {"create", cli_cmd_create},
    {"run", cli_cmd_run},
    {"start", cli_cmd_start},
    {"kill", cli_cmd_kill},
    {"delete", cli_cmd_delete},
    {"state", cli_cmd_state},
    {"list", cli_cmd_list},
    {"spec", cli_cmd_spec},
    {"exec", cli_cmd_exec},
    {"pause", cli_cmd_pause},
    {"resume", cli_cmd_resume},
    {"ps", cli_cmd_ps},
    {"checkpoint", cli_cmd_checkpoint},
    {"restore", cli_cmd_restore},
    {"update", cli_cmd_update},
    {"events", cli_cmd_events},
    {"features", cli_cmd_features},
};

void cli_getopt_reset(void)
{
  optind = 0; /* glibc: fully reinitialise for a new argv */
  opterr = 0; /* we print our own messages */
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  cli_verror(fmt, ap);
  va_end(ap);
  fprintf(stderr, "Try `%s%s%s --help' for more information.\n", CLI_NAME, cmd ? " " : "",
          cmd ? cmd : "");
  return 1;
}

int cli_bad_option(const char *cmd, int c, char **argv, const char *shortopts)
{
  const char *arg = optind > 0 ? argv[optind - 1] : "";
  int is_short = optopt > 0 && optopt < 256 && optopt != ':' && optopt != '+';
  int known_short = is_short && strchr(shortopts, optopt) != NULL;

  /* A missing argument: the option was the last word. */
  if (c == ':') {
    if (strncmp(arg, "--", 2) == 0)
      return cli_usage_error(cmd, "option '%s' requires an argument", arg);
    return cli_usage_error(cmd, "option '-%c' requires an argument", optopt);
  }
  /* An unknown short option, possibly inside a group like -qx. */
  if (is_short && !known_short)
    return cli_usage_error(cmd, "unrecognized option '-%c'", optopt);
  /* A known long option given "=VALUE" although it takes none. */
  if (optopt != 0)
    return cli_usage_error(cmd, "option '%.*s' doesn't allow an argument", (int)strcspn(arg, "="),
                           arg);
  return cli_usage_error(cmd, "unrecognized option '%s'", arg);
}

int cli_check_args(const char *cmd, int count, int min, int max)
{
  if (count < min)
    return cli_usage_error(cmd, "please specify a container ID");
  if (count > max)
    return cli_usage_error(cmd, "too many arguments");
  return 0;
}

int cli_help(const char *text)
{
  fputs(text, stdout);
  return 0;
}

int cli_fail(int code, mr_error *err)
{
  if (err != NULL)
    cli_error("%s", mr_error_message(err));
  else
    cli_error("%s", strerror(code < 0 ? -code : code));
  mr_error_free(err);
  return 1;
}

int cli_context(const struct cli_globals *g, mr_context **out)
{
  mr_error *err = NULL;
  int ret;

  ret = mr_context_new(g->root, out, &err);
  if (ret < 0)
    return cli_fail(ret, err);
  mr_context_set_log(*out, cli_log_library, NULL, g->level);
  /* One process per container: without this every start would compile
   * the seccomp profile again. */
  char *cache = NULL;
  if (asprintf(&cache, "%s/.seccomp-cache", mr_context_state_root(*out)) < 0)
    return cli_fail(-ENOMEM, NULL);
  ret = mr_context_set_seccomp_cache(*out, cache, &err);
  free(cache);
  if (ret < 0)
    return cli_fail(ret, err);
  if (g->cgroup_disabled)
    mr_context_set_cgroup_mode(*out, MR_CGROUP_NONE);
  mr_context_set_cgroup_systemd(*out, g->cgroup_systemd);
  return 0;
}

int cli_parse_uint(const char *s, int *out)
{
  char *end;
  long v;

  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > INT_MAX)
    return -1;
  *out = (int)v;
  return 0;
}

/* The state root when --root is not given. The result is leaked on purpose:
 * it lives as long as the process. */
static const char *default_root(void)
{
  const char *xdg;
  char *root;

  if (geteuid() == 0)
    return "/run/minirun";
  xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg == NULL || *xdg == '\0')
    return "/run/minirun";
  if (asprintf(&root, "%s/minirun", xdg) < 0)
    return "/run/minirun";
  return root;
}

static int parse_log_level(const char *s, enum mr_log_level *level)
{
  static const struct {
    const char *name;
    enum mr_log_level level;
  } names[] = {
      {"panic", MR_LOG_ERROR},  {"fatal", MR_LOG_ERROR},     {"error", MR_LOG_ERROR},
      {"warn", MR_LOG_WARNING}, {"warning", MR_LOG_WARNING}, {"info", MR_LOG_INFO},
      {"debug", MR_LOG_DEBUG},  {"trace", MR_LOG_DEBUG},
  };
  size_t i;

  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (strcasecmp(s, names[i].name) == 0) {
      *level = names[i].level;
      return 0;
    }
  }
  return -1;
}

enum {
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_LOG_LEVEL,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_CGROUP_MANAGER,
  OPT_ROOTLESS,
};

int main(int argc, char **argv)
{
  static const char shortopts[] = "+:hvV";
  static const struct option longopts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
      {"debug", no_argument, NULL, OPT_DEBUG},
      {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP},
      {"cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER},
      {"rootless", required_argument, NULL, OPT_ROOTLESS},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct cli_globals g = {NULL, MR_LOG_WARNING, 0, 0};
  const char *log_path = NULL;
  int log_json = 0, debug = 0, status, c;
  size_t i;

  opterr = 0;
  while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
    switch (c) {
    case OPT_ROOT:
      g.root = optarg;
      break;
    case OPT_LOG:
      if (cli_log_target(optarg, &log_path) < 0)
        return 1;
      break;
    case OPT_LOG_FORMAT:
      if (strcmp(optarg, "json") == 0)
        log_json = 1;
      else if (strcmp(optarg, "text") == 0)
        log_json = 0;
      else
        return cli_usage_error(NULL, "unknown log format `%s`", optarg);
      break;
    case OPT_LOG_LEVEL:
      if (parse_log_level(optarg, &g.level) < 0)
        return cli_usage_error(NULL, "unknown log level `%s`", optarg);
      break;
    case OPT_DEBUG:
      debug = 1;
      break;
    case OPT_SYSTEMD_CGROUP:
      g.cgroup_systemd = 1;
      break;
    case OPT_CGROUP_MANAGER:
      g.cgroup_disabled = strcmp(optarg, "disabled") == 0;
      g.cgroup_systemd = strcmp(optarg, "systemd") == 0;
      if (strcmp(optarg, "disabled") != 0 && strcmp(optarg, "cgroupfs") != 0 &&
          strcmp(optarg, "systemd") != 0)
        return cli_usage_error(NULL, "unknown cgroup manager `%s`", optarg);
      break;
    case OPT_ROOTLESS:
      if (cli_rootless_value(optarg) < 0)
        return 1;
      break;
    case 'v':
    case 'V':
      printf("%s version %s\nspec: %s\n", CLI_NAME, mr_version(), CLI_SPEC_VERSION);
      return fflush(stdout) == 0 ? 0 : 1;
    case 'h':
      return cli_help(usage_text);
    default:
      return cli_bad_option(NULL, c, argv, shortopts);
    }
  }
  if (debug)
    g.level = MR_LOG_DEBUG;
  cli_log_init(log_path, log_json, g.level);

  if (optind >= argc)
    return cli_usage_error(NULL, "please specify a command");
  if (g.root == NULL)
    g.root = default_root();

  for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if (strcmp(argv[optind], commands[i].name) == 0)
      break;
  }
  if (i == sizeof(commands) / sizeof(commands[0]))
    return cli_usage_error(NULL, "unknown command %s", argv[optind]);

  status = commands[i].fn(&g, argc - optind, argv + optind);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("write error: %s", strerror(errno));
    status = 1;
  }
  return status;
}
