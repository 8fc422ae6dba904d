/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/resources-v2.c - linux.resources as cgroup v2 file writes.
 *
 * The spec speaks v1; values are converted the way runc and crun do:
 *
 *   cpu.weight      = 1 + ((shares - 2) * 9999) / 262142
 *                     (shares 2..262144 -> weight 1..10000; 1024 -> 39)
 *   cpu.max         = "<quota|max> [<period>]"     (quota -1 -> max)
 *   io.weight       = 1 + ((weight - 10) * 9999) / 990
 *                     (blkio 10..1000 -> io 1..10000; 500 -> 4950), used
 *                     where io.bfq.weight (same 1..1000 scale as blkio,
 *                     written unconverted, preferred like crun) is absent
 *   memory.swap.max = swap - limit   (v1's swap is memory+swap; swap -1 ->
 *                     max; limit -1 and no swap -> swap max too)
 *   -1              -> "max" for every limit
 *
 * Knobs v2 does not have (swappiness, realtime CPU, leaf weights,
 * disabling the OOM killer) are errors naming the field, never skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "resources.h"

uint64_t cg_v2_cpu_weight(uint64_t shares)
{
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_v2_io_weight(uint64_t w)
{
  if (w < 10)
    w = 10;
  if (w > 1000)
    w = 1000;
  return 1 + ((w - 10) * 9999) / 990;
}

/* 0: no memory.swap.max write (*out == 0); -1: "max". */
int cg_v2_swap_max(int64_t swap, int64_t limit, int64_t *out)
{
  *out = 0;
  if (limit == -1 && swap == 0) {
    *out = -1; /* "unlimited memory" means unlimited swap, as on v1 */
    return 0;
  }
  if (swap == -1 || swap == 0) {
    *out = swap;
    return 0;
  }
  if (limit <= 0)
    return -EINVAL; /* a swap limit needs a memory limit to subtract */
  if (swap < limit)
    return -ERANGE;
  *out = swap - limit;
  return 0;
}

static void max_or(char *buf, size_t size, int64_t v)
{
  if (v == -1)
    snprintf(buf, size, "max");
  else
    snprintf(buf, size, "%" PRId64, v);
}

static int memory_checks(struct cg_plan *p, const struct spec_memory *m)
{
  if (m->has_limit && m->limit < -1)
    return cg_plan_fail(p, "memory.limit", "%" PRId64 " is negative (-1 means unlimited)",
                        m->limit);
  if (m->has_swap && m->swap < -1)
    return cg_plan_fail(p, "memory.swap", "%" PRId64 " is negative (-1 means unlimited)", m->swap);
  if (m->has_reservation && m->reservation < -1)
    return cg_plan_fail(p, "memory.reservation", "%" PRId64 " is negative (-1 means unlimited)",
                        m->reservation);
  if (m->has_swappiness)
    return cg_plan_fail(p, "memory.swappiness", "cgroup v2 has no per-cgroup swappiness");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    return cg_plan_fail(p, "memory.disableOOMKiller", "cgroup v2 cannot disable the OOM killer");
  if (m->has_use_hierarchy && !m->use_hierarchy)
    return cg_plan_fail(p, "memory.useHierarchy", "cgroup v2 is always hierarchical");
  return 0;
}

int cg_v2_memory(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_memory *m)
{
  int r = memory_checks(p, m);
  if (r < 0)
    return r;
  char v[32];
  int64_t limit = m->has_limit ? m->limit : 0, swap = 0;
  int e = cg_v2_swap_max(m->has_swap ? m->swap : 0, limit, &swap);
  if (e == -EINVAL)
    return cg_plan_fail(p, "memory.swap", "a swap limit needs memory.limit");
  if (e == -ERANGE)
    return cg_plan_fail(p, "memory.swap", "%" PRId64 " is below memory.limit (swap is memory+swap)",
                        m->swap);
  unsigned check = m->has_check_before_update && m->check_before_update ? CG_W_CHECK_USAGE : 0;
  if (limit != 0) {
    max_or(v, sizeof(v), limit);
    r = cg_plan_add(p, h, "memory.max", "memory.limit", check, "%s", v);
  }
  if (r == 0 && swap != 0) {
    max_or(v, sizeof(v), swap);
    r = cg_plan_add(p, h, "memory.swap.max", "memory.swap", 0, "%s", v);
  }
  if (r == 0 && m->has_reservation && m->reservation != 0) {
    max_or(v, sizeof(v), m->reservation);
    r = cg_plan_add(p, h, "memory.low", "memory.reservation", 0, "%s", v);
  }
  return r;
}

int cg_v2_cpu(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c)
{
  int r = 0;
  if (c->has_shares && c->shares != 0 && (c->shares < 2 || c->shares > 262144))
    return cg_plan_fail(p, "cpu.shares", "%" PRIu64 " is outside 2..262144", c->shares);
  if (c->has_quota && c->quota < -1)
    return cg_plan_fail(p, "cpu.quota", "%" PRId64 " is negative (-1 means unlimited)", c->quota);
  if (c->has_realtime_runtime || c->has_realtime_period)
    return cg_plan_fail(p, c->has_realtime_runtime ? "cpu.realtimeRuntime" : "cpu.realtimePeriod",
                        "cgroup v2 has no realtime CPU limits");
  if (c->has_idle && c->idle != 0 && c->idle != 1)
    return cg_plan_fail(p, "cpu.idle", "%" PRId64 " is neither 0 nor 1", c->idle);
  if (c->has_shares && c->shares != 0)
    r = cg_plan_add(p, h, "cpu.weight", "cpu.shares", 0, "%" PRIu64, cg_v2_cpu_weight(c->shares));
  bool quota = c->has_quota && c->quota != 0, period = c->has_period && c->period != 0;
  if (r == 0 && (quota || period)) {
    char q[32] = "max", per[32] = "";
    if (quota && c->quota > 0)
      snprintf(q, sizeof(q), "%" PRId64, c->quota);
    if (period)
      snprintf(per, sizeof(per), " %" PRIu64, c->period);
    /* burst <= quota: an ordered pair (CG_W_ORDERED) */
    r = cg_plan_add(p, h, "cpu.max", quota ? "cpu.quota" : "cpu.period",
                    c->has_burst ? CG_W_ORDERED : 0, "%s%s", q, per);
  }
  if (r == 0 && c->has_burst)
    r = cg_plan_add(p, h, "cpu.max.burst", "cpu.burst", 0, "%" PRIu64, c->burst);
  if (r == 0 && c->has_idle)
    r = cg_plan_add(p, h, "cpu.idle", "cpu.idle", 0, "%" PRId64, c->idle);
  return r;
}

static int io_weight(struct cg_plan *p, const struct cg_hierarchy *h, const char *field,
                     const char *dev, uint16_t w)
{
  if (w < 10 || w > 1000)
    return cg_plan_fail(p, field, "%u is outside 10..1000", w);
  int r = cg_plan_add(p, h, "io.bfq.weight", field, 0, "%s %u", dev, w);
  if (r == 0)
    r = cg_plan_alt(p, "io.weight", "%s %" PRIu64, dev, cg_v2_io_weight(w));
  return r;
}

static int io_max(struct cg_plan *p, const struct cg_hierarchy *h, const char *key,
                  const char *what, const struct spec_throttle_device *t, size_t n)
{
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    char field[80], rate[32] = "max";
    snprintf(field, sizeof(field), "blockIO.%s[%zu]", key, i);
    if (t[i].major < 0 || t[i].minor < 0)
      return cg_plan_fail(p, field, "negative device number");
    if (t[i].rate != 0) /* 0 removes the limit on v1 */
      snprintf(rate, sizeof(rate), "%" PRIu64, t[i].rate);
    r = cg_plan_add(p, h, "io.max", field, 0, "%" PRId64 ":%" PRId64 " %s=%s", t[i].major,
                    t[i].minor, what, rate);
  }
  return r;
}

