/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.h - the OCI runtime-spec config.json as plain C structs.
 *
 * spec.c is the only file that knows JSON; everything else reads these
 * structs. Every field of runtime-spec 1.2 is represented, including those
 * whose behaviour lands in later work, so that work only adds behaviour.
 *
 * Conventions: strings are NUL-terminated heap copies or NULL when absent;
 * arrays come with a count (string arrays are also NULL-terminated); optional scalars come with a
 * has_* flag; uint64 values are kept exact (parsed from the raw JSON number text).
 */
#ifndef MR_SPEC_H
#define MR_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mr_error;

struct spec_kv {
  char *key;
  char *value;
};

struct spec_rlimit {
  char *type; /* "RLIMIT_NOFILE" */
  uint64_t hard;
  uint64_t soft;
};

struct spec_capabilities {
  char **bounding;
  size_t n_bounding;
  char **effective;
  size_t n_effective;
  char **inheritable;
  size_t n_inheritable;
  char **permitted;
  size_t n_permitted;
  char **ambient;
  size_t n_ambient;
  bool present;
};

struct spec_user {
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* Windows only; parsed and ignored */
};

struct spec_console_size {
  bool present;
  uint16_t height; /* a struct winsize holds 16 bits */
  uint16_t width;
};

struct spec_scheduler {
  bool present;
  char *policy;
  int32_t nice;
  int32_t priority;
  char **flags;
  size_t n_flags;
  uint64_t runtime;
  uint64_t deadline;
  uint64_t period;
};

struct spec_io_priority {
  bool present;
  char *klass; /* "class" in JSON */
  int32_t priority;
};

struct spec_cpu_affinity {
  char *initial;
  char *final;
};

struct spec_process {
  bool present;
  bool terminal;
  struct spec_console_size console_size;
  struct spec_user user;
  char **args;
  size_t n_args;
  char *command_line; /* Windows only */
  char **env;
  size_t n_env;
  char *cwd;
  struct spec_capabilities capabilities;
  struct spec_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int32_t oom_score_adj;
  char *selinux_label;
  struct spec_scheduler scheduler;
  struct spec_io_priority io_priority;
  struct spec_cpu_affinity exec_cpu_affinity;
};

struct spec_root {
  char *path; /* as written in config.json */
  bool readonly;
};

