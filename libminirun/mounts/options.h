/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.h - a comma-separated mount option string split into mount(2)'s
 * flags and its filesystem data, as util-linux's libmount 2.38 does it
 * (mnt_optstr_get_flags with MNT_LINUX_MAP, then mnt_split_optstr's "fs"
 * part), without linking libmount.
 *
 * Parent side (plan): allocates.
 */
#ifndef MR_MOUNTS_OPTIONS_H
#define MR_MOUNTS_OPTIONS_H

#include <stddef.h>

struct mount_options {
  /* MS_* of the kernel flag names, MS_BIND/MS_REC/propagation included:
   * the caller takes those apart. */
  unsigned long flags;
  /* Every option that is no flag name, in order, comma-joined, values and
   * quotes kept as written; malloc()ed, NULL when there is none. */
  char *data;
};

/* Told of each option that is dropped: a mount(8)/fstab option libmount
 * knows but the kernel does not (user, noauto, x-*, loop=, ...). `opt` is
 * the option as written, `len` bytes, not NUL-terminated. */
typedef void mount_options_dropped_fn(void *arg, const char *opt, size_t len);

/* Parses `optstr` ("nosuid,mode=755,context=\"a,b\""): commas inside double
 * quotes belong to the value; empty options are skipped; the last of a flag
 * and its inverse wins. 0, -ENOMEM, or -EINVAL for an unterminated double
 * quote (libmount silently drops that option and the rest; we refuse).
 * out->data is set only on success. */
int mount_options_parse(const char *optstr, struct mount_options *out,
                        mount_options_dropped_fn *dropped, void *arg);

/* Appends `text` (`len` bytes) to the comma-separated list *list of
 * length *list_len (a new string when *list is NULL): 0 or -ENOMEM. */
int mount_options_append(char **list, size_t *list_len, const char *text, size_t len);

/* The i-th kernel flag name of the table (libmount's MNT_LINUX_MAP, in its
 * order), or NULL past the last; *flags: its MS_* bits. */
const char *mount_options_flag_name(size_t i, unsigned long *flags);

#endif /* MR_MOUNTS_OPTIONS_H */
