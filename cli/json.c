/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json.c - the little JSON the CLI writes itself: quoting strings for log
 * records and `list --format json`, and indenting the documents the library
 * returns (state, spec).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The escape for byte c, or NULL when it is copied as is. `buf` holds
 * \u00XX escapes. */
static const char *escape(unsigned char c, char buf[7])
{
  switch (c) {
  case '"':
    return "\\\"";
  case '\\':
    return "\\\\";
  case '\b':
    return "\\b";
  case '\f':
    return "\\f";
  case '\n':
    return "\\n";
  case '\r':
    return "\\r";
  case '\t':
    return "\\t";
  default:
    if (c < 0x20 || c == 0x7f) {
      snprintf(buf, 7, "\\u%04x", c);
      return buf;
    }
    return NULL;
  }
}

char *cli_json_quote(const char *s)
{
  const unsigned char *p;
  const char *e;
  char buf[7], *out, *q;
  size_t len = 3;

  for (p = (const unsigned char *)s; *p; p++) {
    e = escape(*p, buf);
    len += e ? strlen(e) : 1;
  }
  out = malloc(len);
  if (out == NULL)
    return NULL;
  q = out;
  *q++ = '"';
  for (p = (const unsigned char *)s; *p; p++) {
    e = escape(*p, buf);
    if (e != NULL) {
      memcpy(q, e, strlen(e));
      q += strlen(e);
    } else {
      *q++ = (char)*p;
    }
  }
  *q++ = '"';
  *q = '\0';
  return out;
}

static const char *skip_space(const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  return p;
}

static void newline(FILE *out, int depth)
{
  putc('\n', out);
  while (depth-- > 0)
    fputs("  ", out);
}

int cli_json_pretty(FILE *out, const char *json)
{
  int depth = 0, in_string = 0, escaped = 0;
  const char *p, *next;

  for (p = json; *p; p++) {
    char c = *p;

    if (in_string) {
      putc(c, out);
      if (escaped)
        escaped = 0;
      else if (c == '\\')
        escaped = 1;
      else if (c == '"')
        in_string = 0;
      continue;
    }
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
      break;
    case '"':
      in_string = 1;
      putc(c, out);
      break;
    case '{':
    case '[':
      putc(c, out);
      next = skip_space(p + 1);
      if (*next == '}' || *next == ']') {
        putc(*next, out);
        p = next;
        break;
      }
      newline(out, ++depth);
      break;
    case '}':
    case ']':
      if (depth > 0)
        depth--;
      newline(out, depth);
      putc(c, out);
      break;
    case ',':
      putc(c, out);
      newline(out, depth);
      break;
    case ':':
      fputs(": ", out);
      break;
    default:
      putc(c, out);
      break;
    }
  }
  putc('\n', out);
  return ferror(out) ? -1 : 0;
}
