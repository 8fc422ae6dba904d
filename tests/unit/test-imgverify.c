/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-imgverify.c - image digests (image/verify.c) and their cache
 * (image/digest-cache.c) on real files in a temporary state root: the
 * annotation's value is parsed strictly; a match passes, a mismatch fails
 * naming the annotation; an unchanged file is not hashed twice; a changed
 * mtime or size, a file changed in the last seconds, and an edited,
 * truncated, foreign or publicly writable cache entry all mean hashing
 * again, never trusting the entry. Whether the file was hashed is read from
 * the debug log. Prints TAP; takes ~2.5 s (it waits once for the files to
 * age past the cache's two-second margin).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "image/digest-cache.h"
#include "image/verify.h"
#include "minirun.h"

#include "../tap.h"

static char logbuf[65536];

static void on_log(void *data, enum mr_log_level level, const char *msg)
{
  (void)data;
  (void)level;
  size_t used = strlen(logbuf);
  snprintf(logbuf + used, sizeof(logbuf) - used, "%s\n", msg);
}

static bool logged(const char *s)
{
  return strstr(logbuf, s) != NULL;
}

static char tmp[] = "/tmp/test-imgverify.XXXXXX";
static char state[256];

static void make_file(const char *name, size_t size, unsigned seed, unsigned char digest[32])
{
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", tmp, name);
  unsigned char *data = malloc(size);
  if (data == NULL)
    bail("out of memory");
  for (size_t i = 0; i < size; i++)
    data[i] = (unsigned char)((i * 2654435761u + seed) >> 13);
  FILE *f = fopen(path, "we");
  if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    bail("write %s", path);
  sha256_digest(data, size, digest);
  free(data);
}

static int open_file(const char *name)
{
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", tmp, name);
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    bail("open %s", path);
  return fd;
}

/* Verifies with a fresh log; returns the result, the error text in msg. */
static int verify(mr_context *ctx, int fd, const unsigned char want[32], char *msg, size_t size)
{
  logbuf[0] = '\0';
  mr_error *err = NULL;
  int r = image_verify(ctx, fd, "root.path: x", IMAGE_ANN_SHA256, want, &err);
  snprintf(msg, size, "%s", err ? mr_error_message(err) : "");
  mr_error_free(err);
  return r;
}

static void entry_path(int fd, char *out, size_t size)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    bail("fstat");
  snprintf(out, size, "%s/%s/%llx-%llx", state, IMAGE_DIGEST_CACHE, (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino);
}

static void test_parse(void)
{
  unsigned char d[32];
  mr_error *err = NULL;
  const char *good = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  ok(image_digest_parse("F", good, d, &err) == 0 && d[0] == 0xe3 && d[31] == 0x55,
     "parse: 64 lowercase hex digits");
  ok(image_digest_parse("F",
                        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                        d, &err) == 0 &&
         d[0] == 0xe3,
     "parse: 'sha256:' prefix, uppercase");
  const char *bad[] = {"",
                       "e3b0",
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
                       "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                       "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
                       " e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    int r = image_digest_parse("config.json: annotations: " IMAGE_ANN_SHA256, bad[i], d, &err);
    ok(r == -EINVAL && err != NULL &&
           strstr(mr_error_message(err), "annotations: " IMAGE_ANN_SHA256 ": ") != NULL,
       "parse: '%s' refused naming the annotation (%s)", bad[i],
       err ? mr_error_message(err) : "no error");
    mr_error_free(err);
    err = NULL;
  }
}

static void test_cacheable(void)
{
  struct stat a = {0}, b;
  a.st_ctim.tv_sec = 1000;
  a.st_ctim.tv_nsec = 500;
  b = a;
  struct timespec start = {1002, 500};
  ok(image_digest_cacheable(&a, &b, &start), "cacheable: ctime exactly 2 s before the hash");
  start.tv_nsec = 499;
  ok(!image_digest_cacheable(&a, &b, &start), "not cacheable: ctime 1.999999999 s before");
  start.tv_sec = 5000;
  b.st_size = 1;
  ok(!image_digest_cacheable(&a, &b, &start), "not cacheable: size changed while hashing");
  b = a;
  b.st_mtim.tv_nsec = 1;
  ok(!image_digest_cacheable(&a, &b, &start), "not cacheable: mtime changed while hashing");
}

int main(void)
{
  if (mkdtemp(tmp) == NULL)
    bail("mkdtemp");
  snprintf(state, sizeof(state), "%s/state", tmp);
  mr_context *ctx = NULL;
  if (mr_context_new(state, &ctx, NULL) < 0)
    bail("mr_context_new");
  mr_context_set_log(ctx, on_log, NULL, MR_LOG_DEBUG);
  test_parse();
  test_cacheable();

  unsigned char da[32], db[32], dc[32], dd[32], wrong[32];
  make_file("a", 1 << 20, 1, da);
  make_file("b", 300000, 2, db);
  make_file("c", 4097, 3, dc);
  make_file("d", 5000, 4, dd);
  memcpy(wrong, da, 32);
  wrong[7] ^= 1;
  int a = open_file("a"), b = open_file("b"), c = open_file("c"), d = open_file("d");
  char msg[1024], entry[512];

  /* Just written: hashed, but not cached (a write in the same tick could
   * leave ctime as it is). */
  ok(verify(ctx, a, da, msg, sizeof(msg)) == 0 && logged("hashed 1048576 bytes") &&
         logged("digest not cached"),
     "a file changed in the last seconds is hashed and not cached");
  struct timespec wait = {2, 300 * 1000 * 1000};
  nanosleep(&wait, NULL);

  ok(verify(ctx, a, da, msg, sizeof(msg)) == 0 && logged("hashed") && logged("cached the digest"),
     "first verify hashes and caches");
  lseek(a, 100, SEEK_SET);
  ok(verify(ctx, a, da, msg, sizeof(msg)) == 0 && !logged("hashed") && logged("digest cache"),
     "second verify: from the cache, no hashing");
  ok(lseek(a, 0, SEEK_CUR) == 100, "the descriptor's offset is untouched");
  ok(verify(ctx, a, wrong, msg, sizeof(msg)) == -EBADMSG && strstr(msg, IMAGE_ANN_SHA256) &&
         strstr(msg, "root.path: x: sha256 is ") && strstr(msg, "refusing the image"),
     "a wrong digest is refused naming the annotation (%s)", msg);

  /* A new mtime (same size and content) invalidates the entry. */
  struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
  futimens(a, times);
  ok(verify(ctx, a, da, msg, sizeof(msg)) == 0 && logged("hashed") &&
         logged("for an older version"),
     "a changed mtime means hashing again");

  /* A changed size, too, and the digest no longer matches. */
  ok(verify(ctx, b, db, msg, sizeof(msg)) == 0 && logged("cached the digest"), "b cached");
  if (pwrite(b, "x", 1, 300000) != 1)
    bail("append");
  ok(verify(ctx, b, db, msg, sizeof(msg)) == -EBADMSG && logged("hashed 300001 bytes"),
     "a changed size means hashing again: mismatch (%s)", msg);

  /* Bad entries are ignored, never trusted. */
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && logged("cached the digest"), "c cached");
  entry_path(c, entry, sizeof(entry));
  int e = open(entry, O_RDWR | O_CLOEXEC);
  unsigned char byte;
  if (e < 0 || pread(e, &byte, 1, 80) != 1)
    bail("read entry %s", entry);
  byte ^= 0x20;
  if (pwrite(e, &byte, 1, 80) != 1)
    bail("edit entry");
  close(e);
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && logged("checksum mismatch") && logged("hashed"),
     "an edited entry (one digest byte) is ignored and the file hashed");
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && !logged("hashed"), "... and rewritten");
  if (truncate(entry, 100) < 0)
    bail("truncate");
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && logged("wrong length") && logged("hashed"),
     "a truncated entry is ignored");
  chmod(entry, 0666);
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && logged("not a private regular file") &&
         logged("hashed"),
     "an entry writable by others is ignored");
  char dir[512];
  snprintf(dir, sizeof(dir), "%s/%s", state, IMAGE_DIGEST_CACHE);
  chmod(dir, 0777);
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && logged("not private") && logged("hashed"),
     "a cache directory writable by others is not used");
  chmod(dir, 0700);
  /* d's entry (valid checksum, another file's identity) under c's name. */
  char entry_d[512];
  ok(verify(ctx, d, dd, msg, sizeof(msg)) == 0 && logged("cached the digest"), "d cached");
  entry_path(d, entry_d, sizeof(entry_d));
  if (rename(entry_d, entry) < 0)
    bail("rename %s", entry_d);
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && logged("for an older version") &&
         logged("hashed"),
     "another file's entry under this file's name is not used");

  /* A huge image cannot hold create past the caller's cancel fd or the
   * context's timeout (checked every 4 MiB). */
  unsigned char de[32];
  make_file("e", 9 << 20, 5, de);
  int e9 = open_file("e"), p[2];
  if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], "x", 1) != 1)
    bail("pipe");
  mr_context_set_cancel_fd(ctx, p[0]);
  ok(verify(ctx, e9, de, msg, sizeof(msg)) == -ECANCELED && strstr(msg, "canceled"),
     "hashing stops when the cancel fd is readable (%s)", msg);
  mr_context_set_cancel_fd(ctx, -1);
  mr_context_set_timeout(ctx, 1);
  ok(verify(ctx, e9, de, msg, sizeof(msg)) == -ETIMEDOUT && strstr(msg, "within 1 ms"),
     "hashing stops at the context's timeout (%s)", msg);
  mr_context_set_timeout(ctx, 0);
  ok(verify(ctx, e9, de, msg, sizeof(msg)) == 0, "without either, the 9 MiB file verifies");
  close(e9);
  close(p[0]);
  close(p[1]);

  /* The cache stays bounded: 300 old entries, one more write, 256 left
   * (the newest among them). */
  for (int i = 0; i < 300; i++) {
    char name[600];
    snprintf(name, sizeof(name), "%s/%s/old-%d", state, IMAGE_DIGEST_CACHE, i);
    int fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    struct timespec old[2] = {{1000 + i, 0}, {1000 + i, 0}};
    if (fd < 0 || futimens(fd, old) < 0)
      bail("create %s", name);
    close(fd);
  }
  char cdir[600];
  snprintf(cdir, sizeof(cdir), "%s/%s", state, IMAGE_DIGEST_CACHE);
  unlink(entry); /* c's entry: verify c writes it again */
  ok(verify(ctx, c, dc, msg, sizeof(msg)) == 0 && logged("cached the digest") && logged("trimmed"),
     "a write to a full cache trims it");
  int count = 0, newest = 0;
  DIR *cd = opendir(cdir);
  struct dirent *ent;
  while (cd != NULL && (ent = readdir(cd)) != NULL) {
    count += ent->d_name[0] != '.';
    newest += strcmp(ent->d_name, entry + strlen(cdir) + 1) == 0;
  }
  if (cd != NULL)
    closedir(cd);
  ok(count == 256 && newest == 1, "256 entries left (%d), the new one among them", count);
  char oldest[sizeof(cdir) + sizeof("/old-0")];
  snprintf(oldest, sizeof(oldest), "%s/old-0", cdir);
  ok(access(oldest, F_OK) < 0, "the oldest entry is gone");

  int dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok(verify(ctx, dirfd, da, msg, sizeof(msg)) == -EINVAL && strstr(msg, "not a regular file"),
     "a directory is refused (%s)", msg);
  close(dirfd);

  close(a);
  close(b);
  close(c);
  close(d);
  mr_context_free(ctx);
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
  if (system(cmd) != 0)
    diag("could not remove %s", tmp);
  return tap_done();
}
