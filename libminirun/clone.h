/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * clone.h - fork-like clone() of a child that runs on a stack of its own.
 *
 * The child between clone and execve must not depend on how much of the
 * caller's stack is left: a host may call us from a thread with a 64 KiB
 * stack, most of it used. So the parent maps the children's stacks before
 * clone (clone_stacks_map) and each child starts on one of them at a
 * function's entry. No CLONE_VM: a child runs on its own copy of the
 * mapping, so the parent may unmap it as soon as clone has returned.
 */
#ifndef MR_CLONE_H
#define MR_CLONE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Stack room for each child. Measured (x86-64, gcc -O2, the integration
 * tests' configurations, high-water mark of the zero-filled stack at
 * execve or at the error report): an init touches 17 KiB typically, 30 KiB
 * at most; an exec'd process 9 KiB. The rest is margin for other
 * configurations, architectures, C libraries and sanitizers: only the
 * pages a child touches cost memory. */
#define CLONE_STACK_SIZE (256 * 1024)

/* Stacks for the two generations of children of one spawn (the first
 * child, and the process it clones itself), each under a PROT_NONE guard
 * page: an overflow kills the child instead of corrupting memory. */
struct clone_stacks {
  void *map;
  size_t map_size;
  void *stack[2]; /* lowest usable address of each */
  size_t size;    /* usable bytes of each */
};

/* Parent, before clone: 0 or -errno (mmap). */
int clone_stacks_map(struct clone_stacks *s);
/* Parent, once the clone calls returned (the children have their copies). */
void clone_stacks_unmap(struct clone_stacks *s);

/* Clones a child with namespace `flags` (and CLONE_PARENT) that calls
 * fn(arg) on [stack, stack + size) and exits with its return value.
 * Async-signal-safe; SIGCHLD is the exit signal unless CLONE_PARENT.
 * With pidfd non-NULL, *pidfd receives a pidfd (-1 on kernels without).
 * With cgroup_fd >= 0 (and into_cgroup non-NULL) the child starts in that
 * cgroup (CLONE_INTO_CGROUP, 5.7+); *into_cgroup says whether it did: older kernels refuse the
 * flag, and the caller then moves it before it runs any container code. clone3 (5.3+) first; where
 * it is missing (ENOSYS) the C library's clone() wrapper, a plain system call with no fork
 * handlers. The child's pid, or -1 with errno set. */
pid_t clone_on_stack(unsigned long flags, void *stack, size_t size, int (*fn)(void *), void *arg,
                     int *pidfd, int cgroup_fd, bool *into_cgroup);

#endif /* MR_CLONE_H */