int cg_v2_io(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_block_io *b)
{
  int r = 0;
  if (b->has_leaf_weight)
    return cg_plan_fail(p, "blockIO.leafWeight", "cgroup v2 has no leaf weights");
  if (b->has_weight)
    r = io_weight(p, h, "blockIO.weight", "default", b->weight);
  for (size_t i = 0; i < b->n_weight_device && r == 0; i++) {
    const struct spec_weight_device *d = &b->weight_device[i];
    char field[64], dev[48];
    snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
    if (d->major < 0 || d->minor < 0)
      return cg_plan_fail(p, field, "negative device number");
    if (d->has_leaf_weight)
      return cg_plan_fail(p, field, "cgroup v2 has no leaf weights");
    snprintf(dev, sizeof(dev), "%" PRId64 ":%" PRId64, d->major, d->minor);
    if (d->has_weight)
      r = io_weight(p, h, field, dev, d->weight);
  }
  if (r == 0)
    r = io_max(p, h, "throttleReadBpsDevice", "rbps", b->throttle_read_bps, b->n_throttle_read_bps);
  if (r == 0)
    r = io_max(p, h, "throttleWriteBpsDevice", "wbps", b->throttle_write_bps,
               b->n_throttle_write_bps);
  if (r == 0)
    r = io_max(p, h, "throttleReadIOPSDevice", "riops", b->throttle_read_iops,
               b->n_throttle_read_iops);
  if (r == 0)
    r = io_max(p, h, "throttleWriteIOPSDevice", "wiops", b->throttle_write_iops,
               b->n_throttle_write_iops);
  return r;
}

