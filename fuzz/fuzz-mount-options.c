/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-mount-options.c - libFuzzer target for a mount's option list
 * (mounts_parse_options: OCI recursive options, the kernel flag table of
 * libminirun/mounts/options.c and the fs-specific remainder).
 *
 * The options come from config.json. The input is split at newlines into
 * one mount's "options" array. Invariants: success or a clear error; the
 * propagation bits are only propagation (and MS_REC); the mount flags never
 * carry propagation, MS_BIND or MS_REC (those are applied separately); a
 * recursive bind is a bind. Built where libmount is installed
 * (HAVE_LIBMOUNT_FOR_TESTS), the input with its newlines made commas is
 * also one option string for mounts/options.c and for libmount's
 * functions, which must agree on flags and data (or ours must refuse an
 * unclosed double quote: an odd number of them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "error.h"
#include "mounts.h"
#include "mounts/options.h"
#include "spec.h"

#ifdef HAVE_LIBMOUNT_FOR_TESTS
#include <libmount/libmount.h>

static void compare_with_libmount(const char *optstr)
{
  unsigned long lm_flags = 0;
  char *lm_data = NULL;
  if (mnt_optstr_get_flags(optstr, &lm_flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) != 0 ||
      mnt_split_optstr(optstr, NULL, NULL, &lm_data, 0, 0) != 0)
    abort();
  struct mount_options ours;
  int r = mount_options_parse(optstr, &ours, NULL, NULL);
  if (r == -EINVAL) {
    size_t quotes = 0;
    for (const char *p = optstr; *p; p++)
      quotes += *p == '"';
    if (quotes % 2 == 0)
      abort();
  } else if (r != 0 || ours.flags != lm_flags || (ours.data == NULL) != (lm_data == NULL) ||
             (ours.data != NULL && strcmp(ours.data, lm_data) != 0)) {
    abort();
  } else {
    free(ours.data);
  }
  free(lm_data);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPTIONS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = strndup((const char *)data, size); /* options are C strings */
  if (text == NULL)
    return 0;
#ifdef HAVE_LIBMOUNT_FOR_TESTS
  char *joined = strdup(text);
  if (joined != NULL) {
    for (char *p = joined; *p; p++)
      if (*p == '\n')
        *p = ',';
    compare_with_libmount(joined);
    free(joined);
  }
#endif
  char *options[MAX_OPTIONS + 1];
  size_t n = 0;
  for (char *save = NULL, *o = strtok_r(text, "\n", &save); o != NULL && n < MAX_OPTIONS;
       o = strtok_r(NULL, "\n", &save))
    options[n++] = o;
  options[n] = NULL;

  struct spec_mount m = {.destination = (char *)"/fuzz", .options = options, .n_options = n};
  struct mount_op op = {.destination = m.destination};
  mr_error *err = NULL;
  int r = mounts_parse_options(NULL, &m, 0, &op, &err);
  if (r == 0) {
    const unsigned long propagation = MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE;
    if (err != NULL || (op.propagation & ~(propagation | MS_REC)) != 0 ||
        (op.flags & (propagation | MS_BIND | MS_REC)) != 0 || (op.recursive && !op.bind))
      abort();
  } else if (r > 0 || err == NULL || mr_error_code(err) != r || mr_error_message(err)[0] == '\0') {
    abort();
  }
  free(op.data);
  mr_error_free(err);
  free(text);
  return 0;
}
