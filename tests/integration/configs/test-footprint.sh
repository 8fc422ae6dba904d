# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-footprint.sh - a build configured with --disable-seccomp,
# --disable-caps or --disable-images (README "Footprint"): plain containers
# run, a config that asks for a dropped feature fails create with an error
# naming the field and the configure option, nothing is left behind, and
# `minirun features` says what is missing.
#
# Run by scripts/check-configs.sh (MR_TEST_FILES), not by the default suite.
# The build's options are read from `minirun features`, so each test skips
# on a build that has the feature (the default one of the suite):
# scripts/check-configs.sh builds the disabled configuration and runs these
# tests against it (MINIRUN=that build's CLI).

features() {
  $MR features >"$T/features.json" || fail "minirun features failed"
}
fq() { jq -r "$1" "$T/features.json"; }

no_seccomp() { [ "$(fq .linux.seccomp.enabled)" = false ]; }
no_caps() { [ "$(fq '.linux.capabilities | length')" = 0 ]; }
no_images() { [ "$(fq '.annotations["org.minirun.images.enabled"]')" = false ]; }

need_disabled() {
  features
  "no_$1" || skip "this build has $1 (the test is for ./configure --disable-$1)"
}

# The default spec of the build runs; inside, the process holds no
# capability at all without libcap (empty sets), and noNewPrivileges still
# works (a prctl, no names needed).
test_plain_run() {
  features
  no_seccomp || no_caps || no_images || skip "a full build (nothing disabled)"
  make_bundle "$T/b" sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; echo ran'
  jqset "$T/b" '.process.noNewPrivileges = true'
  run_ok c1 "$T/b"
  assert_contains "$OUT" ran
  assert_match "$OUT" "NoNewPrivs:[[:space:]]+1" "noNewPrivileges inside"
  if no_caps; then
    assert_match "$OUT" "CapEff:[[:space:]]+0000000000000000" "effective set without libcap"
    assert_match "$OUT" "CapBnd:[[:space:]]+0000000000000000" "bounding set without libcap"
  fi
}

test_seccomp_refused() {
  need_disabled seccomp
  assert_eq false "$(fq .linux.seccomp.enabled)" "features: linux.seccomp.enabled"
  assert_eq null "$(fq '.annotations["io.github.seccomp.libseccomp.version"]')" "libseccomp version"
  make_bundle "$T/b" echo ran
  jqset "$T/b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}'
  echo c1 >>"$T/.mr-ids"
  assert_fail_with "config.json: linux.seccomp: this build of minirun has no seccomp support (configure --disable-seccomp)" \
    $MR run --bundle "$T/b" c1
  assert_nothing_left "create with linux.seccomp"
}

test_caps_refused() {
  need_disabled caps
  make_bundle "$T/b" echo ran
  # What `minirun spec` writes in this build: empty sets.
  assert_eq 0 "$(jq '[.process.capabilities[] | length] | add' "$T/b/config.json")" "spec's capabilities"
  jqset "$T/b" '.process.capabilities.bounding = ["CAP_KILL"]'
  echo c1 >>"$T/.mr-ids"
  assert_fail_with 'config.json: process.capabilities.bounding[0]: "CAP_KILL": this build of minirun has no capability support (configure --disable-caps)' \
    $MR run --bundle "$T/b" c1
  assert_nothing_left "create with a capability"
  # Through exec too: a process.json asking for one is refused.
  make_bundle "$T/b2" sleep 30
  run_d_ok c2 "$T/b2"
  jq -n '{"args": ["true"], "cwd": "/", "capabilities": {"effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]}}' >"$T/p.json"
  assert_fail_with "configure --disable-caps" $MR exec --process "$T/p.json" c2
  ctr_cleanup c2
}

test_images_refused() {
  need_disabled images
  make_bundle "$T/b" echo ran
  # Any file will do: the build refuses images before reading one.
  printf 'hsqs' >"$T/b/root.img"
  truncate -s 1M "$T/b/root.img"
  jqset "$T/b" '.root.path = "root.img"'
  echo c1 >>"$T/.mr-ids"
  assert_fail_with "rootfs images are not supported by this build (configure --disable-images)" \
    $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "config.json: root.path"
  assert_nothing_left "create with an image root"
}
