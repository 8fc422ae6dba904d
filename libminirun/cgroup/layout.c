/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/layout.c - which cgroup hierarchies the host has, read from
 * /proc/self/mountinfo.
 *
 * v1 hierarchies are "cgroup" mounts; their super options name the
 * controllers (co-mounted ones like "cpu,cpuacct" share one hierarchy) or a
 * named hierarchy ("name=systemd"). The cgroup2 hierarchy is a "cgroup2"
 * mount whose root's cgroup.controllers lists what it holds: on a hybrid
 * host (v1 + cgroup2 at /sys/fs/cgroup/unified) some controllers may live
 * there. A hierarchy mounted twice (a bind elsewhere, a container's view)
 * is listed once, preferring the mount of its root under /sys/fs/cgroup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "place.h"

#define MOUNTINFO       "/proc/self/mountinfo"
#define MOUNTINFO_MAX   (4u * 1024 * 1024)
#define CONTROLLERS_MAX 4096
#define SYS_FS_CGROUP   "/sys/fs/cgroup"

/* One cgroup mount as mountinfo shows it. */
struct cg_mount {
  char *dev;        /* "0:29": identifies the hierarchy */
  char *root;       /* "/" for the hierarchy's root */
  char *mountpoint; /* unescaped */
  char *superopts;
  bool v2;
};

/* Super options that are not controllers. */
static bool is_mount_option(const char *opt)
{
  static const char *const opts[] = {"rw",           "ro",         "clone_children",
                                     "noprefix",     "xattr",      "cpuset_v2_mode",
                                     "favordynmods", "nsdelegate", "memory_recursiveprot"};
  for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
    if (strcmp(opt, opts[i]) == 0)
      return true;
  return strncmp(opt, "release_agent=", 14) == 0;
}

/* Splits one mountinfo line in place. Returns false for lines that are not
 * cgroup mounts (or malformed ones). */
static bool parse_line(char *line, struct cg_mount *m)
{
  char *field[6] = {NULL};
  char *save = NULL;
  char *tok = strtok_r(line, " ", &save);
  size_t i = 0;
  /* id parent dev root mountpoint options [optional...] - fstype source super */
  for (; tok != NULL && i < 6; tok = strtok_r(NULL, " ", &save))
    field[i++] = tok;
  if (i < 6)
    return false;
  while (tok != NULL && strcmp(tok, "-") != 0)
    tok = strtok_r(NULL, " ", &save);
  char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
  char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
  char *super = source ? strtok_r(NULL, " \n", &save) : NULL;
  if (super == NULL)
    return false;
  if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
    return false;
  m->dev = field[2];
  m->root = field[3];
  m->mountpoint = field[4];
  m->superopts = super;
  m->v2 = strcmp(fstype, "cgroup2") == 0;
  util_mountinfo_unescape(m->root);
  util_mountinfo_unescape(m->mountpoint);
  return true;
}

/* The controllers of a v1 mount: its super options minus the mount
 * options, comma-separated. */
static char *v1_controllers(const char *superopts)
{
  char *copy = strdup(superopts);
  char *out = calloc(1, strlen(superopts) + 1);
  if (copy == NULL || out == NULL) {
    free(copy);
    free(out);
    return NULL;
  }
  char *save = NULL;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    if (is_mount_option(o))
      continue;
    if (out[0] != '\0')
      strcat(out, ",");
    strcat(out, o);
  }
  free(copy);
  return out;
}

/* The controllers of the cgroup2 root, space-separated ("" when none or
 * unreadable: then the hierarchy only groups processes). */
static char *v2_controllers(const char *mountpoint)
{
  cleanup_free char *path = util_path_join(mountpoint, "cgroup.controllers");
  char *text = NULL;
  if (path == NULL)
    return NULL;
  if (util_read_file(path, CONTROLLERS_MAX, &text, NULL, NULL) < 0)
    return strdup("");
  text[strcspn(text, "\n")] = '\0';
  return text;
}

