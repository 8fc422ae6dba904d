/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * caps.h - process.capabilities and process.noNewPrivileges.
 *
 * The plan turns the capability names into bit masks with libcap (before
 * clone); the child only issues prctl(2)/capset(2). The child's order around
 * the uid switch is
 *
 *   caps_prepare          PR_SET_KEEPCAPS, drop what the bounding set lacks
 *   process_set_identity  setgroups/setresgid/setresuid
 *   caps_apply            capset(effective, permitted, inheritable), raise
 *                         the ambient ones, clear keep-caps
 *   ...
 *   caps_no_new_privs     PR_SET_NO_NEW_PRIVS, just before seccomp/execve
 */
#ifndef MR_SECURITY_CAPS_H
#define MR_SECURITY_CAPS_H

#include "../plan.h"

/* Parent: names -> masks. An unknown name is an error naming its JSON path;
 * a capability the running kernel does not know is skipped (debug log), as
 * crun does. No `capabilities` object means empty sets (crun). */
int caps_plan(mr_context *ctx, const mr_config *config, struct plan *plan, mr_error **err);

/* Capability names (the spec's "CAP_KILL"), the only use of libcap:
 * caps-names.c, or caps-names-disabled.c in a build configured with
 * --disable-caps, which knows no name (only empty sets are possible). */
#define CAPS_NAME_MAX 32
/* The capability's number, -EINVAL for an unknown name, -EOPNOTSUPP when
 * this build has no names. */
int caps_from_name(const char *name);
/* "CAP_KILL" for cap into buf (CAPS_NAME_MAX bytes), "capability N" when
 * there is no name; returns buf. */
char *caps_to_name(int cap, char *buf);
/* Whether caps_to_name knows the name of cap. */
bool caps_has_name(int cap);

/* The highest capability the running kernel knows. */
int caps_last_cap(void);

/* Child (async-signal-safe). */
void caps_prepare(const struct plan *plan, int sync_fd);
void caps_apply(const struct plan *plan, int sync_fd);
void caps_no_new_privs(const struct plan *plan, int sync_fd);

#endif /* MR_SECURITY_CAPS_H */
