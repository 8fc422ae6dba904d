/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * procs.c - signalling and waiting for a container's processes from any
 * process: we may not be the init's parent, so nothing is reaped here and
 * every pid is pinned with a pidfd and checked against the start time
 * recorded in state.json before it is signalled.
 */
#define _GNU_SOURCE
#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* How long delete waits for a SIGKILLed init to go away. */
#define KILL_WAIT_MS 10000

/* ------------------------------------------------------------------------ */
/* Signalling processes without racing pid reuse                             */
/* ------------------------------------------------------------------------ */

static int sys_pidfd_open(pid_t pid)
{
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Opens a pidfd (always close-on-exec) of `pid` and then checks that the pid
 * still names the recorded process: once the pidfd pins it, the number cannot
 * be reused. *pidfd is -1 on kernels without pidfds; the start time check
 * is then the only guard. -ESRCH when the process is gone. */
static int pin_process(pid_t pid, unsigned long long start, int *pidfd)
{
  *pidfd = -1;
  if (pid <= 0)
    return -ESRCH;
  int fd = sys_pidfd_open(pid);
  /* EPERM: seccomp filters of some container engines deny unknown syscalls. */
  if (fd < 0 && errno != ENOSYS && errno != EPERM)
    return -errno;
  unsigned long long now;
  bool dead;
  int r = proc_stat_read(pid, &now, &dead);
  if (r == 0 && (dead || now != start))
    r = -ESRCH;
  if (r < 0) {
    if (fd >= 0)
      close(fd);
    return r;
  }
  *pidfd = fd;
  return 0;
}

int procs_pin(pid_t pid, unsigned long long start, int *pidfd)
{
  return pin_process(pid, start, pidfd);
}

static int send_signal(int pidfd, pid_t pid, int sig)
{
  if (pidfd >= 0) {
    if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0)
      return 0;
    if (errno != ENOSYS)
      return -errno;
  }
  return kill(pid, sig) == 0 ? 0 : -errno;
}

/* Signals the init recorded in `rec`; -ESRCH when it is gone. */
int procs_signal_init(const struct state_record *rec, int sig)
{
  int pidfd;
  int r = pin_process(rec->pid, rec->pid_start, &pidfd);
  if (r < 0)
    return r;
  r = send_signal(pidfd, rec->pid, sig);
  if (pidfd >= 0)
    close(pidfd);
  return r;
}

/* The target of /proc/PID/ns/pid, e.g. "pid:[4026531836]". */
static int read_pid_ns(pid_t pid, char *buf, size_t size)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
  ssize_t n = readlink(path, buf, size - 1);
  if (n < 0)
    return -errno;
  buf[n] = '\0';
  return 0;
}

/* Signals `pid` if it lives in pid namespace `ns`. The namespace is read
 * after the pidfd pinned the pid, so the check and the signal concern the
 * same process. Failures are only logged: processes come and go. */
static void signal_if_in_ns(const mr_context *ctx, pid_t pid, const char *ns, int sig)
{
  int pidfd = sys_pidfd_open(pid);
  if (pidfd < 0 && errno != ENOSYS && errno != EPERM)
    return;
  char other[64];
  if (read_pid_ns(pid, other, sizeof(other)) == 0 && strcmp(other, ns) == 0) {
    int r = send_signal(pidfd, pid, sig);
    if (r < 0 && r != -ESRCH)
      mr_debug(ctx, "signal %d to pid %d: %s", sig, (int)pid, strerror(-r));
  }
  if (pidfd >= 0)
    close(pidfd);
}

/* Every process whose pid namespace is the init's (the init itself is
 * signalled by the caller). Processes in pid namespaces nested below the
 * container's are not reached: killing them needs the cgroup. */
int procs_signal_pid_ns(const mr_context *ctx, const struct state_record *rec, int sig,
                        mr_error **err)
{
  char ns[64];
  int r = read_pid_ns(rec->pid, ns, sizeof(ns));
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': pid namespace of pid %d", rec->id, (int)rec->pid);
  /* The namespace was read by pid number: it is the init's only if the init
   * still holds that number now (it did before: the caller pinned it). A
   * recycled pid would name another container's namespace. */
  unsigned long long start;
  bool dead;
  if (proc_stat_read(rec->pid, &start, &dead) < 0 || dead || start != rec->pid_start)
    return 0; /* the init is gone: so is every process of its namespace */
  DIR *d = opendir("/proc"); /* glibc opens it O_CLOEXEC */
  if (d == NULL)
    return mr_err_sys(err, errno, "open /proc");
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    char *end;
    long pid = strtol(de->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == rec->pid)
      continue;
    signal_if_in_ns(ctx, (pid_t)pid, ns, sig);
  }
  closedir(d);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Waiting for a process we are (maybe) not the parent of                    */
/* ------------------------------------------------------------------------ */

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pidfd polls readable once the process has exited (zombie or reaped). */
static int wait_pidfd(int pidfd, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;
  for (;;) {
    long long left = deadline - now_ms();
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int n = poll(&p, 1, left > 0 ? (int)left : 0);
    if (n > 0)
      return 0;
    if (n == 0)
      return -ETIMEDOUT;
    if (errno != EINTR)
      return -errno;
  }
}

/* Without pidfds: look at /proc/PID/stat every millisecond. */
static int wait_proc(pid_t pid, unsigned long long start, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;
  for (;;) {
    unsigned long long now;
    bool dead;
    int r = proc_stat_read(pid, &now, &dead);
    if (r == -ESRCH || (r == 0 && (dead || now != start)))
      return 0;
    if (r < 0)
      return r;
    if (now_ms() >= deadline)
      return -ETIMEDOUT;
    struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
    nanosleep(&ms, NULL);
  }
}

/* SIGKILLs the init and waits until it is gone or a zombie. With its own
 * pid namespace, the kernel has killed every other process of the container
 * by then. Without one, the remaining processes are only found through the
 * cgroup, which comes with the cgroup support. */
int procs_kill_and_wait(const struct state_record *rec, mr_error **err)
{
  int pidfd;
  int r = pin_process(rec->pid, rec->pid_start, &pidfd);
  if (r == -ESRCH)
    return 0;
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': pidfd of pid %d", rec->id, (int)rec->pid);
  r = send_signal(pidfd, rec->pid, SIGKILL);
  if (r == 0)
    r = pidfd >= 0 ? wait_pidfd(pidfd, KILL_WAIT_MS)
                   : wait_proc(rec->pid, rec->pid_start, KILL_WAIT_MS);
  if (pidfd >= 0)
    close(pidfd);
  if (r == -ESRCH)
    return 0;
  if (r == -ETIMEDOUT)
    return mr_err(err, r, "container '%s': pid %d still alive %d s after SIGKILL", rec->id,
                  (int)rec->pid, KILL_WAIT_MS / 1000);
  if (r < 0)
    return mr_err_sys(err, -r, "container '%s': kill pid %d", rec->id, (int)rec->pid);
  return 0;
}
