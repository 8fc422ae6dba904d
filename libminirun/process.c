/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mounts.h"
#include "sync.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HOME_MAX     512

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* Socket activation, as crun: LISTEN_FDS passes through, LISTEN_PID names
 * the container's process (its own pid is only known in the child). What
 * process.env sets explicitly wins. */
static int plan_listen_fds(const struct mr_create_opts *opts, struct plan *plan,
                           bool has_listen_fds, bool has_listen_pid, mr_error **err)
{
  if (opts->listen_fds > opts->preserve_fds)
    return mr_err(err, -EINVAL, "socket activation: %d listen fds but only %d preserved fds",
                  opts->listen_fds, opts->preserve_fds);
  if (!has_listen_fds) {
    if (asprintf(&plan->listen_fds_env, "LISTEN_FDS=%d", opts->listen_fds) < 0) {
      plan->listen_fds_env = NULL;
      return mr_err_sys(err, ENOMEM, "LISTEN_FDS");
    }
    plan->envp[plan->n_env++] = plan->listen_fds_env;
  }
  if (!has_listen_pid) {
    plan->fill_listen_pid = true;
    plan->envp[plan->n_env++] = plan->listen_pid_env;
  }
  return 0;
}

int process_plan(const mr_config *config, const struct mr_create_opts *opts, struct plan *plan,
                 mr_error **err)
{
  const struct spec_process *p = &config->spec->process;
  /* spec arrays carry a count; execve wants a NULL-terminated copy. */
  plan->argv = calloc(p->n_args + 1, sizeof(char *));
  if (plan->argv == NULL)
    return mr_err_sys(err, ENOMEM, "process.args");
  memcpy(plan->argv, p->args, p->n_args * sizeof(char *));
  plan->cwd = p->cwd != NULL ? p->cwd : "/";
  plan->uid = p->user.uid;
  plan->gid = p->user.gid;
  plan->umask = p->user.has_umask ? (mode_t)(p->user.umask & 0777) : 022;
  plan->n_groups = p->user.n_additional_gids;
  plan->groups = p->user.additional_gids;
  plan->path_env = DEFAULT_PATH;
  /* envp keeps one spare slot (and a buffer) for HOME, filled in the child
   * from the container's /etc/passwd when the config sets none. */
  plan->envp = calloc(p->n_env + 4, sizeof(char *));
  plan->home_env_size = HOME_MAX;
  plan->home_env = calloc(1, HOME_MAX);
  if (plan->envp == NULL || plan->home_env == NULL)
    return mr_err_sys(err, ENOMEM, "process.env");
  bool has_home = false, has_listen_fds = false, has_listen_pid = false;
  for (size_t i = 0; i < p->n_env; i++) {
    const char *e = p->env[i];
    if (strchr(e, '=') == NULL)
      return mr_err(err, -EINVAL, "config.json: process.env[%zu]: '%s' is not NAME=VALUE", i, e);
    if (strncmp(e, "PATH=", 5) == 0)
      plan->path_env = e + 5;
    if (strncmp(e, "HOME=", 5) == 0)
      has_home = true;
    if (strncmp(e, "LISTEN_FDS=", 11) == 0)
      has_listen_fds = true;
    if (strncmp(e, "LISTEN_PID=", 11) == 0)
      has_listen_pid = true;
    plan->envp[plan->n_env++] = p->env[i];
  }
  if (has_home) {
    free(plan->home_env);
    plan->home_env = NULL;
  }
  if (opts != NULL && opts->listen_fds > 0) {
    int r = plan_listen_fds(opts, plan, has_listen_fds, has_listen_pid, err);
    if (r < 0)
      return r;
  }
  if (opts != NULL) {
    plan->preserve_fds = opts->preserve_fds;
    plan->no_new_keyring = opts->no_new_keyring;
    memcpy(plan->stdio, opts->stdio, sizeof(plan->stdio));
  } else {
    plan->stdio[0] = plan->stdio[1] = plan->stdio[2] = -1;
  }
  return 0;
}

void process_plan_free(struct plan *plan)
{
  free(plan->argv);
  plan->argv = NULL;
  free(plan->envp);
  free(plan->home_env);
  free(plan->listen_fds_env);
  plan->listen_fds_env = NULL;
  plan->envp = NULL;
  plan->home_env = NULL;
}

/* ---- child side: async-signal-safe ---- */

/* glibc's set*id wrappers broadcast the change to every thread the host had;
 * in the cloned child those threads do not exist and the broadcast would
 * hang. The raw system calls change only this process, which is the point. */
