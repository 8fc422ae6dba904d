/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * digest-cache.c - image digests kept across processes.
 *
 * One entry per file, named "<dev>-<ino>" (hex) in <state root>/.image-digests,
 * so a file that changes replaces its entry instead of adding one:
 *     magic "MRIMGSUM" | u32 format | u32 0 | dev | ino | size |
 *     mtime s, ns | ctime s, ns (all 64-bit) | digest[32] | sum[32]
 * where sum is a SHA-256 over everything before it. An entry is used only
 * when every identity field equals the file's fstat now: any write changes
 * size or ctime (which, unlike mtime, nobody can set back), a replaced file
 * is another inode. A short, long, foreign or edited entry fails validation
 * and is ignored (the file is hashed again and the entry rewritten); the
 * checksum guards against torn writes and stray edits, the directory against
 * a hostile writer: it is created 0700, and the directory and an entry are
 * only read when owned by us and writable by nobody else. Entries are written
 * to a unique temporary name and renamed, so readers never see a partial
 * one and concurrent writers do not collide.
 *
 * The "racy" case: a write within the same timestamp tick as the ctime we
 * record would leave ctime unchanged. A digest is therefore cached only when
 * the file's ctime is CACHE_MARGIN_S before hashing began (a coarse clock,
 * the one the kernel stamps inodes with; 2 s also covers FAT's resolution),
 * so a file changed in the last two seconds is hashed again next time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../cachefile.h"
#include "../util.h"
#include "digest-cache.h"
#include "verify.h"

#define ENTRY_MAGIC    "MRIMGSUM"
#define ENTRY_FORMAT   1u
#define CACHE_MARGIN_S 2
/* Entries of files long replaced are never read again: past this many, the
 * least recently written go (a file still in use is just hashed again). */
#define CACHE_MAX_ENTRIES 256

struct entry {
  char magic[8];
  uint32_t format;
  uint32_t zero;
  uint64_t dev, ino, size;
  int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
  unsigned char digest[SHA256_LEN];
  unsigned char sum[SHA256_LEN];
};

static void entry_identity(struct entry *e, const struct stat *st)
{
  memset(e, 0, sizeof(*e));
  memcpy(e->magic, ENTRY_MAGIC, sizeof(e->magic));
  e->format = ENTRY_FORMAT;
  e->dev = (uint64_t)st->st_dev;
  e->ino = (uint64_t)st->st_ino;
  e->size = (uint64_t)st->st_size;
  e->mtime_s = st->st_mtim.tv_sec;
  e->mtime_ns = st->st_mtim.tv_nsec;
  e->ctime_s = st->st_ctim.tv_sec;
  e->ctime_ns = st->st_ctim.tv_nsec;
}

static void entry_sum(const struct entry *e, unsigned char out[SHA256_LEN])
{
  sha256_digest(e, offsetof(struct entry, sum), out);
}

