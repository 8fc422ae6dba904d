/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-compile.c - linux.seccomp to a BPF program with libseccomp.
 *
 * This is the expensive part (tens of millions of instructions for a
 * podman-sized profile); seccomp.c makes sure it runs once per config and,
 * with a cache, once per profile. Names were checked by seccomp_check_spec
 * already; errors here are libseccomp's and name the JSON path too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util.h"
#include "seccomp.h"

void seccomp_program_free(struct seccomp_program *p)
{
  if (p == NULL)
    return;
  free(p->insns);
  p->insns = NULL;
  p->n_insns = 0;
}

static int add_architectures(scmp_filter_ctx fc, const struct spec_seccomp *sc, mr_error **err)
{
  for (size_t i = 0; i < sc->n_architectures; i++) {
    char path[64];
    uint32_t arch = 0;
    snprintf(path, sizeof(path), "linux.seccomp.architectures[%zu]", i);
    int r = seccomp_parse_arch(sc->architectures[i], path, &arch, err);
    if (r < 0)
      return r;
    r = seccomp_arch_add(fc, arch);
    if (r < 0 && r != -EEXIST) /* the native one is always there */
      return mr_err_sys(err, -r, "config.json: %s: seccomp_arch_add", path);
  }
  return 0;
}

/* Conditions on the same argument cannot be ANDed in one libseccomp rule;
 * like runc, such a list becomes one rule per condition (OR). */
static bool repeats_index(const struct spec_seccomp_syscall *s)
{
  for (size_t i = 0; i < s->n_args; i++)
    for (size_t j = i + 1; j < s->n_args; j++)
      if (s->args[i].index == s->args[j].index)
        return true;
  return false;
}

static struct scmp_arg_cmp to_cmp(const struct spec_seccomp_arg *a, int op)
{
  /* MASKED_EQ: OCI "value" is the mask, "valueTwo" the expected value. */
  struct scmp_arg_cmp c = {
      .arg = a->index, .op = (enum scmp_compare)op, .datum_a = a->value, .datum_b = a->value_two};
  return c;
}

static int add_rules(const mr_context *ctx, scmp_filter_ctx fc,
                     const struct spec_seccomp_syscall *s, size_t i, uint32_t action,
                     mr_error **err)
{
  struct scmp_arg_cmp cmps[6 * 8];
  size_t n = s->n_args;
  if (n > sizeof(cmps) / sizeof(*cmps))
    return mr_err(err, -EINVAL, "config.json: linux.seccomp.syscalls[%zu].args: more than %zu", i,
                  sizeof(cmps) / sizeof(*cmps));
  for (size_t j = 0; j < n; j++) {
    int op = 0;
    char path[96];
    snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].args[%zu].op", i, j);
    int r = seccomp_parse_op(s->args[j].op, path, &op, err);
    if (r < 0)
      return r;
    cmps[j] = to_cmp(&s->args[j], op);
  }
  bool split = repeats_index(s);
  for (size_t k = 0; k < s->n_names; k++) {
    int nr = seccomp_syscall_resolve_name(s->names[k]);
    if (nr == __NR_SCMP_ERROR) {
      /* Profiles list syscalls of newer kernels/libseccomps: skip, as crun does. */
      mr_debug(ctx, "seccomp: unknown syscall \"%s\" skipped (linux.seccomp.syscalls[%zu])",
               s->names[k], i);
      continue;
    }
    int r = 0;
    if (!split)
      r = seccomp_rule_add_array(fc, action, nr, (unsigned)n, n ? cmps : NULL);
    for (size_t j = 0; split && r == 0 && j < n; j++)
      r = seccomp_rule_add_array(fc, action, nr, 1, &cmps[j]);
    if (r < 0)
      return mr_err_sys(err, -r, "config.json: linux.seccomp.syscalls[%zu]: syscall \"%s\"", i,
                        s->names[k]);
  }
  return 0;
}

