/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enosys-launcher - runs a command as if on an old kernel (4.14): the
 * system calls added since fail with ENOSYS, for the command and everything
 * it starts (seccomp filters are inherited across fork and exec).
 *
 *   enosys-launcher [-s NAME[,NAME...]] [-e ERRNO] [--] COMMAND [ARG...]
 *
 * -s (or $MR_ENOSYS_SYSCALLS): the system calls to fail, by name from the
 * table below or by number; default: all of the table, "timens" and "loopcfg". The
 * launcher exports MR_ENOSYS_SYSCALLS with the list it installed, so tests
 * can tell. -e EPERM (or a number) fails them with that errno instead, as
 * the seccomp profiles of older container engines do for system calls they
 * do not know (Docker before 20.10). "timens" is no system call: unshare() and setns() with
 * CLONE_NEWTIME fail with EINVAL, as before 5.6 (which had no such flag).
 * "loopcfg" neither: ioctl(LOOP_CONFIGURE) fails with EINVAL, as the loop
 * driver answered an ioctl it did not know before 5.8.
 *
 * No libseccomp: a plain BPF program, so the launcher builds and works in
 * every configuration (also --disable-seccomp). Root (CAP_SYS_ADMIN) may
 * install a filter without no_new_privs; the launcher sets no_new_privs
 * only when it must, so that setuid binaries in the tests behave as on a
 * real old kernel. Exit status 125 when it cannot set up, else COMMAND's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__ILP32__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64 /* x32 */
#elif defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && defined(__ARMEB__)
#define NATIVE_ARCH AUDIT_ARCH_ARMEB
#elif defined(__arm__)
#define NATIVE_ARCH AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define NATIVE_ARCH AUDIT_ARCH_S390X
#endif

/* Every interface newer than 4.14 that libminirun uses or might: one
 * number on every architecture (the unified table from 424 on). */
static const struct {
  const char *name;
  int nr;
} known[] = {
    {"pidfd_send_signal", 424},
    {"open_tree", 428},
    {"move_mount", 429},
    {"fsopen", 430},
    {"fsconfig", 431},
    {"fsmount", 432},
    {"fspick", 433},
    {"pidfd_open", 434},
    {"clone3", 435},
    {"close_range", 436},
    {"openat2", 437},
    {"pidfd_getfd", 438},
    {"mount_setattr", 442},
};
#define N_KNOWN           (sizeof(known) / sizeof(*known))
#define MAX_LIST          64
#define TIMENS            (-2) /* the pseudo-name "timens" */
#define LOOPCFG           (-3) /* the pseudo-name "loopcfg" */
#define MR_LOOP_CONFIGURE 0x4C0A
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int lookup(const char *name)
{
  if (strcmp(name, "timens") == 0)
    return TIMENS;
  if (strcmp(name, "loopcfg") == 0)
    return LOOPCFG;
  for (size_t i = 0; i < N_KNOWN; i++)
    if (strcmp(known[i].name, name) == 0)
      return known[i].nr;
  char *end;
  long v = strtol(name, &end, 10);
  return *name != '\0' && *end == '\0' && v >= 0 && v < 4096 ? (int)v : -1;
}

/* Parses the comma-separated list into nrs; returns the count or -1.
 * *timens, *loopcfg: those pseudo-names were in it. */
static int parse_list(char *list, int *nrs, bool *timens, bool *loopcfg)
{
  int n = 0;
  for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL;
       tok = strtok_r(NULL, ",", &save)) {
    int nr = lookup(tok);
    if (nr == TIMENS) {
      *timens = true;
      continue;
    }
    if (nr == LOOPCFG) {
      *loopcfg = true;
      continue;
    }
    if (nr < 0 || n == MAX_LIST) {
      fprintf(stderr, "enosys-launcher: unknown system call or too many: %s\n", tok);
      return -1;
    }
    nrs[n++] = nr;
  }
  return n;
}

/* The low 32 bits of argument i (flags: never above 32 bits). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

struct bpf_prog {
  struct sock_filter prog[MAX_LIST + 32];
  int n;
};

static int emit(struct bpf_prog *a, struct sock_filter f)
{
  a->prog[a->n] = f;
  return a->n++;
}

/* A conditional jump whose true target is fixed up later. */
static void set_jt(struct bpf_prog *a, int at, int target)
{
  a->prog[at].jt = (unsigned char)(target - at - 1);
}

