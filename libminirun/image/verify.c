/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify.c - an image file's SHA-256 against the digest an annotation asks
 * for (verify.h). The file is read through the descriptor the caller opened
 * (and will mount from), so no one can swap the path between the check and
 * the use; the digest of an unchanged file comes from digest-cache.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util.h"
#include "digest-cache.h"
#include "verify.h"

/* Large reads: the image is read once, front to back. */
#define HASH_CHUNK (256 * 1024)
/* How often (in chunks: 4 MiB) hashing looks at the caller's cancel fd and
 * the context's timeout: a huge image must not hang create. */
#define HASH_CHECK_EVERY 16

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int image_digest_parse(const char *field, const char *value, unsigned char out[SHA256_LEN],
                       mr_error **err)
{
  const char *hex = value;
  if (strncmp(hex, "sha256:", 7) == 0)
    hex += 7;
  size_t len = strlen(hex);
  if (len != 2 * SHA256_LEN)
    return mr_err(err, -EINVAL,
                  "%s: must be 64 hexadecimal digits (optionally 'sha256:' first), "
                  "got %zu characters",
                  field, len);
  for (size_t i = 0; i < SHA256_LEN; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return mr_err(err, -EINVAL, "%s: not a hexadecimal digit at position %zu", field,
                    2 * i + (hi < 0 ? 0 : 1) + (size_t)(hex - value));
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return 0;
}

static void to_hex(const unsigned char d[SHA256_LEN], char out[2 * SHA256_LEN + 1])
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < SHA256_LEN; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[2 * SHA256_LEN] = '\0';
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -ECANCELED / -ETIMEDOUT (with the error) when the caller gave up. */
static int gave_up(const mr_context *ctx, long long deadline, const char *what, mr_error **err)
{
  struct pollfd pfd = {.fd = ctx->cancel_fd, .events = POLLIN};
  if (ctx->cancel_fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
    return mr_err(err, -ECANCELED, "%s: create canceled by the caller while hashing", what);
  if (deadline > 0 && now_ms() >= deadline)
    return mr_err(err, -ETIMEDOUT,
                  "%s: hashing did not finish within %u ms (mr_context_set_timeout)", what,
                  ctx->timeout_ms);
  return 0;
}

/* SHA-256 of everything readable through fd, from offset 0 to EOF. */
static int hash_fd(const mr_context *ctx, int fd, const char *what, unsigned char out[SHA256_LEN],
                   off_t *hashed, mr_error **err)
{
  long long deadline = ctx->timeout_ms ? now_ms() + ctx->timeout_ms : 0;
  cleanup_free unsigned char *buf = malloc(HASH_CHUNK);
  if (buf == NULL)
    return mr_err_sys(err, ENOMEM, "%s: hash", what);
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  struct sha256 s;
  sha256_init(&s);
  off_t off = 0;
  for (unsigned chunk = 1;; chunk++) {
    if (chunk % HASH_CHECK_EVERY == 0) {
      int r = gave_up(ctx, deadline, what, err);
      if (r < 0)
        return r;
    }
    ssize_t n = pread(fd, buf, HASH_CHUNK, off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return mr_err_sys(err, errno, "%s: read for sha256", what);
    if (n == 0)
      break;
    sha256_update(&s, buf, (size_t)n);
    off += n;
  }
  sha256_final(&s, out);
  *hashed = off;
  return 0;
}

/* The file's digest: from the cache when it is unchanged, else hashed (and
 * cached when that is safe, see image_digest_cacheable). */
static int file_digest(const mr_context *ctx, int fd, const char *what, const struct stat *st,
                       unsigned char digest[SHA256_LEN], mr_error **err)
{
  if (image_digest_cache_load(ctx, st, digest) == 1) {
    mr_debug(ctx, "image: %s: sha256 from the digest cache (file unchanged)", what);
    return 0;
  }
  struct timespec start;
  clock_gettime(CLOCK_REALTIME_COARSE, &start);
  off_t hashed = 0;
  int r = hash_fd(ctx, fd, what, digest, &hashed, err);
  if (r < 0)
    return r;
  struct stat after;
  if (fstat(fd, &after) < 0)
    return mr_err_sys(err, errno, "%s: stat", what);
  mr_debug(ctx, "image: %s: hashed %lld bytes", what, (long long)hashed);
  if (image_digest_cacheable(st, &after, &start))
    image_digest_cache_store(ctx, &after, digest);
  else
    mr_debug(ctx, "image: %s: changed in the last seconds: digest not cached", what);
  return 0;
}

int image_verify(const mr_context *ctx, int fd, const char *what, const char *annotation,
                 const unsigned char want[SHA256_LEN], mr_error **err)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    return mr_err_sys(err, errno, "%s: stat", what);
  if (!S_ISREG(st.st_mode))
    return mr_err(err, -EINVAL, "%s: not a regular file (annotation %s checks a file)", what,
                  annotation);
  unsigned char got[SHA256_LEN];
  int r = file_digest(ctx, fd, what, &st, got, err);
  if (r < 0)
    return r;
  if (memcmp(got, want, SHA256_LEN) != 0) {
    char got_hex[2 * SHA256_LEN + 1], want_hex[2 * SHA256_LEN + 1];
    to_hex(got, got_hex);
    to_hex(want, want_hex);
    return mr_err(err, -EBADMSG, "%s: sha256 is %s but annotation %s wants %s: refusing the image",
                  what, got_hex, annotation, want_hex);
  }
  return 0;
}
