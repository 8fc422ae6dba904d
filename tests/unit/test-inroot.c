/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-inroot.c - the userspace RESOLVE_IN_ROOT (inroot_walk, used before
 * Linux 5.6) against the kernel's openat2(RESOLVE_IN_ROOT) on a tree of
 * hostile symlinks: for every path both must name the same object or fail
 * with the same errno, and nothing may resolve outside the root. Output is
 * TAP. Needs no root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inroot.h"
#include "util.h"

#include "../tap.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static int kernel_in_root(int rootfd, const char *path, int flags)
{
  struct open_how how;
  memset(&how, 0, sizeof(how));
  how.flags = (unsigned long long)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT;
  /* EAGAIN: a rename or mount anywhere on the system while a path with
   * ".." was resolved (other tests, other containers); the kernel asks to
   * be called again, as libminirun/inroot.c does. */
  long fd;
  int tries = 0;
  do
    fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
  while (fd < 0 && errno == EAGAIN && ++tries < 64);
  return fd < 0 ? -errno : (int)fd;
}

static void must(int r, const char *what)
{
  if (r < 0) {
    printf("Bail out! %s: %s\n", what, strerror(errno));
    exit(1);
  }
}

static int dirfd_, rootfd;

static void mkfile(const char *path)
{
  int fd = openat(dirfd_, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  must(fd, path);
  close(fd);
}

static void mklink(const char *target, const char *path)
{
  must(symlinkat(target, dirfd_, path), path);
}

/* The tree: top/outside is the "host", top/root the container's rootfs. */
static void make_tree(void)
{
  must(mkdirat(dirfd_, "outside", 0755), "outside");
  mkfile("outside/secret");
  must(mkdirat(dirfd_, "root", 0755), "root");
  must(mkdirat(dirfd_, "root/etc", 0755), "root/etc");
  mkfile("root/etc/passwd");
  must(mkdirat(dirfd_, "root/d", 0755), "root/d");
  must(mkdirat(dirfd_, "root/d/e", 0755), "root/d/e");
  mkfile("root/file");
  mklink("/etc", "root/abs");
  mklink("../../../../etc", "root/rel-up");
  mklink("rel-up/passwd", "root/chain");
  mklink("../../..", "root/d/e/up3");
  mklink("/etc", "root/d/e/abs-deep");
  mklink("../outside/secret", "root/escape");
  mklink("/../../outside", "root/escape-abs");
  mklink("loop2", "root/loop1");
  mklink("loop1", "root/loop2");
  mklink("/nonexistent/x", "root/dangling");
  mklink(".", "root/self");
  mklink("/", "root/slash");
  mklink("file/x", "root/notdir");
  mklink("/d/e/../../etc/", "root/dotdot-abs");
  /* 45 links in a row: more than the 40 both allow. */
  char name[32], target[32];
  for (int i = 0; i < 45; i++) {
    snprintf(name, sizeof(name), "root/l%d", i);
    snprintf(target, sizeof(target), i == 44 ? "/etc" : "l%d", i + 1);
    mklink(target, name);
  }
  /* 30 links: fewer than 40, must resolve. */
  for (int i = 0; i < 30; i++) {
    snprintf(name, sizeof(name), "root/m%d", i);
    snprintf(target, sizeof(target), i == 29 ? "/etc" : "m%d", i + 1);
    mklink(target, name);
  }
}

static const char *const paths[] = {
    "/",
    "",
    "/etc",
    "/etc/passwd",
    "etc/passwd",
    "//etc///passwd",
    "/etc/passwd/",
    "/etc/./passwd",
    "/abs",
    "/abs/passwd",
    "/abs/",
    "/rel-up/passwd",
    "/chain",
    "/d/e/up3",
    "/d/e/up3/etc/passwd",
    "/d/e/abs-deep/passwd",
    "/d/e/up3/../../../outside/secret",
    "/../../outside/secret",
    "/..",
    "/../..",
    "/escape",
    "/escape-abs",
    "/escape-abs/secret",
    "/loop1",
    "/loop1/x",
    "/dangling",
    "/self/self/self/etc",
    "/slash/slash/etc/passwd",
    "/notdir",
    "/file/",
    "/file/x",
    "/dotdot-abs",
    "/dotdot-abs/passwd",
    "/l0",
    "/m0",
    "/m0/passwd",
    "/missing",
    "/missing/x",
    "/d/e/../../../../etc",
};

static const char *errname(int r)
{
  return r >= 0 ? "ok" : strerror(-r);
}

static bool same_object(int a, int b)
{
  struct stat sa, sb;
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

static void compare(const char *path, int flags, const char *fname)
{
  int k = kernel_in_root(rootfd, path, flags);
  int w = inroot_walk(rootfd, path, flags);
  bool same = (k < 0 && w < 0 && k == w) || (k >= 0 && w >= 0 && same_object(k, w));
  ok(same, "\"%s\" %s: kernel %s, walk %s", path, fname, errname(k), errname(w));
  if (k >= 0)
    close(k);
  if (w >= 0)
    close(w);
}

/* Nothing outside the root is ever reached: not the "host" secret. */
static void never_outside(void)
{
  struct stat secret;
  must(fstatat(dirfd_, "outside/secret", &secret, 0), "stat secret");
  bool leaked = false;
  for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
    int fd = inroot_walk(rootfd, paths[i], O_PATH);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == secret.st_dev &&
        st.st_ino == secret.st_ino) {
      printf("# %s reached the host's secret\n", paths[i]);
      leaked = true;
    }
    if (fd >= 0)
      close(fd);
  }
  ok(!leaked, "no path reaches the file outside the root");
}

