/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnl.h - the few rtnetlink requests the runtime makes (parent side only;
 * a raw NETLINK_ROUTE socket, no library). */
#ifndef MR_NET_RTNL_H
#define MR_NET_RTNL_H

#include <sys/types.h>

/* A NETLINK_ROUTE socket (close-on-exec), or -errno. */
int rtnl_open(void);
/* Moves link `ifindex` into the network namespace of process `pid`, renamed
 * to `new_name` there, in one RTM_NEWLINK request (the kernel renames while
 * moving, so the name never clashes in either namespace). 0 or -errno. */
int rtnl_move_link(int fd, int ifindex, pid_t pid, const char *new_name);

#endif /* MR_NET_RTNL_H */
