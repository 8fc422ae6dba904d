/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cglayout.c - cgroup layout detection (cgroup/layout.c) from
 * mountinfo texts of v1, v2 and hybrid hosts, with named, co-mounted and
 * twice-mounted hierarchies. Prints TAP; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/place.h"
#include "context.h"
#include "error.h"

#include "../tap.h"

static char tmpdir[] = "/tmp/test-cglayout.XXXXXX";

static void write_text(const char *name, const char *text)
{
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

/* A mountinfo text with @ replaced by the temp dir (the cgroup2 mount
 * point whose cgroup.controllers the detection reads). */
static int detect(const char *text, enum mr_cgroup_mode mode, struct cg_layout *l, mr_error **err)
{
  char buf[8192], *out = buf;
  for (const char *p = text; *p; p++) {
    if (*p == '@')
      out += sprintf(out, "%s", tmpdir);
    else
      *out++ = *p;
  }
  *out = '\0';
  write_text("mountinfo", buf);
  char path[256];
  snprintf(path, sizeof(path), "%s/mountinfo", tmpdir);
  return cg_layout_detect_from(path, mode, l, err);
}

static const char hybrid[] =
    "23 1 0:21 / /sys rw - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
    "rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n"
    "41 31 0:38 / @ rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
    /* the memory hierarchy again, a container's view of a sub-directory */
    "90 80 0:32 /x /var/lib/c/sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n";

static void test_hybrid(void)
{
  struct cg_layout l;
  write_text("cgroup.controllers", "hugetlb pids\n");
  int r = detect(hybrid, MR_CGROUP_AUTO, &l, NULL);
  check(r == 0 && l.mode == MR_CGROUP_HYBRID, "hybrid detected (r=%d mode=%d)", r, l.mode);
  check(l.n == 5, "4 v1 hierarchies + cgroup2 (n=%zu)", l.n);
  if (l.n != 5)
    return;
  check(strcmp(l.h[0].controllers, "cpu,cpuacct") == 0, "co-mounted cpu,cpuacct: '%s'",
        l.h[0].controllers);
  check(strcmp(l.h[1].controllers, "cpuset") == 0, "mount options dropped: '%s'",
        l.h[1].controllers);
  check(strcmp(l.h[2].mountpoint, "/sys/fs/cgroup/memory") == 0,
        "a hierarchy mounted twice is reached through its root: %s", l.h[2].mountpoint);
  check(strcmp(l.h[3].controllers, "name=systemd") == 0, "named hierarchy: '%s'",
        l.h[3].controllers);
  check(l.h[4].v2 && strcmp(l.h[4].controllers, "hugetlb pids") == 0,
        "cgroup2 last, its controllers: '%s'", l.h[4].controllers);
  const struct cg_hierarchy *h = cg_layout_find(&l, "cpuacct");
  check(h == &l.h[0], "find cpuacct -> the co-mounted hierarchy");
  check(cg_layout_find(&l, "cpu") == &l.h[0], "find cpu");
  check(cg_layout_find(&l, "hugetlb") == &l.h[4], "find hugetlb -> cgroup2 (hybrid)");
  check(cg_layout_find(&l, "pids") == &l.h[4], "find pids -> cgroup2");
  check(cg_layout_find(&l, "cpuac") == NULL, "no partial match");
  check(cg_layout_find(&l, "rdma") == NULL, "missing controller -> NULL");
  check(cg_layout_unified(&l) == &l.h[4], "unified");
  cg_layout_free(&l);

  r = detect(hybrid, MR_CGROUP_V1, &l, NULL);
  check(r == 0 && l.mode == MR_CGROUP_V1 && l.n == 4 && cg_layout_unified(&l) == NULL,
        "forced v1 on hybrid: v1 hierarchies only");
  cg_layout_free(&l);
  r = detect(hybrid, MR_CGROUP_V2, &l, NULL);
  check(r == 0 && l.mode == MR_CGROUP_V2 && l.n == 1 && l.h[0].v2, "forced v2 on hybrid");
  cg_layout_free(&l);
  r = detect(hybrid, MR_CGROUP_NONE, &l, NULL);
  check(r == 0 && l.mode == MR_CGROUP_NONE && l.n == 0, "none: empty layout");
  cg_layout_free(&l);
}

static void test_v2(void)
{
  struct cg_layout l;
  mr_error *err = NULL;
  write_text("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  int r = detect("30 23 0:26 / @ rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", MR_CGROUP_AUTO, &l,
                 NULL);
  check(r == 0 && l.mode == MR_CGROUP_V2 && l.n == 1, "pure v2");
  check(cg_layout_find(&l, "memory") == &l.h[0], "memory on v2");
  check(cg_layout_find(&l, "freezer") == NULL, "no freezer controller on v2");
  cg_layout_free(&l);
  r = detect("30 23 0:26 / @ rw,nosuid - cgroup2 cgroup2 rw\n", MR_CGROUP_V1, &l, &err);
  check(r == -ENOTSUP && err && strstr(mr_error_message(err), "v1") != NULL,
        "forced v1 on a v2 host fails: %s", err ? mr_error_message(err) : "(none)");
  mr_error_free(err);
  err = NULL;
  r = detect("30 23 0:26 / @ rw,nosuid - cgroup2 cgroup2 rw\n", MR_CGROUP_HYBRID, &l, &err);
  check(r == -ENOTSUP, "forced hybrid on a v2 host fails");
  mr_error_free(err);
}

static void test_v1_and_none(void)
{
  struct cg_layout l;
  int r = detect("32 31 0:29 / /sys/fs/cgroup/cpu\\040x rw - cgroup cgroup rw,cpu\n"
                 "33 31 0:30 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup "
                 "rw,net_cls,net_prio\n",
                 MR_CGROUP_AUTO, &l, NULL);
  check(r == 0 && l.mode == MR_CGROUP_V1 && l.n == 2, "pure v1");
  check(l.n == 2 && strcmp(l.h[0].mountpoint, "/sys/fs/cgroup/cpu x") == 0,
        "escaped mount point unescaped: '%s'", l.n ? l.h[0].mountpoint : "");
  check(cg_layout_find(&l, "net_prio") == &l.h[1], "net_prio co-mounted");
  cg_layout_free(&l);
  r = detect("23 1 0:21 / /sys rw - sysfs sysfs rw\n", MR_CGROUP_AUTO, &l, NULL);
  check(r == 0 && l.mode == MR_CGROUP_NONE && l.n == 0, "no cgroups mounted: mode none");
  cg_layout_free(&l);
  r = detect("garbage\n\n1 2 3\n", MR_CGROUP_NONE, &l, NULL);
  check(r == 0 && l.mode == MR_CGROUP_NONE, "none never fails");
}

/* cg_path_resolve: the cgroupsPath forms (cgroup/path.c). */
static void check_path(mr_context *ctx, const char *in, const char *id, const char *want)
{
  char *out = NULL;
  mr_error *err = NULL;
  int r = cg_path_resolve(ctx, in, id, &out, NULL, &err);
  if (want == NULL)
    check(r < 0 && err != NULL && strstr(mr_error_message(err), "linux.cgroupsPath") != NULL,
          "'%s' refused: %s", in ? in : "(none)", err ? mr_error_message(err) : "(no error)");
  else
    check(r == 0 && out != NULL && strcmp(out, want) == 0, "'%s' -> %s (got %s)",
          in ? in : "(none)", want, out ? out : "(error)");
  free(out);
  mr_error_free(err);
}

static void test_paths(void)
{
  mr_context ctx = {.state_root = (char *)"/run/minirun"};
  check_path(&ctx, NULL, "c1", "/minirun/c1");
  check_path(&ctx, "/a//b/./c/", "c1", "/a/b/c");
  check_path(&ctx, "rel/x", "c1", "/minirun/rel/x");
  check_path(&ctx, "machine.slice:libpod:abc", "c1", "/machine.slice/libpod-abc.scope");
  check_path(&ctx, "a-b-c.slice:p:n", "c1", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
  check_path(&ctx, "-.slice::n", "c1", "/n.scope");
  check_path(&ctx, ":p:n", "c1", "/system.slice/p-n.scope");
  check_path(&ctx, "../x", "c1", NULL);
  check_path(&ctx, "/a/../..", "c1", NULL);
  check_path(&ctx, "/", "c1", NULL);
  check_path(&ctx, "", "c1", NULL);
  check_path(&ctx, "a:b", "c1", NULL);
  check_path(&ctx, "x.slice:p:n:m", "c1", NULL);
  check_path(&ctx, "a--b.slice:p:n", "c1", NULL);
  check_path(&ctx, "noslice:p:n", "c1", NULL);
  check_path(&ctx, "a.slice:p:", "c1", NULL);
  ctx.state_root = (char *)"/tmp/t 1/state";
  check_path(&ctx, NULL, "c1", "/minirun/tmp-t 1-state/c1");
  ctx.cgroup_systemd = true;
  check_path(&ctx, NULL, "c1", "/system.slice/minirun-c1.scope");
  ctx.cgroup_systemd = false;
  ctx.cgroup_parent = (char *)"/custom/p";
  check_path(&ctx, "rel", "c1", "/custom/p/rel");
  check_path(&ctx, NULL, "c1", "/custom/p/c1");
}

int main(void)
{
  if (mkdtemp(tmpdir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  test_hybrid();
  test_v2();
  test_v1_and_none();
  test_paths();
  struct cg_layout l;
  int r = cg_layout_detect(MR_CGROUP_AUTO, &l, NULL);
  check(r == 0, "this host's layout detected (mode %d, %zu hierarchies)", l.mode, l.n);
  cg_layout_free(&l);
  char path[256];
  snprintf(path, sizeof(path), "%s/mountinfo", tmpdir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/cgroup.controllers", tmpdir);
  unlink(path);
  rmdir(tmpdir);
  return tap_done();
}
