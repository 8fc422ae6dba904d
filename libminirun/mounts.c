/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "context.h"
#include "inroot.h"
#include "isolate/hostbind.h"
#include "mount-api.h"
#include "mounts/copyup.h"
#include "mounts/idmap.h"
#include "mounts/options.h"
#include "mounts/recattr.h"
#include "sync.h"
#include "util.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* Per-mount propagation: one of them, the last one given wins (as crun). */
static const struct {
  const char *name;
  unsigned long flags;
} propagation_options[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_REC | MS_PRIVATE},
    {"slave", MS_SLAVE},           {"rslave", MS_REC | MS_SLAVE},
    {"shared", MS_SHARED},         {"rshared", MS_REC | MS_SHARED},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_REC | MS_UNBINDABLE},
};

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

static bool oci_option(const char *o, struct mount_op *op);

struct dropped_ctx {
  const mr_context *ctx;
  const struct spec_mount *m;
  size_t index;
};

/* Nothing the config asks for goes unmentioned: an fstab option is dropped
 * as libmount dropped it (a config may carry one from an fstab line), but
 * said. */
static void option_dropped(void *arg, const char *opt, size_t len)
{
  const struct dropped_ctx *d = arg;
  mr_warn(d->ctx,
          "config.json: mounts[%zu] (%s): option '%.*s' is a mount(8)/fstab option, not one for "
          "the kernel: ignored",
          d->index, d->m->destination, (int)len, opt);
}

/* The options that are neither OCI's nor recursive go, comma-joined as one
 * string (an element "nosuid,nodev" is two options), through
 * mount_options_parse(); fills op->flags/propagation/data. */
int mounts_parse_options(const mr_context *ctx, const struct spec_mount *m, size_t index,
                         struct mount_op *op, mr_error **err)
{
  cleanup_free char *optstr = NULL;
  size_t len = 0;
  for (size_t i = 0; i < m->n_options; i++) {
    const char *o = m->options[i];
    if (oci_option(o, op))
      continue;
    bool recursive = false;
    for (size_t k = 0; k < sizeof(recursive_options) / sizeof(*recursive_options); k++) {
      if (strcmp(o, recursive_options[k].name) == 0) {
        op->attr_set |= recursive_options[k].set;
        op->attr_clr |= recursive_options[k].clr;
        recursive = true;
      }
    }
    if (recursive || o[0] == '\0')
      continue;
    if (mount_options_append(&optstr, &len, o, strlen(o)) < 0)
      return mr_err_sys(err, ENOMEM, "mount options");
  }
  if (optstr == NULL)
    return 0;
  struct dropped_ctx d = {ctx, m, index};
  struct mount_options parsed;
  int r = mount_options_parse(optstr, &parsed, option_dropped, &d);
  if (r == -ENOMEM)
    return mr_err_sys(err, ENOMEM, "mount options");
  if (r < 0)
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu] (%s): options '%s': a double quote is not closed",
                  index, m->destination, optstr);
  op->data = parsed.data;
  op->bind = (parsed.flags & MS_BIND) != 0;
  op->recursive = op->bind && (parsed.flags & MS_REC) != 0;
  op->flags = parsed.flags & ~(PROPAGATION_FLAGS | MS_BIND | MS_REC);
  return 0;
}

/* The options handled here rather than by mount(2): propagation (kept
 * apart so the last one wins), tmpcopyup, idmap/ridmap and crun's symlink
 * options (src-nofollow, dest-nofollow, copy-symlink). */
static bool oci_option(const char *o, struct mount_op *op)
{
  for (size_t k = 0; k < sizeof(propagation_options) / sizeof(*propagation_options); k++) {
    if (strcmp(o, propagation_options[k].name) == 0) {
      op->propagation = propagation_options[k].flags;
      return true;
    }
  }
  if (strcmp(o, "tmpcopyup") == 0 || strcmp(o, "notmpcopyup") == 0)
    op->tmpcopyup = o[0] == 't';
  else if (strcmp(o, "idmap") == 0)
    op->idmap = MOUNT_IDMAP;
  else if (strcmp(o, "ridmap") == 0)
    op->idmap = MOUNT_RIDMAP;
  else if (strcmp(o, "src-nofollow") == 0)
    op->src_nofollow = true;
  else if (strcmp(o, "dest-nofollow") == 0)
    op->dest_nofollow = true;
  else if (strcmp(o, "copy-symlink") == 0)
    op->copy_symlink = true;
  else
    return false;
  return true;
}

