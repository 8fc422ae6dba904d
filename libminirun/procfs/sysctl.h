/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysctl.h - linux.sysctl: namespaced kernel parameters of the container.
 *
 * Only keys the kernel keeps per namespace are accepted, and only when the
 * container has its own namespace of that kind (new, or joined by path but
 * not the runtime's own): net.* needs a network namespace; kernel.shm*,
 * kernel.msg*, kernel.sem and fs.mqueue.* an ipc namespace;
 * kernel.domainname and kernel.hostname a uts namespace. Anything else
 * would change the host, and is refused. Written in the child, after its
 * namespaces are entered, through the verified procfs handle.
 */
#ifndef MR_SYSCTL_H
#define MR_SYSCTL_H

#include <stddef.h>

#include "../error.h"

struct sysctl_op {
  const char *key;   /* as in config.json, for messages */
  const char *value; /* borrowed from the spec */
  char *path;        /* "sys/net/ipv4/ip_forward", relative to the procfs root */
};

struct sysctl_plan {
  struct sysctl_op *ops;
  size_t n_ops;
};

struct plan;
/* Parent: validates linux.sysctl against the container's namespaces. */
int sysctl_plan(const mr_config *config, struct plan *plan, mr_error **err);
void sysctl_plan_free(struct plan *plan);
/* Child (async-signal-safe): writes every value; fails the create on error. */
void sysctl_apply(const struct plan *plan, int sync_fd);

#endif /* MR_SYSCTL_H */
