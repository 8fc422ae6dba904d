/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inroot.h"
#include "sync.h"
#include "util.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* OCI's recursive mount options ("rro", "rnosuid", ...): applied with
 * mount_setattr(AT_RECURSIVE) because MS_REMOUNT only affects one mount. */
static const struct {
  const char *name;
  unsigned long long set, clr;
} recursive_options[] = {
    {"rro", MOUNT_ATTR_RDONLY, 0},
    {"rrw", 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID, 0},
    {"rsuid", 0, MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV, 0},
    {"rdev", 0, MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
    {"rexec", 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
    {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
    {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
};

/* Options of the OCI world that are not mount(2) options. */
static const char *const ignored_options[] = {"tmpcopyup", "copy-symlink", "src-nofollow",
                                              "dest-nofollow", "notmpcopyup"};
static const char *const unsupported_options[] = {"idmap", "ridmap"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0)
      return true;
  return false;
}

/* Splits the option list into the libmount-parsable string and the
 * recursive attributes; fills op->flags/propagation/data. */
int mounts_parse_options(const struct spec_mount *m, size_t index, struct mount_op *op,
                         mr_error **err)
{
  cleanup_free char *optstr = NULL;
  for (size_t i = 0; i < m->n_options; i++) {
    const char *o = m->options[i];
    if (in_list(o, ignored_options, sizeof(ignored_options) / sizeof(*ignored_options)))
      continue;
    if (in_list(o, unsupported_options, sizeof(unsupported_options) / sizeof(*unsupported_options)))
      return mr_err(err, -ENOTSUP,
                    "config.json: mounts[%zu] (%s): option '%s' is not supported yet", index,
                    m->destination, o);
    bool recursive = false;
    for (size_t k = 0; k < sizeof(recursive_options) / sizeof(*recursive_options); k++) {
      if (strcmp(o, recursive_options[k].name) == 0) {
        op->attr_set |= recursive_options[k].set;
        op->attr_clr |= recursive_options[k].clr;
        recursive = true;
      }
    }
    if (!recursive && mnt_optstr_append_option(&optstr, o, NULL) != 0)
      return mr_err_sys(err, ENOMEM, "mount options");
  }
  if (optstr == NULL)
    return 0;
  unsigned long flags = 0;
  if (mnt_optstr_get_flags(optstr, &flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) != 0)
    return mr_err(err, -EINVAL, "config.json: mounts[%zu] (%s): cannot parse options '%s'", index,
                  m->destination, optstr);
  char *fs = NULL;
  if (mnt_split_optstr(optstr, NULL, NULL, &fs, 0, 0) != 0)
    return mr_err(err, -EINVAL, "config.json: mounts[%zu] (%s): cannot parse options '%s'", index,
                  m->destination, optstr);
  op->data = fs;
  op->bind = (flags & MS_BIND) != 0;
  op->recursive = op->bind && (flags & MS_REC) != 0;
  if (flags & PROPAGATION_FLAGS)
    op->propagation = (flags & (PROPAGATION_FLAGS | MS_REC));
  op->flags = flags & ~(PROPAGATION_FLAGS | MS_BIND | MS_REC);
  return 0;
}

static int plan_bind_source(const mr_config *config, const struct spec_mount *m, size_t index,
                            struct mount_op *op, mr_error **err)
{
  if (m->source == NULL)
    return mr_err(err, -EINVAL, "config.json: mounts[%zu] (%s): bind mount without a source", index,
                  m->destination);
  /* A relative bind source is relative to the bundle, as runc does it. */
  op->source = m->source[0] == '/' ? strdup(m->source) : util_path_join(config->bundle, m->source);
  if (op->source == NULL)
    return mr_err_sys(err, ENOMEM, "mount source");
  struct stat st;
  if (stat(op->source, &st) < 0)
    return mr_err_sys(err, errno, "mount %s on %s: source", op->source, m->destination);
  op->source_is_dir = S_ISDIR(st.st_mode);
  op->remount = (op->flags & ~(unsigned long)MS_SILENT) != 0;
  return 0;
}

static int plan_one(const mr_config *config, const struct spec_mount *m, size_t index,
                    struct mount_op *op, mr_error **err)
{
  if (m->destination == NULL || m->destination[0] != '/')
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu].destination: '%s' is not an absolute path", index,
                  m->destination ? m->destination : "");
  op->destination = m->destination;
  op->target = util_path_join(config->rootfs, m->destination);
  if (op->target == NULL)
    return mr_err_sys(err, ENOMEM, "mount target");
  int r = mounts_parse_options(m, index, op, err);
  if (r < 0)
    return r;
  const char *type = m->type;
  if (op->bind || (type != NULL && strcmp(type, "bind") == 0)) {
    op->bind = true;
    return plan_bind_source(config, m, index, op, err);
  }
  if (type == NULL || *type == '\0')
    return mr_err(err, -EINVAL, "config.json: mounts[%zu] (%s): no type and not a bind mount",
                  index, m->destination);
  if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
    struct statfs sfs;
    op->kind = MOUNT_CGROUP;
    op->cgroup2_host = statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
  } else if (strcmp(type, "sysfs") == 0)
    op->kind = MOUNT_SYSFS;
  op->fstype = strdup(type);
  if (m->source != NULL)
    op->source = strdup(m->source);
  if (op->fstype == NULL || (m->source != NULL && op->source == NULL))
    return mr_err_sys(err, ENOMEM, "mount");
  return 0;
}

