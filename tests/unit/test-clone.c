/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-clone.c - clone_on_stack() and clone_stacks_map() (libminirun/clone.c):
 * a child runs at its function's entry on the stack it was given, exits with
 * the function's value, dies of SIGSEGV on the guard page when it overflows
 * (instead of writing over memory), keeps running when the parent unmaps its
 * stacks right after clone, and clones a sibling on the second stack (as the
 * spawner of a joined pid namespace does). TAP output.
 *
 * The cases run twice: on this kernel (clone3 where the architecture has the
 * trampoline), then again under tests/enosys-launcher, where clone3 and
 * pidfd_open fail with ENOSYS as on Linux 4.14 (the C library's clone()
 * wrapper, no pidfd); the second run's lines are shown as comments and its
 * result is one test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone.h"

#include "../tap.h"

/* ASan's SIGSEGV handler reports a stack overflow (on stderr, as an
 * ERROR) and exits 1: that case is skipped there. */
#if defined(__SANITIZE_ADDRESS__)
#define OVERFLOW_EXITS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OVERFLOW_EXITS 1
#endif
#endif

static struct clone_stacks stacks;

static bool on_stack(const void *p, const void *stack, size_t size)
{
  return (uintptr_t)p >= (uintptr_t)stack && (uintptr_t)p < (uintptr_t)stack + size;
}

/* Exit status 42 when the child's frame is near the top of stack 0. */
static int child_where(void *arg)
{
  (void)arg;
  char here;
  uintptr_t top = (uintptr_t)stacks.stack[0] + stacks.size;
  return on_stack(&here, stacks.stack[0], stacks.size) && top - (uintptr_t)&here < 4096 ? 42 : 1;
}

#ifndef OVERFLOW_EXITS
/* 1 KiB a frame: 1 GiB deep is far beyond any stack we map. */
static __attribute__((noinline)) int recurse(volatile char *prev, long depth)
{
  volatile char buf[1024];
  buf[0] = prev != NULL ? prev[0] : 1;
  buf[1] = 0;
  if (depth > 1024L * 1024)
    return buf[0];
  return recurse(buf, depth + 1) + buf[1];
}

static int child_overflow(void *arg)
{
  (void)arg;
  return recurse(NULL, 0);
}
#endif

/* Waits for a byte on the pipe (the parent has unmapped its stacks by
 * then), then checks its own frame is still what it wrote. */
static int child_after_unmap(void *arg)
{
  int *p = arg;
  volatile char mark[256];
  memset((char *)mark, 0x5a, sizeof(mark));
  char c;
  close(p[1]);
  if (read(p[0], &c, 1) != 1)
    return 2;
  for (size_t i = 0; i < sizeof(mark); i++)
    if (mark[i] != 0x5a)
      return 3;
  return 0;
}

static int grandchild(void *arg)
{
  (void)arg;
  char here;
  return on_stack(&here, stacks.stack[1], stacks.size) ? 43 : 1;
}

/* A first child cloning its sibling with CLONE_PARENT on stack 1; it
 * sends the sibling's pid through the pipe whose write end is `arg`. */
static int child_spawner(void *arg)
{
  int fd = (int)(intptr_t)arg;
  pid_t pid =
      clone_on_stack(CLONE_PARENT, stacks.stack[1], stacks.size, grandchild, NULL, NULL, -1, NULL);
  if (pid > 0 && write(fd, &pid, sizeof(pid)) == (ssize_t)sizeof(pid))
    return 0;
  return 1;
}

/* /proc/self/maps has a PROT_NONE mapping ending at `addr`. */
static bool guard_below(const void *addr)
{
  FILE *f = fopen("/proc/self/maps", "re");
  char line[512];
  bool found = false;
  while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
    char *end = NULL;
    strtoul(line, &end, 16);
    if (end == NULL || *end != '-')
      continue;
    unsigned long hi = strtoul(end + 1, &end, 16);
    found = hi == (uintptr_t)addr && strncmp(end, " ---p ", 6) == 0;
  }
  if (f != NULL)
    fclose(f);
  return found;
}

