#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/image.sh: image roots (issue 7) measured. Not part of the test suite;
# needs root, mksquashfs, mkfs.erofs, busybox-static, jq, gcc. One run, so
# quote ratios, not absolute times (these machines are noisy).
#
#   1. per-container start latency (`run` of /bin/true, N each): a plain
#      directory rootfs, squashfs+overlay, EROFS (file-backed)+overlay, and
#      squashfs+overlay with org.minirun.rootfs.sha256 (digest cached)
#   2. a second container of a 50 MB image: its own mount vs the shared one
#      (bench/image-share.c: time and page cache)
#   3. cold-cache start of a 50 MB image (drop_caches before each), with and
#      without a digest to check (a cold digest cache: the file is hashed)
#   4. CYCLES create/delete cycles of an image container: extra loop devices,
#      mounts and temporary directories afterwards (must all be 0)
#   5. the code's cost: text size of libminirun/image/*.o
#
# env: MINIRUN_BUILDDIR (default: the top of this tree), WORK (default
#      /tmp/minirun-image-bench), N=50, CYCLES=500, SHARED_BENCH.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${MINIRUN_BUILDDIR:-$top}" && pwd)
shared=${SHARED_BENCH:-$top/../shared/bench}
work=${WORK:-/tmp/minirun-image-bench}
n=${N:-50}
cycles=${CYCLES:-500}

# shellcheck source=lib.sh
source "$top/bench/lib.sh"
bench_require mksquashfs mkfs.erofs jq gcc losetup
bench_minirun "$builddir"
[ -x "$minirun" ] || { echo "bench: no minirun in $builddir: run make first" >&2; exit 1; }

# Everything in a private mount namespace: no mount of ours can leak out.
if [ "${MR_IMAGE_BENCH_NS:-}" != 1 ]; then
  exec env MR_IMAGE_BENCH_NS=1 unshare -m --propagation private bash "$0" "$@"
fi

rm -rf "$work"
mkdir -p "$work"
state=$work/state
mr() { "$minirun" --root "$state" "$@"; }

"$shared/make-bundle.sh" "$work/dir" /bin/true >/dev/null
# crun's spec asks for ambient capabilities it cannot raise: a warning each run.
jq '.process.capabilities.ambient = []' "$work/dir/config.json" >"$work/dir/c.new"
mv "$work/dir/c.new" "$work/dir/config.json"
mksquashfs "$work/dir/rootfs" "$work/root.sqfs" -noappend -quiet >/dev/null
mkfs.erofs --quiet "$work/root.erofs" "$work/dir/rootfs" >/dev/null
# A 50 MB image: the rootfs plus 50 MB that do not compress.
mkdir -p "$work/big"
cp -a "$work/dir/rootfs/." "$work/big/"
head -c 50M /dev/urandom >"$work/big/blob"
mksquashfs "$work/big" "$work/big.sqfs" -noappend -quiet >/dev/null
mkfs.erofs --quiet "$work/big.erofs" "$work/big" >/dev/null

# bundle NAME ROOT [ANNOTATION=VALUE...]: a copy of the dir bundle's config.
bundle() {
  local b=$work/$1 root=$2 kv
  shift 2
  mkdir -p "$b"
  jq --arg r "$root" '.root.path = $r' "$work/dir/config.json" >"$b/config.json"
  for kv in "$@"; do
    jq --arg k "${kv%%=*}" --arg v "${kv#*=}" '.annotations[$k] = $v' "$b/config.json" >"$b/c.new"
    mv "$b/c.new" "$b/config.json"
  done
}
bundle b-dir "$work/dir/rootfs"
bundle b-sqfs "$work/root.sqfs"
bundle b-erofs "$work/root.erofs"
bundle b-sqfs-sha "$work/root.sqfs" "org.minirun.rootfs.sha256=$(sha256sum "$work/root.sqfs" | cut -d' ' -f1)"
bundle b-big "$work/big.sqfs"
bundle b-big-sha "$work/big.sqfs" "org.minirun.rootfs.sha256=$(sha256sum "$work/big.sqfs" | cut -d' ' -f1)"
sleep 2.1 # the digest cache skips files changed in the last 2 s

now_us() { echo $(($(date +%s%N) / 1000)); }

