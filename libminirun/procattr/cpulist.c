/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpulist.c - "0-3,8" lists of CPUs and NUMA nodes. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "procattr.h"

static void set_bit(struct cpulist *l, unsigned long n)
{
  l->bits[n / 64] |= (uint64_t)1 << (n % 64);
}

static bool has_bit(const struct cpulist *l, unsigned long n)
{
  return (l->bits[n / 64] >> (n % 64)) & 1;
}

static int parse_number(const char **s, unsigned long *out)
{
  const char *p = *s;
  unsigned long v = 0;
  if (*p < '0' || *p > '9')
    return -EINVAL;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (unsigned long)(*p++ - '0');
    if (v >= CPULIST_BITS)
      return -ERANGE;
  }
  *s = p;
  *out = v;
  return 0;
}

int cpulist_parse(const char *text, struct cpulist *out, const char **bad)
{
  memset(out, 0, sizeof(*out));
  const char *s = text;
  while (*s == ' ')
    s++;
  for (;;) {
    const char *item = s;
    unsigned long lo = 0, hi = 0;
    int r = parse_number(&s, &lo);
    if (r == 0)
      hi = lo;
    if (r == 0 && *s == '-') {
      s++;
      r = parse_number(&s, &hi);
    }
    if (r == 0 && hi < lo)
      r = -EINVAL;
    if (r < 0) {
      *bad = item;
      return r;
    }
    for (unsigned long n = lo; n <= hi; n++)
      set_bit(out, n);
    while (*s == ' ' || *s == '\n')
      s++;
    if (*s == '\0')
      return 0;
    if (*s != ',') {
      *bad = s;
      return -EINVAL;
    }
    s++;
  }
}

bool cpulist_empty(const struct cpulist *l)
{
  for (size_t i = 0; i < CPULIST_WORDS; i++)
    if (l->bits[i] != 0)
      return false;
  return true;
}

int cpulist_first_outside(const struct cpulist *l, const struct cpulist *allowed)
{
  for (unsigned long n = 0; n < CPULIST_BITS; n++)
    if (has_bit(l, n) && !has_bit(allowed, n))
      return (int)n;
  return -1;
}

int cpulist_read(const char *path, struct cpulist *out)
{
  char buf[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  int e = errno;
  close(fd);
  if (n < 0)
    return -e;
  buf[n] = '\0';
  const char *bad;
  return cpulist_parse(buf, out, &bad);
}
