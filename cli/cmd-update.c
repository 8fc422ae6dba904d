/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd-update.c - `update` (new resource limits, runc/crun flags) and
 * `events --stats` (one usage sample as JSON, runc's format).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char update_usage[] =
    "Usage: minirun update [OPTION]... ID\n"
    "Change the resource limits of container ID.\n"
    "  -r, --resources FILE    a runtime-spec LinuxResources JSON object ('-': stdin)\n"
    "  or any of (sizes take k, m, g suffixes; -1 is unlimited):\n"
    "      --memory N          memory limit          --memory-swap N   memory+swap limit\n"
    "      --memory-reservation N                    --kernel-memory N (ignored: warns)\n"
    "      --cpu-shares N      (also --cpu-share)    --cpu-quota N     --cpu-period N\n"
    "      --cpu-burst N       --cpu-rt-period N     --cpu-rt-runtime N --cpu-idle N\n"
    "      --cpuset-cpus LIST  --cpuset-mems LIST    --pids-limit N    --blkio-weight N\n";

static const char events_usage[] = "Usage: minirun events --stats ID\n"
                                   "Print the resource usage of container ID once, as JSON.\n";

/* The flags: JSON object, key inside it, and whether the value is a size,
 * a plain integer or a string. */
enum kind { SIZE, INT, STR };
struct flag {
  const char *name;
  const char *object;
  const char *key;
  enum kind kind;
};

static const struct flag flags[] = {
    {"memory", "memory", "limit", SIZE},
    {"memory-swap", "memory", "swap", SIZE},
    {"memory-reservation", "memory", "reservation", SIZE},
    {"kernel-memory", "memory", "kernel", SIZE},
    {"kernel-memory-tcp", "memory", "kernelTCP", SIZE},
    {"cpu-shares", "cpu", "shares", INT},
    {"cpu-share", "cpu", "shares", INT},
    {"cpu-quota", "cpu", "quota", INT},
    {"cpu-period", "cpu", "period", INT},
    {"cpu-burst", "cpu", "burst", INT},
    {"cpu-rt-period", "cpu", "realtimePeriod", INT},
    {"cpu-rt-runtime", "cpu", "realtimeRuntime", INT},
    {"cpu-idle", "cpu", "idle", INT},
    {"cpuset-cpus", "cpu", "cpus", STR},
    {"cpuset-mems", "cpu", "mems", STR},
    {"pids-limit", "pids", "limit", INT},
    {"blkio-weight", "blockIO", "weight", INT},
};
#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))
static const char *const objects[] = {"memory", "cpu", "pids", "blockIO"};

/* "-1", "1024", "256m", "1G" -> bytes (binary units, as runc). */
static int parse_size(const char *s, long long *out)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s)
    return -1;
  long long mul = 1;
  if (*end != '\0') {
    const char *units = "kmgt";
    const char *u = strchr(units, *end | 0x20);
    if (u == NULL || v < 0)
      return -1;
    for (const char *p = units; p <= u; p++)
      mul *= 1024;
    end++;
    if ((*end | 0x20) == 'b')
      end++;
    if (*end != '\0' || v > INT64_MAX / mul)
      return -1;
  }
  *out = v * mul;
  return 0;
}

static int parse_int(const char *s, long long *out)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

/* The LinuxResources JSON of the flags given (values[i] NULL: not given). */
static char *flags_json(char *const *values)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  const char *osep = "";
  fputc('{', f);
  for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++) {
    const char *ksep = "";
    for (size_t i = 0; i < N_FLAGS; i++) {
      if (values[i] == NULL || strcmp(flags[i].object, objects[o]) != 0)
        continue;
      if (*ksep == '\0')
        fprintf(f, "%s\"%s\":{", osep, objects[o]);
      char *q = NULL;
      long long v = 0;
      if (flags[i].kind == STR)
        q = cli_json_quote(values[i]);
      else if (flags[i].kind == SIZE)
        parse_size(values[i], &v);
      else
        parse_int(values[i], &v);
      if (flags[i].kind == STR)
        fprintf(f, "%s\"%s\":%s", ksep, flags[i].key, q ? q : "\"\"");
      else
        fprintf(f, "%s\"%s\":%lld", ksep, flags[i].key, v);
      free(q);
      ksep = ",";
      osep = ",";
    }
    if (*ksep != '\0')
      fputc('}', f);
  }
  fputc('}', f);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

static char *read_all(FILE *in, size_t *len)
{
  char *buf = NULL;
  size_t cap = 0;
  *len = 0;
  for (;;) {
    if (cap - *len < 4096) {
      if (cap > (16u << 20))
        break; /* 16 MiB: not a resources object */
      char *n = realloc(buf, cap + 65536);
      if (n == NULL)
        break;
      buf = n;
      cap += 65536;
    }
    size_t got = fread(buf + *len, 1, cap - *len, in);
    *len += got;
    if (got == 0)
      return ferror(in) ? (free(buf), NULL) : buf;
  }
  free(buf);
  return NULL;
}

