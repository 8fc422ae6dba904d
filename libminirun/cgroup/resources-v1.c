/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/resources-v1.c - linux.resources as cgroup v1 file writes.
 *
 * The spec's values are v1's own, so this is mostly a table. Conventions,
 * as in runc: 0 for a limit means "not set" (nothing written), -1 means
 * unlimited (v1 files take "-1"); anything below -1 is an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../procattr/procattr.h"
#include "resources.h"

/* A byte limit: 0 skipped, -1 unlimited, < -1 refused. */
static int limit_ok(struct cg_plan *p, const char *field, int64_t v)
{
  if (v < -1)
    return cg_plan_fail(p, field, "%" PRId64 " is negative (-1 means unlimited)", v);
  return 0;
}

int cg_v1_memory(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_memory *m)
{
  int r = 0;
  bool limit = m->has_limit && m->limit != 0, swap = m->has_swap && m->swap != 0;
  if (m->has_limit)
    r = limit_ok(p, "memory.limit", m->limit);
  if (r == 0 && m->has_swap)
    r = limit_ok(p, "memory.swap", m->swap);
  if (r == 0 && m->has_reservation)
    r = limit_ok(p, "memory.reservation", m->reservation);
  if (r == 0 && limit && swap && m->swap != -1 && (m->limit == -1 || m->swap < m->limit))
    r = cg_plan_fail(p, "memory.swap",
                     "%" PRId64 " is below memory.limit (on v1 swap is memory+swap)", m->swap);
  if (r == 0 && m->has_swappiness && m->swappiness > 100)
    r = cg_plan_fail(p, "memory.swappiness", "%" PRIu64 " is above 100", m->swappiness);
  if (r < 0)
    return r;
  /* memory.limit_in_bytes <= memory.memsw.limit_in_bytes at all times:
   * limit first (right on create, and when lowering); apply swaps the pair
   * when the kernel refuses (raising on update). */
  unsigned check = m->has_check_before_update && m->check_before_update ? CG_W_CHECK_USAGE : 0;
  if (limit)
    r = cg_plan_add(p, h, "memory.limit_in_bytes", "memory.limit",
                    check | (swap ? CG_W_ORDERED : 0), "%" PRId64, m->limit);
  if (r == 0 && swap)
    r = cg_plan_add(p, h, "memory.memsw.limit_in_bytes", "memory.swap", 0, "%" PRId64, m->swap);
  if (r == 0 && m->has_reservation && m->reservation != 0)
    r = cg_plan_add(p, h, "memory.soft_limit_in_bytes", "memory.reservation", 0, "%" PRId64,
                    m->reservation);
  if (r == 0 && m->has_swappiness)
    r = cg_plan_add(p, h, "memory.swappiness", "memory.swappiness", 0, "%" PRIu64, m->swappiness);
  if (r == 0 && m->has_disable_oom_killer)
    r = cg_plan_add(p, h, "memory.oom_control", "memory.disableOOMKiller", 0, "%d",
                    m->disable_oom_killer ? 1 : 0);
  if (r == 0 && m->has_use_hierarchy)
    r = cg_plan_add(p, h, "memory.use_hierarchy", "memory.useHierarchy", 0, "%d",
                    m->use_hierarchy ? 1 : 0);
  return r;
}

int cg_v1_cpu(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c)
{
  int r = 0;
  if (c->has_shares && c->shares != 0 && (c->shares < 2 || c->shares > 262144))
    return cg_plan_fail(p, "cpu.shares", "%" PRIu64 " is outside 2..262144", c->shares);
  if (c->has_quota && c->quota < -1)
    return cg_plan_fail(p, "cpu.quota", "%" PRId64 " is negative (-1 means unlimited)", c->quota);
  if (c->has_realtime_runtime && c->realtime_runtime < -1)
    return cg_plan_fail(p, "cpu.realtimeRuntime", "%" PRId64 " is negative (-1 means unlimited)",
                        c->realtime_runtime);
  if (c->has_idle && c->idle != 0 && c->idle != 1)
    return cg_plan_fail(p, "cpu.idle", "%" PRId64 " is neither 0 nor 1", c->idle);
  if (c->has_shares && c->shares != 0)
    r = cg_plan_add(p, h, "cpu.shares", "cpu.shares", 0, "%" PRIu64, c->shares);
  /* The period first: the kernel checks the quota against it. */
  if (r == 0 && c->has_period && c->period != 0)
    r = cg_plan_add(p, h, "cpu.cfs_period_us", "cpu.period", 0, "%" PRIu64, c->period);
  /* burst <= quota and rt runtime <= rt period at all times: ordered pairs
   * (see CG_W_ORDERED), so an update may lower or raise both. */
  bool quota = c->has_quota && c->quota != 0,
       rt_runtime = c->has_realtime_runtime && c->realtime_runtime != 0;
  if (r == 0 && quota)
    r = cg_plan_add(p, h, "cpu.cfs_quota_us", "cpu.quota", c->has_burst ? CG_W_ORDERED : 0,
                    "%" PRId64, c->quota);
  if (r == 0 && c->has_burst)
    r = cg_plan_add(p, h, "cpu.cfs_burst_us", "cpu.burst", 0, "%" PRIu64, c->burst);
  if (r == 0 && c->has_realtime_period && c->realtime_period != 0)
    r = cg_plan_add(p, h, "cpu.rt_period_us", "cpu.realtimePeriod", rt_runtime ? CG_W_ORDERED : 0,
                    "%" PRIu64, c->realtime_period);
  if (r == 0 && c->has_realtime_runtime && c->realtime_runtime != 0)
    r = cg_plan_add(p, h, "cpu.rt_runtime_us", "cpu.realtimeRuntime", 0, "%" PRId64,
                    c->realtime_runtime);
  if (r == 0 && c->has_idle)
    r = cg_plan_add(p, h, "cpu.idle", "cpu.idle", 0, "%" PRId64, c->idle);
  return r;
}

