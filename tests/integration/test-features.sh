# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-features.sh - `minirun features` says what the code accepts, no more
# and no less: every listed mount option, namespace, capability and seccomp
# action/operator/architecture/flag is used in a real create (which must
# succeed and show it inside), and names it does not list are refused.

features() {
  $MR features >"$T/features.json" || fail "minirun features failed"
  jq -e . "$T/features.json" >/dev/null || fail "features: not JSON"
}

# jq over the features document, one result per line.
fq() { jq -r "$1" "$T/features.json"; }

test_document() {
  features
  assert_eq 1.0.0 "$(fq .ociVersionMin)"
  assert_eq "prestart createRuntime createContainer startContainer poststart poststop" \
    "$(fq '.hooks | join(" ")')"
  assert_eq false "$(fq .linux.intelRdt.enabled)" "intelRdt"
  assert_eq true "$(fq .linux.seccomp.enabled)"
  assert_eq true "$(fq .linux.apparmor.enabled)"
  assert_eq false "$(fq .linux.cgroup.systemd)" "no systemd cgroup manager"
  assert_eq false "$(fq '.annotations["org.opencontainers.runc.checkpoint.enabled"]')"
  assert_ne "" "$(fq '.annotations["io.github.seccomp.libseccomp.version"]')"
  # Only what the kernel has: the time namespace when /proc/self/ns/time exists
  # (and not in the old-kernel mode, where unshare(CLONE_NEWTIME) fails as
  # before 5.6; idmap neither, without mount_setattr).
  if old_kernel_mode; then
    assert_not_contains "$(fq '.linux.namespaces | join(" ")')" time
    assert_eq false "$(fq .linux.mountExtensions.idmap.enabled)" "idmap in the old-kernel mode"
    assert_not_contains "$(fq '.mountOptions | join(" ")')" idmap
  elif [ -e /proc/self/ns/time ]; then
    assert_contains "$(fq '.linux.namespaces | join(" ")')" time
  fi
  local last
  last=$(cat /proc/sys/kernel/cap_last_cap)
  assert_eq $((last + 1)) "$(fq '.linux.capabilities | length')" "one capability per kernel bit"
  assert_ok $MR features --help
  assert_fail_with "too many arguments" $MR features x
}

# Every listed mount option in one create: a mount per option (binds for the
# options that need one, with mappings for idmap), each visible inside.
test_every_mount_option_is_accepted() {
  features
  make_bundle "$T/b" sh -c 'grep -c " /mnt/o[0-9]* " /proc/self/mountinfo'
  mkdir -p "$T/src" "$T/b/rootfs/mnt"
  chmod 755 "$T" "$T/src"
  local n=0 o kind
  local maps='{"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
               "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}'
  for o in $(fq '.mountOptions[]'); do
    case $o in
    bind | rbind | src-nofollow | dest-nofollow | copy-symlink) kind=bind ;;
    idmap | ridmap)
      [ "$(fq .linux.mountExtensions.idmap.enabled)" = true ] || fail "idmap listed without idmapped mounts"
      kind=idmap
      ;;
    *) kind=tmpfs ;;
    esac
    case $kind in
    tmpfs) jqset "$T/b" '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs", "options": [$o]}]' \
      --arg d "/mnt/o$n" --arg o "$o" ;;
    bind) jqset "$T/b" '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": (["rbind", $o] | unique)}]' \
      --arg d "/mnt/o$n" --arg o "$o" --arg s "$T/src" ;;
    idmap) jqset "$T/b" '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": ["rbind", $o]} + $m]' \
      --arg d "/mnt/o$n" --arg o "$o" --arg s "$T/src" --argjson m "$maps" ;;
    esac
    n=$((n + 1))
  done
  [ $n -ge 40 ] || fail "only $n mount options listed"
  run_ok c1 "$T/b"
  assert_eq $n "$OUT" "mounts visible inside (one per listed option)"
}

