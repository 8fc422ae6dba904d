/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/resources.c - linux.resources -> the list of cgroup file writes.
 *
 * Each controller's fields go to the hierarchy that holds the controller on
 * this host (on a hybrid host memory may be v1 while hugetlb is on the
 * unified tree), through the v1 or the v2 table. A field set for a
 * controller the host lacks is an error naming the field; nothing is
 * silently dropped. The order of the writes is the order of the list.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resources.h"

static int vfail(struct cg_plan *p, const char *field, const char *fmt, va_list ap)
{
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    return mr_err(p->err, -ENOMEM, "out of memory");
  int r = mr_err(p->err, -EINVAL, "linux.resources.%s: %s", field, msg);
  free(msg);
  return r;
}

int cg_plan_fail(struct cg_plan *p, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vfail(p, field, fmt, ap);
  va_end(ap);
  return r;
}

int cg_plan_warn(struct cg_plan *p, const char *field, const char *fmt, ...)
{
  char *msg = NULL, *line = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (n < 0 || asprintf(&line, "linux.resources.%s: %s", field, msg) < 0) {
    free(msg);
    return mr_err(p->err, -ENOMEM, "out of memory");
  }
  free(msg);
  char **w = realloc(*p->warnings, (*p->n_warnings + 1) * sizeof(*w));
  if (w == NULL) {
    free(line);
    return mr_err(p->err, -ENOMEM, "out of memory");
  }
  w[(*p->n_warnings)++] = line;
  *p->warnings = w;
  return 0;
}

int cg_plan_add(struct cg_plan *p, const struct cg_hierarchy *h, const char *file,
                const char *field, unsigned flags, const char *fmt, ...)
{
  struct cg_writes *o = p->out;
  struct cg_write *w = realloc(o->w, (o->n + 1) * sizeof(*w));
  if (w == NULL)
    return mr_err(p->err, -ENOMEM, "out of memory");
  o->w = w;
  struct cg_write *e = &w[o->n];
  memset(e, 0, sizeof(*e));
  e->h = h;
  e->flags = flags;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&e->value, fmt, ap);
  va_end(ap);
  if (n < 0)
    e->value = NULL;
  e->file = strdup(file);
  if (asprintf(&e->field, "linux.resources.%s", field) < 0)
    e->field = NULL;
  o->n++; /* counted even when incomplete, so cg_writes_free() frees it */
  if (e->value == NULL || e->file == NULL || e->field == NULL)
    return mr_err(p->err, -ENOMEM, "out of memory");
  return 0;
}

int cg_plan_alt(struct cg_plan *p, const char *file, const char *fmt, ...)
{
  struct cg_write *e = &p->out->w[p->out->n - 1];
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&e->alt_value, fmt, ap);
  va_end(ap);
  if (n < 0)
    e->alt_value = NULL;
  e->alt_file = strdup(file);
  if (e->alt_value == NULL || e->alt_file == NULL)
    return mr_err(p->err, -ENOMEM, "out of memory");
  return 0;
}

void cg_writes_free(struct cg_writes *w)
{
  if (w == NULL)
    return;
  for (size_t i = 0; i < w->n; i++) {
    free(w->w[i].file);
    free(w->w[i].value);
    free(w->w[i].field);
    free(w->w[i].alt_file);
    free(w->w[i].alt_value);
  }
  free(w->w);
  free(w->devices.insns);
  memset(w, 0, sizeof(*w));
}

/* The controller for `field`, or an error naming the field. */
static int need(struct cg_plan *p, const char *controller, const char *field,
                const struct cg_hierarchy **out)
{
  *out = cg_layout_find(p->l, controller);
  if (*out == NULL)
    return cg_plan_fail(p, field, "the host has no %s cgroup controller", controller);
  return 0;
}

static bool memory_set(const struct spec_memory *m)
{
  return m->has_limit || m->has_reservation || m->has_swap || m->has_kernel || m->has_kernel_tcp ||
         m->has_swappiness || m->has_disable_oom_killer || m->has_use_hierarchy;
}

static int plan_memory(struct cg_plan *p, const struct spec_memory *m)
{
  /* Kernel memory limits are gone from the kernel (v1 since 6.x refuses
   * them, v2 never had them): runc and crun ignore them too. */
  if (m->has_kernel && cg_plan_warn(p, "memory.kernel", "not supported by the kernel; ignored") < 0)
    return -ENOMEM;
  if (m->has_kernel_tcp &&
      cg_plan_warn(p, "memory.kernelTCP", "not supported by the kernel; ignored") < 0)
    return -ENOMEM;
  if (!memory_set(m))
    return 0;
  const char *field = m->has_limit ? "memory.limit" : "memory";
  const struct cg_hierarchy *h;
  int r = need(p, "memory", field, &h);
  if (r < 0)
    return r;
  return h->v2 ? cg_v2_memory(p, h, m) : cg_v1_memory(p, h, m);
}