/* idmap/ridmap, or per-mount mappings: a detached idmapped mount opened
 * now (the child only attaches it). Without mappings of its own the mount
 * uses the container's user namespace mappings. */
static int plan_idmap(const mr_config *config, const struct spec_mount *m, size_t index,
                      struct mount_op *op, mr_error **err)
{
  bool own = m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
  if (!own && op->idmap == MOUNT_IDMAP_NONE)
    return 0;
  if (op->idmap == MOUNT_IDMAP_NONE) /* mappings alone: like idmap, recursive for rbind */
    op->idmap = op->recursive ? MOUNT_RIDMAP : MOUNT_IDMAP;
  if (!op->bind)
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu] (%s): idmapped mounts must be bind mounts", index,
                  m->destination);
  const struct spec_linux *l = &config->spec->linux_;
  struct idmap_request req = {
      .source = op->source,
      .tree = op->recursive,
      .recursive = op->idmap == MOUNT_RIDMAP,
      .uids = own ? m->uid_mappings : l->uid_mappings,
      .n_uids = own ? m->n_uid_mappings : l->n_uid_mappings,
      .gids = own ? m->gid_mappings : l->gid_mappings,
      .n_gids = own ? m->n_gid_mappings : l->n_gid_mappings,
  };
  char what[64];
  snprintf(what, sizeof(what), "mounts[%zu]", index);
  req.what = what;
  if (req.n_uids == 0 || req.n_gids == 0)
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu] (%s): an idmapped mount needs uidMappings and "
                  "gidMappings (its own, or the container's user namespace ones)",
                  index, m->destination);
  return idmap_open_mount(&req, &op->idmap_fd, err);
}

/* What the options ask for that cannot be honoured as asked. */
static int check_options(const struct spec_mount *m, size_t index, const struct mount_op *op,
                         mr_error **err)
{
  if (op->bind && op->data != NULL)
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu] (%s): option(s) '%s' are not valid for a bind mount",
                  index, m->destination, op->data);
  if (op->tmpcopyup && (op->bind || op->fstype == NULL || strcmp(op->fstype, "tmpfs") != 0))
    return mr_err(err, -EINVAL, "config.json: mounts[%zu] (%s): tmpcopyup needs a tmpfs mount",
                  index, m->destination);
  if ((op->src_nofollow || op->copy_symlink) && !op->bind)
    return mr_err(err, -EINVAL, "config.json: mounts[%zu] (%s): %s is only valid for bind mounts",
                  index, m->destination, op->copy_symlink ? "copy-symlink" : "src-nofollow");
  if (op->copy_symlink && (op->src_nofollow || op->dest_nofollow))
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu] (%s): copy-symlink excludes src-nofollow and "
                  "dest-nofollow (as in crun)",
                  index, m->destination);
  return 0;
}

/* copy-symlink of a symlink source: its text, for the child to recreate. */
static int plan_copy_symlink(const struct spec_mount *m, size_t index, struct mount_op *op,
                             mr_error **err)
{
  char link[PATH_MAX];
  ssize_t n = readlink(op->source, link, sizeof(link));
  if (n < 0)
    return mr_err_sys(err, errno, "config.json: mounts[%zu] (%s): copy-symlink: readlink %s", index,
                      m->destination, op->source);
  if ((size_t)n >= sizeof(link))
    return mr_err(err, -ENAMETOOLONG,
                  "config.json: mounts[%zu] (%s): copy-symlink: the link %s is too long", index,
                  m->destination, op->source);
  op->symlink_text = strndup(link, (size_t)n);
  if (op->symlink_text == NULL)
    return mr_err_sys(err, ENOMEM, "mount");
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
  /* src-nofollow and copy-symlink: a symlink source is the symlink. */
  bool nofollow = op->src_nofollow || op->copy_symlink;
  struct stat st;
  if ((nofollow ? lstat(op->source, &st) : stat(op->source, &st)) < 0)
    return mr_err_sys(err, errno, "mount %s on %s: source", op->source, m->destination);
  op->source_is_dir = S_ISDIR(st.st_mode);
  op->remount = (op->flags & ~(unsigned long)MS_SILENT) != 0;
  if (!S_ISLNK(st.st_mode))
    return 0;
  if (op->copy_symlink)
    return plan_copy_symlink(m, index, op, err);
  if (op->idmap != MOUNT_IDMAP_NONE || m->n_uid_mappings > 0 || m->n_gid_mappings > 0)
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu] (%s): src-nofollow of a symlink cannot be idmapped",
                  index, m->destination);
  return 0;
}

