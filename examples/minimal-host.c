/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * minimal-host.c - the smallest useful firmware host embedding libminirun.
 *
 *   minimal-host [--state-root DIR] [--timeout SECS] [--verbose] BUNDLE ID
 *
 * Runs bundle BUNDLE as container ID in-process (this program becomes the parent
 * of the container's init), supervises it with poll() - no SIGCHLD handler - and
 * SIGTERM/SIGKILL on --timeout, prints "container ID exited with status N",
 * deletes the container and exits with N (128 + signal when it was killed).
 * Exit status 125: the host itself failed (bad bundle, bad id, ...).
 * Only include/minirun.h is used, as by any embedder. See examples/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <minirun.h>

#define HOST_FAILED   125  /* like runc/crun: "the runtime failed" */
#define KILL_GRACE_MS 2000 /* SIGTERM -> SIGKILL */

/* The log sink: the library hands over each message, the host formats it. */
static void host_log(void *userdata, enum mr_log_level level, const char *message)
{
  static const char *const names[] = {"error", "warning", "info", "debug"};

  (void)userdata;
  fprintf(stderr, "minimal-host: [%s] %s\n", (unsigned)level < 4 ? names[level] : "?", message);
}

/*
 * The one error pattern of libminirun: a call returns 0 on success or a
 * negative errno code, and when given &err it hands over an mr_error that
 * names what failed. report() prints the message, frees the error (resetting
 * err for the next call) and passes the code on.
 */
static int report(int rc, mr_error **err)
{
  fprintf(stderr, "minimal-host: %s\n", *err ? mr_error_message(*err) : strerror(-rc));
  mr_error_free(*err);
  *err = NULL;
  return rc;
}

static long long now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Waits until the container's init exits and stores its exit status. With
 * timeout_s > 0, sends SIGTERM when it expires and SIGKILL KILL_GRACE_MS later.
 * Returns 0, or a negative code when the container could not be waited for.
 */
static int supervise(mr_context *ctx, mr_container *c, int timeout_s, int *status)
{
  /* Readable once the init exits. -1 on kernels without pidfds: poll() then
   * ignores the entry and merely sleeps, so we look again every 100 ms. */
  struct pollfd pfd = {.fd = mr_container_pollfd(c), .events = POLLIN};
  long long deadline = timeout_s > 0 ? now_ms() + timeout_s * 1000LL : -1;
  int signals_sent = 0; /* 0: none, 1: SIGTERM, 2: SIGKILL */
  mr_error *err = NULL;
  int rc;

  /* With nohang set, mr_container_wait() reaps an exited init and returns 0,
   * or returns -EAGAIN while it still runs. */
  while ((rc = mr_container_wait(c, 1, status, &err)) == -EAGAIN) {
    mr_error_free(err);
    err = NULL;

    int ms = deadline < 0 ? -1 : (int)(deadline - now_ms());
    if (deadline >= 0 && ms <= 0) {
      /* Time is up: escalate. A failing kill is not fatal (the init may have
       * exited just now); the next wait tells. */
      int sig = signals_sent++ == 0 ? SIGTERM : SIGKILL;
      fprintf(stderr, "minimal-host: container %s: %s\n", mr_container_id(c),
              sig == SIGTERM ? "timed out, sending SIGTERM" : "still running, sending SIGKILL");
      if ((rc = mr_container_kill(ctx, mr_container_id(c), sig, 0, &err)) < 0)
        report(rc, &err);
      deadline = sig == SIGTERM ? now_ms() + KILL_GRACE_MS : -1;
      continue;
    }
    if (pfd.fd < 0 && (ms < 0 || ms > 100))
      ms = 100;
    if (poll(&pfd, 1, ms) < 0 && errno != EINTR) {
      rc = -errno;
      fprintf(stderr, "minimal-host: poll: %s\n", strerror(-rc));
      return rc;
    }
  }
  return rc < 0 ? report(rc, &err) : 0;
}

static void usage(FILE *f)
{
  fprintf(f, "usage: minimal-host [--state-root DIR] [--timeout SECS] [--verbose] BUNDLE ID\n");
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"state-root", required_argument, NULL, 'r'},
      {"timeout", required_argument, NULL, 't'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *state_root = NULL; /* NULL: the library default, /run/minirun */
  int timeout_s = 0, verbose = 0, opt;
  char *end;
  long v;

  while ((opt = getopt_long(argc, argv, "r:t:vh", longopts, NULL)) != -1) {
    switch (opt) {
    case 'r':
      state_root = optarg;
      break;
    case 't':
      errno = 0;
      v = strtol(optarg, &end, 10);
      if (errno || end == optarg || *end || v <= 0 || v > 86400) {
        fprintf(stderr, "minimal-host: --timeout: expected 1..86400 seconds, got '%s'\n", optarg);
        return HOST_FAILED;
      }
      timeout_s = (int)v;
      break;
    case 'v':
      verbose = 1;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return HOST_FAILED;
    }
  }
  if (argc - optind != 2) {
    usage(stderr);
    return HOST_FAILED;
  }
  const char *bundle = argv[optind], *id = argv[optind + 1];

  mr_context *ctx = NULL;
  mr_config *config = NULL;
  mr_container *c = NULL;
  mr_error *err = NULL;
  int rc, status = HOST_FAILED;

  if ((rc = mr_context_new(state_root, &ctx, &err)) < 0) {
    report(rc, &err);
    goto out;
  }
  mr_context_set_log(ctx, host_log, NULL, verbose ? MR_LOG_DEBUG : MR_LOG_WARNING);

  /* Load BUNDLE/config.json, then create and start the container. On failure
   * the library leaves nothing behind: no state, mount or process. */
  if ((rc = mr_config_load_bundle(ctx, bundle, &config, &err)) < 0 ||
      (rc = mr_container_run(ctx, id, config, NULL, &c, &err)) < 0) {
    report(rc, &err);
    goto out;
  }

  if (supervise(ctx, c, timeout_s, &status) < 0) {
    /* Cannot tell what the container does: kill and remove it. */
    status = HOST_FAILED;
    if ((rc = mr_container_delete(ctx, id, 1, &err)) < 0)
      report(rc, &err);
    goto out;
  }
  printf("container %s exited with status %d\n", id, status);
  fflush(stdout);

  /* The init is reaped: the container is stopped and can be removed. */
  if ((rc = mr_container_delete(ctx, id, 0, &err)) < 0) {
    report(rc, &err);
    status = HOST_FAILED;
  }

out:
  mr_container_free(c);
  mr_config_free(config);
  mr_context_free(ctx);
  return status;
}
