/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* supervisor.h - what the files of the example supervisor share. */
#ifndef SUPERVISOR_H
#define SUPERVISOR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <minirun.h>

#define SV_MAX_SERVICES 32
#define SV_MAX_DEPS     8
#define SV_NAME_MAX     64

enum sv_restart { SV_RESTART_NO, SV_RESTART_ON_FAILURE, SV_RESTART_ALWAYS };
enum sv_update { SV_UPDATE_DOWNLOAD_THEN_KILL, SV_UPDATE_KILL_THEN_DOWNLOAD, SV_UPDATE_HAND_OVER };

/* One service of the manifest. */
struct sv_spec {
  char name[SV_NAME_MAX];
  char *bundle;            /* absolute path of an OCI bundle */
  char *deps[SV_MAX_DEPS]; /* names of services started first */
  size_t n_deps;
  enum sv_restart restart;
  unsigned backoff_initial_ms; /* first restart delay, doubled per failure */
  unsigned backoff_max_ms;
  int health_port;    /* TCP port to connect to, 0: none */
  char **health_exec; /* argv run in the container, NULL: none */
  unsigned health_interval_ms;
  unsigned health_timeout_ms; /* time to become healthy after a start */
  enum sv_update update;
  char *network_from; /* a service whose network namespace this one joins */
};

struct sv_manifest {
  struct sv_spec services[SV_MAX_SERVICES];
  size_t n;
  char path[PATH_MAX]; /* the file it was loaded from */
};

/* Parses a manifest file; on failure prints nothing and fills `why`. The
 * services come back in dependency order (a service after its deps). */
int sv_manifest_load(const char *path, struct sv_manifest *m, char *why, size_t why_len);
void sv_manifest_free(struct sv_manifest *m);
const char *sv_restart_name(enum sv_restart r);
const char *sv_update_name(enum sv_update u);

#endif
