/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-devbpf.c - the cgroup v2 device program, run by the kernel (no
 * mock): build a program from rules, attach it to a fresh cgroup2
 * directory, move a child there and see which opens get EPERM; then
 * replace the program (as update does) and check the new rules hold and
 * only one program is attached. Needs root and a cgroup2 mount (on this
 * project's hybrid host /sys/fs/cgroup/unified); prints a TAP skip
 * otherwise. Output is TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/resources.h"
#include "error.h"

#include "../tap.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *cgroup2_root(void)
{
  static const char *const candidates[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
  for (size_t i = 0; i < 2; i++) {
    struct statfs s;
    if (statfs(candidates[i], &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
      return candidates[i];
  }
  return NULL;
}

/* Opens `dev` with `flags` from inside cgroup `dir`: 0 or the errno. */
static int open_in(const char *dir, const char *dev, int flags)
{
  pid_t pid = fork();
  if (pid == 0) {
    char procs[512];
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1)
      _exit(100);
    close(fd);
    fd = open(dev, flags | O_CLOEXEC);
    _exit(fd < 0 ? (errno & 0x7f) : 0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

static bool use_replace = true;

static int attach(int dfd, const struct cg_dev_rule *rules, size_t n)
{
  struct cg_device_prog prog;
  mr_error *err = NULL;
  int r = cg_devices_build(rules, n, &prog, &err);
  if (r == 0)
    r = cg_devices_attach_how(dfd, &prog, use_replace, &err);
  if (r < 0)
    printf("# %s\n", err ? mr_error_message(err) : "?");
  mr_error_free(err);
  free(prog.insns);
  return r;
}

static unsigned attached_count(int dfd)
{
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.query.target_fd = (uint32_t)dfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)) < 0)
    return 1000;
  return a.query.prog_cnt;
}

#define RWM (CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD)

int main(void)
{
  const char *root = cgroup2_root();
  if (geteuid() != 0 || root == NULL) {
    printf("1..0 # SKIP needs root and a cgroup2 mount\n");
    return 0;
  }
  char dir[256];
  snprintf(dir, sizeof(dir), "%s/mr-test-devbpf-%d", root, (int)getpid());
  if (mkdir(dir, 0755) < 0) {
    printf("1..0 # SKIP mkdir %s: %s\n", dir, strerror(errno));
    return 0;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  /* Deny everything, then null rwm and zero read-only (last match wins). */
  const struct cg_dev_rule strict[] = {
      {false, 'a', -1, -1, RWM},
      {true, 'c', 1, 3, RWM},
      {true, 'c', 1, 5, CG_DEV_READ},
  };
  ok(attach(dfd, strict, 3) == 0, "program loaded and attached");
  ok(open_in(dir, "/dev/null", O_RDWR) == 0, "allowed: /dev/null rw");
  ok(open_in(dir, "/dev/zero", O_RDONLY) == 0, "allowed: /dev/zero r");
  ok(open_in(dir, "/dev/zero", O_RDWR) == EPERM, "denied: /dev/zero rw (allow needs all of rw)");
  ok(open_in(dir, "/dev/full", O_RDONLY) == EPERM, "denied: /dev/full (deny-all)");
  ok(attached_count(dfd) == 1, "one program attached");

  /* An update: allow everything but writes to full. Replaces the first. */
  const struct cg_dev_rule loose[] = {
      {true, 'a', -1, -1, RWM},
      {false, 'c', 1, 7, CG_DEV_WRITE},
  };
  ok(attach(dfd, loose, 2) == 0, "replacement attached");
  ok(attached_count(dfd) == 1, "still one program attached after the replacement");
  ok(open_in(dir, "/dev/zero", O_RDWR) == 0, "after update: /dev/zero rw allowed");
  ok(open_in(dir, "/dev/full", O_RDONLY) == 0, "after update: /dev/full r allowed");
  ok(open_in(dir, "/dev/full", O_RDWR) == EPERM, "after update: /dev/full rw denied (any of rw)");

  /* Kernels before 5.6 (no BPF_F_REPLACE): attach, then detach the old one. */
  use_replace = false;
  ok(attach(dfd, strict, 3) == 0, "replacement without BPF_F_REPLACE attached");
  ok(attached_count(dfd) == 1, "one program attached after attach-then-detach");
  ok(open_in(dir, "/dev/zero", O_RDWR) == EPERM && open_in(dir, "/dev/null", O_RDWR) == 0,
     "the new rules hold after attach-then-detach");
  use_replace = true;

  /* No rules: the program allows everything (v1's starting state). */
  ok(attach(dfd, NULL, 0) == 0 && open_in(dir, "/dev/full", O_RDWR) == 0, "no rules: allow");

  /* Wildcard minor and type 'b' rules load and match only their type. */
  const struct cg_dev_rule chars[] = {
      {false, 'c', 1, -1, RWM},
      {true, 'b', 1, -1, RWM},
  };
  ok(attach(dfd, chars, 2) == 0 && open_in(dir, "/dev/null", O_RDONLY) == EPERM,
     "deny c 1:* covers /dev/null; the b rule does not re-allow it");

  close(dfd);
  if (rmdir(dir) < 0)
    printf("# rmdir %s: %s\n", dir, strerror(errno));
  return tap_done();
}
