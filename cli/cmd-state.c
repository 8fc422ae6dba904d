/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd-state.c - `state` and `list`.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char state_usage[] = "Usage: minirun state ID\n"
                                  "Print the OCI state of container ID as JSON.\n";

static const char list_usage[] = "Usage: minirun list [OPTION]...\n"
                                 "List the known containers.\n"
                                 "  -f, --format table|json   output format (default table)\n"
                                 "  -q, --quiet               print the IDs only\n";

int cli_cmd_state(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  mr_context *ctx;
  mr_state *st = NULL;
  mr_error *err = NULL;
  char *json = NULL;
  int c, ret;

  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(state_usage);
    return cli_bad_option("state", c, argv, ":h");
  }
  if (cli_check_args("state", argc - optind, 1, 1))
    return 1;
  if (cli_context(g, &ctx))
    return 1;
  ret = mr_state_get(ctx, argv[optind], &st, &err);
  if (ret >= 0)
    ret = mr_state_to_json(st, &json, &err);
  if (ret >= 0)
    cli_json_pretty(stdout, json);
  else
    cli_fail(ret, err);
  free(json);
  mr_state_free(st);
  mr_context_free(ctx);
  return ret < 0 ? 1 : 0;
}

/* The user name of `uid` (the uid in decimal when it has none). The result
 * stays valid until the next call. */
static const char *owner_name(uid_t uid)
{
  static char buf[32];
  static uid_t cached_uid = (uid_t)-1;
  static const char *cached;
  struct passwd *pw;

  if (cached != NULL && uid == cached_uid)
    return cached;
  // cppcheck-suppress getpwuidCalled ; the CLI is single-threaded
  pw = getpwuid(uid);
  if (pw != NULL && pw->pw_name != NULL && strlen(pw->pw_name) < sizeof(buf)) {
    strcpy(buf, pw->pw_name);
  } else {
    snprintf(buf, sizeof(buf), "%lu", (unsigned long)uid);
  }
  cached_uid = uid;
  cached = buf;
  return cached;
}

static void print_table(mr_state **list, size_t count, int quiet)
{
  int width = 4;
  size_t i;

  if (quiet) {
    for (i = 0; i < count; i++)
      printf("%s\n", mr_state_id(list[i]));
    return;
  }
  for (i = 0; i < count; i++) {
    size_t len = strlen(mr_state_id(list[i]));
    if (len > (size_t)width)
      width = len > 1024 ? 1024 : (int)len;
  }
  width++;
  printf("%-*s%-10s%-8s %-39s %-30s %s\n", width, "NAME", "PID", "STATUS", "BUNDLE PATH", "CREATED",
         "OWNER");
  for (i = 0; i < count; i++) {
    mr_state *st = list[i];
    printf("%-*s%-10d%-8s %-39s %-30s %s\n", width, mr_state_id(st), (int)mr_state_pid(st),
           mr_status_name(mr_state_status(st)), mr_state_bundle(st), mr_state_created(st),
           owner_name(mr_state_owner(st)));
  }
}

/* Prints `key`: "value" with the value quoted; returns -1 when out of memory. */
static int print_field(const char *key, const char *value, int last)
{
  char *q = cli_json_quote(value ? value : "");

  if (q == NULL)
    return -1;
  printf("    \"%s\": %s%s\n", key, q, last ? "" : ",");
  free(q);
  return 0;
}

static int print_json(mr_state **list, size_t count)
{
  size_t i;

  if (count == 0) {
    printf("[]\n");
    return 0;
  }
  printf("[\n");
  for (i = 0; i < count; i++) {
    mr_state *st = list[i];

    printf("  {\n");
    if (print_field("id", mr_state_id(st), 0) < 0)
      return -1;
    printf("    \"pid\": %d,\n", (int)mr_state_pid(st));
    if (print_field("status", mr_status_name(mr_state_status(st)), 0) < 0 ||
        print_field("bundle", mr_state_bundle(st), 0) < 0 ||
        print_field("created", mr_state_created(st), 0) < 0 ||
        print_field("owner", owner_name(mr_state_owner(st)), 1) < 0)
      return -1;
    printf("  }%s\n", i + 1 < count ? "," : "");
  }
  printf("]\n");
  return 0;
}

int cli_cmd_list(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  mr_context *ctx;
  mr_state **list = NULL;
  mr_error *err = NULL;
  size_t count = 0;
  int c, ret, json = 0, quiet = 0;

  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, ":f:qh", longopts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "json") == 0)
        json = 1;
      else if (strcmp(optarg, "table") == 0)
        json = 0;
      else
        return cli_usage_error("list", "invalid format `%s`", optarg);
      break;
    case 'q':
      quiet = 1;
      break;
    case 'h':
      return cli_help(list_usage);
    default:
      return cli_bad_option("list", c, argv, ":f:qh");
    }
  }
  if (cli_check_args("list", argc - optind, 0, 0))
    return 1;
  if (cli_context(g, &ctx))
    return 1;
  ret = mr_state_list(ctx, &list, &count, &err);
  if (ret < 0) {
    ret = cli_fail(ret, err);
  } else if (json) {
    ret = print_json(list, count);
    if (ret < 0)
      cli_error("out of memory");
    ret = ret < 0 ? 1 : 0;
  } else {
    print_table(list, count, quiet);
    ret = 0;
  }
  mr_state_list_free(list, count);
  mr_context_free(ctx);
  return ret;
}
