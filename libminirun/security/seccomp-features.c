/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-features.c - the "seccomp" part of mr_features_json() (see
 * features.c): every name is put through the parser a config.json goes
 * through; the flags are probed on the running kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../jsonw.h"
#include "seccomp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The runtime-spec's names (config-linux.md, seccomp). */
static const char *const seccomp_actions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
};
static const char *const seccomp_ops[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
static const char *const seccomp_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};
/* Every architecture name of the runtime-spec (libseccomp's, upper case). */
static const char *const seccomp_archs[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
};

void seccomp_features(struct jw *w)
{
  jw_str(w, "seccomp");
  jw_map_open(w);
  jw_key_bool(w, "enabled", true);
  jw_str(w, "actions");
  jw_array_open(w);
  for (size_t i = 0; i < ARRAY_SIZE(seccomp_actions); i++) {
    uint32_t a;
    if (seccomp_parse_action(seccomp_actions[i], false, 0, "", &a, NULL) == 0)
      jw_str(w, seccomp_actions[i]);
  }
  jw_array_close(w);
  jw_str(w, "operators");
  jw_array_open(w);
  for (size_t i = 0; i < ARRAY_SIZE(seccomp_ops); i++) {
    int op;
    if (seccomp_parse_op(seccomp_ops[i], "", &op, NULL) == 0)
      jw_str(w, seccomp_ops[i]);
  }
  jw_array_close(w);
  /* Parsed, and addable to a filter here (libseccomp refuses an
   * architecture of the other byte order with EDOM). */
  jw_str(w, "archs");
  jw_array_open(w);
  scmp_filter_ctx probe = seccomp_init(SCMP_ACT_ALLOW);
  for (size_t i = 0; probe != NULL && i < ARRAY_SIZE(seccomp_archs); i++) {
    uint32_t arch;
    int r = seccomp_parse_arch(seccomp_archs[i], "", &arch, NULL);
    if (r == 0)
      r = seccomp_arch_add(probe, arch);
    if (r == 0 || r == -EEXIST)
      jw_str(w, seccomp_archs[i]);
  }
  if (probe != NULL)
    seccomp_release(probe);
  jw_array_close(w);
  jw_str(w, "knownFlags");
  jw_array_open(w);
  for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++) {
    unsigned int f;
    if (seccomp_flag_value(seccomp_flags[i], &f) == 0)
      jw_str(w, seccomp_flags[i]);
  }
  jw_array_close(w);
  /* What this kernel takes: an unknown flag fails with EINVAL before the
   * (missing) program is read, a known one with EFAULT. */
  jw_str(w, "supportedFlags");
  jw_array_open(w);
  for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++) {
    unsigned int f;
    if (seccomp_flag_value(seccomp_flags[i], &f) < 0)
      continue;
    if (f == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
      f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if (f == 0 || (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL) < 0 && errno == EFAULT))
      jw_str(w, seccomp_flags[i]);
  }
  jw_array_close(w);
  jw_map_close(w);
}

void seccomp_features_annotations(struct jw *w)
{
  const struct scmp_version *v = seccomp_version();
  char ver[48];
  snprintf(ver, sizeof(ver), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
  jw_key_str(w, "io.github.seccomp.libseccomp.version", ver);
}
