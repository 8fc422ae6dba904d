/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnl.h - the few rtnetlink requests the runtime makes (parent side only;
 * a raw NETLINK_ROUTE socket, no library). */
#ifndef MR_NET_RTNL_H
#define MR_NET_RTNL_H

#include <linux/netlink.h>
#include <stddef.h>
#include <sys/types.h>

/* A NETLINK_ROUTE socket (close-on-exec), or -errno. */
int rtnl_open(void);
/* Moves link `ifindex` into the network namespace of process `pid`, renamed
 * to `new_name` there, in one RTM_NEWLINK request (the kernel renames while
 * moving, so the name never clashes in either namespace). 0 or -errno. */
int rtnl_move_link(int fd, int ifindex, pid_t pid, const char *new_name);

/* The permanent, global (RT_SCOPE_UNIVERSE) IPv4/IPv6 addresses of link
 * `ifindex`, as RTM_NEWADDR requests that recreate them: appended to the
 * malloc()ed buffer *buf / *len (each request's ifa_index is to be patched
 * with the link's index in its new namespace). 0 or -errno. */
int rtnl_address_requests(int fd, int ifindex, char **buf, size_t *len);

/* Child side (async-signal-safe): sends one request and waits for its
 * acknowledgement. 0 or -errno. */
int rtnl_request(int fd, struct nlmsghdr *nh);

#endif /* MR_NET_RTNL_H */
