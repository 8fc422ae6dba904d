/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.c - mount option strings without libmount (options.h).
 *
 * The rules are libmount 2.38's, kept exactly because configs were written
 * against them (tests/unit/test-mountopts.c compares the two when libmount
 * is there to compare with):
 * - options are separated by commas outside double quotes; the first '='
 *   after the first character (outside quotes) separates name and value;
 * - a kernel flag name sets or, for its inverse, clears its MS_* bits; with
 *   a non-empty value ("ro=1") it is no flag but filesystem data;
 * - the mount(8)/fstab options of libmount's MNT_USERSPACE_MAP are dropped
 *   ("user"/"users" still imply noexec,nosuid,nodev and "owner"/"group"
 *   nosuid,nodev, as with mount(8)); "defaults" means nothing;
 * - everything else is filesystem data, as written.
 */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* libmount's MNT_LINUX_MAP, in its order (features lists it so). */
static const struct {
  const char *name;
  unsigned long flags;
  bool invert;
} kernel_flags[] = {
    {"ro", MS_RDONLY, false},
    {"rw", MS_RDONLY, true},
    {"exec", MS_NOEXEC, true},
    {"noexec", MS_NOEXEC, false},
    {"suid", MS_NOSUID, true},
    {"nosuid", MS_NOSUID, false},
    {"dev", MS_NODEV, true},
    {"nodev", MS_NODEV, false},
    {"sync", MS_SYNCHRONOUS, false},
    {"async", MS_SYNCHRONOUS, true},
    {"dirsync", MS_DIRSYNC, false},
    {"remount", MS_REMOUNT, false},
    {"bind", MS_BIND, false},
    {"rbind", MS_BIND | MS_REC, false},
    {"silent", MS_SILENT, false},
    {"loud", MS_SILENT, true},
    {"mand", MS_MANDLOCK, false},
    {"nomand", MS_MANDLOCK, true},
    {"atime", MS_NOATIME, true},
    {"noatime", MS_NOATIME, false},
    {"iversion", MS_I_VERSION, false},
    {"noiversion", MS_I_VERSION, true},
    {"diratime", MS_NODIRATIME, true},
    {"nodiratime", MS_NODIRATIME, false},
    {"relatime", MS_RELATIME, false},
    {"norelatime", MS_RELATIME, true},
    {"strictatime", MS_STRICTATIME, false},
    {"nostrictatime", MS_STRICTATIME, true},
    {"lazytime", MS_LAZYTIME, false},
    {"nolazytime", MS_LAZYTIME, true},
    {"unbindable", MS_UNBINDABLE, false},
    {"runbindable", MS_UNBINDABLE | MS_REC, false},
    {"private", MS_PRIVATE, false},
    {"rprivate", MS_PRIVATE | MS_REC, false},
    {"slave", MS_SLAVE, false},
    {"rslave", MS_SLAVE | MS_REC, false},
    {"shared", MS_SHARED, false},
    {"rshared", MS_SHARED | MS_REC, false},
    {"symfollow", MS_NOSYMFOLLOW, true},
    {"nosymfollow", MS_NOSYMFOLLOW, false},
};

#define SECURE       (MS_NOEXEC | MS_NOSUID | MS_NODEV)
#define OWNER_SECURE (MS_NOSUID | MS_NODEV)

/* libmount's MNT_USERSPACE_MAP, patterns written as there: "name" takes no
 * value, "name=" and "name[=]" take one (the name alone matches too), and
 * the two "x-"/"X-" entries match every name they begin. `implies`: the
 * flags the option stands for when it has no value. */
static const struct {
  const char *pattern;
  unsigned long implies;
} fstab_options[] = {
    {"defaults", 0},
    {"auto", 0},
    {"noauto", 0},
    {"user[=]", SECURE},
    {"nouser", 0},
    {"users", SECURE},
    {"nousers", 0},
    {"owner", OWNER_SECURE},
    {"noowner", 0},
    {"group", OWNER_SECURE},
    {"nogroup", 0},
    {"_netdev", 0},
    {"comment=", 0},
    {"x-", 0},
    {"X-", 0},
    {"loop[=]", 0},
    {"offset=", 0},
    {"sizelimit=", 0},
    {"encryption=", 0},
    {"nofail", 0},
    {"uhelper=", 0},
    {"helper=", 0},
    {"verity.hashdevice=", 0},
    {"verity.roothash=", 0},
    {"verity.hashoffset=", 0},
    {"verity.roothashfile=", 0},
    {"verity.fecdevice=", 0},
    {"verity.fecoffset=", 0},
    {"verity.fecroots=", 0},
    {"verity.roothashsig=", 0},
    {"verity.oncorruption=", 0},
};

#define N_ELEMS(a) (sizeof(a) / sizeof(*(a)))

/* One option of the string: text[0..len), its name the first name_len
 * bytes; value NULL without '=' (value_len 0 for "name="). */
