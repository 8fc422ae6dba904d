/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../plan.h"
#include "../sync.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

struct lsm_host lsm_host_detect(void)
{
  struct lsm_host h = {false, false};
  struct stat st;
  if (stat("/sys/kernel/security/apparmor", &st) == 0 && S_ISDIR(st.st_mode)) {
    char c = 0;
    int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      h.apparmor = read(fd, &c, 1) == 1 && c == 'Y';
      close(fd);
    }
  }
  struct statfs sfs;
  h.selinux =
      statfs("/sys/fs/selinux", &sfs) == 0 && sfs.f_type == (typeof(sfs.f_type))SELINUX_MAGIC;
  return h;
}

/* A label is one line of text: a newline would start a second command in the
 * attribute file. */
static int check_label(const char *value, const char *field, mr_error **err)
{
  if (value[0] == '\0')
    return mr_err(err, -EINVAL, "config.json: %s: empty", field);
  for (const char *s = value; *s != '\0'; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      return mr_err(err, -EINVAL, "config.json: %s: control character in \"%s\"", field, value);
  if (strlen(value) > 4000)
    return mr_err(err, -EINVAL, "config.json: %s: longer than 4000 bytes", field);
  return 0;
}

int lsm_decide(const mr_config *config, struct lsm_host host, struct lsm_plan *out, mr_error **err)
{
  const struct spec *spec = config->spec;
  const char *profile = spec->process.apparmor_profile;
  const char *label = spec->process.selinux_label;
  const char *mount_label = spec->linux_.mount_label;
  memset(out, 0, sizeof(*out));
  int r = 0;
  if (profile != NULL)
    r = check_label(profile, "process.apparmorProfile", err);
  if (r == 0 && label != NULL)
    r = check_label(label, "process.selinuxLabel", err);
  if (r == 0 && mount_label != NULL) {
    r = check_label(mount_label, "linux.mountLabel", err);
    if (r == 0 && strchr(mount_label, '"') != NULL)
      r = mr_err(err, -EINVAL, "config.json: linux.mountLabel: '\"' in \"%s\"", mount_label);
  }
  if (r < 0)
    return r;
  if (profile != NULL) {
    if (!host.apparmor)
      out->apparmor_ignored = true;
    else if (asprintf(&out->apparmor_exec, "exec %s", profile) < 0)
      return mr_err_sys(err, ENOMEM, "apparmor profile");
  }
  if (label != NULL) {
    if (host.selinux)
      out->selinux_label = label;
    else
      out->selinux_ignored = true;
  }
  if (mount_label != NULL) {
    if (host.selinux)
      out->mount_label = mount_label;
    else
      out->mount_label_ignored = true;
  }
  return 0;
}

/* Filesystems that take a context= option: the ones we mount from
 * nothing, except the kernel's own pseudo filesystems. */
static bool takes_context(const struct mount_op *m)
{
  static const char *const own_labels[] = {"proc", "sysfs", "cgroup", "cgroup2"};
  if (m->bind || m->fstype == NULL)
    return false;
  for (size_t i = 0; i < sizeof(own_labels) / sizeof(*own_labels); i++)
    if (strcmp(m->fstype, own_labels[i]) == 0)
      return false;
  return true;
}

static int add_mount_label(struct plan *plan, const char *label, mr_error **err)
{
  for (size_t i = 0; i < plan->n_mounts; i++) {
    struct mount_op *m = &plan->mounts[i];
    if (!takes_context(m))
      continue;
    char *data = NULL;
    if (asprintf(&data, "%s%scontext=\"%s\"", m->data != NULL ? m->data : "",
                 m->data != NULL && m->data[0] != '\0' ? "," : "", label) < 0)
      return mr_err_sys(err, ENOMEM, "mount label");
    free(m->data);
    m->data = data;
  }
  return 0;
}

int lsm_plan(const mr_config *config, struct plan *plan, mr_error **err)
{
  const struct spec *spec = config->spec;
  if (spec->process.apparmor_profile == NULL && spec->process.selinux_label == NULL &&
      spec->linux_.mount_label == NULL)
    return 0;
  int r = lsm_decide(config, lsm_host_detect(), &plan->lsm, err);
  if (r == 0 && plan->lsm.mount_label != NULL)
    r = add_mount_label(plan, plan->lsm.mount_label, err);
  return r;
}

void lsm_plan_free(struct plan *plan)
{
  free(plan->lsm.apparmor_exec);
  plan->lsm.apparmor_exec = NULL;
}

bool lsm_needs_procfs(const struct lsm_plan *l)
{
  return l->apparmor_exec != NULL || l->selinux_label != NULL;
}

void lsm_log(const mr_context *ctx, const struct plan *plan)
{
  const struct spec *spec = plan->spec;
  if (plan->lsm.apparmor_ignored)
    mr_warn(ctx, "process.apparmorProfile \"%s\" ignored: AppArmor is not enabled on this host",
            spec->process.apparmor_profile);
  if (plan->lsm.selinux_ignored)
    mr_warn(ctx, "process.selinuxLabel \"%s\" ignored: SELinux is not enabled on this host",
            spec->process.selinux_label);
  if (plan->lsm.mount_label_ignored)
    mr_warn(ctx, "linux.mountLabel \"%s\" ignored: SELinux is not enabled on this host",
            spec->linux_.mount_label);
}

/* ---- child: async-signal-safe ---- */

static void write_attr(const struct plan *plan, const char *rel, bool thread, const char *text,
                       const char *what, int sync_fd)
{
  int fd = procfs_open_self(&plan->procfs, rel, thread, O_WRONLY);
  if (fd < 0)
    procfs_fail(sync_fd, fd, what, rel);
  int r = procfs_write_fd(fd, text);
  if (r < 0)
    sync_fail(sync_fd, -r, what, rel, ": write refused", NULL);
}

void lsm_apply(const struct plan *plan, int sync_fd)
{
  if (plan->lsm.apparmor_exec != NULL) {
    /* Since 5.8 each LSM has its own directory; attr/exec belongs to the
     * first LSM registered, which need not be AppArmor. */
    int fd = procfs_open_self(&plan->procfs, "attr/apparmor/exec", false, O_WRONLY);
    if (fd >= 0) {
      int r = procfs_write_fd(fd, plan->lsm.apparmor_exec);
      if (r < 0)
        sync_fail(sync_fd, -r, "process.apparmorProfile: write \"", plan->lsm.apparmor_exec,
                  "\" to /proc/self/attr/apparmor/exec", NULL);
    } else if (fd == -ENOENT) {
      write_attr(plan, "attr/exec", false, plan->lsm.apparmor_exec,
                 "process.apparmorProfile: /proc/self/", sync_fd);
    } else {
      procfs_fail(sync_fd, fd, "process.apparmorProfile: /proc/self/", "attr/apparmor/exec");
    }
  }
  if (plan->lsm.selinux_label != NULL)
    write_attr(plan, "attr/exec", true, plan->lsm.selinux_label,
               "process.selinuxLabel: /proc/thread-self/", sync_fd);
}
