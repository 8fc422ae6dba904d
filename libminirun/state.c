/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.c - the per-container state directory, state.json and /proc/PID/stat. */
#define _GNU_SOURCE
#include "state.h"
#include "jsonw.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cgroup/place.h"
#include "testing/crashpoint.h"
#include "util.h"

#define STATE_OCI_VERSION "1.2.0"
/* Annotations make the size open-ended; this only guards against garbage. */
#define STATE_MAX_SIZE (16u * 1024 * 1024)

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)

char *state_dir_path(const mr_context *ctx, const char *id)
{
  return util_path_join(ctx->state_root, id);
}

int state_err_unknown(mr_error **err, const char *id)
{
  return mr_err(err, -ENOENT, "container '%s' does not exist", id);
}

/* ------------------------------------------------------------------------ */
/* The directory and its lock                                                */
/* ------------------------------------------------------------------------ */

static int lock_dir(int fd, const char *id, mr_error **err)
{
  while (flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR)
      return mr_err_sys(err, errno, "lock container '%s'", id);
  }
  return 0;
}

bool state_dir_is_removed(int dirfd)
{
  struct stat st;
  return fstat(dirfd, &st) == 0 && st.st_nlink == 0;
}

/* flock() on a directory that a concurrent delete removed while we waited
 * succeeds on the dead inode: -ESTALE then, for the caller to word. */
static int lock_live_dir(int fd, const char *id, mr_error **err)
{
  int r = lock_dir(fd, id, err);
  if (r == 0 && state_dir_is_removed(fd))
    r = -ESTALE;
  return r;
}

static int create_locked_dir(int rootfd, const char *id, int *dirfd, mr_error **err)
{
  if (mkdirat(rootfd, id, 0700) < 0) {
    if (errno == EEXIST)
      return mr_err(err, -EEXIST, "container '%s' already exists", id);
    return mr_err_sys(err, errno, "container '%s': create state directory", id);
  }
  cleanup_close int fd = openat(rootfd, id, DIR_FLAGS);
  if (fd < 0)
    return mr_err_sys(err, errno, "container '%s': open state directory", id);
  /* mkdir() honours the umask; the directory must end up exactly 0700. */
  if (fchmod(fd, 0700) < 0)
    return mr_err_sys(err, errno, "container '%s': chmod state directory", id);
  /* `delete --force` may remove a directory without state.json (a crashed
   * create) in the window between our mkdir() and flock(). */
  int r = lock_live_dir(fd, id, err);
  if (r == -ESTALE)
    return mr_err(err, -EAGAIN, "container '%s' was deleted while being created", id);
  if (r < 0)
    return r;
  *dirfd = fd;
  fd = -1;
  return 0;
}

int state_dir_create(const mr_context *ctx, const char *id, int *dirfd, mr_error **err)
{
  *dirfd = -1;
  int r = mr_id_validate(id, err);
  if (r < 0)
    return r;
  r = util_mkdir_p(ctx->state_root, 0700, err);
  if (r < 0)
    return mr_err_prefix(err, r, "state root");
  cleanup_close int rootfd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return mr_err_sys(err, errno, "state root %s", ctx->state_root);
  return create_locked_dir(rootfd, id, dirfd, err);
}

int state_dir_open_at(int rootfd, const char *id, int *dirfd, mr_error **err)
{
  *dirfd = openat(rootfd, id, DIR_FLAGS);
  if (*dirfd >= 0)
    return 0;
  /* Not a directory (or a symlink) is not a container either. */
  if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
    return state_err_unknown(err, id);
  return mr_err_sys(err, errno, "container '%s': open state directory", id);
}

int state_dir_open(const mr_context *ctx, const char *id, int *dirfd, mr_error **err)
{
  *dirfd = -1;
  cleanup_close int rootfd = open(ctx->state_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 && errno == ENOENT)
    return state_err_unknown(err, id);
  if (rootfd < 0)
    return mr_err_sys(err, errno, "state root %s", ctx->state_root);
  return state_dir_open_at(rootfd, id, dirfd, err);
}

int state_dir_lock(const mr_context *ctx, const char *id, int *dirfd, mr_error **err)
{
  *dirfd = -1;
  int r = mr_id_validate(id, err);
  if (r < 0)
    return r;
  cleanup_close int fd = -1;
  r = state_dir_open(ctx, id, &fd, err);
  if (r == 0)
    r = lock_live_dir(fd, id, err);
  if (r == -ESTALE)
    return state_err_unknown(err, id);
  if (r < 0)
    return r;
  *dirfd = fd;
  fd = -1;
  return 0;
}