int mounts_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec *s = config->spec;
  if (s->n_mounts == 0)
    return 0;
  plan->mounts = calloc(s->n_mounts, sizeof(*plan->mounts));
  if (plan->mounts == NULL)
    return mr_err_sys(err, ENOMEM, "mounts");
  for (size_t i = 0; i < s->n_mounts; i++) {
    plan->n_mounts = i + 1;
    int r = plan_one(config, &s->mounts[i], i, &plan->mounts[i], err);
    if (r < 0)
      return r;
    if (plan->mounts[i].fstype != NULL && strcmp(plan->mounts[i].fstype, "devpts") == 0 &&
        strcmp(s->mounts[i].destination, "/dev/pts") == 0)
      plan->dev_pts_target = plan->mounts[i].target;
  }
  return 0;
}

void mounts_plan_free(struct plan *plan)
{
  for (size_t i = 0; i < plan->n_mounts; i++) {
    struct mount_op *op = &plan->mounts[i];
    free(op->target);
    free(op->source);
    free(op->fstype);
    free(op->data);
  }
  free(plan->mounts);
  plan->mounts = NULL;
  plan->n_mounts = 0;
}

/* ---- child side: async-signal-safe from here on ---- */

/* Without openat2 (kernels before 5.6): the mount point by its host path.
 * A directory, or a file for file binds. */
