/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* caps-names-disabled.c - a build configured with --disable-caps has no
 * libcap and no capability names: process.capabilities may only ask for
 * empty sets (the container then holds no capability at all). */
#include <errno.h>
#include <stdio.h>

#include "caps.h"

int caps_from_name(const char *name)
{
  (void)name;
  return -EOPNOTSUPP;
}

bool caps_has_name(int cap)
{
  (void)cap;
  return false;
}

char *caps_to_name(int cap, char *buf)
{
  snprintf(buf, CAPS_NAME_MAX, "capability %d", cap);
  return buf;
}
