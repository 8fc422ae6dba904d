/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-spec.c - the names of linux.seccomp (actions, operators,
 * architectures, flags) and the checks that run on every create, cache hit
 * or not: bad input is an error naming its JSON path, never skipped.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The runtime never calls these between loading the filter and execve but
 * sendmsg: a notified sendmsg would wait for a listener that has not got
 * the notify fd yet. */
static const char *const notify_forbidden[] = {"sendmsg"};

int seccomp_parse_action(const char *name, bool has_errno, uint32_t errno_ret, const char *path,
                         uint32_t *out, mr_error **err)
{
  static const struct {
    const char *name;
    uint32_t action;
    bool takes_errno;
  } actions[] = {
      {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
      {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
      {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
      {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
      {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
      {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
      {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
      {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
      {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
  };
  if (name == NULL)
    return mr_err(err, -EINVAL, "config.json: %s: missing", path);
  for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
    if (strcmp(name, actions[i].name) != 0)
      continue;
    if (!actions[i].takes_errno) {
      if (has_errno)
        return mr_err(err, -EINVAL,
                      "config.json: %s: errnoRet is only valid with SCMP_ACT_ERRNO and "
                      "SCMP_ACT_TRACE, not %s",
                      path, name);
      *out = actions[i].action;
      return 0;
    }
    /* runtime-spec: errnoRet defaults to EPERM. The kernel keeps 16 bits. */
    uint32_t e = has_errno ? errno_ret : EPERM;
    if (e > SECCOMP_RET_DATA)
      return mr_err(err, -EINVAL, "config.json: %s: errnoRet %u is out of range (0-%u)", path, e,
                    (unsigned)SECCOMP_RET_DATA);
    *out = actions[i].action | e;
    return 0;
  }
  return mr_err(err, -EINVAL, "config.json: %s: unknown action \"%s\"", path, name);
}

int seccomp_parse_op(const char *name, const char *path, int *out, mr_error **err)
{
  static const struct {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE},
      {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE},
      {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  if (name == NULL)
    return mr_err(err, -EINVAL, "config.json: %s: missing", path);
  for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
    if (strcmp(name, ops[i].name) == 0) {
      *out = (int)ops[i].op;
      return 0;
    }
  return mr_err(err, -EINVAL, "config.json: %s: unknown operator \"%s\"", path, name);
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64": the OCI names are libseccomp's
 * upper-cased, so every architecture this libseccomp knows is accepted. */
int seccomp_parse_arch(const char *name, const char *path, uint32_t *out, mr_error **err)
{
  static const char prefix[] = "SCMP_ARCH_";
  char lower[32];
  size_t n = name ? strlen(name) : 0;
  if (n > sizeof(prefix) - 1 && n - (sizeof(prefix) - 1) < sizeof(lower) &&
      strncmp(name, prefix, sizeof(prefix) - 1) == 0) {
    const char *s = name + sizeof(prefix) - 1;
    size_t i = 0;
    for (; s[i]; i++)
      lower[i] = (char)tolower((unsigned char)s[i]);
    lower[i] = '\0';
    uint32_t arch = seccomp_arch_resolve_name(lower);
    if (arch != 0) {
      *out = arch;
      return 0;
    }
  }
  return mr_err(err, -EINVAL, "config.json: %s: unknown architecture \"%s\"", path,
                name ? name : "");
}

static int parse_flag(const char *name, const char *path, unsigned int *flags, mr_error **err)
{
  static const struct {
    const char *name;
    unsigned int flag;
  } known[] = {
      /* The child is single-threaded when it loads the filter: every thread
       * of the process gets it, which is what TSYNC asks for (runc too
       * treats it as a no-op). */
      {"SECCOMP_FILTER_FLAG_TSYNC", 0},
      {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
      {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
      {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
  };
  for (size_t i = 0; i < ARRAY_SIZE(known); i++)
    if (strcmp(name, known[i].name) == 0) {
      *flags |= known[i].flag;
      return 0;
    }
  return mr_err(err, -EINVAL, "config.json: %s: unknown flag \"%s\"", path, name);
}

static int check_syscall(const struct spec_seccomp_syscall *s, size_t i, struct seccomp_check *out,
                         mr_error **err)
{
  char path[96];
  uint32_t action = 0;
  snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].action", i);
  int r = seccomp_parse_action(s->action, s->has_errno_ret, s->errno_ret, path, &action, err);
  if (r < 0)
    return r;
  if (action == SCMP_ACT_NOTIFY) {
    out->uses_notify = true;
    for (size_t j = 0; j < s->n_names; j++)
      for (size_t k = 0; k < ARRAY_SIZE(notify_forbidden); k++)
        if (strcmp(s->names[j], notify_forbidden[k]) == 0)
          return mr_err(err, -EINVAL,
                        "config.json: linux.seccomp.syscalls[%zu].names[%zu]: SCMP_ACT_NOTIFY "
                        "cannot be used for \"%s\" (the runtime sends the notify fd with it)",
                        i, j, s->names[j]);
  }
  for (size_t j = 0; j < s->n_args; j++) {
    int op = 0;
    snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].args[%zu].op", i, j);
    r = seccomp_parse_op(s->args[j].op, path, &op, err);
    if (r < 0)
      return r;
    if (s->args[j].index >= 6)
      return mr_err(err, -EINVAL,
                    "config.json: linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of "
                    "range (0-5)",
                    i, j, s->args[j].index);
  }
  return 0;
}

int seccomp_check_spec(const struct spec_seccomp *sc, struct seccomp_check *out, mr_error **err)
{
  memset(out, 0, sizeof(*out));
  int r = seccomp_parse_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
                               "linux.seccomp.defaultAction", &out->default_action, err);
  if (r < 0)
    return r;
  if (out->default_action == SCMP_ACT_NOTIFY)
    return mr_err(err, -EINVAL,
                  "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
                  "default action (the runtime could not send the notify fd)");
  char path[64];
  for (size_t i = 0; i < sc->n_architectures; i++) {
    uint32_t arch = 0;
    snprintf(path, sizeof(path), "linux.seccomp.architectures[%zu]", i);
    r = seccomp_parse_arch(sc->architectures[i], path, &arch, err);
    if (r < 0)
      return r;
  }
  for (size_t i = 0; i < sc->n_flags; i++) {
    snprintf(path, sizeof(path), "linux.seccomp.flags[%zu]", i);
    r = parse_flag(sc->flags[i], path, &out->flags, err);
    if (r < 0)
      return r;
  }
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    r = check_syscall(&sc->syscalls[i], i, out, err);
    if (r < 0)
      return r;
  }
  r = seccomp_check_rule_pairs(sc, err);
  if (r < 0)
    return r;
  bool listener = sc->listener_path != NULL && sc->listener_path[0] != '\0';
  if (out->uses_notify && !listener)
    return mr_err(err, -EINVAL,
                  "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
  if ((out->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !listener)
    return mr_err(err, -EINVAL,
                  "config.json: linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs "
                  "a listenerPath (it applies to notifications)");
  if (sc->listener_path != NULL && sc->listener_path[0] != '/')
    return mr_err(err, -EINVAL,
                  "config.json: linux.seccomp.listenerPath: '%s' is not an absolute path",
                  sc->listener_path);
  return 0;
}

int seccomp_flag_value(const char *name, unsigned int *flag)
{
  *flag = 0;
  return parse_flag(name, "linux.seccomp.flags", flag, NULL);
}
