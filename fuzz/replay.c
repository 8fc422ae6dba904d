/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput() over the files of
 * its corpus without libFuzzer, so `make check` (any compiler, and the
 * sanitizer and valgrind builds) replays every seed and every regression
 * input (a crash the fuzzer once found) on every run.
 *   replay-TARGET DIR|FILE...   prints TAP: one `ok` per input
 * A failing input aborts (the targets check their invariants with abort()),
 * which the test harness reports as a failure naming the last input tried.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_inputs;

static int replay_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    return -1;
  }
  uint8_t *data = NULL;
  size_t len = 0, cap = 0, n;
  do {
    if (len == cap) {
      cap = cap * 2 + 4096;
      uint8_t *bigger = realloc(data, cap);
      if (bigger == NULL) {
        free(data);
        fclose(f);
        return -1;
      }
      data = bigger;
    }
    n = fread(data + len, 1, cap - len, f);
    len += n;
  } while (n > 0);
  fclose(f);
  printf("# %s\n", path);
  fflush(stdout); /* the name is in the log when the input aborts */
  /* Exactly `len` bytes, as libFuzzer passes them: a copy of that size lets
   * ASan and valgrind see any read past the end. */
  uint8_t *exact = malloc(len ? len : 1);
  if (exact == NULL) {
    free(data);
    return -1;
  }
  memcpy(exact, data, len);
  free(data);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  printf("ok %d - %s\n", ++n_inputs, path);
  return 0;
}

static int compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
  DIR *d = opendir(dir);
  if (d == NULL) {
    perror(dir);
    return -1;
  }
  char **paths = NULL;
  size_t n = 0;
  int r = 0;
  for (struct dirent *e; r == 0 && (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.')
      continue;
    char **more = realloc(paths, (n + 1) * sizeof(*paths));
    if (more == NULL || asprintf(&more[n], "%s/%s", dir, e->d_name) < 0)
      r = -1;
    else
      n++;
    if (more != NULL)
      paths = more;
  }
  closedir(d);
  if (n > 1)
    qsort(paths, n, sizeof(*paths), compare_names); /* a stable order in the log */
  for (size_t i = 0; i < n; i++) {
    if (r == 0)
      r = replay_file(paths[i]);
    free(paths[i]);
  }
  free(paths);
  return r;
}

int main(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    struct stat st;
    int r = stat(argv[i], &st) < 0 ? (perror(argv[i]), -1)
            : S_ISDIR(st.st_mode)  ? replay_dir(argv[i])
                                   : replay_file(argv[i]);
    if (r < 0) {
      printf("not ok %d - %s: cannot read\n", ++n_inputs, argv[i]);
      return 1;
    }
  }
  if (n_inputs == 0) {
    printf("not ok 1 - no inputs\n1..1\n");
    return 1;
  }
  printf("1..%d\n", n_inputs);
  return 0;
}
