#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2086
#
# containerd-flow.sh DIR RUNTIME CGROUP_PARENT - containerd driving minirun
# through its runc v2 shim (ctr --runc-binary), run by test-containerd.sh in
# a private mount namespace. A containerd of its own (socket, root and state
# under DIR, CRI off) is started and stopped here; the image is a busybox
# tree made into a docker archive with podman. Prints PASS/FAIL lines and
# "N passed, N failed".
set -u
D=$1 RT=$2 CGP=$3
npass=0 nfail=0
OUT=$D/out
ok() { npass=$((npass + 1)); echo "PASS $1"; }
bad() { nfail=$((nfail + 1)); echo "FAIL $1 ($(head -c 300 "$OUT" | tr '\n' ' '))"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
run() { timeout 20 "$@" >"$OUT" 2>&1 </dev/null; RC=$?; }
has() { grep -aq -- "$1" "$OUT"; }

# The image: busybox imported into a private podman store, saved as a
# docker archive.
mkdir -p "$D"/{p/root,p/runroot,p/tmp,rootfs/bin,rootfs/etc,rootfs/tmp,rootfs/proc,rootfs/dev,rootfs/sys}
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/p/root"\nrunroot = "%s/p/runroot"\n' "$D" "$D" >"$D/p/storage.conf"
cp /bin/busybox "$D/rootfs/bin/busybox"
for a in $("$D/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$D/rootfs/bin/$a"; done
tar -C "$D/rootfs" -cf "$D/rootfs.tar" .
CONTAINERS_STORAGE_CONF=$D/p/storage.conf TMPDIR=$D/p/tmp sh -c \
  "podman import --change 'ENV PATH=/bin' '$D/rootfs.tar' localhost/ctrd-busybox:1 &&
   podman save --format docker-archive -o '$D/img.tar' localhost/ctrd-busybox:1" >"$OUT" 2>&1 ||
  { bad "image"; echo "$npass passed, $nfail failed"; exit 1; }

cat >"$D/config.toml" <<EOC
version = 2
root = "$D/root"
state = "$D/state"
[grpc]
  address = "$D/sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable = true
EOC
containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 &
cpid=$!
for _ in $(seq 50); do [ -S "$D/sock" ] && break; sleep 0.1; done
# A namespace of our own: the runc shim keeps the runtime's state under
# /run/containerd/runc/<namespace>, shared by every containerd on the
# machine (the suite's two modes run this flow at the same time).
NS=minirun-test-${D//[^a-zA-Z0-9]/}
C="ctr -a $D/sock -n $NS"
run $C images import "$D/img.tar"
IMG=localhost/ctrd-busybox:1
check "image import" [ $RC = 0 ]
R="--runc-binary $RT"

run $C run $R --cgroup $CGP/t1 --rm $IMG t1 sh -c 'echo hello; exit 4'
check "run --rm (output, exit 4)" eval '[ $RC = 4 ] && has hello'
# SHELL fixed and --foreground: script runs "$SHELL -c"; a shell that forks
# (dash, or bash when SHELL is unset, as under CI) leaves a plain timeout in
# a background process group on the pty, and ctr's raw-mode tcsetattr then
# stops it (SIGTTOU) until the timeout.
run env SHELL=/bin/sh script -qec "timeout --foreground 20 $C run $R --cgroup $CGP/t2 --rm -t $IMG t2 sh -c 'tty; exit 0'" /dev/null
check "run -t (pty)" eval '[ $RC = 0 ] && has /dev/pts/'
run $C run $R --cgroup $CGP/t3 -d $IMG t3 sleep 1000
check "run -d" [ $RC = 0 ]
run $C task exec --exec-id e1 t3 sh -c 'echo from-exec; exit 3'
check "task exec (output, exit 3)" eval '[ $RC = 3 ] && has from-exec'
run env SHELL=/bin/sh script -qec "timeout --foreground 20 $C task exec -t --exec-id e2 t3 sh -c 'tty; exit 0'" /dev/null
check "task exec -t" eval '[ $RC = 0 ] && has /dev/pts/'
run $C task ps t3
check "task ps" eval '[ $RC = 0 ] && [ "$(grep -c "^[0-9]" $OUT)" -ge 1 ]'
run $C task pause t3
ok_pause=$RC
run $C task ls
check "task pause" eval '[ $ok_pause = 0 ] && grep -q "^t3 .*PAUSED" $OUT'
run $C task resume t3
ok_resume=$RC
run $C task ls
check "task resume" eval '[ $ok_resume = 0 ] && grep -q "^t3 .*RUNNING" $OUT'
run $C task metrics t3
check "task metrics" eval '[ $RC = 0 ] && has memory'
run $C task kill -s KILL t3
sleep 0.5
run $C task delete t3
check "task kill + delete" [ $RC = 0 ]
run $C containers rm t3
run "$RT" --root "/run/containerd/runc/$NS" list -q
check "no runtime state left" eval '[ $RC = 0 ] && ! grep -qx "t[123]" $OUT'
kill $cpid
wait $cpid 2>/dev/null
rm -rf "/run/containerd/runc/$NS"
echo "$npass passed, $nfail failed"
