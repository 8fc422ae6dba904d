#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vm-run.sh - run one command inside a throw-away Linux VM (QEMU) with a chosen
# cgroup layout or CPU architecture, the build tree shared read-write.
#
#   tests/vm/vm-run.sh [OPTIONS] -- CMD [ARG...]
#
#   --cgroup v2|v1|hybrid   cgroup layout of the guest (default v2):
#                           v2      cgroup2 only at /sys/fs/cgroup (cgroup_no_v1=all)
#                           v1      one v1 hierarchy per controller under a tmpfs
#                                   /sys/fs/cgroup (+ name=systemd), like systemd "legacy"
#                           hybrid  v1 + cgroup2 at /sys/fs/cgroup/unified (like this CI host)
#   --arch x86_64|arm64     guest CPU (default x86_64). arm64 is emulated (TCG, cortex-a72):
#                           the host's x86 programs do not run there, CMD must be an arm64
#                           program or a busybox sh script (see "arm64" below)
#   --icount                deterministic single-vCPU mode (-icount shift=0, arm64 only): the
#                           emulated PMU counts retired instructions exactly
#   --share DIR             one more host directory shared read-write at its host path
#                           (repeatable); the work directory is always shared
#   --workdir DIR           the directory CMD starts in, shared read-write (default: the
#                           current directory; never /)
#   --env VAR               copy host variable VAR into the guest (repeatable)
#   --timeout SECONDS       for boot + command (default 900)
#   --mem MIB / --cpus N    guest RAM (default 2048) / vCPUs (default: host CPUs, max 4)
#   --setup                 only prepare (install packages, fetch the kernel, build the
#                           initramfs) and exit 0, or 77 with the reason
#   --verbose               show the kernel console and timings
#
# CMD runs as root in the guest with the exit status, stdout and stderr coming
# back as vm-run.sh's own: one argument is a shell command line (bash -c; busybox
# sh on arm64), several are an argv. stdin is /dev/null.
#
# Exit status: CMD's; 77 (automake's SKIP) when no VM can be run here, with the
# reason on stderr ("vm-run: SKIP: ..."); 124 on timeout; 125 when the VM failed
# (no status came back; the kernel console tail is printed). So a `make check`
# test that only wraps vm-run.sh skips by itself where QEMU is missing.
#
# The guest. / is an overlay: the host's / shared read-only (virtio-9p) under a
# tmpfs upper layer, so every program, library and package of the host (bash,
# jq, perl, busybox-static, the compilers, the build tree) is there unchanged;
# writes outside the shared directories go to guest RAM and vanish. Fresh
# /proc, /sys, /dev, /tmp, /run. The kernel is Debian's stock linux-image-amd64
# or -arm64 (apt-get download into a cache, never installed on the host); its
# modules auto-load. VM_RUN=1 and VM_RUN_CGROUP=v2|v1|hybrid are set in the
# guest; MINIRUN, MINIRUN_BUILDDIR, MINIRUN_SRCDIR, CC, CFLAGS, CPPFLAGS,
# LDFLAGS, MAKEFLAGS, CI and V are copied when set. So, from a build tree:
#
#   tests/vm/vm-run.sh --cgroup v1 -- tests/integration/run.sh -k 'cgroup'
#
# runs the integration runner once in a v1 VM (one boot for the whole suite).
#
# arm64: the guest's shell is an arm64 busybox (also /bin/sh and first in PATH);
# dynamically linked arm64 programs find their libraries when the host has the
# arm64 multiarch packages (scripts/install-cross.sh aarch64). Needs
# `dpkg --add-architecture arm64` (done here when run as root).
#
# Needs only Debian packages: qemu-system-x86 (qemu-system-arm for arm64),
# busybox-static, xz-utils, cpio; installed with apt-get when run as root.
#
# Environment (the options win): VMRUN_CGROUP, VMRUN_ARCH, VMRUN_ICOUNT=1,
# VMRUN_TIMEOUT, VMRUN_MEM, VMRUN_CPUS, VMRUN_SHARES="/a:/b", VMRUN_PASS_ENV="A B",
# VMRUN_VERBOSE=1, VMRUN_CACHE=/var/cache/minirun-vm (kernels and initramfs, ~450 MB
# per kernel), VMRUN_KERNEL_PKG=linux-image-6.1.0-NN-amd64 (pin a kernel),
# VMRUN_ACCEL=auto|kvm|tcg (x86_64; auto uses KVM only when kvm_intel/kvm_amd is
# loaded), VMRUN_MODULES="loop fuse tun" (loaded at boot), VMRUN_CONTROLLERS
# (cgroup2 root subtree_control), VMRUN_CMDLINE_EXTRA (kernel command line).
#
# Adapted from ../shared/bench/vm-run.sh.
set -euo pipefail

