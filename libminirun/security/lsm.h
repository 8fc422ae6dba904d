/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lsm.h - process.apparmorProfile, process.selinuxLabel, linux.mountLabel.
 *
 * Applied when the LSM is enabled on the host, as crun does: the AppArmor
 * profile is written as "exec <profile>" to the init's attr/apparmor/exec
 * (attr/exec before 5.8), the SELinux label to attr/exec of the init's
 * thread, both through the verified procfs handle, so the label takes effect
 * at execve. The mount label becomes a context="..." option of the
 * filesystems the container mounts (not binds, proc, sysfs or cgroups: those
 * keep their own labelling).
 *
 * When the LSM is not enabled, crun silently ignores these fields; we ignore
 * them too (a host without the LSM cannot confine anyone with it) but log a
 * warning naming the field.
 */
#ifndef MR_LSM_H
#define MR_LSM_H

#include <stdbool.h>

#include "../context.h"
#include "../error.h"

struct lsm_host {
  bool apparmor; /* /sys/kernel/security/apparmor exists and the module says Y */
  bool selinux;  /* selinuxfs is mounted on /sys/fs/selinux */
};

struct lsm_plan {
  char *apparmor_exec;       /* "exec <profile>", or NULL */
  const char *selinux_label; /* borrowed from the spec, or NULL */
  const char *mount_label;   /* added to mounts, or NULL */
  /* Set but not applied because the LSM is not enabled: warned about. */
  bool apparmor_ignored, selinux_ignored, mount_label_ignored;
};

struct plan;
/* What this host has enabled. */
struct lsm_host lsm_host_detect(void);
/* The decisions for `host` (separate from detection so tests can try both). */
int lsm_decide(const mr_config *config, struct lsm_host host, struct lsm_plan *out, mr_error **err);
/* Parent: lsm_decide for this host, then the mount label into plan->mounts. */
int lsm_plan(const mr_config *config, struct plan *plan, mr_error **err);
void lsm_plan_free(struct plan *plan);
bool lsm_needs_procfs(const struct lsm_plan *l);
/* Parent: the warnings for fields set but ignored. */
void lsm_log(const mr_context *ctx, const struct plan *plan);
/* Child (async-signal-safe): writes the exec labels. */
void lsm_apply(const struct plan *plan, int sync_fd);

#endif /* MR_LSM_H */
