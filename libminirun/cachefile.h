/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cachefile.h - what the on-disk caches (compiled seccomp programs,
 * security/seccomp-cache.c; image digests, image/digest-cache.c) share:
 * a directory created 0700, entries trusted only when private to us, and
 * entries written so that readers never see a partial one and concurrent
 * writers of one entry do not collide. Failures are -errno only: a cache
 * that cannot be used is a miss, which the callers log.
 */
#ifndef MR_CACHEFILE_H
#define MR_CACHEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* mkdir -p `dir` (mode 0700 for what it creates), then opens it
 * (O_DIRECTORY | O_CLOEXEC | `flags`): an fd, or -errno. */
int cachefile_dir_open(const char *dir, int flags);

/* Owned by our effective uid and writable by nobody else: only then may a
 * cache directory or entry be trusted against a hostile writer. */
bool cachefile_private(const struct stat *st);

/* Writes the `n` parts to dirfd/name: to a temporary name unique to this
 * writer (pid and clock), mode 0600, then renamed over `name`. No fsync: a
 * torn entry after a power cut fails its checksum and is simply redone. */
int cachefile_write(int dirfd, const char *name, const struct iovec *parts, size_t n);

#endif /* MR_CACHEFILE_H */
