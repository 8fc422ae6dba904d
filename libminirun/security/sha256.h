/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sha256.h - SHA-256 (FIPS 180-4), for cache keys and entry checksums.
 *
 * Small and dependency-free: the run-time dependencies are fixed, and the
 * seccomp cache needs a digest whose collisions nobody can produce by
 * accident (or on purpose), which FNV and CRCs are not.
 */
#ifndef MR_SHA256_H
#define MR_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
  uint32_t h[8];
  uint64_t total; /* bytes hashed so far */
  unsigned char block[64];
  size_t used; /* bytes waiting in `block` */
  bool accel;  /* blocks by sha256-hw.c (set by sha256_init; false: portable) */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);
/* FIPS 180-4 4.2.2: the 64 round constants (sha256.c; the portable and
 * the hardware rounds share them). */
extern const uint32_t sha256_k[64];
/* sha256-hw.c: whether this CPU has SHA instructions (x86 SHA extensions,
 * Armv8 SHA2), and `blocks` 64-byte blocks with them (false / never called
 * elsewhere). */
bool sha256_hw_available(void);
void sha256_hw_blocks(uint32_t st[8], const unsigned char *p, size_t blocks);
/* One-shot digest of `len` bytes. */
void sha256_digest(const void *data, size_t len, unsigned char out[SHA256_LEN]);

#endif /* MR_SHA256_H */
