/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-cache.c - compiled seccomp programs kept across processes.
 *
 * The CLI is one process per container, so the per-config program dies with
 * it; this cache keeps programs in DIR/<hex key>. The key is a SHA-256 over
 * everything the program depends on: the seccomp section as parsed (so JSON
 * spelling and key order do not matter), the native architecture, the
 * libseccomp version and the kernel release (libseccomp asks the kernel which
 * actions exist). The listener fields and the flags are not in the program
 * and not in the key.
 *
 * An entry is a header and the instructions:
 *     magic "MRSECBPF" | u32 format | u32 n_insns | key[32] | sum[32] | insns
 * where sum is a 64-bit checksum (entry_sum) over the header (sum zeroed)
 * and the instructions.
 * A short, long, foreign or edited file fails validation and is recompiled
 * and replaced, never loaded. The checksum guards against corruption (torn
 * writes, disk errors, a stray edit); against a hostile writer the guard is
 * the directory: it is created 0700 and an entry is only read when it is a
 * regular file owned by us and not writable by anyone else. Entries are
 * written to a unique temporary name and renamed, so readers never see a
 * partial file and concurrent writers of one key do not collide.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../cachefile.h"
#include "../util.h"
#include "seccomp.h"
#include "sha256.h"

#define CACHE_MAGIC  "MRSECBPF"
#define CACHE_FORMAT 2u /* 1: sum was a SHA-256 */

struct cache_header {
  char magic[8];
  uint32_t format;
  uint32_t n_insns;
  unsigned char key[SHA256_LEN];
  unsigned char sum[SHA256_LEN];
};

/* ---- the key ----------------------------------------------------------- */

static void put_u64(struct sha256 *s, uint64_t v)
{
  sha256_update(s, &v, sizeof(v));
}

/* Length-prefixed, so ("ab","c") and ("a","bc") differ; NULL differs from "". */
static void put_str(struct sha256 *s, const char *str)
{
  put_u64(s, str ? strlen(str) : UINT64_MAX);
  if (str)
    sha256_update(s, str, strlen(str));
}

static void put_strv(struct sha256 *s, char *const *v, size_t n)
{
  put_u64(s, n);
  for (size_t i = 0; i < n; i++)
    put_str(s, v[i]);
}

void seccomp_cache_key(const struct spec_seccomp *sc, unsigned char key[SHA256_LEN])
{
  struct sha256 s;
  sha256_init(&s);
  put_str(&s, "minirun seccomp cache v1");
  const struct scmp_version *v = seccomp_version();
  put_u64(&s, v ? ((uint64_t)v->major << 32 | (uint64_t)v->minor << 16 | v->micro) : 0);
  put_u64(&s, seccomp_arch_native());
  struct utsname u;
  put_str(&s, uname(&u) == 0 ? u.release : "");

  put_str(&s, sc->default_action);
  put_u64(&s, sc->has_default_errno_ret ? (uint64_t)sc->default_errno_ret : UINT64_MAX);
  put_strv(&s, sc->architectures, sc->n_architectures);
  put_u64(&s, sc->n_syscalls);
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    const struct spec_seccomp_syscall *c = &sc->syscalls[i];
    put_strv(&s, c->names, c->n_names);
    put_str(&s, c->action);
    put_u64(&s, c->has_errno_ret ? (uint64_t)c->errno_ret : UINT64_MAX);
    put_u64(&s, c->n_args);
    for (size_t j = 0; j < c->n_args; j++) {
      put_u64(&s, c->args[j].index);
      put_u64(&s, c->args[j].value);
      put_u64(&s, c->args[j].value_two);
      put_str(&s, c->args[j].op);
    }
  }
  sha256_final(&s, key);
}

static void hex(const unsigned char *b, size_t n, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[b[i] >> 4];
    out[2 * i + 1] = digits[b[i] & 15];
  }
  out[2 * n] = '\0';
}

/* 8 bytes at a time, each step a bijection of the state for a given word:
 * any change within one word always changes the result, wider ones with
 * odds of 2^-64 against. */
static uint64_t sum64(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 32;
  }
  for (; len > 0; p++, len--)
    h = (h ^ *p) * 0x100000001b3ull;
  return h;
}

/* The checksum guards against corruption, not against a hostile writer (see
 * the top of the file), so it need not be cryptographic: a SHA-256 over a
 * podman-profile entry cost ~0.5 M instructions per start, a tenth of a
 * `run`. The 64-bit sum goes in the first 8 bytes of `sum`, zeros after. */