static int wait_status(pid_t pid)
{
  int status;
  while (waitpid(pid, &status, __WALL) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

static void run_cases(bool old_kernel)
{
  int r = clone_stacks_map(&stacks);
  if (r < 0)
    bail("clone_stacks_map: %s", strerror(-r));
  ok(stacks.size >= 64 * 1024 && stacks.stack[1] > stacks.stack[0], "two stacks of %zu KiB",
     stacks.size / 1024);
  ok(guard_below(stacks.stack[0]) && guard_below(stacks.stack[1]),
     "each with a PROT_NONE guard page below it");

  int pidfd = -2;
  pid_t pid = clone_on_stack(0, stacks.stack[0], stacks.size, child_where, NULL, &pidfd, -1, NULL);
  ok(pid > 0, "clone_on_stack: %s", pid > 0 ? "a child" : strerror(errno));
  if (old_kernel)
    ok(pidfd == -1, "without pidfd_open no pidfd (%d)", pidfd);
  else
    ok(pidfd >= 0, "a pidfd (%d)", pidfd);
  if (pidfd >= 0) {
    struct pollfd pfd = {pidfd, POLLIN, 0};
    ok(poll(&pfd, 1, 10000) == 1, "the pidfd says when the child exited");
    close(pidfd);
  }
  int status = wait_status(pid);
  ok(WIFEXITED(status) && WEXITSTATUS(status) == 42,
     "the child ran at its function's entry near the top of its stack and exited with the "
     "function's value (status 0x%x)",
     status);

#ifdef OVERFLOW_EXITS
  status = 0;
#else
  pid = clone_on_stack(0, stacks.stack[0], stacks.size, child_overflow, NULL, NULL, -1, NULL);
  status = wait_status(pid);
#endif
#ifdef OVERFLOW_EXITS
  skip("ASan catches the overflow itself and prints an error report",
       "a child that overflows its stack dies of SIGSEGV on the guard page (status 0x%x)", status);
#else
  ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
     "a child that overflows its stack dies of SIGSEGV on the guard page (status 0x%x)", status);
#endif

  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    bail("pipe2: %s", strerror(errno));
  pid = clone_on_stack(0, stacks.stack[0], stacks.size, child_after_unmap, p, NULL, -1, NULL);
  clone_stacks_unmap(&stacks);
  ok(stacks.map == NULL, "the parent unmapped the stacks while the child runs");
  close(p[0]);
  ok(write(p[1], "x", 1) == 1, "told the child to go on");
  close(p[1]);
  status = wait_status(pid);
  ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
     "the child's stack (its copy) was intact after that (status 0x%x)", status);

  if (clone_stacks_map(&stacks) < 0 || pipe2(p, O_CLOEXEC) < 0)
    bail("clone_stacks_map or pipe2: %s", strerror(errno));
  pid = clone_on_stack(0, stacks.stack[0], stacks.size, child_spawner, (void *)(intptr_t)p[1], NULL,
                       -1, NULL);
  status = wait_status(pid);
  clone_stacks_unmap(&stacks);
  pid_t sibling = -1;
  close(p[1]);
  ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
         read(p[0], &sibling, sizeof(sibling)) == (ssize_t)sizeof(sibling),
     "a child cloned its sibling with CLONE_PARENT (status 0x%x)", status);
  close(p[0]);
  status = sibling > 0 ? wait_status(sibling) : -1;
  ok(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 43,
     "the sibling is our child and ran on the second stack (status 0x%x)", status);
}

/* The cases again under the launcher; its output as comments. */
static void run_old_kernel(void)
{
  char self[PATH_MAX], dir[PATH_MAX], launcher[PATH_MAX + 32];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n < 0)
    bail("readlink /proc/self/exe: %s", strerror(errno));
  self[n] = '\0';
  snprintf(dir, sizeof(dir), "%s", self);
  snprintf(launcher, sizeof(launcher), "%s/../enosys-launcher", dirname(dir));
  if (access(launcher, X_OK) < 0) {
    skip("tests/enosys-launcher is not built", "the cases on an old kernel");
    return;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    bail("pipe2: %s", strerror(errno));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    execl(launcher, launcher, "-s", "clone3,pidfd_open", "--", self, "old-kernel", (char *)NULL);
    _exit(126);
  }
  close(p[1]);
  FILE *f = fdopen(p[0], "r");
  char line[512];
  int not_ok = 0;
  while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
    not_ok += strncmp(line, "not ok", 6) == 0;
    printf("#   old kernel: %s", line);
  }
  if (f != NULL)
    fclose(f);
  int status = wait_status(pid);
  ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && not_ok == 0,
     "the cases on an old kernel (clone3 and pidfd_open: ENOSYS) passed (status 0x%x)", status);
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  bool old_kernel = argc > 1 && strcmp(argv[1], "old-kernel") == 0;
  run_cases(old_kernel);
  if (!old_kernel)
    run_old_kernel();
  return tap_done();
}