static int install(const int *nrs, int n, bool timens, bool loopcfg, int err)
{
#ifndef NATIVE_ARCH
  (void)nrs;
  (void)n;
  (void)timens;
  (void)loopcfg;
  (void)err;
  fprintf(stderr, "enosys-launcher: unknown architecture\n");
  return -1;
#else
  struct bpf_prog a = {.n = 0};
  int jumps[MAX_LIST];
  /* Another ABI (i386 on x86_64): not ours to judge, allowed. */
  emit(&a,
       (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
  emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0));
  emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  emit(&a,
       (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
  for (int k = 0; k < n; k++)
    jumps[k] =
        emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[k], 0, 0));
  int j_unshare = -1, j_setns = -1;
  if (timens) {
    j_unshare =
        emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 0));
    j_setns = emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setns, 0, 0));
  }
  int j_ioctl = -1;
  if (loopcfg)
    j_ioctl = emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 0));
  emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  int enosys =
      emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err));
  for (int k = 0; k < n; k++)
    set_jt(&a, jumps[k], enosys);
  if (timens) {
    /* unshare(flags), setns(fd, nstype): CLONE_NEWTIME -> EINVAL. */
    int u = emit(&a, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
    int ju =
        emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWTIME, 0, 0));
    emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    int s = emit(&a, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
    int js =
        emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWTIME, 0, 0));
    emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    int einval =
        emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL));
    set_jt(&a, j_unshare, u);
    set_jt(&a, j_setns, s);
    set_jt(&a, ju, einval);
    set_jt(&a, js, einval);
  }
  if (loopcfg) {
    /* ioctl(fd, LOOP_CONFIGURE, ...) -> EINVAL. */
    int i = emit(&a, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
    int ji =
        emit(&a, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MR_LOOP_CONFIGURE, 0, 0));
    emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    int einval =
        emit(&a, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL));
    set_jt(&a, j_ioctl, i);
    set_jt(&a, ji, einval);
  }
  struct sock_fprog fprog = {.len = (unsigned short)a.n, .filter = a.prog};

  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0)
    return 0;
  if (errno != EACCES) {
    perror("enosys-launcher: seccomp");
    return -1;
  }
  /* Unprivileged: the kernel wants no_new_privs first. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0) {
    perror("enosys-launcher: seccomp");
    return -1;
  }
  return 0;
#endif
}

int main(int argc, char **argv)
{
  char def[512] = "";
  for (size_t i = 0; i < N_KNOWN; i++) {
    if (i > 0)
      strcat(def, ",");
    strcat(def, known[i].name);
  }
  strcat(def, ",timens,loopcfg");
  const char *list = getenv("MR_ENOSYS_SYSCALLS");
  if (list == NULL || *list == '\0')
    list = def;
  int opt, err = ENOSYS;
  while ((opt = getopt(argc, argv, "+s:e:h")) != -1) {
    if (opt == 's') {
      list = optarg;
    } else if (opt == 'e') {
      err = strcmp(optarg, "EPERM") == 0    ? EPERM
            : strcmp(optarg, "ENOSYS") == 0 ? ENOSYS
                                            : atoi(optarg);
      if (err <= 0 || err > 4095) {
        fprintf(stderr, "enosys-launcher: bad errno %s\n", optarg);
        return 125;
      }
    } else {
      fprintf(stderr, "usage: %s [-s NAME[,NAME...]] [-e ERRNO] [--] COMMAND [ARG...]\n", argv[0]);
      return opt == 'h' ? 0 : 125;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "usage: %s [-s NAME[,NAME...]] [-e ERRNO] [--] COMMAND [ARG...]\n", argv[0]);
    return 125;
  }
  char copy[1024];
  if (strlen(list) >= sizeof(copy)) {
    fprintf(stderr, "enosys-launcher: list too long\n");
    return 125;
  }
  strcpy(copy, list);
  int nrs[MAX_LIST];
  bool timens = false, loopcfg = false;
  int n = parse_list(copy, nrs, &timens, &loopcfg);
  if (n < 0 || install(nrs, n, timens, loopcfg, err) < 0)
    return 125;
  if (setenv("MR_ENOSYS_SYSCALLS", list, 1) < 0)
    return 125;
  execvp(argv[optind], argv + optind);
  fprintf(stderr, "enosys-launcher: %s: %s\n", argv[optind], strerror(errno));
  return 127;
}
