/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cgres.c - unit tests of the cgroup resource planner: which file of
 * which hierarchy each linux.resources field becomes on v1, v2 and hybrid
 * layouts (built by hand here, so all three run on any host), the v1 -> v2
 * conversions, and the errors for bad values. Enforcement by the kernel is
 * proven by tests/integration/test-cgroup-res*.sh and test-devbpf.
 * Output is TAP. JSON is written with single quotes; jq() swaps them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/resources.h"
#include "error.h"
#include "spec.h"

#include "../jq.h"
#include "../tap.h"

/* This host's shape: v1 controllers, hugetlb alone on the unified tree. */
static struct cg_hierarchy hybrid_h[] = {
    {"/sys/fs/cgroup/memory", "memory", false},
    {"/sys/fs/cgroup/cpu,cpuacct", "cpu,cpuacct", false},
    {"/sys/fs/cgroup/cpuset", "cpuset", false},
    {"/sys/fs/cgroup/pids", "pids", false},
    {"/sys/fs/cgroup/blkio", "blkio", false},
    {"/sys/fs/cgroup/devices", "devices", false},
    {"/sys/fs/cgroup/net_cls,net_prio", "net_cls,net_prio", false},
    {"/sys/fs/cgroup/systemd", "name=systemd", false},
    {"/sys/fs/cgroup/unified", "hugetlb", true},
};
static const struct cg_layout hybrid = {MR_CGROUP_HYBRID, hybrid_h, 9};

static struct cg_hierarchy v2_h[] = {
    {"/sys/fs/cgroup", "cpuset cpu io memory hugetlb pids rdma misc", true},
};
static const struct cg_layout v2 = {MR_CGROUP_V2, v2_h, 1};

static struct cg_hierarchy v1_h[] = {
    {"/sys/fs/cgroup/memory", "memory", false},
    {"/sys/fs/cgroup/cpu", "cpu", false},
    {"/sys/fs/cgroup/pids", "pids", false},
    {"/sys/fs/cgroup/hugetlb", "hugetlb", false},
};
static const struct cg_layout v1 = {MR_CGROUP_V1, v1_h, 4};

struct result {
  struct cg_writes w;
  char **warn;
  size_t n_warn;
  char *msg;
  int rc;
};

static void plan(const struct cg_layout *l, const char *sq_json, struct result *out)
{
  char *json = jq(sq_json);
  struct spec_resources *res = NULL;
  mr_error *err = NULL;
  memset(out, 0, sizeof(*out));
  out->rc = spec_parse_resources(json, strlen(json), NULL, &res, &err);
  if (out->rc == 0)
    out->rc = cg_resources_plan(res, l, &out->w, &out->warn, &out->n_warn, &err);
  if (err != NULL)
    out->msg = strdup(mr_error_message(err));
  mr_error_free(err);
  spec_resources_free(res);
  free(json);
}

static void result_free(struct result *r)
{
  cg_writes_free(&r->w);
  for (size_t i = 0; i < r->n_warn; i++)
    free(r->warn[i]);
  free(r->warn);
  free(r->msg);
}

/* The writes as "mountpoint/file=value;" for one comparison. */
static char *dump(const struct cg_writes *w)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    abort();
  for (size_t i = 0; i < w->n; i++)
    fprintf(f, "%s/%s=%s;", w->w[i].h->mountpoint, w->w[i].file, w->w[i].value);
  fclose(f);
  return buf;
}

static void expect(const struct cg_layout *l, const char *name, const char *json, const char *want)
{
  struct result r;
  plan(l, json, &r);
  char *got = r.rc == 0 ? dump(&r.w) : NULL;
  ok(r.rc == 0 && got != NULL && strcmp(got, want) == 0, "%s", name);
  if (r.rc != 0 || got == NULL || strcmp(got, want) != 0)
    printf("#   got  %s\n#   want %s\n", got ? got : r.msg, want);
  free(got);
  result_free(&r);
}

static void expect_error(const struct cg_layout *l, const char *json, const char *want)
{
  struct result r;
  plan(l, json, &r);
  bool good = r.rc < 0 && r.msg != NULL && strstr(r.msg, want) != NULL && r.w.n == 0;
  ok(good, "error '%s'", want);
  if (!good)
    printf("#   got rc %d '%s'\n", r.rc, r.msg ? r.msg : "(none)");
  result_free(&r);
}

