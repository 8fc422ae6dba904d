/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-util.c - util_path_join (util.c): one slash between the parts
 * whatever slashes they bring, "/" as the first part, empty parts. The
 * expected values are what the asprintf version it replaced gave. TAP.
 */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "util.h"

static void join(const char *a, const char *b, const char *want)
{
  char *got = util_path_join(a, b);
  ok(got != NULL && strcmp(got, want) == 0, "join(\"%s\", \"%s\") = \"%s\" (want \"%s\")", a, b,
     got ? got : "(null)", want);
  free(got);
}

int main(void)
{
  join("/a/b", "c", "/a/b/c");
  join("/a/b/", "/c", "/a/b/c");
  join("/a//", "//c/d", "/a/c/d");
  join("/", "x", "/x");
  join("///", "x", "/x");
  join("/", "/x/", "/x/");
  join("/", "", "/");
  join("a", "b", "a/b");
  join("", "b", "/b");
  join("a", "", "a/");
  join("/run/x", "/", "/run/x/");
  join("/run/minirun/c1", "state.json", "/run/minirun/c1/state.json");
  return tap_done();
}
