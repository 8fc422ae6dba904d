/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "image/image.h"
#include "sync.h"
#include "util.h"

static const struct {
  const char *name;
  unsigned long flags;
} propagations[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_REC | MS_PRIVATE},
    {"slave", MS_SLAVE},           {"rslave", MS_REC | MS_SLAVE},
    {"shared", MS_SHARED},         {"rshared", MS_REC | MS_SHARED},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_REC | MS_UNBINDABLE},
};

/* The org.minirun.rootfs.* annotations shape an image root (image/): on a
 * directory they would be ignored, so they are refused. */
static int dir_annotations_check(const struct spec *spec, mr_error **err)
{
  static const char prefix[] = "org.minirun.rootfs.";
  for (size_t i = 0; i < spec->n_annotations; i++)
    if (strncmp(spec->annotations[i].key, prefix, sizeof(prefix) - 1) == 0)
      return mr_err(err, -EINVAL,
                    "config.json: annotations: %s: root.path is a directory, not an image",
                    spec->annotations[i].key);
  return 0;
}

int rootfs_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  char resolved[PATH_MAX];
  if (realpath(config->rootfs, resolved) == NULL)
    return mr_err_sys(err, errno, "config.json: root.path: rootfs %s", config->rootfs);
  struct stat st;
  if (stat(resolved, &st) < 0)
    return mr_err_sys(err, errno, "config.json: root.path: rootfs %s", config->rootfs);
  int r = S_ISDIR(st.st_mode) ? dir_annotations_check(config->spec, err)
                              : image_root_plan(config, plan, resolved, err);
  if (r < 0)
    return r;
  /* An image's mount point is known once the state directory exists. */
  if (S_ISDIR(st.st_mode) && (plan->rootfs = strdup(resolved)) == NULL)
    return mr_err_sys(err, ENOMEM, "rootfs");
  plan->readonly = config->spec->root.readonly;
  plan->rootfs_propagation = MS_REC | MS_PRIVATE;
  const char *p = config->spec->linux_.rootfs_propagation;
  if (p == NULL || *p == '\0')
    return 0;
  for (size_t i = 0; i < sizeof(propagations) / sizeof(*propagations); i++) {
    if (strcmp(p, propagations[i].name) == 0) {
      plan->rootfs_propagation = propagations[i].flags;
      plan->rootfs_propagation_set = true;
      return 0;
    }
  }
  return mr_err(err, -EINVAL, "config.json: linux.rootfsPropagation: unknown value '%s'", p);
}

/* ---- child side: async-signal-safe ---- */

int rootfs_prepare(const struct plan *plan, int sync_fd)
{
  /* Nothing we mount may reach the host. pivot_root refuses shared mounts,
   * so a "shared" request is applied to the new root after the pivot. */
  unsigned long prop = plan->rootfs_propagation;
  if (prop & MS_SHARED)
    prop = MS_REC | MS_PRIVATE;
  if (mount(NULL, "/", NULL, prop, NULL) < 0)
    sync_fail(sync_fd, errno, "set propagation of /", NULL, NULL, NULL);
  /* pivot_root needs the new root to be a mount point: an image's root
   * (image/) is attached there; a directory is bound onto itself. */
  if (plan->image != NULL)
    return image_root_attach(plan, sync_fd);
  if (mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    sync_fail(sync_fd, errno, "bind mount rootfs ", plan->rootfs, NULL, NULL);
  /* Opened after the bind: an fd taken before would see beneath it. */
  int fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    sync_fail(sync_fd, errno, "open rootfs ", plan->rootfs, NULL, NULL);
  return fd;
}

/* initramfs roots cannot be pivoted away from: move the rootfs over / and
 * chroot into it instead. */
static void enter_by_move(const struct plan *plan, int sync_fd)
{
  /* An image's root (image/) is on top of / already, unless an old kernel
   * had it mounted at plan->rootfs; the cwd is the root either way. */
  bool on_top = plan->image != NULL && !image_root_classic(plan);
  if (!on_top && mount(".", "/", NULL, MS_MOVE, NULL) < 0)
    sync_fail(sync_fd, errno, "move rootfs ", plan->rootfs, " to /", NULL);
  if (chroot(".") < 0)
    sync_fail(sync_fd, errno, "chroot ", plan->rootfs, NULL, NULL);
}

/* The old root now sits on top of the new one. Make it a slave first so
 * that detaching it cannot propagate an unmount to the host. It is reached
 * through an fd taken before the pivot: to mount(2), "." names the new root,
 * and a recursive MS_SLAVE there would reset the propagation the config
 * asked for on every container mount (shared, slave...). */
static void detach_old_root(int oldroot, int sync_fd)
{
  if (fchdir(oldroot) < 0)
    sync_fail(sync_fd, errno, "enter old root", NULL, NULL, NULL);
  close(oldroot);
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    sync_fail(sync_fd, errno, "make old root a slave", NULL, NULL, NULL);
  if (umount2(".", MNT_DETACH) < 0)
    sync_fail(sync_fd, errno, "detach old root", NULL, NULL, NULL);
}

void rootfs_enter(const struct plan *plan, int sync_fd)
{
  int oldroot = plan->no_pivot ? -1 : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (!plan->no_pivot && oldroot < 0)
    sync_fail(sync_fd, errno, "open old root", NULL, NULL, NULL);
  if ((plan->image != NULL ? image_root_chdir(plan) : chdir(plan->rootfs)) < 0)
    sync_fail(sync_fd, errno, "chdir ", plan->rootfs, NULL, NULL);
  if (plan->no_pivot) {
    enter_by_move(plan, sync_fd);
  } else if (syscall(SYS_pivot_root, ".", ".") == 0) {
    detach_old_root(oldroot, sync_fd);
  } else if (errno == EINVAL) {
    close(oldroot);
    enter_by_move(plan, sync_fd);
  } else {
    sync_fail(sync_fd, errno, "pivot_root ", plan->rootfs, NULL, NULL);
  }
  if (chdir("/") < 0)
    sync_fail(sync_fd, errno, "chdir /", NULL, NULL, NULL);
  if ((plan->rootfs_propagation & MS_SHARED) &&
      mount(NULL, "/", NULL, plan->rootfs_propagation, NULL) < 0)
    sync_fail(sync_fd, errno, "set rootfs propagation", NULL, NULL, NULL);
}

/* A read-only remount must keep the flags the kernel locked on the mount
 * (nosuid, nodev, ... inherited in a user namespace) or it fails EPERM:
 * the MS_* flags matching statfs's ST_* bits `st_flags`. */
unsigned long rootfs_locked_flags_of(unsigned long st_flags)
{
  static const struct {
    unsigned long st, ms;
  } map[] = {{ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
             {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  unsigned long flags = 0;
  for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
    if (st_flags & map[i].st)
      flags |= map[i].ms;
  return flags;
}

unsigned long rootfs_locked_flags(const char *path)
{
  struct statfs sfs;
  if (statfs(path, &sfs) < 0)
    return 0;
  return rootfs_locked_flags_of((unsigned long)sfs.f_flags);
}

void rootfs_finish(const struct plan *plan, int sync_fd)
{
  if (!plan->readonly)
    return;
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | rootfs_locked_flags("/");
  if (mount(NULL, "/", NULL, flags, NULL) < 0)
    sync_fail(sync_fd, errno, "remount rootfs read-only", NULL, NULL, NULL);
}