static int unlink_if_present(int dirfd, const char *name, const char *id, mr_error **err)
{
  int r = unlinkat(dirfd, name, 0);
  /* A damaged state dir may hold an (empty) directory in a file's place. */
  if (r < 0 && errno == EISDIR)
    r = unlinkat(dirfd, name, AT_REMOVEDIR);
  if (r < 0 && errno != ENOENT)
    return mr_err_sys(err, errno, "container '%s': remove %s", id, name);
  return 0;
}

/* Removes every non-directory entry (the tmp file of an interrupted atomic
 * write, files later work adds). Subdirectories make the rmdir fail loudly. */
static int remove_files(int dirfd, const char *id, mr_error **err)
{
  int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    return mr_err_sys(err, errno, "container '%s': dup", id);
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return mr_err_sys(err, errno, "container '%s': read state directory", id);
  }
  int r = 0;
  struct dirent *de;
  while (r == 0 && (de = readdir(d)) != NULL) {
    if (de->d_type == DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT && errno != EISDIR)
      r = mr_err_sys(err, errno, "container '%s': remove %s", id, de->d_name);
  }
  closedir(d);
  return r;
}

int state_dir_remove(const mr_context *ctx, const char *id, mr_error **err)
{
  int r = mr_id_validate(id, err);
  if (r < 0)
    return r;
  cleanup_free char *path = state_dir_path(ctx, id);
  if (path == NULL)
    return mr_err_sys(err, ENOMEM, "container '%s'", id);
  cleanup_close int fd = open(path, DIR_FLAGS);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    return mr_err_sys(err, errno, "container '%s': open %s", id, path);
  }
  /* exec.fifo first so the container never looks "created" again, then
   * state.json so `list` stops showing it. */
  r = unlink_if_present(fd, STATE_EXEC_FIFO, id, err);
  MR_CRASH_POINT("remove-fifo-removed");
  if (r == 0)
    r = unlink_if_present(fd, STATE_FILE, id, err);
  MR_CRASH_POINT("remove-state-removed");
  if (r == 0)
    r = remove_files(fd, id, err);
  MR_CRASH_POINT("remove-files-removed");
  if (r < 0)
    return r;
  if (rmdir(path) < 0 && errno != ENOENT)
    return mr_err_sys(err, errno, "container '%s': remove %s", id, path);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Writing state.json                                                        */
/* ------------------------------------------------------------------------ */

static void jw_annotations(struct jw *w, const struct spec_kv *kv, size_t n)
{
  jw_str(w, "annotations");
  jw_map_open(w);
  for (size_t i = 0; i < n; i++)
    jw_key_str(w, kv[i].key, kv[i].value ? kv[i].value : "");
  jw_map_close(w);
}

static void jw_record(struct jw *w, const void *arg)
{
  const struct state_record *rec = arg;
  jw_map_open(w);
  /* The OCI state fields first, then our own. */
  jw_key_str(w, "ociVersion", STATE_OCI_VERSION);
  jw_key_str(w, "id", rec->id);
  jw_key_u64(w, "pid", (unsigned long long)rec->pid);
  jw_key_str(w, "bundle", rec->bundle);
  jw_annotations(w, rec->annotations, rec->n_annotations);
  jw_key_str(w, "rootfs", rec->rootfs);
  jw_key_str(w, "created", rec->created);
  jw_key_u64(w, "owner", rec->owner);
  jw_key_u64(w, "pidStart", rec->pid_start);
  jw_key_bool(w, "newPidNs", rec->new_pid_ns);
  if (rec->n_cgroup_paths > 0) {
    jw_str(w, "cgroupPaths");
    jw_array_open(w);
    for (size_t i = 0; i < rec->n_cgroup_paths; i++)
      jw_str(w, rec->cgroup_paths[i]);
    jw_array_close(w);
  }
  jw_map_close(w);
}

int state_write_init(int dirfd, pid_t pid, unsigned long long start, mr_error **err)
{
  if (pid <= 0)
    return mr_err(err, -EINVAL, STATE_INIT_FILE ": no pid");
  char init[64];
  int n = snprintf(init, sizeof(init), "%d %llu\n", (int)pid, start);
  int r = state_init_mark(dirfd, pid, start, err);
  if (r == 0)
    r = util_write_file_atomic(dirfd, STATE_INIT_FILE, init, (size_t)n, 0600, err);
  MR_CRASH_POINT("init-file-written");
  return r;
}

