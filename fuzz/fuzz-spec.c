/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-spec.c - libFuzzer target for the config.json parser.
 *
 * config.json comes from whoever prepared the bundle, so spec_parse() must
 * survive any bytes: no crash, no leak, and an error object exactly when it
 * fails. On success a few invariants other code relies on are checked too
 * (string arrays are NULL-terminated, namespace types are in range).
 */
#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spec(const struct spec *s)
{
  if (s->oci_version == NULL)
    abort();
  if (s->process.args != NULL && s->process.args[s->process.n_args] != NULL)
    abort();
  if (s->process.env != NULL && s->process.env[s->process.n_env] != NULL)
    abort();
  for (size_t i = 0; i < s->linux_.n_namespaces; i++) {
    enum spec_ns_type t = s->linux_.namespaces[i].type;
    if ((unsigned)t >= SPEC_NS_COUNT || spec_find_namespace(s, t) != &s->linux_.namespaces[i])
      abort(); /* out of range, or a duplicate that slipped through */
  }
  for (size_t i = 0; i < s->linux_.n_devices; i++)
    if (s->linux_.devices[i].path == NULL || s->linux_.devices[i].type == '\0')
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct spec *spec = NULL;
  mr_error *err = NULL;
  int r = spec_parse((const char *)data, size, "config.json", &spec, &err);
  if (r == 0) {
    if (spec == NULL || err != NULL)
      abort();
    check_spec(spec);
    spec_free(spec);
    return 0;
  }
  if (r > 0 || err == NULL || mr_error_code(err) != r || mr_error_message(err)[0] == '\0')
    abort();
  mr_error_free(err);
  return 0;
}