static int plan_one(const mr_context *ctx, const mr_config *config, const struct spec_mount *m,
                    size_t index, struct mount_op *op, mr_error **err)
{
  if (m->destination == NULL || m->destination[0] != '/')
    return mr_err(err, -EINVAL,
                  "config.json: mounts[%zu].destination: '%s' is not an absolute path", index,
                  m->destination ? m->destination : "");
  op->destination = m->destination;
  op->target = util_path_join(config->rootfs, m->destination);
  if (op->target == NULL)
    return mr_err_sys(err, ENOMEM, "mount target");
  int r = mounts_parse_options(ctx, m, index, op, err);
  if (r < 0)
    return r;
  const char *type = m->type;
  if (op->bind || (type != NULL && strcmp(type, "bind") == 0)) {
    op->bind = true;
    r = check_options(m, index, op, err);
    if (r == 0)
      r = plan_bind_source(config, m, index, op, err);
    if (r < 0 || op->symlink_text != NULL) /* a copied symlink is not mounted */
      return r;
    return plan_idmap(config, m, index, op, err);
  }
  if (type == NULL || *type == '\0')
    return mr_err(err, -EINVAL, "config.json: mounts[%zu] (%s): no type and not a bind mount",
                  index, m->destination);
  int r2 = 0;
  if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
    /* What it shows is planned once the cgroups exist (cgroup/mount.h). */
    op->kind = MOUNT_CGROUP;
  } else if (strcmp(type, "sysfs") == 0) {
    op->kind = MOUNT_SYSFS;
    if (op->flags & HOSTBIND_FLAGS) /* for the fallback to a bind of /sys */
      r2 = hostbind_plan("/sys", &op->host_submounts, &op->n_host_submounts, err);
  }
  if (r2 < 0)
    return r2;
  op->fstype = strdup(type);
  if (m->source != NULL)
    op->source = strdup(m->source);
  if (op->fstype == NULL || (m->source != NULL && op->source == NULL))
    return mr_err_sys(err, ENOMEM, "mount");
  r = check_options(m, index, op, err);
  return r < 0 ? r : plan_idmap(config, m, index, op, err);
}

int mounts_plan(const mr_context *ctx, const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec *s = config->spec;
  if (s->n_mounts == 0)
    return 0;
  plan->mounts = calloc(s->n_mounts, sizeof(*plan->mounts));
  if (plan->mounts == NULL)
    return mr_err_sys(err, ENOMEM, "mounts");
  for (size_t i = 0; i < s->n_mounts; i++)
    plan->mounts[i].idmap_fd = -1;
  for (size_t i = 0; i < s->n_mounts; i++) {
    plan->n_mounts = i + 1;
    int r = plan_one(ctx, config, &s->mounts[i], i, &plan->mounts[i], err);
    if (r == 0 && plan->mounts[i].idmap_fd >= 0)
      r = plan_keep_fd(plan, &plan->mounts[i].idmap_fd, err); /* the child attaches it */
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
    free(op->symlink_text);
    if (op->idmap_fd >= 0)
      close(op->idmap_fd);
    hostbind_plan_free(op->host_submounts, op->n_host_submounts);
  }
  free(plan->mounts);
  plan->mounts = NULL;
  plan->n_mounts = 0;
}

/* ---- child side: async-signal-safe from here on ---- */

static void fail_mount(int sync_fd, int e, const char *what, const struct mount_op *op)
{
  sync_fail(sync_fd, e, what, op->destination, NULL, NULL);
}

