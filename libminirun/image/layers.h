/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * layers.h - the images of an image root, mounted once and shared:
 * root.path itself and the stacked lower layers the annotation
 * org.minirun.rootfs.layers lists (images or directories, top first, below
 * root.path in the root's overlay). An image is mounted once, in a shared
 * place under the state root, and every container that uses it holds a
 * reference (layer-store.c); the last one to go unmounts it and so frees
 * its loop device. One shared mount rather than one per container:
 * bench/image.sh measured it faster, and the image's pages are cached once.
 */
#ifndef MR_IMAGE_LAYERS_H
#define MR_IMAGE_LAYERS_H

#include <stdbool.h>
#include <stddef.h>

#include "../context.h"
#include "../security/sha256.h"
#include "../spec.h"
#include "image.h"

#define IMAGE_ANN_LAYERS        "org.minirun.rootfs.layers"
#define IMAGE_ANN_LAYERS_SHA256 "org.minirun.rootfs.layers.sha256"
/* In the container's state directory: its id, then one layer key a line. */
#define IMAGE_LAYERS_RECORD "image.layers"
/* Under the state root: the shared mounts (hidden: never a container id). */
#define IMAGE_LAYER_STORE ".layers"

struct image_layer {
  char *path;        /* realpath of the layer, for messages and directory lowers */
  const char *field; /* what names it in errors: root.path or the annotation */
  int fd;            /* the image (O_RDONLY), or -1 for a directory */
  enum image_format format;
  char key[96];   /* "<dev>-<ino>-<ctime>@<mntns>": its place in the store */
  char *lowerdir; /* what goes into the overlay's lowerdir (after acquire) */
  bool has_digest;
  unsigned char digest[SHA256_LEN];
};

struct image_layers {
  struct image_layer root; /* root.path's image (fd -1: none) */
  struct image_layer *v;   /* the stacked layers, top first */
  size_t n;
  unsigned long long mntns; /* the runtime's mount namespace (inode): in every key */
};

/* Plan: reads the annotations of `spec` (none: l->n == 0), opens and
 * checks every layer. Errors name the annotation and the layer. */
int image_layers_plan(const struct spec *spec, struct image_layers *l, mr_error **err);
/* Plan: root.path's image (open at `fd`, not taken over) is shared too. */
int image_layers_set_root(struct image_layers *l, const char *path, int fd,
                          enum image_format format, mr_error **err);
/* Setup, after the state directory `dirfd` of container `id` exists:
 * verifies each layer with a digest, records the root's and layers' keys
 * there, then takes a reference on each shared mount (mounting it when it
 * is the first) and sets lowerdir of the root and every layer. */
int image_layers_acquire(mr_context *ctx, const char *id, struct image_layers *l, int dirfd,
                         mr_error **err);
/* Setup: a detached clone of the root image's shared mount (open_tree);
 * -ENOSYS without the new mount API (then mount --bind lowerdir). */
int image_layers_root_mount(const struct image_layers *l, mr_error **err);
/* Delete (and a failed create): drops the references the state directory
 * `dirfd` records; the last user of a layer unmounts it. */
int image_layers_release(mr_context *ctx, int dirfd, mr_error **err);
void image_layers_free(struct image_layers *l);

/* layer-store.c */
int layer_store_acquire(mr_context *ctx, const char *id, struct image_layer *layer, mr_error **err);
int layer_store_release(mr_context *ctx, const char *id, const char *key, mr_error **err);
/* layer-store.c: drops every reference named `id` (create of an id, before
 * it takes its own; delete, after its recorded ones are released): an
 * earlier container of that id whose state was lost may have left one, and
 * it must not keep a layer mounted. */
int layer_store_forget(mr_context *ctx, const char *id, mr_error **err);

#endif /* MR_IMAGE_LAYERS_H */
