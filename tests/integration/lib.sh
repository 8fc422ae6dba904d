# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2013
#
# lib.sh - helpers of the minirun integration tests.
#
# Two uses:
#   - sourced by run.sh (the runner side: rootfs cache, leftover checks);
#   - executed as `bash lib.sh __run FILE FUNC` by the runner: that is one
#     test, in its own process, under `timeout`, with `set -eEuo pipefail`.
#
# Environment of a test (set by the runner):
#   MINIRUN          absolute path of the minirun binary
#   T                the test's private temp dir (removed after a clean pass)
#   MR_TEST_TAG      = $T; also put into every container's process.env, so
#                    the runner finds every process a test left behind by
#                    scanning /proc/*/environ
#   MR_ROOTFS_CACHE  directory holding the busybox rootfs built once
#
# Inside a test:
#   MR="$MINIRUN --root $T/state"   (a fresh state root per test)
#   make_bundle DIR [ARGS...]       busybox rootfs + config.json (terminal false,
#                                   process.args = ARGS)
#   jqset DIR 'jq expr' [jq options...]   edit DIR/config.json in place
#   add_bind DIR HOSTDIR DEST [OPTIONS...]
#   assert_eq / assert_ne / assert_contains / assert_not_contains / assert_match
#   assert_fail_with MSG CMD...     CMD exits non-zero and its stderr contains MSG
#   assert_fail_with_i MSG CMD...   same, case-insensitive
#   fail MSG / skip MSG

