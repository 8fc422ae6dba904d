/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan.h - everything the container init needs, computed before clone().
 *
 * Between clone() and execve() the child may only make async-signal-safe
 * calls (the host may be multi-threaded: another thread could hold the malloc
 * lock at clone time). So the parent turns the spec into this plan - absolute
 * paths, mount flags, argv/envp arrays, id-map texts, opened namespace fds -
 * and the child only walks it issuing system calls.
 */
#ifndef MR_PLAN_H
#define MR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/join.h"
#include "cgroup/mount.h"
#include "container.h"
#include "hooks/hooks.h"
#include "procattr/procattr.h"
#include "procfs/procfs.h"
#include "procfs/sysctl.h"
#include "security/lsm.h"
#include "spec.h"

/* One entry of config.json "mounts", ready for mount(2). */
struct mount_op {
  const char *destination;   /* as in config.json, for messages */
  char *target;              /* rootfs + destination */
  char *source;              /* absolute for binds; may be NULL */
  char *fstype;              /* NULL for binds */
  char *data;                /* fs-specific options, or NULL */
  unsigned long flags;       /* MS_* for the mount itself (no propagation bits) */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [| MS_REC] */
  unsigned long long attr_set, attr_clr; /* recursive "r*" options: mount_setattr() */
  bool bind;
  bool recursive;     /* rbind */
  bool source_is_dir; /* binds: create a directory (else a file) as target */
  bool remount;       /* binds with flags: need a MS_REMOUNT|MS_BIND pass */
  bool tmpcopyup;     /* tmpfs: starts with a copy of the image's directory */
  bool src_nofollow;  /* binds: a symlink source is bound itself, not its target */
  bool dest_nofollow; /* a symlink at the destination is mounted on, not followed */
  bool copy_symlink;  /* binds: a symlink source is recreated, not mounted */
  char *symlink_text; /* copy_symlink and the source is a symlink: its text */
  enum { MOUNT_IDMAP_NONE, MOUNT_IDMAP, MOUNT_RIDMAP } idmap;
  int idmap_fd;            /* detached idmapped clone of source (open_tree), or -1 */
  char **host_submounts;   /* sysfs and v1 cgroup: mounts below the host tree a */
  size_t n_host_submounts; /* recursive bind copies (isolate/hostbind.h) */
  enum { MOUNT_PLAIN, MOUNT_CGROUP, MOUNT_SYSFS } kind;
};

/* A device node to create under /dev. */
struct device_op {
  char *target; /* rootfs + path */
  const char *path;
  mode_t mode; /* includes S_IFCHR/S_IFBLK/S_IFIFO */
  dev_t dev;
  uid_t uid;
  gid_t gid;
  char *host_path; /* bind source when mknod is not allowed (user ns) */
};

struct ns_join {
  int type; /* CLONE_NEW* */
  int fd;   /* opened before clone */
  const char *path;
};

/* Capability sets as the kernel's two 32-bit words (security/caps.c). */
struct cap_sets {
  uint32_t bounding[2], effective[2], permitted[2], inheritable[2], ambient[2];
  int last_cap; /* /proc/sys/kernel/cap_last_cap, read in the plan */
};

/* One entry of process.rlimits (procattr/rlimits.c). */
struct rlimit_op {
  int resource;
  uint64_t soft, hard;
  char *what; /* "config.json: process.rlimits[N]: set RLIMIT_X to ..." */
};

/* One entry of linux.netDevices (net/netdev.c). */
struct net_dev_op {
  const char *host_name; /* borrowed from the spec */
  const char *name;      /* inside the container */
  int ifindex;           /* on the host, found by the plan */
  char *addr_reqs;       /* RTM_NEWADDR requests restoring its addresses */
  size_t addr_reqs_len;
};

struct plan {
  const struct spec *spec;
  /* The child's own fds, as pointers to where they are stored so that the
   * parent can move them above the preserved range. Right after clone the
   * child closes every other fd except 0-2, the preserved ones and the stdio
   * sources: the host's fds (another container's locked state dir, its sync
   * socket, the run gate's write end) must not live on in a waiting init. */
  int **keep;
  size_t n_keep;
  /* Filled by plan_seal_fds() right before clone: the sorted fd numbers the
   * child keeps above 2 besides the preserved ones. Allocated there (the
   * count is unbounded: one per idmapped mount; the child cannot allocate). */
  int *kept;
  size_t n_kept;

