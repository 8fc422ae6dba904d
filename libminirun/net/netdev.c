/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "netdev.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../sync.h"
#include "loopback.h"
#include "rtnl.h"

/* What the kernel's dev_valid_name() accepts. */
static bool valid_ifname(const char *name)
{
  size_t len = strlen(name);
  if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return false;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
      return false;
  return true;
}

/* The kernel drops a link's addresses when it changes namespace; the spec
 * wants the permanent ones kept (as crun and runc do). Read them now, the
 * child recreates them inside. */
static int plan_addresses(struct plan *plan, mr_error **err)
{
  int fd = rtnl_open();
  if (fd < 0)
    return mr_err_sys(err, -fd, "linux.netDevices: rtnetlink socket");
  int r = 0;
  for (size_t i = 0; r == 0 && i < plan->n_net_devs; i++) {
    struct net_dev_op *op = &plan->net_devs[i];
    r = rtnl_address_requests(fd, op->ifindex, &op->addr_reqs, &op->addr_reqs_len);
    if (r < 0)
      r = mr_err_sys(err, -r, "config.json: linux.netDevices.%s: read its addresses",
                     op->host_name);
  }
  close(fd);
  return r;
}

int netdev_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_linux *l = &config->spec->linux_;
  if (l->n_net_devices == 0)
    return 0;
  /* A joined namespace outlives the container and the host's must never
   * lose its interfaces: only a namespace of our own. */
  if (!(plan->clone_flags & CLONE_NEWNET))
    return mr_err(err, -EINVAL,
                  "config.json: linux.netDevices: moving network devices needs a new network "
                  "namespace (a \"network\" entry without a path in linux.namespaces)");
  plan->net_devs = calloc(l->n_net_devices, sizeof(*plan->net_devs));
  if (plan->net_devs == NULL)
    return mr_err_sys(err, ENOMEM, "linux.netDevices");
  for (size_t i = 0; i < l->n_net_devices; i++) {
    const struct spec_net_device *d = &l->net_devices[i];
    const char *name = d->name != NULL && d->name[0] != '\0' ? d->name : d->host_name;
    if (!valid_ifname(d->host_name))
      return mr_err(err, -EINVAL,
                    "config.json: linux.netDevices: \"%s\" is not a valid interface name",
                    d->host_name);
    if (!valid_ifname(name))
      return mr_err(err, -EINVAL,
                    "config.json: linux.netDevices.%s.name: \"%s\" is not a valid interface name",
                    d->host_name, name);
    for (size_t j = 0; j < plan->n_net_devs; j++)
      if (plan->net_devs[j].name != NULL && strcmp(plan->net_devs[j].name, name) == 0)
        return mr_err(err, -EINVAL,
                      "config.json: linux.netDevices.%s.name: \"%s\" is also the name of %s inside "
                      "the container",
                      d->host_name, name, plan->net_devs[j].host_name);
    unsigned index = if_nametoindex(d->host_name);
    if (index == 0)
      return mr_err_sys(err, errno, "config.json: linux.netDevices.%s: host network interface",
                        d->host_name);
    struct net_dev_op *op = &plan->net_devs[plan->n_net_devs++];
    op->host_name = d->host_name;
    op->name = name;
    op->ifindex = (int)index;
  }
  return plan_addresses(plan, err);
}

void netdev_plan_free(struct plan *plan)
{
  for (size_t i = 0; i < plan->n_net_devs; i++)
    free(plan->net_devs[i].addr_reqs);
  free(plan->net_devs);
  plan->net_devs = NULL;
  plan->n_net_devs = 0;
}

/* True when interface `name` exists in the network namespace of `pid`.
 * Checked before moving: the kernel moves a device first and renames it
 * afterwards, so a clashing new name would fail only once the device has
 * left the host. A fresh namespace has "lo" and, with some modules loaded,
 * fallback tunnels (sit0, tunl0, ...). */
static bool name_in_netns(pid_t pid, const char *name, int *err_out)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
  FILE *f = fopen(path, "re");
  if (f == NULL) {
    *err_out = errno;
    return false;
  }
  char line[512];
  bool found = false;
  while (!found && fgets(line, sizeof(line), f) != NULL) {
    char *colon = strchr(line, ':');
    if (colon == NULL)
      continue; /* the two header lines */
    *colon = '\0';
    char *start = line + strspn(line, " ");
    found = strcmp(start, name) == 0;
  }
  fclose(f);
  return found;
}

int netdev_move(const struct plan *plan, pid_t pid, mr_error **err)
{
  if (plan->n_net_devs == 0)
    return 0;
  for (size_t i = 0; i < plan->n_net_devs; i++) {
    int e = 0;
    if (name_in_netns(pid, plan->net_devs[i].name, &e))
      return mr_err(err, -EEXIST,
                    "config.json: linux.netDevices.%s.name: \"%s\" already exists in the "
                    "container's new network namespace",
                    plan->net_devs[i].host_name, plan->net_devs[i].name);
    if (e != 0)
      return mr_err_sys(err, e, "linux.netDevices: interfaces of the container's namespace");
  }
  int fd = rtnl_open();
  if (fd < 0)
    return mr_err_sys(err, -fd, "linux.netDevices: rtnetlink socket");
  int r = 0;
  for (size_t i = 0; r == 0 && i < plan->n_net_devs; i++) {
    const struct net_dev_op *op = &plan->net_devs[i];
    r = rtnl_move_link(fd, op->ifindex, pid, op->name);
    if (r < 0)
      r = mr_err_sys(err, -r,
                     "config.json: linux.netDevices.%s: move into the container's network "
                     "namespace as \"%s\"",
                     op->host_name, op->name);
  }
  close(fd);
  return r;
}

/* ---- child side: async-signal-safe ---- */

/* Recreates the addresses the plan read, on the link's new index. */
static void restore_addresses(const struct net_dev_op *op, int *nl, int sync_fd)
{
  if (op->addr_reqs_len == 0)
    return;
  int index = net_ifindex(op->name);
  if (index < 0)
    sync_fail(sync_fd, -index, "linux.netDevices: find network interface ", op->name, NULL, NULL);
  if (*nl < 0 && (*nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
    sync_fail(sync_fd, errno, "linux.netDevices: rtnetlink socket", NULL, NULL, NULL);
  size_t left = op->addr_reqs_len;
  for (struct nlmsghdr *nh = (struct nlmsghdr *)op->addr_reqs; NLMSG_OK(nh, left);
       nh = NLMSG_NEXT(nh, left)) {
    ((struct ifaddrmsg *)NLMSG_DATA(nh))->ifa_index = (unsigned)index;
    int r = rtnl_request(*nl, nh);
    if (r < 0)
      sync_fail(sync_fd, -r, "linux.netDevices: restore an address of network interface ", op->name,
                NULL, NULL);
  }
}

void netdev_up(const struct plan *plan, int sync_fd)
{
  /* runtime-spec: the runtime keeps the permanent addresses and sets a moved
   * device up so the container can use it. */
  int nl = -1;
  for (size_t i = 0; i < plan->n_net_devs; i++) {
    const struct net_dev_op *op = &plan->net_devs[i];
    restore_addresses(op, &nl, sync_fd);
    int r = net_set_up(op->name);
    if (r < 0)
      sync_fail(sync_fd, -r, "linux.netDevices: set network interface ", op->name, " up", NULL);
  }
  if (nl >= 0)
    close(nl);
}