/* The walk holds no fd once it returns, whatever happened. */
static void no_fd_leak(void)
{
  int before = dup(0);
  close(before);
  for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
    int fd = inroot_walk(rootfd, paths[i], O_PATH);
    if (fd >= 0)
      close(fd);
  }
  int after = dup(0);
  close(after);
  ok(before == after, "no fd leaked (lowest free fd %d before, %d after)", before, after);
}

/* Random trees of directories and symlinks (targets made of "..", ".",
 * "/", names and other links) and random paths through them: the walk
 * and the kernel must agree on every one. Deterministic (fixed seeds). */
static const char *const tokens[] = {"..", ".", "a", "b", "c", "l0", "l1", "l2", "l3", "f", "x"};
#define N_TOKENS (sizeof(tokens) / sizeof(*tokens))

static void random_path(char *buf, size_t size, unsigned *seed)
{
  size_t len = 0;
  int parts = 1 + (int)(rand_r(seed) % 6);
  if (rand_r(seed) % 2)
    buf[len++] = '/';
  for (int i = 0; i < parts && len + 8 < size; i++) {
    const char *t = tokens[rand_r(seed) % N_TOKENS];
    size_t n = strlen(t);
    memcpy(buf + len, t, n);
    len += n;
    if (i + 1 < parts || rand_r(seed) % 8 == 0)
      buf[len++] = '/';
  }
  buf[len] = '\0';
}

