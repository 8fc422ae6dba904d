/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.c - loading a bundle's config.json into an mr_config handle. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "state.h"
#include "util.h"

/* A config.json bigger than this is not a config (podman's are ~10 KiB). */
#define CONFIG_MAX_SIZE (16u << 20)

static int absolute_path(const char *path, char **out, mr_error **err)
{
  if (path == NULL || *path == '\0')
    path = ".";
  if (path[0] == '/')
    return util_strdup(path, out, err);
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == NULL)
    return mr_err_sys(err, errno, "getcwd");
  *out = strcmp(path, ".") == 0 ? strdup(cwd) : util_path_join(cwd, path);
  if (*out == NULL)
    return mr_err_sys(err, ENOMEM, "bundle path");
  return 0;
}

/* The text itself: create saves it in the state dir for exec. */
static int keep_text(mr_config *c, const char *json, size_t len, mr_error **err)
{
  c->json = malloc(len + 1);
  if (c->json == NULL)
    return mr_err_sys(err, ENOMEM, "config");
  memcpy(c->json, json, len);
  c->json[len] = '\0';
  c->json_len = len;
  return 0;
}

static int config_from_text(const char *json, size_t len, const char *bundle, mr_config **out,
                            mr_error **err)
{
  mr_config *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return mr_err_sys(err, ENOMEM, "config");
  seccomp_config_init(c);
  int r = absolute_path(bundle, &c->bundle, err);
  if (r == 0)
    r = keep_text(c, json, len, err);
  if (r == 0)
    r = spec_parse(json, len, "config.json", &c->spec, err);
  if (r == 0 && c->spec->root.path != NULL) {
    const char *p = c->spec->root.path;
    c->rootfs = p[0] == '/' ? strdup(p) : util_path_join(c->bundle, p);
    if (c->rootfs == NULL)
      r = mr_err_sys(err, ENOMEM, "rootfs path");
  }
  if (r < 0) {
    mr_config_free(c);
    return r;
  }
  *out = c;
  return 0;
}

int mr_config_load_bundle(mr_context *ctx, const char *bundle, mr_config **out, mr_error **err)
{
  (void)ctx;
  cleanup_free char *abs = NULL;
  int r = absolute_path(bundle, &abs, err);
  if (r < 0)
    return r;
  cleanup_free char *path = util_path_join(abs, "config.json");
  if (path == NULL)
    return mr_err_sys(err, ENOMEM, "config path");
  cleanup_free char *json = NULL;
  size_t len = 0;
  r = util_read_file(path, CONFIG_MAX_SIZE, &json, &len, err);
  if (r < 0)
    return r;
  return config_from_text(json, len, abs, out, err);
}

int config_save(int dirfd, const mr_config *config, mr_error **err)
{
  return util_write_file_atomic(dirfd, STATE_CONFIG_FILE, config->json, config->json_len, 0600,
                                err);
}

int config_load_saved(int dirfd, const char *bundle, mr_config **out, mr_error **err)
{
  cleanup_free char *json = NULL;
  size_t len = 0;
  int r = util_read_file_at(dirfd, STATE_CONFIG_FILE, CONFIG_MAX_SIZE, &json, &len, err);
  if (r < 0)
    return r;
  return config_from_text(json, len, bundle, out, err);
}

int mr_config_load_json(mr_context *ctx, const char *json, size_t len, const char *bundle,
                        mr_config **out, mr_error **err)
{
  (void)ctx;
  if (json == NULL)
    return mr_err(err, -EINVAL, "config.json: no text given");
  return config_from_text(json, len, bundle, out, err);
}

void mr_config_free(mr_config *config)
{
  if (config == NULL)
    return;
  seccomp_config_free(config);
  spec_free(config->spec);
  free(config->bundle);
  free(config->rootfs);
  free(config->json);
  free(config);
}

int mr_config_terminal(const mr_config *config)
{
  return config != NULL && config->spec->process.terminal ? 1 : 0;
}

int mr_config_default_json(int rootless, char **out, mr_error **err)
{
  return spec_default_json(rootless != 0, out, err);
}

int config_validate_for_create(const mr_config *config, mr_error **err)
{
  const struct spec *s = config->spec;
  if (!s->process.present)
    return mr_err(err, -EINVAL, "config.json: process: missing");
  if (s->process.n_args == 0)
    return mr_err(err, -EINVAL, "config.json: process.args: must not be empty");
  if (s->process.args[0][0] == '\0')
    return mr_err(err, -EINVAL, "config.json: process.args[0]: must not be empty");
  if (config->rootfs == NULL)
    return mr_err(err, -EINVAL, "config.json: root.path: missing");
  /* "" would make the bundle directory itself the rootfs. */
  if (s->root.path != NULL && s->root.path[0] == '\0')
    return mr_err(err, -EINVAL, "config.json: root.path: must not be empty");
  if (s->process.cwd != NULL && s->process.cwd[0] != '/')
    return mr_err(err, -EINVAL, "config.json: process.cwd: '%s' is not an absolute path",
                  s->process.cwd);
  return 0;
}