static int ensure_target_by_path(const struct mount_op *op)
{
  struct stat st;
  if (lstat(op->target, &st) == 0)
    return 0;
  if (!op->bind || op->source_is_dir)
    return util_mkdir_parents(op->target, 0755);
  char *slash = strrchr(op->target, '/');
  if (slash != NULL && slash != op->target) {
    *slash = '\0';
    int r = util_mkdir_parents(op->target, 0755);
    *slash = '/';
    if (r < 0)
      return r;
  }
  int fd = open(op->target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return -errno;
  close(fd);
  return 0;
}

static void fail_mount(int sync_fd, int e, const char *what, const struct mount_op *op)
{
  sync_fail(sync_fd, e, what, op->destination, NULL, NULL);
}

/* Where to mount: resolved inside the rootfs and created when missing.
 * Returns the path mount(2) should use ("/proc/self/fd/N", *fd open). */
struct mount_point {
  int fd;
  char path[64];
};

static const char *mount_point_open(const struct mount_op *op, int rootfd, bool create,
                                    struct mount_point *mp, int sync_fd)
{
  mp->fd = -1;
  enum inroot_create how = !create                            ? INROOT_EXISTING
                           : (!op->bind || op->source_is_dir) ? INROOT_DIR
                                                              : INROOT_FILE;
  int fd = inroot_open(rootfd, op->destination, how);
  if (fd == -ENOSYS) {
    int r = create ? ensure_target_by_path(op) : 0;
    if (r < 0)
      fail_mount(sync_fd, -r, "create mount point ", op);
    return op->target;
  }
  if (fd < 0)
    fail_mount(sync_fd, -fd, create ? "create mount point " : "open mount point ", op);
  mp->fd = fd;
  return inroot_fd_path(fd, mp->path, sizeof(mp->path));
}

static void mount_point_close(struct mount_point *mp)
{
  if (mp->fd >= 0)
    close(mp->fd);
  mp->fd = -1;
}

static void apply_bind(const struct mount_op *op, const char *target, int sync_fd)
{
  unsigned long flags = MS_BIND | (op->recursive ? MS_REC : 0);
  if (mount(op->source, target, NULL, flags, NULL) < 0)
    sync_fail(sync_fd, errno, "bind mount ", op->source, " on ", op->destination);
}

/* Without a cgroup namespace per container yet, the container sees the
 * host's hierarchies: on v1/hybrid hosts /sys/fs/cgroup is a tmpfs of
 * controller mounts, so bind it (recursively); on v2 mount cgroup2. The
 * cgroup work replaces this with the container's own cgroups. */
static void apply_cgroup(const struct mount_op *op, const char *target, int sync_fd)
{
  if (op->cgroup2_host) {
    if (mount("cgroup2", target, "cgroup2", op->flags, NULL) < 0)
      fail_mount(sync_fd, errno, "mount cgroup2 on ", op);
    return;
  }
  if (mount("/sys/fs/cgroup", target, NULL, MS_BIND | MS_REC, NULL) < 0)
    fail_mount(sync_fd, errno, "mount cgroup on ", op);
}

static void apply_fs(const struct mount_op *op, const char *target, int sync_fd)
{
  if (mount(op->source ? op->source : op->fstype, target, op->fstype, op->flags, op->data) == 0)
    return;
  int e = errno;
  /* Without its own network namespace, sysfs cannot be mounted (EPERM in a
   * user namespace, EBUSY elsewhere): show the host's, as runc does. */
  if (op->kind == MOUNT_SYSFS && (e == EPERM || e == EBUSY)) {
    if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0)
      return;
    e = errno;
  }
  sync_fail(sync_fd, e, "mount ", op->fstype, " on ", op->destination);
}

static void set_recursive_attrs(const struct mount_op *op, const char *target,
                                unsigned long long set, unsigned long long clr, int sync_fd)
{
  struct mount_attr attr = {.attr_set = set, .attr_clr = clr};
  if (syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof(attr)) < 0)
    fail_mount(sync_fd, errno, "set recursive mount options on ", op);
}

/* Whether finish_mount has anything to do for `op`. */
static bool needs_finish(const struct mount_op *op)
{
  return (op->bind && op->remount) || op->attr_set || op->attr_clr || op->propagation ||
         (op->kind == MOUNT_CGROUP && !op->cgroup2_host && (op->flags & MS_RDONLY));
}

/* What needs the new mount itself: an fd taken before the mount refers to
 * the directory underneath, so the caller reopens the target first. */
static void finish_mount(const struct mount_op *op, const char *target, int sync_fd)
{
  /* Bind mounts ignore all other flags on the first call. */
  if (op->bind && op->remount &&
      mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | op->flags, NULL) < 0)
    fail_mount(sync_fd, errno, "remount bind mount ", op);
  if (op->kind == MOUNT_CGROUP && !op->cgroup2_host && (op->flags & MS_RDONLY)) {
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof(attr));
  }
  if (op->attr_set | op->attr_clr)
    set_recursive_attrs(op, target, op->attr_set, op->attr_clr, sync_fd);
  if (op->propagation && mount(NULL, target, NULL, op->propagation, NULL) < 0)
    fail_mount(sync_fd, errno, "set propagation of ", op);
}

void mounts_apply(const struct plan *plan, int rootfd, int sync_fd)
{
  for (size_t i = 0; i < plan->n_mounts; i++) {
    const struct mount_op *op = &plan->mounts[i];
    struct mount_point mp;
    const char *target = mount_point_open(op, rootfd, true, &mp, sync_fd);
    if (op->bind)
      apply_bind(op, target, sync_fd);
    else if (op->kind == MOUNT_CGROUP)
      apply_cgroup(op, target, sync_fd);
    else
      apply_fs(op, target, sync_fd);
    bool reopen = mp.fd >= 0;
    mount_point_close(&mp);
    if (!needs_finish(op))
      continue;
    if (reopen)
      target = mount_point_open(op, rootfd, false, &mp, sync_fd);
    finish_mount(op, target, sync_fd);
    mount_point_close(&mp);
  }
}
