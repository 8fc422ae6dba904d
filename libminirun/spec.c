/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.c - config.json text into struct spec (see spec.h).
 *
 * The runtime-spec has well over a hundred fields, so the parser is driven by
 * tables: every struct has a list of {JSON key, kind, member offset} and one
 * generic loop does the type and range checks, tracks the JSON path for error
 * messages and, in spec_free(), releases what it allocated. The FIELD macros
 * check each member's C type at compile time, so a table cannot store a
 * uint64 into a uint32 member by mistake. Values are stored in the struct as
 * soon as they are allocated, so after any error one spec_free() releases
 * everything.
 */
#define _GNU_SOURCE
#include "spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "error.h"

/* yajl_tree_free() recurses once per nesting level, so deeper documents are
 * refused before parsing. A config.json needs about eight levels. */
#define MAX_DEPTH 128
/* The most elements one array, or members one object, may have. The 16 MiB
 * file cap alone would let a hostile bundle make the runtime allocate and
 * walk millions of entries (and their copies) for one container; 64 Ki is
 * far above what podman, containerd or Kubernetes produce (Kubernetes caps
 * all annotations of a pod at 256 KiB together). */
#define MAX_ITEMS     65536
#define NO_AUX        SIZE_MAX
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Parse context: the document name, the error slot and the current path     */
/* ------------------------------------------------------------------------ */

struct ctx {
  const char *origin;
  mr_error **err;
  size_t len;
  char path[256]; /* "linux.namespaces[1].type"; long paths are cut */
};

static void path_append(struct ctx *c, const char *s, size_t n)
{
  size_t room = sizeof(c->path) - 1 - c->len;
  if (n > room)
    n = room;
  memcpy(c->path + c->len, s, n);
  c->len += n;
  c->path[c->len] = '\0';
}

/* Each push returns a mark for path_pop(). */
static size_t path_push_key(struct ctx *c, const char *key)
{
  size_t mark = c->len;
  if (c->len > 0)
    path_append(c, ".", 1);
  path_append(c, key, strlen(key));
  return mark;
}

static size_t path_push_index(struct ctx *c, size_t index)
{
  size_t mark = c->len;
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "[%zu]", index);
  path_append(c, buf, (size_t)n);
  return mark;
}

static void path_pop(struct ctx *c, size_t mark)
{
  c->len = mark;
  c->path[mark] = '\0';
}

/* "<origin>: <path>: <message>"; returns -EINVAL. */
static int vfail(struct ctx *c, const char *fmt, va_list ap) MR_PRINTF(2, 0);
static int vfail(struct ctx *c, const char *fmt, va_list ap)
{
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    return mr_err_sys(c->err, ENOMEM, "%s", c->origin);
  int r;
  if (c->len > 0)
    r = mr_err(c->err, -EINVAL, "%s: %s: %s", c->origin, c->path, msg);
  else
    r = mr_err(c->err, -EINVAL, "%s: %s", c->origin, msg);
  free(msg);
  return r;
}

static int fail(struct ctx *c, const char *fmt, ...) MR_PRINTF(2, 3);
static int fail(struct ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vfail(c, fmt, ap);
  va_end(ap);
  return r;
}

/* Like fail(), for the member `key` of the current object. */
static int fail_at(struct ctx *c, const char *key, const char *fmt, ...) MR_PRINTF(3, 4);
static int fail_at(struct ctx *c, const char *key, const char *fmt, ...)
{
  size_t mark = path_push_key(c, key);
  va_list ap;
  va_start(ap, fmt);
  int r = vfail(c, fmt, ap);
  va_end(ap);
  path_pop(c, mark);
  return r;
}

#ifdef __clang_analyzer__
/* The analyzer does not follow variadic calls: tell it these are < 0 (see
 * error.h). */
#define fail(...)    mr_err_negative_((fail)(__VA_ARGS__))
#define fail_at(...) mr_err_negative_((fail_at)(__VA_ARGS__))
#endif

static int oom(struct ctx *c)
{
  if (c->len == 0)
    return mr_err_sys(c->err, ENOMEM, "%s", c->origin);
  return mr_err_sys(c->err, ENOMEM, "%s: %s", c->origin, c->path);
}

/* ------------------------------------------------------------------------ */
/* JSON values                                                               */
/* ------------------------------------------------------------------------ */

/* Marks out[i] when the i-th key of `obj` appears again later: the last
 * duplicate wins, as with Go's encoding/json (runc, containerd). Sorting
 * (key, position) pairs makes this n log n; a pairwise check took seconds for
 * 40 000 annotations. qsort_r() would avoid the pairs but is missing from
 * older musl and uClibc. */
struct key_pos {
  const char *key;
  size_t pos;
};