static void entry_name(const struct stat *st, char *out, size_t size)
{
  snprintf(out, size, "%llx-%llx", (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
}

static char *cache_dir(const mr_context *ctx)
{
  return util_path_join(ctx->state_root, IMAGE_DIGEST_CACHE);
}

/* ---- reading ----------------------------------------------------------- */

/* NULL when `e` (the `n` bytes read from a file of `size`) is a well-formed
 * entry, else why not. */
static const char *validate(const struct entry *e, ssize_t n, off_t size)
{
  if (n < 0)
    return "cannot read";
  if (size != (off_t)sizeof(*e) || n != (ssize_t)sizeof(*e))
    return "wrong length";
  if (memcmp(e->magic, ENTRY_MAGIC, sizeof(e->magic)) != 0)
    return "bad magic";
  if (e->format != ENTRY_FORMAT)
    return "other format version";
  unsigned char sum[SHA256_LEN];
  entry_sum(e, sum);
  if (memcmp(sum, e->sum, SHA256_LEN) != 0)
    return "checksum mismatch";
  return NULL;
}

int image_digest_cache_load(const mr_context *ctx, const struct stat *st,
                            unsigned char digest[SHA256_LEN])
{
  cleanup_free char *dir = cache_dir(ctx);
  if (dir == NULL)
    return 0;
  cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat dst;
  if (dirfd < 0 || fstat(dirfd, &dst) < 0)
    return 0;
  if (!cachefile_private(&dst)) {
    mr_warn(ctx, "image: digest cache %s is not private (owner or mode): not used", dir);
    return 0;
  }
  char name[64];
  entry_name(st, name, sizeof(name));
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return 0; /* a plain miss (or unreadable: hash again either way) */
  struct stat est;
  struct entry e;
  const char *why = "not a private regular file";
  if (fstat(fd, &est) == 0 && S_ISREG(est.st_mode) && cachefile_private(&est))
    why = validate(&e, pread(fd, &e, sizeof(e), 0), est.st_size);
  if (why != NULL) {
    mr_warn(ctx, "image: digest cache entry %s/%s is invalid (%s): hashing the file", dir, name,
            why);
    return 0;
  }
  struct entry want;
  entry_identity(&want, st);
  if (memcmp(&want, &e, offsetof(struct entry, digest)) != 0) {
    mr_debug(ctx, "image: digest cache entry %s is for an older version of the file", name);
    return 0;
  }
  memcpy(digest, e.digest, SHA256_LEN);
  return 1;
}

/* ---- deciding and writing ---------------------------------------------- */

static bool same_identity(const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

bool image_digest_cacheable(const struct stat *before, const struct stat *after,
                            const struct timespec *hash_start)
{
  if (!same_identity(before, after))
    return false;
  /* ctime + margin <= start, compared without overflow-prone arithmetic. */
  time_t limit = hash_start->tv_sec - CACHE_MARGIN_S;
  return after->st_ctim.tv_sec < limit ||
         (after->st_ctim.tv_sec == limit && after->st_ctim.tv_nsec <= hash_start->tv_nsec);
}

struct aged {
  char name[64];
  struct timespec mtime;
};

static int older_first(const void *a, const void *b)
{
  const struct timespec *x = &((const struct aged *)a)->mtime,
                        *y = &((const struct aged *)b)->mtime;
  if (x->tv_sec != y->tv_sec)
    return x->tv_sec < y->tv_sec ? -1 : 1;
  return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Keeps at most CACHE_MAX_ENTRIES entries (a failure only leaves more). */
static void trim(const mr_context *ctx, int dirfd)
{
  DIR *d = fdopendir(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d == NULL)
    return;
  struct aged *v = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    struct stat st;
    if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(v->name) ||
        fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
      continue;
    if (n == cap) {
      size_t ncap = cap ? 2 * cap : 2 * CACHE_MAX_ENTRIES;
      struct aged *nv = realloc(v, ncap * sizeof(*v));
      if (nv == NULL)
        break;
      v = nv;
      cap = ncap;
    }
    /* Its length is checked above (snprintf here made gcc -Os warn of a
     * truncation: -Wformat-truncation does not see that check). */
    memcpy(v[n].name, de->d_name, strlen(de->d_name) + 1);
    v[n++].mtime = st.st_mtim;
  }
  closedir(d);
  if (n > CACHE_MAX_ENTRIES) {
    qsort(v, n, sizeof(*v), older_first);
    for (size_t i = 0; i < n - CACHE_MAX_ENTRIES; i++)
      unlinkat(dirfd, v[i].name, 0);
    mr_debug(ctx, "image: digest cache trimmed by %zu entries", n - CACHE_MAX_ENTRIES);
  }
  free(v);
}

void image_digest_cache_store(const mr_context *ctx, const struct stat *st,
                              const unsigned char digest[SHA256_LEN])
{
  cleanup_free char *dir = cache_dir(ctx);
  if (dir == NULL)
    return;
  struct entry e;
  entry_identity(&e, st);
  memcpy(e.digest, digest, SHA256_LEN);
  entry_sum(&e, e.sum);
  char name[64];
  entry_name(st, name, sizeof(name));

  cleanup_close int dirfd = cachefile_dir_open(dir, O_NOFOLLOW);
  if (dirfd < 0) {
    mr_warn(ctx, "image: digest cache %s: %s", dir, strerror(-dirfd));
    return;
  }
  int r = cachefile_write(dirfd, name, &(struct iovec){&e, sizeof(e)}, 1);
  if (r < 0)
    mr_warn(ctx, "image: write digest cache entry %s/%s: %s", dir, name, strerror(-r));
  else
    mr_debug(ctx, "image: cached the digest of %s", name);
  if (r == 0)
    trim(ctx, dirfd);
}
