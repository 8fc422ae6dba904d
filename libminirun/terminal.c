/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "sync.h"

int terminal_plan(const mr_config *config, const struct mr_create_opts *opts, struct plan *plan,
                  mr_error **err)
{
  plan->console_fd = -1;
  const struct spec_process *p = &config->spec->process;
  if (!p->terminal)
    return 0;
  const char *path = opts != NULL ? opts->console_socket : NULL;
  if (path == NULL)
    return mr_err(err, -EINVAL,
                  "config.json: process.terminal is true but no console socket was given "
                  "(mr_create_opts_set_console_socket, --console-socket)");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path))
    return mr_err(err, -ENAMETOOLONG, "console socket %s: path too long", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return mr_err_sys(err, errno, "console socket %s", path);
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    int e = errno;
    close(fd);
    return mr_err_sys(err, e, "console socket %s", path);
  }
  plan->console_fd = fd;
  plan->terminal = true;
  int r = plan_keep_fd(plan, &plan->console_fd, err);
  if (r < 0)
    return r;
  if (p->console_size.present) {
    plan->console_rows = p->console_size.height;
    plan->console_cols = p->console_size.width;
  }
  return 0;
}

void terminal_plan_free(struct plan *plan)
{
  if (plan->console_fd >= 0)
    close(plan->console_fd);
  plan->console_fd = -1;
}

/* ---- child side: async-signal-safe ---- */

static int send_master(int sock, int master, const char *name)
{
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof(control));
  struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* An empty regular /dev/console, whatever the image put there: a FIFO
 * would block an open, a symlink would lead the bind elsewhere. Returns an
 * O_PATH fd of it. */
static int console_mount_point(int sync_fd)
{
  int fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    return fd;
  if (fd >= 0) {
    close(fd);
    if (unlink("/dev/console") < 0)
      sync_fail(sync_fd, errno, "replace /dev/console of the image", NULL, NULL, NULL);
  }
  fd = open("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    sync_fail(sync_fd, errno, "create /dev/console", NULL, NULL, NULL);
  close(fd);
  fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    sync_fail(sync_fd, errno, "open /dev/console", NULL, NULL, NULL);
  return fd;
}

/* /dev/console of the container is its pty, as with runc and crun. */
static void bind_console(const char *pts, int sync_fd)
{
  int fd = console_mount_point(sync_fd);
  char target[64];
  struct sbuf b = {target, sizeof(target), 0};
  sbuf_add(&b, "/proc/self/fd/");
  sbuf_add_int(&b, fd);
  if (mount(pts, target, NULL, MS_BIND, NULL) < 0)
    sync_fail(sync_fd, errno, "bind ", pts, " on /dev/console", NULL);
  close(fd);
}

void terminal_setup(const struct plan *plan, int sync_fd)
{
  if (!plan->terminal)
    return;
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    sync_fail(sync_fd, errno, "open /dev/ptmx", NULL, NULL, NULL);
  int unlock = 0, n = -1;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
    sync_fail(sync_fd, errno, "set up pty", NULL, NULL, NULL);
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    sync_fail(sync_fd, errno, "open pty peer", NULL, NULL, NULL);
  char pts[64];
  struct sbuf b = {pts, sizeof(pts), 0};
  sbuf_add(&b, "/dev/pts/");
  sbuf_add_int(&b, n);
  if (plan->console_rows != 0 || plan->console_cols != 0) {
    struct winsize ws = {.ws_row = plan->console_rows, .ws_col = plan->console_cols};
    ioctl(slave, TIOCSWINSZ, &ws);
  }
  /* The process may drop to another uid: it must still own its terminal. */
  if (fchown(slave, plan->uid, (gid_t)-1) < 0)
    sync_fail(sync_fd, errno, "chown ", pts, NULL, NULL);
  /* /dev/console is the init's terminal; an exec'd process only gets its
   * own pty (as runc and crun). */
  if (!plan->exec)
    bind_console(pts, sync_fd);
  int r = send_master(plan->console_fd, master, pts);
  if (r < 0)
    sync_fail(sync_fd, -r, "send pty master to the console socket", NULL, NULL, NULL);
  close(master);
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
    sync_fail(sync_fd, errno, "make ", pts, " the controlling terminal", NULL);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0)
      sync_fail(sync_fd, errno, "set up terminal stdio", NULL, NULL, NULL);
  if (slave > 2)
    close(slave);
}
