/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* caps-names.c - capability names with libcap (its table follows the
 * kernel headers it was built with). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "caps.h"

int caps_from_name(const char *name)
{
  cap_value_t cap;
  /* libcap also takes numbers and lower case; the spec names them
   * "CAP_..." only. */
  if (strncmp(name, "CAP_", 4) != 0 || cap_from_name(name, &cap) < 0 || cap < 0)
    return -EINVAL;
  return cap;
}

/* libcap says "cap_kill" for a known capability and the number otherwise. */
bool caps_has_name(int cap)
{
  char *name = cap_to_name(cap);
  bool known = name != NULL && strncmp(name, "cap_", 4) == 0;
  cap_free(name);
  return known;
}

char *caps_to_name(int cap, char *buf)
{
  char *name = cap_to_name(cap);
  if (name != NULL && strncmp(name, "cap_", 4) == 0 && strlen(name) < CAPS_NAME_MAX) {
    for (size_t i = 0; name[i]; i++)
      buf[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 'a' + 'A') : name[i];
    buf[strlen(name)] = '\0';
  } else {
    snprintf(buf, CAPS_NAME_MAX, "capability %d", cap);
  }
  cap_free(name);
  return buf;
}
