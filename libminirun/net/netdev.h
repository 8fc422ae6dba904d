/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netdev.h - linux.netDevices (runtime-spec 1.3): host interfaces moved into
 * the container's new network namespace, optionally renamed.
 *
 * The plan checks names and finds the interfaces; the PARENT moves them
 * (rtnetlink) after clone and before the first GO; the child brings them up
 * once it runs. On delete the kernel does the rest: physical devices go back
 * to the initial namespace, virtual ones are destroyed with the namespace.
 */
#ifndef MR_NET_NETDEV_H
#define MR_NET_NETDEV_H

#include "../plan.h"

int netdev_plan(const mr_config *config, struct plan *plan, mr_error **err);
void netdev_plan_free(struct plan *plan);
/* Parent: moves every interface into the network namespace of `pid`. */
int netdev_move(const struct plan *plan, pid_t pid, mr_error **err);
/* Child (async-signal-safe): sets the moved interfaces up. */
void netdev_up(const struct plan *plan, int sync_fd);

#endif /* MR_NET_NETDEV_H */