static void random_trees(void)
{
  int disagree = 0, tried = 0, resolved = 0;
  for (unsigned tree = 0; tree < 20; tree++) {
    unsigned seed = tree + 1;
    char name[64], target[128];
    snprintf(name, sizeof(name), "r%u", tree);
    must(mkdirat(dirfd_, name, 0755), name);
    int r = openat(dirfd_, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    must(r, name);
    /* Directories a, a/b, b, c/a...; a file f; links l0..l3 anywhere. */
    static const char *const dirs[] = {"a", "b", "c", "a/b", "a/c", "b/a", "c/a", "a/b/c"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
      mkdirat(r, dirs[i], 0755);
    int f = openat(r, "a/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f >= 0)
      close(f);
    for (int l = 0; l < 4; l++) {
      random_path(target, sizeof(target), &seed);
      if (target[0] == '\0')
        strcpy(target, ".");
      snprintf(name, sizeof(name), "%s/l%d", dirs[rand_r(&seed) % 4], l);
      symlinkat(target, r, name);
      snprintf(name, sizeof(name), "l%d", l);
      random_path(target, sizeof(target), &seed);
      symlinkat(target[0] ? target : "/", r, name);
    }
    for (int i = 0; i < 200; i++) {
      char path[128];
      random_path(path, sizeof(path), &seed);
      if (path[0] == '\0')
        continue;
      static const int flag_sets[] = {O_PATH, O_PATH | O_NOFOLLOW, O_PATH | O_DIRECTORY};
      int flags = flag_sets[rand_r(&seed) % 3];
      int k = kernel_in_root(r, path, flags);
      int w = inroot_walk(r, path, flags);
      bool same = (k < 0 && w < 0 && k == w) || (k >= 0 && w >= 0 && same_object(k, w));
      tried++;
      resolved += k >= 0;
      if (!same && disagree++ < 5)
        printf("# tree %u: \"%s\" flags %#x: kernel %s, walk %s\n", tree, path, flags, errname(k),
               errname(w));
      if (k >= 0)
        close(k);
      if (w >= 0)
        close(w);
    }
    close(r);
  }
  ok(disagree == 0, "random trees: walk and kernel agree on %d of %d paths (%d resolved)",
     tried - disagree, tried, resolved);
}

/* CVE-2021-30465 against the walk: another thread keeps swapping
 * root/race between a directory and a symlink to the host's directory
 * (by rename, atomically) while the walk resolves /race/secret. Whatever
 * it sees, it must never reach the host's file. */
static atomic_bool racing;

static void *swapper(void *arg)
{
  int root = *(int *)arg;
  while (atomic_load(&racing)) {
    renameat(root, "race-link", root, "race");
    renameat(root, "race", root, "race-link"); /* the link back aside */
    renameat(root, "race-dir", root, "race");
    renameat(root, "race", root, "race-dir");
  }
  return NULL;
}

static void swap_race(void)
{
  struct stat secret;
  must(fstatat(dirfd_, "outside/secret", &secret, 0), "stat secret");
  must(mkdirat(dirfd_, "root/race-dir", 0755), "race-dir");
  mkfile("root/race-dir/secret");
  /* By host path this names top/outside, where the secret is. */
  mklink("../outside", "root/race-link");
  atomic_store(&racing, true);
  pthread_t t;
  if (pthread_create(&t, NULL, swapper, &rootfd) != 0) {
    printf("Bail out! pthread_create\n");
    exit(1);
  }
  int reached = 0, inside = 0;
  for (int i = 0; i < 20000; i++) {
    int fd = inroot_walk(rootfd, "/race/secret", O_PATH);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
      if (st.st_dev == secret.st_dev && st.st_ino == secret.st_ino)
        reached++;
      else
        inside++;
    }
    if (fd >= 0)
      close(fd);
  }
  atomic_store(&racing, false);
  pthread_join(t, NULL);
  ok(reached == 0,
     "20000 walks of a path swapped under them: %d reached the host's file, %d the "
     "root's",
     reached, inside);
}

/* inroot_open (openat2, or the walk where the kernel has none: run this
 * under tests/enosys-launcher) creates missing mount points inside the
 * root, also through dangling links. */
static void creation(void)
{
  static const struct {
    const char *link, *target, *open, *created;
    enum inroot_create how;
  } cases[] = {
      {NULL, NULL, "/dangling", "root/nonexistent/x", INROOT_DIR},
      {"root/etc/target", "/tmp/x.y/hostfile", "/etc/target", "root/tmp/x.y/hostfile", INROOT_FILE},
      {"root/etc/rel", "../../../new/dir", "/etc/rel/sub", "root/new/dir/sub", INROOT_DIR},
      {NULL, NULL, "/d/e/up3/made/file", "root/made/file", INROOT_FILE},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
    if (cases[i].link != NULL)
      mklink(cases[i].target, cases[i].link);
    int fd = inroot_open(rootfd, cases[i].open, cases[i].how);
    struct stat st;
    bool made = fstatat(dirfd_, cases[i].created, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                (cases[i].how == INROOT_DIR ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
    ok(fd >= 0 && made, "create %s: %s inside the root (%s)", cases[i].open, cases[i].created,
       errname(fd));
    if (fd >= 0)
      close(fd);
  }
}

/* openat2 fails a path with ".." with EAGAIN when a mount or rename
 * happened anywhere meanwhile (the locks are global): another container
 * being set up must not make ours fail. A child in a private mount
 * namespace mounts a tmpfs and renames a file in it in a loop while
 * "/d/e/../.." is resolved; every resolution must succeed. */
static void eagain_retried(const char *dir)
{
  if (geteuid() != 0) {
    skip("needs root (mount)", "resolution with '..' survives concurrent mounts");
    return;
  }
  char mnt[PATH_MAX];
  snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
  must(mkdir(mnt, 0755), "mnt");
  pid_t pid = fork();
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
      _exit(1);
    char a[PATH_MAX + 8], b[PATH_MAX + 8];
    snprintf(a, sizeof(a), "%s/ra", mnt);
    snprintf(b, sizeof(b), "%s/rb", mnt);
    for (;;) {
      if (mount("none", mnt, "tmpfs", 0, NULL) < 0)
        _exit(1);
      close(open(a, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
      for (int i = 0; i < 100; i++) /* renames take the same global lock */
        if (rename(a, b) < 0 || rename(b, a) < 0)
          _exit(1);
      umount2(mnt, MNT_DETACH);
    }
  }
  int failed = 0, first = 0;
  for (int i = 0; i < 200000; i++) {
    int fd = inroot_open(rootfd, "/d/e/../..", INROOT_EXISTING);
    if (fd >= 0) {
      close(fd);
    } else if (failed++ == 0) {
      first = fd;
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  ok(failed == 0,
     "resolution with '..' survives concurrent mounts (%d of 200000 failed, first: %s)", failed,
     failed ? strerror(-first) : "none");
}

int main(void)
{
  char dir[] = "/tmp/test-inroot.XXXXXX";
  if (mkdtemp(dir) == NULL) {
    printf("Bail out! mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  dirfd_ = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  must(dirfd_, dir);
  make_tree();
  rootfd = openat(dirfd_, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  must(rootfd, "root");

  int probe = kernel_in_root(rootfd, "/", O_PATH);
  if (probe == -ENOSYS) {
    printf("# no openat2 (old kernel or enosys-launcher): comparisons skipped, inroot_open "
           "walks\n");
  } else {
    close(probe);
    for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
      compare(paths[i], O_PATH, "O_PATH");
      compare(paths[i], O_PATH | O_NOFOLLOW, "O_PATH|O_NOFOLLOW");
      compare(paths[i], O_PATH | O_DIRECTORY, "O_PATH|O_DIRECTORY");
    }
    random_trees();
  }
  never_outside();
  no_fd_leak();
  swap_race();
  creation();
  eagain_retried(dir);
  ok(inroot_walk(rootfd, "/etc", O_RDONLY | O_CREAT) == -EINVAL,
     "flags other than O_PATH lookups are refused");

  char cmd[64];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  if (system(cmd) != 0)
    printf("# could not remove %s\n", dir);
  return tap_done();
}