static void entry_sum(const struct cache_header *h, const struct sock_filter *insns, size_t n,
                      unsigned char out[SHA256_LEN])
{
  struct cache_header zeroed = *h;
  memset(zeroed.sum, 0, sizeof(zeroed.sum));
  uint64_t v = sum64(0xcbf29ce484222325ull, &zeroed, sizeof(zeroed));
  v = sum64(v, insns, n * sizeof(*insns));
  memset(out, 0, SHA256_LEN);
  memcpy(out, &v, sizeof(v));
}

/* ---- reading ----------------------------------------------------------- */

/* NULL when the entry is good, else why not. */
static const char *validate(const unsigned char *buf, size_t size, const unsigned char *key)
{
  struct cache_header h;
  if (size < sizeof(h))
    return "truncated header";
  memcpy(&h, buf, sizeof(h));
  if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0)
    return "bad magic";
  if (h.format != CACHE_FORMAT)
    return "other format version";
  if (h.n_insns == 0 || h.n_insns > BPF_MAXINSNS ||
      size != sizeof(h) + (size_t)h.n_insns * sizeof(struct sock_filter))
    return "length does not match";
  if (memcmp(h.key, key, SHA256_LEN) != 0)
    return "key does not match";
  unsigned char sum[SHA256_LEN];
  entry_sum(&h, (const struct sock_filter *)(buf + sizeof(h)), h.n_insns, sum);
  if (memcmp(sum, h.sum, SHA256_LEN) != 0)
    return "checksum mismatch";
  return NULL;
}

static int read_entry(int dirfd, const char *name, unsigned char **buf, size_t *size,
                      const char **why)
{
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *why = errno == ENOENT ? NULL : "cannot open";
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !cachefile_private(&st)) {
    *why = "not a private regular file";
    return -1;
  }
  size_t max = sizeof(struct cache_header) + BPF_MAXINSNS * sizeof(struct sock_filter);
  if (st.st_size < 0 || (size_t)st.st_size > max) {
    *why = "too large";
    return -1;
  }
  *size = (size_t)st.st_size;
  *buf = malloc(*size ? *size : 1);
  if (*buf == NULL) {
    *why = "out of memory";
    return -1;
  }
  ssize_t n = pread(fd, *buf, *size, 0);
  if (n != (ssize_t)*size) {
    free(*buf);
    *buf = NULL;
    *why = "short read";
    return -1;
  }
  return 0;
}

int seccomp_cache_load(const mr_context *ctx, const char *dir, const unsigned char key[SHA256_LEN],
                       struct seccomp_program *out)
{
  char name[2 * SHA256_LEN + 1];
  hex(key, SHA256_LEN, name);
  cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return 0;
  unsigned char *buf = NULL;
  size_t size = 0;
  const char *why = NULL;
  if (read_entry(dirfd, name, &buf, &size, &why) == 0)
    why = validate(buf, size, key);
  else if (why == NULL)
    return 0; /* a plain miss */
  if (why != NULL && strcmp(why, "other format version") == 0) {
    /* Written by another version of minirun: no damage to warn about. */
    mr_debug(ctx, "seccomp: cache entry %s/%s is invalid (%s): recompiling", dir, name, why);
    free(buf);
    return 0;
  }
  if (why != NULL) {
    mr_warn(ctx, "seccomp: cache entry %s/%s is invalid (%s): recompiling", dir, name, why);
    free(buf);
    return 0;
  }
  size_t n = (size - sizeof(struct cache_header)) / sizeof(struct sock_filter);
  memmove(buf, buf + sizeof(struct cache_header), n * sizeof(struct sock_filter));
  out->insns = (struct sock_filter *)buf;
  out->n_insns = n;
  mr_debug(ctx, "seccomp: cache hit %s (%zu instructions)", name, n);
  return 1;
}

/* ---- writing ----------------------------------------------------------- */

void seccomp_cache_store(const mr_context *ctx, const char *dir,
                         const unsigned char key[SHA256_LEN], const struct seccomp_program *p)
{
  char name[2 * SHA256_LEN + 1];
  hex(key, SHA256_LEN, name);
  struct cache_header h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
  h.format = CACHE_FORMAT;
  h.n_insns = (uint32_t)p->n_insns;
  memcpy(h.key, key, SHA256_LEN);
  entry_sum(&h, p->insns, p->n_insns, h.sum);

  cleanup_close int dirfd = cachefile_dir_open(dir, 0);
  if (dirfd < 0) {
    mr_warn(ctx, "seccomp: cache directory %s: %s", dir, strerror(-dirfd));
    return;
  }
  const struct iovec parts[] = {
      {&h, sizeof(h)},
      {p->insns, p->n_insns * sizeof(*p->insns)},
  };
  int r = cachefile_write(dirfd, name, parts, 2);
  if (r < 0)
    mr_warn(ctx, "seccomp: write cache entry %s/%s: %s", dir, name, strerror(-r));
  else
    mr_debug(ctx, "seccomp: cached %s", name);
}
