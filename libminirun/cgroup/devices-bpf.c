/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/devices-bpf.c - the cgroup v2 device filter: a hand-assembled
 * BPF_PROG_TYPE_CGROUP_DEVICE program (no libbpf, no new dependency).
 *
 * The kernel calls it with struct bpf_cgroup_dev_ctx { access_type =
 * access << 16 | type, major, minor } and allows the access when it
 * returns 1. The rules are tested from the last to the first, so the last
 * matching rule wins, like successive writes to v1's devices.allow/deny;
 * no match allows (v1's starting state, and the spec's rules normally open
 * with a deny-all). An allow rule matches when every requested access is
 * in it, a deny rule when any is.
 *
 *   r2 = type, r3 = access, r4 = major, r5 = minor
 *   for each rule, last first:
 *     if r2 != type             goto next   (rule type 'a': no test)
 *     r1 = r3 & access; allow: if r1 != r3 goto next
 *                       deny:  if r1 == 0  goto next   (rwm: no test)
 *     if r4 != major            goto next   (-1: no test)
 *     if r5 != minor            goto next   (-1: no test)
 *     r0 = allow; exit
 *   next: ...
 *   r0 = 1; exit
 *
 * A rule without tests ends the program (the verifier refuses
 * unreachable instructions).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resources.h"

#define MAX_INSNS_PER_RULE 9

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn i;
  memset(&i, 0, sizeof(i));
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define AND_K(dst, imm)      insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_K(dst, imm)      insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define MOV_X(dst, src)      insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, imm)    insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_K(dst, imm)      insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm)
#define JEQ_K(dst, imm)      insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, 0, imm)
#define JNE_X(dst, src)      insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, 0, 0)
#define EXIT()               insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ALL_ACCESS (CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD)

/* Emits one rule at `at`; returns the number of instructions and sets
 * *final when the rule tests nothing (matches every access). */
static size_t emit_rule(struct bpf_insn *at, const struct cg_dev_rule *r, bool *final)
{
  size_t n = 0;
  if (r->type != 'a')
    at[n++] = JNE_K(2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if ((r->access & ALL_ACCESS) != ALL_ACCESS) {
    at[n++] = MOV_X(1, 3);
    at[n++] = AND_K(1, (int32_t)r->access);
    at[n++] = r->allow ? JNE_X(1, 3) : JEQ_K(1, 0);
  }
  if (r->major >= 0)
    at[n++] = JNE_K(4, (int32_t)r->major);
  if (r->minor >= 0)
    at[n++] = JNE_K(5, (int32_t)r->minor);
  *final = n == 0;
  at[n++] = MOV64_K(0, r->allow ? 1 : 0);
  at[n++] = EXIT();
  /* Every jump so far skips to the end of this rule. */
  for (size_t i = 0; i + 2 < n; i++)
    if (BPF_CLASS(at[i].code) == BPF_JMP)
      at[i].off = (int16_t)(n - i - 1);
  return n;
}

int cg_devices_build(const struct cg_dev_rule *rules, size_t n, struct cg_device_prog *out,
                     mr_error **err)
{
  out->insns = NULL;
  out->n_insns = 0;
  struct bpf_insn *p = calloc(6 + (n + 1) * MAX_INSNS_PER_RULE, sizeof(*p));
  if (p == NULL)
    return mr_err(err, -ENOMEM, "out of memory");
  size_t k = 0;
  p[k++] = LDX_W(2, 1, 0); /* access_type */
  p[k++] = AND_K(2, 0xffff);
  p[k++] = LDX_W(3, 1, 0);
  p[k++] = RSH_K(3, 16);
  p[k++] = LDX_W(4, 1, 4); /* major */
  p[k++] = LDX_W(5, 1, 8); /* minor */
  bool final = false;
  for (size_t i = n; i-- > 0 && !final;)
    k += emit_rule(p + k, &rules[i], &final);
  if (!final) {
    p[k++] = MOV64_K(0, 1);
    p[k++] = EXIT();
  }
  out->insns = p;
  out->n_insns = k;
  return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
  return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int prog_load(const struct cg_device_prog *p, mr_error **err)
{
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t)(uintptr_t)p->insns;
  a.insn_cnt = (uint32_t)p->n_insns;
  a.license = (uint64_t)(uintptr_t) "GPL";
  int fd = sys_bpf(BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd; /* bpf() file descriptors are always close-on-exec */
  int e = errno;
  if (e == EINVAL || e == ENOSYS)
    return mr_err_sys(err, e,
                      "linux.resources.devices: loading the cgroup device program (the kernel "
                      "needs BPF_PROG_TYPE_CGROUP_DEVICE, Linux 4.15)");
  return mr_err_sys(err, e, "linux.resources.devices: loading the cgroup device program");
}

/* The device programs attached to the directory itself, as fds. */
static int attached(int dirfd, int *fds, size_t max, size_t *n)
{
  uint32_t ids[64] = {0};
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.query.target_fd = (uint32_t)dirfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uint64_t)(uintptr_t)ids;
  a.query.prog_cnt = (uint32_t)max;
  *n = 0;
  if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
    return -errno;
  for (uint32_t i = 0; i < a.query.prog_cnt && i < max; i++) {
    union bpf_attr g;
    memset(&g, 0, sizeof(g));
    g.prog_id = ids[i];
    int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
    if (fd >= 0)
      fds[(*n)++] = fd;
  }
  return 0;
}

static int attach(int dirfd, int prog, int replace)
{
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.target_fd = (uint32_t)dirfd;
  a.attach_bpf_fd = (uint32_t)prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (replace >= 0) {
    a.attach_flags |= BPF_F_REPLACE;
    a.replace_bpf_fd = (uint32_t)replace;
  }
  return sys_bpf(BPF_PROG_ATTACH, &a) < 0 ? -errno : 0;
}

static int detach(int dirfd, int prog)
{
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.target_fd = (uint32_t)dirfd;
  a.attach_bpf_fd = (uint32_t)prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  return sys_bpf(BPF_PROG_DETACH, &a) < 0 ? -errno : 0;
}

/* Attaches the program to the cgroup v2 directory `dirfd`, replacing the
 * ones attached there before (an update): atomically with BPF_F_REPLACE
 * (Linux 5.6), else the new one is attached before the old ones are
 * detached, so the rules never loosen in between (with ALLOW_MULTI every
 * program must allow). */
int cg_devices_attach(int dirfd, const struct cg_device_prog *p, mr_error **err)
{
  return cg_devices_attach_how(dirfd, p, true, err);
}

int cg_devices_attach_how(int dirfd, const struct cg_device_prog *p, bool replace, mr_error **err)
{
  int fd = prog_load(p, err);
  if (fd < 0)
    return fd;
  int old[64];
  size_t n_old = 0;
  int r = attached(dirfd, old, 64, &n_old);
  if (r == -EINVAL || r == -ENOSYS)
    r = 0; /* no query: nothing of ours attached before */
  size_t first = 0;
  if (r == 0 && n_old > 0 && replace && attach(dirfd, fd, old[0]) == 0)
    first = 1;
  else if (r == 0)
    r = attach(dirfd, fd, -1);
  for (size_t i = first; i < n_old && r == 0; i++)
    r = detach(dirfd, old[i]);
  for (size_t i = 0; i < n_old; i++)
    close(old[i]);
  close(fd);
  if (r < 0)
    return mr_err_sys(err, -r, "linux.resources.devices: attaching the cgroup device program");
  return 0;
}