int cg_v2_hugetlb(struct cg_plan *p, const struct cg_hierarchy *h,
                  const struct spec_hugepage_limit *hl, size_t i, const char *size)
{
  char file[64], field[64];
  snprintf(file, sizeof(file), "hugetlb.%s.max", size);
  snprintf(field, sizeof(field), "hugepageLimits[%zu].limit", i);
  return cg_plan_add(p, h, file, field, 0, "%" PRIu64, hl->limit);
}

/* Files the runtime itself drives: a config writing them would break
 * placement, freezing or killing. */
static const char *const reserved[] = {
    "cgroup.procs",  "cgroup.threads", "cgroup.subtree_control", "cgroup.kill",
    "cgroup.freeze", "cgroup.type",    "cgroup.events",          "cgroup.controllers"};

static bool controller_on(const struct cg_hierarchy *h, const char *name, size_t len)
{
  for (const char *s = h->controllers; s != NULL && *s;) {
    size_t n = strcspn(s, " \n");
    if (n == len && strncmp(s, name, len) == 0)
      return true;
    s += n;
    s += strspn(s, " \n");
  }
  return false;
}

/* "memory.high": a file name of controller `memory`, which must be on the
 * unified tree (on a hybrid host most controllers are not). */
int cg_v2_unified(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_kv *kv,
                  size_t n)
{
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    const char *k = kv[i].key;
    char field[300];
    snprintf(field, sizeof(field), "unified.%s", k);
    size_t dot = strcspn(k, ".");
    if (dot == 0 || k[dot] == '\0' || k[dot + 1] == '\0' || strpbrk(k, "/ \n") != NULL ||
        strstr(k, "..") != NULL)
      return cg_plan_fail(p, field, "not a cgroup file name like memory.high");
    for (size_t j = 0; j < sizeof(reserved) / sizeof(reserved[0]); j++)
      if (strcmp(k, reserved[j]) == 0)
        return cg_plan_fail(p, field, "is managed by the runtime");
    if (!(dot == 6 && strncmp(k, "cgroup", 6) == 0) && !controller_on(h, k, dot))
      return cg_plan_fail(p, field, "the %.*s controller is not on the cgroup v2 hierarchy",
                          (int)dot, k);
    if (kv[i].value == NULL || strchr(kv[i].value, '\n') != NULL)
      return cg_plan_fail(p, field, "the value must be one line");
    r = cg_plan_add(p, h, k, field, 0, "%s", kv[i].value);
  }
  return r;
}
