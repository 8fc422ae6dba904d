/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd-cgroup.c - `pause`, `resume` and `ps`: the commands that act on a
 * container through its cgroup.
 *
 * `ps` takes runc's form, which containerd's shim and conmon send:
 * `ps [--format table|json] ID [PS ARGS...]`. json prints the pids as an
 * array; table runs ps(1) with PS ARGS (default -ef) and keeps its header
 * and the lines of the container's processes (just the pids when there is
 * no ps(1)).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static const char pause_usage[] = "Usage: minirun pause ID\n"
                                  "Freeze every process of running container ID.\n";
static const char resume_usage[] = "Usage: minirun resume ID\n"
                                   "Thaw the processes of paused container ID.\n";
static const char ps_usage[] =
    "Usage: minirun ps [OPTION]... ID [PS ARGS...]\n"
    "List the processes of container ID (through its cgroup).\n"
    "  -f, --format table|json   json: an array of host pids; table (default):\n"
    "                            the lines of `ps PS ARGS` (default -ef) for them\n";

static int one_id_command(const struct cli_globals *g, int argc, char **argv, const char *usage,
                          int (*fn)(mr_context *, const char *, mr_error **))
{
  static const struct option longopts[] = {
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  mr_context *ctx;
  mr_error *err = NULL;
  int c, ret;

  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(usage);
    return cli_bad_option(argv[0], c, argv, ":h");
  }
  if (cli_check_args(argv[0], argc - optind, 1, 1))
    return 1;
  if (cli_context(g, &ctx))
    return 1;
  ret = fn(ctx, argv[optind], &err);
  ret = ret < 0 ? cli_fail(ret, err) : 0;
  mr_context_free(ctx);
  return ret;
}

int cli_cmd_pause(const struct cli_globals *g, int argc, char **argv)
{
  return one_id_command(g, argc, argv, pause_usage, mr_container_pause);
}

int cli_cmd_resume(const struct cli_globals *g, int argc, char **argv)
{
  return one_id_command(g, argc, argv, resume_usage, mr_container_resume);
}

static int has_pid(const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return 1;
  return 0;
}

/* The column of "PID" in ps's header, or -1. */
static int pid_column(char *header)
{
  char *copy = strdup(header), *save = NULL;
  int col = 0, found = -1;
  for (char *w = copy ? strtok_r(copy, " \t\n", &save) : NULL; w;
       w = strtok_r(NULL, " \t\n", &save), col++)
    if (strcmp(w, "PID") == 0) {
      found = col;
      break;
    }
  free(copy);
  return found;
}

static long field_as_pid(const char *line, int col)
{
  char *copy = strdup(line), *save = NULL, *w = NULL;
  if (copy == NULL)
    return -1;
  w = strtok_r(copy, " \t\n", &save);
  for (int i = 0; w != NULL && i < col; i++)
    w = strtok_r(NULL, " \t\n", &save);
  long pid = w ? strtol(w, NULL, 10) : -1;
  free(copy);
  return pid;
}

/* ps(1) ARGS filtered to the container's pids. Returns 0, or -1 when ps
 * could not be run (the caller prints the pids alone). */
static int print_ps_table(char **args, int n_args, const pid_t *pids, size_t n)
{
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0)
    return -1;
  pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (child == 0) {
    char **argv = calloc((size_t)n_args + 2, sizeof(char *));
    if (argv == NULL || dup2(fds[1], 1) < 0)
      _exit(127);
    argv[0] = "ps";
    if (n_args == 0)
      argv[1] = "-ef";
    for (int i = 0; i < n_args; i++)
      argv[i + 1] = args[i];
    execvp("ps", argv);
    _exit(127);
  }
  close(fds[1]);
  FILE *in = fdopen(fds[0], "r");
  char *line = NULL;
  size_t cap = 0;
  int col = -1, lines = 0;
  while (in != NULL && getline(&line, &cap, in) > 0) {
    if (lines++ == 0) {
      col = pid_column(line);
      fputs(line, stdout);
    } else if (col >= 0 && has_pid(pids, n, field_as_pid(line, col))) {
      fputs(line, stdout);
    }
  }
  free(line);
  if (in != NULL)
    fclose(in);
  else
    close(fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR)
    ;
  if (lines == 0)
    return -1;
  if (col < 0) {
    cli_error("ps: no PID column in the output of ps");
    return 1;
  }
  return 0;
}

int cli_cmd_ps(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  mr_context *ctx;
  mr_error *err = NULL;
  int c, ret, json = 0;
  pid_t *pids = NULL;
  size_t n = 0;

  cli_getopt_reset();
  /* "+": the ps arguments after ID are not ours. */
  while ((c = getopt_long(argc, argv, "+:f:h", longopts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(ps_usage);
    if (c != 'f')
      return cli_bad_option("ps", c, argv, "+:f:h");
    if (strcmp(optarg, "json") == 0)
      json = 1;
    else if (strcmp(optarg, "table") == 0)
      json = 0;
    else
      return cli_usage_error("ps", "invalid format option `%s`", optarg);
  }
  if (cli_check_args("ps", argc - optind, 1, json ? 1 : INT32_MAX))
    return 1;
  if (cli_context(g, &ctx))
    return 1;
  ret = mr_container_pids(ctx, argv[optind], &pids, &n, &err);
  mr_context_free(ctx);
  if (ret < 0)
    return cli_fail(ret, err);
  ret = 0;
  if (json) {
    putchar('[');
    for (size_t i = 0; i < n; i++)
      printf("%s%d", i ? "," : "", (int)pids[i]);
    puts("]");
  } else {
    ret = print_ps_table(argv + optind + 1, argc - optind - 1, pids, n);
    if (ret < 0) {
      ret = 0;
      puts("PID");
      for (size_t i = 0; i < n; i++)
        printf("%d\n", (int)pids[i]);
    }
  }
  free(pids);
  return ret;
}
