/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd-spec.c - `spec`: writes a default config.json into the bundle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char spec_usage[] =
    "Usage: minirun spec [OPTION]...\n"
    "Write a default config.json into the bundle directory; an existing one is kept.\n"
    "  -b, --bundle DIR   bundle directory (default \".\")\n"
    "      --rootless     configuration for an unprivileged user (user namespace)\n";

enum { OPT_ROOTLESS = 256 };

/* Writes `json` indented into the new file `path`; removes it on failure. */
static int write_config(const char *path, const char *json)
{
  FILE *f;
  int fd, failed;

  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
  if (fd < 0) {
    if (errno == EEXIST) {
      cli_error("config.json already exists");
      return 1;
    }
    cli_error("cannot create `%s`: %s", path, strerror(errno));
    return 1;
  }
  f = fdopen(fd, "w");
  if (f == NULL) {
    cli_error("cannot create `%s`: %s", path, strerror(errno));
    close(fd);
    unlink(path);
    return 1;
  }
  failed = cli_json_pretty(f, json) < 0;
  if (fclose(f) != 0)
    failed = 1;
  if (failed) {
    cli_error("cannot write `%s`: %s", path, strerror(errno));
    unlink(path);
    return 1;
  }
  return 0;
}

int cli_cmd_spec(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"rootless", no_argument, NULL, OPT_ROOTLESS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *bundle = NULL;
  char *path = NULL, *json = NULL;
  mr_error *err = NULL;
  int c, ret, rootless = 0;

  (void)g;
  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, ":b:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'b':
      bundle = optarg;
      break;
    case OPT_ROOTLESS:
      rootless = 1;
      break;
    case 'h':
      return cli_help(spec_usage);
    default:
      return cli_bad_option("spec", c, argv, ":b:h");
    }
  }
  if (cli_check_args("spec", argc - optind, 0, 0))
    return 1;

  if (bundle != NULL) {
    if (asprintf(&path, "%s/config.json", bundle) < 0) {
      cli_error("out of memory");
      return 1;
    }
  }
  ret = mr_config_default_json(rootless, &json, &err);
  if (ret < 0)
    ret = cli_fail(ret, err);
  else
    ret = write_config(path ? path : "config.json", json);
  free(json);
  free(path);
  return ret;
}
