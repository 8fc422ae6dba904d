/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util.h - small file and string helpers shared by the library. */
#ifndef MR_UTIL_H
#define MR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Frees *p (a char*, struct ... *) when the variable goes out of scope. */
#define cleanup_free  __attribute__((cleanup(util_freep)))
#define cleanup_close __attribute__((cleanup(util_closep)))
void util_freep(void *p);
void util_closep(int *fd);

/* Reads a whole file (at most `max` bytes; larger is -EFBIG) into a new
 * NUL-terminated buffer; errors name the path. */
int util_read_file(const char *path, size_t max, char **out, size_t *len, mr_error **err);
/* Same, relative to dirfd. */
int util_read_file_at(int dirfd, const char *name, size_t max, char **out, size_t *len,
                      mr_error **err);
/* Writes `len` bytes to dirfd/name atomically: name.tmp, then rename, so
 * another process (and our own crash) sees the old or the new content,
 * never a part. No fsync: what the runtime writes this way (state.json,
 * config.json, init.pid, hooks.json, the cgroups record, the pid file)
 * describes processes and cgroups that a machine crash ends anyway, and
 * `delete --force` removes a state dir whose files a crash emptied. An
 * fsync on a disk-backed /run costs 0.3-5 ms each, several per create (crun
 * and runc do not sync their state either). */
int util_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                           mr_error **err);
/* mkdir -p in place (the path is modified and restored); -errno on failure.
 * Async-signal-safe: the container child uses it. */
int util_mkdir_parents(char *path, mode_t mode);
/* mkdir -p with `mode` for the directories it creates. */
int util_mkdir_p(const char *path, mode_t mode, mr_error **err);
/* write() all of buf, retrying on EINTR and short writes. */
int util_write_all(int fd, const void *buf, size_t len);
/* strdup that reports out of memory through err. */
int util_strdup(const char *s, char **out, mr_error **err);
/* Replaces the string in *slot (freed) by a copy of `s` (NULL: none), as
 * the option setters do; *slot is unchanged when out of memory. */
int util_strdup_replace(char **slot, const char *s, mr_error **err);
/* The `n` bytes at `item` are one of the comma-separated entries of `list`
 * (NULL: none), as in cgroup controller lists and mount options. */
bool util_list_has(const char *list, const char *item, size_t n);
/* "a" + "/" + "b" (one slash), newly allocated; NULL when out of memory. */
char *util_path_join(const char *a, const char *b);
/* Current time as RFC 3339 with nanoseconds in UTC, into buf (>= 40 bytes). */
void util_rfc3339_now(char *buf, size_t size);

/* Moves *fd (closing the old number) to the lowest free number >= min,
 * close-on-exec, unless it is already there or -1: our fds must not land
 * in the range a container or exec'd process inherits (0-2 and the
 * preserved fds). */
int util_fd_move_above(int *fd, int min, mr_error **err);
/* Calls fn(arg, line) for each line of /proc/self/mountinfo (newline
 * replaced by NUL), reading through the caller's buffer; stops at the first
 * negative return and passes it on; -E2BIG for a line longer than `size`.
 * Async-signal-safe (no allocation): the container's child uses it. */
int util_mountinfo_each(char *buf, size_t size, int (*fn)(void *arg, char *line), void *arg);
/* Decodes mountinfo's octal escapes ("\\040" for a space) in place.
 * Async-signal-safe. */
void util_mountinfo_unescape(char *s);
/* Field 5 of a mountinfo line (the mount point), NUL-terminated and
 * unescaped in place; NULL for a malformed line. Async-signal-safe. */
char *util_mountinfo_mount_point(char *line);

#endif /* MR_UTIL_H */
