/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/stats.c - usage figures of a container's cgroups (memory usage,
 * peak and OOM kills, pids, CPU time), from whichever of its directories
 * has the file: v1 memory/pids/cpuacct hierarchies, or the v2 tree. Works
 * from the directories alone, so any process can read them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

/* Reads dir/file (first 4 KiB, enough for every file used here). */
static int read_small(const char *dir, const char *file, char *buf, size_t size)
{
  char path[4200];
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -errno;
  ssize_t n = read(fd, buf, size - 1);
  int e = errno;
  close(fd);
  if (n < 0)
    return -e;
  buf[n] = '\0';
  return 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s)
    return false;
  *out = v;
  return true;
}

/* The number in the first directory holding `file`. */
static bool number(char *const *dirs, size_t n, const char *file, uint64_t *out)
{
  char buf[64] = "";
  for (size_t i = 0; i < n; i++)
    if (read_small(dirs[i], file, buf, sizeof(buf)) == 0 && parse_u64(buf, out))
      return true;
  return false;
}

/* The value of "key N" in a flat keyed file (memory.events, cpu.stat). */
static bool keyed(char *const *dirs, size_t n, const char *file, const char *key, uint64_t *out)
{
  char buf[4096] = "";
  size_t len = strlen(key);
  for (size_t i = 0; i < n; i++) {
    if (read_small(dirs[i], file, buf, sizeof(buf)) < 0)
      continue;
    for (char *line = buf; line != NULL && *line;) {
      if (strncmp(line, key, len) == 0 && line[len] == ' ')
        return parse_u64(line + len + 1, out);
      line = strchr(line, '\n');
      if (line != NULL)
        line++;
    }
  }
  return false;
}

int cg_stats_read(char *const *dirs, size_t n, struct cg_stats *s)
{
  memset(s, 0, sizeof(*s));
  uint64_t v;
  s->has_memory_usage = number(dirs, n, "memory.current", &s->memory_usage) ||
                        number(dirs, n, "memory.usage_in_bytes", &s->memory_usage);
  /* memory.peak: Linux 5.19. */
  s->has_memory_peak = number(dirs, n, "memory.peak", &s->memory_peak) ||
                       number(dirs, n, "memory.max_usage_in_bytes", &s->memory_peak);
  s->has_oom_kills = keyed(dirs, n, "memory.events", "oom_kill", &s->oom_kills) ||
                     keyed(dirs, n, "memory.oom_control", "oom_kill", &s->oom_kills);
  s->has_pids_current = number(dirs, n, "pids.current", &s->pids_current);
  if (number(dirs, n, "cpuacct.usage", &v)) {
    s->cpu_usage_ns = v;
    s->has_cpu_usage = true;
  } else if (keyed(dirs, n, "cpu.stat", "usage_usec", &v)) {
    s->cpu_usage_ns = v * 1000;
    s->has_cpu_usage = true;
  }
  if (!s->has_memory_usage && !s->has_pids_current && !s->has_cpu_usage)
    return -ENOENT; /* the cgroups are gone */
  return 0;
}