MR_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
BUSYBOX=${BUSYBOX:-/bin/busybox}
# Applets linked in the rootfs (the brief's list plus a few the tests use).
MR_APPLETS="sh cat echo ls id hostname sleep true false mount grep readlink stat env pwd touch
mkdir test wc head awk sed ps kill [ printf tr cut rm chmod ln sort tail uname dd"
MR_ROOTFS_VERSION=3

# ---------------------------------------------------------------------------
# Runner side
# ---------------------------------------------------------------------------

# Builds the busybox rootfs once into ${TMPDIR:-/tmp}/minirun-test-rootfs-UID
# and prints its directory (the rootfs itself is DIR/rootfs).
mr_rootfs_cache() {
  local base stamp tmp a
  base=${TMPDIR:-/tmp}/minirun-test-rootfs-$(id -u)
  stamp="$MR_ROOTFS_VERSION $(stat -L -c '%s %Y' "$BUSYBOX") $MR_APPLETS"
  if [ -f "$base/stamp" ] && [ "$(cat "$base/stamp")" = "$stamp" ]; then
    echo "$base"
    return 0
  fi
  [ -x "$BUSYBOX" ] || { echo "busybox not found at $BUSYBOX" >&2; return 1; }
  if command -v file >/dev/null && file -L "$BUSYBOX" | grep -q 'dynamically linked'; then
    echo "$BUSYBOX is not static (install busybox-static)" >&2
    return 1
  fi
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/minirun-test-rootfs.XXXXXX") || return 1
  chmod 755 "$tmp"
  (
    set -e
    r=$tmp/rootfs
    mkdir -p "$r/bin" "$r/proc" "$r/dev" "$r/sys" "$r/tmp" "$r/etc" "$r/root" "$r/mnt"
    chmod 755 "$r" "$r/bin" "$r/proc" "$r/dev" "$r/sys" "$r/etc" "$r/root" "$r/mnt"
    chmod 1777 "$r/tmp"
    cp "$BUSYBOX" "$r/bin/busybox"
    chmod 755 "$r/bin/busybox"
    for a in $MR_APPLETS; do ln -s busybox "$r/bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
    chmod 644 "$r/etc/passwd" "$r/etc/group"
    printf '%s\n' "$stamp" >"$tmp/stamp"
  ) || { rm -rf "$tmp"; return 1; }
  rm -rf --one-file-system "$base"
  mv "$tmp" "$base" || return 1
  echo "$base"
}

# The default state root: tests that run `minirun` without --root use it, and
# other suites run in parallel on the same machine, so only entries that
# appear during a test and can be attributed to it count.
MR_DEFAULT_ROOT=${MR_DEFAULT_ROOT:-/run/minirun}

# mr_snapshot T: records what exists before the test runs (entries of the
# default state root, cgroup directories) so the checker reports only what
# is new.
mr_snapshot() {
  local t=$1
  ls -A "$MR_DEFAULT_ROOT" >"$t/.mr-snap-root" 2>/dev/null || true
  find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d 2>/dev/null | sort >"$t/.mr-snap-cgroups" || true
}

# One pass of the checker (tests/integration/leftovers.pl): one line per
# thing test dir $1 left behind, "KIND WHAT...".
_mr_leftovers_once() {
  # The commands of the caller's pipeline are not leftovers of the test.
  MR_CHECKER_SELF=${MR_CHECKER_SELF:-$BASHPID} \
    perl "$(dirname "$MR_LIB")/leftovers.pl" "$1" "$MR_DEFAULT_ROOT"
}

# Prints one line per thing test dir $1 left behind; nothing when clean:
# state dirs (under T/state, and new ones of the default root naming T),
# processes and zombies, mounts, loop devices, cgroup directories. Waits
# up to ~3s for things that are merely slow to go away.
mr_leftovers() {
  local t=$1 out end=$((SECONDS + 3))
  while :; do
    out=$(_mr_leftovers_once "$t")
    [ -n "$out" ] || return 0
    [ "$SECONDS" -lt "$end" ] || break
    sleep 0.1
  done
  printf '%s\n' "$out" | sed 's/$/ left behind/'
}

# Best-effort cleanup of what a test left behind: delete its containers with
# the product (only dirs whose state.json names T: others run suites in
# parallel), then SIGKILL its remaining processes. Never unmounts anything.
# Returns 1 when mounts under $1 remain.
mr_cleanup() {
  local t=$1 d p i
  for d in $(_mr_leftovers_once "$t" | awk '$1 == "state" && NF == 2 { print $2 }'); do
    timeout 10 "$MINIRUN" --root "${d%/*}" delete --force "${d##*/}" >/dev/null 2>&1 </dev/null || true
  done
  for i in 1 2 3 4 5 6 7 8 9 10; do
    p=$(_mr_leftovers_once "$t" | awk '$1 == "process" { print $2 }')
    [ -n "$p" ] || break
    # shellcheck disable=SC2086
    kill -9 $p 2>/dev/null || true
    sleep 0.1
  done
  ! grep -qF "/${t##*/}" /proc/self/mountinfo
}

# ---------------------------------------------------------------------------
# Test side: failing, skipping
# ---------------------------------------------------------------------------

# Records the first reason only (later failures are consequences).
_mr_reason() {
  [ -s "$T/.reason" ] || printf '%s\n' "$*" >"$T/.reason"
}

fail() {
  _mr_reason "$*"
  echo "FAILED: $*" >&2
  exit 1
}

skip() {
  printf '%s\n' "$*" >"$T/.skip"
  exit 77
}

# In the old-kernel mode (run.sh, MR_OLD_KERNEL=1) a test of a feature that
# needs a newer kernel skips, saying which: need_new_kernel "idmapped mounts
# (Linux 5.12)". A test may instead assert the clear error the old kernel
# gives; old_kernel_mode tells it which to do.
old_kernel_mode() { [ -n "${MR_ENOSYS_SYSCALLS:-}" ]; }
need_new_kernel() {
  if old_kernel_mode; then
    skip "old-kernel mode: needs $*"
  fi
}

# Image roots (test-image.sh, test-image-layers.sh): the tools that build
# the images and a kernel that mounts squashfs, or the test skips.
need_image_tools() {
  command -v mksquashfs >/dev/null || skip "mksquashfs (squashfs-tools) is not installed"
  command -v mkfs.erofs >/dev/null || skip "mkfs.erofs (erofs-utils) is not installed"
  grep -qw squashfs /proc/filesystems || modprobe squashfs 2>/dev/null ||
    skip "the kernel has no squashfs"
}

_mr_on_err() {
  local rc=$1 cmd=$2 where=$3
  _mr_reason "command failed with status $rc at $where: $cmd"
}

# ---------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------

_mr_show() {
  # A value shown in a failure message: one line, bounded.
  local s=$1
  s=${s//$'\n'/\\n}
  [ ${#s} -le 400 ] || s="${s:0:400}..."
  printf '%s' "$s"
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$(_mr_show "$1")', got '$(_mr_show "$2")'"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
  [ "$1" != "$2" ] || fail "${3:-value}: expected something other than '$(_mr_show "$1")'"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
  [[ $1 == *"$2"* ]] || fail "${3:-output} does not contain '$(_mr_show "$2")': '$(_mr_show "$1")'"
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
  [[ $1 != *"$2"* ]] || fail "${3:-output} unexpectedly contains '$(_mr_show "$2")': '$(_mr_show "$1")'"
}

assert_match() { # STRING ERE [WHAT]
  [[ $1 =~ $2 ]] || fail "${3:-output} does not match /$2/: '$(_mr_show "$1")'"
}

# Runs CMD (stdin /dev/null); sets LAST_RC, LAST_OUT, LAST_ERR.
capture() {
  LAST_RC=0
  "$@" >"$T/.cap_out" 2>"$T/.cap_err" </dev/null || LAST_RC=$?
  LAST_OUT=$(cat "$T/.cap_out")
  LAST_ERR=$(cat "$T/.cap_err")
}

assert_ok() { # CMD...
  capture "$@"
  [ "$LAST_RC" -eq 0 ] ||
    fail "'$*' exited $LAST_RC (stderr: '$(_mr_show "$LAST_ERR")')"
}

_mr_assert_fail() {
  local icase=$1 msg=$2
  shift 2
  capture "$@"
  [ "$LAST_RC" -ne 0 ] ||
    fail "'$*' succeeded but should fail with '$msg' (stdout: '$(_mr_show "$LAST_OUT")', stderr: '$(_mr_show "$LAST_ERR")')"
  if [ "$icase" = 1 ]; then
    [[ ${LAST_ERR,,} == *"${msg,,}"* ]] ||
      fail "'$*' exited $LAST_RC, but stderr lacks '$msg' (any case): '$(_mr_show "$LAST_ERR")'"
  else
    [[ $LAST_ERR == *"$msg"* ]] ||
      fail "'$*' exited $LAST_RC, but stderr lacks '$msg': '$(_mr_show "$LAST_ERR")'"
  fi
}

assert_fail_with() { _mr_assert_fail 0 "$@"; }
assert_fail_with_i() { _mr_assert_fail 1 "$@"; }

# mr_strerror GLIBC-TEXT: how the C library of $MINIRUN words the error
# glibc calls GLIBC-TEXT (messages end in strerror's text, and musl words
# these differently; scripts/check-musl.sh runs the tests with a static musl
# CLI). musl: a dynamic binary with musl's loader, or a static one that
# carries musl's table.
mr_strerror() {
  local musl
  case $1 in
  'Too many levels of symbolic links') musl='Symbolic link loop' ;;
  'Device or resource busy') musl='Resource busy' ;;
  'Operation not supported') musl='Not supported' ;;
  'Inappropriate ioctl for device') musl='Not a tty' ;;
  'Numerical result out of range') musl='Result not representable' ;;
  'Value too large for defined data type') musl='Value too large for data type' ;;
  'Too many open files') musl='No file descriptors available' ;;
  'File name too long') musl='Filename too long' ;;
  'Cannot allocate memory') musl='Out of memory' ;;
  'Invalid cross-device link') musl='Cross-device link' ;;
  *) musl=$1 ;;
  esac
  if grep -qaE 'ld-musl-|Symbolic link loop' "$MINIRUN"; then echo "$musl"; else echo "$1"; fi
}

