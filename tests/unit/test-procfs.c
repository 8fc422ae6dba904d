/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-procfs.c - unit tests of the verified procfs handle (every source,
 * with openat2 and with the pre-5.6 walk) against mounts placed over the
 * files it opens, and of the LSM decisions (this host has no LSM to try
 * them on). The mount tests run in a private mount namespace of this
 * process (root needed; skipped otherwise). Output is TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "procfs/procfs.h"
#include "security/lsm.h"
#include "spec.h"

#include "../tap.h"

static const enum procfs_source sources[] = {PROCFS_FSMOUNT, PROCFS_OPEN_TREE, PROCFS_HOST_PROC};

static bool open_handle(struct procfs *p, enum procfs_source s, bool walk)
{
  mr_error *err = NULL;
  memset(p, 0, sizeof(*p));
  p->no_openat2 = walk;
  int r = procfs_open(p, s, &err);
  if (r < 0) {
    printf("# %s: %s\n", procfs_source_name(s), err != NULL ? err->message : "?");
    mr_error_free(err);
    return false;
  }
  return p->source == s;
}

/* Reads a file through the handle: its text, or "-errno". */
static const char *read_via(const struct procfs *p, const char *path, char *buf, size_t size)
{
  int fd = procfs_open_file(p, path, O_RDONLY);
  if (fd < 0) {
    snprintf(buf, size, "%d", fd);
    return buf;
  }
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = '\0';
  return buf;
}

static void test_sources(void)
{
  char buf[4096], want[64];
  for (size_t i = 0; i < sizeof(sources) / sizeof(*sources); i++) {
    for (int walk = 0; walk <= 1; walk++) {
      const char *name = procfs_source_name(sources[i]);
      const char *how = walk ? "walk" : "openat2";
      struct procfs p;
      ok(open_handle(&p, sources[i], walk), "%s (%s): opened", name, how);
      ok(!strcmp(read_via(&p, "sys/kernel/ostype", buf, sizeof(buf)), "Linux\n"),
         "%s (%s): sys/kernel/ostype reads Linux", name, how);
      int fd = procfs_open_self(&p, "status", false, O_RDONLY);
      ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
      buf[n < 0 ? 0 : n] = '\0';
      if (fd >= 0)
        close(fd);
      snprintf(want, sizeof(want), "\nPid:\t%d\n", (int)getpid());
      ok(strstr(buf, want) != NULL, "%s (%s): self/status is ours", name, how);
      fd = procfs_open_self(&p, "attr/exec", true, O_RDONLY);
      ok(fd >= 0, "%s (%s): thread-self/attr/exec opens (%d)", name, how, fd);
      if (fd >= 0)
        close(fd);
      ok(procfs_open_file(&p, "self/status", O_RDONLY) < 0,
         "%s (%s): the self symlink is not followed", name, how);
      ok(procfs_open_file(&p, "1/root/etc/passwd", O_RDONLY) < 0,
         "%s (%s): a magic link is not followed", name, how);
      static const char *const bad[] = {"",
                                        "/sys/kernel/ostype",
                                        "sys/../sys/kernel/ostype",
                                        "sys/./kernel/ostype",
                                        "sys//kernel/ostype",
                                        "sys/"};
      for (size_t b = 0; b < sizeof(bad) / sizeof(*bad); b++)
        ok(procfs_open_file(&p, bad[b], O_RDONLY) == -EINVAL, "%s (%s): \"%s\" refused", name, how,
           bad[b]);
      procfs_close(&p);
    }
  }
}

static bool enter_private_mount_ns(void)
{
  if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return false;
  return true;
}

