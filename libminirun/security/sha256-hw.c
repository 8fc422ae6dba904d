/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sha256-hw.c - SHA-256 blocks with the CPU's SHA instructions: the x86 SHA
 * extensions (SHA-NI) and the Armv8 cryptography extension (SHA2), for image
 * digests: the portable code hashes ~130 MB/s on the x86 build machine, so
 * a 50 MB image took ~0.5 s on a start without a cached digest. Chosen at
 * run time (CPUID / AT_HWCAP, per sha256_init: no global state); other
 * architectures and CPUs use the portable compress() of sha256.c.
 */
#include "sha256.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

bool sha256_hw_available(void)
{
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
    return false;
  if (__get_cpuid_max(0, NULL) < 7)
    return false;
  __cpuid_count(7, 0, a, b, c, d);
  return (b & (1u << 29)) != 0; /* CPUID.7.0:EBX.SHA */
}

#define HAVE_HW_SHA256 1
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif

bool sha256_hw_available(void)
{
  return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
}
#define HAVE_HW_SHA256 1
#endif

#ifdef HAVE_HW_SHA256
#ifdef __x86_64__
/* The state lives in two registers as the instructions want it: ABEF and
 * CDGH. Each group of four rounds takes four schedule words; words 16..63
 * come from the previous sixteen by sha256msg1/msg2. */
__attribute__((target("sha,sse4.1,ssse3"))) void
sha256_hw_blocks(uint32_t st[8], const unsigned char *p, size_t blocks)
{
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xB1); /* CDAB */
  __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1B);  /* EFGH */
  __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);                                        /* ABEF */
  s1 = _mm_blend_epi16(s1, tmp, 0xF0);                                             /* CDGH */
  for (; blocks > 0; blocks--, p += 64) {
    __m128i abef = s0, cdgh = s1, w[4];
    for (int g = 0; g < 16; g++) {
      if (g < 4) {
        w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
      } else { /* w[g % 4] holds W[g-4]; the others W[g-3], W[g-2], W[g-1] */
        __m128i x = _mm_sha256msg1_epu32(w[g % 4], w[(g + 1) % 4]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) % 4], w[(g + 2) % 4], 4));
        w[g % 4] = _mm_sha256msg2_epu32(x, w[(g + 3) % 4]);
      }
      __m128i msg = _mm_add_epi32(w[g % 4], _mm_loadu_si128((const __m128i *)&sha256_k[4 * g]));
      s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
      s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
  }
  tmp = _mm_shuffle_epi32(s0, 0x1B);   /* FEBA */
  s1 = _mm_shuffle_epi32(s1, 0xB1);    /* DCHG */
  s0 = _mm_blend_epi16(tmp, s1, 0xF0); /* DCBA */
  s1 = _mm_alignr_epi8(s1, tmp, 8);    /* HGFE */
  _mm_storeu_si128((__m128i *)&st[0], s0);
  _mm_storeu_si128((__m128i *)&st[4], s1);
}
#else
/* Armv8: the state is ABCD and EFGH; sha256su0/su1 extend the schedule,
 * sha256h/h2 do four rounds on each half. */
#ifdef __clang__
#define SHA2_TARGET __attribute__((target("sha2")))
#else
#define SHA2_TARGET __attribute__((target("+crypto")))
#endif
SHA2_TARGET void sha256_hw_blocks(uint32_t st[8], const unsigned char *p, size_t blocks)
{
  uint32x4_t s0 = vld1q_u32(&st[0]), s1 = vld1q_u32(&st[4]);
  for (; blocks > 0; blocks--, p += 64) {
    uint32x4_t abcd = s0, efgh = s1, w[4];
    for (int g = 0; g < 16; g++) {
      if (g < 4) /* big-endian words */
        w[g] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p + 16 * g)));
      else /* w[g % 4] holds W[g-4]; the others W[g-3], W[g-2], W[g-1] */
        w[g % 4] = vsha256su1q_u32(vsha256su0q_u32(w[g % 4], w[(g + 1) % 4]), w[(g + 2) % 4],
                                   w[(g + 3) % 4]);
      uint32x4_t msg = vaddq_u32(w[g % 4], vld1q_u32(&sha256_k[4 * g]));
      uint32x4_t prev = s0;
      s0 = vsha256hq_u32(s0, s1, msg);
      s1 = vsha256h2q_u32(s1, prev, msg);
    }
    s0 = vaddq_u32(s0, abcd);
    s1 = vaddq_u32(s1, efgh);
  }
  vst1q_u32(&st[0], s0);
  vst1q_u32(&st[4], s1);
}
#endif

#else

bool sha256_hw_available(void)
{
  return false;
}

void sha256_hw_blocks(uint32_t st[8], const unsigned char *p, size_t blocks)
{
  (void)st, (void)p, (void)blocks;
}

#endif
