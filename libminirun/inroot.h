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
 * or -errno. By openat2(RESOLVE_IN_ROOT), or by inroot_walk() where the
 * kernel has no openat2 (before 5.6): never by host path. */
int inroot_open(int rootfd, const char *path, enum inroot_create create);
/* An O_PATH fd of the directory that holds `path` (created when `create`),
 * and in *name its last component; or -errno. */
int inroot_open_parent(int rootfd, const char *path, bool create, const char **name);
/* The userspace RESOLVE_IN_ROOT (inroot-walk.c): an fd of `path` resolved
 * below rootfd one component at a time, symlinks resolved inside the root
 * ("/" and ".." stop at the root, at most 40 links: -ELOOP). `flags`: O_PATH
 * plus optionally O_DIRECTORY, O_NOFOLLOW (of the last component). */
int inroot_walk(int rootfd, const char *path, int flags);
/* "/proc/self/fd/N" into buf: the path by which mount(2) reaches an fd. */
const char *inroot_fd_path(int fd, char *buf, size_t size);

#endif /* MR_INROOT_H */
