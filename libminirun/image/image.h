/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image.h - rootfs images: a root.path that names a squashfs or EROFS file.
 *
 * The image is mounted read-only (nodev, nosuid) with a writable overlay on
 * top: upper/work on a tmpfs private to the container, or in a persistent
 * host directory (annotations, see image.c). root.readonly: the image mount
 * itself is the root. Everything is prepared by the parent before clone:
 *
 *   image_root_plan()   rootfs_plan: detect the format, read annotations
 *   image_root_setup()  create, once the state directory exists: check the
 *                       digest, record the images used, take references on
 *                       their shared read-only mounts (layers.h: mounted by
 *                       the first user, loop device and all), build the
 *                       container's detached mounts (an open_tree clone,
 *                       fsopen/fsmount for tmpfs and overlay) - the host
 *                       namespace never sees those
 *   image_root_attach() the child (async-signal-safe): attaches the root on
 *                       top of / of its mount namespace (move_mount), and
 *                       pivot_root goes by the mount's fd; on kernels
 *                       without the new mount API (< 5.2) it mounts the
 *                       image, the tmpfs and the overlay itself with
 *                       mount(2), at plan->rootfs (IMAGE_ROOT_DIR)
 *   image_root_destroy() delete, and a failed create: frees what the state
 *                       directory records (references on shared mounts,
 *                       directories)
 *
 * Built from Makefile.am's IMAGE_SOURCES; `./configure --disable-images`
 * builds image/disabled.c instead, which refuses every image.
 */
#ifndef MR_IMAGE_H
#define MR_IMAGE_H

#include <stdbool.h>
#include <sys/types.h>

#include "../plan.h"

enum image_format { IMAGE_SQUASHFS = 1, IMAGE_EROFS };

/* Mounts the child makes itself when the kernel lacks the new mount API. */
struct image_classic {
  bool active;
  char *source;       /* "/dev/loopN" */
  const char *fstype; /* "squashfs", "erofs" */
  char *lower;        /* mount point of the image (plan->rootfs when read-only) */
  char *upper_base;   /* the tmpfs mount point, or the persistent directory */
  bool upper_tmpfs;
  char *upper, *work; /* upper_base/upper, upper_base/work */
  mode_t upper_mode;  /* of the image's root directory */
  char *tmpfs_data;   /* "mode=0755[,size=N]" */
  char *overlay_data; /* "lowerdir=...,upperdir=...,workdir=..." */
};

struct image_root {
  enum image_format format;
  char *path;       /* realpath of the image, for messages */
  int file_fd;      /* the image, O_RDONLY: every later step uses this fd */
  bool overlay;     /* false with root.readonly: the image is the root */
  char *upper_dir;  /* org.minirun.rootfs.upper, or NULL: a private tmpfs */
  char *upper_size; /* org.minirun.rootfs.upper-size, or NULL */
  bool has_digest;  /* org.minirun.rootfs.sha256 (verify.h) */
  unsigned char digest[32];
  struct image_layers *layers; /* org.minirun.rootfs.layers (layers.h), or NULL */
  bool stacked;                /* layers: an overlay even with root.readonly (no upper) */
  /* filled by image_root_setup() */
  int loop_fd, loop_nr; /* -1 without a loop device */
  int root_fd;          /* detached mount the child attaches, or -1 (classic) */
  struct image_classic classic;
};

/* Names of the image's files in the container's state directory (the loop
 * device record is in the shared image's directory, layer-store.c; older
 * state directories may still hold one). */
#define IMAGE_RECORD_FILE "image.loop" /* "N DEV INO\n": the loop device */
#define IMAGE_ROOT_DIR    "image.root" /* the root's mount point (old kernels) */
#define IMAGE_LOWER_DIR   "image.lower"
#define IMAGE_UPPER_DIR   "image.upper"
#define IMAGE_CLAIM_FILE  "image.upper-claim" /* a persistent upper held (upper.c) */

/* Parent, before clone: root.path (`path`, realpath()ed, not a directory)
 * becomes the container's root: plan->image is set. Errors name root.path
 * or the annotation. */
