/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-sha256.c - SHA-256 (security/sha256.c) against FIPS 180-4 / NIST
 * vectors and coreutils' sha256sum, in one piece and fed in odd chunks (the
 * seccomp cache hashes its key in many small updates), with the SHA
 * extensions where this CPU has them and with the portable code. TAP output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/sha256.h"

static int n, failed;

static void hex(const unsigned char *d, char *out)
{
  for (int i = 0; i < SHA256_LEN; i++)
    sprintf(out + 2 * i, "%02x", d[i]);
}

/* One TAP line: digest `d` of vector `name`, computed `how`, against `want`. */
static void report(const char *name, const char *how, const unsigned char *d, const char *want)
{
  char got[2 * SHA256_LEN + 1];
  hex(d, got);
  n++;
  if (strcmp(got, want) != 0) {
    failed++;
    printf("not ok %d - %s (%s): %s\n", n, name, how, got);
  } else {
    printf("ok %d - %s (%s)\n", n, name, how);
  }
}

static void check(const char *name, const unsigned char *data, size_t len, const char *want)
{
  unsigned char d[SHA256_LEN];
  sha256_digest(data, len, d);
  report(name, "one piece", d, want);
  /* Chunks of 1, 2, 3, ... bytes cross every block boundary differently. */
  struct sha256 s;
  sha256_init(&s);
  for (size_t off = 0, step = 1; off < len; off += step, step = step % 71 + 1)
    sha256_update(&s, data + off, off + step <= len ? step : len - off);
  sha256_final(&s, d);
  report(name, "chunks", d, want);
  /* The portable code, also where the CPU has SHA extensions (sha256-hw.c). */
  sha256_init(&s);
  s.accel = false;
  sha256_update(&s, data, len);
  sha256_final(&s, d);
  report(name, "portable", d, want);
}

int main(void)
{
  struct sha256 probe;
  sha256_init(&probe);
  printf("# SHA extensions of this CPU: %s\n",
         probe.accel ? "used" : "absent (portable code only)");
  check("empty", (const unsigned char *)"", 0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  check("abc", (const unsigned char *)"abc", 3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  check("448 bits", (const unsigned char *)two, strlen(two),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  size_t big = 1000000;
  unsigned char *a = malloc(big);
  if (a == NULL)
    return 1;
  memset(a, 'a', big);
  check("a million a", a, big, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  /* 55, 56, 63, 64 and 65 bytes: the padding edge cases. */
  check("55 a", a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  check("56 a", a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  check("64 a", a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  free(a);
  printf("1..%d\n", n);
  return failed ? 1 : 0;
}