me=vm-run
die() {
  echo "$me: $*" >&2
  exit 125
}
skip() {
  echo "$me: SKIP: $*" >&2
  exit 77
}
log() { if [ "$VERBOSE" = 1 ]; then echo "$me: $*" >&2; fi; }
usage() {
  sed -n '4,28s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

CGROUP=${VMRUN_CGROUP:-v2}
ARCH=${VMRUN_ARCH:-x86_64}
ICOUNT=${VMRUN_ICOUNT:-0}
TIMEOUT=${VMRUN_TIMEOUT:-900}
MEM=${VMRUN_MEM:-2048}
CPUS=${VMRUN_CPUS:-}
VERBOSE=${VMRUN_VERBOSE:-0}
ACCEL=${VMRUN_ACCEL:-auto}
CACHE=${VMRUN_CACHE:-/var/cache/minirun-vm}
CONTROLLERS=${VMRUN_CONTROLLERS-+cpu +cpuset +io +memory +pids +hugetlb +misc +rdma}
MODULES=${VMRUN_MODULES-loop fuse tun}
PASS_ENV="MINIRUN MINIRUN_BUILDDIR MINIRUN_SRCDIR CC CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS CI V ${VMRUN_PASS_ENV:-}"
SHARE_LIST=()
IFS=: read -r -a SHARE_LIST <<<"${VMRUN_SHARES:-}"
WORK=$PWD
SETUP_ONLY=0

while [ $# -gt 0 ]; do
  case $1 in
  --cgroup) CGROUP=${2:?--cgroup needs v2, v1 or hybrid}; shift 2 ;;
  --arch) ARCH=${2:?--arch needs x86_64 or arm64}; shift 2 ;;
  --icount) ICOUNT=1; shift ;;
  --share) SHARE_LIST+=("${2:?--share needs a directory}"); shift 2 ;;
  --workdir) WORK=${2:?--workdir needs a directory}; shift 2 ;;
  --env) PASS_ENV="$PASS_ENV ${2:?--env needs a variable name}"; shift 2 ;;
  --timeout) TIMEOUT=${2:?}; shift 2 ;;
  --mem) MEM=${2:?}; shift 2 ;;
  --cpus) CPUS=${2:?}; shift 2 ;;
  --setup) SETUP_ONLY=1; shift ;;
  --verbose) VERBOSE=1; shift ;;
  --) shift; break ;;
  -h | --help) usage ;;
  -*) echo "$me: unknown option $1" >&2; usage ;;
  *) break ;;
  esac
done
[ $SETUP_ONLY = 1 ] || [ $# -ge 1 ] || usage

case $CGROUP in v2 | v1 | hybrid) ;; *) die "--cgroup must be v2, v1 or hybrid (got $CGROUP)" ;; esac
[ "$(uname -m)" = x86_64 ] || skip "only x86_64 hosts are supported (this is $(uname -m))"
case $ARCH in
x86_64 | amd64) ARCH=x86_64 DEBARCH=amd64 QEMU=qemu-system-x86_64 QPKG=qemu-system-x86 ;;
arm64 | aarch64) ARCH=arm64 DEBARCH=arm64 QEMU=qemu-system-aarch64 QPKG=qemu-system-arm ;;
*) die "--arch must be x86_64 or arm64 (got $ARCH)" ;;
esac
[ "$ICOUNT" = 0 ] || [ $ARCH = arm64 ] || die "--icount is for --arch arm64 (x86_64 TCG has no exact PMU)"
if [ -z "$CPUS" ]; then
  CPUS=$(nproc)
  [ "$CPUS" -le 4 ] || CPUS=4