static bool under_sys_fs_cgroup(const char *mountpoint)
{
  size_t n = strlen(SYS_FS_CGROUP);
  return strncmp(mountpoint, SYS_FS_CGROUP, n) == 0 &&
         (mountpoint[n] == '\0' || mountpoint[n] == '/');
}

/* How good a mount is as the way to reach its hierarchy: its root mounted
 * under /sys/fs/cgroup is best. */
static int mount_rank(const struct cg_mount *m)
{
  return (strcmp(m->root, "/") == 0 ? 2 : 0) + (under_sys_fs_cgroup(m->mountpoint) ? 1 : 0);
}

/* The mounts seen so far, one per hierarchy (device). */
struct seen {
  struct cg_mount *m;
  char **lines; /* the parsed lines the mounts point into */
  size_t n;
};

static int add_mount(struct seen *s, char *line, const struct cg_mount *m)
{
  for (size_t i = 0; i < s->n; i++) {
    if (strcmp(s->m[i].dev, m->dev) != 0)
      continue;
    if (mount_rank(m) > mount_rank(&s->m[i])) {
      free(s->lines[i]);
      s->lines[i] = line;
      s->m[i] = *m;
    } else {
      free(line);
    }
    return 0;
  }
  struct cg_mount *nm = realloc(s->m, (s->n + 1) * sizeof(*nm));
  if (nm == NULL)
    return -ENOMEM;
  s->m = nm;
  char **nl = realloc(s->lines, (s->n + 1) * sizeof(*nl));
  if (nl == NULL)
    return -ENOMEM;
  s->lines = nl;
  s->m[s->n] = *m;
  s->lines[s->n] = line;
  s->n++;
  return 0;
}

static void seen_free(struct seen *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->lines[i]);
  free(s->lines);
  free(s->m);
}

static int read_mounts(const char *mountinfo, struct seen *s, mr_error **err)
{
  cleanup_free char *text = NULL;
  int r = util_read_file(mountinfo, MOUNTINFO_MAX, &text, NULL, err);
  if (r < 0)
    return r;
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char *line = strdup(l);
    if (line == NULL)
      return mr_err_sys(err, ENOMEM, "%s", mountinfo);
    struct cg_mount m;
    if (!parse_line(line, &m)) {
      free(line);
      continue;
    }
    if (add_mount(s, line, &m) < 0) {
      free(line);
      return mr_err_sys(err, ENOMEM, "%s", mountinfo);
    }
  }
  return 0;
}

static int add_hierarchy(struct cg_layout *l, const struct cg_mount *m, mr_error **err)
{
  struct cg_hierarchy *h = &l->h[l->n];
  h->v2 = m->v2;
  h->mountpoint = strdup(m->mountpoint);
  h->controllers = m->v2 ? v2_controllers(m->mountpoint) : v1_controllers(m->superopts);
  if (h->mountpoint == NULL || h->controllers == NULL) {
    free(h->mountpoint);
    free(h->controllers);
    return mr_err_sys(err, ENOMEM, "cgroup layout");
  }
  l->n++;
  return 0;
}

static const char *mode_name(enum mr_cgroup_mode mode)
{
  switch (mode) {
  case MR_CGROUP_V1:
    return "v1";
  case MR_CGROUP_V2:
    return "v2";
  case MR_CGROUP_HYBRID:
    return "hybrid";
  case MR_CGROUP_NONE:
    return "none";
  case MR_CGROUP_AUTO:
    break;
  }
  return "auto";
}

/* The mode the mounts make, and which of them a forced mode keeps. */
static int choose_mode(const char *mountinfo, enum mr_cgroup_mode override, size_t n_v1,
                       size_t n_v2, enum mr_cgroup_mode *mode, bool *use_v1, bool *use_v2,
                       mr_error **err)
{
  enum mr_cgroup_mode found = n_v1 && n_v2 ? MR_CGROUP_HYBRID
                              : n_v1       ? MR_CGROUP_V1
                              : n_v2       ? MR_CGROUP_V2
                                           : MR_CGROUP_NONE;
  if (override == MR_CGROUP_AUTO)
    override = found;
  bool ok = override == MR_CGROUP_NONE || (override == MR_CGROUP_V1 && n_v1) ||
            (override == MR_CGROUP_V2 && n_v2) || (override == MR_CGROUP_HYBRID && n_v1 && n_v2);
  if (!ok)
    return mr_err(err, -ENOTSUP,
                  "cgroup mode %s requested, but the host's cgroup layout is %s (from %s)",
                  mode_name(override), mode_name(found), mountinfo);
  *mode = override;
  *use_v1 = override == MR_CGROUP_V1 || override == MR_CGROUP_HYBRID;
  *use_v2 = override == MR_CGROUP_V2 || override == MR_CGROUP_HYBRID;
  return 0;
}

