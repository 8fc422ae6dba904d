/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/cgroup.h - the one internal interface to cgroups, whatever the
 * host's layout (v1, v2 or hybrid).
 *
 * Two halves, owned by separate files:
 *   - layout and placement (cgroup/layout.c, cgroup/place.c, cgroup/v1.c,
 *     cgroup/v2.c): which hierarchies the host has, where a container's
 *     cgroup directories are, creating/entering/freezing/killing/removing
 *     them, and recording them in the state;
 *   - resources (cgroup/resources.c, cgroup/resources-v1.c,
 *     cgroup/resources-v2.c, cgroup/devices-bpf.c): turning
 *     linux.resources into a list of file writes (and, on v2, a device
 *     program) for a given layout, applying that list, update and stats.
 *
 * The seam between them is struct cg_layout (what the host has) and
 * struct cg_writes (what to write where). Everything is computed in the
 * parent before clone; the child never touches cgroups (the parent places
 * the init before the first GO, or clone3 does with CLONE_INTO_CGROUP).
 */
#ifndef MR_CGROUP_H
#define MR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../include/minirun.h"
#include "../spec.h"

/* One mounted hierarchy of the host. */
struct cg_hierarchy {
  char *mountpoint;  /* "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/unified" */
  char *controllers; /* v1: the mount's controllers as in its super options,
                      * comma-separated ("cpu,cpuacct", "name=systemd");
                      * v2: cgroup.controllers of the root, space-separated */
  bool v2;
};

struct cg_layout {
  enum mr_cgroup_mode mode; /* MR_CGROUP_V1, _V2, _HYBRID or _NONE */
  struct cg_hierarchy *h;   /* v1 hierarchies first, the cgroup2 one last */
  size_t n;
};

/* Detects the layout from /proc/self/mountinfo; `override` other than
 * MR_CGROUP_AUTO forces a mode (an error if the host lacks it, except
 * MR_CGROUP_NONE, which never fails). */
int cg_layout_detect(enum mr_cgroup_mode override, struct cg_layout *out, mr_error **err);
void cg_layout_free(struct cg_layout *l);
/* The hierarchy that holds controller `name` ("memory", "hugetlb"...): a v1
 * one if the controller is mounted there, else the cgroup2 one if its
 * cgroup.controllers lists it, else NULL. */
const struct cg_hierarchy *cg_layout_find(const struct cg_layout *l, const char *name);
/* The cgroup2 hierarchy, or NULL. */
const struct cg_hierarchy *cg_layout_unified(const struct cg_layout *l);

/* One file write into the container's cgroup directory of hierarchy `h`. */
struct cg_write {
  const struct cg_hierarchy *h;
  char *file;  /* "memory.limit_in_bytes", "cpu.max" */
  char *value; /* the text written */
  char *field; /* the JSON path, for messages: "linux.resources.memory.limit" */
  unsigned flags;
  char *alt_file; /* when `file` does not exist: write alt_value here instead */
  char *alt_value;
};
/* This write and the next are ordered limits (v1 memory.limit_in_bytes <=
 * memory.memsw.limit_in_bytes, cpu.cfs_burst_us <= cpu.cfs_quota_us,
 * cpu.rt_runtime_us <= cpu.rt_period_us): if this one is refused, write the
 * next first and retry, so both raising and lowering work on update. */
#define CG_W_ORDERED 1u
/* memory.checkBeforeUpdate: refuse a limit below the current usage. */
#define CG_W_CHECK_USAGE 2u

/* A v2 device program (BPF_PROG_TYPE_CGROUP_DEVICE), hand-assembled from
 * linux.resources.devices; insns are struct bpf_insn (8 bytes each). */
struct cg_device_prog {
  void *insns;
  size_t n_insns;
};

struct cg_writes {
  struct cg_write *w; /* in the order they must be written */
  size_t n;
  struct cg_device_prog devices; /* n_insns == 0: none (v1 uses writes) */
};

/* Turns `res` into writes for layout `l`. A field whose controller the
 * host lacks is an error naming the field ("linux.resources.rdma: the rdma
 * controller is not mounted"); a field the kernel removed (kernel memory)
 * is logged as a warning by the caller through `warn` and skipped. Values
 * given v1-style are converted on v2 (formulas in resources-v2.c). */
int cg_resources_plan(const struct spec_resources *res, const struct cg_layout *l,
                      struct cg_writes *out, char ***warnings, size_t *n_warnings, mr_error **err);
/* The same for a whole config: the device nodes of linux.devices are
 * allowed after the rules (as runc does), so a deny-all does not lock the
 * container out of the nodes its config creates. Create uses this one. */
int cg_resources_plan_spec(const struct spec *spec, const struct cg_layout *l,
                           struct cg_writes *out, char ***warnings, size_t *n_warnings,
                           mr_error **err);
/* `res` (an update) with the nodes of `spec`'s linux.devices (may be NULL). */
int cg_resources_plan_with(const struct spec_resources *res, const struct spec *spec,
                           const struct cg_layout *l, struct cg_writes *out, char ***warnings,
                           size_t *n_warnings, mr_error **err);
void cg_writes_free(struct cg_writes *w);

/* Where one container's cgroups are: one directory per hierarchy. Owned by
 * the placement half, which may reshape it (the resources half only needs
 * struct cg_layout and struct cg_writes). */
struct cg_paths {
  enum mr_cgroup_mode mode;
  char **dirs; /* absolute, parallel to hier */
  const struct cg_hierarchy **hier;
  size_t n;
};

/* Performs the writes in order in the container's directories `p`, then
 * attaches the v2 device program; errors name the field, file and value. */
int cg_writes_apply(const struct cg_writes *w, const struct cg_paths *p, mr_error **err);

/* Attaches a device program to the cgroup v2 directory `dirfd`, replacing
 * the programs attached there before (BPF_F_REPLACE where the kernel has
 * it, else attach the new one, then detach the old ones). */
int cg_devices_attach(int dirfd, const struct cg_device_prog *p, mr_error **err);

/* cgroup/stats.c: usage figures read from the container's directories. */
struct cg_stats {
  bool has_memory_usage, has_memory_peak, has_oom_kills, has_pids_current, has_cpu_usage;
  uint64_t memory_usage; /* bytes */
  uint64_t memory_peak;  /* bytes (v2: Linux 5.19) */
  uint64_t oom_kills;    /* processes the OOM killer took in the cgroup */
  uint64_t pids_current;
  uint64_t cpu_usage_ns;
};
/* -ENOENT when none of the directories reports anything (removed). */
int cg_stats_read(char *const *dirs, size_t n, struct cg_stats *s);

/* cgroup/update.c: applies `res` to the container whose cgroup directories
 * are `dirs` (as recorded in its state), on the layout detected now; new
 * device rules keep allowing the nodes of `spec`'s linux.devices (the config
 * create used; NULL: none). Warnings go to the context's log. */
int cg_resources_update(const mr_context *ctx, char *const *dirs, size_t n,
                        const struct spec_resources *res, const struct spec *spec, mr_error **err);

#endif