fi
[ "$ICOUNT" = 0 ] || CPUS=1 # -icount is single-threaded: more vCPUs only interleave
IS_ROOT=0
[ "$(id -u)" != 0 ] || IS_ROOT=1

# ---------------------------------------------------------------- packages
apt_quiet() { apt-get -o DPkg::Lock::Timeout=600 -o APT::Get::Assume-Yes=true "$@" >&2; }
need=()
command -v $QEMU >/dev/null || need+=("$QPKG")
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v xz >/dev/null || need+=(xz-utils)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
  [ $IS_ROOT = 1 ] || skip "missing ${need[*]} and not root to install them"
  echo "$me: installing ${need[*]}" >&2
  { apt_quiet install --no-install-recommends "${need[@]}" ||
    { apt_quiet update && apt_quiet install --no-install-recommends "${need[@]}"; }; } ||
    skip "could not install ${need[*]} with apt-get"
fi
command -v $QEMU >/dev/null || skip "$QEMU not found after installing $QPKG"
if [ $ARCH = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  [ $IS_ROOT = 1 ] || skip "--arch arm64 needs: dpkg --add-architecture arm64 && apt-get update (as root)"
  echo "$me: dpkg --add-architecture arm64 (for the arm64 kernel and busybox)" >&2
  dpkg --add-architecture arm64
  apt_quiet update || true
fi

# ---------------------------------------------------------------- kernel + guest busybox (cached)
mkdir -p "$CACHE" 2>/dev/null || skip "cannot create the cache $CACHE (set VMRUN_CACHE)"
exec 9>"$CACHE/.lock"
flock 9
meta=linux-image-$DEBARCH
[ $ARCH = x86_64 ] || meta=$meta:arm64
kernel_pkg() { apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=${VMRUN_KERNEL_PKG:-$(kernel_pkg)}
if [ -z "$KPKG" ]; then # no package lists: reuse a cached kernel, else update the lists
  KPKG=$(ls -1d "$CACHE"/linux-image-*-"$DEBARCH"/ 2>/dev/null | tail -1 | xargs -r basename) || true
  if [ -z "$KPKG" ] && [ $IS_ROOT = 1 ]; then
    apt_quiet update || true
    KPKG=$(kernel_pkg)
  fi
fi
KPKG=${KPKG%:arm64}
[ -n "$KPKG" ] || skip "cannot find a $meta kernel package (apt-get update?)"

fetch_deb() { # fetch_deb PKG[:arch] DIR: extracts the .deb into DIR
  local tmp deb
  tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
  (cd "$tmp" && apt-get download "$1" 2>&1 | grep -v unsandboxed >&2) || true
  deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
  if [ -z "$deb" ]; then
    rm -rf "$tmp"
    skip "apt-get download $1 failed"
  fi
  mkdir -p "$2" && dpkg-deb -x "$deb" "$2"
  rm -rf "$tmp"
}
KDIR=$CACHE/$KPKG
if [ ! -e "$KDIR/.ready" ]; then
  echo "$me: preparing kernel $KPKG in $KDIR" >&2
  rm -rf "$KDIR"
  if [ $ARCH = arm64 ]; then fetch_deb "$KPKG:arm64" "$KDIR/root"; else fetch_deb "$KPKG" "$KDIR/root"; fi
  KV=$(ls "$KDIR/root/lib/modules")
  busybox depmod -b "$KDIR/root" "$KV"
  if [ $ARCH = x86_64 ]; then
    # An uncompressed vmlinux boots ~2 s faster under TCG (no in-guest xz,
    # PVH entry). xz exits non-zero because of the data after the stream: the
    # ELF magic is what counts.
    bz=$KDIR/root/boot/vmlinuz-$KV
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1) || true
    [ -z "$off" ] || { tail -c +$((off + 1)) "$bz" | xz -dc >"$KDIR/vmlinux.tmp" 2>/dev/null || true; }
    if [ -s "$KDIR/vmlinux.tmp" ] && [ "$(head -c 4 "$KDIR/vmlinux.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
      mv "$KDIR/vmlinux.tmp" "$KDIR/vmlinux"
    else
      rm -f "$KDIR/vmlinux.tmp"
    fi
  fi
  echo "$KV" >"$KDIR/.ready"
fi
KV=$(cat "$KDIR/.ready")
MODDIR=$KDIR/root/lib/modules/$KV
KERNEL=$KDIR/vmlinux
[ -e "$KERNEL" ] || KERNEL=$KDIR/root/boot/vmlinuz-$KV
if [ $ARCH = x86_64 ]; then
  GBUSYBOX=/bin/busybox
else
  GBUSYBOX=$CACHE/busybox-arm64/bin/busybox
  [ -x "$GBUSYBOX" ] || fetch_deb busybox-static:arm64 "$CACHE/busybox-arm64"
fi
[ -x "$GBUSYBOX" ] || skip "no static busybox for $ARCH"

# ---------------------------------------------------------------- initramfs (cached)
# Stage 1 (initramfs): the host's / (9p, read-only) under a tmpfs overlay, the
# shares at their host paths, then switch_root into it.
read -r -d '' STAGE1 <<'INIT1' || true
#!/bin/busybox sh
B=/bin/busybox
fail() { echo "vm-run init: $*" >/dev/console; $B sleep 1; $B poweroff -f; }
$B mount -t proc proc /proc; $B mount -t sysfs sys /sys; $B mount -t devtmpfs dev /dev
for m in $($B cat /modules.list); do $B insmod /lib/modules/$m.ko 2>/dev/null; done
O=trans=virtio,version=9p2000.L,msize=262144
$B mkdir -p /ctl /lower /upper /newroot
$B mount -t 9p -o $O ctl /ctl || fail "cannot mount ctl share"
$B mount -t 9p -o $O,ro,cache=loose hostroot /lower || fail "cannot mount host root"
$B mount -t tmpfs -o mode=0755 upper /upper
$B mkdir -p /upper/u /upper/w
$B mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w vmroot /newroot || fail "overlay failed"
for d in tmp run; do $B mount -t tmpfs -o mode=1777 $d /newroot/$d; done
$B chmod 0755 /newroot/run
$B mkdir -p /newroot/run/vm-run /newroot/run/vm-run-bin
$B cp /bin/busybox /init2 /newroot/run/vm-run-bin/
KV=$($B uname -r)
MODSRC=$($B cat /ctl/moddir)
if [ -d "/lower$MODSRC" ]; then
  $B mkdir -p /newroot/lib/modules/$KV && $B mount --bind "/lower$MODSRC" /newroot/lib/modules/$KV
fi
i=0
while read -r dir; do
  [ -n "$dir" ] || continue
  $B mkdir -p "/newroot$dir"
  $B mount -t 9p -o $O,cache=mmap "share$i" "/newroot$dir" || fail "cannot mount share$i at $dir"
  i=$((i + 1))
done < /ctl/shares
$B mount --move /ctl /newroot/run/vm-run
for d in dev proc sys; do $B mount --move /$d /newroot/$d; done
exec $B switch_root /newroot /run/vm-run-bin/busybox sh /run/vm-run-bin/init2
INIT1

# Stage 2: PID 1 in the overlay. The cgroup layout a systemd host of that mode
# would have, the usual /dev entries, then the command.
read -r -d '' STAGE2 <<'INIT2' || true
B=/run/vm-run-bin/busybox
C=/run/vm-run
export PATH=/run/vm-run-bin:/usr/sbin:/usr/bin:/sbin:/bin
$B ln -s busybox /run/vm-run-bin/modprobe
echo /run/vm-run-bin/modprobe > /proc/sys/kernel/modprobe
mods=$($B cat $C/modules); [ -z "$mods" ] || $B modprobe -a $mods || echo "vm-run: modprobe -a $mods failed" >&2
CGMODE=$($B cat $C/cgroup)
if [ "$CGMODE" = v2 ]; then
  CG2=/sys/fs/cgroup
else
  $B mount -t tmpfs -o mode=0755,nosuid,nodev,noexec cgroup /sys/fs/cgroup
  for c in $($B awk '!/^#/ && $4 == 1 {print $1}' /proc/cgroups); do
    case $c in cpu|net_cls) continue ;; cpuacct) c=cpu,cpuacct ;; net_prio) c=net_cls,net_prio ;; esac
    $B mkdir -p /sys/fs/cgroup/$c
    $B mount -t cgroup -o nosuid,nodev,noexec,$c cgroup /sys/fs/cgroup/$c 2>/dev/null || $B rmdir /sys/fs/cgroup/$c
    case $c in *,*) for n in ${c%,*} ${c#*,}; do $B ln -s $c /sys/fs/cgroup/$n; done ;; esac
  done
  $B mkdir -p /sys/fs/cgroup/systemd
  $B mount -t cgroup -o nosuid,nodev,noexec,none,name=systemd cgroup /sys/fs/cgroup/systemd
  CG2=
  if [ "$CGMODE" = hybrid ]; then CG2=/sys/fs/cgroup/unified; $B mkdir -p $CG2; fi
fi
if [ -n "$CG2" ]; then
  $B mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $CG2 2>/dev/null ||
    $B mount -t cgroup2 -o nsdelegate cgroup2 $CG2
  ctl=$($B cat $C/controllers)
  [ -z "$ctl" ] || echo "$ctl" > $CG2/cgroup.subtree_control 2>/dev/null ||
    for c in $ctl; do echo "$c" > $CG2/cgroup.subtree_control 2>/dev/null; done
fi
$B mkdir -p /dev/pts /dev/shm /dev/mqueue
$B mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts /dev/pts
$B ln -sf pts/ptmx /dev/ptmx 2>/dev/null
$B mount -t tmpfs -o mode=1777 shm /dev/shm
$B mount -t mqueue mqueue /dev/mqueue 2>/dev/null
$B ln -sf /proc/self/fd /dev/fd; $B ln -sf /proc/self/fd/0 /dev/stdin
$B ln -sf /proc/self/fd/1 /dev/stdout; $B ln -sf /proc/self/fd/2 /dev/stderr
$B mount -t tmpfs -o mode=1777 tmp /var/tmp 2>/dev/null
$B mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
$B mount -t bpf bpf /sys/fs/bpf 2>/dev/null
$B mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
$B mkdir -p /run/lock /run/user
$B hostname vm-run
$B ip link set lo up 2>/dev/null
OUT=/dev/null ERR=/dev/console
for p in /sys/class/virtio-ports/*; do
  case $($B cat $p/name 2>/dev/null) in out) OUT=/dev/${p##*/} ;; err) ERR=/dev/${p##*/} ;; esac
done
PATHS=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SH=/bin/bash
if ! [ -x $SH ] || ! $SH -c : 2>/dev/null; then
  # a foreign-arch guest: the host's programs do not run; busybox applets come
  # first in PATH and become /bin/sh and /usr/bin/env (in the tmpfs overlay only)
  $B mkdir -p /run/vm-run-bin/applets && $B --install -s /run/vm-run-bin/applets
  $B ln -sf $B /usr/bin/sh; $B ln -sf $B /usr/bin/env
  [ -L /bin ] || { $B ln -sf $B /bin/sh; $B ln -sf $B /bin/env; }
  PATHS=/run/vm-run-bin/applets:$PATHS SH="$B sh"
fi
WORK=$($B cat $C/workdir)
cd "$WORK" || cd /
$B env -i HOME=/root USER=root LOGNAME=root TERM=dumb LANG=C.UTF-8 VM_RUN=1 VM_RUN_CGROUP=$CGMODE PATH=$PATHS \
  $SH -c ". $C/env; . $C/cmd" </dev/null >$OUT 2>$ERR
rc=$?
echo $rc > $C/rc.tmp && $B mv $C/rc.tmp $C/rc
$B sync
$B poweroff -f
INIT2

if [ $ARCH = x86_64 ]; then
  IMODS="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console netfs fscache 9pnet 9pnet_virtio 9p overlay"
else
  IMODS="virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console netfs fscache 9pnet 9pnet_virtio 9p overlay"
fi
ihash=$(printf '%s\n%s\n%s\n%s\n' "$STAGE1" "$STAGE2" "$KV" "$IMODS" | cat - "$GBUSYBOX" | md5sum | cut -c1-12)
INITRD=$CACHE/initrd-$KV-$ihash.cpio.gz
if [ ! -e "$INITRD" ]; then
  st=$(mktemp -d)
  mkdir -p "$st"/{bin,proc,sys,dev,lib/modules}
  cp "$GBUSYBOX" "$st/bin/busybox"
  printf '%s\n' "$STAGE1" >"$st/init"
  chmod 755 "$st/init"
  printf '%s\n' "$STAGE2" >"$st/init2"
  : >"$st/modules.list"
  for m in $IMODS; do # modules built into this kernel are simply absent
    f=$(find "$MODDIR/kernel" -name "$m.ko" | head -1)
    [ -z "$f" ] || { cp "$f" "$st/lib/modules/" && echo "$m" >>"$st/modules.list"; }
  done
  (cd "$st" && find . | cpio -o -H newc --quiet | gzip -1) >"$INITRD.tmp" && mv "$INITRD.tmp" "$INITRD"
  rm -rf "$st"
fi
flock -u 9
if [ $SETUP_ONLY = 1 ]; then
  echo "$me: ready: $ARCH kernel $KV ($KERNEL), initramfs $INITRD"
  exit 0
fi

# ---------------------------------------------------------------- machine
# shellcheck disable=SC2054 # the commas are inside QEMU option values
if [ $ARCH = x86_64 ]; then
  if [ "$ACCEL" = auto ]; then
    ACCEL=tcg
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
      ACCEL=kvm
    fi
  fi
  case $ACCEL in
  kvm) MACHINE=(-accel kvm -cpu host) ;;
  tcg) MACHINE=(-accel tcg,thread=multi -cpu max) ;;
  *) die "VMRUN_ACCEL must be auto, kvm or tcg" ;;
  esac
  CONSOLE=ttyS0