static void test_conversions(void)
{
  int64_t s;
  ok(cg_v2_cpu_weight(2) == 1 && cg_v2_cpu_weight(262144) == 10000, "cpu.weight range ends");
  ok(cg_v2_cpu_weight(1024) == 39, "cpu.shares 1024 -> cpu.weight 39 (runc's value)");
  ok(cg_v2_io_weight(10) == 1 && cg_v2_io_weight(1000) == 10000, "io.weight range ends");
  ok(cg_v2_io_weight(500) == 4950, "blkio weight 500 -> io.weight 4950");
  ok(cg_v2_swap_max(3 << 20, 1 << 20, &s) == 0 && s == 2 << 20, "swap.max = swap - limit");
  ok(cg_v2_swap_max(-1, 1 << 20, &s) == 0 && s == -1, "swap -1 -> max");
  ok(cg_v2_swap_max(0, -1, &s) == 0 && s == -1, "limit -1 without swap -> swap max");
  ok(cg_v2_swap_max(1 << 20, 0, &s) == -EINVAL, "swap without limit refused");
  ok(cg_v2_swap_max(1 << 20, 2 << 20, &s) == -ERANGE, "swap below limit refused");
}

static void test_hybrid(void)
{
  expect(&hybrid, "hybrid: memory on v1 in order, hugetlb on the unified tree",
         "{'memory':{'limit':1048576,'swap':2097152,'reservation':-1,'swappiness':10},"
         "'hugepageLimits':[{'pageSize':'2MB','limit':4194304}]}",
         "/sys/fs/cgroup/memory/memory.limit_in_bytes=1048576;"
         "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes=2097152;"
         "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes=-1;"
         "/sys/fs/cgroup/memory/memory.swappiness=10;"
         "/sys/fs/cgroup/unified/hugetlb.2MB.max=4194304;");
  expect(&hybrid, "hybrid: cpu period before quota, cpuset, pids",
         "{'cpu':{'shares':512,'quota':50000,'period':100000,'cpus':'0','mems':'0'},"
         "'pids':{'limit':-1}}",
         "/sys/fs/cgroup/cpu,cpuacct/cpu.shares=512;"
         "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us=100000;"
         "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us=50000;"
         "/sys/fs/cgroup/cpuset/cpuset.cpus=0;/sys/fs/cgroup/cpuset/cpuset.mems=0;"
         "/sys/fs/cgroup/pids/pids.max=max;");
  expect(&hybrid, "hybrid: v1 devices allow/deny then the defaults",
         "{'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'c','major':1,"
         "'minor':5,'access':'r'}]}",
         "/sys/fs/cgroup/devices/devices.deny=a;/sys/fs/cgroup/devices/devices.allow=c 1:5 r;"
         "/sys/fs/cgroup/devices/devices.allow=c *:* m;"
         "/sys/fs/cgroup/devices/devices.allow=b *:* m;"
         "/sys/fs/cgroup/devices/devices.allow=c 1:3 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 1:5 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 1:7 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 1:8 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 1:9 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 5:0 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 5:1 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 5:2 rwm;"
         "/sys/fs/cgroup/devices/devices.allow=c 136:* rwm;");
  expect(&hybrid, "hybrid: blkio weight (bfq fallback) and throttles, network",
         "{'blockIO':{'weight':300,'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1000}]},"
         "'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':5}]}}",
         "/sys/fs/cgroup/blkio/blkio.weight=300;"
         "/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device=8:0 1000;"
         "/sys/fs/cgroup/net_cls,net_prio/net_cls.classid=1048577;"
         "/sys/fs/cgroup/net_cls,net_prio/net_prio.ifpriomap=eth0 5;");
  expect(&hybrid, "hybrid: unified key of a controller on the unified tree",
         "{'unified':{'hugetlb.2MB.rsvd.max':'1000'}}",
         "/sys/fs/cgroup/unified/hugetlb.2MB.rsvd.max=1000;");
  struct result r;
  plan(&hybrid, "{'memory':{'limit':4096000,'kernel':1000,'kernelTCP':1000}}", &r);
  ok(r.rc == 0 && r.n_warn == 2 && strstr(r.warn[0], "memory.kernel:") != NULL && r.w.n == 1,
     "kernel memory: warned and skipped");
  ok(r.rc == 0 && r.w.n == 1 && r.w.w[0].flags == 0, "no swap: the limit is not an ordered pair");
  result_free(&r);
  plan(&hybrid, "{'memory':{'limit':4096000,'swap':8192000,'checkBeforeUpdate':true}}", &r);
  ok(r.rc == 0 && r.w.n == 2 && r.w.w[0].flags == (CG_W_ORDERED | CG_W_CHECK_USAGE),
     "limit + swap: ordered pair, checkBeforeUpdate flagged");
  ok(r.rc == 0 && r.w.n == 2 && strcmp(r.w.w[1].field, "linux.resources.memory.swap") == 0,
     "writes name their field");
  result_free(&r);
  plan(&hybrid,
       "{'cpu':{'quota':20000,'burst':1000,'realtimePeriod':100000,'realtimeRuntime':"
       "5000}}",
       &r);
  ok(r.rc == 0 && r.w.n == 4 && r.w.w[0].flags == CG_W_ORDERED && r.w.w[1].flags == 0 &&
         r.w.w[2].flags == CG_W_ORDERED && strcmp(r.w.w[3].file, "cpu.rt_runtime_us") == 0,
     "quota/burst and rt period/runtime: ordered pairs");
  result_free(&r);
  plan(&hybrid, "{'blockIO':{'weight':300}}", &r);
  ok(r.rc == 0 && r.w.n == 1 && r.w.w[0].alt_file != NULL &&
         strcmp(r.w.w[0].alt_file, "blkio.bfq.weight") == 0,
     "blkio.weight falls back to blkio.bfq.weight");
  result_free(&r);
}

