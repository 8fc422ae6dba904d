/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify.h - an image file's SHA-256 checked against an annotation, with a
 * cache of digests already computed so a hot start does not re-hash.
 *
 * The annotation (IMAGE_ANN_SHA256 for the root image) holds 64 hex digits,
 * optionally prefixed "sha256:" as OCI digests are. The file is hashed
 * through the descriptor the image will be mounted from, never re-opened by
 * path, so what was hashed is the file that is used (see the README, "Image
 * integrity", for what this does and does not protect against).
 */
#ifndef MR_IMAGE_VERIFY_H
#define MR_IMAGE_VERIFY_H

#include "../context.h"
#include "../security/sha256.h"

#define IMAGE_ANN_SHA256 "org.minirun.rootfs.sha256"
/* The cache's directory under the state root (hidden names are never
 * container ids: see mr_id_validate). */
#define IMAGE_DIGEST_CACHE ".image-digests"

/* Parses `value` into a digest; errors name `field` (e.g. "config.json:
 * annotations: org.minirun.rootfs.sha256"). -EINVAL when malformed. */
int image_digest_parse(const char *field, const char *value, unsigned char out[SHA256_LEN],
                       mr_error **err);

/* 0 when the regular file open at `fd` has the digest `want`. The digest
 * comes from the cache under ctx's state root when an entry for the file's
 * identity (device, inode, size, mtime, ctime) is there and valid; otherwise
 * the file is read through `fd` (pread: the offset is untouched) and the
 * result cached. Errors name `what` (e.g. "config.json: root.path: /a.sqfs")
 * and, on a mismatch (-EBADMSG), the annotation and both digests. */
int image_verify(const mr_context *ctx, int fd, const char *what, const char *annotation,
                 const unsigned char want[SHA256_LEN], mr_error **err);

#endif /* MR_IMAGE_VERIFY_H */
