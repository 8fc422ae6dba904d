/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "inroot.h"
#include "mounts.h"
#include "sync.h"
#include "util.h"

static const struct {
  const char *path;
  unsigned major, minor;
} default_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static const struct {
  const char *target, *name;
} default_links[] = {
    {"/proc/self/fd", "fd"},
    {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"},
};

static bool config_mounts_dev(const struct spec *s)
{
  for (size_t i = 0; i < s->n_mounts; i++)
    if (s->mounts[i].destination != NULL && strcmp(s->mounts[i].destination, "/dev") == 0)
      return true;
  return false;
}

static bool spec_has_device(const struct spec *s, const char *path)
{
  for (size_t i = 0; i < s->linux_.n_devices; i++)
    if (strcmp(s->linux_.devices[i].path, path) == 0)
      return true;
  return false;
}

static int add_device(const mr_config *config, struct plan *plan, const char *path, mode_t mode,
                      dev_t dev, uid_t uid, gid_t gid, mr_error **err)
{
  struct device_op *d = &plan->devices[plan->n_devices++];
  d->path = path;
  d->mode = mode;
  d->dev = dev;
  d->uid = uid;
  d->gid = gid;
  d->target = util_path_join(config->rootfs, path);
  d->host_path = strdup(path);
  if (d->target == NULL || d->host_path == NULL)
    return mr_err_sys(err, ENOMEM, "devices");
  return 0;
}

static mode_t device_type_bits(char type)
{
  switch (type) {
  case 'b':
    return S_IFBLK;
  case 'p':
    return S_IFIFO;
  default: /* 'c' and 'u' (unbuffered character device) */
    return S_IFCHR;
  }
}

/* The kernel's dev_t has 12 bits of major and 20 of minor (glibc's
 * makedev takes more, and mknod then fails with EOVERFLOW): anything else is
 * refused here rather than truncated into another device's numbers. */
#define DEVICE_MAJOR_MAX 4095
#define DEVICE_MINOR_MAX 1048575

/* "/dev/x", and no ".." that could climb out of /dev. */
static bool path_under_dev(const char *p)
{
  if (strncmp(p, "/dev/", 5) != 0 || p[5] == '\0')
    return false;
  for (const char *c = p + 4; c != NULL; c = strchr(c + 1, '/'))
    if (strncmp(c, "/..", 3) == 0 && (c[3] == '/' || c[3] == '\0'))
      return false;
  return true;
}

static int check_device(const struct spec_device *d, size_t i, mr_error **err)
{
  if (d->path == NULL || d->path[0] != '/')
    return mr_err(err, -EINVAL,
                  "config.json: linux.devices[%zu].path: '%s' is not an absolute path", i,
                  d->path ? d->path : "");
  if (!path_under_dev(d->path))
    return mr_err(err, -EINVAL, "config.json: linux.devices[%zu].path: '%s' is not under /dev", i,
                  d->path);
  if (d->has_file_mode && d->file_mode > 07777)
    return mr_err(err, -EINVAL,
                  "config.json: linux.devices[%zu].fileMode: %u (0%o) has bits beyond 07777", i,
                  d->file_mode, d->file_mode);
  if (d->type == 'p')
    return 0; /* a FIFO has no numbers */
  if (!d->has_major || !d->has_minor)
    return mr_err(err, -EINVAL,
                  "config.json: linux.devices[%zu].%s: missing (required for type %c)", i,
                  d->has_major ? "minor" : "major", d->type);
  if (d->major < 0 || d->major > DEVICE_MAJOR_MAX)
    return mr_err(err, -ERANGE, "config.json: linux.devices[%zu].major: %lld out of range (0-%d)",
                  i, (long long)d->major, DEVICE_MAJOR_MAX);
  if (d->minor < 0 || d->minor > DEVICE_MINOR_MAX)
    return mr_err(err, -ERANGE, "config.json: linux.devices[%zu].minor: %lld out of range (0-%d)",
                  i, (long long)d->minor, DEVICE_MINOR_MAX);
  return 0;
}

static const char *type_name(mode_t type)
{
  return S_ISBLK(type) ? "block device" : S_ISFIFO(type) ? "FIFO" : "character device";
}

/* The host id that container id `id` maps to (false: unmapped). */
static bool map_to_host(const struct spec_id_mapping *m, size_t n, uint32_t id, uint32_t *host)
{
  for (size_t i = 0; i < n; i++)
    if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
      *host = m[i].host_id + (id - m[i].container_id);
      return true;
    }
  return false;
}