/* linux.devices nodes are allowed after the rules (create's planner). */
static void test_spec_devices(void)
{
  char *json = jq("{'ociVersion':'1.0.2','linux':{'devices':[{'path':'/dev/fuse','type':'c',"
                  "'major':10,'minor':229}],'resources':{'devices':[{'allow':false}]}}}");
  struct spec *spec = NULL;
  mr_error *err = NULL;
  struct cg_writes w = {0};
  char **warn = NULL;
  size_t n_warn = 0;
  int r = spec_parse(json, strlen(json), NULL, &spec, &err);
  if (r == 0)
    r = cg_resources_plan_spec(spec, &hybrid, &w, &warn, &n_warn, &err);
  ok(r == 0 && w.n > 2 && strcmp(w.w[0].value, "a") == 0 &&
         strcmp(w.w[w.n - 1].value, "c 10:229 rwm") == 0,
     "linux.devices node allowed after the deny-all and the defaults");
  if (err != NULL)
    printf("# %s\n", mr_error_message(err));
  cg_writes_free(&w);
  free(warn);
  mr_error_free(err);
  spec_free(spec);
  free(json);
}

static void test_v2(void)
{
  expect(&v2, "v2: memory.max, swap.max = swap - limit, memory.low",
         "{'memory':{'limit':1048576,'swap':3145728,'reservation':524288}}",
         "/sys/fs/cgroup/memory.max=1048576;/sys/fs/cgroup/memory.swap.max=2097152;"
         "/sys/fs/cgroup/memory.low=524288;");
  expect(&v2, "v2: -1 is max", "{'memory':{'limit':-1,'swap':-1}}",
         "/sys/fs/cgroup/memory.max=max;/sys/fs/cgroup/memory.swap.max=max;");
  expect(&v2, "v2: shares -> weight, quota/period -> cpu.max, burst, idle",
         "{'cpu':{'shares':1024,'quota':20000,'period':100000,'burst':1000,'idle':1}}",
         "/sys/fs/cgroup/cpu.weight=39;/sys/fs/cgroup/cpu.max=20000 100000;"
         "/sys/fs/cgroup/cpu.max.burst=1000;/sys/fs/cgroup/cpu.idle=1;");
  expect(&v2, "v2: unlimited quota", "{'cpu':{'quota':-1,'period':50000}}",
         "/sys/fs/cgroup/cpu.max=max 50000;");
  expect(&v2, "v2: io weight, io.max",
         "{'blockIO':{'weight':500,'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':0}],"
         "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}]}}",
         "/sys/fs/cgroup/io.bfq.weight=default 500;/sys/fs/cgroup/io.max=8:0 rbps=1048576;"
         "/sys/fs/cgroup/io.max=8:16 wiops=max;");
  expect(&v2, "v2: pids, rdma, hugetlb, unified last",
         "{'pids':{'limit':64},'rdma':{'mlx5_0':{'hcaHandles':3,'hcaObjects':100}},"
         "'hugepageLimits':[{'pageSize':'2MB','limit':0}],'unified':{'memory.high':'1000000'}}",
         "/sys/fs/cgroup/pids.max=64;/sys/fs/cgroup/hugetlb.2MB.max=0;"
         "/sys/fs/cgroup/rdma.max=mlx5_0 hca_handle=3 hca_object=100;"
         "/sys/fs/cgroup/memory.high=1000000;");
  struct result r;
  plan(&v2, "{'blockIO':{'weight':500}}", &r);
  ok(r.rc == 0 && r.w.n == 1 && r.w.w[0].alt_value != NULL &&
         strcmp(r.w.w[0].alt_value, "default 4950") == 0,
     "io.bfq.weight falls back to io.weight with the converted value");
  result_free(&r);
  plan(&v2, "{'devices':[{'allow':false,'access':'rwm'}]}", &r);
  ok(r.rc == 0 && r.w.n == 0 && r.w.devices.n_insns > 6, "v2 devices: a BPF program, no writes");
  result_free(&r);
}