/* The parent of `path`, resolved inside the root (created when `create`),
 * and in *name its last component, which must name an entry of it. */
static int open_parent(int rootfd, const char *path, bool create, const char **name)
{
  int parent = inroot_open_parent(rootfd, path, create, name);
  if (parent >= 0 && (strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0)) {
    close(parent);
    return -EINVAL; /* ".." of the rootfs itself is outside it */
  }
  return parent;
}

/* dest-nofollow: an O_PATH fd of `path` itself, a symlink not followed
 * (the directories above it are resolved inside the root as always); a
 * missing one is created as `how` says. */
static int open_nofollow(int rootfd, const char *path, enum inroot_create how)
{
  const char *name;
  int parent = open_parent(rootfd, path, how != INROOT_EXISTING, &name);
  if (parent < 0)
    return parent;
  int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && how != INROOT_EXISTING) {
    /* O_EXCL: a FIFO planted meanwhile must not be opened (it would block). */
    int made =
        how == INROOT_DIR
            ? mkdirat(parent, name, 0755)
            : openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (made >= 0 && how != INROOT_DIR)
      close(made);
    fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  int e = errno;
  close(parent);
  return fd < 0 ? -e : fd;
}

/* copy-symlink: the source's symlink recreated at the destination, no
 * mount. One that is there already must be the same link (as crun). */
