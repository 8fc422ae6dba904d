# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-run.sh - `minirun run`: output, exit status, and what the process sees
# inside the container (namespaces, mounts, devices, identity).

test_prints_output() {
  make_bundle "$T/b" echo hello-from-container
  run_ok c1 "$T/b"
  assert_eq "hello-from-container" "$OUT" "container stdout"
}

test_stderr_reaches_caller() {
  make_bundle "$T/b" sh -c 'echo to-stdout; echo to-stderr >&2'
  run_ok c1 "$T/b"
  assert_eq "to-stdout" "$OUT" "container stdout"
  assert_contains "$ERR" "to-stderr" "container stderr"
}

test_exit_code_propagates() {
  make_bundle "$T/b" sh -c 'exit 42'
  run_ctr c1 "$T/b"
  assert_eq 42 "$RC" "exit status of 'run' for 'exit 42'"
}

test_exit_code_false_is_1() {
  make_bundle "$T/b" false
  run_ctr c1 "$T/b"
  assert_eq 1 "$RC" "exit status of 'run' for 'false'"
}

test_killed_by_signal_is_128_plus_signal() {
  make_bundle "$T/b" sh -c 'echo ready; exec sleep 100'
  $MR run --bundle "$T/b" c1 >"$T/out" 2>"$T/err" </dev/null &
  local runpid=$! rc=0
  wait_for 10 "the container to print 'ready'" file_contains "$T/out" ready
  assert_ok $MR kill c1 KILL
  wait "$runpid" || rc=$?
  assert_eq 137 "$rc" "exit status of 'run' whose container got SIGKILL"
}

test_run_removes_container_after_exit() {
  make_bundle "$T/b" true
  run_ok c1 "$T/b"
  [ ! -e "$T/state/c1" ] || fail "state dir $T/state/c1 still exists after 'run' returned"
  assert_fail_with "does not exist" $MR state c1
}

test_detach_returns_immediately_and_runs() {
  make_bundle "$T/b" sleep 100
  # Without detaching, `run` would block for 100s: timeout turns that into 124.
  assert_ok timeout 10 $MR run --detach --bundle "$T/b" c1
  assert_eq running "$(ctr_status c1)" "status after run --detach"
  local pid
  pid=$(ctr_pid c1)
  assert_match "$pid" '^[1-9][0-9]*$' "pid of the detached container"
  pid_alive "$pid" || fail "container init $pid is not alive"
  assert_contains "$(tr '\0' ' ' </proc/$pid/cmdline)" "sleep 100" "cmdline of the container init"
  ctr_cleanup c1
  wait_for 5 "container init $pid to be gone" pid_gone "$pid"
}

test_bundle_defaults_to_cwd() {
  make_bundle "$T/b" echo from-cwd-bundle
  local rc=0
  (cd "$T/b" && $MR run c1 >"$T/out" 2>"$T/err" </dev/null) || rc=$?
  assert_eq 0 "$rc" "exit status of run without --bundle (stderr: $(cat "$T/err"))"
  assert_eq from-cwd-bundle "$(cat "$T/out")" "container stdout"
}

test_pid_namespace_pid_is_1() {
  make_bundle "$T/b" sh -c 'echo $$; readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr "\0" " "'
  run_ok c1 "$T/b"
  assert_eq 1 "$(echo "$OUT" | sed -n 1p)" "pid of the container process"
  assert_ne "$(host_ns pid)" "$(echo "$OUT" | sed -n 2p)" "pid namespace"
  assert_contains "$(echo "$OUT" | sed -n 3p)" "sh -c" "cmdline of pid 1 inside"
}