/* Something placed over a file after (or before) the handle was opened. */
static void test_overmounts(void)
{
  char buf[256], decoy[] = "/tmp/test-procfs-XXXXXX";
  int fd = mkstemp(decoy);
  if (fd < 0 || write(fd, "decoy\n", 6) != 6)
    abort();
  close(fd);
  /* The CVE-2025-52881 shape: another procfs file over the target (fstatfs
   * alone cannot tell), a plain file over it, a tmpfs over its directory. */
  ok(mount("/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname", NULL, MS_BIND, NULL) == 0,
     "bind a procfs file over sys/kernel/domainname");
  ok(mount(decoy, "/proc/sys/kernel/ostype", NULL, MS_BIND, NULL) == 0,
     "bind a plain file over sys/kernel/ostype");
  ok(mount("tmpfs", "/proc/sys/fs/mqueue", "tmpfs", 0, NULL) == 0, "tmpfs over sys/fs/mqueue");
  fd = open("/proc/sys/fs/mqueue/msg_max", O_WRONLY | O_CREAT, 0644);
  if (fd >= 0)
    close(fd);
  for (size_t i = 0; i < sizeof(sources) / sizeof(*sources); i++) {
    for (int walk = 0; walk <= 1; walk++) {
      const char *name = procfs_source_name(sources[i]);
      const char *how = walk ? "walk" : "openat2";
      struct procfs p;
      ok(open_handle(&p, sources[i], walk), "%s (%s): opened after the mounts", name, how);
      bool host = sources[i] == PROCFS_HOST_PROC;
      char x[32];
      snprintf(x, sizeof(x), "%d", -EXDEV);
      /* A private instance or a clone has none of the mounts: the real file.
       * The host's /proc has them: refused, never the mounted file. */
      ok(!strcmp(read_via(&p, "sys/kernel/ostype", buf, sizeof(buf)), host ? x : "Linux\n"),
         "%s (%s): sys/kernel/ostype under a bound file: %s", name, how, buf);
      int dfd = procfs_open_file(&p, "sys/kernel/domainname", O_WRONLY);
      ok(host ? dfd == -EXDEV : dfd >= 0,
         "%s (%s): sys/kernel/domainname under another proc file: %d", name, how, dfd);
      if (dfd >= 0)
        close(dfd);
      dfd = procfs_open_file(&p, "sys/fs/mqueue/msg_max", O_WRONLY);
      ok(host ? dfd == -EXDEV : dfd >= 0, "%s (%s): sys/fs/mqueue/msg_max under a tmpfs: %d", name,
         how, dfd);
      if (dfd >= 0)
        close(dfd);
      procfs_close(&p);
    }
  }
  umount2("/proc/sys/fs/mqueue", MNT_DETACH);
  umount2("/proc/sys/kernel/ostype", MNT_DETACH);
  umount2("/proc/sys/kernel/domainname", MNT_DETACH);
  unlink(decoy);
  /* /proc itself replaced by a procfs subdirectory: not a root, refused. */
  ok(mount("/proc/sys", "/proc", NULL, MS_BIND, NULL) == 0, "bind /proc/sys over /proc");
  struct procfs p;
  memset(&p, 0, sizeof(p));
  mr_error *err = NULL;
  ok(procfs_open(&p, PROCFS_HOST_PROC, &err) < 0, "a /proc that is not a procfs root is refused");
  mr_error_free(err);
  umount2("/proc", MNT_DETACH);
}

static struct spec *parse(const char *json)
{
  struct spec *s = NULL;
  mr_error *err = NULL;
  if (spec_parse(json, strlen(json), "config.json", &s, &err) < 0) {
    printf("# %s\n", err->message);
    abort();
  }
  return s;
}

static void test_lsm_decisions(void)
{
  struct spec *spec = parse(
      "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"],"
      " \"cwd\": \"/\", \"apparmorProfile\": \"prof\", \"selinuxLabel\": \"u:r:t:s0\"},"
      " \"linux\": {\"mountLabel\": \"u:object_r:f:s0\"}}");
  mr_config config = {.spec = spec};
  struct lsm_plan l;
  mr_error *err = NULL;
  struct lsm_host none = {false, false}, both = {true, true};
  ok(lsm_decide(&config, none, &l, &err) == 0, "no LSM: accepted");
  ok(l.apparmor_exec == NULL && l.selinux_label == NULL && l.mount_label == NULL,
     "no LSM: nothing written");
  ok(l.apparmor_ignored && l.selinux_ignored && l.mount_label_ignored,
     "no LSM: every field flagged for a warning");
  ok(!lsm_needs_procfs(&l), "no LSM: no procfs handle needed");
  ok(lsm_decide(&config, both, &l, &err) == 0, "both LSMs: accepted");
  ok(l.apparmor_exec != NULL && !strcmp(l.apparmor_exec, "exec prof"),
     "AppArmor: \"exec <profile>\" is written");
  ok(l.selinux_label != NULL && !strcmp(l.selinux_label, "u:r:t:s0"), "SELinux: the label");
  ok(l.mount_label != NULL, "SELinux: the mount label is applied");
  ok(!l.apparmor_ignored && !l.selinux_ignored && !l.mount_label_ignored, "both LSMs: no warning");
  ok(lsm_needs_procfs(&l), "both LSMs: procfs handle needed");
  free(l.apparmor_exec);
  free(spec->process.apparmor_profile);
  spec->process.apparmor_profile = strdup("a\nchangeprofile unconfined");
  ok(lsm_decide(&config, both, &l, &err) == -EINVAL && err != NULL &&
         strstr(err->message, "process.apparmorProfile: control character") != NULL,
     "a profile with a newline is refused: %s", err != NULL ? err->message : "");
  mr_error_free(err);
  spec_free(spec);
}

/* The lowest free fd: unchanged when nothing leaked. */
static int lowest_free_fd(void)
{
  int fd = dup(0);
  close(fd);
  return fd;
}

int main(void)
{
  int first_free = lowest_free_fd();
  test_sources();
  ok(lowest_free_fd() == first_free, "no fd leaked by opens, walks and refusals");
  if (enter_private_mount_ns())
    test_overmounts();
  else
    printf("ok %d - # SKIP mount tests need root\n", ++tap_tests);
  ok(lowest_free_fd() == first_free, "no fd leaked by the mount tests");
  test_lsm_decisions();
  return tap_done();
}
