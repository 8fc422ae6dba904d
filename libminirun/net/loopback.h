/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* loopback.h - a new network namespace starts with "lo" down: bring it up,
 * as crun and runc do. */
#ifndef MR_NET_LOOPBACK_H
#define MR_NET_LOOPBACK_H

#include "../plan.h"

/* Child (async-signal-safe): sets IFF_UP on interface `name` of the
 * current network namespace (SIOCSIFFLAGS). 0 or -errno. */
int net_set_up(const char *name);
/* Child (async-signal-safe): the index of interface `name`, or -errno. */
int net_ifindex(const char *name);
/* Child: "lo" up when the container has a new network namespace. */
void loopback_up(const struct plan *plan, int sync_fd);

#endif /* MR_NET_LOOPBACK_H */