/* Both versions: a syntactically valid list ("0-3,8"). */
static int list_ok(struct cg_plan *p, const char *field, const char *s)
{
  struct cpulist l;
  const char *bad = NULL;
  if (cpulist_parse(s, &l, &bad) < 0)
    return cg_plan_fail(p, field, "'%s' is not a list like 0-3,8", s);
  return 0;
}

int cg_v1_cpuset(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c)
{
  int r = 0;
  if (c->cpus != NULL && c->cpus[0] != '\0') {
    r = list_ok(p, "cpu.cpus", c->cpus);
    if (r == 0)
      r = cg_plan_add(p, h, "cpuset.cpus", "cpu.cpus", 0, "%s", c->cpus);
  }
  if (r == 0 && c->mems != NULL && c->mems[0] != '\0') {
    r = list_ok(p, "cpu.mems", c->mems);
    if (r == 0)
      r = cg_plan_add(p, h, "cpuset.mems", "cpu.mems", 0, "%s", c->mems);
  }
  return r;
}

/* Same files on v2. */
int cg_v2_cpuset(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c)
{
  return cg_v1_cpuset(p, h, c);
}

/* pids.max: -1 and 0 are "max" (the spec gives no meaning to 0 and a
 * container that cannot fork at all is never what was meant). */
int cg_v1_pids(struct cg_plan *p, const struct cg_hierarchy *h, int64_t limit)
{
  if (limit <= 0)
    return cg_plan_add(p, h, "pids.max", "pids.limit", 0, "max");
  return cg_plan_add(p, h, "pids.max", "pids.limit", 0, "%" PRId64, limit);
}

int cg_v2_pids(struct cg_plan *p, const struct cg_hierarchy *h, int64_t limit)
{
  return cg_v1_pids(p, h, limit);
}

static int throttle(struct cg_plan *p, const struct cg_hierarchy *h, const char *file,
                    const char *key, const struct spec_throttle_device *t, size_t n)
{
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    char field[80];
    snprintf(field, sizeof(field), "blockIO.%s[%zu]", key, i);
    if (t[i].major < 0 || t[i].minor < 0)
      return cg_plan_fail(p, field, "negative device number");
    r = cg_plan_add(p, h, file, field, 0, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major,
                    t[i].minor, t[i].rate);
  }
  return r;
}

static int weight_ok(struct cg_plan *p, const char *field, uint16_t w)
{
  /* 0 is "not set" for the per-device weights; otherwise 10..1000. */
  if (w != 0 && (w < 10 || w > 1000))
    return cg_plan_fail(p, field, "%u is outside 10..1000", w);
  return 0;
}

/* blkio.weight exists with CFQ (kernels before 5.0); BFQ's blkio.bfq.weight
 * replaced it. Whichever the container's directory has is written. */
