#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2016,SC2086
#
# podman-checks.sh LAYOUT GROUP DIR RUNTIME - the project's podman checklist
# (run by test-podman.sh), in a private mount namespace it is started in.
#
#   LAYOUT  hybrid: the host's cgroups as they are (v1 controllers + the
#           cgroup2 unified mount, which crun refuses); v1: the unified
#           mount unmounted first (only in this private namespace).
#   GROUP   run | exec | lifecycle
#   DIR     podman's storage, run root, config and tmp (the image is built
#           there once: shared between the groups, under a lock)
#
# Prints "PASS what" / "FAIL what: why" per check, then "N passed, N failed".
# Every container runs with --cgroup-parent $CGP; the caller removes it.
set -u
layout=$1 group=$2 D=$3 RT=$4
CGP=${MR_PODMAN_CGROUP_PARENT:-/minirun-test-podman}

if [ "$layout" = v1 ] && mountpoint -q /sys/fs/cgroup/unified; then
  umount /sys/fs/cgroup/unified || { echo "FAIL setup: cannot unmount the unified hierarchy"; exit 1; }
fi

mkdir -p "$D"/{root,runroot,tmp,vol}
# Without CAP_SYS_RESOURCE (this machine's root) podman's default
# nofile/nproc limits (1048576) cannot be set: ask for the hard limits we have.
# (podman caps nproc at pid_max itself.)
nofile=$(ulimit -Hn) hu=$(ulimit -Hu) nproc=$(cat /proc/sys/kernel/pid_max)
[ "$nofile" = unlimited ] && nofile=1048576
[ "$hu" != unlimited ] && [ "$hu" -lt "$nproc" ] && nproc=$hu
cat >"$D/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$D/root"
runroot = "$D/runroot"
EOC
cat >"$D/containers.conf" <<EOC
[containers]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "$D/tmp"
lock_type = "file"
runtime_supports_json = ["crun", "runc", "minirun"]
runtime_supports_nocgroup = ["crun", "minirun"]
EOC
export CONTAINERS_CONF=$D/containers.conf CONTAINERS_STORAGE_CONF=$D/storage.conf TMPDIR=$D/tmp
IMG=localhost/minirun-test-busybox:2
npass=0 nfail=0
OUT=$D/tmp/out.$$
pod() { timeout -k 5 30 podman --runtime "$RT" "$@"; }
run() { "$@" >"$OUT" 2>&1 </dev/null; RC=$?; }
ok() { npass=$((npass + 1)); echo "PASS $1"; }
bad() { nfail=$((nfail + 1)); echo "FAIL $1: $2 ($(head -c 300 "$OUT" | tr '\n' ' '))"; }
check() { # WHAT CONDITION...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what" "rc=$RC"; fi
}
has() { grep -aq -- "$1" "$OUT"; }
is_rc() { [ "$RC" = "$1" ]; }
status_of() { podman --runtime "$RT" inspect -f '{{.State.Status}}' "$1" 2>/dev/null; }
pid_of() { podman --runtime "$RT" inspect -f '{{.State.Pid}}' "$1" 2>/dev/null; }
# The v1 file of controller $2 for container pid $1.
cg_v1() { local p; p=$(awk -F: -v c="$2" '$2 ~ "(^|,)" c "(,|$)" { print $3 }' /proc/$1/cgroup); cat "/sys/fs/cgroup/$2$p/$3"; }

