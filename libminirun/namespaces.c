/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sync.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_clone_flag[SPEC_NS_COUNT] = {
    [SPEC_NS_PID] = CLONE_NEWPID,       [SPEC_NS_NETWORK] = CLONE_NEWNET,
    [SPEC_NS_MOUNT] = CLONE_NEWNS,      [SPEC_NS_IPC] = CLONE_NEWIPC,
    [SPEC_NS_UTS] = CLONE_NEWUTS,       [SPEC_NS_USER] = CLONE_NEWUSER,
    [SPEC_NS_CGROUP] = CLONE_NEWCGROUP, [SPEC_NS_TIME] = CLONE_NEWTIME,
};

static int format_id_map(const struct spec_id_mapping *m, size_t n, const char *what, char **out,
                         mr_error **err)
{
  /* No mappings: the namespace stays unmapped, as crun runs it (every id
   * inside shows as the overflow id). */
  (void)what;
  if (n == 0)
    return 0;
  size_t cap = n * 36 + 1, used = 0;
  char *text = malloc(cap);
  if (text == NULL)
    return mr_err_sys(err, ENOMEM, "id map");
  for (size_t i = 0; i < n; i++)
    used += (size_t)snprintf(text + used, cap - used, "%u %u %u\n", m[i].container_id, m[i].host_id,
                             m[i].size);
  *out = text;
  return 0;
}

/* In an unmapped namespace no id can be switched to: the process keeps the
 * one it has (shown as the overflow id). Asking for another is an error,
 * never silently ignored. */
static int check_unmapped_user(const struct spec *spec, const struct plan *plan, mr_error **err)
{
  const struct spec_user *u = &spec->process.user;
  if (plan->uid_map == NULL && u->uid != 0)
    return mr_err(err, -EINVAL,
                  "config.json: process.user.uid: %u cannot be set in a new user namespace "
                  "without linux.uidMappings",
                  u->uid);
  if (plan->gid_map == NULL && u->gid != 0)
    return mr_err(err, -EINVAL,
                  "config.json: process.user.gid: %u cannot be set in a new user namespace "
                  "without linux.gidMappings",
                  u->gid);
  if (plan->gid_map == NULL && u->n_additional_gids != 0)
    return mr_err(err, -EINVAL,
                  "config.json: process.user.additionalGids: cannot be set in a new user "
                  "namespace without linux.gidMappings");
  return 0;
}

static int format_time_offsets(const struct spec_linux *l, char **out, mr_error **err)
{
  if (!l->time_offset_monotonic.present && !l->time_offset_boottime.present)
    return 0;
  char *text = NULL;
  if (asprintf(&text, "monotonic %lld %u\nboottime %lld %u\n",
               (long long)l->time_offset_monotonic.secs, l->time_offset_monotonic.nanosecs,
               (long long)l->time_offset_boottime.secs, l->time_offset_boottime.nanosecs) < 0)
    return mr_err_sys(err, ENOMEM, "time offsets");
  *out = text;
  return 0;
}

/* An fd of the namespace file linux.namespaces[index].path, checked to be
 * one (nsfs) of the right type. The path comes from the bundle author: it
 * is looked at by O_PATH first, so a FIFO or a device node there is never
 * opened (a FIFO would block create before clone, a device could act on
 * open); then opened for setns() and checked to be the same file. */
static int open_ns_file(const struct spec_namespace *ns, size_t index, mr_error **err)
{
  const char *type = spec_ns_type_name(ns->type);
  cleanup_close int probe = open(ns->path, O_PATH | O_CLOEXEC);
  if (probe < 0)
    return mr_err_sys(err, errno, "config.json: linux.namespaces[%zu].path: %s namespace %s", index,
                      type, ns->path);
  struct stat st, st2;
  struct statfs sfs;
  if (fstat(probe, &st) < 0 || fstatfs(probe, &sfs) < 0)
    return mr_err_sys(err, errno, "config.json: linux.namespaces[%zu].path: %s", index, ns->path);
  if (!S_ISREG(st.st_mode) || sfs.f_type != NSFS_MAGIC)
    return mr_err(err, -EINVAL,
                  "config.json: linux.namespaces[%zu].path: %s is not a namespace file (such as "
                  "/proc/PID/ns/%s)",
                  index, ns->path, type);
  int fd = open(ns->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return mr_err_sys(err, errno, "config.json: linux.namespaces[%zu].path: %s namespace %s", index,
                      type, ns->path);
  if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
    close(fd);
    return mr_err(err, -EAGAIN, "config.json: linux.namespaces[%zu].path: %s changed while opened",
                  index, ns->path);
  }
  int kind = ioctl(fd, NS_GET_NSTYPE);
  if (kind >= 0 && kind != ns_clone_flag[ns->type]) {
    close(fd);
    return mr_err(err, -EINVAL, "config.json: linux.namespaces[%zu].path: %s is not a %s namespace",
                  index, ns->path, type);
  }
  return fd;
}