static int plan_cpu(struct cg_plan *p, const struct spec_cpu *c)
{
  const struct cg_hierarchy *h;
  int r = 0;
  if (c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_runtime ||
      c->has_realtime_period || c->has_idle) {
    r = need(p, "cpu", "cpu", &h);
    if (r == 0)
      r = h->v2 ? cg_v2_cpu(p, h, c) : cg_v1_cpu(p, h, c);
  }
  if (r == 0 && ((c->cpus != NULL && c->cpus[0] != '\0') || (c->mems != NULL && c->mems[0]))) {
    r = need(p, "cpuset", c->cpus != NULL ? "cpu.cpus" : "cpu.mems", &h);
    if (r == 0)
      r = h->v2 ? cg_v2_cpuset(p, h, c) : cg_v1_cpuset(p, h, c);
  }
  return r;
}

static int plan_pids(struct cg_plan *p, const struct spec_resources *res)
{
  if (!res->has_pids_limit)
    return 0;
  if (res->pids_limit < -1)
    return cg_plan_fail(p, "pids.limit", "%lld is negative (-1 means unlimited)",
                        (long long)res->pids_limit);
  const struct cg_hierarchy *h;
  int r = need(p, "pids", "pids.limit", &h);
  if (r < 0)
    return r;
  return h->v2 ? cg_v2_pids(p, h, res->pids_limit) : cg_v1_pids(p, h, res->pids_limit);
}

static bool block_io_set(const struct spec_block_io *b)
{
  return b->has_weight || b->has_leaf_weight || b->n_weight_device || b->n_throttle_read_bps ||
         b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops;
}

static int plan_block_io(struct cg_plan *p, const struct spec_block_io *b)
{
  if (!block_io_set(b))
    return 0;
  const struct cg_hierarchy *h = cg_layout_find(p->l, "blkio");
  if (h == NULL)
    h = cg_layout_find(p->l, "io");
  if (h == NULL)
    return cg_plan_fail(p, "blockIO", "the host has no blkio/io cgroup controller");
  return h->v2 ? cg_v2_io(p, h, b) : cg_v1_blkio(p, h, b);
}

/* "2MB" -> "2MB" checked against /sys/kernel/mm/hugepages/hugepages-2048kB,
 * the sizes the kernel offers (and names its hugetlb.<size>.* files by). */
static int hugepage_size(struct cg_plan *p, size_t i, const char *s)
{
  char field[64];
  snprintf(field, sizeof(field), "hugepageLimits[%zu].pageSize", i);
  if (s == NULL || s[0] == '\0')
    return cg_plan_fail(p, field, "missing");
  char *end;
  errno = 0;
  unsigned long long n = strtoull(s, &end, 10);
  unsigned shift = 0;
  if (strcmp(end, "KB") == 0)
    shift = 0;
  else if (strcmp(end, "MB") == 0)
    shift = 10;
  else if (strcmp(end, "GB") == 0)
    shift = 20;
  else
    return cg_plan_fail(p, field, "'%s' is not a page size like 2MB or 1GB", s);
  if (errno != 0 || end == s || s[0] < '1' || s[0] > '9' || n > (1ULL << 40))
    return cg_plan_fail(p, field, "'%s' is not a page size like 2MB or 1GB", s);
  char path[96];
  snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%llukB", n << shift);
  if (access(path, F_OK) < 0)
    return cg_plan_fail(p, field, "the host has no %s huge pages", s);
  return 0;
}

static int plan_hugetlb(struct cg_plan *p, const struct spec_resources *res)
{
  int r = 0;
  for (size_t i = 0; i < res->n_hugepage_limits && r == 0; i++) {
    const struct spec_hugepage_limit *hl = &res->hugepage_limits[i];
    const struct cg_hierarchy *h;
    r = hugepage_size(p, i, hl->page_size);
    if (r == 0)
      r = need(p, "hugetlb", "hugepageLimits", &h);
    if (r == 0)
      r = h->v2 ? cg_v2_hugetlb(p, h, hl, i, hl->page_size)
                : cg_v1_hugetlb(p, h, hl, i, hl->page_size);
  }
  return r;
}

/* net_cls and net_prio exist only on v1. */
static int plan_network(struct cg_plan *p, const struct spec_resources *res)
{
  const struct cg_hierarchy *h;
  int r = 0;
  if (res->has_net_class_id) {
    r = need(p, "net_cls", "network.classID", &h);
    if (r == 0)
      r = cg_plan_add(p, h, "net_cls.classid", "network.classID", 0, "%u", res->net_class_id);
  }
  for (size_t i = 0; i < res->n_net_priorities && r == 0; i++) {
    const struct spec_net_priority *np = &res->net_priorities[i];
    char field[64];
    snprintf(field, sizeof(field), "network.priorities[%zu].name", i);
    if (np->name == NULL || np->name[0] == '\0' || strpbrk(np->name, " \n/") != NULL ||
        strlen(np->name) >= 16)
      return cg_plan_fail(p, field, "'%s' is not an interface name", np->name ? np->name : "");
    r = need(p, "net_prio", "network.priorities", &h);
    if (r == 0)
      r = cg_plan_add(p, h, "net_prio.ifpriomap", field, 0, "%s %u", np->name, np->priority);
  }
  return r;
}