# The image: a static busybox tree imported once per DIR.
if ! podman image exists $IMG 2>/dev/null; then
  r=$D/tmp/rootfs
  rm -rf "$r" && mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,run}
  cp /bin/busybox "$r/bin/busybox"
  for a in $("$r/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
  tar -C "$r" -cf "$D/tmp/rootfs.tar" . && rm -rf "$r"
  podman import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' "$D/tmp/rootfs.tar" $IMG >/dev/null 2>&1 ||
    { echo "FAIL setup: podman import"; exit 1; }
fi
P="--cgroup-parent $CGP"

case $group in
run)
  run pod run --rm $P $IMG echo hi
  check "run --rm echo" eval 'is_rc 0 && [ "$(cat $OUT)" = hi ]'
  run pod run --rm $P $IMG sh -c 'exit 3'
  check "exit code 3" is_rc 3
  run pod run --rm $P $IMG /nonexistent
  check "missing executable -> 127" is_rc 127
  run pod run --rm $P $IMG /etc/passwd
  check "non-executable -> 126" eval 'is_rc 126 && has "ermission denied"'
  run pod run --rm $P -e X=1 --user 65534:65534 --workdir /tmp --hostname pm-host $IMG sh -c 'echo X=$X; id -u; pwd; hostname'
  check "-e --user --workdir --hostname" eval 'is_rc 0 && has "^X=1$" && has "^65534$" && has "^/tmp$" && has "^pm-host$"'
  run sh -c "echo piped | timeout 30 podman --runtime '$RT' run --rm -i $P $IMG cat"
  check "run -i" eval 'is_rc 0 && has "^piped$"'
  run pod run --rm $P --read-only $IMG sh -c 'touch /x 2>/dev/null && echo root-rw; touch /tmp/y && echo tmp-rw'
  check "--read-only" eval 'is_rc 0 && ! has root-rw && has tmp-rw'
  run pod run --rm $P --cap-drop all --cap-add CAP_NET_RAW $IMG grep -E "^Cap(Eff|Bnd)" /proc/self/status
  check "--cap-drop all --cap-add NET_RAW" eval 'is_rc 0 && [ "$(grep -c 0000000000002000 $OUT)" = 2 ]'
  run pod run --rm $P $IMG grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
  check "default seccomp filter" eval 'is_rc 0 && has "Seccomp:[[:space:]]*2"'
  run pod run --rm $P --security-opt seccomp=unconfined --security-opt no-new-privileges $IMG grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
  # (In the old-kernel mode, MR_ENOSYS_SYSCALLS set, the enosys-launcher's
  # own filter is inherited: mode 2 even unconfined.)
  check "seccomp=unconfined, no-new-privileges" eval 'is_rc 0 && { [ -n "${MR_ENOSYS_SYSCALLS:-}" ] || has "Seccomp:[[:space:]]*0"; } && has "NoNewPrivs:[[:space:]]*1"'
  run pod run --rm $P --ulimit nofile=100:200 --ulimit nproc=$nproc:$nproc $IMG sh -c 'ulimit -n; ulimit -Hn'
  check "--ulimit nofile=100:200" eval 'is_rc 0 && has "^100$" && has "^200$"'
  run pod run --rm $P $IMG sh -c 'cat /proc/kcore >/dev/null 2>&1 && echo kcore-read; ls /proc/acpi 2>/dev/null | wc -l'
  check "masked paths (/proc/kcore)" eval 'is_rc 0 && ! has kcore-read'
  rm -f "$D/vol/f"
  run pod run --rm $P -v "$D/vol:/data" $IMG sh -c 'echo hello >/data/f'
  check "-v bind mount" eval 'is_rc 0 && [ "$(cat $D/vol/f 2>/dev/null)" = hello ]'
  run pod run --rm $P --network host $IMG readlink /proc/self/ns/net
  check "--network host" eval 'is_rc 0 && [ "$(cat $OUT)" = "$(readlink /proc/self/ns/net)" ]'
  if [ -x /usr/libexec/podman/catatonit ]; then
    run pod run --rm $P --init $IMG cat /proc/1/cmdline
    check "--init" eval 'is_rc 0 && has podman-init'
  fi
  run pod run --rm --cgroups=disabled $IMG echo nocg
  check "--cgroups=disabled" eval 'is_rc 0 && has "^nocg$"'
  ;;
