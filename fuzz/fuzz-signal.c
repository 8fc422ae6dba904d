/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-signal.c - libFuzzer target for signal names and numbers
 * (mr_signal_parse: "TERM", "SIGKILL", "9", "RTMIN+3", "SIGRTMAX-1", ...).
 *
 * The name comes from the CLI's kill command or a host daemon. A name that
 * parses must give a signal kill() accepts (0 .. SIGRTMAX); anything else a
 * clear error.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minirun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *name = strndup((const char *)data, size);
  if (name == NULL)
    return 0;
  int sig = -1;
  mr_error *err = NULL;
  int r = mr_signal_parse(name, &sig, &err);
  if (r == 0) {
    if (err != NULL || sig < 0 || sig > SIGRTMAX || name[0] == '\0')
      abort();
  } else if (r > 0 || err == NULL || mr_error_code(err) != r || mr_error_message(err)[0] == '\0') {
    abort();
  }
  mr_error_free(err);
  free(name);
  return 0;
}
