/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sha256.c - SHA-256 as FIPS 180-4 describes it; see sha256.h. */
#include "sha256.h"

#include <string.h>

/* The round constants; sha256-hw.c feeds them to the SHA instructions. */
const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
  return (x >> n) | (x << (32 - n));
}

#define S0(x)        (ror((x), 2) ^ ror((x), 13) ^ ror((x), 22))
#define S1(x)        (ror((x), 6) ^ ror((x), 11) ^ ror((x), 25))
#define CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
/* One round with the eight working variables renamed instead of shifted:
 * eight rounds per loop pass, no moves between them. */
#define ROUND(a, b, c, d, e, f, g, h, i)                                                           \
  do {                                                                                             \
    uint32_t t1 = (h) + S1(e) + CH(e, f, g) + sha256_k[i] + w[i];                                  \
    (d) += t1;                                                                                     \
    (h) = t1 + S0(a) + MAJ(a, b, c);                                                               \
  } while (0)

static void compress(uint32_t st[8], const unsigned char *p)
{
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  for (int i = 0; i < 64; i += 8) {
    ROUND(a, b, c, d, e, f, g, h, i);
    ROUND(h, a, b, c, d, e, f, g, i + 1);
    ROUND(g, h, a, b, c, d, e, f, i + 2);
    ROUND(f, g, h, a, b, c, d, e, i + 3);
    ROUND(e, f, g, h, a, b, c, d, i + 4);
    ROUND(d, e, f, g, h, a, b, c, i + 5);
    ROUND(c, d, e, f, g, h, a, b, i + 6);
    ROUND(b, c, d, e, f, g, h, a, i + 7);
  }
  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
  st[4] += e;
  st[5] += f;
  st[6] += g;
  st[7] += h;
}

static void blocks(struct sha256 *s, const unsigned char *p, size_t n)
{
  if (s->accel) {
    sha256_hw_blocks(s->h, p, n);
    return;
  }
  for (; n > 0; n--, p += 64)
    compress(s->h, p);
}

void sha256_init(struct sha256 *s)
{
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, iv, sizeof(iv));
  s->total = 0;
  s->used = 0;
  s->accel = sha256_hw_available();
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
  const unsigned char *p = data;
  s->total += len;
  if (s->used > 0) {
    size_t n = 64 - s->used < len ? 64 - s->used : len;
    memcpy(s->block + s->used, p, n);
    s->used += n;
    p += n;
    len -= n;
    if (s->used < 64)
      return;
    blocks(s, s->block, 1);
    s->used = 0;
  }
  blocks(s, p, len / 64);
  p += len - len % 64;
  len %= 64;
  memcpy(s->block, p, len);
  s->used = len;
}

void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN])
{
  uint64_t bits = s->total * 8;
  unsigned char pad[72] = {0x80};
  size_t n = s->used < 56 ? 56 - s->used : 120 - s->used;
  for (int i = 0; i < 8; i++)
    pad[n + i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_update(s, pad, n + 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(s->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)s->h[i];
  }
}

void sha256_digest(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
  struct sha256 s;
  sha256_init(&s);
  sha256_update(&s, data, len);
  sha256_final(&s, out);
}
