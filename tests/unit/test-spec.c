/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-spec.c - unit tests of the config.json parser and the default config.
 *
 * The parser is the boundary between untrusted text and every other part of
 * the runtime, so these tests pin down where each field lands, that 64-bit
 * values stay exact, and the exact wording of the errors users will see.
 * Output is TAP. JSON in this file is written with single quotes for
 * readability; jq() turns them into double quotes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "spec.h"

#include "../jq.h"
#include "../tap.h"

static bool streq(const char *a, const char *b)
{
  return a != NULL && b != NULL && !strcmp(a, b);
}

/* Parses single-quoted JSON; on failure stores the message in *msg. */
static struct spec *parse(const char *sq_json, char **msg)
{
  char *json = jq(sq_json);
  struct spec *s = NULL;
  mr_error *err = NULL;
  int r = spec_parse(json, strlen(json), "config.json", &s, &err);
  free(json);
  if (msg != NULL)
    *msg = r < 0 ? strdup(mr_error_message(err)) : NULL;
  if (r < 0 && (err == NULL || mr_error_code(err) != r))
    ok(false, "error object matches return code %d", r);
  mr_error_free(err);
  return r < 0 ? NULL : s;
}

/* ------------------------------------------------------------------------ */

static const char full_config[] =
    "{'ociVersion': '1.2.0',"
    " 'process': {"
    "  'terminal': false,"
    "  'consoleSize': {'height': 25, 'width': 80},"
    "  'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 4294967294],"
    "           'username': 'alice'},"
    "  'args': ['/bin/sh', '-c', 'echo hi'],"
    "  'commandLine': 'cmd.exe /c dir',"
    "  'env': ['PATH=/usr/bin', 'HOME=/root'],"
    "  'cwd': '/work',"
    "  'capabilities': {'bounding': ['CAP_KILL', 'CAP_CHOWN'], 'effective': ['CAP_KILL'],"
    "                   'inheritable': [], 'permitted': ['CAP_KILL'], 'ambient': ['CAP_KILL']},"
    "  'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 18446744073709551615, 'soft': 1024},"
    "              {'type': 'RLIMIT_CORE', 'hard': 0, 'soft': 0}],"
    "  'noNewPrivileges': true,"
    "  'apparmorProfile': 'acme_secure_profile',"
    "  'oomScoreAdj': -1000,"
    "  'selinuxLabel': 'system_u:system_r:svirt_lxc_net_t:s0:c124,c675',"
    "  'scheduler': {'policy': 'SCHED_DEADLINE', 'nice': -20, 'priority': 99,"
    "                'flags': ['SCHED_FLAG_RESET_ON_FORK'], 'runtime': 1000000,"
    "                'deadline': 2000000, 'period': 3000000},"
    "  'ioPriority': {'class': 'IOPRIO_CLASS_IDLE', 'priority': 4},"
    "  'execCPUAffinity': {'initial': '7', 'final': '0-3,7'}"
    " },"
    " 'root': {'path': 'rootfs', 'readonly': true},"
    " 'hostname': 'slartibartfast',"
    " 'domainname': 'example.org',"
    " 'mounts': ["
    "  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
    "  {'destination': '/data', 'type': 'bind', 'source': '/srv/data', 'options': ['rbind', 'ro'],"
    "   'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
    "   'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 1000}]}"
    " ],"
    " 'hooks': {"
    "  'prestart': [{'path': '/usr/bin/fix-mounts', 'args': ['fix-mounts', 'arg1'],"
    "                'env': ['key1=value1']}],"
    "  'createRuntime': [{'path': '/usr/bin/setup-network'},"
    "                    {'path': '/usr/bin/hook2', 'timeout': 5}],"
    "  'createContainer': [{'path': '/usr/bin/cc'}],"
    "  'startContainer': [{'path': '/usr/bin/refresh-ldcache'}],"
    "  'poststart': [{'path': '/usr/bin/notify-start', 'timeout': 7}],"
    "  'poststop': [{'path': '/usr/sbin/cleanup.sh', 'args': ['cleanup.sh', '-f']}]"
    " },"
    " 'annotations': {'com.example.key1': 'value1', 'com.example.key2': 'value2'},"
    " 'linux': {"
    "  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/var/run/netns/neta'},"
    "                 {'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'}, {'type': 'user'},"
    "                 {'type': 'cgroup'}, {'type': 'time'}],"
    "  'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 32000}],"
    "  'gidMappings': [{'containerID': 1, 'hostID': 2000, 'size': 16000}],"
    "  'timeOffsets': {'boottime': {'secs': -5, 'nanosecs': 10},"
    "                  'monotonic': {'secs': 9223372036854775807, 'nanosecs': 999999999}},"
    "  'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229,"
    "               'fileMode': 438, 'uid': 0, 'gid': 0},"
    "              {'path': '/dev/sda', 'type': 'b', 'major': 8, 'minor': 0},"
    "              {'path': '/dev/fifo', 'type': 'p'}],"
    "  'cgroupsPath': '/myRuntime/myContainer',"
    "  'resources': {"
    "   'devices': [{'allow': false, 'access': 'rwm'},"
    "               {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'}],"
    "   'memory': {'limit': 9223372036854775807, 'reservation': 536870912, 'swap': -1,"
    "              'kernel': -1, 'kernelTCP': -1, 'swappiness': 0, 'disableOOMKiller': false,"
    "              'useHierarchy': true, 'checkBeforeUpdate': true},"
    "   'cpu': {'shares': 1024, 'quota': 1000000, 'burst': 1000000, 'period': 500000,"
    "           'realtimeRuntime': 950000, 'realtimePeriod': 1000000, 'cpus': '2-3',"
    "           'mems': '0-7', 'idle': 1},"
    "   'pids': {'limit': 32771},"
    "   'blockIO': {'weight': 10, 'leafWeight': 20,"
    "     'weightDevice': [{'major': 8, 'minor': 0, 'weight': 500, 'leafWeight': 300},"
    "                      {'major': 8, 'minor': 16, 'weight': 500}],"
    "     'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 600}],"
    "     'throttleWriteBpsDevice': [{'major': 8, 'minor': 16, 'rate': 18446744073709551615}],"
    "     'throttleReadIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 1000}],"
    "     'throttleWriteIOPSDevice': [{'major': 8, 'minor': 16, 'rate': 300}]},"
    "   'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200},"
    "                      {'pageSize': '64KB', 'limit': 1000000}],"
    "   'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500},"
    "                                                  {'name': 'eth1', 'priority': 1000}]},"
    "   'rdma': {'mlx5_1': {'hcaHandles': 3, 'hcaObjects': 10000},"
    "            'mlx4_0': {'hcaObjects': 1000}},"
    "   'unified': {'io.max': '259:0 rbps=2097152', 'memory.high': 'max'}"
    "  },"
    "  'rootfsPropagation': 'slave',"
    "  'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1,"
    "    'architectures': ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'],"
    "    'flags': ['SECCOMP_FILTER_FLAG_LOG'], 'listenerPath': '/run/seccomp.sock',"
    "    'listenerMetadata': 'meta',"
    "    'syscalls': [{'names': ['getcwd', 'chmod'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38},"
    "                 {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "                  'args': [{'index': 0, 'value': 8, 'valueTwo': 18446744073709551615,"
    "                            'op': 'SCMP_CMP_MASKED_EQ'}]}]},"
    "  'sysctl': {'net.ipv4.ip_forward': '1', 'net.core.somaxconn': '256'},"
    "  'maskedPaths': ['/proc/kcore'],"
    "  'readonlyPaths': ['/proc/sys', '/proc/sysrq-trigger'],"
    "  'mountLabel': 'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811',"
    "  'intelRdt': {'closID': 'guaranteed_group', 'l3CacheSchema': 'L3:0=7f0;1=1f',"
    "               'memBwSchema': 'MB:0=20;1=70', 'enableCMT': true, 'enableMBM': true},"
    "  'personality': {'domain': 'LINUX32', 'flags': []},"
    "  'netDevices': {'eth1': {'name': 'ctr0'}, 'eth2': {}},"
    "  'futureLinuxField': {'a': [1, {'b': null}]}"
    " },"
    " 'vm': {'hypervisor': {'path': '/usr/bin/qemu'}},"
    " 'futureField': [true, 1.5, 'x']"
    "}";

static void test_process(const struct spec *s)
{
  const struct spec_process *p = &s->process;
  ok(p->present && !p->terminal, "process present, terminal false");
  ok(p->console_size.present && p->console_size.height == 25 && p->console_size.width == 80,
     "process.consoleSize");
  ok(p->user.uid == 1000 && p->user.gid == 1001, "process.user.uid/gid");
  ok(p->user.has_umask && p->user.umask == 18, "process.user.umask");
  ok(p->user.n_additional_gids == 2 && p->user.additional_gids[0] == 5 &&
         p->user.additional_gids[1] == UINT32_MAX - 1,
     "process.user.additionalGids incl. UINT32_MAX");
  ok(streq(p->user.username, "alice"), "process.user.username");
  ok(p->n_args == 3 && streq(p->args[2], "echo hi") && p->args[3] == NULL,
     "process.args, NULL-terminated");
  ok(streq(p->command_line, "cmd.exe /c dir"), "process.commandLine");
  ok(p->n_env == 2 && streq(p->env[1], "HOME=/root") && p->env[2] == NULL, "process.env");
  ok(streq(p->cwd, "/work"), "process.cwd");
  ok(p->capabilities.present && p->capabilities.n_bounding == 2 &&
         streq(p->capabilities.bounding[1], "CAP_CHOWN") && p->capabilities.n_effective == 1 &&
         p->capabilities.n_permitted == 1 && p->capabilities.n_ambient == 1,
     "process.capabilities");
  ok(p->capabilities.inheritable != NULL && p->capabilities.n_inheritable == 0,
     "empty capabilities.inheritable is present and empty");
  ok(p->n_rlimits == 2 && streq(p->rlimits[0].type, "RLIMIT_NOFILE") &&
         p->rlimits[0].hard == UINT64_MAX && p->rlimits[0].soft == 1024,
     "process.rlimits[0].hard = 18446744073709551615 exactly");
  ok(p->no_new_privileges, "process.noNewPrivileges");
  ok(streq(p->apparmor_profile, "acme_secure_profile"), "process.apparmorProfile");
  ok(p->has_oom_score_adj && p->oom_score_adj == -1000, "process.oomScoreAdj");
  ok(streq(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675"),
     "process.selinuxLabel");
  ok(p->scheduler.present && streq(p->scheduler.policy, "SCHED_DEADLINE") &&
         p->scheduler.nice == -20 && p->scheduler.priority == 99 && p->scheduler.n_flags == 1 &&
         p->scheduler.runtime == 1000000 && p->scheduler.deadline == 2000000 &&
         p->scheduler.period == 3000000,
     "process.scheduler");
  ok(p->io_priority.present && streq(p->io_priority.klass, "IOPRIO_CLASS_IDLE") &&
         p->io_priority.priority == 4,
     "process.ioPriority.class/priority");
  ok(streq(p->exec_cpu_affinity.initial, "7") && streq(p->exec_cpu_affinity.final, "0-3,7"),
     "process.execCPUAffinity.initial/final");
}

static void test_top_level(const struct spec *s)
{
  ok(streq(s->oci_version, "1.2.0"), "ociVersion");
  ok(streq(s->root.path, "rootfs") && s->root.readonly, "root.path/readonly");
  ok(streq(s->hostname, "slartibartfast") && streq(s->domainname, "example.org"),
     "hostname/domainname");
  ok(s->n_mounts == 2 && streq(s->mounts[0].destination, "/proc") && s->mounts[0].options == NULL,
     "mounts[0] without options");
  const struct spec_mount *m = &s->mounts[1];
  ok(streq(m->type, "bind") && streq(m->source, "/srv/data") && m->n_options == 2 &&
         streq(m->options[1], "ro"),
     "mounts[1].type/source/options");
  ok(m->n_uid_mappings == 1 && m->uid_mappings[0].host_id == 100000 &&
         m->uid_mappings[0].size == 65536 && m->n_gid_mappings == 1 &&
         m->gid_mappings[0].host_id == 200000,
     "mounts[1].uidMappings/gidMappings");
  const struct spec_hooks *h = &s->hooks;
  ok(h->prestart.n_hooks == 1 && streq(h->prestart.hooks[0].path, "/usr/bin/fix-mounts") &&
         h->prestart.hooks[0].n_args == 2 && streq(h->prestart.hooks[0].env[0], "key1=value1"),
     "hooks.prestart");
  ok(h->create_runtime.n_hooks == 2 && !h->create_runtime.hooks[0].has_timeout &&
         h->create_runtime.hooks[1].has_timeout && h->create_runtime.hooks[1].timeout == 5,
     "hooks.createRuntime with timeout");
  ok(streq(h->create_container.hooks[0].path, "/usr/bin/cc") &&
         streq(h->start_container.hooks[0].path, "/usr/bin/refresh-ldcache") &&
         h->poststart.hooks[0].timeout == 7 && h->poststop.hooks[0].n_args == 2,
     "hooks.createContainer/startContainer/poststart/poststop");
  ok(s->n_annotations == 2 && streq(s->annotations[0].key, "com.example.key1") &&
         streq(s->annotations[1].value, "value2"),
     "annotations map");
}

static void test_linux(const struct spec *s)
{
  const struct spec_linux *l = &s->linux_;
  ok(l->present && l->n_namespaces == 8, "linux.namespaces count");
  const struct spec_namespace *net = spec_find_namespace(s, SPEC_NS_NETWORK);
  ok(net != NULL && streq(net->path, "/var/run/netns/neta"), "network namespace path");
  ok(spec_find_namespace(s, SPEC_NS_TIME) != NULL &&
         spec_find_namespace(s, SPEC_NS_PID)->path == NULL,
     "time namespace, pid namespace without path");
  ok(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 1000 &&
         l->uid_mappings[0].size == 32000 && l->gid_mappings[0].container_id == 1 &&
         l->gid_mappings[0].host_id == 2000,
     "linux.uidMappings/gidMappings");
  ok(l->time_offset_boottime.present && l->time_offset_boottime.secs == -5 &&
         l->time_offset_boottime.nanosecs == 10 && l->time_offset_monotonic.secs == INT64_MAX &&
         l->time_offset_monotonic.nanosecs == 999999999,
     "linux.timeOffsets.boottime/monotonic");
  ok(l->n_devices == 3 && l->devices[0].type == 'c' && l->devices[0].major == 10 &&
         l->devices[0].minor == 229 && l->devices[0].has_file_mode &&
         l->devices[0].file_mode == 438 && l->devices[0].has_uid && !l->devices[1].has_uid &&
         l->devices[1].type == 'b' && l->devices[2].type == 'p',
     "linux.devices");
  ok(streq(l->cgroups_path, "/myRuntime/myContainer"), "linux.cgroupsPath");
  ok(streq(l->rootfs_propagation, "slave"), "linux.rootfsPropagation");
  ok(l->n_sysctl == 2 && streq(l->sysctl[0].key, "net.ipv4.ip_forward") &&
         streq(l->sysctl[0].value, "1"),
     "linux.sysctl map");
  ok(l->n_masked_paths == 1 && l->n_readonly_paths == 2 &&
         streq(l->readonly_paths[1], "/proc/sysrq-trigger"),
     "linux.maskedPaths/readonlyPaths");
  ok(streq(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811"),
     "linux.mountLabel");
  ok(l->intel_rdt.present && streq(l->intel_rdt.clos_id, "guaranteed_group") &&
         streq(l->intel_rdt.l3_cache_schema, "L3:0=7f0;1=1f") &&
         streq(l->intel_rdt.mem_bw_schema, "MB:0=20;1=70") && l->intel_rdt.enable_cmt &&
         l->intel_rdt.enable_mbm,
     "linux.intelRdt.closID/...");
  ok(l->personality.present && streq(l->personality.domain, "LINUX32") &&
         l->personality.n_flags == 0,
     "linux.personality");
  ok(l->n_net_devices == 2 && streq(l->net_devices[0].host_name, "eth1") &&
         streq(l->net_devices[0].name, "ctr0") && streq(l->net_devices[1].host_name, "eth2") &&
         l->net_devices[1].name == NULL,
     "linux.netDevices map");
}

static void test_resources(const struct spec *s)
{
  const struct spec_resources *r = &s->linux_.resources;
  ok(r->present && r->n_devices == 2 && !r->devices[0].allow && r->devices[0].type == NULL &&
         !r->devices[0].has_major && r->devices[1].allow && streq(r->devices[1].type, "c") &&
         r->devices[1].has_minor && r->devices[1].minor == 229 && streq(r->devices[1].access, "rw"),
     "linux.resources.devices");
  const struct spec_memory *m = &r->memory;
  ok(m->present && m->has_limit && m->limit == INT64_MAX,
     "memory.limit = 9223372036854775807 exactly");
  ok(m->has_swap && m->swap == -1 && m->has_reservation && m->reservation == 536870912 &&
         m->has_kernel_tcp && m->has_swappiness && m->swappiness == 0,
     "memory.swap/reservation/kernelTCP/swappiness");
  ok(m->has_disable_oom_killer && !m->disable_oom_killer && m->has_use_hierarchy &&
         m->use_hierarchy && m->has_check_before_update && m->check_before_update,
     "memory booleans with has_ flags");
  const struct spec_cpu *c = &r->cpu;
  ok(c->present && c->shares == 1024 && c->quota == 1000000 && c->has_burst &&
         c->period == 500000 && c->realtime_runtime == 950000 && c->realtime_period == 1000000 &&
         streq(c->cpus, "2-3") && streq(c->mems, "0-7") && c->has_idle && c->idle == 1,
     "linux.resources.cpu");
  ok(r->has_pids_limit && r->pids_limit == 32771, "linux.resources.pids.limit");
  const struct spec_block_io *b = &r->block_io;
  ok(b->present && b->weight == 10 && b->leaf_weight == 20 && b->n_weight_device == 2 &&
         b->weight_device[0].leaf_weight == 300 && !b->weight_device[1].has_leaf_weight,
     "blockIO.weight/leafWeight/weightDevice");
  ok(b->n_throttle_read_bps == 1 && b->throttle_read_bps[0].rate == 600 &&
         b->throttle_write_bps[0].minor == 16 && b->throttle_write_bps[0].rate == UINT64_MAX &&
         b->throttle_read_iops[0].rate == 1000 && b->throttle_write_iops[0].rate == 300,
     "blockIO.throttleReadBpsDevice/... (uint64 max rate)");
  ok(r->n_hugepage_limits == 2 && streq(r->hugepage_limits[1].page_size, "64KB") &&
         r->hugepage_limits[0].limit == 209715200,
     "hugepageLimits");
  ok(r->has_net_class_id && r->net_class_id == 1048577 && r->n_net_priorities == 2 &&
         streq(r->net_priorities[1].name, "eth1") && r->net_priorities[1].priority == 1000,
     "network.classID/priorities");
  ok(r->n_rdma == 2 && streq(r->rdma[0].device, "mlx5_1") && r->rdma[0].hca_handles == 3 &&
         r->rdma[0].hca_objects == 10000 && streq(r->rdma[1].device, "mlx4_0") &&
         !r->rdma[1].has_hca_handles && r->rdma[1].has_hca_objects,
     "rdma map device -> hcaHandles/hcaObjects");
  ok(r->n_unified == 2 && streq(r->unified[1].key, "memory.high") &&
         streq(r->unified[0].value, "259:0 rbps=2097152"),
     "unified map");
}

static void test_seccomp(const struct spec *s)
{
  const struct spec_seccomp *sc = &s->linux_.seccomp;
  ok(sc->present && streq(sc->default_action, "SCMP_ACT_ALLOW") && sc->has_default_errno_ret &&
         sc->default_errno_ret == 1,
     "seccomp.defaultAction/defaultErrnoRet");
  ok(sc->n_architectures == 2 && streq(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG") &&
         streq(sc->listener_path, "/run/seccomp.sock") && streq(sc->listener_metadata, "meta"),
     "seccomp.architectures/flags/listenerPath/listenerMetadata");
  ok(sc->n_syscalls == 2 && sc->syscalls[0].n_names == 2 && sc->syscalls[0].has_errno_ret &&
         sc->syscalls[0].errno_ret == 38 && !sc->syscalls[1].has_errno_ret,
     "seccomp.syscalls[].errnoRet");
  const struct spec_seccomp_arg *a = &sc->syscalls[1].args[0];
  ok(sc->syscalls[1].n_args == 1 && a->index == 0 && a->value == 8 && a->value_two == UINT64_MAX &&
         streq(a->op, "SCMP_CMP_MASKED_EQ"),
     "seccomp.syscalls[].args[] (valueTwo uint64 max)");
}

static void test_full(void)
{
  char *msg = NULL;
  struct spec *s = parse(full_config, &msg);
  ok(s != NULL, "full-featured config parses (unknown fields ignored)%s%s", msg ? ": " : "",
     msg ? msg : "");
  free(msg);
  if (s == NULL)
    return;
  test_top_level(s);
  test_process(s);
  test_linux(s);
  test_resources(s);
  test_seccomp(s);
  spec_free(s);
}

/* ------------------------------------------------------------------------ */

struct error_case {
  const char *members; /* added after 'ociVersion' */
  const char *message;
};

static const struct error_case error_cases[] = {
    {"'linux': {'netDevices': ['eth0']}", "config.json: linux.netDevices: expected object"},
    {"'linux': {'netDevices': {'eth0': {'name': 1}}}",
     "config.json: linux.netDevices.eth0.name: expected string"},
    {"'linux': {'netDevices': {'eth0': 'x'}}",
     "config.json: linux.netDevices.eth0: expected object"},
    {"'process': {'args': 'sh'}", "config.json: process.args: expected array of strings"},
    {"'process': {'args': ['sh', 1]}", "config.json: process.args: expected array of strings"},
    {"'process': {'user': {'uid': -1}}",
     "config.json: process.user.uid: expected id from 0 to 4294967294 "
     "(4294967295 is (uid_t)-1, \"no change\")"},
    {"'process': {'user': {'uid': 4294967296}}",
     "config.json: process.user.uid: expected id from 0 to 4294967294 "
     "(4294967295 is (uid_t)-1, \"no change\")"},
    {"'process': {'user': {'uid': '0'}}",
     "config.json: process.user.uid: expected id from 0 to 4294967294 "
     "(4294967295 is (uid_t)-1, \"no change\")"},
    {"'process': {'user': {'gid': 1.5}}",
     "config.json: process.user.gid: expected id from 0 to 4294967294 "
     "(4294967295 is (uid_t)-1, \"no change\")"},
    {"'process': {'user': {'gid': 1e3}}",
     "config.json: process.user.gid: expected id from 0 to 4294967294 "
     "(4294967295 is (uid_t)-1, \"no change\")"},
    {"'process': {'user': {'uid': 4294967295}}",
     "config.json: process.user.uid: expected id from 0 to 4294967294 "
     "(4294967295 is (uid_t)-1, \"no change\")"},
    {"'process': {'user': {'additionalGids': [1, -2]}}",
     "config.json: process.user.additionalGids[1]: expected id from 0 to 4294967294 "
     "(4294967295 is (uid_t)-1, \"no change\")"},
    {"'process': {'terminal': 'yes'}", "config.json: process.terminal: expected boolean"},
    {"'process': 'x'", "config.json: process: expected object"},
    {"'process': {'oomScoreAdj': 2147483648}",
     "config.json: process.oomScoreAdj: expected signed 32-bit integer"},
    {"'process': {'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 18446744073709551616}]}",
     "config.json: process.rlimits[0].hard: expected unsigned 64-bit integer"},
    {"'mounts': [{'destination': '/a'}, {'destination': '/b'}, {'destination': 5}]",
     "config.json: mounts[2].destination: expected string"},
    {"'mounts': {}", "config.json: mounts: expected array"},
    {"'mounts': [1]", "config.json: mounts[0]: expected object"},
    {"'mounts': [{'destination': '/a', 'uidMappings': [{'size': -1}]}]",
     "config.json: mounts[0].uidMappings[0].size: expected unsigned 32-bit integer"},
    {"'hooks': {'createRuntime': [{'path': '/x', 'timeout': 0}]}",
     "config.json: hooks.createRuntime[0].timeout: must be greater than zero"},
    {"'hooks': {'poststop': [{'path': 1}]}",
     "config.json: hooks.poststop[0].path: expected string"},
    {"'annotations': []", "config.json: annotations: expected object"},
    {"'annotations': {'a': 'b', 'c': 1}", "config.json: annotations.c: expected string"},
    {"'linux': {'namespaces': [{'type': 'pid'}, {'type': 'foo'}]}",
     "config.json: linux.namespaces[1].type: unknown namespace type 'foo'"},
    {"'linux': {'namespaces': [{'type': 'pid'}, {'type': 'ipc'}, {'type': 'pid'}]}",
     "config.json: linux.namespaces: duplicate namespace type 'pid'"},
    {"'linux': {'namespaces': [{'path': '/proc/1/ns/pid'}]}",
     "config.json: linux.namespaces[0].type: missing"},
    {"'linux': {'devices': [{'path': '/dev/x', 'type': 'x'}]}",
     "config.json: linux.devices[0].type: unknown device type 'x' (expected c, b, u or p)"},
    {"'linux': {'devices': [{'path': '/dev/x', 'type': 'cb'}]}",
     "config.json: linux.devices[0].type: unknown device type 'cb' (expected c, b, u or p)"},
    {"'linux': {'devices': [{'type': 'c', 'major': 1, 'minor': 3}]}",
     "config.json: linux.devices[0].path: missing"},
    {"'linux': {'resources': {'devices': [{'allow': true, 'type': 'u'}]}}",
     "config.json: linux.resources.devices[0].type: unknown device type 'u' (expected a, b or c)"},
    {"'linux': {'resources': {'memory': {'limit': 9223372036854775808}}}",
     "config.json: linux.resources.memory.limit: expected signed 64-bit integer"},
    {"'linux': {'resources': {'blockIO': {'weight': 65536}}}",
     "config.json: linux.resources.blockIO.weight: expected unsigned 16-bit integer"},
    {"'linux': {'resources': {'pids': {'limit': 'max'}}}",
     "config.json: linux.resources.pids.limit: expected signed 64-bit integer"},
    {"'linux': {'resources': {'network': {'priorities': [{'name': 'eth0', 'priority': -1}]}}}",
     "config.json: linux.resources.network.priorities[0].priority: expected unsigned 32-bit "
     "integer"},
    {"'linux': {'resources': {'rdma': {'mlx5_1': {'hcaHandles': -1}}}}",
     "config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected unsigned 32-bit integer"},
    {"'linux': {'resources': {'unified': {'memory.max': 5}}}",
     "config.json: linux.resources.unified.memory.max: expected string"},
    {"'linux': {'sysctl': {'net.ipv4.ip_forward': true}}",
     "config.json: linux.sysctl.net.ipv4.ip_forward: expected string"},
    {"'linux': {'seccomp': {'syscalls': [{'names': ['read'], 'errnoRet': 'EPERM'}]}}",
     "config.json: linux.seccomp.syscalls[0].errnoRet: expected unsigned 32-bit integer"},
    {"'linux': {'seccomp': {'syscalls': [{'args': [{'index': 0, 'value': -1}]}]}}",
     "config.json: linux.seccomp.syscalls[0].args[0].value: expected unsigned 64-bit integer"},
    {"'linux': {'timeOffsets': {'monotonic': {'nanosecs': -1}}}",
     "config.json: linux.timeOffsets.monotonic.nanosecs: expected unsigned 32-bit integer"},
    {"'linux': {'intelRdt': {'enableCMT': 1}}",
     "config.json: linux.intelRdt.enableCMT: expected boolean"},
    {"'linux': {'maskedPaths': [null]}",
     "config.json: linux.maskedPaths: expected array of strings"},
};

static void test_errors(void)
{
  for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
    const struct error_case *e = &error_cases[i];
    char *json = NULL, *msg = NULL;
    if (asprintf(&json, "{'ociVersion': '1.0.0', %s}", e->members) < 0)
      abort();
    struct spec *s = parse(json, &msg);
    ok(s == NULL && streq(msg, e->message), "error: %s%s%s", e->message,
       streq(msg, e->message) ? "" : " -- got: ",
       streq(msg, e->message) ? ""
       : msg                  ? msg
                              : "(parsed)");
    spec_free(s);
    free(msg);
    free(json);
  }
}

static void expect_error(const char *json, const char *message, const char *what)
{
  char *msg = NULL;
  struct spec *s = parse(json, &msg);
  ok(s == NULL && streq(msg, message), "%s: %s%s%s", what, message,
     streq(msg, message) ? "" : " -- got: ",
     streq(msg, message) ? ""
     : msg               ? msg
                         : "(parsed)");
  spec_free(s);
  free(msg);
}

static void test_document_errors(void)
{
  expect_error("{'ociVersion': '1.0.0'", "config.json: invalid JSON: parse error: premature EOF",
               "truncated JSON");
  expect_error("{ociVersion: 1}",
               "config.json: invalid JSON: lexical error: invalid char in json text.",
               "unquoted key");
  expect_error("{'ociVersion': '1.0.0'} x",
               "config.json: invalid JSON: parse error: trailing garbage", "trailing garbage");
  expect_error("", "config.json: invalid JSON: parse error: premature EOF", "empty text");
  expect_error("[]", "config.json: expected a JSON object", "top level array");
  expect_error("{}", "config.json: ociVersion: missing", "no ociVersion");
  expect_error("{'ociVersion': null}", "config.json: ociVersion: missing", "null ociVersion");
  expect_error("{'ociVersion': 1}", "config.json: ociVersion: expected string",
               "numeric ociVersion");
  expect_error("{'ociVersion': '1.0.0', 'hostname': 'a\\u0000b'}",
               "config.json: invalid JSON: strings must not contain NUL (\\u0000)",
               "\\u0000 in a string");

  char deep[2 * 300 + 64];
  size_t n = (size_t)sprintf(deep, "{'ociVersion': '1.0.0', 'x': ");
  for (int i = 0; i < 300; i++)
    deep[n++] = '[';
  for (int i = 0; i < 300; i++)
    deep[n++] = ']';
  strcpy(deep + n, "}");
  expect_error(deep, "config.json: invalid JSON: nested deeper than 128 levels", "deep nesting");

  /* Brackets inside strings and comments do not count as nesting. */
  char *msg = NULL;
  struct spec *s = parse("{'ociVersion': '1.0.0', /* [[[[ ' */ 'hostname': '[[[[\\'[[['}", &msg);
  ok(s != NULL && streq(s->hostname, "[[[[\"[[["), "brackets in strings and comments%s%s",
     msg ? ": " : "", msg ? msg : "");
  spec_free(s);
  free(msg);

  mr_error *err = NULL;
  int r = spec_parse("{\"ociVersion\": 5}", 17, "bundle/config.json", &s, &err);
  ok(r == -EINVAL &&
         streq(mr_error_message(err), "bundle/config.json: ociVersion: expected string"),
     "origin names the document, code is -EINVAL");
  mr_error_free(err);
  err = NULL;
  r = spec_parse("{\"ociVersion\": \"1.0.0\"}\0garbage", 31, "config.json", &s, &err);
  ok(r < 0 && streq(mr_error_message(err), "config.json: invalid JSON: NUL byte in the text"),
     "NUL byte in the text refused");
  mr_error_free(err);
}

static void test_versions(void)
{
  const char *good[] = {"1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.0", "1.3.0"};
  const char *bad[] = {"2.0.0", "2.0", "0.9.0", "10.0.0", "1", "", "v1.0.0"};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    char *json = NULL;
    if (asprintf(&json, "{'ociVersion': '%s'}", good[i]) < 0)
      abort();
    struct spec *s = parse(json, NULL);
    ok(s != NULL && streq(s->oci_version, good[i]), "ociVersion %s accepted", good[i]);
    spec_free(s);
    free(json);
  }
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *json = NULL, *expected = NULL;
    if (asprintf(&json, "{'ociVersion': '%s'}", bad[i]) < 0 ||
        asprintf(&expected, "config.json: ociVersion: unsupported version '%s' (expected 1.x)",
                 bad[i]) < 0)
      abort();
    expect_error(json, expected, "ociVersion refused");
    free(json);
    free(expected);
  }
}

static void test_semantics(void)
{
  struct spec *s = parse("{'ociVersion': '1.0.0', 'process': null, 'hostname': null,"
                         " 'linux': {'resources': null, 'seccomp': null, 'sysctl': null}}",
                         NULL);
  ok(s != NULL && !s->process.present && s->hostname == NULL && s->linux_.present &&
         !s->linux_.resources.present && !s->linux_.seccomp.present && s->linux_.sysctl == NULL,
     "null means absent");
  spec_free(s);

  s = parse("{'ociVersion': '1.0.0'}", NULL);
  ok(s != NULL && !s->process.present && !s->linux_.present && s->root.path == NULL &&
         s->n_mounts == 0 && spec_find_namespace(s, SPEC_NS_PID) == NULL,
     "minimal config: everything absent");
  spec_free(s);

  s = parse("{'ociVersion': '1.0.0', 'hostname': 'a', 'hostname': 'b',"
            " 'annotations': {'k': 'first', 'j': 'x', 'k': 'last'}}",
            NULL);
  ok(s != NULL && streq(s->hostname, "b") && s->n_annotations == 2 &&
         streq(s->annotations[0].key, "j") && streq(s->annotations[1].value, "last"),
     "duplicate keys: the last one wins");
  spec_free(s);

  s = parse("{'ociVersion': '1.0.0', 'process': {'args': [], 'futureKey': {'x': [1]},"
            " 'user': {'uid': 0, 'gid': 0, 'extra': 'y'}}, 'linux': {'namespaces': []}}",
            NULL);
  ok(s != NULL && s->process.args != NULL && s->process.n_args == 0 && s->process.args[0] == NULL &&
         s->linux_.n_namespaces == 0,
     "empty arrays are present and empty; nested unknown keys ignored");
  spec_free(s);

  const char *text = "{\"ociVersion\": \"1.0.0\", \"hostname\": \"h\"}trailing";
  mr_error *err = NULL;
  s = NULL;
  int r = spec_parse(text, strlen(text) - strlen("trailing"), NULL, &s, &err);
  ok(r == 0 && s != NULL && streq(s->hostname, "h"), "text is bounded by len, not NUL");
  spec_free(s);
  mr_error_free(err);

  r = spec_parse("{", 1, NULL, &s, NULL);
  ok(r == -EINVAL, "err may be NULL");

  spec_free(NULL);
  ok(true, "spec_free(NULL) is a no-op");
  ok(streq(spec_ns_type_name(SPEC_NS_PID), "pid") &&
         streq(spec_ns_type_name(SPEC_NS_NETWORK), "network") &&
         streq(spec_ns_type_name(SPEC_NS_CGROUP), "cgroup") &&
         streq(spec_ns_type_name(SPEC_NS_TIME), "time"),
     "spec_ns_type_name");
}

/* ------------------------------------------------------------------------ */

/* `head`, `n` generated items ("k<i>": "v" members when `members`, else "a"
 * elements), `tail`. */
static char *big_config(const char *head, size_t n, bool members, const char *tail)
{
  size_t cap = strlen(head) + n * 32 + strlen(tail) + 1;
  char *json = malloc(cap);
  if (json == NULL)
    abort();
  size_t len = (size_t)snprintf(json, cap, "%s", head);
  for (size_t i = 0; i < n; i++)
    len += (size_t)(members ? snprintf(json + len, cap - len, "%s\"k%zu\": \"v\"", i ? "," : "", i)
                            : snprintf(json + len, cap - len, "%s\"a\"", i ? "," : ""));
  snprintf(json + len, cap - len, "%s", tail);
  return json;
}

static int parse_big(const char *head, size_t n, bool members, const char *tail, char **msg)
{
  char *json = big_config(head, n, members, tail);
  struct spec *s = NULL;
  mr_error *err = NULL;
  int r = spec_parse(json, strlen(json), "config.json", &s, &err);
  *msg = r < 0 ? strdup(mr_error_message(err)) : NULL;
  spec_free(s);
  mr_error_free(err);
  free(json);
  return r;
}

/* Defect 7 of issue 10: duplicate keys were found pairwise (quadratic); they
 * are now found by sorting, and arrays and objects are capped. */
static void test_sizes(void)
{
  struct spec *s = parse(
      "{'ociVersion': '1.0.0', 'process': {'args': ['a'], 'user': {'uid': 1, 'gid': 2, 'uid': 3},"
      " 'user': {'uid': 4, 'gid': 5}},"
      " 'mounts': [{'destination': '/a', 'destination': '/b'}],"
      " 'linux': {'sysctl': {'a': '1', 'b': '2', 'a': '3', 'c': '4', 'b': '5', 'a': '6'},"
      "  'resources': {'rdma': {'m1': {'hcaHandles': 1}, 'm2': {'hcaHandles': 2},"
      "   'm1': {'hcaHandles': 3, 'hcaHandles': 4}}}}}",
      NULL);
  const struct spec_linux *l = s != NULL ? &s->linux_ : NULL;
  ok(s != NULL && s->process.user.uid == 4 && s->process.user.gid == 5,
     "duplicate keys in a nested object: the last one wins");
  ok(s != NULL && s->n_mounts == 1 && streq(s->mounts[0].destination, "/b"),
     "duplicate keys in an array element: the last one wins");
  ok(l != NULL && l->n_sysctl == 3 && streq(l->sysctl[0].key, "c") &&
         streq(l->sysctl[0].value, "4") && streq(l->sysctl[1].key, "b") &&
         streq(l->sysctl[1].value, "5") && streq(l->sysctl[2].key, "a") &&
         streq(l->sysctl[2].value, "6"),
     "duplicate keys in a map: each kept once, the last value, in the order of the last ones");
  ok(l != NULL && l->resources.n_rdma == 2 && streq(l->resources.rdma[0].device, "m2") &&
         streq(l->resources.rdma[1].device, "m1") && l->resources.rdma[1].hca_handles == 4,
     "duplicate keys in the rdma map and inside its entries: the last one wins");
  spec_free(s);

#if defined(__SANITIZE_ADDRESS__)
  /* yajl_tree grows its member arrays one realloc() at a time; ASan's
   * realloc always moves, which makes 64 Ki members quadratic (minutes). */
  for (int i = 0; i < 6; i++)
    printf("ok %d # SKIP size caps: too slow under AddressSanitizer\n", ++tap_tests);
  return;
#endif
  char *msg = NULL;
  int r = parse_big("{\"ociVersion\": \"1.0.0\", \"annotations\": {", 40000, true,
                    ", \"k7\": \"last\"}}", &msg);
  ok(r == 0, "40 000 annotations with a duplicate parse%s%s", msg ? ": " : "", msg ? msg : "");
  free(msg);

  r = parse_big("{\"ociVersion\": \"1.0.0\", \"annotations\": {", 65536, true, "}}", &msg);
  ok(r == 0, "65 536 annotations (the cap) parse");
  free(msg);

  r = parse_big("{\"ociVersion\": \"1.0.0\", \"annotations\": {", 65537, true, "}}", &msg);
  ok(r == -EINVAL &&
         streq(msg, "config.json: annotations: too many members (65537, at most 65536)"),
     "65 537 annotations: %s", msg);
  free(msg);

  r = parse_big("{\"ociVersion\": \"1.0.0\", \"process\": {\"args\": [", 65537, false, "]}}", &msg);
  ok(r == -EINVAL &&
         streq(msg, "config.json: process.args: too many elements (65537, at most 65536)"),
     "65 537 process.args: %s", msg);
  free(msg);

  r = parse_big("{\"ociVersion\": \"1.0.0\", \"linux\": {", 65537, true, "}}", &msg);
  ok(r == -EINVAL && streq(msg, "config.json: linux: too many members (65537, at most 65536)"),
     "an object of 65 537 unknown members: %s", msg);
  free(msg);

  r = parse_big("{\"ociVersion\": \"1.0.0\", \"mounts\": [{\"destination\": \"/x\", \"options\": [",
                65537, false, "]}]}", &msg);
  ok(r == -EINVAL &&
         streq(msg, "config.json: mounts[0].options: too many elements (65537, at most 65536)"),
     "65 537 mount options: %s", msg);
  free(msg);
}

/* ------------------------------------------------------------------------ */

static bool has_option(const struct spec_mount *m, const char *opt)
{
  for (size_t i = 0; i < m->n_options; i++)
    if (streq(m->options[i], opt))
      return true;
  return false;
}

static const struct spec_mount *find_mount(const struct spec *s, const char *dest)
{
  for (size_t i = 0; i < s->n_mounts; i++)
    if (streq(s->mounts[i].destination, dest))
      return &s->mounts[i];
  return NULL;
}

static struct spec *default_spec(bool rootless)
{
  char *json = NULL;
  mr_error *err = NULL;
  struct spec *s = NULL;
  int r = spec_default_json(rootless, &json, &err);
  if (r == 0)
    r = spec_parse(json, strlen(json), "config.json", &s, &err);
  ok(r == 0, "default config (%s) generates and parses back%s%s", rootless ? "rootless" : "root",
     r ? ": " : "", r ? mr_error_message(err) : "");
  mr_error_free(err);
  free(json);
  return s;
}

static void test_default(void)
{
  struct spec *s = default_spec(false);
  if (s != NULL) {
    const struct spec_mount *pts = find_mount(s, "/dev/pts");
    ok(streq(s->oci_version, "1.0.0") && s->process.terminal && s->process.n_args == 1 &&
           streq(s->process.args[0], "sh") && streq(s->process.cwd, "/") &&
           s->process.no_new_privileges && streq(s->root.path, "rootfs") && s->root.readonly,
       "default: process and root");
    ok(s->process.n_rlimits == 1 && streq(s->process.rlimits[0].type, "RLIMIT_NOFILE") &&
           s->process.rlimits[0].hard == 1024 && s->process.capabilities.n_bounding == 3,
       "default: rlimits and capabilities");
    ok(spec_find_namespace(s, SPEC_NS_NETWORK) && spec_find_namespace(s, SPEC_NS_CGROUP) &&
           spec_find_namespace(s, SPEC_NS_MOUNT) && !spec_find_namespace(s, SPEC_NS_USER),
       "default: namespaces");
    ok(pts != NULL && has_option(pts, "gid=5") && streq(find_mount(s, "/sys")->type, "sysfs") &&
           s->linux_.n_masked_paths > 5 && s->linux_.resources.n_devices == 1,
       "default: mounts, masked paths, device cgroup");
  }
  spec_free(s);

  s = default_spec(true);
  if (s != NULL) {
    const struct spec_mount *pts = find_mount(s, "/dev/pts"), *sys = find_mount(s, "/sys");
    ok(spec_find_namespace(s, SPEC_NS_USER) && !spec_find_namespace(s, SPEC_NS_NETWORK),
       "rootless: user namespace, no network namespace");
    ok(s->linux_.n_uid_mappings == 1 && s->linux_.uid_mappings[0].container_id == 0 &&
           s->linux_.uid_mappings[0].host_id == getuid() && s->linux_.uid_mappings[0].size == 1 &&
           s->linux_.n_gid_mappings == 1 && s->linux_.gid_mappings[0].host_id == getgid(),
       "rootless: caller's uid/gid mapped to 0");
    ok(pts != NULL && !has_option(pts, "gid=5") && sys != NULL && has_option(sys, "rbind"),
       "rootless: devpts without gid=5, sysfs bind mounted");
  }
  spec_free(s);
}

int main(void)
{
  test_full();
  test_errors();
  test_document_errors();
  test_versions();
  test_semantics();
  test_sizes();
  test_default();
  return tap_done();
}
