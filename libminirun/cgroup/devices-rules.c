/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/devices-rules.c - linux.resources.devices as a list of rules that
 * both the v1 writes and the v2 BPF program are made from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resources.h"

int cg_dev_access(const char *access, unsigned *out)
{
  *out = 0;
  if (access == NULL) {
    *out = CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD;
    return 0;
  }
  for (const char *s = access; *s; s++) {
    unsigned bit = *s == 'r'   ? CG_DEV_READ
                   : *s == 'w' ? CG_DEV_WRITE
                   : *s == 'm' ? CG_DEV_MKNOD
                               : 0;
    if (bit == 0 || (*out & bit))
      return -EINVAL;
    *out |= bit;
  }
  return *out ? 0 : -EINVAL;
}

/* What every container may use whatever its rules say (runc's and crun's
 * default set): mknod of any node, and the standard /dev entries. */
static const struct cg_dev_rule defaults[] = {
    {true, 'c', -1, -1, CG_DEV_MKNOD},
    {true, 'b', -1, -1, CG_DEV_MKNOD},
    {true, 'c', 1, 3, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* null */
    {true, 'c', 1, 5, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* zero */
    {true, 'c', 1, 7, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* full */
    {true, 'c', 1, 8, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* random */
    {true, 'c', 1, 9, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* urandom */
    {true, 'c', 5, 0, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* tty */
    {true, 'c', 5, 1, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* console */
    {true, 'c', 5, 2, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD},    /* ptmx */
    {true, 'c', 136, -1, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD}, /* pts */
};

static int rule_of(struct cg_plan *p, const struct spec_device_cgroup *d, size_t i,
                   struct cg_dev_rule *out)
{
  char field[64];
  out->allow = d->allow;
  out->type = d->type == NULL ? 'a' : d->type[0];
  out->major = d->has_major ? d->major : -1;
  out->minor = d->has_minor ? d->minor : -1;
  snprintf(field, sizeof(field), "devices[%zu].major", i);
  if (out->major < -1 || out->major > 0xfff)
    return cg_plan_fail(p, field, "%lld is out of range", (long long)out->major);
  snprintf(field, sizeof(field), "devices[%zu].minor", i);
  if (out->minor < -1 || out->minor > 0xfffff)
    return cg_plan_fail(p, field, "%lld is out of range", (long long)out->minor);
  snprintf(field, sizeof(field), "devices[%zu].access", i);
  if (cg_dev_access(d->access, &out->access) < 0)
    return cg_plan_fail(p, field, "'%s' is not a combination of r, w and m", d->access);
  return 0;
}

int cg_dev_rules(struct cg_plan *p, const struct spec_resources *res, struct cg_dev_rule **out,
                 size_t *n)
{
  *out = NULL;
  *n = 0;
  if (res->n_devices == 0)
    return 0;
  size_t n_def = sizeof(defaults) / sizeof(defaults[0]);
  struct cg_dev_rule *r = calloc(res->n_devices + n_def + p->n_devs, sizeof(*r));
  if (r == NULL)
    return mr_err(p->err, -ENOMEM, "out of memory");
  for (size_t i = 0; i < res->n_devices; i++) {
    int e = rule_of(p, &res->devices[i], i, &r[i]);
    if (e < 0) {
      free(r);
      return e;
    }
  }
  memcpy(r + res->n_devices, defaults, sizeof(defaults));
  size_t k = res->n_devices + n_def;
  /* The nodes the config creates are the container's to use (FIFOs need no
   * rule; 'u' is an unbuffered character device). */
  for (size_t i = 0; i < p->n_devs; i++) {
    const struct spec_device *d = &p->devs[i];
    if (d->type == 'p' || !d->has_major || !d->has_minor)
      continue;
    r[k++] = (struct cg_dev_rule){true, d->type == 'b' ? 'b' : 'c', d->major, d->minor,
                                  CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD};
  }
  *out = r;
  *n = k;
  return 0;
}
