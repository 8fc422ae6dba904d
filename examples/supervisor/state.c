/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state.c - the supervisor's own state, DIR/state.json, and what a
 * restarted supervisor makes of it:
 *
 *   {"services": [{"name": "web", "generation": 4, "current": "web-3",
 *                  "manifest": null, "next": "web-4",
 *                  "next_manifest": "/srv/m2.json"}]}
 *
 * "current" is the container serving, "next" a hand-over in progress,
 * "manifest" where the current spec came from (null: the command line's).
 * Every id is recorded *before* its container is created, so a supervisor
 * killed at any moment (a power cut) finds every container it may have
 * left. On restart: a running current container is adopted (it is no longer
 * our child: watched through a pidfd); an interrupted hand-over completes
 * when the new revision runs and passes its health check within its
 * health_timeout_ms, and is rolled back otherwise - never neither.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "service.h"

#define STATE_MAX (1 << 20)

void sv_crash_point(const char *step)
{
  const char *at = getenv("MINIRUN_SUPERVISOR_CRASH_AT");
  if (at && strcmp(at, step) == 0) {
    printf("supervisor: crash point %s\n", step);
    fflush(stdout);
    kill(getpid(), SIGKILL);
  }
}

static void gen_str(yajl_gen g, const char *s)
{
  if (s && *s)
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
  else
    yajl_gen_null(g);
}

static void gen_key(yajl_gen g, const char *k)
{
  yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

/* tmp + fsync + rename + fsync of the directory: the file is the old or the
 * new version after a power cut, never a mix. */
static int write_atomically(const char *dir, const char *name, const unsigned char *data,
                            size_t len)
{
  char path[PATH_MAX], tmp[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      return -e;
    }
    off += (size_t)n;
  }
  if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return -e;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return 0;
}

int sv_state_save(struct sv *sv)
{
  yajl_gen g = yajl_gen_alloc(NULL);
  const unsigned char *buf;
  size_t len;
  if (!g)
    return -ENOMEM;
  yajl_gen_map_open(g);
  gen_key(g, "services");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < sv->n; i++) {
    const struct service *s = &sv->svc[i];
    yajl_gen_map_open(g);
    gen_key(g, "name");
    gen_str(g, s->name);
    gen_key(g, "generation");
    yajl_gen_integer(g, s->generation);
    gen_key(g, "current");
    gen_str(g, s->id);
    gen_key(g, "manifest");
    gen_str(g, s->spec_manifest);
    gen_key(g, "next");
    gen_str(g, s->next_id);
    gen_key(g, "next_manifest");
    gen_str(g, s->next_manifest);
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  yajl_gen_get_buf(g, &buf, &len);
  int r = write_atomically(sv->state_dir, "state.json", buf, len);
  yajl_gen_free(g);
  if (r < 0)
    fprintf(stderr, "supervisor: %s/state.json: %s\n", sv->state_dir, strerror(-r));
  return r;
}

static const char *field(yajl_val o, const char *key)
{
  const char *p[] = {key, NULL};
  yajl_val v = yajl_tree_get(o, p, yajl_t_string);
  return v ? v->u.string : NULL;
}

static bool is_running(struct sv *sv, const char *id)
{
  mr_state *st = NULL;
  if (mr_state_get(sv->ctx, id, &st, NULL) < 0)
    return false;
  bool running = mr_state_status(st) == MR_STATUS_RUNNING;
  mr_state_free(st);
  return running;
}

/* Probes `spec` against container `id` until healthy or its timeout. */
static bool becomes_healthy(struct sv *sv, const struct sv_spec *spec, const char *id)
{
  long long deadline = sv_now_ms() + spec->health_timeout_ms;
  do {
    mr_state *st = NULL;
    if (mr_state_get(sv->ctx, id, &st, NULL) < 0)
      return false;
    pid_t pid = mr_state_status(st) == MR_STATUS_RUNNING ? mr_state_pid(st) : 0;
    mr_state_free(st);
    if (pid <= 0)
      return false;
    if (sv_probe(spec, pid))
      return true;
    usleep(spec->health_interval_ms * 1000U);
  } while (sv_now_ms() < deadline);
  return false;
}

/* An interrupted hand-over of `s` to container `next`: complete or roll back. */
static void resolve_hand_over(struct sv *sv, struct service *s, const char *next,
                              const char *next_manifest)
{
  char why[512];
  const struct sv_spec *nspec =
      next_manifest ? sv_load_spec(sv, s->name, next_manifest, why, sizeof why) : s->spec;
  if (nspec && is_running(sv, next) && becomes_healthy(sv, nspec, next)) {
    printf("supervisor: interrupted update of %s: %s is healthy: completing\n", s->name, next);
    mr_container_delete(sv->ctx, s->id, 1, NULL); /* the old revision */
    snprintf(s->id, sizeof s->id, "%s", next);
    s->spec = nspec;
    s->spec_manifest = next_manifest ? sv->updates[sv->n_updates - 1]->path : NULL;
  } else {
    printf("supervisor: interrupted update of %s: %s is not healthy: rolling back\n", s->name,
           next);
    mr_container_delete(sv->ctx, next, 1, NULL);
  }
  fflush(stdout);
}

static void recover_service(struct sv *sv, yajl_val o)
{
  const char *name = field(o, "name"), *current = field(o, "current");
  const char *manifest = field(o, "manifest"), *next = field(o, "next");
  const char *gen_path[] = {"generation", NULL};
  yajl_val gen = yajl_tree_get(o, gen_path, yajl_t_number);
  struct service *s = name ? sv_find(sv, name) : NULL;
  char why[512];
  if (!s) {
    /* Not in the manifest any more: its containers go. */
    if (current)
      mr_container_delete(sv->ctx, current, 1, NULL);
    if (next)
      mr_container_delete(sv->ctx, next, 1, NULL);
    return;
  }
  if (gen && YAJL_IS_INTEGER(gen) && YAJL_GET_INTEGER(gen) > 0)
    s->generation = (unsigned)YAJL_GET_INTEGER(gen);
  if (manifest) {
    const struct sv_spec *spec = sv_load_spec(sv, s->name, manifest, why, sizeof why);
    if (spec) {
      s->spec = spec;
      s->spec_manifest = sv->updates[sv->n_updates - 1]->path;
    } else {
      printf("supervisor: %s: keeping the command line's spec: %s\n", s->name, why);
    }
  }
  snprintf(s->id, sizeof s->id, "%s", current ? current : "");
  if (next)
    resolve_hand_over(sv, s, next, field(o, "next_manifest"));
  if (s->id[0] && sv_adopt(sv, s) < 0) {
    mr_container_delete(sv->ctx, s->id, 1, NULL); /* created or stopped: start afresh */
    s->id[0] = '\0';
  }
}

void sv_state_recover(struct sv *sv)
{
  char path[PATH_MAX], err[256];
  snprintf(path, sizeof path, "%s/state.json", sv->state_dir);
  FILE *f = fopen(path, "re");
  if (!f)
    return; /* a first start */
  char *text = malloc(STATE_MAX + 1);
  size_t n = text ? fread(text, 1, STATE_MAX, f) : 0;
  fclose(f);
  if (!text)
    return;
  text[n] = '\0';
  yajl_val root = yajl_tree_parse(text, err, sizeof err);
  free(text);
  const char *svc_path[] = {"services", NULL};
  yajl_val list = root ? yajl_tree_get(root, svc_path, yajl_t_array) : NULL;
  if (!list)
    fprintf(stderr, "supervisor: %s: unreadable, ignored\n", path);
  for (size_t i = 0; list && i < list->u.array.len; i++)
    if (YAJL_IS_OBJECT(list->u.array.values[i]))
      recover_service(sv, list->u.array.values[i]);
  yajl_tree_free(root);
  sv_state_save(sv);
}
