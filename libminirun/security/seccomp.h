/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp.h - linux.seccomp: compiled before clone(), loaded by the child.
 *
 * The cost of a seccomp profile is the libseccomp compiler (podman's default
 * profile: ~29 M instructions), so it is paid once: the BPF program is kept
 * on the mr_config (every create from that config reuses it) and, when the
 * context has a cache directory, in a validated file keyed by a SHA-256 of
 * everything the program depends on (seccomp-cache.c). The child only makes
 * raw seccomp()/sendmsg() calls on memory prepared here.
 */
#ifndef MR_SECCOMP_H
#define MR_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../context.h"
#include "../spec.h"

struct plan;
struct mr_config;
struct jw;

/* A compiled filter program (what seccomp_export_bpf writes). */
struct seccomp_program {
  struct sock_filter *insns;
  size_t n_insns;
};
void seccomp_program_free(struct seccomp_program *p);

/* What the child needs; all of it prepared in the parent. */
struct seccomp_plan {
  bool enabled;
  /* Load before the uid/capability switch: without no_new_privs the kernel
   * wants CAP_SYS_ADMIN, which the process will not have afterwards (runc
   * does the same). Otherwise the filter is the last step before execve. */
  bool early;
  struct sock_fprog prog; /* borrows the mr_config's program */
  unsigned int flags;     /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
  /* listenerPath: a socket connected before clone, and the
   * containerProcessState document with space for the pids, filled in by
   * the child (it cannot allocate). */
  int listener_fd; /* -1: none */
  char *state_json;
  size_t state_len;
  size_t pid_at[2]; /* offsets of the two padded pid fields */
  int host_pid;     /* the init's pid as the host sees it (sent with GO) */
};

/* Validates linux.seccomp (names a JSON path on bad input), gets the
 * compiled program (config, cache or compiler), probes the kernel for the
 * flags and connects the listener. */
int seccomp_plan(mr_context *ctx, const struct mr_config *config, const char *id, struct plan *plan,
                 mr_error **err);
void seccomp_plan_free(struct seccomp_plan *sp);
/* The mr_config's share: its lock and compiled program. */
void seccomp_config_init(struct mr_config *config);
void seccomp_config_free(struct mr_config *config);

/* Child side (async-signal-safe): loads the filter if this is its step,
 * and sends the notify fd to the listener. */
void seccomp_apply_before_identity(struct plan *plan, int sync_fd);
void seccomp_apply_before_exec(struct plan *plan, int sync_fd);

/* features.c: the "linux.seccomp" object of the features document, and
 * its annotations (the libseccomp version). */
void seccomp_features(struct jw *w);
void seccomp_features_annotations(struct jw *w);

/* ---- internal to security/seccomp*.c ---------------------------------- */

/* The config-level result of validation (cheap; run on every create). */
struct seccomp_check {
  uint32_t default_action;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* asked for by "flags" */
  bool uses_notify;
};
/* Name tables; each returns 0 or -EINVAL with an error naming `path`. */
int seccomp_parse_action(const char *name, bool has_errno, uint32_t errno_ret, const char *path,
                         uint32_t *out, mr_error **err);
int seccomp_parse_op(const char *name, const char *path, int *out, mr_error **err);
/* Refuses pairs of rules libseccomp would not come back from compiling
 * (seccomp-pairs.c). */
int seccomp_check_rule_pairs(const struct spec_seccomp *sc, mr_error **err);
int seccomp_parse_arch(const char *name, const char *path, uint32_t *out, mr_error **err);
/* A "flags" name as the parser takes it: 0 and its SECCOMP_FILTER_FLAG_*
 * value (0 for TSYNC, a no-op here), or -EINVAL. */
int seccomp_flag_value(const char *name, unsigned int *flag);
int seccomp_check_spec(const struct spec_seccomp *sc, struct seccomp_check *out, mr_error **err);

/* libseccomp: spec -> BPF (expensive). */
int seccomp_compile(const mr_context *ctx, const struct spec_seccomp *sc,
                    struct seccomp_program *out, mr_error **err);

/* The cache file: key over everything the program depends on. */
void seccomp_cache_key(const struct spec_seccomp *sc, unsigned char key[32]);
/* 1 and *out filled on a valid entry, 0 on a miss or an invalid entry
 * (logged; never loaded), never fails. */
int seccomp_cache_load(const mr_context *ctx, const char *dir, const unsigned char key[32],
                       struct seccomp_program *out);
/* Best effort: failures are logged, not returned. */
void seccomp_cache_store(const mr_context *ctx, const char *dir, const unsigned char key[32],
                         const struct seccomp_program *p);

/* containerProcessState + listener socket (seccomp-notify.c). */
int seccomp_notify_plan(const struct mr_config *config, const char *id, struct seccomp_plan *sp,
                        mr_error **err);
void seccomp_notify_send(struct seccomp_plan *sp, int notify_fd, int sync_fd);

#endif /* MR_SECCOMP_H */