struct option {
  const char *text;
  size_t len, name_len;
  const char *value;
  size_t value_len;
};

/* The option at *s, *s moved past it and its comma: 1, 0 at the end, or
 * -EINVAL when a double quote is left open. */
static int next_option(const char **s, struct option *o)
{
  const char *p = *s;
  while (*p == ',')
    p++;
  if (*p == '\0')
    return 0;
  const char *start = p, *sep = NULL;
  bool quoted = false;
  for (; *p != '\0'; p++) {
    if (*p == '"')
      quoted = !quoted;
    else if (quoted)
      continue;
    else if (*p == ',')
      break;
    else if (*p == '=' && sep == NULL && p > start)
      sep = p;
  }
  if (quoted)
    return -EINVAL;
  *o = (struct option){.text = start, .len = (size_t)(p - start)};
  o->name_len = sep ? (size_t)(sep - start) : o->len;
  if (sep) {
    o->value = sep + 1;
    o->value_len = (size_t)(p - sep - 1);
  }
  *s = *p ? p + 1 : p;
  return 1;
}

static int kernel_flag(const struct option *o)
{
  for (size_t i = 0; i < N_ELEMS(kernel_flags); i++)
    if (strlen(kernel_flags[i].name) == o->name_len &&
        memcmp(kernel_flags[i].name, o->text, o->name_len) == 0)
      return (int)i;
  return -1;
}

/* libmount's matching of an entry: a prefix entry against the whole option,
 * otherwise the entry begins with the name and ends there, or goes on with
 * '=' or '['. */
static bool fstab_match(const char *pattern, const struct option *o)
{
  size_t plen = strlen(pattern);
  if (pattern[0] != '\0' && pattern[1] == '-' && plen == 2) /* "x-", "X-" */
    return strncmp(o->text, pattern, plen) == 0;
  if (strncmp(pattern, o->text, o->name_len) != 0 || o->name_len > plen)
    return false;
  char next = pattern[o->name_len];
  return next == '\0' || next == '=' || next == '[';
}

static int fstab_option(const struct option *o)
{
  for (size_t i = 0; i < N_ELEMS(fstab_options); i++)
    if (fstab_match(fstab_options[i].pattern, o))
      return (int)i;
  return -1;
}

/* A plain "name" entry: with a value, the option is not that entry's. */
static bool takes_no_value(const char *pattern)
{
  return strchr(pattern, '=') == NULL && strcmp(pattern, "x-") != 0 && strcmp(pattern, "X-") != 0;
}

int mount_options_append(char **list, size_t *list_len, const char *text, size_t len)
{
  char *grown = realloc(*list, *list_len + len + 2);
  if (grown == NULL)
    return -ENOMEM;
  if (*list_len > 0)
    grown[(*list_len)++] = ',';
  memcpy(grown + *list_len, text, len);
  *list_len += len;
  grown[*list_len] = '\0';
  *list = grown;
  return 0;
}

/* Appends the option to the data string. */
static int add_data(char **data, size_t *len, const struct option *o)
{
  return mount_options_append(data, len, o->text, o->len);
}

/* One option into flags, data, or the dropped. */
static int one_option(const struct option *o, struct mount_options *out, size_t *data_len,
                      mount_options_dropped_fn *dropped, void *arg)
{
  bool has_value = o->value_len > 0; /* "ro=" counts as "ro", as in libmount */
  int k = kernel_flag(o);
  if (k >= 0) {
    if (has_value)
      return add_data(&out->data, data_len, o);
    if (kernel_flags[k].invert)
      out->flags &= ~kernel_flags[k].flags;
    else
      out->flags |= kernel_flags[k].flags;
    return 0;
  }
  int u = fstab_option(o);
  if (u < 0 || (has_value && takes_no_value(fstab_options[u].pattern) && u != 0))
    return add_data(&out->data, data_len, o);
  if (u == 0 && !has_value) /* "defaults" */
    return 0;
  if (!has_value)
    out->flags |= fstab_options[u].implies;
  if (dropped != NULL)
    dropped(arg, o->text, o->len);
  return 0;
}

int mount_options_parse(const char *optstr, struct mount_options *out,
                        mount_options_dropped_fn *dropped, void *arg)
{
  struct mount_options got = {0};
  size_t data_len = 0;
  struct option o;
  int r;
  while ((r = next_option(&optstr, &o)) > 0) {
    r = one_option(&o, &got, &data_len, dropped, arg);
    if (r < 0)
      break;
  }
  if (r < 0) {
    free(got.data);
    return r;
  }
  *out = got;
  return 0;
}

const char *mount_options_flag_name(size_t i, unsigned long *flags)
{
  if (i >= N_ELEMS(kernel_flags))
    return NULL;
  if (flags != NULL)
    *flags = kernel_flags[i].flags;
  return kernel_flags[i].name;
}
