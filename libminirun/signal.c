/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* signal.c - signal names and numbers ("TERM", "SIGTERM", "15", "RTMIN+3"). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"

struct signal_name {
  const char *name; /* without the "SIG" prefix */
  int number;
};

/* The Linux signals by their <signal.h> constants, so that architectures
 * with other numbers (alpha, mips, sparc) come out right. Aliases follow the
 * name they share a number with. */
static const struct signal_name signal_names[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
#ifdef SIGSTKFLT
    {"STKFLT", SIGSTKFLT},
#endif
    {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},  {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},
#ifdef SIGPWR
    {"PWR", SIGPWR},
#endif
#ifdef SIGEMT
    {"EMT", SIGEMT},
#endif
#ifdef SIGLOST
    {"LOST", SIGLOST},
#endif
#ifdef SIGINFO
    {"INFO", SIGINFO},
#endif
    {"SYS", SIGSYS},
};

/* A non-empty run of decimal digits, at most `max`. */
static int parse_number(const char *s, int max, int *out)
{
  if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
    return -EINVAL;
  char *end;
  errno = 0;
  long n = strtol(s, &end, 10);
  if (errno != 0 || n > max)
    return -EINVAL;
  *out = (int)n;
  return 0;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (the "SIG" prefix already gone).
 * SIGRTMIN is the libc's (34 with glibc), as kill(1) and runc use it. */
static int parse_realtime(const char *s, int *out)
{
  int base, sign, n = 0;
  if (strncasecmp(s, "RTMIN", 5) == 0) {
    base = SIGRTMIN;
    sign = '+';
  } else if (strncasecmp(s, "RTMAX", 5) == 0) {
    base = SIGRTMAX;
    sign = '-';
  } else {
    return -EINVAL;
  }
  s += 5;
  if (*s != '\0') {
    if (*s != sign || parse_number(s + 1, SIGRTMAX - SIGRTMIN, &n) < 0)
      return -EINVAL;
  }
  *out = sign == '+' ? base + n : base - n;
  return 0;
}

static int parse_name(const char *s, int *out)
{
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
    if (strcasecmp(s, signal_names[i].name) == 0) {
      *out = signal_names[i].number;
      return 0;
    }
  }
  return parse_realtime(s, out);
}

int mr_signal_parse(const char *name, int *signal, mr_error **err)
{
  if (name == NULL)
    return mr_err(err, -EINVAL, "unknown signal: no name given");
  int number;
  /* Numbers are taken as they are (0 probes for existence, as with kill). */
  if (parse_number(name, SIGRTMAX, &number) == 0 || parse_name(name, &number) == 0) {
    *signal = number;
    return 0;
  }
  return mr_err(err, -EINVAL, "unknown signal '%s'", name);
}