/* A new user namespace: the host's node at d->path is bound (mknod is not
 * allowed there). It must be the device asked for - a different one would
 * be silently another device; mode and owner are the host node's own (a
 * chmod or chown of the bind would change the host's node), so a request
 * it does not already satisfy is a warning naming the field. */
static int check_host_device(mr_context *ctx, const mr_config *config, const struct spec_device *d,
                             size_t i, mr_error **err)
{
  const struct spec_linux *l = &config->spec->linux_;
  struct stat st;
  if (stat(d->path, &st) < 0)
    return mr_err_sys(err, errno,
                      "config.json: linux.devices[%zu].path: in a user namespace the host's %s is "
                      "bound (mknod is not allowed there)",
                      i, d->path);
  mode_t type = device_type_bits(d->type);
  if ((st.st_mode & S_IFMT) != type)
    return mr_err(err, -EINVAL,
                  "config.json: linux.devices[%zu].type: in a user namespace the host's %s is "
                  "bound, and it is not a %s",
                  i, d->path, type_name(type));
  if (type != S_IFIFO &&
      (major(st.st_rdev) != (unsigned)d->major || minor(st.st_rdev) != (unsigned)d->minor))
    return mr_err(err, -EINVAL,
                  "config.json: linux.devices[%zu]: in a user namespace the host's %s is bound, "
                  "and it is %u:%u, not %lld:%lld",
                  i, d->path, major(st.st_rdev), minor(st.st_rdev), (long long)d->major,
                  (long long)d->minor);
  static const char why[] = "in a user namespace the host's node is bound as it is (as crun and "
                            "runc do)";
  if (d->has_file_mode && (st.st_mode & 07777) != d->file_mode)
    mr_warn(ctx,
            "config.json: linux.devices[%zu].fileMode: 0%o not applied to %s (host mode 0%o): %s",
            i, d->file_mode, d->path, (unsigned)(st.st_mode & 07777), why);
  uint32_t host;
  if (d->has_uid &&
      (!map_to_host(l->uid_mappings, l->n_uid_mappings, d->uid, &host) || host != st.st_uid))
    mr_warn(ctx, "config.json: linux.devices[%zu].uid: %u not applied to %s (host owner %u): %s", i,
            d->uid, d->path, (unsigned)st.st_uid, why);
  if (d->has_gid &&
      (!map_to_host(l->gid_mappings, l->n_gid_mappings, d->gid, &host) || host != st.st_gid))
    mr_warn(ctx, "config.json: linux.devices[%zu].gid: %u not applied to %s (host group %u): %s", i,
            d->gid, d->path, (unsigned)st.st_gid, why);
  return 0;
}

int devices_plan(mr_context *ctx, const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec *s = config->spec;
  bool defaults = config_mounts_dev(s);
  size_t max =
      s->linux_.n_devices + (defaults ? sizeof(default_devices) / sizeof(*default_devices) : 0);
  if (defaults) {
    plan->dev_dir = util_path_join(config->rootfs, "/dev");
    if (plan->dev_dir == NULL)
      return mr_err_sys(err, ENOMEM, "devices");
  }
  if (max == 0)
    return 0;
  plan->devices = calloc(max, sizeof(*plan->devices));
  if (plan->devices == NULL)
    return mr_err_sys(err, ENOMEM, "devices");
  for (size_t i = 0; defaults && i < sizeof(default_devices) / sizeof(*default_devices); i++) {
    if (spec_has_device(s, default_devices[i].path))
      continue;
    int r = add_device(config, plan, default_devices[i].path, S_IFCHR | 0666,
                       makedev(default_devices[i].major, default_devices[i].minor), 0, 0, err);
    if (r < 0)
      return r;
  }
  for (size_t i = 0; i < s->linux_.n_devices; i++) {
    const struct spec_device *d = &s->linux_.devices[i];
    int r = check_device(d, i, err);
    if (r == 0 && plan->user_ns)
      r = check_host_device(ctx, config, d, i, err);
    if (r < 0)
      return r;
    mode_t perm = d->has_file_mode ? d->file_mode : 0666;
    dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
    r = add_device(config, plan, d->path, device_type_bits(d->type) | perm, dev,
                   d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, err);
    if (r < 0)
      return r;
  }
  return 0;
}

