/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-id.c - libFuzzer target for container id validation (mr_id_validate).
 *
 * The id becomes a directory name under the state root, so an id that passes
 * must be a single, non-special path component: not empty, not starting with
 * '.' (".", ".." and the runtime's own entries such as .seccomp-cache),
 * no '/', no control character, at most 1024 bytes, valid UTF-8 (checked
 * here independently of the library's decoder).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minirun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A strict UTF-8 check (RFC 3629 minus the overlong/surrogate refinements
 * the library also leaves to the filesystem). */
static bool utf8_ok(const unsigned char *s, size_t len)
{
  for (size_t i = 0; i < len;) {
    size_t n = s[i] < 0x80                    ? 1
               : (s[i] & 0xe0) == 0xc0        ? 2
               : (s[i] & 0xf0) == 0xe0        ? 3
               : s[i] >= 0xf0 && s[i] <= 0xf4 ? 4
                                              : 0;
    if (n == 0 || i + n > len || (n == 2 && s[i] < 0xc2))
      return false;
    for (size_t k = 1; k < n; k++)
      if ((s[i + k] & 0xc0) != 0x80)
        return false;
    i += n;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *id = strndup((const char *)data, size);
  if (id == NULL)
    return 0;
  size_t len = strlen(id);
  mr_error *err = NULL;
  int r = mr_id_validate(id, &err);
  if (r == 0) {
    if (err != NULL || len == 0 || len > 1024 || id[0] == '.' || strchr(id, '/') != NULL)
      abort();
    for (size_t i = 0; i < len; i++)
      if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
        abort();
    if (!utf8_ok((const unsigned char *)id, len))
      abort();
  } else if (r > 0 || err == NULL || mr_error_code(err) != r || mr_error_message(err)[0] == '\0') {
    abort();
  }
  mr_error_free(err);
  free(id);
  return 0;
}
