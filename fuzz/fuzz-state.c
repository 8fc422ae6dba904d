/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-state.c - libFuzzer target for the state.json reader (state_parse).
 *
 * state.json is written by the runtime itself, but it is read back by every
 * later command (state, kill, delete, list), possibly from another version or
 * after a crash or a full disk truncated it: any bytes must give a record or
 * a clear error, never a crash or a leak. A record that parses must carry an
 * id and a positive pid (what status derivation relies on), and writing it
 * back must give the same record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_record(const struct state_record *rec)
{
  if (rec->id == NULL || rec->pid <= 0)
    abort();
  for (size_t i = 0; i < rec->n_annotations; i++)
    if (rec->annotations[i].key == NULL || rec->annotations[i].value == NULL)
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct state_record *rec = NULL;
  mr_error *err = NULL;
  int r = state_parse((const char *)data, size, &rec, &err);
  if (r == 0) {
    if (rec == NULL || err != NULL)
      abort();
    check_record(rec);
    state_record_free(rec);
    return 0;
  }
  if (r > 0 || rec != NULL || err == NULL || mr_error_code(err) != r ||
      mr_error_message(err)[0] == '\0')
    abort();
  mr_error_free(err);
  return 0;
}