static int read_resources(const char *path, char **json, size_t *len)
{
  FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
  if (in == NULL) {
    cli_error("update: %s: %s", path, strerror(errno));
    return 1;
  }
  *json = read_all(in, len);
  if (in != stdin)
    fclose(in);
  if (*json == NULL) {
    cli_error("update: cannot read %s", path);
    return 1;
  }
  return 0;
}

static int check_flag(size_t i, const char *v)
{
  long long n;
  int bad = flags[i].kind == SIZE ? parse_size(v, &n) : flags[i].kind == INT ? parse_int(v, &n) : 0;
  if (bad)
    return cli_usage_error("update", "--%s: '%s' is not a %s", flags[i].name, v,
                           flags[i].kind == SIZE ? "size" : "number");
  return 0;
}

int cli_cmd_update(const struct cli_globals *g, int argc, char **argv)
{
  struct option longopts[N_FLAGS + 3];
  char *values[N_FLAGS] = {0};
  const char *resources = NULL;
  size_t n_given = 0;
  for (size_t i = 0; i < N_FLAGS; i++)
    longopts[i] = (struct option){flags[i].name, required_argument, NULL, 1000 + (int)i};
  longopts[N_FLAGS] = (struct option){"resources", required_argument, NULL, 'r'};
  longopts[N_FLAGS + 1] = (struct option){"help", no_argument, NULL, 'h'};
  longopts[N_FLAGS + 2] = (struct option){NULL, 0, NULL, 0};
  int c;
  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, ":r:h", longopts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(update_usage);
    if (c == 'r')
      resources = optarg;
    else if (c >= 1000 && c < 1000 + (int)N_FLAGS) {
      if (check_flag((size_t)(c - 1000), optarg))
        return 1;
      values[c - 1000] = optarg;
      n_given++;
    } else
      return cli_bad_option("update", c, argv, ":r:h");
  }
  if (cli_check_args("update", argc - optind, 1, 1))
    return 1;
  if (resources != NULL && n_given > 0)
    return cli_usage_error("update", "give either --resources or the limit options, not both");
  if (resources == NULL && n_given == 0)
    return cli_usage_error("update", "nothing to update (--resources FILE or a limit option)");
  char *json = NULL;
  size_t len = 0;
  if (resources != NULL && read_resources(resources, &json, &len))
    return 1;
  if (resources == NULL && (json = flags_json(values)) != NULL)
    len = strlen(json);
  if (json == NULL)
    return cli_fail(-ENOMEM, NULL);
  mr_context *ctx;
  if (cli_context(g, &ctx)) {
    free(json);
    return 1;
  }
  mr_error *err = NULL;
  int ret = mr_container_update(ctx, argv[optind], json, len, &err);
  ret = ret < 0 ? cli_fail(ret, err) : 0;
  free(json);
  mr_context_free(ctx);
  return ret;
}

static void put(FILE *f, const char *sep, const char *key, uint64_t v)
{
  if (v != UINT64_MAX)
    fprintf(f, "%s\"%s\":%" PRIu64, sep, key, v);
}

/* runc's `events --stats` shape, with the figures we have. */
static int print_stats(const char *id, const mr_stats *s)
{
  char *q = cli_json_quote(id);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (q == NULL || f == NULL) {
    free(q);
    if (f != NULL)
      fclose(f);
    free(buf);
    return cli_fail(-ENOMEM, NULL);
  }
  fprintf(f, "{\"type\":\"stats\",\"id\":%s,\"data\":{", q);
  fprintf(f, "\"cpu\":{\"usage\":{");
  put(f, "", "total", mr_stats_cpu_usage_ns(s));
  fprintf(f, "}},\"memory\":{\"usage\":{");
  put(f, "", "usage", mr_stats_memory_usage(s));
  put(f, mr_stats_memory_usage(s) != UINT64_MAX ? "," : "", "max", mr_stats_memory_peak(s));
  fprintf(f, "}");
  put(f, ",", "oom_kill", mr_stats_oom_kills(s));
  fprintf(f, "},\"pids\":{");
  put(f, "", "current", mr_stats_pids_current(s));
  fprintf(f, "}}}");
  fclose(f);
  cli_json_pretty(stdout, buf);
  free(buf);
  free(q);
  return 0;
}

int cli_cmd_events(const struct cli_globals *g, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"stats", no_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int c, stats = 0;
  cli_getopt_reset();
  while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(events_usage);
    if (c == 's')
      stats = 1;
    else
      return cli_bad_option("events", c, argv, ":h");
  }
  if (cli_check_args("events", argc - optind, 1, 1))
    return 1;
  if (!stats)
    return cli_usage_error("events", "only --stats (one sample) is supported");
  mr_context *ctx;
  if (cli_context(g, &ctx))
    return 1;
  mr_stats *s = NULL;
  mr_error *err = NULL;
  int ret = mr_container_stats(ctx, argv[optind], &s, &err);
  ret = ret < 0 ? cli_fail(ret, err) : print_stats(argv[optind], s);
  mr_stats_free(s);
  mr_context_free(ctx);
  return ret;
}