int state_write_record(int dirfd, const struct state_record *rec, mr_error **err)
{
  if (rec->id == NULL || rec->pid <= 0)
    return mr_err(err, -EINVAL, STATE_FILE ": record without id or pid");
  cleanup_free char *json = NULL;
  size_t len;
  int r = jw_render(jw_record, rec, STATE_FILE, &json, &len, err);
  if (r == 0)
    r = util_write_file_atomic(dirfd, STATE_FILE, json, len, 0600, err);
  return r;
}

int state_write(int dirfd, const struct state_record *rec, mr_error **err)
{
  if (rec->id == NULL || rec->pid <= 0)
    return mr_err(err, -EINVAL, STATE_FILE ": record without id or pid");
  int r = state_write_init(dirfd, rec->pid, rec->pid_start, err);
  return r < 0 ? r : state_write_record(dirfd, rec, err);
}

int state_read_init(int dirfd, pid_t *pid, unsigned long long *start)
{
  cleanup_free char *buf = NULL;
  int r = util_read_file_at(dirfd, STATE_INIT_FILE, 64, &buf, NULL, NULL);
  if (r < 0)
    return r;
  /* "PID START\n", both decimal, nothing else. */
  char *end;
  errno = 0;
  long p = strtol(buf, &end, 10);
  if (errno != 0 || end == buf || *end != ' ' || p <= 0 || p > INT_MAX)
    return -EINVAL;
  const char *s = end + 1;
  if (*s < '0' || *s > '9')
    return -EINVAL;
  unsigned long long st = strtoull(s, &end, 10);
  if (errno != 0 || end[0] != '\n' || end[1] != '\0')
    return -EINVAL;
  *pid = (pid_t)p;
  *start = st;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Reading state.json                                                        */
/* ------------------------------------------------------------------------ */

static int bad_field(mr_error **err, const char *key, const char *expected)
{
  return mr_err(err, -EINVAL, STATE_FILE ": '%s': expected %s", key, expected);
}

static int get_string(yajl_val v, const char *key, char **dst, mr_error **err)
{
  char *copy = NULL;
  if (!YAJL_IS_NULL(v)) {
    if (!YAJL_IS_STRING(v))
      return bad_field(err, key, "a string");
    copy = strdup(v->u.string);
    if (copy == NULL)
      return mr_err_sys(err, ENOMEM, STATE_FILE);
  }
  free(*dst); /* a duplicate key: the last one wins */
  *dst = copy;
  return 0;
}

/* Unsigned integers are parsed from the number's text: yajl converts to a
 * signed long long, which cannot hold every start time exactly. */
static int get_uint(yajl_val v, const char *key, unsigned long long max, unsigned long long *dst,
                    mr_error **err)
{
  const char *text = YAJL_IS_NUMBER(v) ? YAJL_GET_NUMBER(v) : NULL;
  if (text == NULL || text[0] < '0' || text[0] > '9')
    return bad_field(err, key, "a non-negative integer");
  char *end;
  errno = 0;
  unsigned long long n = strtoull(text, &end, 10);
  if (*end != '\0' || errno != 0 || n > max)
    return bad_field(err, key, "a non-negative integer in range");
  *dst = n;
  return 0;
}

static void free_strings(char **s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(s[i]);
  free(s);
}

static void free_annotations(struct spec_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

static int get_annotations(yajl_val v, struct state_record *rec, mr_error **err)
{
  if (!YAJL_IS_OBJECT(v))
    return bad_field(err, "annotations", "an object");
  size_t n = v->u.object.len;
  struct spec_kv *kv = calloc(n ? n : 1, sizeof(*kv));
  if (kv == NULL)
    return mr_err_sys(err, ENOMEM, STATE_FILE);
  for (size_t i = 0; i < n; i++) {
    yajl_val value = v->u.object.values[i];
    if (!YAJL_IS_STRING(value)) {
      free_annotations(kv, i);
      return bad_field(err, "annotations", "string values");
    }
    kv[i].key = strdup(v->u.object.keys[i]);
    kv[i].value = strdup(value->u.string);
    if (kv[i].key == NULL || kv[i].value == NULL) {
      free_annotations(kv, i + 1);
      return mr_err_sys(err, ENOMEM, STATE_FILE);
    }
  }
  free_annotations(rec->annotations, rec->n_annotations);
  rec->annotations = kv;
  rec->n_annotations = n;
  return 0;
}

static int get_cgroup_paths(yajl_val v, struct state_record *rec, mr_error **err)
{
  if (!YAJL_IS_ARRAY(v))
    return bad_field(err, "cgroupPaths", "an array");
  size_t n = v->u.array.len;
  char **paths = calloc(n ? n : 1, sizeof(*paths));
  if (paths == NULL)
    return mr_err_sys(err, ENOMEM, STATE_FILE);
  for (size_t i = 0; i < n; i++) {
    yajl_val s = v->u.array.values[i];
    if (!YAJL_IS_STRING(s) || s->u.string[0] != '/' || (paths[i] = strdup(s->u.string)) == NULL) {
      for (size_t k = 0; k < i; k++)
        free(paths[k]);
      free(paths);
      return YAJL_IS_STRING(s) && s->u.string[0] == '/'
                 ? mr_err_sys(err, ENOMEM, STATE_FILE)
                 : bad_field(err, "cgroupPaths", "absolute paths");
    }
  }
  free_strings(rec->cgroup_paths, rec->n_cgroup_paths);
  rec->cgroup_paths = paths;
  rec->n_cgroup_paths = n;
  return 0;
}

static int get_field(const char *key, yajl_val v, struct state_record *rec, mr_error **err)
{
  unsigned long long n;
  int r = 0;
  if (strcmp(key, "id") == 0)
    return get_string(v, key, &rec->id, err);
  if (strcmp(key, "bundle") == 0)
    return get_string(v, key, &rec->bundle, err);
  if (strcmp(key, "rootfs") == 0)
    return get_string(v, key, &rec->rootfs, err);
  if (strcmp(key, "created") == 0)
    return get_string(v, key, &rec->created, err);
  if (strcmp(key, "annotations") == 0)
    return get_annotations(v, rec, err);
  if (strcmp(key, "cgroupPaths") == 0)
    return get_cgroup_paths(v, rec, err);
  if (strcmp(key, "pidStart") == 0)
    return get_uint(v, key, ULLONG_MAX, &rec->pid_start, err);
  if (strcmp(key, "pid") == 0) {
    r = get_uint(v, key, INT_MAX, &n, err);
    rec->pid = (pid_t)n;
  } else if (strcmp(key, "owner") == 0) {
    r = get_uint(v, key, UINT_MAX - 1, &n, err); /* (uid_t)-1 is not a uid */
    rec->owner = (uid_t)n;
  } else if (strcmp(key, "newPidNs") == 0) {
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
      return bad_field(err, key, "a boolean");
    rec->new_pid_ns = YAJL_IS_TRUE(v);
  }
  return r; /* unknown keys come from other versions: ignored */
}

static int record_from_json(yajl_val root, struct state_record *rec, mr_error **err)
{
  if (!YAJL_IS_OBJECT(root))
    return mr_err(err, -EINVAL, STATE_FILE ": expected a JSON object");
  for (size_t i = 0; i < root->u.object.len; i++) {
    int r = get_field(root->u.object.keys[i], root->u.object.values[i], rec, err);
    if (r < 0)
      return r;
  }
  if (rec->id == NULL)
    return mr_err(err, -EINVAL, STATE_FILE ": missing 'id'");
  if (rec->pid <= 0)
    return mr_err(err, -EINVAL, STATE_FILE ": missing or invalid 'pid'");
  return 0;
}

int state_read(int dirfd, struct state_record **out, mr_error **err)
{
  *out = NULL;
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int r = util_read_file_at(dirfd, STATE_FILE, STATE_MAX_SIZE, &buf, &len, err);
  if (r < 0)
    return r;
  return state_parse(buf, len, out, err);
}

int state_parse(const char *text, size_t len, struct state_record **out, mr_error **err)
{
  *out = NULL;
  if (memchr(text, '\0', len) != NULL)
    return mr_err(err, -EINVAL, STATE_FILE ": invalid JSON: NUL byte in the text");
  cleanup_free char *buf = strndup(text, len); /* yajl_tree_parse() wants a C string */
  if (buf == NULL)
    return mr_err_sys(err, ENOMEM, STATE_FILE);
  char msg[256] = "";
  yajl_val root = yajl_tree_parse(buf, msg, sizeof(msg));
  if (root == NULL) {
    msg[strcspn(msg, "\n")] = '\0'; /* yajl's message spans lines */
    return mr_err(err, -EINVAL, STATE_FILE ": invalid JSON: %s", msg);
  }
  int r;
  struct state_record *rec = calloc(1, sizeof(*rec));
  if (rec == NULL)
    r = mr_err_sys(err, ENOMEM, STATE_FILE);
  else
    r = record_from_json(root, rec, err);
  yajl_tree_free(root);
  if (r < 0) {
    state_record_free(rec);
    return r;
  }
  *out = rec;
  return 0;
}

void state_record_free(struct state_record *rec)
{
  if (rec == NULL)
    return;
  free(rec->id);
  free(rec->bundle);
  free(rec->rootfs);
  free(rec->created);
  free_annotations(rec->annotations, rec->n_annotations);
  free_strings(rec->cgroup_paths, rec->n_cgroup_paths);
  free(rec);
}

/* ------------------------------------------------------------------------ */
/* Process status                                                            */
/* ------------------------------------------------------------------------ */

/* "pid (comm) S ppid ... starttime ...": comm may hold spaces and ')', so
 * the fields start after the LAST ')'. */
static int parse_proc_stat(char *line, unsigned long long *start, bool *dead)
{
  char *p = strrchr(line, ')');
  if (p == NULL || p[1] != ' ')
    return -EINVAL;
  p += 2; /* field 3: state */
  char state = *p;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (p == NULL)
      return -EINVAL;
    p++;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(p, &end, 10);
  if (end == p || errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
    return -EINVAL;
  *start = v;
  *dead = state == 'Z' || state == 'X' || state == 'x';
  return 0;
}

static ssize_t read_small_file(const char *path, char *buf, size_t size)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return -errno;
  size_t used = 0;
  while (used + 1 < size) {
    ssize_t n = read(fd, buf + used, size - used - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  return (ssize_t)used;
}

int proc_stat_read(pid_t pid, unsigned long long *start, bool *dead)
{
  if (pid <= 0)
    return -ESRCH;
  char path[64];
  char line[4096]; /* 52 numeric fields and a 64-byte comm fit easily */
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  ssize_t n = read_small_file(path, line, sizeof(line));
  if (n == -ENOENT || n == 0) /* reaped between open and read: empty */
    return -ESRCH;
  if (n < 0)
    return (int)n;
  return parse_proc_stat(line, start, dead);
}

/* Created means: the init still waits at exec.fifo. The fifo's presence
 * alone is not enough: a `start` that died between releasing the init and
 * removing the fifo leaves it behind for a container that runs. The init
 * holds the fifo open (read-write) until exec, so a non-blocking write-only
 * open succeeds exactly while it waits (ENXIO: no reader any more). The open
 * neither writes nor wakes it. Callers that may not open the fifo (another
 * user) fall back to its presence. */
static bool init_waits_at_gate(int dirfd)
{
  int fd = openat(dirfd, STATE_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    struct stat st;
    bool fifo = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
    close(fd);
    return fifo;
  }
  if (errno == ENXIO || errno == ENOENT)
    return false;
  struct stat st;
  return fstatat(dirfd, STATE_EXEC_FIFO, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode);
}

enum mr_status state_status(int dirfd, const struct state_record *rec)
{
  unsigned long long start;
  bool dead;
  int r = proc_stat_read(rec->pid, &start, &dead);
  if (r == -ESRCH)
    return MR_STATUS_STOPPED;
  if (r < 0)
    return MR_STATUS_UNKNOWN; /* e.g. /proc mounted with hidepid */
  if (dead || start != rec->pid_start)
    return MR_STATUS_STOPPED; /* a zombie, or the pid now names another process */
  if (init_waits_at_gate(dirfd))
    return MR_STATUS_CREATED;
  if (rec->n_cgroup_paths > 0 && cg_is_frozen(rec->cgroup_paths, rec->n_cgroup_paths))
    return MR_STATUS_PAUSED;
  return MR_STATUS_RUNNING;
}

/* Passes an error collected in a local object on to the caller's `err`. */
static int hand_over(mr_error **err, mr_error *local, int r)
{
  if (err != NULL && *err == NULL)
    *err = local;
  else
    mr_error_free(local);
  return r;
}

/* Reads state.json of `dirfd`. A missing state.json is a container that
 * does not exist (yet: its create has not written it). */
int state_load(int dirfd, const char *id, struct state_record **out, mr_error **err)
{
  mr_error *local = NULL;
  int r = state_read(dirfd, out, &local);
  if (r == -ENOENT) {
    mr_error_free(local);
    return state_err_unknown(err, id);
  }
  if (r < 0) {
    hand_over(err, local, r);
    return mr_err_prefix(err, r, "container '%s'", id);
  }
  if (strcmp((*out)->id, id) != 0) {
    r = mr_err(err, -EINVAL, "container '%s': state.json records id '%s'", id, (*out)->id);
    state_record_free(*out);
    *out = NULL;
  }
  return r;
}
