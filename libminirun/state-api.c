/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state-api.c - mr_state_*: the state of one container or of all, read
 * without taking the container lock so `state` and `list` never wait behind
 * a long create.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "jsonw.h"
#include "state.h"
#include "util.h"

struct mr_state {
  struct state_record *rec;
  enum mr_status status;
};

/* ------------------------------------------------------------------------ */
/* state and list                                                            */
/* ------------------------------------------------------------------------ */

/* Builds the state of the container directory `dirfd`. No lock is taken, so
 * `state` never waits behind a long create: state.json is replaced by
 * rename() and so always complete, and a directory deleted while we read is
 * reported as unknown. */
static int load_state(int dirfd, const char *id, mr_state **out, mr_error **err)
{
  struct state_record *rec = NULL;
  int r = state_load(dirfd, id, &rec, err);
  if (r < 0)
    return r;
  enum mr_status status = state_status(dirfd, rec);
  if (state_dir_is_removed(dirfd)) {
    state_record_free(rec);
    return state_err_unknown(err, id);
  }
  mr_state *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    state_record_free(rec);
    return mr_err_sys(err, ENOMEM, "container '%s'", id);
  }
  s->rec = rec;
  s->status = status;
  *out = s;
  return 0;
}

int mr_state_get(mr_context *ctx, const char *id, mr_state **out, mr_error **err)
{
  *out = NULL;
  int r = mr_id_validate(id, err);
  if (r < 0)
    return r;
  cleanup_close int dirfd = -1;
  r = state_dir_open(ctx, id, &dirfd, err);
  if (r < 0)
    return r;
  return load_state(dirfd, id, out, err);
}

void mr_state_free(mr_state *st)
{
  if (st == NULL)
    return;
  state_record_free(st->rec);
  free(st);
}

const char *mr_state_id(const mr_state *st)
{
  return st->rec->id;
}
enum mr_status mr_state_status(const mr_state *st)
{
  return st->status;
}

pid_t mr_state_pid(const mr_state *st)
{
  return st->status == MR_STATUS_STOPPED ? 0 : st->rec->pid;
}

const char *mr_state_bundle(const mr_state *st)
{
  return st->rec->bundle ? st->rec->bundle : "";
}

const char *mr_state_created(const mr_state *st)
{
  return st->rec->created ? st->rec->created : "";
}

uid_t mr_state_owner(const mr_state *st)
{
  return st->rec->owner;
}

static void jw_state(struct jw *w, const void *arg)
{
  const mr_state *st = arg;
  const struct state_record *rec = st->rec;
  jw_map_open(w);
  jw_key_str(w, "ociVersion", "1.2.0");
  jw_key_str(w, "id", rec->id);
  jw_key_str(w, "status", mr_status_name(st->status));
  jw_key_i64(w, "pid", mr_state_pid(st)); /* 0 once stopped, as crun prints it */
  jw_key_str(w, "bundle", rec->bundle);
  jw_key_str(w, "rootfs", rec->rootfs);
  jw_key_str(w, "created", rec->created);
  jw_key_str(w, "owner", ""); /* as crun: the uid is mr_state_owner() */
  if (rec->n_annotations > 0) {
    jw_str(w, "annotations");
    jw_map_open(w);
    for (size_t i = 0; i < rec->n_annotations; i++)
      jw_key_str(w, rec->annotations[i].key,
                 rec->annotations[i].value ? rec->annotations[i].value : "");
    jw_map_close(w);
  }
  jw_map_close(w);
}

int mr_state_to_json(const mr_state *st, char **out, mr_error **err)
{
  size_t len;
  return jw_render(jw_state, st, "state JSON", out, &len, err);
}

struct state_vec {
  mr_state **items;
  size_t n, cap;
};

static int vec_push(struct state_vec *v, mr_state *st)
{
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    mr_state **items = reallocarray(v->items, cap, sizeof(*items));
    if (items == NULL)
      return -ENOMEM;
    v->items = items;
    v->cap = cap;
  }
  v->items[v->n++] = st;
  return 0;
}

/* Loads one entry of the state root into `v`. Entries that are not
 * containers, are still being created or vanish meanwhile are skipped, and
 * so is a broken state.json (with a warning): one bad container must not hide
 * the others. */
static int list_one(const mr_context *ctx, int rootfd, const char *name, struct state_vec *v)
{
  if (mr_id_validate(name, NULL) < 0)
    return 0;
  cleanup_close int dirfd = -1;
  mr_error *local = NULL;
  mr_state *st = NULL;
  int r = state_dir_open_at(rootfd, name, &dirfd, &local);
  if (r == 0)
    r = load_state(dirfd, name, &st, &local);
  if (r == -ENOMEM) {
    mr_error_free(local);
    return r;
  }
  if (r < 0 && r != -ENOENT)
    mr_warn(ctx, "skipping container '%s': %s", name, mr_error_message(local));
  mr_error_free(local);
  if (r < 0)
    return 0;
  r = vec_push(v, st);
  if (r < 0)
    mr_state_free(st);
  return r;
}

static int compare_states(const void *a, const void *b)
{
  const mr_state *x = *(mr_state *const *)a, *y = *(mr_state *const *)b;
  return strcmp(x->rec->id, y->rec->id);
}

static int list_dir(const mr_context *ctx, DIR *d, struct state_vec *v, mr_error **err)
{
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(d);
    if (de == NULL)
      return errno ? mr_err_sys(err, errno, "read %s", ctx->state_root) : 0;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (list_one(ctx, dirfd(d), de->d_name, v) < 0)
      return mr_err_sys(err, ENOMEM, "list containers");
  }
}

int mr_state_list(mr_context *ctx, mr_state ***out, size_t *count, mr_error **err)
{
  *out = NULL;
  *count = 0;
  int rootfd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 && errno == ENOENT)
    return 0; /* nothing was ever created */
  if (rootfd < 0)
    return mr_err_sys(err, errno, "state root %s", ctx->state_root);
  DIR *d = fdopendir(rootfd);
  if (d == NULL) {
    int e = errno;
    close(rootfd);
    return mr_err_sys(err, e, "state root %s", ctx->state_root);
  }
  struct state_vec v = {0};
  int r = list_dir(ctx, d, &v, err);
  closedir(d);
  if (r < 0) {
    mr_state_list_free(v.items, v.n);
    return r;
  }
  if (v.n > 1)
    qsort(v.items, v.n, sizeof(*v.items), compare_states); // NOLINT(bugprone-sizeof-expression)
  *out = v.items;
  *count = v.n;
  return 0;
}

void mr_state_list_free(mr_state **list, size_t count)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < count; i++)
    mr_state_free(list[i]);
  free(list);
}
