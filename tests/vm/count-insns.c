/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * count-insns - retired instructions per run of a command, counted by the
 * PMU over the command and everything it starts (perf_event_open, inherit).
 *
 *   count-insns N CMD [ARG...]
 *
 * Runs CMD N times in a row (stdin and stdout /dev/null, stderr kept), fails
 * on the first run that does not exit 0, and prints one line:
 *
 *   insns-per-run: TOTAL user USER kernel KERNEL runs N ms-per-run MS
 *
 * TOTAL = user + kernel instructions per run (hypervisor excluded), averaged
 * over the N runs; the fork/exec/wait of this program is included (measure
 * a trivial CMD for that baseline). Meant for the emulated arm64 VM with
 * `tests/vm/vm-run.sh --icount`, where QEMU's PMU counts instructions
 * exactly (so the figure is reproducible); milliseconds there are emulated
 * time, not a board's. Exit status: 0; 1 when CMD failed; 77 when the PMU
 * cannot count here (the reason on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One instruction counter on this process and its future children. */
static int open_counter(int exclude_kernel, int exclude_user)
{
  struct perf_event_attr a;

  memset(&a, 0, sizeof(a));
  a.size = sizeof(a);
  a.type = PERF_TYPE_HARDWARE;
  a.config = PERF_COUNT_HW_INSTRUCTIONS;
  a.disabled = 1;
  a.inherit = 1;
  a.exclude_hv = 1;
  a.exclude_kernel = (unsigned)exclude_kernel;
  a.exclude_user = (unsigned)exclude_user;
  return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static uint64_t read_counter(int fd)
{
  uint64_t v = 0;

  if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
    return 0;
  return v;
}

static double now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Runs argv once; 0 when it exited 0. */
static int run_once(char **argv)
{
  int status;
  pid_t pid = fork();

  if (pid < 0)
    return -1;
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);

    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
    }
    execvp(argv[0], argv);
    fprintf(stderr, "count-insns: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  if (waitpid(pid, &status, 0) != pid)
    return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "count-insns: %s: %s %d\n", argv[0],
            WIFEXITED(status) ? "exit status" : "killed by signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  long n;
  int user, kernel;
  double t0, t1;
  uint64_t u, k;

  if (argc < 3 || (n = strtol(argv[1], NULL, 10)) < 1) {
    fprintf(stderr, "usage: count-insns N CMD [ARG...]\n");
    return 2;
  }
  user = open_counter(1, 0);
  kernel = open_counter(0, 1);
  if (user < 0 || kernel < 0) {
    fprintf(stderr, "count-insns: SKIP: no instruction counter here (perf_event_open: %s)\n",
            strerror(errno));
    return 77;
  }
  ioctl(user, PERF_EVENT_IOC_ENABLE, 0);
  ioctl(kernel, PERF_EVENT_IOC_ENABLE, 0);
  t0 = now_ms();
  for (long i = 0; i < n; i++)
    if (run_once(argv + 2) < 0)
      return 1;
  t1 = now_ms();
  ioctl(user, PERF_EVENT_IOC_DISABLE, 0);
  ioctl(kernel, PERF_EVENT_IOC_DISABLE, 0);
  u = read_counter(user) / (uint64_t)n;
  k = read_counter(kernel) / (uint64_t)n;
  if (u == 0) {
    fprintf(stderr, "count-insns: SKIP: the instruction counter did not count\n");
    return 77;
  }
  printf("insns-per-run: %llu user %llu kernel %llu runs %ld ms-per-run %.1f\n",
         (unsigned long long)(u + k), (unsigned long long)u, (unsigned long long)k, n,
         (t1 - t0) / (double)n);
  return 0;
}
