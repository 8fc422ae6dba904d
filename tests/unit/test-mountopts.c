/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-mountopts.c - unit tests of a mount's "options" list
 * (mounts_parse_options and mounts/options.c): every kernel flag name and
 * its inverse, the last one winning, values, commas in double quotes,
 * elements holding several options, empty elements, "defaults", fstab
 * options dropped with a warning through the context's logger, the rest
 * handed to the filesystem in order, an unclosed quote refused.
 *
 * Built where libmount is installed (configure: HAVE_LIBMOUNT_FOR_TESTS),
 * it also puts the table and every file of fuzz/corpus/mount-options
 * through libmount's functions exactly as libminirun called them before it
 * had its own parser, and requires the same flags and data. Output is TAP.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#ifdef HAVE_LIBMOUNT_FOR_TESTS
#include <libmount/libmount.h>
#endif

#include "context.h"
#include "error.h"
#include "mounts.h"
#include "mounts/options.h"
#include "spec.h"
#include "sync.h"
#include "util.h"

#include "../tap.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define MAX_OPTS 256

struct result {
  int r;
  unsigned long flags; /* op->flags: no propagation, MS_BIND or MS_REC */
  bool bind, recursive;
  const char *data; /* NULL: none */
};

/* The members of a struct result. */
#define FLAGS(f)   0, (f), false, false, NULL
#define DATA(f, d) 0, (f), false, false, (d)
#define BIND(rec)  0, 0, true, (rec), NULL
#define REFUSED    -EINVAL, 0, false, false, NULL