else
  ACCEL=tcg
  if [ "$ICOUNT" = 1 ]; then
    MACHINE=(-M virt -accel tcg -icount shift=0 -cpu cortex-a72)
  else
    MACHINE=(-M virt -accel tcg,thread=multi -cpu cortex-a72)
  fi
  CONSOLE=ttyAMA0
fi

# ---------------------------------------------------------------- per-run control dir
WORK=$(cd "$WORK" && pwd -P) || die "--workdir $WORK not found"
[ "$WORK" != / ] || die "refusing to share / read-write; cd into a project directory"
CTL=$(mktemp -d "${TMPDIR:-/tmp}/vm-run.XXXXXX")
QPID='' CAT1='' CAT2=''
cleanup() {
  [ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
  for p in $CAT1 $CAT2; do kill "$p" 2>/dev/null || true; done
  rm -rf "$CTL"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ $# -eq 1 ]; then
  printf '%s\n' "$1" >"$CTL/cmd"
else
  printf '%q ' "$@" >"$CTL/cmd"
  echo >>"$CTL/cmd"
fi
: >"$CTL/env"
for v in $PASS_ENV; do
  if [ -n "${!v+x}" ]; then printf 'export %s=%q\n' "$v" "${!v}" >>"$CTL/env"; fi
done
printf '%s\n' "$CONTROLLERS" >"$CTL/controllers"
printf '%s\n' "$CGROUP" >"$CTL/cgroup"
printf '%s\n' "$MODDIR" >"$CTL/moddir"
printf '%s\n' "$MODULES" >"$CTL/modules"
printf '%s\n' "$WORK" >"$CTL/workdir"
printf '%s\n' "$WORK" >"$CTL/shares"
SHARES=(-virtfs "local,path=$WORK,mount_tag=share0,security_model=none,multidevs=remap,id=share0")
i=1
for d in "${SHARE_LIST[@]}"; do
  [ -n "$d" ] || continue
  d=$(cd "$d" && pwd -P) || die "share $d not found"
  [ "$d" != "$WORK" ] || continue
  printf '%s\n' "$d" >>"$CTL/shares"
  SHARES+=(-virtfs "local,path=$d,mount_tag=share$i,security_model=none,multidevs=remap,id=share$i")
  i=$((i + 1))
done

case $CGROUP in
v2) APPEND="cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" ;;
*) APPEND="systemd.unified_cgroup_hierarchy=0" ;;
esac
APPEND="console=$CONSOLE panic=-1 $APPEND mitigations=off random.trust_cpu=on"
[ "$VERBOSE" = 1 ] || APPEND="$APPEND quiet loglevel=3"
APPEND="$APPEND ${VMRUN_CMDLINE_EXTRA:-}"

