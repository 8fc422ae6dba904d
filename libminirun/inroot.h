/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inroot.h - paths inside the container's rootfs, resolved as if the rootfs
 * were "/" (openat2 RESOLVE_IN_ROOT), before pivot_root.
 *
 * A hostile image may hold symlinks such as /data -> /etc; resolving
 * "rootfs/data/x" as a host path would create files, directories or device
 * nodes on the host. Everything the child creates or mounts under the
 * rootfs goes through here. Child side: async-signal-safe.
 */
#ifndef MR_INROOT_H
#define MR_INROOT_H

#include <stdbool.h>
#include <sys/types.h>

enum inroot_create {
  INROOT_EXISTING, /* fail with -ENOENT when missing */
  INROOT_DIR,      /* create missing directories, the last one included */
  INROOT_FILE,     /* create missing parent directories and an empty file */
};

/* An O_PATH fd of `path` (absolute, in the container's view) below rootfd,
 * or -errno. -ENOSYS: the kernel has no openat2 (before 5.6). */
int inroot_open(int rootfd, const char *path, enum inroot_create create);
/* An O_PATH fd of the directory that holds `path` (created when `create`),
 * and in *name its last component; or -errno. */
int inroot_open_parent(int rootfd, const char *path, bool create, const char **name);
/* "/proc/self/fd/N" into buf: the path by which mount(2) reaches an fd. */
const char *inroot_fd_path(int fd, char *buf, size_t size);

#endif /* MR_INROOT_H */