static const struct {
  const char *opts[8]; /* NULL-terminated */
  struct result want;
} cases[] = {
    /* each kernel flag name, then its inverse after it */
    {{"ro"}, {FLAGS(MS_RDONLY)}},
    {{"ro", "rw"}, {FLAGS(0)}},
    {{"rw", "ro"}, {FLAGS(MS_RDONLY)}},
    {{"noexec"}, {FLAGS(MS_NOEXEC)}},
    {{"noexec", "exec"}, {FLAGS(0)}},
    {{"nosuid"}, {FLAGS(MS_NOSUID)}},
    {{"nosuid", "suid"}, {FLAGS(0)}},
    {{"nodev"}, {FLAGS(MS_NODEV)}},
    {{"nodev", "dev"}, {FLAGS(0)}},
    {{"sync"}, {FLAGS(MS_SYNCHRONOUS)}},
    {{"sync", "async"}, {FLAGS(0)}},
    {{"dirsync"}, {FLAGS(MS_DIRSYNC)}},
    {{"remount"}, {FLAGS(MS_REMOUNT)}},
    {{"silent"}, {FLAGS(MS_SILENT)}},
    {{"silent", "loud"}, {FLAGS(0)}},
    {{"mand"}, {FLAGS(MS_MANDLOCK)}},
    {{"mand", "nomand"}, {FLAGS(0)}},
    {{"noatime"}, {FLAGS(MS_NOATIME)}},
    {{"noatime", "atime"}, {FLAGS(0)}},
    {{"iversion"}, {FLAGS(MS_I_VERSION)}},
    {{"iversion", "noiversion"}, {FLAGS(0)}},
    {{"nodiratime"}, {FLAGS(MS_NODIRATIME)}},
    {{"nodiratime", "diratime"}, {FLAGS(0)}},
    {{"relatime"}, {FLAGS(MS_RELATIME)}},
    {{"relatime", "norelatime"}, {FLAGS(0)}},
    {{"strictatime"}, {FLAGS(MS_STRICTATIME)}},
    {{"strictatime", "nostrictatime"}, {FLAGS(0)}},
    {{"lazytime"}, {FLAGS(MS_LAZYTIME)}},
    {{"lazytime", "nolazytime"}, {FLAGS(0)}},
    {{"nosymfollow"}, {FLAGS(MS_NOSYMFOLLOW)}},
    {{"nosymfollow", "symfollow"}, {FLAGS(0)}},
    {{"bind"}, {BIND(false)}},
    {{"rbind"}, {BIND(true)}},
    {{"rbind", "bind"}, {BIND(true)}}, /* MS_REC has no inverse */
    /* the inverse first: the flag after it wins */
    {{"rw", "nosuid", "suid", "nosuid"}, {FLAGS(MS_NOSUID)}},
    {{"nodev,dev,nodev"}, {FLAGS(MS_NODEV)}},
    /* an element with several options; commas alone and empty ones */
    {{"nosuid,nodev", "noexec"}, {FLAGS(MS_NOSUID | MS_NODEV | MS_NOEXEC)}},
    {{"", ",", ",,ro,,", ""}, {FLAGS(MS_RDONLY)}},
    {{""}, {FLAGS(0)}},
    {{"defaults"}, {FLAGS(0)}},
    {{"defaults", "ro"}, {FLAGS(MS_RDONLY)}},
    /* values, in order, as written */
    {{"mode=755"}, {DATA(0, "mode=755")}},
    {{"nosuid", "mode=1777", "ro", "size=65536k"},
     {DATA(MS_NOSUID | MS_RDONLY, "mode=1777,size=65536k")}},
    {{"newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
     {DATA(0, "newinstance,ptmxmode=0666,mode=0620,gid=5")}},
    {{"mode="}, {DATA(0, "mode=")}},
    {{"ro=1"}, {DATA(0, "ro=1")}}, /* a flag name with a value is data */
    {{"ro="}, {FLAGS(MS_RDONLY)}}, /* an empty value is none */
    {{"=x"}, {DATA(0, "=x")}},
    /* commas inside double quotes belong to the value */
    {{"context=\"system_u:object_r:container_file_t:s0:c1,c2\"", "ro"},
     {DATA(MS_RDONLY, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"")}},
    {{"a=\"x,y\",b"}, {DATA(0, "a=\"x,y\",b")}},
    {{"a=\"x", "y\""}, {DATA(0, "a=\"x,y\"")}}, /* joined, then split */
    {{"\"ro,rw\""}, {DATA(0, "\"ro,rw\"")}},
    /* an unclosed quote: libmount dropped it and all after it silently */
    {{"ro", "context=\"a,b"}, {REFUSED}},
    {{"\""}, {REFUSED}},
    /* fstab options: dropped (warned); user/users/owner/group imply flags */
    {{"noauto", "nofail", "_netdev", "x-systemd.automount", "X-mount.mkdir", "comment=x"},
     {FLAGS(0)}},
    {{"loop=/dev/loop0", "offset=0", "sizelimit=1", "encryption=x", "helper=x", "uhelper=y"},
     {FLAGS(0)}},
    {{"verity.roothash=ab", "auto", "nouser", "nousers", "noowner", "nogroup", "defaults=1"},
     {FLAGS(0)}},
    {{"user"}, {FLAGS(MS_NOEXEC | MS_NOSUID | MS_NODEV)}},
    {{"user=joe"}, {FLAGS(0)}},
    {{"users"}, {FLAGS(MS_NOEXEC | MS_NOSUID | MS_NODEV)}},
    {{"owner"}, {FLAGS(MS_NOSUID | MS_NODEV)}},
    {{"group", "dev"}, {FLAGS(MS_NOSUID)}},
    {{"noauto=1", "x-a=1"}, {DATA(0, "noauto=1")}}, /* "noauto" takes no value */
    {{"comment"}, {FLAGS(0)}},
    /* unknown options: data, in order, nothing lost */
    {{"lowerdir=/a:/b,upperdir=/u", "workdir=/w", "userxattr", "index=off"},
     {DATA(0, "lowerdir=/a:/b,upperdir=/u,workdir=/w,userxattr,index=off")}},
    {{"foo", "ro", "bar=1", "rw", "baz"}, {DATA(0, "foo,bar=1,baz")}},
    /* OCI's own options are taken out first; inside an element they are not */
    {{"rbind", "rprivate", "rro", "tmpcopyup"}, {BIND(true)}},
    {{"nosuid,rro"}, {DATA(MS_NOSUID, "rro")}},
    {{"bind,rprivate"}, {BIND(true)}}, /* MS_REC of rprivate, as libmount */
};

/* The warnings of a parse. */
struct logged {
  int n;
  char last[512];
};

static void log_cb(void *data, enum mr_log_level level, const char *message)
{
  struct logged *l = data;
  if (level == MR_LOG_WARNING) {
    l->n++;
    snprintf(l->last, sizeof(l->last), "%s", message);
  }
}

static int parse(const mr_context *ctx, char **opts, size_t n, struct mount_op *op, mr_error **err)
{
  struct spec_mount m = {.destination = (char *)"/mnt", .options = opts, .n_options = n};
  memset(op, 0, sizeof(*op));
  op->destination = m.destination;
  return mounts_parse_options(ctx, &m, 3, op, err);
}

static bool same_data(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static size_t count_opts(const char *const *opts)
{
  size_t n = 0;
  while (n < 8 && opts[n] != NULL)
    n++;
  return n;
}

static void describe(char *buf, size_t size, char **opts, size_t n)
{
  struct sbuf b = {buf, size, 0};
  for (size_t i = 0; i < n; i++) {
    sbuf_add(&b, i ? "|" : "");
    sbuf_add(&b, opts[i]);
  }
  if (n == 0)
    sbuf_add(&b, "(none)");
}

static void test_table(void)
{
  for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
    char *opts[8];
    size_t n = count_opts(cases[c].opts);
    memcpy(opts, cases[c].opts, sizeof(opts));
    char what[256];
    describe(what, sizeof(what), opts, n);
    struct mount_op op;
    mr_error *err = NULL;
    int r = parse(NULL, opts, n, &op, &err);
    const struct result *w = &cases[c].want;
    if (r < 0)
      ok(r == w->r && err != NULL && strstr(mr_error_message(err), "mounts[3] (/mnt)"),
         "%s: %d (%s)", what, r, err ? mr_error_message(err) : "no error");
    else
      ok(r == w->r && op.flags == w->flags && op.bind == w->bind && op.recursive == w->recursive &&
             same_data(op.data, w->data),
         "%s: flags %#lx bind %d rec %d data '%s'", what, op.flags, op.bind, op.recursive,
         op.data ? op.data : "(null)");
    free(op.data);
    mr_error_free(err);
  }
}

/* A dropped option is said through the logger, naming mount and option. */
static void test_warnings(void)
{
  struct logged l = {0};
  mr_context ctx = {.log_fn = log_cb, .log_data = &l, .log_level = MR_LOG_WARNING};
  char *opts[] = {(char *)"nofail", (char *)"ro", (char *)"x-systemd.device-timeout=3"};
  struct mount_op op;
  mr_error *err = NULL;
  int r = parse(&ctx, opts, 3, &op, &err);
  ok(r == 0 && l.n == 2 && strstr(l.last, "mounts[3] (/mnt)") != NULL &&
         strstr(l.last, "'x-systemd.device-timeout=3'") != NULL && op.flags == MS_RDONLY,
     "fstab options: %d warnings, the last: %s", l.n, l.last);
  free(op.data);
  mr_error_free(err);

  l.n = 0;
  char *plain[] = {(char *)"defaults", (char *)"nosuid", (char *)"mode=755"};
  r = parse(&ctx, plain, 3, &op, &err);
  ok(r == 0 && l.n == 0, "defaults, flags and data: no warning (%d)", l.n);
  free(op.data);
}

/* features lists the table: every name, in libmount's order, remount too. */
static void test_names(void)
{
  size_t n = 0;
  unsigned long flags = 0;
  bool remount = false;
  const char *name;
  for (; (name = mount_options_flag_name(n, &flags)) != NULL; n++)
    remount |= strcmp(name, "remount") == 0 && flags == MS_REMOUNT;
  ok(n == 40 && remount, "%zu kernel flag names, remount among them", n);
}

#ifdef HAVE_LIBMOUNT_FOR_TESTS
/* What mounts.c did with libmount: the elements that are not OCI's own
 * options joined by mnt_optstr_append_option, the flags of MNT_LINUX_MAP,
 * the "fs" part of mnt_split_optstr. */
static bool oci_own(const char *o)
{
  static const char *const propagation[] = {"private", "rprivate", "slave",      "rslave",
                                            "shared",  "rshared",  "unbindable", "runbindable"};
  for (size_t i = 0; i < sizeof(propagation) / sizeof(*propagation); i++)
    if (strcmp(o, propagation[i]) == 0)
      return true;
  const char *x;
  for (size_t i = 0; (x = mounts_extra_option(i)) != NULL; i++)
    if (strcmp(o, x) == 0)
      return true;
  return false;
}

static int libmount_parse(char **opts, size_t n, char **joined, unsigned long *flags, char **data)
{
  char *optstr = NULL;
  for (size_t i = 0; i < n; i++)
    if (!oci_own(opts[i]) && mnt_optstr_append_option(&optstr, opts[i], NULL) != 0)
      return -ENOMEM;
  *joined = optstr;
  *flags = 0;
  *data = NULL;
  if (optstr == NULL)
    return 0;
  if (mnt_optstr_get_flags(optstr, flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) != 0 ||
      mnt_split_optstr(optstr, NULL, NULL, data, 0, 0) != 0)
    return -EINVAL;
  return 0;
}

static size_t count_quotes(const char *s)
{
  size_t q = 0;
  for (; s != NULL && *s; s++)
    q += *s == '"';
  return q;
}

/* Ours and libmount's on one option list: the same, or ours refusing an
 * unclosed quote (an odd number of them in what reaches the parser). */
static bool compare_one(char **opts, size_t n, const char *what)
{
  char *joined = NULL, *lm_data = NULL;
  unsigned long lm_flags = 0;
  int lr = libmount_parse(opts, n, &joined, &lm_flags, &lm_data);
  struct mount_op op;
  mr_error *err = NULL;
  int r = parse(NULL, opts, n, &op, &err);
  const unsigned long apart = MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE | MS_BIND | MS_REC;
  bool same;
  if (r == -EINVAL)
    same = lr == 0 && count_quotes(joined) % 2 == 1;
  else
    same = lr == 0 && r == 0 && op.flags == (lm_flags & ~apart) &&
           op.bind == ((lm_flags & MS_BIND) != 0) &&
           op.recursive == ((lm_flags & MS_BIND) && (lm_flags & MS_REC)) &&
           same_data(op.data, lm_data);
  if (!same)
    diag("%s: libmount %d flags %#lx data '%s'; ours %d flags %#lx bind %d rec %d data '%s'", what,
         lr, lm_flags, lm_data ? lm_data : "(null)", r, op.flags, op.bind, op.recursive,
         op.data ? op.data : "(null)");
  free(joined);
  free(lm_data);
  free(op.data);
  mr_error_free(err);
  return same;
}

static void differential_table(void)
{
  size_t bad = 0, c;
  for (c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
    char *opts[8];
    size_t n = count_opts(cases[c].opts);
    memcpy(opts, cases[c].opts, sizeof(opts));
    char what[256];
    describe(what, sizeof(what), opts, n);
    bad += !compare_one(opts, n, what);
  }
  ok(bad == 0, "libmount: the same on the %zu cases of the table (%zu differ)", c, bad);
}

/* As fuzz/fuzz-mount-options.c reads them: one option per line. */
static void differential_corpus(void)
{
  DIR *d = opendir(MOUNTOPTS_CORPUS);
  if (d == NULL) {
    skip("no corpus", "libmount: the same on " MOUNTOPTS_CORPUS);
    return;
  }
  size_t files = 0, bad = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", MOUNTOPTS_CORPUS, e->d_name);
    char *text = NULL;
    mr_error *err = NULL;
    if (util_read_file(path, 1 << 20, &text, NULL, &err) < 0) {
      diag("%s: %s", path, mr_error_message(err));
      mr_error_free(err);
      bad++;
      continue;
    }
    char *opts[MAX_OPTS];
    size_t n = 0;
    for (char *save = NULL, *o = strtok_r(text, "\n", &save); o != NULL && n < MAX_OPTS;
         o = strtok_r(NULL, "\n", &save))
      opts[n++] = o;
    bad += !compare_one(opts, n, e->d_name);
    files++;
    free(text);
  }
  closedir(d);
  ok(files > 0 && bad == 0, "libmount: the same on %zu corpus files (%zu differ)", files, bad);
}
#endif

int main(void)
{
  test_table();
  test_warnings();
  test_names();
#ifdef HAVE_LIBMOUNT_FOR_TESTS
  differential_table();
  differential_corpus();
#else
  skip("built without libmount", "libmount: the same on the table and the fuzz corpus");
#endif
  return tap_done();
}
