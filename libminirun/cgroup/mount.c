/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup/mount.c - the container's own view of its cgroups (see mount.h). */
#define _GNU_SOURCE
#include "mount.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "place.h"

/* The flags a cgroup mount takes from the config; the tree never gets
 * set-uid programs, devices or executables. */
#define CG_MOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME)
#define CG_ALWAYS      (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* "name=systemd" -> "systemd"; others as they are. */
static char *bind_name(const char *controllers)
{
  return strdup(strncmp(controllers, "name=", 5) == 0 ? controllers + 5 : controllers);
}

static int add_links(struct cg_bind *b, const char *controllers)
{
  if (strchr(controllers, ',') == NULL)
    return 0;
  char *copy = strdup(controllers), *save = NULL;
  if (copy == NULL)
    return -ENOMEM;
  int r = 0;
  for (char *c = strtok_r(copy, ",", &save); r == 0 && c; c = strtok_r(NULL, ",", &save)) {
    char **n = realloc(b->links, (b->n_links + 1) * sizeof(*n));
    if (n == NULL || (n[b->n_links] = bind_name(c)) == NULL) {
      if (n != NULL)
        b->links = n;
      r = -ENOMEM;
      break;
    }
    b->links = n;
    b->n_links++;
  }
  free(copy);
  return r;
}

int cg_mount_plan(const struct cg_place *p, bool new_cgroupns, struct cg_mount_plan *out,
                  mr_error **err)
{
  memset(out, 0, sizeof(*out));
  if (p->layout.mode == MR_CGROUP_NONE || p->skipped || p->paths.n == 0)
    return 0; /* an empty tmpfs */
  out->how = p->layout.mode == MR_CGROUP_V2 ? CG_MOUNT_V2 : CG_MOUNT_TREE;
  out->fresh_v2 = new_cgroupns;
  out->binds = calloc(p->paths.n, sizeof(*out->binds));
  if (out->binds == NULL)
    return mr_err_sys(err, ENOMEM, "cgroup mount");
  for (size_t i = 0; i < p->paths.n; i++) {
    const struct cg_hierarchy *h = p->paths.hier[i];
    if (h->v2) {
      if ((out->v2_dir = strdup(p->paths.dirs[i])) == NULL)
        return mr_err_sys(err, ENOMEM, "cgroup mount");
      continue;
    }
    struct cg_bind *b = &out->binds[out->n_binds++];
    b->name = bind_name(h->controllers);
    b->host_dir = strdup(p->paths.dirs[i]);
    if (b->name == NULL || b->host_dir == NULL || add_links(b, h->controllers) < 0)
      return mr_err_sys(err, ENOMEM, "cgroup mount");
  }
  return 0;
}

void cg_mount_plan_free(struct cg_mount_plan *m)
{
  for (size_t i = 0; i < m->n_binds; i++) {
    free(m->binds[i].name);
    free(m->binds[i].host_dir);
    for (size_t k = 0; k < m->binds[i].n_links; k++)
      free(m->binds[i].links[k]);
    free(m->binds[i].links);
  }
  free(m->binds);
  free(m->v2_dir);
  memset(m, 0, sizeof(*m));
}

/* ---- child side: async-signal-safe ---- */

/* dir + "/" + name into buf; false when it does not fit. */
static bool join(char *buf, size_t size, const char *dir, const char *name)
{
  size_t a = strlen(dir), b = strlen(name);
  if (a + 1 + b + 1 > size)
    return false;
  memcpy(buf, dir, a);
  buf[a] = '/';
  memcpy(buf + a + 1, name, b);
  buf[a + 1 + b] = '\0';
  return true;
}

static int bind(const char *src, const char *dst, const char **what)
{
  if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
    *what = "bind the container's cgroup directory on";
    return -errno;
  }
  return 0;
}

/* A bind takes its flags only from a second, remounting call, on the path
 * that reaches the new mount (not an fd opened before it). */
static int restrict_bind(const char *dst, unsigned long flags, const char **what)
{
  if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0) {
    *what = "restrict the cgroup bind on";
    return -errno;
  }
  return 0;
}

static int bind_restricted(const char *src, const char *dst, unsigned long flags, const char **what)
{
  int r = bind(src, dst, what);
  return r < 0 ? r : restrict_bind(dst, flags, what);
}

static int mount_v2(const struct cg_mount_plan *m, const char *dst, unsigned long flags,
                    const char **what)
{
  if (!m->fresh_v2)
    return bind_restricted(m->v2_dir, dst, flags, what);
  /* In the container's new cgroup namespace: its root is the container's
   * cgroup, nothing above shows. */
  if (mount("cgroup2", dst, "cgroup2", flags, NULL) < 0) {
    *what = "mount cgroup2 on";
    return -errno;
  }
  return 0;
}

int cg_mount_top(const struct cg_mount_plan *m, const char *target, unsigned long flags,
                 const char **what)
{
  flags = (flags & CG_MOUNT_FLAGS) | CG_ALWAYS;
  if (m->how == CG_MOUNT_V2 && !m->fresh_v2)
    return bind(m->v2_dir, target, what); /* restricted by cg_mount_fill */
  if (m->how == CG_MOUNT_V2)
    return mount_v2(m, target, flags, what);
  /* Writable until it is filled. */
  if (mount("tmpfs", target, "tmpfs", flags & ~(unsigned long)MS_RDONLY, "mode=755") < 0) {
    *what = "mount the cgroup tmpfs on";
    return -errno;
  }
  return 0;
}

static int make_dir(char *path, const char **what)
{
  if (mkdir(path, 0755) < 0 && errno != EEXIST) {
    *what = "create a cgroup directory in";
    return -errno;
  }
  return 0;
}

int cg_mount_fill(const struct cg_mount_plan *m, const char *target, unsigned long flags,
                  const char **what)
{
  flags = (flags & CG_MOUNT_FLAGS) | CG_ALWAYS;
  if (m->how == CG_MOUNT_V2)
    return m->fresh_v2 ? 0 : restrict_bind(target, flags, what);
  char path[4200];
  int r = 0;
  for (size_t i = 0; r == 0 && i < m->n_binds; i++) {
    const struct cg_bind *b = &m->binds[i];
    if (!join(path, sizeof(path), target, b->name))
      return -ENAMETOOLONG;
    r = make_dir(path, what);
    if (r == 0)
      r = bind_restricted(b->host_dir, path, flags, what);
    for (size_t k = 0; r == 0 && k < b->n_links; k++) {
      if (!join(path, sizeof(path), target, b->links[k]))
        return -ENAMETOOLONG;
      if (symlink(b->name, path) < 0 && errno != EEXIST) {
        *what = "create a cgroup controller link in";
        r = -errno;
      }
    }
  }
  if (r == 0 && m->v2_dir != NULL) {
    if (!join(path, sizeof(path), target, "unified"))
      return -ENAMETOOLONG;
    r = make_dir(path, what);
    if (r == 0)
      r = mount_v2(m, path, flags, what);
  }
  if (r == 0 && (flags & MS_RDONLY) &&
      mount(NULL, target, NULL, MS_REMOUNT | flags, "mode=755") < 0) {
    *what = "make the cgroup tmpfs read-only on";
    r = -errno;
  }
  return r;
}
