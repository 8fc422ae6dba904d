/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.c - the CLI's log sink.
 *
 * Errors are printed to stderr as "minirun: <message>" and, with --log FILE,
 * also appended to FILE. Warnings, info and debug lines (ours and the
 * library's) go to FILE when it is given, else to stderr. In FILE each record
 * is one line: with --log-format json
 *   {"level":"error","msg":"<message>","time":"<RFC 3339 UTC>"}
 * as runc and crun write it (and podman/conmon/containerd parse it), with
 * the text format "<time> <level>: <message>". The file is opened on the
 * first record, so a run that logs nothing does not create it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char *log_path;
static int log_json;
static enum mr_log_level log_level = MR_LOG_WARNING;
static int log_fd = -1;
static int log_open_failed;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void cli_log_init(const char *path, int json, enum mr_log_level level)
{
  log_path = path;
  log_json = json;
  log_level = level;
}

static const char *level_name(enum mr_log_level level)
{
  if ((unsigned)level < sizeof(level_names) / sizeof(level_names[0]))
    return level_names[level];
  return "debug";
}

/* The --log file, opened on first use; -1 when there is none. */
static int log_file(void)
{
  if (log_fd >= 0 || log_path == NULL || log_open_failed)
    return log_fd;
  log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (log_fd < 0) {
    log_open_failed = 1;
    fprintf(stderr, "%s: cannot open log file `%s`: %s\n", CLI_NAME, log_path, strerror(errno));
  }
  return log_fd;
}

static void format_time(char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  size_t n;

  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, size - n, ".%06ldZ", ts.tv_nsec / 1000);
}

/* Appends one record with a single write(2) so concurrent writers using
 * O_APPEND do not interleave. */
static void write_record(int fd, enum mr_log_level level, const char *msg)
{
  char when[64], *line = NULL, *quoted;
  int len;

  format_time(when, sizeof(when));
  if (log_json) {
    quoted = cli_json_quote(msg);
    if (quoted == NULL)
      return;
    len = asprintf(&line, "{\"level\":\"%s\",\"msg\":%s,\"time\":\"%s\"}\n", level_name(level),
                   quoted, when);
    free(quoted);
  } else {
    len = asprintf(&line, "%s %s: %s\n", when, level_name(level), msg);
  }
  if (len < 0)
    return;
  while (write(fd, line, (size_t)len) < 0 && errno == EINTR)
    ;
  free(line);
}

static void print_stderr(enum mr_log_level level, const char *msg)
{
  if (level == MR_LOG_ERROR || level == MR_LOG_INFO)
    fprintf(stderr, "%s: %s\n", CLI_NAME, msg);
  else
    fprintf(stderr, "%s: %s: %s\n", CLI_NAME, level_name(level), msg);
}

void cli_verror(const char *fmt, va_list ap)
{
  char *msg;
  int fd;

  if (vasprintf(&msg, fmt, ap) < 0) {
    fprintf(stderr, "%s: out of memory\n", CLI_NAME);
    return;
  }
  print_stderr(MR_LOG_ERROR, msg);
  fd = log_file();
  if (fd >= 0)
    write_record(fd, MR_LOG_ERROR, msg);
  free(msg);
}

void cli_error(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  cli_verror(fmt, ap);
  va_end(ap);
}

static void log_message(enum mr_log_level level, const char *msg)
{
  int fd;

  if (level > log_level)
    return;
  fd = log_file();
  if (fd >= 0)
    write_record(fd, level, msg);
  else
    print_stderr(level, msg);
}

void cli_log(enum mr_log_level level, const char *fmt, ...)
{
  va_list ap;
  char *msg;
  int ret;

  if (level > log_level)
    return;
  va_start(ap, fmt);
  ret = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (ret < 0)
    return;
  log_message(level, msg);
  free(msg);
}

void cli_log_library(void *userdata, enum mr_log_level level, const char *message)
{
  (void)userdata;
  log_message(level, message);
}
