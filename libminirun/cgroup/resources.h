/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/resources.h - internals shared by the resource planner
 * (resources.c) and its per-version tables (resources-v1.c,
 * resources-v2.c). Not used outside cgroup/.
 */
#ifndef MR_CGROUP_RESOURCES_H
#define MR_CGROUP_RESOURCES_H

#include "../error.h"
#include "cgroup.h"

/* One planning run: where the writes and warnings go. */
struct cg_plan {
  const struct cg_layout *l;
  struct cg_writes *out;
  char ***warnings;
  size_t *n_warnings;
  mr_error **err;
  const struct spec_device *devs; /* linux.devices: allowed rwm after the rules */
  size_t n_devs;
};

/* Appends a write of printf-formatted text to `file` of hierarchy `h`;
 * `field` is the JSON path below linux.resources ("memory.limit"). */
int cg_plan_add(struct cg_plan *p, const struct cg_hierarchy *h, const char *file,
                const char *field, unsigned flags, const char *fmt, ...) MR_PRINTF(6, 7);
/* Gives the last added write a fallback file and value, used when `file`
 * does not exist in the container's directory (io.weight -> io.bfq.weight). */
int cg_plan_alt(struct cg_plan *p, const char *file, const char *fmt, ...) MR_PRINTF(3, 4);
/* A warning "linux.resources.<field>: ..." for the caller to log. */
int cg_plan_warn(struct cg_plan *p, const char *field, const char *fmt, ...) MR_PRINTF(3, 4);
/* -EINVAL with "linux.resources.<field>: ...". */
int cg_plan_fail(struct cg_plan *p, const char *field, const char *fmt, ...) MR_PRINTF(3, 4);

/* "r", "rw", "rwm" ... -> CG_DEV_* bits; -EINVAL on anything else. */
#define CG_DEV_MKNOD 1
#define CG_DEV_READ  2
#define CG_DEV_WRITE 4
int cg_dev_access(const char *access, unsigned *out);

/* One device rule as both v1 and the BPF builder see it. */
struct cg_dev_rule {
  bool allow;
  char type;     /* 'a', 'b' or 'c' */
  int64_t major; /* -1: any */
  int64_t minor; /* -1: any */
  unsigned access;
};
/* The rules of linux.resources.devices followed by the devices every
 * container gets (null, zero, full, random, urandom, tty, console, ptmx,
 * pts, mknod of any) and the nodes of linux.devices, as runc does; last
 * match wins. NULL rules: no restriction asked. */
int cg_dev_rules(struct cg_plan *p, const struct spec_resources *res, struct cg_dev_rule **out,
                 size_t *n);

/* Per-version tables. Each takes the hierarchy that holds the controller. */
int cg_v1_memory(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_memory *m);
int cg_v1_cpu(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c);
int cg_v1_cpuset(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c);
int cg_v1_pids(struct cg_plan *p, const struct cg_hierarchy *h, int64_t limit);
int cg_v1_blkio(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_block_io *b);
int cg_v1_hugetlb(struct cg_plan *p, const struct cg_hierarchy *h,
                  const struct spec_hugepage_limit *hl, size_t i, const char *size);
int cg_v1_rdma(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_rdma *r);
int cg_v1_devices(struct cg_plan *p, const struct cg_hierarchy *h, const struct cg_dev_rule *r,
                  size_t n);

int cg_v2_memory(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_memory *m);
int cg_v2_cpu(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c);
int cg_v2_cpuset(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_cpu *c);
int cg_v2_pids(struct cg_plan *p, const struct cg_hierarchy *h, int64_t limit);
int cg_v2_io(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_block_io *b);
int cg_v2_hugetlb(struct cg_plan *p, const struct cg_hierarchy *h,
                  const struct spec_hugepage_limit *hl, size_t i, const char *size);
int cg_v2_rdma(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_rdma *r);
int cg_v2_unified(struct cg_plan *p, const struct cg_hierarchy *h, const struct spec_kv *kv,
                  size_t n);

/* Conversions of v1-style values for v2 (formulas in resources-v2.c). */
uint64_t cg_v2_cpu_weight(uint64_t shares);
uint64_t cg_v2_io_weight(uint64_t blkio_weight);
int cg_v2_swap_max(int64_t swap, int64_t limit, int64_t *out);

/* devices-bpf.c: the instructions of a BPF_PROG_TYPE_CGROUP_DEVICE program
 * for the rules (last match wins, no match: allow, as on v1). */
/* cg_devices_attach() with BPF_F_REPLACE left untried when !replace: the
 * path of kernels before 5.6 (attach the new one, detach the old ones), for
 * the unit test. */
int cg_devices_attach_how(int dirfd, const struct cg_device_prog *p, bool replace, mr_error **err);
int cg_devices_build(const struct cg_dev_rule *r, size_t n, struct cg_device_prog *out,
                     mr_error **err);

#endif