/* Picks the cgroup2 mount to use when there are several (a stray second
 * cgroup2 mount elsewhere): the one under /sys/fs/cgroup. */
static const struct cg_mount *pick_v2(const struct seen *s)
{
  const struct cg_mount *best = NULL;
  for (size_t i = 0; i < s->n; i++)
    if (s->m[i].v2 && (best == NULL || mount_rank(&s->m[i]) > mount_rank(best)))
      best = &s->m[i];
  return best;
}

int cg_layout_detect_from(const char *mountinfo, enum mr_cgroup_mode override,
                          struct cg_layout *out, mr_error **err)
{
  memset(out, 0, sizeof(*out));
  out->mode = MR_CGROUP_NONE;
  if (override == MR_CGROUP_NONE)
    return 0; /* never fails, whatever the host has */
  struct seen s = {0};
  int r = read_mounts(mountinfo, &s, err);
  size_t n_v1 = 0, n_v2 = 0;
  for (size_t i = 0; r == 0 && i < s.n; i++)
    s.m[i].v2 ? n_v2++ : n_v1++;
  enum mr_cgroup_mode mode = MR_CGROUP_NONE;
  bool use_v1 = false, use_v2 = false;
  if (r == 0)
    r = choose_mode(mountinfo, override, n_v1, n_v2, &mode, &use_v1, &use_v2, err);
  if (r == 0 && (out->h = calloc(s.n + 1, sizeof(*out->h))) == NULL)
    r = mr_err_sys(err, ENOMEM, "cgroup layout");
  /* v1 hierarchies first, the cgroup2 one last. */
  for (size_t i = 0; r == 0 && use_v1 && i < s.n; i++)
    if (!s.m[i].v2)
      r = add_hierarchy(out, &s.m[i], err);
  if (r == 0 && use_v2)
    r = add_hierarchy(out, pick_v2(&s), err);
  seen_free(&s);
  if (r < 0) {
    cg_layout_free(out);
    return r;
  }
  out->mode = mode;
  return 0;
}

int cg_layout_detect(enum mr_cgroup_mode override, struct cg_layout *out, mr_error **err)
{
  return cg_layout_detect_from(MOUNTINFO, override, out, err);
}

void cg_layout_free(struct cg_layout *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; l->h != NULL && i < l->n; i++) {
    free(l->h[i].mountpoint);
    free(l->h[i].controllers);
  }
  free(l->h);
  l->h = NULL;
  l->n = 0;
  l->mode = MR_CGROUP_NONE;
}

/* Whether `list` (separated by `sep`) holds `name` as a whole word. */
static bool list_has(const char *list, char sep, const char *name)
{
  size_t n = strlen(name);
  for (const char *p = list; p != NULL && *p;) {
    const char *end = strchr(p, sep);
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0)
      return true;
    p = end ? end + 1 : NULL;
  }
  return false;
}

const struct cg_hierarchy *cg_layout_find(const struct cg_layout *l, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (!l->h[i].v2 && list_has(l->h[i].controllers, ',', name))
      return &l->h[i];
  const struct cg_hierarchy *u = cg_layout_unified(l);
  if (u != NULL && list_has(u->controllers, ' ', name))
    return u;
  return NULL;
}

const struct cg_hierarchy *cg_layout_unified(const struct cg_layout *l)
{
  for (size_t i = 0; i < l->n; i++)
    if (l->h[i].v2)
      return &l->h[i];
  return NULL;
}
