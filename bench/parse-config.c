/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse-config.c - loads one config.json through the public API, for
 * bench/parse-annotations.sh (which counts its instructions with callgrind).
 *   parse-config FILE
 */
#include <stdio.h>
#include <stdlib.h>

#include "minirun.h"

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s CONFIG.JSON\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  char *json = NULL;
  size_t cap = 0, len = 0, n;
  do {
    if (len == cap && (json = realloc(json, cap = cap * 2 + 65536)) == NULL)
      return 1;
    n = fread(json + len, 1, cap - len, f);
    len += n;
  } while (n > 0);
  fclose(f);

  mr_context *ctx = NULL;
  mr_config *config = NULL;
  mr_error *err = NULL;
  int r = mr_context_new("/tmp/minirun-bench-state", &ctx, &err);
  if (r == 0)
    r = mr_config_load_json(ctx, json, len, "/tmp", &config, &err);
  if (r < 0)
    fprintf(stderr, "%s\n", mr_error_message(err));
  mr_config_free(config);
  mr_error_free(err);
  mr_context_free(ctx);
  free(json);
  return r < 0 ? 1 : 0;
}