static void copy_symlink(const struct mount_op *op, int rootfd, int sync_fd)
{
  const char *name;
  int parent = open_parent(rootfd, op->destination, true, &name);
  if (parent < 0)
    fail_mount(sync_fd, -parent, "copy-symlink: open the directory of ", op);
  if (symlinkat(op->symlink_text, parent, name) == 0) {
    close(parent);
    return;
  }
  int e = errno;
  char there[PATH_MAX];
  ssize_t n = e == EEXIST ? readlinkat(parent, name, there, sizeof(there)) : -1;
  close(parent);
  if (n >= 0 && (size_t)n == strlen(op->symlink_text) &&
      memcmp(there, op->symlink_text, (size_t)n) == 0)
    return;
  if (e == EEXIST)
    sync_fail(sync_fd, EEXIST, "copy-symlink: ", op->destination,
              " exists and is not the same symlink", NULL);
  fail_mount(sync_fd, e, "copy-symlink: create ", op);
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
  int fd = op->dest_nofollow ? open_nofollow(rootfd, op->destination, how)
                             : inroot_open(rootfd, op->destination, how);
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

static void apply_bind(const struct mount_op *op, const char *target, int target_fd, int sync_fd)
{
  if (op->idmap_fd >= 0) {
    /* The idmapped clone made before clone(): attach it. By the target's
     * fd: move_mount refuses a /proc/self/fd/N path (EINVAL). */
    long r = target_fd >= 0 ? syscall(SYS_move_mount, op->idmap_fd, "", target_fd, "",
                                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                            : syscall(SYS_move_mount, op->idmap_fd, "", AT_FDCWD, target,
                                      MOVE_MOUNT_F_EMPTY_PATH);
    if (r < 0)
      sync_fail(sync_fd, errno, "attach idmapped mount ", op->source, " on ", op->destination);
    return;
  }
  unsigned long flags = MS_BIND | (op->recursive ? MS_REC : 0);
  const char *source = op->source;
  char source_path[64];
  int source_fd = -1;
  if (op->src_nofollow) {
    /* The fd's /proc path reaches a symlink itself: a magic link's target
     * is not followed again. */
    source_fd = open(op->source, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (source_fd < 0)
      sync_fail(sync_fd, errno, "bind mount ", op->source, ": open the source", NULL);
    source = inroot_fd_path(source_fd, source_path, sizeof(source_path));
  }
  if (mount(source, target, NULL, flags, NULL) < 0)
    sync_fail(sync_fd, errno, "bind mount ", op->source, " on ", op->destination);
  if (source_fd >= 0)
    close(source_fd);
}

/* The container's own cgroups, never the host's tree (cgroup/mount.h):
 * the top here, the tmpfs's content once reopened (finish_mount). */
static void apply_cgroup(const struct plan *plan, const struct mount_op *op, const char *target,
                         int sync_fd)
{
  const char *what = "";
  int r = cg_mount_top(&plan->cgroup_mount, target, op->flags, &what);
  if (r < 0)
    sync_fail(sync_fd, -r, what, " ", op->destination, NULL);
}

/* Whether the cgroup mount needs cg_mount_fill once reopened. */
static bool cgroup_tree(const struct plan *plan, const struct mount_op *op)
{
  return op->kind == MOUNT_CGROUP &&
         (plan->cgroup_mount.how != CG_MOUNT_V2 || !plan->cgroup_mount.fresh_v2);
}

/* Returns true when it fell back to a bind of the host's /sys, which still
 * needs op->flags applied (finish_host_bind). */
static bool apply_fs(const struct mount_op *op, const char *target, int sync_fd)
{
  /* tmpcopyup fills the tmpfs first: read-only comes after the copy. */
  unsigned long flags = op->tmpcopyup ? op->flags & ~(unsigned long)MS_RDONLY : op->flags;
  if (mount(op->source ? op->source : op->fstype, target, op->fstype, flags, op->data) == 0)
    return false;
  int e = errno;
  /* Without its own network namespace, sysfs cannot be mounted (EPERM in a
   * user namespace, EBUSY elsewhere): show the host's, as runc does. */
  if (op->kind == MOUNT_SYSFS && (e == EPERM || e == EBUSY)) {
    if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0)
      return true;
    e = errno;
  }
  sync_fail(sync_fd, e, "mount ", op->fstype, " on ", op->destination);
}

/* The recursive binds of host trees get the config's flags on every mount,
 * checked: a failure is an error, never a writable host /sys. */
static void finish_host_bind(const struct mount_op *op, const char *target, int sync_fd)
{
  const char *what = "";
  int r = hostbind_restrict(target, op->flags, op->host_submounts, op->n_host_submounts, &what);
  if (r < 0)
    sync_fail(sync_fd, -r, what, " ", op->destination, " (a bind of the host's tree)");
  if (r > 0)
    sync_fail(sync_fd, -EPERM, what, " ", op->destination, " (a bind of the host's tree)");
}

/* The recursive options (rro, rnosuid, ...): mount_setattr, or before 5.12
 * a remount of every mount below, each reached inside the root. */
static void set_recursive_attrs(const struct mount_op *op, int rootfd, int target_fd, int sync_fd)
{
  const char *what = "";
  int r = recattr_apply(rootfd, target_fd, op->attr_set, op->attr_clr, &what);
  if (r == -EOPNOTSUPP)
    sync_fail(sync_fd, EOPNOTSUPP, "mount option rnosymfollow on ", op->destination,
              ": not supported by this kernel (needs Linux 5.10)", NULL);
  if (r < 0)
    fail_mount(sync_fd, -r, what, op);
}

/* Whether finish_mount has anything to do for `op`. */
static bool needs_finish(const struct plan *plan, const struct mount_op *op)
{
  return (op->bind && op->remount) || op->attr_set || op->attr_clr || op->propagation ||
         cgroup_tree(plan, op) || op->tmpcopyup || (op->flags & MS_NOSYMFOLLOW);
}

/* Kernels before 5.10 ignore the MS_NOSYMFOLLOW bit: check it took. */
static void check_nosymfollow(const struct mount_op *op, const char *target, int sync_fd)
{
  struct statfs sfs;
  if (statfs(target, &sfs) < 0)
    fail_mount(sync_fd, errno, "check nosymfollow on ", op);
  if (!(sfs.f_flags & ST_NOSYMFOLLOW))
    sync_fail(sync_fd, -EOPNOTSUPP, "mount option nosymfollow on ", op->destination,
              ": not supported by this kernel (needs Linux 5.10)", NULL);
}

/* tmpcopyup: `below` (the image's directory, opened before the tmpfs went
 * over it) is copied into the new tmpfs at target; a read-only tmpfs was
 * mounted writable for that and turns read-only now. */
static void finish_tmpcopyup(const struct mount_op *op, const char *target, int below, int sync_fd)
{
  int above = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (above < 0)
    fail_mount(sync_fd, errno, "tmpcopyup: open the new tmpfs on ", op);
  int r = copyup_tree(below, above);
  if (r < 0)
    sync_fail(sync_fd, -r, "tmpcopyup: copy the image's ", op->destination, " into the tmpfs",
              NULL);
  close(above);
  if ((op->flags & MS_RDONLY) &&
      mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | op->flags, NULL) < 0)
    fail_mount(sync_fd, errno, "tmpcopyup: make read-only ", op);
}

/* What needs the new mount itself: an fd taken before the mount refers to
 * the directory underneath, so the caller reopens the target first. */
static void finish_mount(const struct plan *plan, const struct mount_op *op, const char *target,
                         int below, bool host_bind, int rootfd, int target_fd, int sync_fd)
{
  if (op->tmpcopyup)
    finish_tmpcopyup(op, target, below, sync_fd);
  if (cgroup_tree(plan, op)) {
    const char *what = "";
    int r = cg_mount_fill(&plan->cgroup_mount, target, op->flags, &what);
    if (r < 0)
      sync_fail(sync_fd, -r, what, " ", op->destination, NULL);
  }
  /* Bind mounts ignore all other flags on the first call. */
  if (op->bind && op->remount &&
      mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | op->flags, NULL) < 0)
    fail_mount(sync_fd, errno, "remount bind mount ", op);
  if (host_bind)
    finish_host_bind(op, target, sync_fd);
  if (op->attr_set | op->attr_clr)
    set_recursive_attrs(op, rootfd, target_fd, sync_fd);
  if (op->propagation && mount(NULL, target, NULL, op->propagation, NULL) < 0)
    fail_mount(sync_fd, errno, "set propagation of ", op);
  if (op->flags & MS_NOSYMFOLLOW)
    check_nosymfollow(op, target, sync_fd);
}