test_pid_namespace_hides_host_processes() {
  # Without a working /proc the count would be 0: require a proc mount that
  # shows the container's own pid 1 first.
  make_bundle "$T/b" sh -c 'stat -f -c %T /proc; cat /proc/1/comm; ls -d /proc/[0-9]* | wc -l'
  run_ok c1 "$T/b"
  assert_eq proc "$(echo "$OUT" | sed -n 1p)" "file system type of /proc inside"
  assert_eq sh "$(echo "$OUT" | sed -n 2p)" "comm of pid 1 inside"
  local n
  n=$(echo "$OUT" | sed -n 3p)
  # sh, ls and wc at most: the host has many more processes.
  [ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "the container sees '$n' processes in /proc (1 to 3 expected)"
}

test_hostname_from_config() {
  local before after
  before=$(hostname)
  make_bundle "$T/b" sh -c 'hostname; readlink /proc/self/ns/uts'
  jqset "$T/b" '.hostname = "mr-test-host"'
  run_ok c1 "$T/b"
  assert_eq mr-test-host "$(echo "$OUT" | sed -n 1p)" "hostname inside"
  assert_ne "$(host_ns uts)" "$(echo "$OUT" | sed -n 2p)" "uts namespace"
  after=$(hostname)
  assert_eq "$before" "$after" "host hostname after the run"
  assert_ne "$after" mr-test-host "host hostname"
}

test_domainname_from_config() {
  local before
  before=$(cat /proc/sys/kernel/domainname)
  make_bundle "$T/b" cat /proc/sys/kernel/domainname
  jqset "$T/b" '.domainname = "mr.example.test"'
  run_ok c1 "$T/b"
  assert_eq mr.example.test "$OUT" "domainname inside"
  assert_eq "$before" "$(cat /proc/sys/kernel/domainname)" "host domainname after the run"
}

test_namespaces_are_new() {
  make_bundle "$T/b" sh -c 'for n in mnt pid uts ipc net; do echo "$n $(readlink /proc/self/ns/$n)"; done'
  jqset "$T/b" '.linux.namespaces = [{"type":"pid"},{"type":"mount"},{"type":"uts"},{"type":"ipc"},{"type":"network"}]'
  run_ok c1 "$T/b"
  local n inside
  for n in mnt pid uts ipc net; do
    inside=$(echo "$OUT" | awk -v n=$n '$1 == n { print $2 }')
    assert_match "$inside" "^$n:\[[0-9]+\]$" "$n namespace link inside"
    assert_ne "$(host_ns $n)" "$inside" "$n namespace"
  done
}

test_unlisted_namespace_is_shared_with_host() {
  make_bundle "$T/b" sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc'
  jqset "$T/b" '.linux.namespaces = [.linux.namespaces[] | select(.type != "network" and .type != "ipc")]'
  run_ok c1 "$T/b"
  assert_eq "$(host_ns net)" "$(echo "$OUT" | sed -n 1p)" "net namespace without a network entry"
  assert_eq "$(host_ns ipc)" "$(echo "$OUT" | sed -n 2p)" "ipc namespace without an ipc entry"
}

test_network_namespace_has_only_lo() {
  make_bundle "$T/b" cat /proc/net/dev
  run_ok c1 "$T/b"
  local ifs
  ifs=$(echo "$OUT" | awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' | sort | tr '\n' ' ')
  assert_eq "lo " "$ifs" "interfaces in /proc/net/dev inside"
}

test_ipc_namespace_is_private() {
  # A SysV shm segment of the host must not be visible inside.
  command -v ipcmk >/dev/null || skip "ipcmk not installed"
  local shmid
  make_bundle "$T/b" sh -c 'cat /proc/sysvipc/shm | wc -l; readlink /proc/self/ns/ipc'
  shmid=$(ipcmk -M 4096 | grep -oE '[0-9]+$')
  [ -n "$shmid" ] || fail "ipcmk failed"
  [ "$(wc -l </proc/sysvipc/shm)" -gt 1 ] || { ipcrm -m "$shmid"; fail "the host shows no shm segment"; }
  run_ctr c1 "$T/b"
  ipcrm -m "$shmid"
  [ "$RC" -eq 0 ] || fail "container exited $RC: $ERR"
  # Only the header line of /proc/sysvipc/shm.
  assert_eq 1 "$(echo "$OUT" | sed -n 1p)" "lines of /proc/sysvipc/shm inside"
  assert_ne "$(host_ns ipc)" "$(echo "$OUT" | sed -n 2p)" "ipc namespace"
}

test_default_mounts_in_mountinfo() {
  make_bundle "$T/b" cat /proc/self/mountinfo
  # /sys is read-only by default in the OCI default spec; make sure of it.
  jqset "$T/b" '(.mounts[] | select(.destination == "/sys") | .options) |= (((. // []) - ["rw"]) + ["ro"] | unique)'
  run_ok c1 "$T/b"
  assert_eq proc "$(mi_fstype "$OUT" /proc)" "fs type on /proc"
  assert_eq tmpfs "$(mi_fstype "$OUT" /dev)" "fs type on /dev"
  assert_eq devpts "$(mi_fstype "$OUT" /dev/pts)" "fs type on /dev/pts"
  assert_eq tmpfs "$(mi_fstype "$OUT" /dev/shm)" "fs type on /dev/shm"
  assert_eq mqueue "$(mi_fstype "$OUT" /dev/mqueue)" "fs type on /dev/mqueue"
  assert_eq sysfs "$(mi_fstype "$OUT" /sys)" "fs type on /sys"
  has_opt "$(mi_opts "$OUT" /sys)" ro || fail "/sys is not mounted read-only: $(mi_opts "$OUT" /sys)"
}

test_no_host_mounts_visible() {
  make_bundle "$T/b" cat /proc/self/mountinfo
  run_ok c1 "$T/b"
  local dests mp ok d
  dests=$(jq -r '.mounts[].destination' "$T/b/config.json")
  while read -r mp; do
    ok=0
    case $mp in / | /proc | /proc/* | /dev | /dev/* | /sys | /sys/*) ok=1 ;; esac
    for d in $dests; do [ "$mp" != "$d" ] || ok=1; done
    [ $ok = 1 ] || fail "unexpected mount point '$mp' inside the container (host mount leaked?)"
  done < <(echo "$OUT" | awk '{ print $5 }')
}

test_root_readonly() {
  make_bundle "$T/b" sh -c 'touch /x'
  jqset "$T/b" '.root.readonly = true'
  run_ctr c1 "$T/b"
  assert_ne 0 "$RC" "exit status of 'touch /x' on a read-only root"
  assert_contains "$ERR" "Read-only file system" "stderr of touch"
  [ ! -e "$T/b/rootfs/x" ] || fail "/x was created on a read-only root"
}

test_root_writable() {
  make_bundle "$T/b" sh -c 'echo written > /x && echo ok'
  jqset "$T/b" '.root.readonly = false'
  run_ok c1 "$T/b"
  assert_eq ok "$OUT" "container stdout"
  assert_eq written "$(cat "$T/b/rootfs/x")" "the file written to / as seen in the bundle's rootfs"
}

test_env_from_config() {
  export MR_HOST_ONLY=must-not-leak
  make_bundle "$T/b" env
  jqset "$T/b" '.process.env += ["FOO=bar baz", "EMPTY=", "PATH=/bin:/usr/bin"]'
  run_ok c1 "$T/b"
  grep -qxF 'FOO=bar baz' <<<"$OUT" || fail "FOO=bar baz missing from env: $(_mr_show "$OUT")"
  grep -qxF 'EMPTY=' <<<"$OUT" || fail "EMPTY= missing from env: $(_mr_show "$OUT")"
  assert_not_contains "$OUT" MR_HOST_ONLY "container environment"
}

test_cwd_from_config() {
  make_bundle "$T/b" pwd
  jqset "$T/b" '.process.cwd = "/tmp"'
  run_ok c1 "$T/b"
  assert_eq /tmp "$OUT" "pwd inside"
}

test_user_and_groups() {
  make_bundle "$T/b" sh -c 'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  jqset "$T/b" '.process.user = {"uid": 65534, "gid": 65534, "additionalGids": [10, 20]}'
  run_ok c1 "$T/b"
  assert_contains "$OUT" "uid=65534" "id output"
  assert_contains "$OUT" "gid=65534" "id output"
  assert_eq "65534 65534 65534 65534" "$(echo "$OUT" | awk '$1 == "Uid:" { print $2, $3, $4, $5 }')" "Uid: of /proc/self/status"
  assert_eq "65534 65534 65534 65534" "$(echo "$OUT" | awk '$1 == "Gid:" { print $2, $3, $4, $5 }')" "Gid: of /proc/self/status"
  assert_eq "10 20" "$(echo "$OUT" | awk '$1 == "Groups:" { $1 = ""; print }' | tr ' ' '\n' | grep . | sort -n | paste -sd' ')" "supplementary groups"
}

test_root_user_has_no_stray_groups() {
  make_bundle "$T/b" sh -c 'grep -E "^(Uid|Groups):" /proc/self/status'
  jqset "$T/b" '.process.user = {"uid": 0, "gid": 0}'
  run_ok c1 "$T/b"
  assert_eq "0 0 0 0" "$(echo "$OUT" | awk '$1 == "Uid:" { print $2, $3, $4, $5 }')" "Uid:"
  local groups
  groups=$(echo "$OUT" | awk '$1 == "Groups:" { $1 = ""; print }' | tr -d ' ')
  # The host's supplementary groups must not be inherited.
  [ -z "$groups" ] || [ "$groups" = 0 ] || fail "unexpected supplementary groups: $groups"
}

test_umask_from_config() {
  make_bundle "$T/b" sh -c umask
  jqset "$T/b" '.process.user.umask = 63'
  run_ok c1 "$T/b"
  assert_eq 0077 "$OUT" "umask inside"
}

test_default_devices() {
  make_bundle "$T/b" sh -c '
    for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T" /dev/$d)"; done
    test -c /dev/ptmx && echo "ptmx char"
    echo "fd $(readlink /dev/fd)"
    echo "stdin $(readlink /dev/stdin)"
    echo "stdout $(readlink /dev/stdout)"
    echo "stderr $(readlink /dev/stderr)"
    test -d /dev/shm && echo "shm dir"
    test -d /dev/pts && echo "pts dir"'
  run_ok c1 "$T/b"
  local line
  for line in "null character special file 1:3" "zero character special file 1:5" \
    "full character special file 1:7" "random character special file 1:8" \
    "urandom character special file 1:9" "tty character special file 5:0" \
    "ptmx char" "fd /proc/self/fd" "stdin /proc/self/fd/0" "stdout /proc/self/fd/1" \
    "stderr /proc/self/fd/2" "shm dir" "pts dir"; do
    grep -qxF "$line" <<<"$OUT" || fail "expected '$line' in the device listing: $(_mr_show "$OUT")"
  done
}

test_devices_work() {
  make_bundle "$T/b" sh -c '
    echo x > /dev/null && echo null-ok
    echo "zero $(head -c 4 /dev/zero | wc -c)"
    echo "urandom $(head -c 16 /dev/urandom | wc -c)"
    echo x > /dev/full 2>/dev/null || echo full-fails'
  run_ok c1 "$T/b"
  assert_eq "null-ok
zero 4
urandom 16
full-fails" "$OUT" "device behaviour"
}

test_bind_mount_readonly() {
  mkdir "$T/host"
  echo host-data >"$T/host/file"
  make_bundle "$T/b" sh -c 'cat /data/file; touch /data/new'
  add_bind "$T/b" "$T/host" /data rbind ro
  run_ctr c1 "$T/b"
  assert_eq host-data "$OUT" "content of /data/file"
  assert_ne 0 "$RC" "exit status of touch on a read-only bind mount"
  assert_contains "$ERR" "Read-only file system" "stderr of touch"
  [ ! -e "$T/host/new" ] || fail "a file was created through a read-only bind mount"
}

test_bind_mount_writable() {
  mkdir "$T/host"
  echo host-data >"$T/host/file"
  make_bundle "$T/b" sh -c 'cat /data/file; echo from-container > /data/new'
  add_bind "$T/b" "$T/host" /data rbind
  run_ok c1 "$T/b"
  assert_eq host-data "$OUT" "content of /data/file"
  assert_eq from-container "$(cat "$T/host/new" 2>/dev/null)" "file written through the bind mount"
}

test_tmpfs_mount_options() {
  # tmpfs does not show mode=1777 in mountinfo (it is its default): a second
  # mount with mode=750 proves the mode option is really passed.
  make_bundle "$T/b" sh -c 'grep " /scratch " /proc/self/mountinfo; stat -c %a /scratch
                            echo x > /scratch/f && echo write-ok
                            grep " /scratch2 " /proc/self/mountinfo; stat -c %a /scratch2'
  jqset "$T/b" '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                             "options": ["nosuid", "size=1m", "mode=1777"]},
                            {"destination": "/scratch2", "type": "tmpfs", "source": "tmpfs",
                             "options": ["size=2m", "mode=750"]}]'
  run_ok c1 "$T/b"
  local mi mi2
  mi=$(echo "$OUT" | sed -n 1p)
  mi2=$(echo "$OUT" | sed -n 4p)
  [ "$(mi_fstype "$mi" /scratch)" = tmpfs ] || fail "no tmpfs on /scratch: $(_mr_show "$OUT")"
  has_opt "$(mi_superopts "$mi" /scratch)" size=1024k || fail "size=1m not applied: $mi"
  has_opt "$(mi_opts "$mi" /scratch)" nosuid || fail "nosuid not applied: $mi"
  assert_eq 1777 "$(echo "$OUT" | sed -n 2p)" "mode of /scratch"
  assert_eq write-ok "$(echo "$OUT" | sed -n 3p)" "writing to the tmpfs"
  [ "$(mi_fstype "$mi2" /scratch2)" = tmpfs ] || fail "no tmpfs on /scratch2: $(_mr_show "$OUT")"
  has_opt "$(mi_superopts "$mi2" /scratch2)" size=2048k || fail "size=2m not applied: $mi2"
  has_opt "$(mi_superopts "$mi2" /scratch2)" mode=750 || fail "mode=750 not applied: $mi2"
  assert_eq 750 "$(echo "$OUT" | sed -n 5p)" "mode of /scratch2"
}

test_user_namespace_uid_mapping() {
  unshare --user true 2>/dev/null || skip "user namespaces are not available here"
  make_bundle "$T/b" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u; readlink /proc/self/ns/user'
  jqset "$T/b" '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  run_ok c1 "$T/b"
  assert_eq "0 100000 65536" "$(echo "$OUT" | sed -n 1p | xargs)" "uid_map inside"
  assert_eq "0 100000 65536" "$(echo "$OUT" | sed -n 2p | xargs)" "gid_map inside"
  assert_eq 0 "$(echo "$OUT" | sed -n 3p)" "uid inside"
  assert_ne "$(host_ns user)" "$(echo "$OUT" | sed -n 4p)" "user namespace"
}

test_user_namespace_host_uid() {
  unshare --user true 2>/dev/null || skip "user namespaces are not available here"
  make_bundle "$T/b" sh -c 'echo ready; exec sleep 100'
  jqset "$T/b" '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  assert_ok $MR run -d --pid-file "$T/pid" --bundle "$T/b" c1
  local pid
  pid=$(cat "$T/pid")
  # Seen from the host, the container's root runs as uid 100000.
  assert_eq "100000 100000 100000 100000" "$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' /proc/$pid/status)" "host view of the container uid"
  ctr_cleanup c1
  wait_for 5 "container init $pid to be gone" pid_gone "$pid"
}

test_join_network_namespace_by_path() {
  make_bundle "$T/a" sleep 100
  assert_ok $MR run -d --pid-file "$T/a.pid" --bundle "$T/a" ca
  local pa nsa
  pa=$(cat "$T/a.pid")
  nsa=$(readlink /proc/$pa/ns/net)
  assert_ne "$(host_ns net)" "$nsa" "net namespace of the first container"
  make_bundle "$T/b" readlink /proc/self/ns/net
  jqset "$T/b" '.linux.namespaces = ([.linux.namespaces[] | select(.type != "network")]
                                     + [{"type": "network", "path": $p}])' --arg p "/proc/$pa/ns/net"
  run_ok cb "$T/b"
  assert_eq "$nsa" "$OUT" "net namespace of the container that joined by path"
  assert_eq running "$(ctr_status ca)" "status of the first container"
  ctr_cleanup ca
  wait_for 5 "container init $pa to be gone" pid_gone "$pa"
}

test_run_forwards_signals() {
  # Signals sent to a foreground `run` reach the container's init.
  make_bundle "$T/b" sh -c 'trap "echo got-TERM; exit 5" TERM; echo ready; while :; do sleep 0.05; done'
  $MR run --bundle "$T/b" c1 >"$T/out" 2>"$T/err" </dev/null &
  local runpid=$! rc=0
  wait_for 10 "the container to print 'ready'" file_contains "$T/out" ready
  kill -TERM "$runpid"
  wait "$runpid" || rc=$?
  assert_contains "$(cat "$T/out")" got-TERM "container output after TERM to 'run'"
  assert_eq 5 "$rc" "exit status of 'run' (the container's)"
}

test_bundle_path_with_space() {
  mkdir "$T/host dir"
  echo spaced >"$T/host dir/f"
  make_bundle "$T/my bundle" cat /data/f
  add_bind "$T/my bundle" "$T/host dir" /data rbind ro
  run_ok c1 "$T/my bundle"
  assert_eq spaced "$OUT" "file read through a bind mount whose source has a space"
}

test_no_pid_namespace() {
  make_bundle "$T/b" sh -c 'echo $$; readlink /proc/self/ns/pid'
  jqset "$T/b" '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]'
  run_ok c1 "$T/b"
  assert_ne 1 "$(echo "$OUT" | sed -n 1p)" "pid without a pid namespace"
  assert_eq "$(host_ns pid)" "$(echo "$OUT" | sed -n 2p)" "pid namespace without a pid entry"
}

test_bind_mount_file() {
  echo file-content >"$T/hostfile"
  make_bundle "$T/b" sh -c 'cat /etc/bound; stat -c %F /etc/bound'
  add_bind "$T/b" "$T/hostfile" /etc/bound rbind ro
  run_ok c1 "$T/b"
  assert_eq "file-content
regular file" "$OUT" "a single bind-mounted file"
}

test_large_output_through_pipe() {
  make_bundle "$T/b" head -c 1000000 /dev/zero
  local n
  n=$($MR run --bundle "$T/b" c1 </dev/null 2>"$T/err" | wc -c)
  assert_eq 1000000 "$n" "bytes received through a pipe (stderr: $(cat "$T/err"))"
}
