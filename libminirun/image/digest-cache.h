/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * digest-cache.h - SHA-256 digests of image files, kept across processes
 * under <state root>/.image-digests (see digest-cache.c for the format and
 * why an entry can be trusted).
 */
#ifndef MR_IMAGE_DIGEST_CACHE_H
#define MR_IMAGE_DIGEST_CACHE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "../context.h"
#include "../security/sha256.h"

/* 1 and the digest of the file whose fstat is `st` when a valid entry for
 * exactly that identity is cached; 0 otherwise (a bad entry is logged and
 * ignored, never trusted). */
int image_digest_cache_load(const mr_context *ctx, const struct stat *st,
                            unsigned char digest[SHA256_LEN]);

/* Whether a digest computed over the file between `before` (its fstat then)
 * and `after` may be cached: the identity did not change meanwhile, and the
 * file's ctime is far enough before `hash_start` (CLOCK_REALTIME_COARSE when
 * hashing began) that any later write is bound to change it. */
bool image_digest_cacheable(const struct stat *before, const struct stat *after,
                            const struct timespec *hash_start);

/* Records `digest` for the identity `st` (atomically; failures are only
 * logged: the cache is an optimisation). */
void image_digest_cache_store(const mr_context *ctx, const struct stat *st,
                              const unsigned char digest[SHA256_LEN]);

#endif /* MR_IMAGE_DIGEST_CACHE_H */
