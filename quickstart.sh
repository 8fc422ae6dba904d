#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# quickstart.sh: installs the build dependencies, builds libminirun and the
# minirun CLI, and runs a demo container from a throw-away busybox bundle.
#   ./quickstart.sh            (as root)
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "quickstart: containers need root: run $0 as root" >&2
  exit 1
fi

echo "==> dependencies"
scripts/install-deps.sh

echo "==> build"
if [ ! -f Makefile ]; then
  ./autogen.sh >/dev/null
  ./configure --quiet
fi
make -j"$(nproc)" >/dev/null
echo "built $top/minirun and $top/.libs/libminirun.so.0"

work=$(mktemp -d /tmp/minirun-quickstart.XXXXXX)
id=quickstart-$$
minirun=("$top/minirun" --root "$work/state")
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  "${minirun[@]}" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

echo "==> demo bundle in $work/bundle"
bundle=$work/bundle
scripts/make-rootfs.sh "$bundle/rootfs"
(cd "$bundle" && "${minirun[@]}" spec)
# shellcheck disable=SC2016 # $(hostname) and $$ are for the container's shell
jq '.process.terminal = false
    | .process.args = ["sh", "-c", "echo hello from $(hostname) as pid $$"]' \
  "$bundle/config.json" > "$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

echo "==> minirun run --bundle $bundle $id"
rc=0
"${minirun[@]}" run --bundle "$bundle" "$id" </dev/null || rc=$?
echo "==> container exited with status $rc; cleaning up"
exit $rc
