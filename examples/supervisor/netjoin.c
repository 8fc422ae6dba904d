/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netjoin.c - "network_from": SERVICE: the config of a service that shares
 * SERVICE's network namespace. The bundle's config.json is re-emitted with
 * linux.namespaces' "network" entry given the path /proc/PID/ns/net of
 * SERVICE's init (added when missing), then loaded with
 * mr_config_load_json(): two containers that talk over 127.0.0.1, as the
 * button/LED demo of examples/two-services does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "service.h"

#define CONFIG_MAX (4 << 20)

static void gen_string(yajl_gen g, const char *s)
{
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static bool is_type(yajl_val o, const char *type)
{
  const char *p[] = {"type", NULL};
  yajl_val t = YAJL_IS_OBJECT(o) ? yajl_tree_get(o, p, yajl_t_string) : NULL;
  return t && strcmp(t->u.string, type) == 0;
}

static void gen_value(yajl_gen g, yajl_val v, const char *netns, int depth, bool in_linux);

/* The namespace entry {"type": "network", "path": netns}. */
static void gen_network_entry(yajl_gen g, const char *netns)
{
  yajl_gen_map_open(g);
  gen_string(g, "type");
  gen_string(g, "network");
  gen_string(g, "path");
  gen_string(g, netns);
  yajl_gen_map_close(g);
}

/* linux.namespaces with the network entry pointing at `netns`. */
static void gen_namespaces(yajl_gen g, yajl_val a, const char *netns)
{
  yajl_gen_array_open(g);
  for (size_t i = 0; i < a->u.array.len; i++)
    if (!is_type(a->u.array.values[i], "network"))
      gen_value(g, a->u.array.values[i], NULL, 2, false);
  gen_network_entry(g, netns);
  yajl_gen_array_close(g);
}

static void gen_value(yajl_gen g, yajl_val v, const char *netns, int depth, bool in_linux)
{
  if (YAJL_IS_STRING(v)) {
    gen_string(g, v->u.string);
  } else if (YAJL_IS_NUMBER(v)) {
    yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
  } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
    yajl_gen_bool(g, YAJL_IS_TRUE(v));
  } else if (YAJL_IS_NULL(v)) {
    yajl_gen_null(g);
  } else if (YAJL_IS_ARRAY(v)) {
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v->u.array.len; i++)
      gen_value(g, v->u.array.values[i], NULL, depth + 1, false);
    yajl_gen_array_close(g);
  } else if (YAJL_IS_OBJECT(v)) {
    bool has_ns = false;
    yajl_gen_map_open(g);
    for (size_t i = 0; i < v->u.object.len; i++) {
      const char *k = v->u.object.keys[i];
      gen_string(g, k);
      if (netns && in_linux && strcmp(k, "namespaces") == 0 &&
          YAJL_IS_ARRAY(v->u.object.values[i])) {
        gen_namespaces(g, v->u.object.values[i], netns);
        has_ns = true;
      } else {
        gen_value(g, v->u.object.values[i], netns, depth + 1,
                  depth == 0 && strcmp(k, "linux") == 0);
      }
    }
    if (netns && in_linux && !has_ns) {
      gen_string(g, "namespaces");
      yajl_gen_array_open(g);
      gen_network_entry(g, netns);
      yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
  }
}

int sv_config_joining(struct sv *sv, const struct sv_spec *spec, pid_t pid, mr_config **out,
                      mr_error **err, char *why, size_t len)
{
  char path[PATH_MAX], netns[64], perr[256];
  snprintf(path, sizeof path, "%s/config.json", spec->bundle);
  snprintf(netns, sizeof netns, "/proc/%d/ns/net", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f) {
    snprintf(why, len, "%s: %s", path, strerror(errno));
    return -errno;
  }
  char *text = malloc(CONFIG_MAX + 1);
  size_t n = text ? fread(text, 1, CONFIG_MAX, f) : 0;
  fclose(f);
  if (!text)
    return -ENOMEM;
  text[n] = '\0';
  yajl_val root = yajl_tree_parse(text, perr, sizeof perr);
  free(text);
  const char *linux_path[] = {"linux", NULL};
  if (!root || !yajl_tree_get(root, linux_path, yajl_t_object)) {
    snprintf(why, len, "%s: %s", path, root ? "no linux section" : perr);
    yajl_tree_free(root);
    return -EINVAL;
  }
  yajl_gen g = yajl_gen_alloc(NULL);
  gen_value(g, root, netns, 0, false);
  const unsigned char *buf;
  size_t blen;
  yajl_gen_get_buf(g, &buf, &blen);
  int r = mr_config_load_json(sv->ctx, (const char *)buf, blen, spec->bundle, out, err);
  yajl_gen_free(g);
  yajl_tree_free(root);
  return r;
}