# ---------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------

# mr_cc: the C compiler the build tree's libminirun was built with (CC of
# its Makefile: musl-gcc in scripts/check-musl.sh's tree), for the tests
# that compile a program against $MINIRUN_BUILDDIR/.libs; else gcc.
mr_cc() {
  local cc
  cc=$(sed -n 's/^CC = //p' "${MINIRUN_BUILDDIR:-.}/Makefile" 2>/dev/null | head -n 1)
  echo "${cc:-gcc}"
}

# mr_san_cflags: the compiler flags a test program linked against the build
# tree's libminirun needs: the sanitizers' when the tree was configured with
# --enable-sanitizers (their runtime must come first), else nothing.
mr_san_cflags() {
  if grep -q '^SANITIZER_CFLAGS = .*-fsanitize' "${MINIRUN_BUILDDIR:-.}/Makefile" 2>/dev/null; then
    echo "-fsanitize=address,undefined"
  fi
}

# make_bundle DIR [ARGS...]: DIR/rootfs (a copy of the cached busybox rootfs)
# and DIR/config.json from `minirun spec`, with terminal false, process.args =
# ARGS (default: true) and MR_TEST_TAG added to process.env.
make_bundle() {
  local b=$1
  shift
  [ $# -gt 0 ] || set -- true
  mkdir -p "$b"
  cp -a "$MR_ROOTFS_CACHE/rootfs" "$b/rootfs"
  (cd "$b" && "$MINIRUN" spec) >"$T/.spec_log" 2>&1 </dev/null ||
    fail "make_bundle: '$MINIRUN spec' failed: $(_mr_show "$(cat "$T/.spec_log")")"
  [ -s "$b/config.json" ] || fail "make_bundle: '$MINIRUN spec' wrote no config.json"
  jq -e . "$b/config.json" >/dev/null 2>&1 || fail "make_bundle: '$MINIRUN spec' wrote invalid JSON"
  jqset "$b" '.process.terminal = false
    | .process.args = $ARGS.positional
    | .root.path = "rootfs"
    | .process.env = ((.process.env // []) + ["MR_TEST_TAG=" + $tag])' \
    --arg tag "$MR_TEST_TAG" --args -- "$@"
}

# jqset DIR EXPR [jq options...]: rewrites DIR/config.json with `jq EXPR`.
jqset() {
  local b=$1 expr=$2
  shift 2
  jq "$expr" "$@" <"$b/config.json" >"$b/config.json.new" ||
    fail "jqset: jq '$expr' failed on $b/config.json"
  mv "$b/config.json.new" "$b/config.json"
}

# set_args DIR ARGS...
set_args() {
  local b=$1
  shift
  jqset "$b" '.process.args = $ARGS.positional' --args -- "$@"
}

# add_bind DIR HOSTDIR DEST [OPTIONS...] (default options: rbind)
add_bind() {
  local b=$1 src=$2 dst=$3
  shift 3
  [ $# -gt 0 ] || set -- rbind
  jqset "$b" '.mounts += [{"destination": $dst, "type": "bind", "source": $src,
                           "options": $ARGS.positional}]' \
    --arg src "$src" --arg dst "$dst" --args -- "$@"
}

# ---------------------------------------------------------------------------
# Containers and processes
# ---------------------------------------------------------------------------

# run_ctr ID BUNDLE [RUN OPTIONS...]: `minirun run` in the foreground; the
# container's stdout/stderr go to $T/ID.out/$T/ID.err; sets RC, OUT, ERR.
run_ctr() {
  local id=$1 b=$2
  shift 2
  echo "$id" >>"$T/.mr-ids"
  RC=0
  $MR run --bundle "$b" "$@" "$id" >"$T/$id.out" 2>"$T/$id.err" </dev/null || RC=$?
  OUT=$(cat "$T/$id.out")
  ERR=$(cat "$T/$id.err")
}

# run_ok ID BUNDLE [RUN OPTIONS...]: run_ctr and require exit status 0.
run_ok() {
  run_ctr "$@"
  [ "$RC" -eq 0 ] ||
    fail "container $1 exited $RC (stdout: '$(_mr_show "$OUT")', stderr: '$(_mr_show "$ERR")')"
}

# create_ok ID BUNDLE [CREATE OPTIONS...]: `minirun create` must return (within
# 10s) with status 0; the container's stdout/stderr are $T/ID.out/$T/ID.err.
create_ok() {
  local id=$1 b=$2 rc=0
  shift 2
  echo "$id" >>"$T/.mr-ids"
  timeout 10 $MR create --bundle "$b" "$@" "$id" >"$T/$id.out" 2>"$T/$id.err" </dev/null || rc=$?
  [ "$rc" -eq 0 ] || fail "create $id exited $rc (stderr: '$(_mr_show "$(cat "$T/$id.err")")')"
}

# run_d_ok ID BUNDLE [RUN OPTIONS...]: `minirun run --detach`, same conventions.
run_d_ok() {
  local id=$1 b=$2 rc=0
  shift 2
  echo "$id" >>"$T/.mr-ids"
  timeout 10 $MR run --detach --bundle "$b" "$@" "$id" >"$T/$id.out" 2>"$T/$id.err" </dev/null || rc=$?
  [ "$rc" -eq 0 ] || fail "run --detach $id exited $rc (stderr: '$(_mr_show "$(cat "$T/$id.err")")')"
}

# Status of container ID according to `minirun state`.
ctr_status() {
  $MR state "$1" </dev/null | jq -r .status
}

ctr_pid() {
  $MR state "$1" </dev/null | jq -r .pid
}

# True when PID exists and is not a zombie.
pid_alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_for SECONDS WHAT CMD...: polls CMD until it succeeds; fails the test
# with "timed out waiting for WHAT" otherwise.
wait_for() {
  local secs=$1 what=$2 i n
  shift 2
  n=$((secs * 20))
  for ((i = 0; i < n; i++)); do
    if "$@"; then return 0; fi
    sleep 0.05
  done
  fail "timed out after ${secs}s waiting for $what"
}

file_contains() { [ -f "$1" ] && grep -qF -- "$2" "$1"; }
status_is() { [ "$(ctr_status "$1" 2>/dev/null)" = "$2" ]; }
pid_gone() { ! pid_alive "$1"; }

# Kills (if needed) and deletes container ID; fails when delete fails.
ctr_cleanup() {
  local id=$1
  capture $MR delete --force "$id"
  [ "$LAST_RC" -eq 0 ] || fail "cleanup: delete --force $id exited $LAST_RC: $(_mr_show "$LAST_ERR")"
}

host_ns() { readlink "/proc/self/ns/$1"; }

# ---------------------------------------------------------------------------
# State and mountinfo helpers shared by the test files
# ---------------------------------------------------------------------------

# No container directory may exist under the state root.
assert_no_state() {
  local d
  for d in "$T"/state/*/; do
    [ -d "$d" ] && fail "state dir $d exists after a failed operation"
  done
  return 0
}

# assert_nothing_left [WHAT]: the leftover checker of the runner, run now
# (e.g. after each case of a table): no state dir, process, zombie, mount,
# loop device or cgroup of this test may exist.
assert_nothing_left() {
  local left
  left=$(mr_leftovers "$T")
  [ -z "$left" ] || fail "${1:-}${1:+: }left behind: $(echo "$left" | head -n5 | paste -sd';' -)"
}

# The loop devices backed by file $1, one per line (none: nothing).
loops_of() { losetup -j "$1" 2>/dev/null | cut -d: -f1 || true; }

# Prints the mountinfo line of the visible mount on mount point $2 in $1.
mi_line() {
  echo "$1" | awk -v mp="$2" '$5 == mp { l = $0 } END { print l }'
}

# Prints the fs type of the (last, i.e. visible) mount on mount point $2 in
# mountinfo text $1.
mi_fstype() {
  echo "$1" | awk -v mp="$2" '$5 == mp { for (i = 7; i <= NF; i++) if ($i == "-") { t = $(i + 1); break } } END { print t }'
}

# Prints the per-mount options (field 6) of the visible mount on $2.
mi_opts() {
  echo "$1" | awk -v mp="$2" '$5 == mp { o = $6 } END { print o }'
}

# Prints the super options (after the source) of the visible mount on $2.
mi_superopts() {
  echo "$1" | awk -v mp="$2" '$5 == mp { for (i = 7; i <= NF; i++) if ($i == "-") { o = $(i + 3); break } } END { print o }'
}

# Prints the optional fields (shared:N, master:N, ...) of the visible mount on $2.
mi_optional() {
  echo "$1" | awk -v mp="$2" '$5 == mp { o = ""; for (i = 7; i <= NF && $i != "-"; i++) o = o " " $i } END { print o }'
}

# True when comma-separated list $1 has the element $2.
has_opt() { [[ ,$1, == *",$2,"* ]]; }

# ---------------------------------------------------------------------------
# Entry point of one test
# ---------------------------------------------------------------------------
if [ "${1:-}" = __run ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _file=$2
  _func=$3
  : "${T:?}" "${MINIRUN:?}" "${MR_ROOTFS_CACHE:?}" "${MR_TEST_TAG:?}"
  MR="$MINIRUN --root $T/state"
  TESTS_DIR=$(dirname "$MR_LIB")
  export MR T MINIRUN TESTS_DIR
  cd "$T"
  # shellcheck disable=SC1090
  source "$_file"
  set -eEuo pipefail
  trap '_mr_on_err $? "$BASH_COMMAND" "${FUNCNAME[0]:-main}:$LINENO"' ERR
  "$_func"
  exit 0
fi