static int compare_key_pos(const void *a, const void *b)
{
  const struct key_pos *x = a, *y = b;
  int r = strcmp(x->key, y->key);
  if (r != 0)
    return r;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int find_repeated_keys(struct ctx *c, yajl_val obj, bool **out)
{
  size_t len = obj->u.object.len;
  struct key_pos *sorted = calloc(len ? len : 1, sizeof(*sorted));
  bool *repeated = calloc(len ? len : 1, sizeof(*repeated));
  if (sorted == NULL || repeated == NULL) {
    free(sorted);
    free(repeated);
    return oom(c);
  }
  for (size_t i = 0; i < len; i++)
    sorted[i] = (struct key_pos){obj->u.object.keys[i], i};
  qsort(sorted, len, sizeof(*sorted), compare_key_pos);
  for (size_t i = 0; i + 1 < len; i++)
    if (strcmp(sorted[i].key, sorted[i + 1].key) == 0)
      repeated[sorted[i].pos] = true;
  free(sorted);
  *out = repeated;
  return 0;
}

/* Refuses arrays and objects above the caps (see MAX_ITEMS). */
static int check_size(struct ctx *c, yajl_val v)
{
  size_t n = v->type == yajl_t_array ? v->u.array.len : v->u.object.len;
  if (n > MAX_ITEMS)
    return fail(c, "too many %s (%zu, at most %d)",
                v->type == yajl_t_array ? "elements" : "members", n, MAX_ITEMS);
  return 0;
}

/* The value of `key` in `obj`; NULL when absent or null. */
static yajl_val member(yajl_val obj, const char *key)
{
  for (size_t i = obj->u.object.len; i-- > 0;) {
    if (strcmp(obj->u.object.keys[i], key) == 0) {
      yajl_val v = obj->u.object.values[i];
      return v->type == yajl_t_null ? NULL : v;
    }
  }
  return NULL;
}

/* A string member left in the tree (not copied); *out is NULL when absent. */
static int borrow_string(struct ctx *c, yajl_val obj, const char *key, bool required,
                         const char **out)
{
  yajl_val v = member(obj, key);
  *out = NULL;
  if (v == NULL)
    return required ? fail_at(c, key, "missing") : 0;
  if (v->type != yajl_t_string)
    return fail_at(c, key, "expected string");
  *out = v->u.string;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Field tables                                                              */
/* ------------------------------------------------------------------------ */

enum kind {
  K_STR,    /* char * */
  K_STRV,   /* char ** (NULL-terminated) + count */
  K_BOOL,   /* bool */
  K_U16,    /* uint16_t */
  K_U32,    /* uint32_t */
  K_U64,    /* uint64_t */
  K_I32,    /* int32_t */
  K_I64,    /* int64_t */
  K_U32V,   /* uint32_t * + count */
  K_ID,     /* uint32_t, a uid or gid: at most 4294967294 */
  K_IDV,    /* uint32_t * + count of ids */
  K_MAP,    /* struct spec_kv * + count: an object of strings */
  K_OBJECT, /* an embedded struct described by an object_type */
  K_ARRAY,  /* an array of structs described by an object_type + count */
};

/* The C type of each kind, for the compile-time member check. */
#define K_STR_CTYPE  char *
#define K_STRV_CTYPE char **
#define K_BOOL_CTYPE bool
#define K_U16_CTYPE  uint16_t
#define K_U32_CTYPE  uint32_t
#define K_U64_CTYPE  uint64_t
#define K_I32_CTYPE  int32_t
#define K_I64_CTYPE  int64_t
#define K_U32V_CTYPE uint32_t *
#define K_ID_CTYPE   uint32_t
#define K_IDV_CTYPE  uint32_t *
#define K_MAP_CTYPE  struct spec_kv *

struct object_type;

struct field {
  const char *key;
  enum kind kind;
  size_t off;                     /* the member */
  size_t has;                     /* its has_* flag, or NO_AUX */
  size_t count;                   /* its count (lists), or NO_AUX */
  const struct object_type *type; /* K_OBJECT, K_ARRAY */
};

struct object_type {
  const struct field *fields;
  size_t n_fields;
  size_t size;    /* of one element, for K_ARRAY */
  size_t present; /* offset of its `bool present`, or NO_AUX */
  /* Parsing and freeing that the table cannot express; may be NULL. */
  int (*parse_extra)(struct ctx *c, yajl_val obj, void *out);
  void (*free_extra)(void *obj);
};

/* offsetof(T, m), failing to compile unless T.m has type `type`. */
/* NOLINTNEXTLINE(bugprone-macro-parentheses): `type` is a type name */
#define OFF(T, m, type) (offsetof(T, m) + 0 * sizeof(_Generic(((T *)0)->m, type : 1)))

/* clang-format off */
#define FIELD(T, key, K, m) {key, K, OFF(T, m, K##_CTYPE), NO_AUX, NO_AUX, NULL}
#define FIELD_OPT(T, key, K, m, has) {key, K, OFF(T, m, K##_CTYPE), OFF(T, has, bool), NO_AUX, NULL}
#define FIELD_LIST(T, key, K, m, n) {key, K, OFF(T, m, K##_CTYPE), NO_AUX, OFF(T, n, size_t), NULL}
#define FIELD_OBJECT(T, key, m, ET, type) {key, K_OBJECT, OFF(T, m, ET), NO_AUX, NO_AUX, type}
/* NOLINTBEGIN(bugprone-macro-parentheses): ET is a type name */
#define FIELD_ARRAY(T, key, m, n, ET, type) \
  {key, K_ARRAY, OFF(T, m, ET *), NO_AUX, OFF(T, n, size_t), type}
/* NOLINTEND(bugprone-macro-parentheses) */
/* A JSON object whose members live in the enclosing struct ("pids.limit"). */
#define FIELD_FLAT(key, type) {key, K_OBJECT, 0, NO_AUX, NO_AUX, type}

#define OBJECT_TYPE(ET, fields, present, extra, free_extra) \
  {fields, ARRAY_SIZE(fields), sizeof(ET), present, extra, free_extra}
#define PRESENT(ET) OFF(ET, present, bool)
/* clang-format on */

/* ------------------------------------------------------------------------ */
/* Scalars                                                                   */
/* ------------------------------------------------------------------------ */

static int as_string(struct ctx *c, yajl_val v, char **out)
{
  if (v->type != yajl_t_string)
    return fail(c, "expected string");
  *out = strdup(v->u.string);
  return *out == NULL ? oom(c) : 0;
}

static int as_bool(struct ctx *c, yajl_val v, bool *out)
{
  if (v->type != yajl_t_true && v->type != yajl_t_false)
    return fail(c, "expected boolean");
  *out = v->type == yajl_t_true;
  return 0;
}

struct int_range {
  const char *what;
  bool is_signed;
  int64_t min, max; /* signed kinds */
  uint64_t umax;    /* unsigned kinds */
};

static const struct int_range int_ranges[] = {
    [K_U16] = {"unsigned 16-bit integer", false, 0, 0, UINT16_MAX},
    [K_U32] = {"unsigned 32-bit integer", false, 0, 0, UINT32_MAX},
    [K_U64] = {"unsigned 64-bit integer", false, 0, 0, UINT64_MAX},
    [K_I32] = {"signed 32-bit integer", true, INT32_MIN, INT32_MAX, 0},
    [K_I64] = {"signed 64-bit integer", true, INT64_MIN, INT64_MAX, 0},
    /* (uid_t)-1 means "leave unchanged" to setresuid() & co: a container
     * asking for uid 4294967295 would keep running as root. */
    [K_ID] = {"id from 0 to 4294967294 (4294967295 is (uid_t)-1, \"no change\")", false, 0, 0,
              UINT32_MAX - 1},
};

/* The raw text of an integral JSON number (no fraction, no exponent), so
 * that 64-bit values are converted exactly rather than through a double. */
static const char *integer_text(yajl_val v, bool allow_minus)
{
  if (v->type != yajl_t_number || v->u.number.r == NULL)
    return NULL;
  const char *s = v->u.number.r;
  const char *digits = allow_minus && s[0] == '-' ? s + 1 : s;
  if (digits[0] == '\0' || digits[strspn(digits, "0123456789")] != '\0')
    return NULL;
  return s;
}

static int as_signed(struct ctx *c, yajl_val v, enum kind k, void *out)
{
  const struct int_range *ir = &int_ranges[k];
  const char *text = integer_text(v, true);
  if (text == NULL)
    return fail(c, "expected %s", ir->what);
  errno = 0;
  long long x = strtoll(text, NULL, 10);
  if (errno != 0 || x < ir->min || x > ir->max)
    return fail(c, "expected %s", ir->what);
  if (k == K_I32)
    *(int32_t *)out = (int32_t)x;
  else
    *(int64_t *)out = x;
  return 0;
}

static int as_unsigned(struct ctx *c, yajl_val v, enum kind k, void *out)
{
  const struct int_range *ir = &int_ranges[k];
  const char *text = integer_text(v, false);
  if (text == NULL)
    return fail(c, "expected %s", ir->what);
  errno = 0;
  unsigned long long x = strtoull(text, NULL, 10);
  if (errno != 0 || x > ir->umax)
    return fail(c, "expected %s", ir->what);
  if (k == K_U16)
    *(uint16_t *)out = (uint16_t)x;
  else if (k == K_U32 || k == K_ID)
    *(uint32_t *)out = (uint32_t)x;
  else
    *(uint64_t *)out = x;
  return 0;
}

static int as_int(struct ctx *c, yajl_val v, enum kind k, void *out)
{
  return int_ranges[k].is_signed ? as_signed(c, v, k, out) : as_unsigned(c, v, k, out);
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                     */
/* ------------------------------------------------------------------------ */

static int as_strv(struct ctx *c, yajl_val v, char ***out, size_t *n)
{
  if (v->type != yajl_t_array)
    return fail(c, "expected array of strings");
  int r = check_size(c, v);
  if (r < 0)
    return r;
  size_t len = v->u.array.len;
  char **strv = calloc(len + 1, sizeof(*strv));
  if (strv == NULL)
    return oom(c);
  *out = strv;
  *n = len;
  for (size_t i = 0; i < len; i++) {
    yajl_val e = v->u.array.values[i];
    if (e->type != yajl_t_string)
      return fail(c, "expected array of strings");
    strv[i] = strdup(e->u.string);
    if (strv[i] == NULL)
      return oom(c);
  }
  return 0;
}

static int as_u32v(struct ctx *c, yajl_val v, enum kind k, uint32_t **out, size_t *n)
{
  if (v->type != yajl_t_array)
    return fail(c, "expected array of %ss", int_ranges[k].what);
  int r = check_size(c, v);
  if (r < 0)
    return r;
  size_t len = v->u.array.len;
  uint32_t *a = calloc(len ? len : 1, sizeof(*a));
  if (a == NULL)
    return oom(c);
  *out = a;
  *n = len;
  for (size_t i = 0; i < len; i++) {
    size_t mark = path_push_index(c, i);
    r = as_unsigned(c, v->u.array.values[i], k, &a[i]);
    path_pop(c, mark);
    if (r < 0)
      return r;
  }
  return 0;
}

static int as_map(struct ctx *c, yajl_val v, struct spec_kv **out, size_t *n)
{
  if (v->type != yajl_t_object)
    return fail(c, "expected object");
  bool *repeated = NULL;
  int r = check_size(c, v);
  if (r == 0)
    r = find_repeated_keys(c, v, &repeated);
  if (r < 0)
    return r;
  size_t len = v->u.object.len;
  struct spec_kv *kv = calloc(len ? len : 1, sizeof(*kv));
  if (kv == NULL) {
    free(repeated);
    return oom(c);
  }
  *out = kv;
  *n = 0;
  for (size_t i = 0; i < len && r == 0; i++) {
    const char *key = v->u.object.keys[i];
    yajl_val value = v->u.object.values[i];
    if (repeated[i])
      continue;
    if (value->type != yajl_t_string) {
      r = fail_at(c, key, "expected string");
      break;
    }
    struct spec_kv *e = &kv[(*n)++];
    e->key = strdup(key);
    e->value = strdup(value->u.string);
    if (e->key == NULL || e->value == NULL)
      r = oom(c);
  }
  free(repeated);
  return r;
}

static int parse_typed(struct ctx *c, yajl_val v, const struct object_type *t, void *out);

static int as_array(struct ctx *c, yajl_val v, const struct object_type *t, void *member_ptr,
                    size_t *n)
{
  if (v->type != yajl_t_array)
    return fail(c, "expected array");
  int r = check_size(c, v);
  if (r < 0)
    return r;
  size_t len = v->u.array.len;
  char *items = calloc(len ? len : 1, t->size);
  if (items == NULL)
    return oom(c);
  memcpy(member_ptr, &items, sizeof(items)); /* the member is a `struct x *` */
  *n = len;
  for (size_t i = 0; i < len; i++) {
    size_t mark = path_push_index(c, i);
    r = parse_typed(c, v->u.array.values[i], t, items + i * t->size);
    path_pop(c, mark);
    if (r < 0)
      return r;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The generic walk                                                          */
/* ------------------------------------------------------------------------ */

static int parse_field(struct ctx *c, yajl_val v, const struct field *f, char *base)
{
  void *p = base + f->off;
  size_t *count = f->count == NO_AUX ? NULL : (size_t *)(base + f->count);
  bool list = f->kind == K_STRV || f->kind == K_U32V || f->kind == K_MAP || f->kind == K_ARRAY;
  if (list && count == NULL) /* FIELD_LIST/FIELD_ARRAY always give one */
    return fail(c, "internal error: list without a count");
  switch (f->kind) {
  case K_STR:
    return as_string(c, v, p);
  case K_STRV:
    return as_strv(c, v, p, count);
  case K_BOOL:
    return as_bool(c, v, p);
  case K_U32V:
    return as_u32v(c, v, K_U32, p, count);
  case K_IDV:
    return as_u32v(c, v, K_ID, p, count);
  case K_MAP:
    return as_map(c, v, p, count);
  case K_OBJECT:
    return parse_typed(c, v, f->type, p);
  case K_ARRAY:
    return as_array(c, v, f->type, p, count);
  default:
    return as_int(c, v, f->kind, p);
  }
}

static int parse_fields(struct ctx *c, yajl_val obj, void *out, const struct field *fields,
                        size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const struct field *f = &fields[i];
    yajl_val v = member(obj, f->key);
    if (v == NULL)
      continue;
    size_t mark = path_push_key(c, f->key);
    int r = parse_field(c, v, f, out);
    path_pop(c, mark);
    if (r < 0)
      return r;
    if (f->has != NO_AUX)
      *(bool *)((char *)out + f->has) = true;
  }
  return 0;
}

static int parse_typed(struct ctx *c, yajl_val v, const struct object_type *t, void *out)
{
  if (v->type != yajl_t_object)
    return fail(c, "expected object");
  int r = check_size(c, v);
  if (r < 0)
    return r;
  if (t->present != NO_AUX)
    *(bool *)((char *)out + t->present) = true;
  r = parse_fields(c, v, out, t->fields, t->n_fields);
  if (r == 0 && t->parse_extra != NULL)
    r = t->parse_extra(c, v, out);
  return r;
}

static void free_typed(void *obj, const struct object_type *t);

static void free_strv(char **strv, size_t n)
{
  for (size_t i = 0; strv != NULL && i < n; i++)
    free(strv[i]);
  free(strv);
}

static void free_map(struct spec_kv *kv, size_t n)
{
  for (size_t i = 0; kv != NULL && i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

static void free_items(char *items, size_t n, const struct object_type *t)
{
  for (size_t i = 0; items != NULL && i < n; i++)
    free_typed(items + i * t->size, t);
  free(items);
}

static void free_field(char *base, const struct field *f)
{
  void *p = base + f->off;
  size_t n = f->count == NO_AUX ? 0 : *(size_t *)(base + f->count);
  char *items;
  switch (f->kind) {
  case K_STR:
    free(*(char **)p);
    break;
  case K_STRV:
    free_strv(*(char ***)p, n);
    break;
  case K_U32V:
  case K_IDV:
    free(*(uint32_t **)p);
    break;
  case K_MAP:
    free_map(*(struct spec_kv **)p, n);
    break;
  case K_OBJECT:
    free_typed(p, f->type);
    break;
  case K_ARRAY:
    memcpy(&items, p, sizeof(items));
    free_items(items, n, f->type);
    break;
  default:
    break;
  }
}

static void free_typed(void *obj, const struct object_type *t)
{
  for (size_t i = 0; i < t->n_fields; i++)
    free_field(obj, &t->fields[i]);
  if (t->free_extra != NULL)
    t->free_extra(obj);
}

/* ------------------------------------------------------------------------ */
/* process                                                                   */
/* ------------------------------------------------------------------------ */

static const struct field console_size_fields[] = {
    FIELD(struct spec_console_size, "height", K_U16, height),
    FIELD(struct spec_console_size, "width", K_U16, width),
};
static const struct object_type console_size_type = OBJECT_TYPE(
    struct spec_console_size, console_size_fields, PRESENT(struct spec_console_size), NULL, NULL);

static const struct field user_fields[] = {
    FIELD(struct spec_user, "uid", K_ID, uid),
    FIELD(struct spec_user, "gid", K_ID, gid),
    FIELD_OPT(struct spec_user, "umask", K_U32, umask, has_umask),
    FIELD_LIST(struct spec_user, "additionalGids", K_IDV, additional_gids, n_additional_gids),
    FIELD(struct spec_user, "username", K_STR, username),
};
static const struct object_type user_type =
    OBJECT_TYPE(struct spec_user, user_fields, NO_AUX, NULL, NULL);

static const struct field capabilities_fields[] = {
    FIELD_LIST(struct spec_capabilities, "bounding", K_STRV, bounding, n_bounding),
    FIELD_LIST(struct spec_capabilities, "effective", K_STRV, effective, n_effective),
    FIELD_LIST(struct spec_capabilities, "inheritable", K_STRV, inheritable, n_inheritable),
    FIELD_LIST(struct spec_capabilities, "permitted", K_STRV, permitted, n_permitted),
    FIELD_LIST(struct spec_capabilities, "ambient", K_STRV, ambient, n_ambient),
};
static const struct object_type capabilities_type = OBJECT_TYPE(
    struct spec_capabilities, capabilities_fields, PRESENT(struct spec_capabilities), NULL, NULL);

static const struct field rlimit_fields[] = {
    FIELD(struct spec_rlimit, "type", K_STR, type),
    FIELD(struct spec_rlimit, "hard", K_U64, hard),
    FIELD(struct spec_rlimit, "soft", K_U64, soft),
};
static const struct object_type rlimit_type =
    OBJECT_TYPE(struct spec_rlimit, rlimit_fields, NO_AUX, NULL, NULL);

static const struct field scheduler_fields[] = {
    FIELD(struct spec_scheduler, "policy", K_STR, policy),
    FIELD(struct spec_scheduler, "nice", K_I32, nice),
    FIELD(struct spec_scheduler, "priority", K_I32, priority),
    FIELD_LIST(struct spec_scheduler, "flags", K_STRV, flags, n_flags),
    FIELD(struct spec_scheduler, "runtime", K_U64, runtime),
    FIELD(struct spec_scheduler, "deadline", K_U64, deadline),
    FIELD(struct spec_scheduler, "period", K_U64, period),
};
static const struct object_type scheduler_type = OBJECT_TYPE(
    struct spec_scheduler, scheduler_fields, PRESENT(struct spec_scheduler), NULL, NULL);

static const struct field io_priority_fields[] = {
    FIELD(struct spec_io_priority, "class", K_STR, klass),
    FIELD(struct spec_io_priority, "priority", K_I32, priority),
};
static const struct object_type io_priority_type = OBJECT_TYPE(
    struct spec_io_priority, io_priority_fields, PRESENT(struct spec_io_priority), NULL, NULL);

static const struct field cpu_affinity_fields[] = {
    FIELD(struct spec_cpu_affinity, "initial", K_STR, initial),
    FIELD(struct spec_cpu_affinity, "final", K_STR, final),
};
static const struct object_type cpu_affinity_type =
    OBJECT_TYPE(struct spec_cpu_affinity, cpu_affinity_fields, NO_AUX, NULL, NULL);

static const struct field process_fields[] = {
    FIELD(struct spec_process, "terminal", K_BOOL, terminal),
    FIELD_OBJECT(struct spec_process, "consoleSize", console_size, struct spec_console_size,
                 &console_size_type),
    FIELD_OBJECT(struct spec_process, "user", user, struct spec_user, &user_type),
    FIELD_LIST(struct spec_process, "args", K_STRV, args, n_args),
    FIELD(struct spec_process, "commandLine", K_STR, command_line),
    FIELD_LIST(struct spec_process, "env", K_STRV, env, n_env),
    FIELD(struct spec_process, "cwd", K_STR, cwd),
    FIELD_OBJECT(struct spec_process, "capabilities", capabilities, struct spec_capabilities,
                 &capabilities_type),
    FIELD_ARRAY(struct spec_process, "rlimits", rlimits, n_rlimits, struct spec_rlimit,
                &rlimit_type),
    FIELD(struct spec_process, "noNewPrivileges", K_BOOL, no_new_privileges),
    FIELD(struct spec_process, "apparmorProfile", K_STR, apparmor_profile),
    FIELD_OPT(struct spec_process, "oomScoreAdj", K_I32, oom_score_adj, has_oom_score_adj),
    FIELD(struct spec_process, "selinuxLabel", K_STR, selinux_label),
    FIELD_OBJECT(struct spec_process, "scheduler", scheduler, struct spec_scheduler,
                 &scheduler_type),
    FIELD_OBJECT(struct spec_process, "ioPriority", io_priority, struct spec_io_priority,
                 &io_priority_type),
    FIELD_OBJECT(struct spec_process, "execCPUAffinity", exec_cpu_affinity,
                 struct spec_cpu_affinity, &cpu_affinity_type),
};
static const struct object_type process_type =
    OBJECT_TYPE(struct spec_process, process_fields, PRESENT(struct spec_process), NULL, NULL);

/* ------------------------------------------------------------------------ */
/* root, mounts, hooks                                                       */
/* ------------------------------------------------------------------------ */

static const struct field root_fields[] = {
    FIELD(struct spec_root, "path", K_STR, path),
    FIELD(struct spec_root, "readonly", K_BOOL, readonly),
};
static const struct object_type root_type =
    OBJECT_TYPE(struct spec_root, root_fields, NO_AUX, NULL, NULL);

static const struct field id_mapping_fields[] = {
    FIELD(struct spec_id_mapping, "containerID", K_ID, container_id),
    FIELD(struct spec_id_mapping, "hostID", K_ID, host_id),
    FIELD(struct spec_id_mapping, "size", K_U32, size),
};

/* A range the kernel accepts: not empty, and its last id is a valid one on
 * both sides (no wrap past 4294967294). */
static int check_id_mapping(struct ctx *c, yajl_val obj, void *out)
{
  (void)obj;
  const struct spec_id_mapping *m = out;
  if (m->size == 0)
    return fail_at(c, "size", "must be at least 1");
  if ((uint64_t)m->container_id + m->size - 1 > UINT32_MAX - 1)
    return fail(c, "containerID %u + size %u goes past the largest id 4294967294", m->container_id,
                m->size);
  if ((uint64_t)m->host_id + m->size - 1 > UINT32_MAX - 1)
    return fail(c, "hostID %u + size %u goes past the largest id 4294967294", m->host_id, m->size);
  return 0;
}
static const struct object_type id_mapping_type =
    OBJECT_TYPE(struct spec_id_mapping, id_mapping_fields, NO_AUX, check_id_mapping, NULL);

static const struct field mount_fields[] = {
    FIELD(struct spec_mount, "destination", K_STR, destination),
    FIELD(struct spec_mount, "type", K_STR, type),
    FIELD(struct spec_mount, "source", K_STR, source),
    FIELD_LIST(struct spec_mount, "options", K_STRV, options, n_options),
    FIELD_ARRAY(struct spec_mount, "uidMappings", uid_mappings, n_uid_mappings,
                struct spec_id_mapping, &id_mapping_type),
    FIELD_ARRAY(struct spec_mount, "gidMappings", gid_mappings, n_gid_mappings,
                struct spec_id_mapping, &id_mapping_type),
};
static const struct object_type mount_type =
    OBJECT_TYPE(struct spec_mount, mount_fields, NO_AUX, NULL, NULL);

static int check_hook(struct ctx *c, yajl_val obj, void *out)
{
  (void)obj;
  const struct spec_hook *h = out;
  /* Hooks run from wherever the runtime happens to be: only an absolute
   * path means one program. */
  if (h->path == NULL)
    return fail_at(c, "path", "missing");
  if (h->path[0] != '/')
    return fail_at(c, "path", "must be an absolute path, got '%s'", h->path);
  if (h->has_timeout && h->timeout <= 0)
    return fail_at(c, "timeout", "must be greater than zero");
  return 0;
}

static const struct field hook_fields[] = {
    FIELD(struct spec_hook, "path", K_STR, path),
    FIELD_LIST(struct spec_hook, "args", K_STRV, args, n_args),
    FIELD_LIST(struct spec_hook, "env", K_STRV, env, n_env),
    FIELD_OPT(struct spec_hook, "timeout", K_I32, timeout, has_timeout),
};
static const struct object_type hook_type =
    OBJECT_TYPE(struct spec_hook, hook_fields, NO_AUX, check_hook, NULL);

/* NOLINTBEGIN(bugprone-macro-parentheses): `list` names a member */
#define HOOK_LIST(key, list)                                                                       \
  FIELD_ARRAY(struct spec_hooks, key, list.hooks, list.n_hooks, struct spec_hook, &hook_type)
/* NOLINTEND(bugprone-macro-parentheses) */

static const struct field hooks_fields[] = {
    HOOK_LIST("prestart", prestart),
    HOOK_LIST("createRuntime", create_runtime),
    HOOK_LIST("createContainer", create_container),
    HOOK_LIST("startContainer", start_container),
    HOOK_LIST("poststart", poststart),
    HOOK_LIST("poststop", poststop),
};
static const struct object_type hooks_type =
    OBJECT_TYPE(struct spec_hooks, hooks_fields, NO_AUX, NULL, NULL);

/* ------------------------------------------------------------------------ */
/* linux: namespaces, time offsets, devices                                  */
/* ------------------------------------------------------------------------ */

static const char *const ns_names[SPEC_NS_COUNT] = {
    [SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "network", [SPEC_NS_MOUNT] = "mount",
    [SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",         [SPEC_NS_USER] = "user",
    [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

const char *spec_ns_type_name(enum spec_ns_type type)
{
  if ((unsigned)type >= SPEC_NS_COUNT)
    return "unknown";
  return ns_names[type];
}

static int parse_namespace_type(struct ctx *c, yajl_val obj, void *out)
{
  struct spec_namespace *ns = out;
  const char *name;
  int r = borrow_string(c, obj, "type", true, &name);
  if (r < 0)
    return r;
  for (int t = 0; t < SPEC_NS_COUNT; t++) {
    if (strcmp(name, ns_names[t]) == 0) {
      ns->type = (enum spec_ns_type)t;
      return 0;
    }
  }
  return fail_at(c, "type", "unknown namespace type '%s'", name);
}

static const struct field namespace_fields[] = {
    FIELD(struct spec_namespace, "path", K_STR, path),
};
static const struct object_type namespace_type =
    OBJECT_TYPE(struct spec_namespace, namespace_fields, NO_AUX, parse_namespace_type, NULL);

static const struct field time_offset_fields[] = {
    FIELD(struct spec_time_offset, "secs", K_I64, secs),
    FIELD(struct spec_time_offset, "nanosecs", K_U32, nanosecs),
};
static const struct object_type time_offset_type = OBJECT_TYPE(
    struct spec_time_offset, time_offset_fields, PRESENT(struct spec_time_offset), NULL, NULL);

static const struct field time_offsets_fields[] = {
    FIELD_OBJECT(struct spec_linux, "boottime", time_offset_boottime, struct spec_time_offset,
                 &time_offset_type),
    FIELD_OBJECT(struct spec_linux, "monotonic", time_offset_monotonic, struct spec_time_offset,
                 &time_offset_type),
};
static const struct object_type time_offsets_type =
    OBJECT_TYPE(struct spec_linux, time_offsets_fields, NO_AUX, NULL, NULL);

/* linux.devices[].type ("c", "b", "u", "p") and .path are required. */
static int parse_device_type(struct ctx *c, yajl_val obj, void *out)
{
  struct spec_device *d = out;
  const char *type;
  int r = borrow_string(c, obj, "type", true, &type);
  if (r < 0)
    return r;
  if (type[0] == '\0' || type[1] != '\0' || strchr("cbup", type[0]) == NULL)
    return fail_at(c, "type", "unknown device type '%s' (expected c, b, u or p)", type);
  d->type = type[0];
  if (d->path == NULL)
    return fail_at(c, "path", "missing");
  return 0;
}

static const struct field device_fields[] = {
    FIELD(struct spec_device, "path", K_STR, path),
    FIELD_OPT(struct spec_device, "major", K_I64, major, has_major),
    FIELD_OPT(struct spec_device, "minor", K_I64, minor, has_minor),
    FIELD_OPT(struct spec_device, "fileMode", K_U32, file_mode, has_file_mode),
    FIELD_OPT(struct spec_device, "uid", K_ID, uid, has_uid),
    FIELD_OPT(struct spec_device, "gid", K_ID, gid, has_gid),
};
static const struct object_type device_type =
    OBJECT_TYPE(struct spec_device, device_fields, NO_AUX, parse_device_type, NULL);

/* ------------------------------------------------------------------------ */
/* linux.resources                                                           */
/* ------------------------------------------------------------------------ */

static int check_device_cgroup(struct ctx *c, yajl_val obj, void *out)
{
  (void)obj;
  const char *type = ((const struct spec_device_cgroup *)out)->type;
  if (type != NULL && strcmp(type, "a") != 0 && strcmp(type, "b") != 0 && strcmp(type, "c") != 0)
    return fail_at(c, "type", "unknown device type '%s' (expected a, b or c)", type);
  return 0;
}

static const struct field device_cgroup_fields[] = {
    FIELD(struct spec_device_cgroup, "allow", K_BOOL, allow),
    FIELD(struct spec_device_cgroup, "type", K_STR, type),
    FIELD_OPT(struct spec_device_cgroup, "major", K_I64, major, has_major),
    FIELD_OPT(struct spec_device_cgroup, "minor", K_I64, minor, has_minor),
    FIELD(struct spec_device_cgroup, "access", K_STR, access),
};
static const struct object_type device_cgroup_type =
    OBJECT_TYPE(struct spec_device_cgroup, device_cgroup_fields, NO_AUX, check_device_cgroup, NULL);

static const struct field memory_fields[] = {
    FIELD_OPT(struct spec_memory, "limit", K_I64, limit, has_limit),
    FIELD_OPT(struct spec_memory, "reservation", K_I64, reservation, has_reservation),
    FIELD_OPT(struct spec_memory, "swap", K_I64, swap, has_swap),
    FIELD_OPT(struct spec_memory, "kernel", K_I64, kernel, has_kernel),
    FIELD_OPT(struct spec_memory, "kernelTCP", K_I64, kernel_tcp, has_kernel_tcp),
    FIELD_OPT(struct spec_memory, "swappiness", K_U64, swappiness, has_swappiness),
    FIELD_OPT(struct spec_memory, "disableOOMKiller", K_BOOL, disable_oom_killer,
              has_disable_oom_killer),
    FIELD_OPT(struct spec_memory, "useHierarchy", K_BOOL, use_hierarchy, has_use_hierarchy),
    FIELD_OPT(struct spec_memory, "checkBeforeUpdate", K_BOOL, check_before_update,
              has_check_before_update),
};
static const struct object_type memory_type =
    OBJECT_TYPE(struct spec_memory, memory_fields, PRESENT(struct spec_memory), NULL, NULL);

static const struct field cpu_fields[] = {
    FIELD_OPT(struct spec_cpu, "shares", K_U64, shares, has_shares),
    FIELD_OPT(struct spec_cpu, "quota", K_I64, quota, has_quota),
    FIELD_OPT(struct spec_cpu, "burst", K_U64, burst, has_burst),
    FIELD_OPT(struct spec_cpu, "period", K_U64, period, has_period),
    FIELD_OPT(struct spec_cpu, "realtimeRuntime", K_I64, realtime_runtime, has_realtime_runtime),
    FIELD_OPT(struct spec_cpu, "realtimePeriod", K_U64, realtime_period, has_realtime_period),
    FIELD(struct spec_cpu, "cpus", K_STR, cpus),
    FIELD(struct spec_cpu, "mems", K_STR, mems),
    FIELD_OPT(struct spec_cpu, "idle", K_I64, idle, has_idle),
};
static const struct object_type cpu_type =
    OBJECT_TYPE(struct spec_cpu, cpu_fields, PRESENT(struct spec_cpu), NULL, NULL);

static const struct field weight_device_fields[] = {
    FIELD(struct spec_weight_device, "major", K_I64, major),
    FIELD(struct spec_weight_device, "minor", K_I64, minor),
    FIELD_OPT(struct spec_weight_device, "weight", K_U16, weight, has_weight),
    FIELD_OPT(struct spec_weight_device, "leafWeight", K_U16, leaf_weight, has_leaf_weight),
};
static const struct object_type weight_device_type =
    OBJECT_TYPE(struct spec_weight_device, weight_device_fields, NO_AUX, NULL, NULL);

static const struct field throttle_device_fields[] = {
    FIELD(struct spec_throttle_device, "major", K_I64, major),
    FIELD(struct spec_throttle_device, "minor", K_I64, minor),
    FIELD(struct spec_throttle_device, "rate", K_U64, rate),
};
static const struct object_type throttle_device_type =
    OBJECT_TYPE(struct spec_throttle_device, throttle_device_fields, NO_AUX, NULL, NULL);

#define THROTTLE(key, m)                                                                           \
  FIELD_ARRAY(struct spec_block_io, key, m, n_##m, struct spec_throttle_device,                    \
              &throttle_device_type)

static const struct field block_io_fields[] = {
    FIELD_OPT(struct spec_block_io, "weight", K_U16, weight, has_weight),
    FIELD_OPT(struct spec_block_io, "leafWeight", K_U16, leaf_weight, has_leaf_weight),
    FIELD_ARRAY(struct spec_block_io, "weightDevice", weight_device, n_weight_device,
                struct spec_weight_device, &weight_device_type),
    THROTTLE("throttleReadBpsDevice", throttle_read_bps),
    THROTTLE("throttleWriteBpsDevice", throttle_write_bps),
    THROTTLE("throttleReadIOPSDevice", throttle_read_iops),
    THROTTLE("throttleWriteIOPSDevice", throttle_write_iops),
};
static const struct object_type block_io_type =
    OBJECT_TYPE(struct spec_block_io, block_io_fields, PRESENT(struct spec_block_io), NULL, NULL);

static const struct field hugepage_limit_fields[] = {
    FIELD(struct spec_hugepage_limit, "pageSize", K_STR, page_size),
    FIELD(struct spec_hugepage_limit, "limit", K_U64, limit),
};
static const struct object_type hugepage_limit_type =
    OBJECT_TYPE(struct spec_hugepage_limit, hugepage_limit_fields, NO_AUX, NULL, NULL);

static const struct field net_priority_fields[] = {
    FIELD(struct spec_net_priority, "name", K_STR, name),
    FIELD(struct spec_net_priority, "priority", K_U32, priority),
};
static const struct object_type net_priority_type =
    OBJECT_TYPE(struct spec_net_priority, net_priority_fields, NO_AUX, NULL, NULL);

/* "pids": {"limit"} and "network": {"classID", "priorities"} are stored flat
 * in struct spec_resources. */
static const struct field pids_fields[] = {
    FIELD_OPT(struct spec_resources, "limit", K_I64, pids_limit, has_pids_limit),
};
static const struct object_type pids_type =
    OBJECT_TYPE(struct spec_resources, pids_fields, NO_AUX, NULL, NULL);

static const struct field network_fields[] = {
    FIELD_OPT(struct spec_resources, "classID", K_U32, net_class_id, has_net_class_id),
    FIELD_ARRAY(struct spec_resources, "priorities", net_priorities, n_net_priorities,
                struct spec_net_priority, &net_priority_type),
};
static const struct object_type network_type =
    OBJECT_TYPE(struct spec_resources, network_fields, NO_AUX, NULL, NULL);

/* rdma is a map of device name -> limits; the name lands in spec_rdma.device. */
static const struct field rdma_fields[] = {
    FIELD_OPT(struct spec_rdma, "hcaHandles", K_U32, hca_handles, has_hca_handles),
    FIELD_OPT(struct spec_rdma, "hcaObjects", K_U32, hca_objects, has_hca_objects),
};
static const struct object_type rdma_type =
    OBJECT_TYPE(struct spec_rdma, rdma_fields, NO_AUX, NULL, NULL);

static int as_rdma_map(struct ctx *c, yajl_val v, struct spec_resources *res)
{
  if (v->type != yajl_t_object)
    return fail(c, "expected object");
  bool *repeated = NULL;
  int r = check_size(c, v);
  if (r == 0)
    r = find_repeated_keys(c, v, &repeated);
  if (r < 0)
    return r;
  size_t len = v->u.object.len;
  res->rdma = calloc(len ? len : 1, sizeof(*res->rdma));
  if (res->rdma == NULL)
    r = oom(c);
  for (size_t i = 0; i < len && r == 0; i++) {
    if (repeated[i])
      continue;
    struct spec_rdma *d = &res->rdma[res->n_rdma++];
    const char *key = v->u.object.keys[i];
    size_t mark = path_push_key(c, key);
    r = parse_typed(c, v->u.object.values[i], &rdma_type, d);
    if (r == 0 && (d->device = strdup(key)) == NULL)
      r = oom(c);
    path_pop(c, mark);
  }
  free(repeated);
  return r;
}

static int parse_rdma(struct ctx *c, yajl_val obj, void *out)
{
  yajl_val v = member(obj, "rdma");
  if (v == NULL)
    return 0;
  size_t mark = path_push_key(c, "rdma");
  int r = as_rdma_map(c, v, out);
  path_pop(c, mark);
  return r;
}

static void free_rdma(void *obj)
{
  struct spec_resources *res = obj;
  for (size_t i = 0; res->rdma != NULL && i < res->n_rdma; i++)
    free(res->rdma[i].device);
  free(res->rdma);
}

static const struct field resources_fields[] = {
    FIELD_ARRAY(struct spec_resources, "devices", devices, n_devices, struct spec_device_cgroup,
                &device_cgroup_type),
    FIELD_OBJECT(struct spec_resources, "memory", memory, struct spec_memory, &memory_type),
    FIELD_OBJECT(struct spec_resources, "cpu", cpu, struct spec_cpu, &cpu_type),
    FIELD_FLAT("pids", &pids_type),
    FIELD_OBJECT(struct spec_resources, "blockIO", block_io, struct spec_block_io, &block_io_type),
    FIELD_ARRAY(struct spec_resources, "hugepageLimits", hugepage_limits, n_hugepage_limits,
                struct spec_hugepage_limit, &hugepage_limit_type),
    FIELD_FLAT("network", &network_type),
    FIELD_LIST(struct spec_resources, "unified", K_MAP, unified, n_unified),
};
static const struct object_type resources_type = OBJECT_TYPE(
    struct spec_resources, resources_fields, PRESENT(struct spec_resources), parse_rdma, free_rdma);

/* ------------------------------------------------------------------------ */
/* linux: seccomp, intelRdt, personality                                     */
/* ------------------------------------------------------------------------ */

static const struct field seccomp_arg_fields[] = {
    FIELD(struct spec_seccomp_arg, "index", K_U32, index),
    FIELD(struct spec_seccomp_arg, "value", K_U64, value),
    FIELD(struct spec_seccomp_arg, "valueTwo", K_U64, value_two),
    FIELD(struct spec_seccomp_arg, "op", K_STR, op),
};
static const struct object_type seccomp_arg_type =
    OBJECT_TYPE(struct spec_seccomp_arg, seccomp_arg_fields, NO_AUX, NULL, NULL);

static const struct field seccomp_syscall_fields[] = {
    FIELD_LIST(struct spec_seccomp_syscall, "names", K_STRV, names, n_names),
    FIELD(struct spec_seccomp_syscall, "action", K_STR, action),
    FIELD_OPT(struct spec_seccomp_syscall, "errnoRet", K_U32, errno_ret, has_errno_ret),
    FIELD_ARRAY(struct spec_seccomp_syscall, "args", args, n_args, struct spec_seccomp_arg,
                &seccomp_arg_type),
};
static const struct object_type seccomp_syscall_type =
    OBJECT_TYPE(struct spec_seccomp_syscall, seccomp_syscall_fields, NO_AUX, NULL, NULL);

static const struct field seccomp_fields[] = {
    FIELD(struct spec_seccomp, "defaultAction", K_STR, default_action),
    FIELD_OPT(struct spec_seccomp, "defaultErrnoRet", K_U32, default_errno_ret,
              has_default_errno_ret),
    FIELD_LIST(struct spec_seccomp, "architectures", K_STRV, architectures, n_architectures),
    FIELD_LIST(struct spec_seccomp, "flags", K_STRV, flags, n_flags),
    FIELD(struct spec_seccomp, "listenerPath", K_STR, listener_path),
    FIELD(struct spec_seccomp, "listenerMetadata", K_STR, listener_metadata),
    FIELD_ARRAY(struct spec_seccomp, "syscalls", syscalls, n_syscalls, struct spec_seccomp_syscall,
                &seccomp_syscall_type),
};
static const struct object_type seccomp_type =
    OBJECT_TYPE(struct spec_seccomp, seccomp_fields, PRESENT(struct spec_seccomp), NULL, NULL);

static const struct field intel_rdt_fields[] = {
    FIELD(struct spec_intel_rdt, "closID", K_STR, clos_id),
    FIELD(struct spec_intel_rdt, "l3CacheSchema", K_STR, l3_cache_schema),
    FIELD(struct spec_intel_rdt, "memBwSchema", K_STR, mem_bw_schema),
    FIELD(struct spec_intel_rdt, "enableCMT", K_BOOL, enable_cmt),
    FIELD(struct spec_intel_rdt, "enableMBM", K_BOOL, enable_mbm),
};
static const struct object_type intel_rdt_type = OBJECT_TYPE(
    struct spec_intel_rdt, intel_rdt_fields, PRESENT(struct spec_intel_rdt), NULL, NULL);

static const struct field personality_fields[] = {
    FIELD(struct spec_personality, "domain", K_STR, domain),
    FIELD_LIST(struct spec_personality, "flags", K_STRV, flags, n_flags),
};
static const struct object_type personality_type = OBJECT_TYPE(
    struct spec_personality, personality_fields, PRESENT(struct spec_personality), NULL, NULL);

static const struct field memory_policy_fields[] = {
    FIELD(struct spec_memory_policy, "mode", K_STR, mode),
    FIELD(struct spec_memory_policy, "nodes", K_STR, nodes),
    FIELD_LIST(struct spec_memory_policy, "flags", K_STRV, flags, n_flags),
};
static const struct object_type memory_policy_type =
    OBJECT_TYPE(struct spec_memory_policy, memory_policy_fields, PRESENT(struct spec_memory_policy),
                NULL, NULL);

/* ------------------------------------------------------------------------ */
/* linux and the document                                                    */
/* ------------------------------------------------------------------------ */

static int check_namespaces(struct ctx *c, yajl_val obj, void *out)
{
  (void)obj;
  const struct spec_linux *l = out;
  bool seen[SPEC_NS_COUNT] = {false};
  for (size_t i = 0; i < l->n_namespaces; i++) {
    enum spec_ns_type t = l->namespaces[i].type;
    if (seen[t])
      return fail_at(c, "namespaces", "duplicate namespace type '%s'", ns_names[t]);
    seen[t] = true;
  }
  return 0;
}

static const struct field net_device_fields[] = {
    FIELD(struct spec_net_device, "name", K_STR, name),
};
static const struct object_type net_device_type =
    OBJECT_TYPE(struct spec_net_device, net_device_fields, NO_AUX, NULL, NULL);

/* linux.netDevices: {"eth1": {"name": "ctr0"}, ...} */
static int parse_net_devices(struct ctx *c, yajl_val obj, struct spec_linux *l)
{
  yajl_val v = member(obj, "netDevices");
  if (v == NULL)
    return 0;
  size_t mark = path_push_key(c, "netDevices");
  bool *repeated = NULL;
  int r = 0;
  if (v->type != yajl_t_object)
    r = fail(c, "expected object");
  if (r == 0)
    r = check_size(c, v);
  if (r == 0)
    r = find_repeated_keys(c, v, &repeated);
  size_t len = r == 0 ? v->u.object.len : 0;
  if (r == 0 && (l->net_devices = calloc(len ? len : 1, sizeof(*l->net_devices))) == NULL)
    r = oom(c);
  for (size_t i = 0; r == 0 && i < len; i++) {
    if (repeated[i])
      continue;
    struct spec_net_device *d = &l->net_devices[l->n_net_devices++];
    const char *key = v->u.object.keys[i];
    size_t item = path_push_key(c, key);
    r = parse_typed(c, v->u.object.values[i], &net_device_type, d);
    if (r == 0 && (d->host_name = strdup(key)) == NULL)
      r = oom(c);
    path_pop(c, item);
  }
  free(repeated);
  path_pop(c, mark);
  return r;
}

static void free_net_devices(void *obj)
{
  struct spec_linux *l = obj;
  for (size_t i = 0; l->net_devices != NULL && i < l->n_net_devices; i++) {
    free(l->net_devices[i].host_name);
    free(l->net_devices[i].name);
  }
  free(l->net_devices);
}

static int parse_linux_extra(struct ctx *c, yajl_val obj, void *out)
{
  int r = check_namespaces(c, obj, out);
  return r < 0 ? r : parse_net_devices(c, obj, out);
}

static const struct field linux_fields[] = {
    FIELD_ARRAY(struct spec_linux, "namespaces", namespaces, n_namespaces, struct spec_namespace,
                &namespace_type),
    FIELD_ARRAY(struct spec_linux, "uidMappings", uid_mappings, n_uid_mappings,
                struct spec_id_mapping, &id_mapping_type),
    FIELD_ARRAY(struct spec_linux, "gidMappings", gid_mappings, n_gid_mappings,
                struct spec_id_mapping, &id_mapping_type),
    FIELD_FLAT("timeOffsets", &time_offsets_type),
    FIELD_ARRAY(struct spec_linux, "devices", devices, n_devices, struct spec_device, &device_type),
    FIELD(struct spec_linux, "cgroupsPath", K_STR, cgroups_path),
    FIELD_OBJECT(struct spec_linux, "resources", resources, struct spec_resources, &resources_type),
    FIELD(struct spec_linux, "rootfsPropagation", K_STR, rootfs_propagation),
    FIELD_OBJECT(struct spec_linux, "seccomp", seccomp, struct spec_seccomp, &seccomp_type),
    FIELD_LIST(struct spec_linux, "sysctl", K_MAP, sysctl, n_sysctl),
    FIELD_LIST(struct spec_linux, "maskedPaths", K_STRV, masked_paths, n_masked_paths),
    FIELD_LIST(struct spec_linux, "readonlyPaths", K_STRV, readonly_paths, n_readonly_paths),
    FIELD(struct spec_linux, "mountLabel", K_STR, mount_label),
    FIELD_OBJECT(struct spec_linux, "intelRdt", intel_rdt, struct spec_intel_rdt, &intel_rdt_type),
    FIELD_OBJECT(struct spec_linux, "personality", personality, struct spec_personality,
                 &personality_type),
    FIELD_OBJECT(struct spec_linux, "memoryPolicy", memory_policy, struct spec_memory_policy,
                 &memory_policy_type),
};
static const struct object_type linux_type =
    OBJECT_TYPE(struct spec_linux, linux_fields, PRESENT(struct spec_linux), parse_linux_extra,
                free_net_devices);

static const struct field spec_fields[] = {
    FIELD(struct spec, "ociVersion", K_STR, oci_version),
    FIELD_OBJECT(struct spec, "process", process, struct spec_process, &process_type),
    FIELD_OBJECT(struct spec, "root", root, struct spec_root, &root_type),
    FIELD(struct spec, "hostname", K_STR, hostname),
    FIELD(struct spec, "domainname", K_STR, domainname),
    FIELD_ARRAY(struct spec, "mounts", mounts, n_mounts, struct spec_mount, &mount_type),
    FIELD_OBJECT(struct spec, "hooks", hooks, struct spec_hooks, &hooks_type),
    FIELD_LIST(struct spec, "annotations", K_MAP, annotations, n_annotations),
    FIELD_OBJECT(struct spec, "linux", linux_, struct spec_linux, &linux_type),
};
static const struct object_type spec_type =
    OBJECT_TYPE(struct spec, spec_fields, NO_AUX, NULL, NULL);

/* ------------------------------------------------------------------------ */
/* Entry points                                                              */
/* ------------------------------------------------------------------------ */

/* Index of the quote closing the string opened before `i` (or len); sets
 * *nul when the string holds a \u0000 escape. */
static size_t skip_string(const char *s, size_t len, size_t i, bool *nul)
{
  for (; i < len && s[i] != '"'; i++) {
    if (s[i] != '\\')
      continue;
    if (len - i >= 6 && strncmp(s + i + 1, "u0000", 5) == 0)
      *nul = true;
    i++; /* the escaped character */
  }
  return i;
}

/* Index of the last character of the comment starting at `i`. */
static size_t skip_comment(const char *s, size_t len, size_t i)
{
  if (s[i + 1] == '/') {
    while (i < len && s[i] != '\n')
      i++;
    return i;
  }
  for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
    ;
  return i + 1;
}

/* Refuses what yajl_tree would take but we cannot: nesting deep enough to
 * overflow yajl_tree_free()'s recursion, and strings with NUL characters
 * (they would be silently cut at the NUL). Comments are skipped like yajl
 * does, so brackets in them do not count. */
static int check_text(struct ctx *c, const char *s, size_t len)
{
  size_t depth = 0;
  bool nul = false;
  if (memchr(s, '\0', len) != NULL)
    return fail(c, "invalid JSON: NUL byte in the text");
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"')
      i = skip_string(s, len, i + 1, &nul);
    else if (s[i] == '/' && i + 1 < len && (s[i + 1] == '/' || s[i + 1] == '*'))
      i = skip_comment(s, len, i);
    else if ((s[i] == '[' || s[i] == '{') && ++depth > MAX_DEPTH)
      return fail(c, "invalid JSON: nested deeper than %d levels", MAX_DEPTH);
    else if ((s[i] == ']' || s[i] == '}') && depth > 0)
      depth--;
  }
  if (nul)
    return fail(c, "invalid JSON: strings must not contain NUL (\\u0000)");
  return 0;
}

static int parse_tree(struct ctx *c, const char *json, size_t len, yajl_val *out)
{
  int r = check_text(c, json, len);
  if (r < 0)
    return r;
  char *text = strndup(json, len); /* yajl_tree_parse() wants a C string */
  if (text == NULL)
    return oom(c);
  char msg[1024] = "";
  *out = yajl_tree_parse(text, msg, sizeof(msg));
  free(text);
  if (*out != NULL)
    return 0;
  /* yajl adds lines quoting the text and pointing at the error: keep line 1. */
  size_t n = strcspn(msg, "\n");
  while (n > 0 && msg[n - 1] == ' ')
    n--;
  msg[n] = '\0';
  return fail(c, "invalid JSON: %s", n > 0 ? msg : "parse error");
}

static int check_version(struct ctx *c, yajl_val root)
{
  const char *v;
  int r = borrow_string(c, root, "ociVersion", true, &v);
  if (r < 0)
    return r;
  if (v[0] != '1' || v[1] != '.' || v[2] < '0' || v[2] > '9')
    return fail_at(c, "ociVersion", "unsupported version '%s' (expected 1.x)", v);
  return 0;
}

int spec_parse(const char *json, size_t len, const char *origin, struct spec **out,
               struct mr_error **err)
{
  struct ctx c = {.origin = origin != NULL ? origin : "config.json", .err = err};
  yajl_val root = NULL;
  if (json == NULL)
    return fail(&c, "invalid JSON: no text");
  int r = parse_tree(&c, json, len, &root);
  if (r < 0)
    return r;
  struct spec *s = calloc(1, sizeof(*s));
  if (s == NULL)
    r = oom(&c);
  else if (root->type != yajl_t_object)
    r = fail(&c, "expected a JSON object");
  else
    r = check_version(&c, root);
  if (r == 0)
    r = parse_typed(&c, root, &spec_type, s);
  yajl_tree_free(root);
  if (r < 0) {
    spec_free(s);
    return r;
  }
  *out = s;
  return 0;
}

int spec_parse_resources(const char *json, size_t len, const char *origin,
                         struct spec_resources **out, struct mr_error **err)
{
  struct ctx c = {.origin = origin != NULL ? origin : "resources", .err = err};
  yajl_val root = NULL;
  if (json == NULL)
    return fail(&c, "invalid JSON: no text");
  int r = parse_tree(&c, json, len, &root);
  if (r < 0)
    return r;
  struct spec_resources *res = calloc(1, sizeof(*res));
  /* Paths in errors read like config.json's: linux.resources.memory.limit. */
  path_push_key(&c, "linux.resources");
  if (res == NULL)
    r = oom(&c);
  else
    r = parse_typed(&c, root, &resources_type, res);
  yajl_tree_free(root);
  if (r < 0) {
    spec_resources_free(res);
    return r;
  }
  *out = res;
  return 0;
}

void spec_resources_free(struct spec_resources *res)
{
  if (res == NULL)
    return;
  free_typed(res, &resources_type);
  free(res);
}

void spec_free(struct spec *spec)
{
  if (spec == NULL)
    return;
  free_typed(spec, &spec_type);
  free(spec);
}

/* process.json of `exec` (runtime-spec: the same object as config.json's
 * "process"); errors name "process.json: args: ..." style paths. */
int spec_parse_process(const char *json, size_t len, const char *origin, struct spec_process *out,
                       struct mr_error **err)
{
  struct ctx c = {.origin = origin != NULL ? origin : "process.json", .err = err};
  yajl_val root = NULL;
  memset(out, 0, sizeof(*out));
  if (json == NULL)
    return fail(&c, "invalid JSON: no text");
  int r = parse_tree(&c, json, len, &root);
  if (r < 0)
    return r;
  r = parse_typed(&c, root, &process_type, out);
  yajl_tree_free(root);
  if (r < 0)
    spec_process_free(out);
  return r;
}

void spec_process_free(struct spec_process *p)
{
  free_typed(p, &process_type);
  memset(p, 0, sizeof(*p));
}

const struct spec_namespace *spec_find_namespace(const struct spec *spec, enum spec_ns_type type)
{
  for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
    if (spec->linux_.namespaces[i].type == type)
      return &spec->linux_.namespaces[i];
  return NULL;
}
