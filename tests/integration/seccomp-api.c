/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-api.c - the compiled seccomp filter lives on the mr_config.
 *
 *   seccomp-api BUNDLE STATE-ROOT N
 *
 * Loads BUNDLE once and runs N containers from it on each of two threads
 * (each thread with its own context, both sharing the config, no cache
 * directory). Prints one line per container ("exit S") and, last,
 * "compiled C" - how many times the library logged that it ran the
 * compiler. Uses the public API only.
 */
#define _GNU_SOURCE
#include <minirun.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int compiled;
static const char *root;
static mr_config *config;
static int n_runs;

static void on_log(void *data, enum mr_log_level level, const char *msg)
{
  (void)data;
  (void)level;
  if (strstr(msg, "seccomp: compiled") != NULL) {
    pthread_mutex_lock(&lock);
    compiled++;
    pthread_mutex_unlock(&lock);
  }
}

static void *runner(void *arg)
{
  long t = (long)arg;
  mr_context *ctx;
  mr_error *err = NULL;
  if (mr_context_new(root, &ctx, &err) < 0) {
    fprintf(stderr, "context: %s\n", mr_error_message(err));
    return NULL;
  }
  mr_context_set_log(ctx, on_log, NULL, MR_LOG_DEBUG);
  for (int i = 0; i < n_runs; i++) {
    char id[32];
    snprintf(id, sizeof(id), "api-%ld-%d", t, i);
    mr_container *c = NULL;
    int status = -1;
    if (mr_container_run(ctx, id, config, NULL, &c, &err) < 0 ||
        mr_container_wait(c, 0, &status, &err) < 0) {
      fprintf(stderr, "%s: %s\n", id, mr_error_message(err));
      mr_error_free(err);
      err = NULL;
    } else {
      mr_container_delete(ctx, id, 0, NULL);
    }
    pthread_mutex_lock(&lock);
    printf("exit %d\n", status);
    pthread_mutex_unlock(&lock);
    mr_container_free(c);
  }
  mr_context_free(ctx);
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc != 4)
    return 2;
  root = argv[2];
  n_runs = atoi(argv[3]);
  mr_context *ctx;
  mr_error *err = NULL;
  if (mr_context_new(root, &ctx, &err) < 0 ||
      mr_config_load_bundle(ctx, argv[1], &config, &err) < 0) {
    fprintf(stderr, "load: %s\n", mr_error_message(err));
    return 1;
  }
  pthread_t th[2];
  for (long t = 0; t < 2; t++)
    pthread_create(&th[t], NULL, runner, (void *)t);
  for (int t = 0; t < 2; t++)
    pthread_join(th[t], NULL);
  printf("compiled %d\n", compiled);
  mr_config_free(config);
  mr_context_free(ctx);
  return 0;
}