int cg_v1_blkio(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_block_io *b)
{
  int r = 0;
  if (b->has_weight) {
    r = weight_ok(p, "blockIO.weight", b->weight);
    if (r == 0)
      r = cg_plan_add(p, h, "blkio.weight", "blockIO.weight", 0, "%u", b->weight);
    if (r == 0)
      r = cg_plan_alt(p, "blkio.bfq.weight", "%u", b->weight);
  }
  if (r == 0 && b->has_leaf_weight) {
    r = weight_ok(p, "blockIO.leafWeight", b->leaf_weight);
    if (r == 0)
      r = cg_plan_add(p, h, "blkio.leaf_weight", "blockIO.leafWeight", 0, "%u", b->leaf_weight);
  }
  for (size_t i = 0; i < b->n_weight_device && r == 0; i++) {
    const struct spec_weight_device *d = &b->weight_device[i];
    char field[64];
    snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
    if (d->major < 0 || d->minor < 0)
      return cg_plan_fail(p, field, "negative device number");
    if (d->has_weight) {
      r = weight_ok(p, field, d->weight);
      if (r == 0)
        r = cg_plan_add(p, h, "blkio.weight_device", field, 0, "%" PRId64 ":%" PRId64 " %u",
                        d->major, d->minor, d->weight);
      if (r == 0)
        r = cg_plan_alt(p, "blkio.bfq.weight_device", "%" PRId64 ":%" PRId64 " %u", d->major,
                        d->minor, d->weight);
    }
    if (r == 0 && d->has_leaf_weight) {
      r = weight_ok(p, field, d->leaf_weight);
      if (r == 0)
        r = cg_plan_add(p, h, "blkio.leaf_weight_device", field, 0, "%" PRId64 ":%" PRId64 " %u",
                        d->major, d->minor, d->leaf_weight);
    }
  }
  if (r == 0)
    r = throttle(p, h, "blkio.throttle.read_bps_device", "throttleReadBpsDevice",
                 b->throttle_read_bps, b->n_throttle_read_bps);
  if (r == 0)
    r = throttle(p, h, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice",
                 b->throttle_write_bps, b->n_throttle_write_bps);
  if (r == 0)
    r = throttle(p, h, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice",
                 b->throttle_read_iops, b->n_throttle_read_iops);
  if (r == 0)
    r = throttle(p, h, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice",
                 b->throttle_write_iops, b->n_throttle_write_iops);
  return r;
}

int cg_v1_hugetlb(struct cg_plan *p, const struct cg_hierarchy *h,
                  const struct spec_hugepage_limit *hl, size_t i, const char *size)
{
  char file[64], field[64];
  snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", size);
  snprintf(field, sizeof(field), "hugepageLimits[%zu].limit", i);
  return cg_plan_add(p, h, file, field, 0, "%" PRIu64, hl->limit);
}

/* rdma.max: "mlx4_0 hca_handle=2 hca_object=2000", the same on both. */
int cg_v1_rdma(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_rdma *d)
{
  char handles[32] = "", objects[32] = "";
  if (d->has_hca_handles)
    snprintf(handles, sizeof(handles), " hca_handle=%u", d->hca_handles);
  if (d->has_hca_objects)
    snprintf(objects, sizeof(objects), " hca_object=%u", d->hca_objects);
  return cg_plan_add(p, h, "rdma.max", "rdma", 0, "%s%s%s", d->device, handles, objects);
}

int cg_v2_rdma(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_rdma *d)
{
  return cg_v1_rdma(p, h, d);
}

/* "c 1:3 rwm", "a *:* rwm" to devices.allow or devices.deny, in order (a
 * deny-all resets v1's list, later allows punch holes in it). */
int cg_v1_devices(struct cg_plan *p, const struct cg_hierarchy *h, const struct cg_dev_rule *rules,
                  size_t n)
{
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    const struct cg_dev_rule *d = &rules[i];
    char major[24] = "*", minor[24] = "*", access[4];
    size_t k = 0;
    if (d->major >= 0)
      snprintf(major, sizeof(major), "%" PRId64, d->major);
    if (d->minor >= 0)
      snprintf(minor, sizeof(minor), "%" PRId64, d->minor);
    if (d->access & CG_DEV_READ)
      access[k++] = 'r';
    if (d->access & CG_DEV_WRITE)
      access[k++] = 'w';
    if (d->access & CG_DEV_MKNOD)
      access[k++] = 'm';
    access[k] = '\0';
    const char *file = d->allow ? "devices.allow" : "devices.deny";
    /* v1 reads "a" as everything whatever follows: a narrower "a" rule is
     * written as its c and b halves. */
    if (d->type == 'a' && d->major < 0 && d->minor < 0 && k == 3)
      r = cg_plan_add(p, h, file, "devices", 0, "a");
    else if (d->type == 'a') {
      r = cg_plan_add(p, h, file, "devices", 0, "c %s:%s %s", major, minor, access);
      if (r == 0)
        r = cg_plan_add(p, h, file, "devices", 0, "b %s:%s %s", major, minor, access);
    } else
      r = cg_plan_add(p, h, file, "devices", 0, "%c %s:%s %s", d->type, major, minor, access);
  }
  return r;
}
