/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec-default.c - the config.json that `minirun spec` writes.
 *
 * The content follows what `crun spec` and `runc spec` write, so a bundle
 * made with one tool behaves alike under the others. It is generated with
 * yajl_gen rather than kept as a text template because the rootless variant
 * embeds the caller's uid and gid, and yajl_gen always yields valid JSON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "error.h"
#include "spec.h"

/* Which variant an entry belongs to. */
enum variant { BOTH, ROOTFUL, ROOTLESS };

struct default_mount {
  enum variant variant;
  const char *destination;
  const char *type;
  const char *source;
  const char *options[8]; /* NULL-terminated */
};

static const struct default_mount default_mounts[] = {
    {BOTH, "/proc", "proc", "proc", {NULL}},
    {BOTH, "/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {ROOTFUL,
     "/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    /* gid 5 (tty) is not mapped in a rootless user namespace. */
    {ROOTLESS,
     "/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL}},
    {BOTH,
     "/dev/shm",
     "tmpfs",
     "shm",
     {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {BOTH, "/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {ROOTFUL, "/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    /* Without its own network namespace a rootless container may not mount
     * a new sysfs: bind the host's read-only instead. */
    {ROOTLESS, "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}},
    {BOTH,
     "/sys/fs/cgroup",
     "cgroup",
     "cgroup",
     {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

struct default_namespace {
  enum variant variant;
  const char *type;
};

/* Rootless has no network namespace: it could not be connected anyway. */
static const struct default_namespace default_namespaces[] = {
    {BOTH, "pid"},      {ROOTFUL, "network"}, {BOTH, "ipc"},   {BOTH, "uts"},
    {ROOTLESS, "user"}, {BOTH, "cgroup"},     {BOTH, "mount"},
};

/* The inheritable and ambient sets stay empty (runc's choice since
 * CVE-2022-29162): ambient capabilities need them inheritable, and
 * inheritable ones leak into programs run with file capabilities. */
#ifdef MR_ENABLE_CAPS
static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};
#else
/* ./configure --disable-caps: only empty sets can be run. */
static const char *const default_caps[] = {NULL};
#endif

static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};

static const char *const masked_paths[] = {"/proc/acpi",
                                           "/proc/asound",
                                           "/proc/kcore",
                                           "/proc/keys",
                                           "/proc/latency_stats",
                                           "/proc/timer_list",
                                           "/proc/timer_stats",
                                           "/proc/sched_debug",
                                           "/proc/scsi",
                                           "/sys/firmware",
                                           "/sys/devices/virtual/powercap",
                                           NULL};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

/* ------------------------------------------------------------------------ */
/* A yajl_gen that remembers its first failure, so callers need not check    */
/* every call.                                                               */
/* ------------------------------------------------------------------------ */

struct gen {
  yajl_gen g;
  bool rootless;
  yajl_gen_status status;
};

static void check(struct gen *g, yajl_gen_status st)
{
  if (g->status == yajl_gen_status_ok)
    g->status = st;
}

static void str(struct gen *g, const char *s)
{
  check(g, yajl_gen_string(g->g, (const unsigned char *)s, strlen(s)));
}

static void open_map(struct gen *g, const char *key)
{
  if (key != NULL)
    str(g, key);
  check(g, yajl_gen_map_open(g->g));
}

static void close_map(struct gen *g)
{
  check(g, yajl_gen_map_close(g->g));
}

static void open_array(struct gen *g, const char *key)
{
  str(g, key);
  check(g, yajl_gen_array_open(g->g));
}

static void close_array(struct gen *g)
{
  check(g, yajl_gen_array_close(g->g));
}

static void key_str(struct gen *g, const char *key, const char *value)
{
  str(g, key);
  str(g, value);
}

static void key_bool(struct gen *g, const char *key, bool value)
{
  str(g, key);
  check(g, yajl_gen_bool(g->g, value));
}

static void key_int(struct gen *g, const char *key, long long value)
{
  str(g, key);
  check(g, yajl_gen_integer(g->g, value));
}

static void key_strv(struct gen *g, const char *key, const char *const *strv)
{
  open_array(g, key);
  for (; *strv != NULL; strv++)
    str(g, *strv);
  close_array(g);
}

static bool wanted(const struct gen *g, enum variant v)
{
  return v == BOTH || (v == ROOTLESS) == g->rootless;
}

/* ------------------------------------------------------------------------ */
/* The sections                                                              */
/* ------------------------------------------------------------------------ */

static void gen_process(struct gen *g)
{
  open_map(g, "process");
  key_bool(g, "terminal", true);
  open_map(g, "user");
  key_int(g, "uid", 0);
  key_int(g, "gid", 0);
  close_map(g);
  key_strv(g, "args", (const char *const[]){"sh", NULL});
  key_strv(g, "env", default_env);
  key_str(g, "cwd", "/");
  open_map(g, "capabilities");
  key_strv(g, "bounding", default_caps);
  key_strv(g, "effective", default_caps);
  key_strv(g, "permitted", default_caps);
  close_map(g);
  open_array(g, "rlimits");
  open_map(g, NULL);
  key_str(g, "type", "RLIMIT_NOFILE");
  key_int(g, "hard", 1024);
  key_int(g, "soft", 1024);
  close_map(g);
  close_array(g);
  key_bool(g, "noNewPrivileges", true);
  close_map(g);
}

static void gen_mounts(struct gen *g)
{
  open_array(g, "mounts");
  for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
    const struct default_mount *m = &default_mounts[i];
    if (!wanted(g, m->variant))
      continue;
    open_map(g, NULL);
    key_str(g, "destination", m->destination);
    key_str(g, "type", m->type);
    key_str(g, "source", m->source);
    if (m->options[0] != NULL)
      key_strv(g, "options", m->options);
    close_map(g);
  }
  close_array(g);
}

/* The caller's id mapped to root, the only mapping an unprivileged user may
 * write without newuidmap. */
static void gen_id_mapping(struct gen *g, const char *key, unsigned long host_id)
{
  open_array(g, key);
  open_map(g, NULL);
  key_int(g, "containerID", 0);
  key_int(g, "hostID", (long long)host_id);
  key_int(g, "size", 1);
  close_map(g);
  close_array(g);
}

static void gen_namespaces(struct gen *g)
{
  open_array(g, "namespaces");
  for (size_t i = 0; i < sizeof(default_namespaces) / sizeof(default_namespaces[0]); i++) {
    if (!wanted(g, default_namespaces[i].variant))
      continue;
    open_map(g, NULL);
    key_str(g, "type", default_namespaces[i].type);
    close_map(g);
  }
  close_array(g);
}

/* Deny every device in the devices cgroup; rootless cannot use one. */
static void gen_resources(struct gen *g)
{
  open_map(g, "resources");
  open_array(g, "devices");
  open_map(g, NULL);
  key_bool(g, "allow", false);
  key_str(g, "access", "rwm");
  close_map(g);
  close_array(g);
  close_map(g);
}

static void gen_linux(struct gen *g)
{
  open_map(g, "linux");
  if (g->rootless) {
    gen_id_mapping(g, "uidMappings", (unsigned long)getuid());
    gen_id_mapping(g, "gidMappings", (unsigned long)getgid());
  } else {
    gen_resources(g);
  }
  gen_namespaces(g);
  key_strv(g, "maskedPaths", masked_paths);
  key_strv(g, "readonlyPaths", readonly_paths);
  close_map(g);
}

static void gen_spec(struct gen *g)
{
  open_map(g, NULL);
  key_str(g, "ociVersion", "1.0.0");
  gen_process(g);
  open_map(g, "root");
  key_str(g, "path", "rootfs");
  key_bool(g, "readonly", true);
  close_map(g);
  key_str(g, "hostname", "minirun");
  gen_mounts(g);
  gen_linux(g);
  close_map(g);
}

/* A copy of the generated text, ending with a newline. */
static int copy_text(yajl_gen yg, char **out, mr_error **err)
{
  const unsigned char *buf;
  size_t len;
  if (yajl_gen_get_buf(yg, &buf, &len) != yajl_gen_status_ok)
    return mr_err(err, -EINVAL, "default config: cannot get the generated text");
  bool newline = len > 0 && buf[len - 1] == '\n';
  char *text = malloc(len + 2);
  if (text == NULL)
    return mr_err_sys(err, ENOMEM, "default config");
  memcpy(text, buf, len);
  if (!newline)
    text[len++] = '\n';
  text[len] = '\0';
  *out = text;
  return 0;
}

int spec_default_json(bool rootless, char **out, struct mr_error **err)
{
  struct gen g = {.g = yajl_gen_alloc(NULL), .rootless = rootless};
  if (g.g == NULL)
    return mr_err_sys(err, ENOMEM, "default config");
  yajl_gen_config(g.g, yajl_gen_beautify, 1);
  yajl_gen_config(g.g, yajl_gen_indent_string, "\t");
  gen_spec(&g);
  int r;
  if (g.status != yajl_gen_status_ok)
    r = mr_err(err, -EINVAL, "default config: JSON generation failed (yajl status %d)",
               (int)g.status);
  else
    r = copy_text(g.g, out, err);
  yajl_gen_free(g.g);
  return r;
}
