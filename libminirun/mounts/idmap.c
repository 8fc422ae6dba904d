/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mount-api.h"
#include "../util.h"

/* "containerID hostID size" lines, as /proc/PID/uid_map wants them. */
static int format_map(const struct spec_id_mapping *m, size_t n, const char *what,
                      const char *field, char **out, mr_error **err)
{
  size_t cap = n * 36 + 1, used = 0;
  char *text = malloc(cap);
  if (text == NULL)
    return mr_err_sys(err, ENOMEM, "id map");
  text[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (m[i].size == 0 || (uint64_t)m[i].container_id + m[i].size > UINT32_MAX ||
        (uint64_t)m[i].host_id + m[i].size > UINT32_MAX) {
      free(text);
      return mr_err(err, -EINVAL, "config.json: %s.%s[%zu]: empty or overflowing range", what,
                    field, i);
    }
    used += (size_t)snprintf(text + used, cap - used, "%u %u %u\n", m[i].container_id, m[i].host_id,
                             m[i].size);
  }
  *out = text;
  return 0;
}

static int write_map(pid_t pid, const char *file, const char *text, mr_error **err)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return mr_err_sys(err, errno, "idmapped mount: open %s", path);
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  if (n != (ssize_t)strlen(text))
    return mr_err_sys(err, n < 0 ? e : EIO, "idmapped mount: write %s", file);
  return 0;
}

/* A user namespace with the given maps, as an O_RDONLY fd: the namespace of
 * a helper that only waits to be killed (we create and reap it ourselves;
 * no exit signal, so the caller's SIGCHLD handling never sees it). */
static int userns_with_maps(const char *uid_map, const char *gid_map, int *out, mr_error **err)
{
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER, 0, 0, 0, 0);
  if (pid < 0)
    return mr_err_sys(err, errno, "idmapped mount: create a user namespace");
  if (pid == 0) {
    for (;;)
      pause();
  }
  int r = write_map(pid, "uid_map", uid_map, err);
  if (r == 0)
    r = write_map(pid, "gid_map", gid_map, err);
  if (r == 0) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
    *out = open(path, O_RDONLY | O_CLOEXEC);
    if (*out < 0)
      r = mr_err_sys(err, errno, "idmapped mount: open %s", path);
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
    ;
  return r;
}

static int clone_and_idmap(const struct idmap_request *req, int userns, int *out, mr_error **err)
{
  unsigned flags = MR_OPEN_TREE_CLONE | MR_OPEN_TREE_CLOEXEC | (req->tree ? AT_RECURSIVE : 0);
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, req->source, flags);
  if (fd < 0 && errno == ENOSYS)
    return mr_err(err, -ENOSYS,
                  "config.json: %s: idmapped mounts need open_tree (Linux 5.2) and "
                  "mount_setattr (Linux 5.12); this kernel has neither",
                  req->what);
  if (fd < 0)
    return mr_err_sys(err, errno, "config.json: %s: clone %s", req->what, req->source);
  struct mount_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = (uint64_t)userns;
  unsigned at = AT_EMPTY_PATH | (req->recursive ? AT_RECURSIVE : 0);
  if (syscall(SYS_mount_setattr, fd, "", at, &attr, sizeof(attr)) < 0) {
    int e = errno;
    close(fd);
    if (e == ENOSYS)
      return mr_err(err, -ENOSYS,
                    "config.json: %s: idmapped mounts need mount_setattr (Linux 5.12)", req->what);
    if (e == EINVAL)
      return mr_err(err, -EINVAL,
                    "config.json: %s: the file system of %s does not support idmapped mounts "
                    "on this kernel (MOUNT_ATTR_IDMAP refused)",
                    req->what, req->source);
    return mr_err_sys(err, e, "config.json: %s: idmap %s", req->what, req->source);
  }
  *out = fd;
  return 0;
}

int idmap_open_mount(const struct idmap_request *req, int *out, mr_error **err)
{
  cleanup_free char *uid_map = NULL;
  cleanup_free char *gid_map = NULL;
  int r = format_map(req->uids, req->n_uids, req->what, "uidMappings", &uid_map, err);
  if (r == 0)
    r = format_map(req->gids, req->n_gids, req->what, "gidMappings", &gid_map, err);
  if (r < 0)
    return r;
  int userns = -1;
  r = userns_with_maps(uid_map, gid_map, &userns, err);
  if (r < 0)
    return r;
  r = clone_and_idmap(req, userns, out, err);
  close(userns);
  return r;
}