test_unlisted_names_are_refused() {
  features
  grep -qx remount <<<"$(fq '.mountOptions[]')" && fail "remount is listed"
  make_bundle "$T/b" true
  cp "$T/b/config.json" "$T/orig.json"
  jqset "$T/b" '.mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["no-such-option"]}]'
  run_ctr c1 "$T/b"
  assert_ne 0 "$RC" "an unlisted mount option"
  cp "$T/orig.json" "$T/b/config.json"
  jqset "$T/b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_NO_SUCH"}'
  assert_fail_with 'unknown action "SCMP_ACT_NO_SUCH"' $MR run --bundle "$T/b" c2
  cp "$T/orig.json" "$T/b/config.json"
  jqset "$T/b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_NO_SUCH"]}'
  assert_fail_with 'unknown architecture' $MR run --bundle "$T/b" c3
  cp "$T/orig.json" "$T/b/config.json"
  jqset "$T/b" '.process.capabilities.bounding = ["CAP_NO_SUCH"]'
  assert_fail_with 'unknown capability "CAP_NO_SUCH"' $MR run --bundle "$T/b" c4
  cp "$T/orig.json" "$T/b/config.json"
  jqset "$T/b" '.linux.namespaces += [{"type": "no-such-ns"}]'
  assert_fail_with 'no-such-ns' $MR run --bundle "$T/b" c5
  assert_no_state
}

# Every listed action, operator, architecture and supported flag in one
# profile that is compiled and loaded; every listed capability in the
# bounding set. SCMP_ACT_NOTIFY and WAIT_KILLABLE_RECV need a listener:
# test-seccomp.sh runs them with one.
test_every_seccomp_name_and_capability_is_accepted() {
  features
  make_bundle "$T/b" sh -c 'grep -E "^(CapBnd|Seccomp):" /proc/self/status'
  local victims='["swapoff","swapon","reboot","kexec_load","init_module","delete_module","acct","syslog","vhangup"]'
  jqset "$T/b" '.linux.seccomp = {
      "defaultAction": "SCMP_ACT_ALLOW",
      "architectures": $f[0].linux.seccomp.archs,
      "flags": [$f[0].linux.seccomp.supportedFlags[] | select(. != "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")],
      "syscalls": (([$f[0].linux.seccomp.actions[] | select(. != "SCMP_ACT_NOTIFY" and . != "SCMP_ACT_ALLOW")]
                   | [range(0; length) as $i | {"names": [$v[$i]], "action": .[$i]}])
                + ($f[0].linux.seccomp.operators
                   | [range(0; length) as $i | {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 0, "value": (1000 + $i), "valueTwo": (1000 + $i), "op": .[$i]}]}]))
    }
    | .process.capabilities.bounding = $f[0].linux.capabilities' \
    --slurpfile f "$T/features.json" --argjson v "$victims"
  grep -qx SCMP_ACT_NOTIFY <<<"$(fq '.linux.seccomp.actions[]')" || fail "SCMP_ACT_NOTIFY not listed"
  run_ok c1 "$T/b"
  assert_match "$OUT" 'Seccomp:[[:space:]]+2' "the profile is loaded"
  # Every listed capability the runtime holds itself (a bounding set
  # cannot grow: root here lacks CAP_SYS_RESOURCE).
  local last bnd ours
  last=$(cat /proc/sys/kernel/cap_last_cap)
  bnd=$(echo "$OUT" | awk '/^CapBnd/ { print $2 }')
  ours=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)
  assert_eq $((((1 << (last + 1)) - 1) & 0x$ours)) $((0x$bnd)) "every listed capability in the bounding set"
}

test_every_namespace_is_accepted() {
  features
  make_bundle "$T/b" sh -c 'for n in /proc/self/ns/*; do readlink $n; done'
  jqset "$T/b" '.linux.namespaces = [$f[0].linux.namespaces[] | {"type": .}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .mounts |= map(select(.type != "sysfs" and .type != "cgroup" and .type != "mqueue"))' \
    --slurpfile f "$T/features.json"
  run_ok c1 "$T/b"
  local ns link
  for ns in $(fq '.linux.namespaces[]'); do
    case $ns in network) link=net ;; mount) link=mnt ;; *) link=$ns ;; esac
    assert_contains "$OUT" "$link:[" "$ns namespace inside"
    assert_not_contains "$OUT" "$(host_ns $link)" "a new $ns namespace"
  done
}