  /* namespaces */
  unsigned long clone_flags; /* CLONE_NEW* to create */
  struct ns_join joins[SPEC_NS_COUNT];
  size_t n_joins;
  bool join_pid;           /* needs the two-step spawn (setns affects children only) */
  bool user_ns;            /* new user namespace: the parent writes the maps */
  char *uid_map, *gid_map; /* "0 100000 65536\n..." */
  char *timens_offsets;    /* "monotonic 1 0\nboottime 2 0\n" or NULL */
  /* exec (exec.h): joins a running container instead of building one */
  bool exec;
  int exec_pidfd;    /* the init's pidfd, or -1 */
  int exec_ns_flags; /* CLONE_NEW* for setns(exec_pidfd) */
  bool new_time_ns;

  /* rootfs */
  char *rootfs;                     /* absolute, realpath()ed; an image's mount point */
  struct image_root *image;         /* root.path is an image file (image/image.h), or NULL */
  unsigned long rootfs_propagation; /* MS_REC|MS_PRIVATE by default */
  bool rootfs_propagation_set;      /* apply to / after pivot as well */
  bool readonly;
  bool no_pivot;
  struct mount_op *mounts;
  size_t n_mounts;
  struct device_op *devices;
  size_t n_devices;
  char *dev_dir;        /* rootfs/dev */
  char *dev_pts_target; /* rootfs/dev/pts when a devpts mount exists: link ptmx */
  const char *hostname, *domainname;

  /* process */
  char **argv; /* NULL-terminated; the strings are borrowed from the spec */
  char **envp; /* NULL terminated; one spare slot for HOME */
  size_t n_env;
  const char *path_env; /* value of PATH in envp, or a default */
  const char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t n_groups;
  mode_t umask;
  bool no_new_keyring;
  int preserve_fds;
  int stdio[3];   /* fds to dup onto 0, 1, 2 (-1: keep) */
  char *home_env; /* "HOME=..." buffer filled in the child when HOME is unset */

  /* terminal */
  bool terminal;
  int console_fd; /* connected console socket, or -1 */
  unsigned short console_rows, console_cols;
  size_t home_env_size;

  /* hooks (built by hooks_plan() once the id is known) */
  struct hooks_plan hooks;

  /* seccomp (security/seccomp.c) */
  struct seccomp_plan seccomp;

  /* procfs writes, process attributes, LSM labels (see their headers) */
  struct procfs procfs; /* opened only when something below writes to procfs */
  struct sysctl_plan sysctl;
  struct procattr_plan procattr;
  struct lsm_plan lsm;
  /* confinement (security/, procattr/, net/) */
  struct cap_sets caps;
  bool no_new_privs;
  struct rlimit_op *rlimits;
  size_t n_rlimits;
  bool set_personality;
  unsigned long personality;
  struct net_dev_op *net_devs;
  size_t n_net_devs;
  char *listen_fds_env;    /* "LISTEN_FDS=n" (socket activation), or NULL */
  char listen_pid_env[32]; /* "LISTEN_PID=" + the pid, filled in the child */
  bool fill_listen_pid;

  /* cgroups (cgroup/place.h): the v2 directory clone3 puts the init into
   * (CLONE_INTO_CGROUP), -1 for none; spawn_init() reports whether it did. */
  int cgroup_fd;
  bool cloned_into_cgroup;
  struct cg_join cgroup_join;        /* v1: the init moves itself (borrowed, cgroup/join.h) */
  struct cg_mount_plan cgroup_mount; /* what a `cgroup` mount shows (cgroup/mount.h) */
};

/* Builds the plan for `config`; the plan borrows strings from it. `ctx`
 * receives debug logs. */
int plan_build(mr_context *ctx, const mr_config *config, const struct mr_create_opts *opts,
               struct plan *plan, mr_error **err);
/* Frees what plan_build allocated and closes the namespace fds. */
void plan_free(struct plan *plan);
/* Registers *fd (opened before clone, used by the child) as the child's own:
 * it survives the child's close-everything-else step. -ENOMEM at worst. */
int plan_keep_fd(struct plan *plan, int *fd, mr_error **err);
/* Frees the lists plan_keep_fd made (the fds are their owners'). */
void plan_keep_free(struct plan *plan);
/* Computes plan->kept from the registered fds and the stdio sources. */
int plan_seal_fds(struct plan *plan, mr_error **err);
/* Child side, async-signal-safe: closes every fd >= 3 except the preserved
 * ones and plan->kept; marks the kept ones close-on-exec. */
void plan_close_other_fds(const struct plan *plan);

#endif /* MR_PLAN_H */