static int plan_join(struct plan *plan, const struct spec_namespace *ns, size_t index,
                     mr_error **err)
{
  int fd = open_ns_file(ns, index, err);
  if (fd < 0)
    return fd;
  struct ns_join *j = &plan->joins[plan->n_joins++];
  j->type = ns_clone_flag[ns->type];
  j->fd = fd;
  j->path = ns->path;
  int r = plan_keep_fd(plan, &j->fd, err);
  if (r < 0)
    return r;
  if (ns->type == SPEC_NS_PID || ns->type == SPEC_NS_TIME)
    plan->join_pid = true;
  return 0;
}

int namespaces_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_linux *l = &config->spec->linux_;
  for (size_t i = 0; i < l->n_namespaces; i++) {
    const struct spec_namespace *ns = &l->namespaces[i];
    if (ns->path != NULL && ns->path[0] != '\0') {
      int r = plan_join(plan, ns, i, err);
      if (r < 0)
        return r;
      continue;
    }
    /* cgroup and time namespaces are unshared by the child itself: the
     * cgroup one after it is placed in its cgroup, the time one so its
     * offsets can be written before anything runs in it. */
    if (ns->type == SPEC_NS_CGROUP || ns->type == SPEC_NS_TIME) {
      if (ns->type == SPEC_NS_TIME)
        plan->new_time_ns = true;
      continue;
    }
    plan->clone_flags |= (unsigned long)ns_clone_flag[ns->type];
  }
  if (!(plan->clone_flags & CLONE_NEWNS) &&
      spec_find_namespace(config->spec, SPEC_NS_MOUNT) == NULL)
    return mr_err(err, -EINVAL,
                  "config.json: linux.namespaces: a mount namespace is required (the rootfs is "
                  "set up in it)");
  /* Without a new uts namespace these would rename the caller's host. */
  const struct spec *spec = config->spec;
  plan->hostname = spec->hostname != NULL && *spec->hostname ? spec->hostname : NULL;
  plan->domainname = spec->domainname != NULL && *spec->domainname ? spec->domainname : NULL;
  if (plan->hostname != NULL && !(plan->clone_flags & CLONE_NEWUTS))
    return mr_err(err, -EINVAL,
                  "config.json: hostname: setting a hostname needs a new uts namespace");
  if (plan->domainname != NULL && !(plan->clone_flags & CLONE_NEWUTS))
    return mr_err(err, -EINVAL,
                  "config.json: domainname: setting a domainname needs a new uts namespace");
  /* The kernel's limit (__NEW_UTS_LEN): refused here, not by the child. */
  if (plan->hostname != NULL && strlen(plan->hostname) > 64)
    return mr_err(err, -EINVAL, "config.json: hostname: longer than 64 bytes");
  if (plan->domainname != NULL && strlen(plan->domainname) > 64)
    return mr_err(err, -EINVAL, "config.json: domainname: longer than 64 bytes");
  if (plan->clone_flags & CLONE_NEWUSER) {
    plan->user_ns = true;
    int r = format_id_map(l->uid_mappings, l->n_uid_mappings, "uidMappings", &plan->uid_map, err);
    if (r == 0)
      r = format_id_map(l->gid_mappings, l->n_gid_mappings, "gidMappings", &plan->gid_map, err);
    if (r == 0)
      r = check_unmapped_user(config->spec, plan, err);
    if (r < 0)
      return r;
  }
  if (plan->new_time_ns)
    return format_time_offsets(l, &plan->timens_offsets, err);
  return 0;
}

void namespaces_plan_free(struct plan *plan)
{
  for (size_t i = 0; i < plan->n_joins; i++)
    close(plan->joins[i].fd);
  plan->n_joins = 0;
  free(plan->uid_map);
  free(plan->gid_map);
  free(plan->timens_offsets);
  plan->uid_map = plan->gid_map = plan->timens_offsets = NULL;
}

/* Through the verified procfs handle: /proc/<pid>/ as this process sees it
 * could have something mounted over it (CVE-2025-52881). */