# avg_run BUNDLE: mean wall time of `run` over N runs, in microseconds.
avg_run() {
  local b=$work/$1 i t0
  mr run --bundle "$b" warm >/dev/null # warm the caches (and the digest cache)
  t0=$(now_us)
  for i in $(seq "$n"); do mr run --bundle "$b" "r$i" >/dev/null; done
  echo $((($(now_us) - t0) / n))
}

echo "== 1. start latency: run /bin/true, mean of $n"
dir_us=$(avg_run b-dir)
printf '%-34s %8s us  %s\n' "directory rootfs" "$dir_us" "1.00"
for b in b-sqfs b-erofs b-sqfs-sha; do
  us=$(avg_run "$b")
  case $b in
  b-sqfs) name="squashfs + overlay" ;;
  b-erofs) name="EROFS (file-backed) + overlay" ;;
  *) name="squashfs + overlay + sha256 (cached)" ;;
  esac
  printf '%-34s %8s us  %s\n' "$name" "$us" "$(echo "scale=2; $us / $dir_us" | bc)"
done

echo "== 2. a second container of a 50 MB image: its own mount vs the shared one (mean of 200)"
gcc -O2 -o "$work/image-share" "$top/bench/image-share.c"
for fs in squashfs erofs; do
  img=$work/big.sqfs
  [ $fs = erofs ] && img=$work/big.erofs
  read -r sep shr sep_kb shr_kb < <("$work/image-share" $fs "$img" "$work" 200)
  printf '%-9s own mount %6s us, shared %4s us; page cache when two containers read every file: %s MB (two mounts) vs %s MB (one)\n' \
    "$fs" "$sep" "$shr" "$((sep_kb / 1024))" "$((shr_kb / 1024))"
done

echo "== 3. cold-cache start of a 50 MB squashfs image"
cold() {
  local b=$1 t0
  rm -rf "$state/.image-digests"
  sync
  echo 3 >/proc/sys/vm/drop_caches
  t0=$(now_us)
  mr run --bundle "$work/$b" cold >/dev/null
  echo $(($(now_us) - t0))
}
printf '%-44s %8s us\n' "no digest" "$(cold b-big)"
printf '%-44s %8s us\n' "with sha256 (cold cache: hashes 50 MB)" "$(cold b-big-sha)"
rm -rf "$state/.image-digests"
t0=$(now_us)
mr run --bundle "$work/b-big-sha" warm >/dev/null
printf '%-44s %8s us\n' "with sha256, digest not cached, page cache warm" "$(($(now_us) - t0))"
mr run --bundle "$work/b-big-sha" warmup >/dev/null
sync
echo 3 >/proc/sys/vm/drop_caches
t0=$(now_us)
mr run --bundle "$work/b-big-sha" cold >/dev/null
printf '%-44s %8s us\n' "with sha256, digest cached, page cache cold" "$(($(now_us) - t0))"

echo "== 4. $cycles create/delete cycles (squashfs + overlay)"
loops() { losetup -a | wc -l; }
mounts() { wc -l </proc/self/mountinfo; }
# The runtime's temporary directories are all under the state root (the
# container's image.root/lower/upper, the store's <key>/mnt): counted there.
l0=$(loops) m0=$(mounts) s0=$(find "$state" | wc -l)
start=$(now_us)
bundle b-cycle "$work/root.sqfs"
jq '.process.args = ["sleep", "100"]' "$work/b-cycle/config.json" >"$work/b-cycle/c.new"
mv "$work/b-cycle/c.new" "$work/b-cycle/config.json"
for i in $(seq "$cycles"); do
  mr create --bundle "$work/b-cycle" cyc >/dev/null
  mr delete --force cyc
done
echo "mean create+delete: $((($(now_us) - start) / cycles)) us"
echo "extra loop devices: $(($(loops) - l0)), extra mounts: $(($(mounts) - m0)), extra files or directories under the state root: $(($(find "$state" | wc -l) - s0)) (image store: $(find "$state/.layers" -mindepth 1 -printf '%f'))"

echo "== 5. code size (text bytes of libminirun/image/*.o)"
size "$builddir"/libminirun/image/.libs/*.o 2>/dev/null | awk 'NR > 1 { t += $1; printf "%-50s %7d\n", $6, $1 } END { printf "%-50s %7d\n", "total", t }'