/* tmpcopyup: the image's directory at the destination, opened before the
 * tmpfs hides it; -1 otherwise. */
static int open_below(const struct mount_op *op, const struct mount_point *mp, const char *target,
                      int sync_fd)
{
  if (!op->tmpcopyup)
    return -1;
  int fd = mp->fd >= 0 ? openat(mp->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                       : open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    fail_mount(sync_fd, errno, "tmpcopyup: open the image's directory ", op);
  return fd;
}

void mounts_apply(const struct plan *plan, int rootfd, int sync_fd)
{
  for (size_t i = 0; i < plan->n_mounts; i++) {
    const struct mount_op *op = &plan->mounts[i];
    if (op->symlink_text != NULL) {
      copy_symlink(op, rootfd, sync_fd);
      continue;
    }
    struct mount_point mp;
    const char *target = mount_point_open(op, rootfd, true, &mp, sync_fd);
    int below = open_below(op, &mp, target, sync_fd);
    bool host_bind = false;
    if (op->bind)
      apply_bind(op, target, mp.fd, sync_fd);
    else if (op->kind == MOUNT_CGROUP)
      apply_cgroup(plan, op, target, sync_fd);
    else
      host_bind = apply_fs(op, target, sync_fd);
    bool reopen = mp.fd >= 0;
    mount_point_close(&mp);
    if (!needs_finish(plan, op) && !host_bind)
      continue;
    if (reopen)
      target = mount_point_open(op, rootfd, false, &mp, sync_fd);
    finish_mount(plan, op, target, below, host_bind, rootfd, mp.fd, sync_fd);
    mount_point_close(&mp);
    if (below >= 0)
      close(below);
  }
}

const char *mounts_extra_option(size_t i)
{
  /* The options oci_option() handles (propagation aside: the kernel flag
   * table of mounts/options.c has those names too). */
  static const char *const oci[] = {"tmpcopyup",    "notmpcopyup",   "idmap",       "ridmap",
                                    "src-nofollow", "dest-nofollow", "copy-symlink"};
  size_t n_rec = sizeof(recursive_options) / sizeof(*recursive_options);
  if (i < n_rec)
    return recursive_options[i].name;
  i -= n_rec;
  return i < sizeof(oci) / sizeof(*oci) ? oci[i] : NULL;
}