static int write_proc_file(const struct plan *plan, pid_t pid, const char *name, const char *text,
                           mr_error **err)
{
  char path[64];
  snprintf(path, sizeof(path), "%d/%s", (int)pid, name);
  int fd = procfs_open_file(&plan->procfs, path, O_WRONLY);
  if (fd < 0)
    return mr_err_sys(err, -fd, "open /proc/%s", path);
  int r = procfs_write_fd(fd, text);
  if (r < 0)
    return mr_err_sys(err, -r, "write /proc/%s", path);
  return 0;
}

int namespaces_write_id_maps(const struct plan *plan, pid_t pid, mr_error **err)
{
  if (!plan->user_ns)
    return 0;
  /* Without CAP_SETGID in the parent namespace the kernel only accepts a
   * gid map once setgroups is denied. */
  if (geteuid() != 0) {
    int r = write_proc_file(plan, pid, "setgroups", "deny", err);
    if (r < 0)
      return r;
  }
  int r = 0;
  if (plan->uid_map != NULL)
    r = write_proc_file(plan, pid, "uid_map", plan->uid_map, err);
  if (r == 0 && plan->gid_map != NULL)
    r = write_proc_file(plan, pid, "gid_map", plan->gid_map, err);
  return r < 0 ? mr_err_prefix(err, r, "user namespace id mappings") : 0;
}

/* ---- child side: async-signal-safe ---- */

static void join(const struct ns_join *j, int sync_fd)
{
  if (setns(j->fd, j->type) < 0)
    sync_fail(sync_fd, errno, "join namespace ", j->path, NULL, NULL);
}

void namespaces_join_for_children(const struct plan *plan, int sync_fd)
{
  for (size_t i = 0; i < plan->n_joins; i++)
    if (plan->joins[i].type == CLONE_NEWPID || plan->joins[i].type == CLONE_NEWTIME)
      join(&plan->joins[i], sync_fd);
}

void namespaces_enter(const struct plan *plan, int sync_fd)
{
  /* The user namespace first: the others may be owned by it. */
  for (size_t i = 0; i < plan->n_joins; i++)
    if (plan->joins[i].type == CLONE_NEWUSER)
      join(&plan->joins[i], sync_fd);
  for (size_t i = 0; i < plan->n_joins; i++) {
    int t = plan->joins[i].type;
    if (t != CLONE_NEWUSER && t != CLONE_NEWPID && t != CLONE_NEWTIME)
      join(&plan->joins[i], sync_fd);
  }
  if (spec_find_namespace(plan->spec, SPEC_NS_CGROUP) != NULL) {
    const struct spec_namespace *ns = spec_find_namespace(plan->spec, SPEC_NS_CGROUP);
    if ((ns->path == NULL || ns->path[0] == '\0') && unshare(CLONE_NEWCGROUP) < 0)
      sync_fail(sync_fd, errno, "create cgroup namespace", NULL, NULL, NULL);
  }
  if (plan->new_time_ns) {
    /* EINVAL: a kernel before 5.6 (or without CONFIG_TIME_NS) knows no
     * such flag. There is no fallback: say which kernel it needs. */
    int e = unshare(CLONE_NEWTIME) < 0 ? errno : 0;
    if (e != 0)
      sync_fail(sync_fd, e, "create time namespace",
                e == EINVAL ? " (this kernel has no time namespaces: needs Linux 5.6 with "
                              "CONFIG_TIME_NS)"
                            : "",
                NULL, NULL);
    if (plan->timens_offsets != NULL) {
      int fd = procfs_open_self(&plan->procfs, "timens_offsets", false, O_WRONLY);
      if (fd < 0)
        procfs_fail(sync_fd, fd, "time namespace offsets: open /proc/self/", "timens_offsets");
      int r = procfs_write_fd(fd, plan->timens_offsets);
      if (r < 0)
        procfs_fail(sync_fd, r, "time namespace offsets: write /proc/self/", "timens_offsets");
    }
  }
}

void namespaces_set_names(const struct plan *plan, int sync_fd)
{
  if (plan->hostname != NULL && sethostname(plan->hostname, strlen(plan->hostname)) < 0)
    sync_fail(sync_fd, errno, "sethostname ", plan->hostname, NULL, NULL);
  if (plan->domainname != NULL && setdomainname(plan->domainname, strlen(plan->domainname)) < 0)
    sync_fail(sync_fd, errno, "setdomainname ", plan->domainname, NULL, NULL);
}