struct spec_id_mapping {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct spec_mount {
  char *destination;
  char *type;
  char *source;
  char **options;
  size_t n_options;
  struct spec_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct spec_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct spec_hook {
  char *path;
  char **args;
  size_t n_args;
  char **env;
  size_t n_env;
  bool has_timeout;
  int32_t timeout;
};

struct spec_hook_list {
  struct spec_hook *hooks;
  size_t n_hooks;
};

struct spec_hooks {
  struct spec_hook_list prestart; /* deprecated, still honoured */
  struct spec_hook_list create_runtime;
  struct spec_hook_list create_container;
  struct spec_hook_list start_container;
  struct spec_hook_list poststart;
  struct spec_hook_list poststop;
};

enum spec_ns_type {
  SPEC_NS_PID = 0,
  SPEC_NS_NETWORK,
  SPEC_NS_MOUNT,
  SPEC_NS_IPC,
  SPEC_NS_UTS,
  SPEC_NS_USER,
  SPEC_NS_CGROUP,
  SPEC_NS_TIME,
  SPEC_NS_COUNT
};

struct spec_namespace {
  enum spec_ns_type type;
  char *path; /* NULL: create a new one */
};

struct spec_device {
  char *path;
  char type; /* 'c', 'b', 'u' or 'p' */
  int64_t major;
  int64_t minor;
  bool has_major, has_minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid;
  uint32_t uid;
  bool has_gid;
  uint32_t gid;
};

struct spec_device_cgroup {
  bool allow;
  char *type; /* "a", "c", "b" or NULL (= all) */
  bool has_major;
  int64_t major;
  bool has_minor;
  int64_t minor;
  char *access; /* "rwm" */
};

struct spec_weight_device {
  int64_t major;
  int64_t minor;
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
};

struct spec_throttle_device {
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct spec_hugepage_limit {
  char *page_size;
  uint64_t limit;
};

struct spec_net_priority {
  char *name;
  uint32_t priority;
};

struct spec_rdma {
  char *device;
  bool has_hca_handles;
  uint32_t hca_handles;
  bool has_hca_objects;
  uint32_t hca_objects;
};

/* Optional integers in resources: has_* says whether the key was present. */
struct spec_memory {
  bool present;
  bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
  int64_t limit, reservation, swap, kernel, kernel_tcp;
  uint64_t swappiness;
  bool has_disable_oom_killer, disable_oom_killer;
  bool has_use_hierarchy, use_hierarchy;
  bool has_check_before_update, check_before_update;
};

struct spec_cpu {
  bool present;
  bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period,
      has_idle;
  uint64_t shares, period, realtime_period, burst;
  int64_t quota, realtime_runtime, idle;
  char *cpus;
  char *mems;
};

struct spec_block_io {
  bool present;
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
  struct spec_weight_device *weight_device;
  size_t n_weight_device;
  struct spec_throttle_device *throttle_read_bps;
  size_t n_throttle_read_bps;
  struct spec_throttle_device *throttle_write_bps;
  size_t n_throttle_write_bps;
  struct spec_throttle_device *throttle_read_iops;
  size_t n_throttle_read_iops;
  struct spec_throttle_device *throttle_write_iops;
  size_t n_throttle_write_iops;
};

struct spec_resources {
  bool present;
  struct spec_device_cgroup *devices;
  size_t n_devices;
  struct spec_memory memory;
  struct spec_cpu cpu;
  bool has_pids_limit;
  int64_t pids_limit;
  struct spec_block_io block_io;
  struct spec_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  bool has_net_class_id;
  uint32_t net_class_id;
  struct spec_net_priority *net_priorities;
  size_t n_net_priorities;
  struct spec_rdma *rdma;
  size_t n_rdma;
  struct spec_kv *unified;
  size_t n_unified;
};

struct spec_seccomp_arg {
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  char *op; /* "SCMP_CMP_EQ" ... */
};

struct spec_seccomp_syscall {
  char **names;
  size_t n_names;
  char *action;
  bool has_errno_ret;
  uint32_t errno_ret;
  struct spec_seccomp_arg *args;
  size_t n_args;
};

struct spec_seccomp {
  bool present;
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures;
  size_t n_architectures;
  char **flags;
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct spec_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct spec_personality {
  bool present;
  char *domain;
  char **flags;
  size_t n_flags;
};

struct spec_intel_rdt {
  bool present;
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_cmt;
  bool enable_mbm;
};

struct spec_time_offset {
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

/* runtime-spec 1.3 linux.memoryPolicy */
struct spec_memory_policy {
  bool present;
  char *mode;  /* "MPOL_BIND" ... */
  char *nodes; /* "0-3,7" */
  char **flags;
  size_t n_flags;
};

/* One entry of linux.netDevices (runtime-spec 1.3): the map key is the
 * interface's name on the host. */
struct spec_net_device {
  char *host_name;
  char *name; /* name inside the container, or NULL: keep host_name */
};

struct spec_linux {
  bool present;
  struct spec_namespace *namespaces;
  size_t n_namespaces;
  struct spec_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct spec_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct spec_time_offset time_offset_boottime;
  struct spec_time_offset time_offset_monotonic;
  struct spec_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct spec_resources resources;
  char *rootfs_propagation;
  struct spec_seccomp seccomp;
  struct spec_kv *sysctl;
  size_t n_sysctl;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  struct spec_intel_rdt intel_rdt;
  struct spec_personality personality;
  struct spec_memory_policy memory_policy;
  struct spec_net_device *net_devices;
  size_t n_net_devices;
};

struct spec {
  char *oci_version;
  struct spec_process process;
  struct spec_root root;
  char *hostname;
  char *domainname;
  struct spec_mount *mounts;
  size_t n_mounts;
  struct spec_hooks hooks;
  struct spec_kv *annotations;
  size_t n_annotations;
  struct spec_linux linux_;
};

/* Parses config.json text. `origin` names the document in error messages
 * ("config.json"). Returns 0, or a negative code with *err set, e.g.
 * "config.json: process.args: expected array of strings". */
int spec_parse(const char *json, size_t len, const char *origin, struct spec **out,
               struct mr_error **err);
void spec_free(struct spec *spec);
/* Parses a LinuxResources object alone (what `update --resources` reads);
 * errors name fields as linux.resources.<field>. */
int spec_parse_resources(const char *json, size_t len, const char *origin,
                         struct spec_resources **out, struct mr_error **err);
void spec_resources_free(struct spec_resources *res);
/* A lone process object (exec's process.json) into *out; on failure *out
 * is left empty. Release with spec_process_free(). */
int spec_parse_process(const char *json, size_t len, const char *origin, struct spec_process *out,
                       struct mr_error **err);
void spec_process_free(struct spec_process *p);

/* The namespace entry of `type`, or NULL when the config does not list it. */
const struct spec_namespace *spec_find_namespace(const struct spec *spec, enum spec_ns_type type);
/* "pid", "network", ... */
const char *spec_ns_type_name(enum spec_ns_type type);

/* The default config.json of `minirun spec` (newly allocated string). */
int spec_default_json(bool rootless, char **out, struct mr_error **err);

#endif /* MR_SPEC_H */
