/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "loopback.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../sync.h"

/* Fills `ifr` with `name`; false when it does not fit. */
static bool ifreq_name(struct ifreq *ifr, const char *name)
{
  memset(ifr, 0, sizeof(*ifr));
  size_t len = strlen(name);
  if (len >= sizeof(ifr->ifr_name))
    return false;
  memcpy(ifr->ifr_name, name, len);
  return true;
}

int net_ifindex(const char *name)
{
  struct ifreq ifr;
  if (!ifreq_name(&ifr, name))
    return -EINVAL;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  int r = ioctl(fd, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.ifr_ifindex;
  close(fd);
  return r;
}

int net_set_up(const char *name)
{
  /* Any socket reaches the device ioctls; AF_UNIX exists even on kernels
   * built without IPv4. */
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  struct ifreq ifr;
  if (!ifreq_name(&ifr, name)) {
    close(fd);
    return -EINVAL;
  }
  int r = 0;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    r = -errno;
  else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
      r = -errno;
  }
  close(fd);
  return r;
}

void loopback_up(const struct plan *plan, int sync_fd)
{
  if (!(plan->clone_flags & CLONE_NEWNET))
    return;
  int r = net_set_up("lo");
  if (r < 0)
    sync_fail(sync_fd, -r, "bring up the loopback interface of the new network namespace", NULL,
              NULL, NULL);
}