#ifdef SYS_setresuid32 /* 32-bit ARM and x86: the plain ones take 16-bit ids */
#undef SYS_setresuid
#undef SYS_setresgid
#undef SYS_setgroups
#define SYS_setresuid SYS_setresuid32
#define SYS_setresgid SYS_setresgid32
#define SYS_setgroups SYS_setgroups32
#endif
int raw_setresuid(uid_t uid)
{
  return (int)syscall(SYS_setresuid, uid, uid, uid);
}
int raw_setresgid(gid_t gid)
{
  return (int)syscall(SYS_setresgid, gid, gid, gid);
}
int raw_setgroups(size_t n, const gid_t *groups)
{
  return (int)syscall(SYS_setgroups, n, groups);
}

void process_setup_fds(const struct plan *plan, int sync_fd)
{
  for (int i = 0; i < 3; i++)
    if (plan->stdio[i] >= 0 && plan->stdio[i] != i && dup2(plan->stdio[i], i) < 0)
      sync_fail(sync_fd, errno, "set up stdio", NULL, NULL, NULL);
  for (int fd = 3; fd < 3 + plan->preserve_fds; fd++)
    if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
      sync_fail(sync_fd, errno, "preserve fds", NULL, NULL, NULL);
  /* Nothing else of the host's is open any more (child_isolate), and what
   * the child keeps is close-on-exec. */
}

void process_make_cwd(const struct plan *plan, int sync_fd)
{
  char path[PROCESS_PATH_MAX];
  struct sbuf b = {path, sizeof(path), 0};
  sbuf_add(&b, plan->cwd);
  struct stat st;
  if (stat(path, &st) == 0)
    return;
  int r = util_mkdir_parents(path, 0755);
  if (r < 0)
    sync_fail(sync_fd, -r, "create cwd ", plan->cwd, NULL, NULL);
}

void process_set_identity(const struct plan *plan, int sync_fd)
{
  if (!plan->no_new_keyring)
    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL); /* best effort, as runc */
  /* In a user namespace with setgroups denied, only an empty list is
   * refused with EPERM: skip it then. */
  /* An unmapped user namespace has no id to switch to (the plan refused
   * any but 0): keep the one we have. */
  bool gids = !plan->user_ns || plan->gid_map != NULL;
  bool uids = !plan->user_ns || plan->uid_map != NULL;
  if (gids && raw_setgroups(plan->n_groups, plan->groups) < 0 &&
      !(errno == EPERM && plan->n_groups == 0))
    sync_fail(sync_fd, errno, "setgroups", NULL, NULL, NULL);
  if (gids && raw_setresgid(plan->gid) < 0)
    sync_fail(sync_fd, errno, "setresgid", NULL, NULL, NULL);
  if (uids && raw_setresuid(plan->uid) < 0)
    sync_fail(sync_fd, errno, "setresuid", NULL, NULL, NULL);
  umask(plan->umask);
  if (chdir(plan->cwd) < 0)
    sync_fail(sync_fd, errno, "chdir to cwd \"", plan->cwd, "\" set in config.json", NULL);
}

/* 0 when `path` is an executable regular file, else -errno. */
static int check_executable(const char *path)
{
  struct stat st;
  if (stat(path, &st) < 0)
    return -errno;
  if (S_ISDIR(st.st_mode))
    return -EACCES;
  if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
    return -EACCES;
  return 0;
}

static void fail_exec(int sync_fd, int e, const char *name, const char *why)
{
  /* Wording clients match on: podman maps these to exit codes 127/126. */
  sync_fail(sync_fd, -e, "exec \"", name, "\": ", why);
}

void process_resolve(const struct plan *plan, char *path, size_t size, int sync_fd)
{
  const char *name = plan->argv[0];
  if (strchr(name, '/') != NULL) {
    int r = check_executable(name);
    if (r == -ENOENT)
      fail_exec(sync_fd, ENOENT, name, "no such file or directory");
    if (r < 0)
      fail_exec(sync_fd, -r, name, r == -EACCES ? "permission denied" : "cannot execute");
    struct sbuf b = {path, size, 0};
    sbuf_add(&b, name);
    return;
  }
  bool denied = false;
  for (const char *dir = plan->path_env; dir != NULL;) {
    const char *end = strchr(dir, ':');
    size_t len = end ? (size_t)(end - dir) : strlen(dir);
    struct sbuf b = {path, size, 0};
    if (len == 0)
      sbuf_add(&b, ".");
    else
      for (size_t i = 0; i < len && b.len + 1 < size; i++)
        path[b.len++] = dir[i];
    path[b.len] = '\0';
    sbuf_add(&b, "/");
    sbuf_add(&b, name);
    int r = check_executable(path);
    if (r == 0)
      return;
    if (r == -EACCES)
      denied = true;
    dir = end ? end + 1 : NULL;
  }
  if (denied)
    fail_exec(sync_fd, EACCES, name, "permission denied");
  fail_exec(sync_fd, ENOENT, name, "executable file not found in $PATH");
}

