/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "rtnl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct link_request {
  struct nlmsghdr nh;
  struct ifinfomsg ifi;
  char attrs[64];
};

static void add_attr(struct nlmsghdr *nh, unsigned short type, const void *data, size_t len)
{
  struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(rta), data, len);
  nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

int rtnl_open(void)
{
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return -errno;
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* Sends `nh` and waits for the kernel's acknowledgement of it. Raw system
 * calls and a stack buffer only: the child uses it too. */
int rtnl_request(int fd, struct nlmsghdr *nh)
{
  static const struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, nh, nh->nlmsg_len, 0, (const struct sockaddr *)&kernel, sizeof(kernel)) < 0)
    return -errno;
  char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    size_t len = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != nh->nlmsg_seq)
        continue;
      if (h->nlmsg_type != NLMSG_ERROR)
        continue;
      const struct nlmsgerr *e = NLMSG_DATA(h);
      return e->error; /* 0: acknowledged */
    }
  }
}

int rtnl_move_link(int fd, int ifindex, pid_t pid, const char *new_name)
{
  struct link_request req;
  memset(&req, 0, sizeof(req));
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  req.nh.nlmsg_type = RTM_NEWLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.nh.nlmsg_seq = 1;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ifi.ifi_index = ifindex;
  uint32_t target = (uint32_t)pid;
  add_attr(&req.nh, IFLA_NET_NS_PID, &target, sizeof(target));
  add_attr(&req.nh, IFLA_IFNAME, new_name, strlen(new_name) + 1);
  return rtnl_request(fd, &req.nh);
}

/* Appends a copy of address message `h` as a creation request, keeping the
 * attributes that define the address (not its label: the link may be
 * renamed, nor its lifetimes: permanent ones have none). */
static int append_address_request(const struct nlmsghdr *h, char **buf, size_t *len)
{
  size_t max = NLMSG_ALIGN(h->nlmsg_len);
  char *grown = realloc(*buf, *len + max);
  if (grown == NULL)
    return -ENOMEM;
  *buf = grown;
  struct nlmsghdr *nh = (struct nlmsghdr *)(grown + *len);
  memset(nh, 0, max);
  nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  nh->nlmsg_type = RTM_NEWADDR;
  nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
  nh->nlmsg_seq = 2;
  memcpy(NLMSG_DATA(nh), NLMSG_DATA(h), sizeof(struct ifaddrmsg));
  const struct ifaddrmsg *ifa = NLMSG_DATA(h);
  size_t attr_len = IFA_PAYLOAD(h);
  for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, attr_len);
       rta = RTA_NEXT(rta, attr_len)) {
    if (rta->rta_type == IFA_ADDRESS || rta->rta_type == IFA_LOCAL ||
        rta->rta_type == IFA_BROADCAST || rta->rta_type == IFA_FLAGS)
      add_attr(nh, rta->rta_type, RTA_DATA(rta), RTA_PAYLOAD(rta));
  }
  *len += NLMSG_ALIGN(nh->nlmsg_len);
  return 0;
}

int rtnl_address_requests(int fd, int ifindex, char **buf, size_t *len)
{
  struct {
    struct nlmsghdr nh;
    struct ifaddrmsg ifa;
  } req;
  memset(&req, 0, sizeof(req));
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  req.nh.nlmsg_type = RTM_GETADDR;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = 3;
  req.ifa.ifa_family = AF_UNSPEC;
  if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
    return -errno;
  char reply[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(fd, reply, sizeof(reply), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != req.nh.nlmsg_seq)
        continue;
      if (h->nlmsg_type == NLMSG_DONE)
        return 0;
      if (h->nlmsg_type == NLMSG_ERROR)
        return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
      if (h->nlmsg_type != RTM_NEWADDR)
        continue;
      const struct ifaddrmsg *ifa = NLMSG_DATA(h);
      if ((int)ifa->ifa_index != ifindex || !(ifa->ifa_flags & IFA_F_PERMANENT) ||
          ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
          (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
        continue;
      int r = append_address_request(h, buf, len);
      if (r < 0)
        return r;
    }
  }
}
