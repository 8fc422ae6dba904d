/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../plan.h"
#include "../sync.h"

/* The ipc namespace's keys (runc's list) besides the fs.mqueue.* prefix. */
static const char *const ipc_keys[] = {
    "kernel.msgmax",      "kernel.msgmnb",      "kernel.msgmni",      "kernel.sem",
    "kernel.shmall",      "kernel.shmmax",      "kernel.shmmni",      "kernel.shm_rmid_forced",
    "kernel.shm_next_id", "kernel.msg_next_id", "kernel.sem_next_id",
};

static bool is_ipc_key(const char *dotted)
{
  if (strncmp(dotted, "fs.mqueue.", 10) == 0)
    return true;
  for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(*ipc_keys); i++)
    if (strcmp(dotted, ipc_keys[i]) == 0)
      return true;
  return false;
}

/* True when the runtime itself is in the namespace `fd` refers to: joining
 * it by path would make the sysctl the host's. */
static bool is_runtime_ns(int fd, const char *name)
{
  char path[64];
  struct stat ours, theirs;
  snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
  if (fstat(fd, &theirs) < 0 || stat(path, &ours) < 0)
    return true; /* cannot tell: refuse */
  return ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

/* 0 when the container has its own namespace of `clone_type`, else a reason. */
static const char *own_namespace(const struct plan *plan, int clone_type, const char *name)
{
  if (plan->clone_flags & (unsigned long)clone_type)
    return NULL;
  for (size_t i = 0; i < plan->n_joins; i++)
    if (plan->joins[i].type == clone_type)
      return is_runtime_ns(plan->joins[i].fd, name) ? "joins the runtime's own" : NULL;
  return "has no";
}

/* "net.ipv4.ip_forward" -> "sys/net/ipv4/ip_forward"; a key written with
 * '/' is a path already (its components may hold dots: eth0.100). */
static int key_to_path(const char *key, char **path, char **dotted)
{
  bool slashes = strchr(key, '/') != NULL;
  size_t n = strlen(key);
  *path = malloc(n + 5);
  *dotted = strdup(key);
  if (*path == NULL || *dotted == NULL)
    return -ENOMEM;
  memcpy(*path, "sys/", 4);
  for (size_t i = 0; i <= n; i++) {
    char ch = key[i];
    (*path)[4 + i] = !slashes && ch == '.' ? '/' : ch;
    (*dotted)[i] = ch == '/' ? '.' : ch;
  }
  /* Every component a plain name: no "", ".", "..". */
  const char *s = *path + 4;
  for (;;) {
    const char *slash = strchr(s, '/');
    size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
      return -EINVAL;
    if (slash == NULL)
      return 0;
    s = slash + 1;
  }
}

static int check_key(const mr_config *config, const struct plan *plan, const char *key,
                     const char *dotted, mr_error **err)
{
  const char *why;
  if (strncmp(dotted, "net.", 4) == 0) {
    if ((why = own_namespace(plan, CLONE_NEWNET, "net")) != NULL)
      return mr_err(err, -EINVAL,
                    "config.json: linux.sysctl: \"%s\" needs a network namespace of the "
                    "container's own (the container %s network namespace)",
                    key, why);
    return 0;
  }
  if (is_ipc_key(dotted)) {
    if ((why = own_namespace(plan, CLONE_NEWIPC, "ipc")) != NULL)
      return mr_err(err, -EINVAL,
                    "config.json: linux.sysctl: \"%s\" needs an ipc namespace of the "
                    "container's own (the container %s ipc namespace)",
                    key, why);
    return 0;
  }
  if (strcmp(dotted, "kernel.domainname") == 0 || strcmp(dotted, "kernel.hostname") == 0) {
    if ((why = own_namespace(plan, CLONE_NEWUTS, "uts")) != NULL)
      return mr_err(err, -EINVAL,
                    "config.json: linux.sysctl: \"%s\" needs a uts namespace of the "
                    "container's own (the container %s uts namespace)",
                    key, why);
    /* Two sources for one value: which one wins would be an accident. */
    const struct spec *spec = config->spec;
    if (strcmp(dotted, "kernel.hostname") == 0 && spec->hostname != NULL && *spec->hostname)
      return mr_err(err, -EINVAL,
                    "config.json: linux.sysctl: \"%s\" conflicts with the \"hostname\" field", key);
    if (strcmp(dotted, "kernel.domainname") == 0 && spec->domainname != NULL && *spec->domainname)
      return mr_err(err, -EINVAL,
                    "config.json: linux.sysctl: \"%s\" conflicts with the \"domainname\" field",
                    key);
    return 0;
  }
  return mr_err(err, -EINVAL,
                "config.json: linux.sysctl: \"%s\" is not in a separate kernel namespace (allowed: "
                "net.* with a network namespace, kernel.shm*/msg*/sem and fs.mqueue.* with an ipc "
                "namespace, kernel.hostname/domainname with a uts namespace)",
                key);
}

int sysctl_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec_linux *l = &config->spec->linux_;
  if (l->n_sysctl == 0)
    return 0;
  plan->sysctl.ops = calloc(l->n_sysctl, sizeof(*plan->sysctl.ops));
  if (plan->sysctl.ops == NULL)
    return mr_err_sys(err, ENOMEM, "sysctl");
  for (size_t i = 0; i < l->n_sysctl; i++) {
    struct sysctl_op *op = &plan->sysctl.ops[plan->sysctl.n_ops++];
    op->key = l->sysctl[i].key;
    op->value = l->sysctl[i].value;
    char *dotted = NULL;
    int r = key_to_path(op->key, &op->path, &dotted);
    if (r == -ENOMEM) {
      free(dotted);
      return mr_err_sys(err, ENOMEM, "sysctl");
    }
    if (r < 0) {
      free(dotted);
      return mr_err(err, -EINVAL, "config.json: linux.sysctl: \"%s\": not a valid key", op->key);
    }
    r = check_key(config, plan, op->key, dotted, err);
    free(dotted);
    if (r < 0)
      return r;
  }
  return 0;
}

void sysctl_plan_free(struct plan *plan)
{
  for (size_t i = 0; i < plan->sysctl.n_ops; i++)
    free(plan->sysctl.ops[i].path);
  free(plan->sysctl.ops);
  plan->sysctl.ops = NULL;
  plan->sysctl.n_ops = 0;
}

/* ---- child: async-signal-safe ---- */

void sysctl_apply(const struct plan *plan, int sync_fd)
{
  for (size_t i = 0; i < plan->sysctl.n_ops; i++) {
    const struct sysctl_op *op = &plan->sysctl.ops[i];
    int fd = procfs_open_file(&plan->procfs, op->path, O_WRONLY);
    if (fd < 0)
      procfs_fail(sync_fd, fd, "linux.sysctl: open /proc/", op->path);
    int r = procfs_write_fd(fd, op->value);
    if (r < 0)
      procfs_fail(sync_fd, r, "linux.sysctl: write /proc/", op->path);
  }
}