static int plan_rdma(struct cg_plan *p, const struct spec_resources *res)
{
  int r = 0;
  for (size_t i = 0; i < res->n_rdma && r == 0; i++) {
    const struct spec_rdma *d = &res->rdma[i];
    const struct cg_hierarchy *h;
    if (d->device[0] == '\0' || strpbrk(d->device, " \n=") != NULL)
      return cg_plan_fail(p, "rdma", "'%s' is not an RDMA device name", d->device);
    if (!d->has_hca_handles && !d->has_hca_objects)
      continue;
    r = need(p, "rdma", "rdma", &h);
    if (r == 0)
      r = h->v2 ? cg_v2_rdma(p, h, d) : cg_v1_rdma(p, h, d);
  }
  return r;
}

/* v1: the devices controller's allow/deny files; v2 (no devices controller
 * in cgroup.controllers, it is built in): a BPF program. */
static int plan_devices(struct cg_plan *p, const struct spec_resources *res)
{
  struct cg_dev_rule *rules = NULL;
  size_t n = 0;
  int r = cg_dev_rules(p, res, &rules, &n);
  if (r < 0 || rules == NULL)
    return r;
  const struct cg_hierarchy *h = cg_layout_find(p->l, "devices");
  if (h != NULL && !h->v2)
    r = cg_v1_devices(p, h, rules, n);
  else if (cg_layout_unified(p->l) != NULL)
    r = cg_devices_build(rules, n, &p->out->devices, p->err);
  else
    r = cg_plan_fail(p, "devices", "the host has no devices cgroup controller");
  free(rules);
  return r;
}

static int plan_unified(struct cg_plan *p, const struct spec_resources *res)
{
  if (res->n_unified == 0)
    return 0;
  const struct cg_hierarchy *h = cg_layout_unified(p->l);
  if (h == NULL)
    return cg_plan_fail(p, "unified", "needs cgroup v2 (the host has only v1)");
  return cg_v2_unified(p, h, res->unified, res->n_unified);
}

static int plan_all(struct cg_plan *pp, const struct spec_resources *res)
{
  struct cg_plan p = *pp;
  struct cg_writes *out = p.out;
  char ***warnings = p.warnings;
  size_t *n_warnings = p.n_warnings;
  memset(out, 0, sizeof(*out));
  *warnings = NULL;
  *n_warnings = 0;
  if (res == NULL || !res->present)
    return 0;
  /* unified last: its raw values override the converted ones, as in runc. */
  int r = plan_memory(&p, &res->memory);
  if (r == 0)
    r = plan_cpu(&p, &res->cpu);
  if (r == 0)
    r = plan_pids(&p, res);
  if (r == 0)
    r = plan_block_io(&p, &res->block_io);
  if (r == 0)
    r = plan_hugetlb(&p, res);
  if (r == 0)
    r = plan_network(&p, res);
  if (r == 0)
    r = plan_rdma(&p, res);
  if (r == 0)
    r = plan_devices(&p, res);
  if (r == 0)
    r = plan_unified(&p, res);
  if (r < 0) {
    cg_writes_free(out);
    for (size_t i = 0; i < *n_warnings; i++)
      free((*warnings)[i]);
    free(*warnings);
    *warnings = NULL;
    *n_warnings = 0;
  }
  return r;
}

int cg_resources_plan(const struct spec_resources *res, const struct cg_layout *l,
                      struct cg_writes *out, char ***warnings, size_t *n_warnings, mr_error **err)
{
  struct cg_plan p = {
      .l = l, .out = out, .warnings = warnings, .n_warnings = n_warnings, .err = err};
  return plan_all(&p, res);
}

int cg_resources_plan_with(const struct spec_resources *res, const struct spec *spec,
                           const struct cg_layout *l, struct cg_writes *out, char ***warnings,
                           size_t *n_warnings, mr_error **err)
{
  struct cg_plan p = {.l = l,
                      .out = out,
                      .warnings = warnings,
                      .n_warnings = n_warnings,
                      .err = err,
                      .devs = spec != NULL ? spec->linux_.devices : NULL,
                      .n_devs = spec != NULL ? spec->linux_.n_devices : 0};
  return plan_all(&p, res);
}

int cg_resources_plan_spec(const struct spec *spec, const struct cg_layout *l,
                           struct cg_writes *out, char ***warnings, size_t *n_warnings,
                           mr_error **err)
{
  return cg_resources_plan_with(&spec->linux_.resources, spec, l, out, warnings, n_warnings, err);
}
