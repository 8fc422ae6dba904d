/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-pairs.c - pairs of linux.seccomp rules that libseccomp cannot
 * compile.
 *
 * libseccomp 2.5 does not come back from seccomp_rule_add() (minutes of
 * CPU, found twice by fuzz-seccomp) for two rules of one syscall whose
 * comparisons, in argument order, share a prefix that ends in a range or
 * "not equal" comparison and then go on differently:
 *   read(a0 < 10 && a1 == 1) and read(a0 < 10 && a2 == 1),
 *   read(a0 <= 0 && a5 < 10) and read(a0 <= 0 && a5 == 10).
 * Not every such pair hangs (a5 > 10 against a5 < 10 compiles), but the
 * shape is refused whole: its exact edge inside libseccomp is unknown, and
 * an error naming both rules beats holding create (and a CPU) with no
 * bound. A prefix ending in SCMP_CMP_EQ or SCMP_CMP_MASKED_EQ, or next
 * comparisons differing only in their value, compile in microseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>

#include "seccomp.h"

/* A rule's comparisons sorted by argument index; n = 0 when the rule has
 * none or compares one argument twice (compiled differently: not this
 * case). */
struct sorted_args {
  const struct spec_seccomp_arg *arg[6];
  int op[6];
  size_t n;
};

static void sort_args(const struct spec_seccomp_syscall *s, struct sorted_args *out)
{
  out->n = 0;
  if (s->n_args == 0 || s->n_args > 6)
    return;
  for (size_t j = 0; j < s->n_args; j++) {
    size_t k = out->n;
    int op = 0;
    if (s->args[j].index >= 6 || seccomp_parse_op(s->args[j].op, "", &op, NULL) < 0) {
      out->n = 0;
      return;
    }
    while (k > 0 && out->arg[k - 1]->index > s->args[j].index) {
      out->arg[k] = out->arg[k - 1];
      out->op[k] = out->op[k - 1];
      k--;
    }
    if (k > 0 && out->arg[k - 1]->index == s->args[j].index) {
      out->n = 0;
      return;
    }
    out->arg[k] = &s->args[j];
    out->op[k] = op;
    out->n++;
  }
}

static bool same_comparison(const struct sorted_args *a, const struct sorted_args *b, size_t k)
{
  return a->arg[k]->index == b->arg[k]->index && a->op[k] == b->op[k] &&
         a->arg[k]->value == b->arg[k]->value && a->arg[k]->value_two == b->arg[k]->value_two;
}

/* The shape above, for two rules' sorted comparisons. */
static bool does_not_compile(const struct sorted_args *a, const struct sorted_args *b)
{
  size_t k = 0;
  while (k < a->n && k < b->n && same_comparison(a, b, k))
    k++;
  if (k == 0 || k == a->n || k == b->n)
    return false;
  int last = a->op[k - 1];
  return last != SCMP_CMP_EQ && last != SCMP_CMP_MASKED_EQ &&
         (a->arg[k]->index != b->arg[k]->index || a->op[k] != b->op[k]);
}

static bool share_a_name(const struct spec_seccomp_syscall *a, const struct spec_seccomp_syscall *b,
                         const char **name)
{
  for (size_t i = 0; i < a->n_names; i++)
    for (size_t j = 0; j < b->n_names; j++)
      if (strcmp(a->names[i], b->names[j]) == 0) {
        *name = a->names[i];
        return true;
      }
  return false;
}

int seccomp_check_rule_pairs(const struct spec_seccomp *sc, mr_error **err)
{
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    struct sorted_args a;
    sort_args(&sc->syscalls[i], &a);
    if (a.n < 2)
      continue;
    for (size_t j = i + 1; j < sc->n_syscalls; j++) {
      struct sorted_args b;
      const char *name = NULL;
      sort_args(&sc->syscalls[j], &b);
      if (b.n < 2 || !does_not_compile(&a, &b) ||
          !share_a_name(&sc->syscalls[i], &sc->syscalls[j], &name))
        continue;
      return mr_err(err, -EINVAL,
                    "config.json: linux.seccomp.syscalls[%zu].args and "
                    "linux.seccomp.syscalls[%zu].args: two rules for \"%s\" share a leading "
                    "range or \"not equal\" comparison and then compare differently, "
                    "which libseccomp cannot compile (it does not terminate); make the shared "
                    "comparison the last one of both rules, or merge them",
                    i, j, name);
    }
  }
  return 0;
}