static void test_errors(void)
{
  expect_error(&v2, "{'memory':{'limit':-5}}", "linux.resources.memory.limit: -5 is negative");
  expect_error(&hybrid, "{'memory':{'limit':-5}}", "linux.resources.memory.limit: -5 is negative");
  expect_error(&v2, "{'memory':{'limit':100,'swap':50}}",
               "linux.resources.memory.swap: 50 is below");
  expect_error(&hybrid, "{'memory':{'limit':100,'swap':50}}",
               "linux.resources.memory.swap: 50 is below");
  expect_error(&v2, "{'memory':{'swap':100}}", "linux.resources.memory.swap: a swap limit needs");
  expect_error(&v2, "{'memory':{'swappiness':10}}", "linux.resources.memory.swappiness: cgroup v2");
  expect_error(&hybrid, "{'memory':{'swappiness':101}}", "memory.swappiness: 101 is above 100");
  expect_error(&v2, "{'memory':{'disableOOMKiller':true}}", "memory.disableOOMKiller: cgroup v2");
  expect_error(&v2, "{'memory':{'limit':18446744073709551616}}", "linux.resources.memory.limit");
  expect_error(&v2, "{'cpu':{'shares':1}}", "linux.resources.cpu.shares: 1 is outside 2..262144");
  expect_error(&v2, "{'cpu':{'quota':-7}}", "linux.resources.cpu.quota: -7 is negative");
  expect_error(&v2, "{'cpu':{'realtimeRuntime':1000}}", "cpu.realtimeRuntime: cgroup v2 has no");
  expect_error(&v2, "{'cpu':{'idle':2}}", "linux.resources.cpu.idle: 2 is neither");
  expect_error(&v2, "{'cpu':{'cpus':'0-x'}}", "linux.resources.cpu.cpus: '0-x' is not a list");
  expect_error(&hybrid, "{'cpu':{'mems':'3-1'}}", "linux.resources.cpu.mems: '3-1' is not a list");
  expect_error(&v2, "{'pids':{'limit':-2}}", "linux.resources.pids.limit: -2 is negative");
  expect_error(&v2, "{'blockIO':{'weight':5}}", "linux.resources.blockIO.weight: 5 is outside");
  expect_error(&v2, "{'blockIO':{'leafWeight':100}}", "blockIO.leafWeight: cgroup v2 has no");
  expect_error(&v2, "{'blockIO':{'throttleReadBpsDevice':[{'major':-1,'minor':0,'rate':1}]}}",
               "blockIO.throttleReadBpsDevice[0]: negative device number");
  expect_error(&hybrid, "{'hugepageLimits':[{'pageSize':'3MB','limit':1}]}",
               "hugepageLimits[0].pageSize: the host has no 3MB huge pages");
  expect_error(&hybrid, "{'hugepageLimits':[{'pageSize':'2XB','limit':1}]}",
               "hugepageLimits[0].pageSize: '2XB' is not a page size");
  expect_error(&v2, "{'network':{'classID':1}}",
               "linux.resources.network.classID: the host has no net_cls cgroup controller");
  expect_error(&hybrid, "{'rdma':{'mlx5_0':{'hcaHandles':1}}}",
               "linux.resources.rdma: the host has no rdma cgroup controller");
  expect_error(&v1, "{'unified':{'memory.high':'1'}}",
               "linux.resources.unified: needs cgroup v2 (the host has only v1)");
  expect_error(&hybrid, "{'unified':{'memory.high':'1'}}",
               "unified.memory.high: the memory controller is not on the cgroup v2 hierarchy");
  expect_error(&v2, "{'unified':{'foo.bar':'1'}}",
               "unified.foo.bar: the foo controller is not on the cgroup v2 hierarchy");
  expect_error(&v2, "{'unified':{'../x.y':'1'}}", "not a cgroup file name");
  expect_error(&v2, "{'unified':{'cgroup.procs':'1'}}", "unified.cgroup.procs: is managed");
  expect_error(&v2, "{'unified':{'memory':'1'}}", "unified.memory: not a cgroup file name");
  expect_error(&v1, "{'blockIO':{'weight':100}}",
               "linux.resources.blockIO: the host has no blkio/io cgroup controller");
  expect_error(&hybrid, "{'devices':[{'allow':true,'access':'rx'}]}",
               "linux.resources.devices[0].access: 'rx' is not a combination");
  expect_error(&hybrid, "{'devices':[{'allow':true,'major':-3,'access':'r'}]}",
               "linux.resources.devices[0].major: -3 is out of range");
}

int main(void)
{
  test_conversions();
  test_hybrid();
  test_spec_devices();
  test_v2();
  test_errors();
  return tap_done();
}
