/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * idmap.h - idmapped bind mounts ("idmap"/"ridmap" options and per-mount
 * uidMappings/gidMappings), prepared before clone.
 *
 * The kernel maps a mount's ids through a user namespace (mount_setattr
 * MOUNT_ATTR_IDMAP, Linux 5.12). We build one with the requested maps in a
 * short-lived helper process, clone the source as a detached mount
 * (open_tree OPEN_TREE_CLONE), idmap it, and hand the mount fd to the child,
 * which attaches it with move_mount.
 */
#ifndef MR_IDMAP_H
#define MR_IDMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "../error.h"
#include "../spec.h"

struct idmap_request {
  const char *source; /* host path of the bind source */
  bool tree;          /* rbind: clone the whole tree */
  bool recursive;     /* ridmap: idmap every mount of the tree */
  const struct spec_id_mapping *uids, *gids;
  size_t n_uids, n_gids;
  const char *what; /* "mounts[3] (/data)" for messages */
};

/* A detached, idmapped mount of req->source (O_CLOEXEC fd) into *out, or a
 * negative code with *err naming the missing kernel feature or the field. */
int idmap_open_mount(const struct idmap_request *req, int *out, mr_error **err);

#endif /* MR_IDMAP_H */
