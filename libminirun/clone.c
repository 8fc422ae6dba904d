/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * clone.c - fork-like clone() of a child that runs on a stack of its own
 * (see clone.h).
 *
 * A child given a new stack cannot return from the system call into C
 * code: there is no frame to return to. glibc's clone() wrapper solves
 * that for the clone system call, but clone3 has no wrapper (and we need
 * it for CLONE_INTO_CGROUP and CLONE_PIDFD), so clone3_on_stack below does
 * the same for clone3, in a few instructions per architecture. Elsewhere
 * the wrapper is all we use and the caller moves the child into its cgroup.
 */
#define _GNU_SOURCE
#include "clone.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawn.h"

/* gcc says __SANITIZE_ADDRESS__, clang before 16 only __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define MR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MR_ASAN 1
#endif
#endif
#ifdef MR_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3's arguments up to `cgroup` (CLONE_ARGS_SIZE_VER2), whatever the
 * installed headers know. */
struct clone_args_v2 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64 /* up to tls */

/* long clone3_on_stack(struct clone_args_v2 *args, size_t size,
 *                      int (*fn)(void *), void *arg)
 * clone3(args, size); the child, whose stack pointer the kernel set to
 * args->stack + args->stack_size, calls fn(arg) and exits with its value.
 * The parent gets the pid or -errno. fn and arg travel in registers the
 * system call preserves. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define HAVE_CLONE3_ON_STACK 1
__asm__(".text\n"
        ".p2align 4\n"
        ".globl clone3_on_stack\n"
        ".hidden clone3_on_stack\n"
        ".type clone3_on_stack, @function\n"
        "clone3_on_stack:\n"
#ifdef __CET__
        "  endbr64\n"
#endif
        "  mov %rdx, %r8\n" /* syscall clobbers rcx and r11 only */
        "  mov %rcx, %r9\n"
        "  mov $435, %eax\n" /* SYS_clone3 */
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jz 1f\n"
        "  ret\n"
        "1:\n"
        "  xor %ebp, %ebp\n" /* the outermost frame */
        "  mov %r9, %rdi\n"
        "  call *%r8\n" /* rsp is 16-aligned before the call, as the ABI wants */
        "  mov %eax, %edi\n"
        "  mov $60, %eax\n" /* SYS_exit */
        "  syscall\n"
        "  hlt\n"
        ".size clone3_on_stack, .-clone3_on_stack\n");
#elif defined(__aarch64__)
#define HAVE_CLONE3_ON_STACK 1
__asm__(".text\n"
        ".p2align 2\n"
        ".globl clone3_on_stack\n"
        ".hidden clone3_on_stack\n"
        ".type clone3_on_stack, %function\n"
        "clone3_on_stack:\n"
        "  hint #34\n"     /* bti c */
        "  mov x8, #435\n" /* SYS_clone3; svc preserves x1-x30 */
        "  svc #0\n"
        "  cbz x0, 1f\n"
        "  ret\n"
        "1:\n"
        "  mov x29, xzr\n" /* the outermost frame */
        "  mov x30, xzr\n"
        "  mov x0, x3\n"
        "  blr x2\n"
        "  mov x8, #93\n" /* SYS_exit */
        "  svc #0\n"
        "  brk #0\n"
        ".size clone3_on_stack, .-clone3_on_stack\n");
#endif

#ifdef HAVE_CLONE3_ON_STACK
__attribute__((visibility("hidden"))) long clone3_on_stack(struct clone_args_v2 *args, size_t size,
                                                           int (*fn)(void *), void *arg);
#endif

struct child_start {
  int (*fn)(void *);
  void *arg;
  void *stack;
  size_t size;
};

/* The child's first C frame, on its new stack; `start` is in its copy of
 * the parent's stack. */
static int child_entry(void *start)
{
  const struct child_start *s = start;
#ifdef MR_ASAN
  /* ASan tracks each thread's stack: tell it this one is ours, or it warns
   * (on the container's stderr) at the first noreturn call. */
  void *fake = NULL;
  __sanitizer_start_switch_fiber(&fake, s->stack, s->size);
  __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
  return s->fn(s->arg);
}

pid_t clone_on_stack(unsigned long flags, void *stack, size_t size, int (*fn)(void *), void *arg,
                     int *pidfd, int cgroup_fd, bool *into_cgroup)
{
  struct child_start start = {fn, arg, stack, size};
  int exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  if (into_cgroup != NULL)
    *into_cgroup = false;
#ifdef HAVE_CLONE3_ON_STACK
  int fd = -1;
  long pid = -ENOSYS;
  struct clone_args_v2 args;
  memset(&args, 0, sizeof(args));
  args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
  args.pidfd = (uint64_t)(uintptr_t)&fd;
  args.exit_signal = (uint64_t)exit_signal;
  args.stack = (uint64_t)(uintptr_t)stack;
  args.stack_size = size;
  if (cgroup_fd >= 0 && into_cgroup != NULL) {
    struct clone_args_v2 with = args;
    with.flags |= CLONE_INTO_CGROUP;
    with.cgroup = (uint64_t)cgroup_fd;
    pid = clone3_on_stack(&with, sizeof(with), child_entry, &start);
    *into_cgroup = pid >= 0;
  }
  if (pid < 0) /* without the cgroup: the caller's cgroup.procs write reports a real problem */
    pid = clone3_on_stack(&args, CLONE_ARGS_SIZE_VER0, child_entry, &start);
  if (pid >= 0) {
    if (pidfd != NULL)
      *pidfd = fd;
    return (pid_t)pid;
  }
  if (pid != -ENOSYS) {
    errno = (int)-pid;
    return -1;
  }
#else
  (void)cgroup_fd;
#endif
  /* Before 5.3, or no trampoline for this architecture. */
  pid_t p = clone(child_entry, (char *)stack + size, (int)flags | exit_signal, &start);
  if (p > 0 && pidfd != NULL)
    *pidfd = spawn_pidfd_open(p);
  return p;
}

int clone_stacks_map(struct clone_stacks *s)
{
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t size = (CLONE_STACK_SIZE + page - 1) / page * page;
  size_t map_size = 2 * (page + size);
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK;
  // cppcheck-suppress invalidFunctionArg ; MAP_ANONYMOUS wants fd -1
  void *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (map == MAP_FAILED)
    return -errno;
  /* [guard][stack 0][guard][stack 1]: stacks grow down into a guard. */
  char *base = map;
  if (mprotect(base, page, PROT_NONE) < 0 || mprotect(base + page + size, page, PROT_NONE) < 0) {
    int e = errno;
    munmap(map, map_size);
    return -e;
  }
  s->map = map;
  s->map_size = map_size;
  s->stack[0] = base + page;
  s->stack[1] = base + 2 * page + size;
  s->size = size;
  return 0;
}

void clone_stacks_unmap(struct clone_stacks *s)
{
  if (s->map != NULL)
    munmap(s->map, s->map_size);
  s->map = NULL;
}