void devices_plan_free(struct plan *plan)
{
  for (size_t i = 0; i < plan->n_devices; i++) {
    free(plan->devices[i].target);
    free(plan->devices[i].host_path);
  }
  free(plan->devices);
  free(plan->dev_dir);
  plan->devices = NULL;
  plan->dev_dir = NULL;
  plan->n_devices = 0;
}

/* ---- child side: async-signal-safe ---- */

/* In a user namespace mknod is not allowed: bind the host's node instead. */
static int bind_host_device(int dirfd, const char *name, const struct device_op *d)
{
  /* An empty regular file as mount point: whatever the image has there (a
   * FIFO would block the open, a symlink lead the bind elsewhere) goes. */
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0000);
  if (fd < 0 && errno == EEXIST) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return -errno;
    if (!S_ISREG(st.st_mode) && unlinkat(dirfd, name, 0) < 0)
      return -errno;
    if (!S_ISREG(st.st_mode))
      fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0000);
  }
  if (fd < 0 && errno != EEXIST)
    return -errno;
  if (fd >= 0)
    close(fd);
  fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  char target[64];
  int r = mount(d->host_path, inroot_fd_path(fd, target, sizeof(target)), NULL, MS_BIND, NULL);
  r = r < 0 ? -errno : 0;
  close(fd);
  return r;
}

static int make_node(int dirfd, const char *name, const struct device_op *d)
{
  if (mknodat(dirfd, name, d->mode, d->dev) < 0) {
    if (errno != EEXIST)
      return -errno;
    /* A node from the image: replace it so type and numbers are ours. */
    if (unlinkat(dirfd, name, 0) < 0 || mknodat(dirfd, name, d->mode, d->dev) < 0)
      return -errno;
  }
  if ((d->uid != 0 || d->gid != 0) &&
      fchownat(dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  /* Exact whatever the umask, and after chown (which clears set-id bits). */
  if (fchmodat(dirfd, name, d->mode & 07777, 0) < 0)
    return -errno;
  return 0;
}

static int make_device(const struct plan *plan, int rootfd, const struct device_op *d)
{
  const char *name;
  int dirfd = inroot_open_parent(rootfd, d->path, true, &name);
  if (dirfd < 0)
    return dirfd;
  int r = plan->user_ns ? bind_host_device(dirfd, name, d) : make_node(dirfd, name, d);
  close(dirfd);
  return r;
}

static void make_link(int devfd, const char *target, const char *name, int sync_fd)
{
  if (symlinkat(target, devfd, name) < 0 && errno != EEXIST)
    sync_fail(sync_fd, errno, "create /dev/", name, NULL, NULL);
}

void devices_apply(const struct plan *plan, int rootfd, int sync_fd)
{
  for (size_t i = 0; i < plan->n_devices; i++) {
    int r = make_device(plan, rootfd, &plan->devices[i]);
    if (r < 0)
      sync_fail(sync_fd, -r, "create device ", plan->devices[i].path, NULL, NULL);
  }
  if (plan->dev_dir == NULL)
    return;
  int devfd = inroot_open(rootfd, "/dev", INROOT_DIR);
  if (devfd < 0)
    sync_fail(sync_fd, -devfd, "open /dev", NULL, NULL, NULL);
  for (size_t i = 0; i < sizeof(default_links) / sizeof(*default_links); i++)
    make_link(devfd, default_links[i].target, default_links[i].name, sync_fd);
  if (plan->dev_pts_target != NULL) {
    unlinkat(devfd, "ptmx", 0);
    make_link(devfd, "pts/ptmx", "ptmx", sync_fd);
  }
  if (mkdirat(devfd, "shm", 01777) < 0 && errno != EEXIST)
    sync_fail(sync_fd, errno, "create /dev/shm", NULL, NULL, NULL);
  close(devfd);
}