static int add_syscalls(const mr_context *ctx, scmp_filter_ctx fc, const struct spec_seccomp *sc,
                        uint32_t default_action, mr_error **err)
{
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    const struct spec_seccomp_syscall *s = &sc->syscalls[i];
    char path[64];
    uint32_t action = 0;
    snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].action", i);
    int r = seccomp_parse_action(s->action, s->has_errno_ret, s->errno_ret, path, &action, err);
    if (r < 0)
      return r;
    /* libseccomp refuses rules that repeat the default; they change nothing. */
    if (action == default_action)
      continue;
    r = add_rules(ctx, fc, s, i, action, err);
    if (r < 0)
      return r;
  }
  return 0;
}

static int check_size(size_t size, mr_error **err)
{
  if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
      size / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return mr_err(err, -E2BIG,
                  "config.json: linux.seccomp: the compiled filter has %zu bytes (at most %d "
                  "instructions fit the kernel's limit)",
                  size, BPF_MAXINSNS);
  return 0;
}

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
/* libseccomp >= 2.6 exports to memory: ask for the size, then the program.
 * (Not exercised on this project's CI, which has 2.5.) */
static int export_program(scmp_filter_ctx fc, struct seccomp_program *out, mr_error **err)
{
  size_t size = 0;
  int r = seccomp_export_bpf_mem(fc, NULL, &size);
  if (r < 0)
    return mr_err_sys(err, -r, "seccomp: export the BPF program");
  r = check_size(size, err);
  if (r < 0)
    return r;
  struct sock_filter *insns = malloc(size);
  if (insns == NULL)
    return mr_err_sys(err, ENOMEM, "seccomp program");
  r = seccomp_export_bpf_mem(fc, insns, &size);
  if (r < 0) {
    free(insns);
    return mr_err_sys(err, -r, "seccomp: export the BPF program");
  }
  out->insns = insns;
  out->n_insns = size / sizeof(struct sock_filter);
  return 0;
}
#else
/* libseccomp 2.5 can only export to an fd: a memfd, read back. */
static int export_program(scmp_filter_ctx fc, struct seccomp_program *out, mr_error **err)
{
  cleanup_close int fd = memfd_create("minirun-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return mr_err_sys(err, errno, "seccomp: memfd_create");
  int r = seccomp_export_bpf(fc, fd);
  if (r < 0)
    return mr_err_sys(err, -r, "seccomp: export the BPF program");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return mr_err_sys(err, errno, "seccomp: fstat");
  size_t size = (size_t)st.st_size;
  r = check_size(size, err);
  if (r < 0)
    return r;
  struct sock_filter *insns = malloc(size);
  if (insns == NULL)
    return mr_err_sys(err, ENOMEM, "seccomp program");
  ssize_t n = pread(fd, insns, size, 0);
  if (n != (ssize_t)size) {
    free(insns);
    return mr_err_sys(err, n < 0 ? errno : EIO, "seccomp: read the BPF program");
  }
  out->insns = insns;
  out->n_insns = size / sizeof(struct sock_filter);
  return 0;
}
#endif

int seccomp_compile(const mr_context *ctx, const struct spec_seccomp *sc,
                    struct seccomp_program *out, mr_error **err)
{
  uint32_t default_action = 0;
  int r = seccomp_parse_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
                               "linux.seccomp.defaultAction", &default_action, err);
  if (r < 0)
    return r;
  scmp_filter_ctx fc = seccomp_init(default_action);
  if (fc == NULL)
    return mr_err(err, -EINVAL, "config.json: linux.seccomp.defaultAction: %s: not supported",
                  sc->default_action);
  r = add_architectures(fc, sc, err);
  if (r == 0)
    r = add_syscalls(ctx, fc, sc, default_action, err);
  if (r == 0)
    r = export_program(fc, out, err);
  seccomp_release(fc);
  return r;
}
