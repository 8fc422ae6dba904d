/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd-lifecycle.c - `start`, `kill` and `delete`.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "cli.h"

static const char start_usage[] = "Usage: minirun start ID\n"
                                  "Start the process of created container ID.\n";

static const char kill_usage[] = "Usage: minirun kill [OPTION]... ID [SIGNAL]\n"
                                 "Send SIGNAL (name or number, default SIGTERM) to the init of\n"
                                 "container ID.\n"
                                 "  -a, --all   signal every process of the container\n";

static const char delete_usage[] =
    "Usage: minirun delete [OPTION]... ID\n"
    "Delete stopped or never started container ID.\n"
    "  -f, --force   kill a running container first; an unknown ID\n"
    "                is not an error\n"
    "  -r, --regex   ID is an extended regular expression: delete\n"
    "                every container whose id it matches (as crun)\n";

#define CONTINUE (-1)

/* Parses a command taking only -h and one to `max` positional arguments.
 * `flag`, when not 0, is one more no-argument option setting *flag_set. */
static int parse_simple(const char *cmd, const char *usage, const struct option *longopts,
                        const char *shortopts, int flag, int *flag_set, int max, int argc,
                        char **argv)
{
  int c;

  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(usage);
    if (flag != 0 && c == flag)
      *flag_set = 1;
    else
      return cli_bad_option(cmd, c, argv, shortopts);
  }
  if (cli_check_args(cmd, argc - optind, 1, max))
    return 1;
  return CONTINUE;
}

int cli_cmd_start(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  mr_context *ctx;
  mr_error *err = NULL;
  int ret;

  ret = parse_simple("start", start_usage, longopts, ":h", 0, NULL, 1, argc, argv);
  if (ret != CONTINUE)
    return ret;
  if (cli_context(g, &ctx))
    return 1;
  ret = mr_container_start(ctx, argv[optind], &err);
  ret = ret < 0 ? cli_fail(ret, err) : 0;
  mr_context_free(ctx);
  return ret;
}

int cli_cmd_kill(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"all", no_argument, NULL, 'a'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  mr_context *ctx;
  mr_error *err = NULL;
  int ret, all = 0, sig = SIGTERM;
  const char *id;

  ret = parse_simple("kill", kill_usage, longopts, ":ah", 'a', &all, 2, argc, argv);
  if (ret != CONTINUE)
    return ret;
  id = argv[optind];
  if (optind + 1 < argc) {
    ret = mr_signal_parse(argv[optind + 1], &sig, &err);
    if (ret < 0)
      return cli_fail(ret, err);
  }
  if (cli_context(g, &ctx))
    return 1;
  ret = mr_container_kill(ctx, id, sig, all, &err);
  ret = ret < 0 ? cli_fail(ret, err) : 0;
  mr_context_free(ctx);
  return ret;
}

int cli_cmd_delete(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"force", no_argument, NULL, 'f'},
      {"regex", no_argument, NULL, 'r'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  mr_context *ctx;
  mr_error *err = NULL;
  int ret, c, force = 0, regex = 0;

  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, ":frh", longopts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(delete_usage);
    if (c == 'f')
      force = 1;
    else if (c == 'r')
      regex = 1;
    else
      return cli_bad_option("delete", c, argv, ":frh");
  }
  if (cli_check_args("delete", argc - optind, 1, 1))
    return 1;
  if (cli_context(g, &ctx))
    return 1;
  if (regex) {
    ret = cli_delete_regex(ctx, argv[optind], force);
  } else {
    ret = mr_container_delete(ctx, argv[optind], force, &err);
    ret = ret < 0 ? cli_fail(ret, err) : 0;
  }
  mr_context_free(ctx);
  return ret;
}