/* The image's /etc/passwd is read by the runtime: anything but a regular
 * file of a sane size (a FIFO would block, /dev/zero never ends) is an
 * error. Returns the fd, or -1 when there is none. */
#define PASSWD_MAX (16 << 20)
static int open_passwd(int sync_fd)
{
  int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0 && errno == ENOENT)
    return -1;
  if (fd < 0)
    sync_fail(sync_fd, errno, "open /etc/passwd of the image (to find HOME)", NULL, NULL, NULL);
  struct stat st;
  if (fstat(fd, &st) < 0)
    sync_fail(sync_fd, errno, "stat /etc/passwd of the image", NULL, NULL, NULL);
  if (!S_ISREG(st.st_mode))
    sync_fail(sync_fd, -EINVAL,
              "/etc/passwd: not a regular file in the image (it is read to find HOME)", NULL, NULL,
              NULL);
  if (st.st_size > PASSWD_MAX)
    sync_fail(sync_fd, -EFBIG, "/etc/passwd: larger than 16 MiB in the image", NULL, NULL, NULL);
  return fd;
}

/* Looks up the home directory of `uid` in /etc/passwd, reading it in
 * chunks on the stack (no allocation). Returns false when not found. */
static bool passwd_home(uid_t uid, char *home, size_t size, int sync_fd)
{
  int fd = open_passwd(sync_fd);
  if (fd < 0)
    return false;
  char line[1024];
  size_t used = 0;
  bool found = false, skipping = false;
  char buf[512];
  ssize_t n;
  size_t total = 0;
  while (!found && total <= PASSWD_MAX && (n = read(fd, buf, sizeof(buf))) > 0) {
    total += (size_t)n;
    for (ssize_t i = 0; i < n && !found; i++) {
      if (buf[i] != '\n') {
        if (used + 1 < sizeof(line))
          line[used++] = buf[i];
        else
          skipping = true; /* an over-long line: ignore it */
        continue;
      }
      line[used] = '\0';
      /* name:passwd:uid:gid:gecos:home:shell */
      char *field[7] = {line};
      int nf = 1;
      for (char *p = line; *p && nf < 7; p++)
        if (*p == ':') {
          *p = '\0';
          field[nf++] = p + 1;
        }
      if (!skipping && nf >= 6) {
        uid_t u = 0;
        const char *s = field[2];
        bool ok = *s != '\0';
        for (; *s; s++)
          if (*s < '0' || *s > '9')
            ok = false;
          else
            u = u * 10 + (uid_t)(*s - '0');
        if (ok && u == uid && field[5][0] != '\0') {
          struct sbuf b = {home, size, 0};
          sbuf_add(&b, field[5]);
          found = true;
        }
      }
      used = 0;
      skipping = false;
    }
  }
  close(fd);
  return found;
}

void process_fill_home(struct plan *plan, int sync_fd)
{
  if (plan->home_env == NULL)
    return;
  struct sbuf b = {plan->home_env, plan->home_env_size, 0};
  sbuf_add(&b, "HOME=");
  if (!passwd_home(plan->uid, plan->home_env + b.len, plan->home_env_size - b.len, sync_fd))
    sbuf_add(&b, "/");
  plan->envp[plan->n_env] = plan->home_env;
}

void process_fill_listen_pid(struct plan *plan)
{
  if (!plan->fill_listen_pid)
    return;
  struct sbuf b = {plan->listen_pid_env, sizeof(plan->listen_pid_env), 0};
  sbuf_add(&b, "LISTEN_PID=");
  sbuf_add_int(&b, (long)syscall(SYS_getpid));
}

void process_exec(const struct plan *plan, const char *path, int sync_fd)
{
  execve(path, plan->argv, plan->envp);
  int e = errno;
  sync_fail(sync_fd, e, "exec \"", plan->argv[0], "\"", NULL);
}