exec)
  run pod run -d $P --name pm-main $IMG sh -c 'trap "touch /tmp/usr1" USR1; trap "exit 7" TERM; echo to-log; while :; do sleep 0.1; done'
  check "run -d" eval 'is_rc 0 && [ "$(status_of pm-main)" = running ]'
  run pod exec pm-main sh -c 'echo exec-ok; exit 5'
  check "exec output, exit 5" eval 'is_rc 5 && has "^exec-ok$"'
  run sh -c "echo in | timeout 30 podman --runtime '$RT' exec -i pm-main cat"
  check "exec -i" eval 'is_rc 0 && has "^in$"'
  run pod exec pm-main /nonexistent
  check "exec missing -> 127" is_rc 127
  run pod exec pm-main /etc/passwd
  check "exec non-executable -> 126" is_rc 126
  run pod exec -u 65534 -w /tmp -e A=b pm-main sh -c 'id -u; pwd; echo A=$A'
  check "exec -u -w -e" eval 'is_rc 0 && has "^65534$" && has "^/tmp$" && has "^A=b$"'
  run pod exec --preserve-fds 1 pm-main sh -c 'test -e /proc/self/fd/3 && echo fd3' 3</dev/null
  check "exec --preserve-fds 1" eval 'is_rc 0 && has fd3'
  # SHELL fixed and --foreground: script runs "$SHELL -c"; a shell that
  # forks (dash, or bash when SHELL is unset) leaves a plain timeout in a
  # process group of its own, in the background on the pty, and podman's
  # raw-mode tcsetattr then stops it (SIGTTOU) until the timeout.
  run env SHELL=/bin/sh script -qec "timeout --foreground 30 podman --runtime '$RT' exec -t pm-main sh -c 'tty; exit 6'" /dev/null
  check "exec -t (pty, exit 6)" eval 'is_rc 6 && has /dev/pts/'
  pid=$(pid_of pm-main)
  run pod exec pm-main cat /proc/self/cgroup
  check "exec'd process in the container's cgroups" eval 'is_rc 0 && [ "$(cat $OUT)" = "$(cat /proc/$pid/cgroup)" ]'
  run pod top pm-main
  check "top" eval 'is_rc 0 && has sleep'
  run pod logs pm-main
  check "logs" eval 'is_rc 0 && has to-log'
  run pod kill -s USR1 pm-main
  sleep 0.3
  run pod exec pm-main test -f /tmp/usr1
  check "kill -s USR1" is_rc 0
  run pod pause pm-main
  check "pause (frozen)" eval 'is_rc 0 && [ "$(status_of pm-main)" = paused ] && [ "$(cg_v1 $pid freezer freezer.state)" = FROZEN ]'
  run pod exec pm-main true
  check "exec into paused refused" eval '! is_rc 0'
  run pod unpause pm-main
  check "unpause" eval 'is_rc 0 && [ "$(status_of pm-main)" = running ]'
  run pod update --memory 128m pm-main
  check "update --memory 128m" eval 'is_rc 0 && [ "$(cg_v1 $pid memory memory.limit_in_bytes)" = 134217728 ]'
  run pod stop -t 10 pm-main
  check "stop (TERM trapped, exit 7)" eval 'is_rc 0 && [ "$(podman --runtime $RT inspect -f {{.State.ExitCode}} pm-main)" = 7 ]'
  run pod rm -f -t 0 pm-main
  check "rm" is_rc 0
  ;;
lifecycle)
  run pod run -d $P --name pm-res --memory 64m --pids-limit 10 $IMG sleep 1000
  pid=$(pid_of pm-res)
  run pod exec pm-res sh -c 'i=0; while [ $i -lt 20 ]; do sleep 2 & i=$((i+1)); done; wait'
  check "--memory 64m --pids-limit 10 set and enforced on exec" eval '[ "$(cg_v1 $pid memory memory.limit_in_bytes)" = 67108864 ] && [ "$(cg_v1 $pid pids pids.max)" = 10 ] && has "fork\|Resource temporarily"'
  run pod restart -t 0 pm-res
  check "restart" eval 'is_rc 0 && [ "$(status_of pm-res)" = running ]'
  run pod stop -t 1 pm-res
  check "stop -t 1 (KILL, 137)" eval 'is_rc 0 && [ "$(podman --runtime $RT inspect -f {{.State.ExitCode}} pm-res)" = 137 ]'
  run pod start pm-res
  check "start again" eval 'is_rc 0 && [ "$(status_of pm-res)" = running ]'
  run pod run -d $P --name pm-hc --health-cmd 'test -d /tmp' --health-interval 0 $IMG sleep 1000
  run pod healthcheck run pm-hc
  check "healthcheck (exec)" is_rc 0
  run pod run -d $P --name pm-hostpid --pid host $IMG sleep 1000
  run pod stop -t 1 pm-hostpid
  check "stop a --pid=host container (kill --all)" eval 'is_rc 0 && [ "$(status_of pm-hostpid)" = exited ]'
  ;;
esac
podman --runtime "$RT" rm -a -f -t 0 >/dev/null 2>&1
left=$(podman --runtime "$RT" ps -aq | wc -l)
[ "$left" = 0 ] && ok "nothing left in podman" || { : >"$OUT"; bad "nothing left in podman" "$left containers"; }
echo "$npass passed, $nfail failed"
