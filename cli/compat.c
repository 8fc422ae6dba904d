/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compat.c - options of crun and runc that users swapping their runtime
 * for minirun pass: accepted where they make sense for us, refused with a
 * message saying so where they do not (see man/minirun.8, "Compatibility").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_log_target(const char *arg, const char **path)
{
  size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyz");

  /* crun: --log DRIVER:ARG, with file:, journald: and syslog: drivers; a
   * plain path is a file. We only write files. */
  if (n > 0 && arg[n] == ':') {
    if (n == 4 && strncmp(arg, "file", 4) == 0) {
      *path = arg + 5;
      if (**path != '\0')
        return 0;
      cli_error("--log file: needs a path");
      return -1;
    }
    cli_error("--log %s: log driver `%.*s` is not supported (only file:PATH)", arg, (int)n, arg);
    return -1;
  }
  *path = arg;
  return 0;
}

int cli_rootless_value(const char *value)
{
  /* runc/crun: true, false or auto. The library needs no switch: whether
   * the caller is privileged is what decides (euid, user namespace). */
  if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0 || strcmp(value, "auto") == 0)
    return 0;
  cli_usage_error(NULL, "invalid --rootless value `%s` (true, false or auto)", value);
  return -1;
}

/* checkpoint/restore need CRIU, which minirun does not use. Podman probes
 * `checkpoint --help` to learn whether a runtime can: it must fail. */
static int unsupported(const char *cmd)
{
  cli_error("%s: not supported: minirun has no checkpoint/restore (CRIU) support", cmd);
  return 1;
}

int cli_cmd_checkpoint(const struct cli_globals *g, int argc, char **argv)
{
  (void)g, (void)argc, (void)argv;
  return unsupported("checkpoint");
}

int cli_cmd_restore(const struct cli_globals *g, int argc, char **argv)
{
  (void)g, (void)argc, (void)argv;
  return unsupported("restore");
}

int cli_delete_regex(mr_context *ctx, const char *pattern, int force)
{
  mr_state **list = NULL;
  mr_error *err = NULL;
  size_t n = 0, i;
  regex_t re;
  int ret, status = 0;

  /* As crun: extended syntax, matched anywhere in the id. */
  if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
    cli_error("invalid regular expression `%s`", pattern);
    return 1;
  }
  ret = mr_state_list(ctx, &list, &n, &err);
  if (ret < 0) {
    regfree(&re);
    return cli_fail(ret, err);
  }
  for (i = 0; i < n; i++) {
    const char *id = mr_state_id(list[i]);
    if (regexec(&re, id, 0, NULL, 0) != 0)
      continue;
    ret = mr_container_delete(ctx, id, force, &err);
    if (ret < 0)
      status = cli_fail(ret, err);
    err = NULL;
  }
  mr_state_list_free(list, n);
  regfree(&re);
  return status;
}

int cli_load_config(mr_context *ctx, const char *bundle, const char *file, mr_config **out,
                    mr_error **err)
{
  FILE *f;
  char *text = NULL;
  size_t size = 0;
  int ret;

  if (file == NULL)
    return mr_config_load_bundle(ctx, bundle, out, err);
  /* crun's --config: another file than BUNDLE/config.json; the bundle
   * still anchors a relative root.path. */
  f = fopen(file, "re");
  if (f == NULL) {
    cli_error("--config %s: %s", file, strerror(errno));
    return -ENOENT;
  }
  FILE *mem = open_memstream(&text, &size);
  char buf[8192];
  size_t n;
  int bad = mem == NULL;
  while (!bad && (n = fread(buf, 1, sizeof(buf), f)) > 0)
    bad = fwrite(buf, 1, n, mem) != n || size > (16u << 20);
  bad = bad || ferror(f);
  fclose(f);
  if (mem != NULL)
    fclose(mem);
  if (bad) {
    free(text);
    cli_error("--config %s: cannot read it (or larger than 16 MiB)", file);
    return -EIO;
  }
  ret = mr_config_load_json(ctx, text, size, bundle, out, err);
  free(text);
  return ret;
}

/* `features` (runc 1.1+, crun 1.8+): what this runtime supports, as the
 * runtime-spec's features document; containerd and podman read it. */
int cli_cmd_features(const struct cli_globals *g, int argc, char **argv)
{
  mr_error *err = NULL;
  char *json = NULL;
  int ret;

  (void)g;
  if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
    return cli_help("Usage: minirun features\n"
                    "Print the runtime-spec features document (JSON) of this runtime.\n");
  if (argc > 1)
    return cli_usage_error("features", "too many arguments");
  ret = mr_features_json(&json, &err);
  if (ret < 0)
    return cli_fail(ret, err);
  ret = cli_json_pretty(stdout, json) < 0 ? 1 : 0;
  free(json);
  return ret;
}
