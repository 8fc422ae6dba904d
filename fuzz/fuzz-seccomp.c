/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-seccomp.c - libFuzzer target: a linux.seccomp section up to BPF.
 *
 * The input is the JSON value of "linux.seccomp" (the seed corpus holds
 * podman's default profile and small profiles using every action, operator,
 * architecture and flag). It goes through the same path a create takes:
 * spec_parse, seccomp_check_spec (names, ranges, JSON paths in errors),
 * seccomp_compile (libseccomp) and the cache key. Invariants: an error
 * object exactly on failure, and a successful compile yields a program the
 * kernel would accept in size (1..BPF_MAXINSNS instructions).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "security/seccomp.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int r, mr_error *err)
{
  if (r >= 0 || err == NULL || mr_error_code(err) != r || mr_error_message(err)[0] == '\0')
    abort();
  mr_error_free(err);
}

static void compile(const struct spec_seccomp *sc)
{
  mr_error *err = NULL;
  struct seccomp_check chk;
  int r = seccomp_check_spec(sc, &chk, &err);
  if (r < 0) {
    check_error(r, err);
    return;
  }
  unsigned char key[32];
  seccomp_cache_key(sc, key);
  struct seccomp_program prog = {0};
  r = seccomp_compile(NULL, sc, &prog, &err);
  if (r < 0) {
    check_error(r, err);
    return;
  }
  if (err != NULL || prog.insns == NULL || prog.n_insns == 0 || prog.n_insns > BPF_MAXINSNS)
    abort();
  seccomp_program_free(&prog);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char head[] = "{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":";
  static const char tail[] = "}}";
  if (size > 1 << 20)
    return 0;
  char *json = malloc(sizeof(head) + size + sizeof(tail));
  if (json == NULL)
    return 0;
  memcpy(json, head, sizeof(head) - 1);
  memcpy(json + sizeof(head) - 1, data, size);
  memcpy(json + sizeof(head) - 1 + size, tail, sizeof(tail));
  size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;

  struct spec *spec = NULL;
  mr_error *err = NULL;
  int r = spec_parse(json, len, "config.json", &spec, &err);
  free(json);
  if (r < 0) {
    check_error(r, err);
    return 0;
  }
  if (spec->linux_.seccomp.present)
    compile(&spec->linux_.seccomp);
  spec_free(spec);
  return 0;
}