int image_root_plan(const mr_config *config, struct plan *plan, const char *path, mr_error **err);
/* Parent, after the state directory `dir` (locked fd `dirfd`) of container
 * `id` was created and before clone; no-op without plan->image. Sets
 * plan->rootfs (the mount point on old kernels, else the image's path: in
 * messages only). */
int image_root_setup(mr_context *ctx, struct plan *plan, const char *id, int dirfd, const char *dir,
                     mr_error **err);
/* Whether the child mounts the root with mount(2) at plan->rootfs (no new
 * mount API) rather than attaching it on top of /. */
bool image_root_classic(const struct plan *plan);
/* Child, async-signal-safe: attaches the root (on top of / of its mount
 * namespace; classically at plan->rootfs) and returns an O_PATH fd of it.
 * Everything after goes by that fd (image_root_chdir()): in a user
 * namespace the state directory's path is not searchable. */
int image_root_attach(const struct plan *plan, int sync_fd);
/* Child, async-signal-safe: chdir() into the root; -1 with errno. */
int image_root_chdir(const struct plan *plan);
/* Create of any container `id` (an image root or not), once its state
 * directory exists: drops the references an earlier container of that id
 * left on shared image mounts when its state was lost (layers.h), so they
 * keep no image mounted. Failures are logged, not fatal: such a reference
 * is pruned by the image's next user anyway. */
void image_id_forget(mr_context *ctx, const char *id);
/* Frees what the state directory `dirfd` of container `id` records (loop
 * device, image directories, references; then any reference named `id`
 * that it does not record); a container without an image root has nothing
 * recorded. */
int image_root_destroy(mr_context *ctx, int dirfd, const char *id, mr_error **err);
/* Closes and frees plan->image. */
void image_root_free(struct plan *plan);

/* --- internal to libminirun/image/ --- */

/* detect.c: refuses `path` (named `name` in the error) unless it is a
 * regular file or a directory, before anything opens it: opening a device
 * node can have effects (a watchdog starts ticking), and a FIFO's open
 * blocks. */
int image_check_type(const char *path, const char *name, mr_error **err);
/* detect.c: the format of the open image `fd` from its magic and size. */
int image_detect(int fd, const char *name, enum image_format *format, mr_error **err);
/* loop.c: attaches `file_fd` read-only, autoclear, to a free loop device;
 * the device number is recorded in `dirfd` before it is configured. */
int image_loop_attach(mr_context *ctx, struct image_root *im, int dirfd, mr_error **err);
/* loop.c: detaches the recorded loop device if it is still bound to the
 * recorded file (dev, ino). */
int image_loop_release(mr_context *ctx, int dirfd, mr_error **err);
/* lower.c: the image mounted read-only: a detached mount fd (> 0), or 0
 * when the kernel lacks the new mount API (im->classic is to be used). */
int image_lower_mount(mr_context *ctx, struct image_root *im, int dirfd, mr_error **err);
/* overlay.c: the overlay over `lower_fd` (and the stacked layers below it)
 * as a detached mount fd. */
int image_overlay_mount(mr_context *ctx, struct image_root *im, int lower_fd, mr_error **err);
/* overlay.c: the strings the child needs to mount it classically. */
int image_overlay_classic(struct image_root *im, const char *dir, mr_error **err);
/* upper.c: claims the persistent upper directory for the container whose
 * state directory is `dir` (-EBUSY when another one holds it); recorded in
 * `dirfd` first. No-op without one. */
int image_upper_claim(mr_context *ctx, const struct image_root *im, int dirfd, const char *dir,
                      mr_error **err);
/* upper.c: releases the claim the state directory `dirfd` records. */
int image_upper_release(mr_context *ctx, int dirfd, mr_error **err);
/* fsmount.c: the new mount API, and the kernel's own message after a
 * failed fsconfig (appended to `err`). */
int image_fsopen(const char *fstype);
int image_fsconfig_string(int fs, const char *key, const char *value);
int image_fsconfig_fd(int fs, const char *key, int fd);
int image_fsconfig_flag(int fs, const char *key);
int image_fsmount(int fs, const char *what, const char *name, unsigned attrs, mr_error **err);

#endif /* MR_IMAGE_H */