# The guest's stdout/stderr ports -> FIFOs -> cat processes that inherit our
# stdout/stderr (pipes, ttys and files keep working; each stream stays ordered).
mkfifo "$CTL/out.in" "$CTL/out.out" "$CTL/err.in" "$CTL/err.out"
cat "$CTL/out.out" &
CAT1=$!
cat "$CTL/err.out" >&2 &
CAT2=$!
log "arch=$ARCH accel=$ACCEL cpus=$CPUS mem=${MEM}M cgroup=$CGROUP kernel=$KERNEL work=$WORK"
t0=$(date +%s%N)
set +e
timeout -k 10 "$TIMEOUT" $QEMU -nodefaults -no-user-config -display none -no-reboot \
  "${MACHINE[@]}" -m "$MEM" -smp "$CPUS" \
  -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND" \
  -chardev file,id=con,path="$CTL/console.log" -serial chardev:con \
  -device virtio-serial-pci,id=vser \
  -chardev pipe,id=out,path="$CTL/out" -device virtserialport,bus=vser.0,chardev=out,name=out \
  -chardev pipe,id=err,path="$CTL/err" -device virtserialport,bus=vser.0,chardev=err,name=err \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hostroot" \
  -virtfs "local,path=$CTL,mount_tag=ctl,security_model=none,id=ctl" \
  "${SHARES[@]}" </dev/null &
QPID=$!
wait $QPID
qrc=$?
QPID=
wait $CAT1 $CAT2 2>/dev/null
CAT1='' CAT2=''
set -e
log "VM exited (qemu/timeout rc=$qrc) after $((($(date +%s%N) - t0) / 1000000)) ms"
if [ "$VERBOSE" = 1 ]; then
  echo "---- kernel console" >&2
  cat "$CTL/console.log" >&2
fi
if [ -s "$CTL/rc" ]; then
  exit "$(cat "$CTL/rc")"
fi
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
  echo "$me: timed out after ${TIMEOUT}s; last kernel console lines:" >&2
  tail -n 20 "$CTL/console.log" >&2 2>/dev/null || true
  exit 124
fi
echo "$me: the VM stopped without reporting an exit status (qemu rc=$qrc); kernel console:" >&2
tail -n 40 "$CTL/console.log" >&2 2>/dev/null || true
exit 125
