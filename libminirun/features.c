/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * features.c - mr_features_json(): the runtime-spec "features" document
 * (features.md) of this build on this kernel.
 *
 * Every list is what the code accepts, asked of the code itself: each
 * candidate name of the runtime-spec (or of libcap, libseccomp)
 * is put through the same parser a config.json goes through, and only the
 * accepted ones are listed; kernel-dependent entries (time namespace,
 * capabilities, seccomp flags) are probed on the running kernel. Nothing
 * is listed that a create would refuse, and tests/integration/
 * test-features.sh checks that the other way round too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hooks/hooks.h"
#include "jsonw.h"
#include "mount-api.h"
#include "mounts.h"
#include "mounts/options.h"
#include "security/caps.h"
#include "security/seccomp.h"
#include "spec.h"

#ifndef MS_REMOUNT
#define MS_REMOUNT 32
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* /proc/self/ns/time exists from 5.6 on; a seccomp filter that refuses
 * CLONE_NEWTIME (a sandbox we run in, the old-kernel test mode) makes
 * setns() fail with EINVAL even for fd -1, where the kernel says EBADF.
 * setns() on fd -1 changes nothing. */
static bool time_ns_usable(void)
{
  return setns(-1, CLONE_NEWTIME) < 0 && errno == EBADF;
}

static void namespaces(struct jw *w)
{
  static const char *const proc_name[SPEC_NS_COUNT] = {
      [SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "net", [SPEC_NS_MOUNT] = "mnt",
      [SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",     [SPEC_NS_USER] = "user",
      [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
  };
  jw_str(w, "namespaces");
  jw_array_open(w);
  for (int t = 0; t < SPEC_NS_COUNT; t++) {
    /* A kind this kernel lacks (time before 5.6) would fail every create. */
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", proc_name[t] ? proc_name[t] : "");
    if (proc_name[t] != NULL && access(path, F_OK) == 0 && (t != SPEC_NS_TIME || time_ns_usable()))
      jw_str(w, spec_ns_type_name((enum spec_ns_type)t));
  }
  jw_array_close(w);
}

static void capabilities(struct jw *w)
{
  /* caps_plan takes the names up to the kernel's last capability (none in
   * a build configured with --disable-caps). */
  int last = caps_last_cap();
  jw_str(w, "capabilities");
  jw_array_open(w);
  for (int c = 0; c <= last && c < 64; c++) {
    char name[CAPS_NAME_MAX];
    if (caps_has_name(c))
      jw_str(w, caps_to_name(c, name));
  }
  jw_array_close(w);
}

static void enabled(struct jw *w, const char *key, bool on)
{
  jw_str(w, key);
  jw_map_open(w);
  jw_key_bool(w, "enabled", on);
  jw_map_close(w);
}

/* idmapped mounts need mount_setattr (5.12): with a bad fd it fails with
 * EBADF where it exists. */
static bool has_mount_setattr(void)
{
  return syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno != ENOSYS;
}

static void linux_section(struct jw *w)
{
  jw_str(w, "linux");
  jw_map_open(w);
  namespaces(w);
  capabilities(w);
  jw_str(w, "cgroup");
  jw_map_open(w);
  jw_key_bool(w, "v1", true);
  jw_key_bool(w, "v2", true);
  /* slice:prefix:name paths are placed with cgroupfs, not through
   * systemd's D-Bus API: no systemd cgroup manager. */
  jw_key_bool(w, "systemd", false);
  jw_key_bool(w, "systemdUser", false);
  jw_key_bool(w, "rdma", true);
  jw_map_close(w);
  seccomp_features(w);
  /* Applied when the host has the LSM enabled (security/lsm.c). */
  enabled(w, "apparmor", true);
  enabled(w, "selinux", true);
  enabled(w, "intelRdt", false);
  jw_str(w, "mountExtensions");
  jw_map_open(w);
  enabled(w, "idmap", has_mount_setattr());
  jw_map_close(w);
  enabled(w, "netDevices", true);
  jw_map_close(w);
}

static void mount_options(struct jw *w)
{
  jw_str(w, "mountOptions");
  jw_array_open(w);
  /* mounts_parse_options() hands every name of this table to mount(2) as
   * a flag; "remount" would make a create fail. */
  unsigned long flags;
  const char *name;
  for (size_t i = 0; (name = mount_options_flag_name(i, &flags)) != NULL; i++)
    if (flags != MS_REMOUNT)
      jw_str(w, name);
  /* idmap/ridmap only where idmapped mounts exist: elsewhere they fail. */
  bool idmap = has_mount_setattr();
  const char *o;
  for (size_t i = 0; (o = mounts_extra_option(i)) != NULL; i++)
    if (idmap || (strcmp(o, "idmap") != 0 && strcmp(o, "ridmap") != 0))
      jw_str(w, o);
  jw_array_close(w);
}

static void write_features(struct jw *w, const void *arg)
{
  (void)arg;
  jw_map_open(w);
  jw_key_str(w, "ociVersionMin", "1.0.0");
  jw_key_str(w, "ociVersionMax", "1.3.0");
  jw_str(w, "hooks");
  jw_array_open(w);
  for (int k = 0; k < HOOK_KIND_COUNT; k++)
    jw_str(w, hooks_kind_name((enum hook_kind)k));
  jw_array_close(w);
  mount_options(w);
  linux_section(w);
  jw_str(w, "annotations");
  jw_map_open(w);
  seccomp_features_annotations(w);
  jw_key_str(w, "org.opencontainers.runc.checkpoint.enabled", "false");
  /* root.path may name a squashfs/EROFS image (./configure --disable-images). */
#ifdef MR_ENABLE_IMAGES
  jw_key_str(w, "org.minirun.images.enabled", "true");
#else
  jw_key_str(w, "org.minirun.images.enabled", "false");
#endif
  jw_map_close(w);
  jw_map_close(w);
}

int mr_features_json(char **out, mr_error **err)
{
  size_t len;
  return jw_render(write_features, NULL, "features", out, &len, err);
}
