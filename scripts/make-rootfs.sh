#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make-rootfs.sh DIR: builds a minimal busybox-static root filesystem in DIR
# (created when missing; an existing DIR is filled in, not wiped):
#   bin/busybox and a symlink per applet (busybox --list), the usual empty
#   mount points, /etc/passwd (root, nobody 65534) and /etc/group.
# Needs: busybox-static (apt-get install busybox-static).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "busybox not found: apt-get install busybox-static" >&2; exit 1; }
# A dynamically linked busybox would need the host's libc inside the rootfs.
if ldd "$busybox" >/dev/null 2>&1; then
  echo "$busybox is not statically linked: apt-get install busybox-static" >&2
  exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin etc proc sys dev tmp root run var/tmp home usr/bin usr/sbin
chmod 1777 tmp var/tmp
chmod 0700 root

cp "$busybox" bin/busybox
chmod 0755 bin/busybox
for applet in $(bin/busybox --list); do
  [ "$applet" = busybox ] && continue
  [ -e "bin/$applet" ] || [ -L "bin/$applet" ] || ln -s busybox "bin/$applet"
done

cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > etc/group <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
chmod 0644 etc/passwd etc/group
