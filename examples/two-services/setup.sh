#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# setup.sh DIR: builds the two-services demo in DIR (see README.md):
#   DIR/led/      a bundle serving the LED state with busybox httpd on :8080
#   DIR/button/   a bundle polling http://127.0.0.1:8080/led every 200 ms
#                 in the LED's network namespace, logging what it sees
#   DIR/shared/   bound into both at /shared: led.state (the LED), button.log
#   DIR/manifest.json   for minirun-supervisor
# Needs busybox-static, jq and minirun (MINIRUN=path, default: on $PATH).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "$1" && cd "$1" && pwd)
minirun=${MINIRUN:-minirun}
make_rootfs=$here/../../scripts/make-rootfs.sh

# bundle NAME SCRIPT: a busybox rootfs, `sh -c SCRIPT`, DIR/shared at /shared.
bundle() {
  local b=$dir/$1
  rm -rf "$b"
  mkdir -p "$b"
  bash "$make_rootfs" "$b/rootfs" >/dev/null
  (cd "$b" && "$minirun" spec)
  jq --arg shared "$dir/shared" --arg script "$2" '
      .process.terminal = false
    | .process.args = ["sh", "-c", $script]
    | .mounts += [{"destination": "/shared", "type": "bind", "source": $shared,
                   "options": ["rbind", "rw"]}]' "$b/config.json" >"$b/config.json.new"
  mv "$b/config.json.new" "$b/config.json"
}

mkdir -p "$dir/shared"
echo on >"$dir/shared/led.state"

# The LED: serves /shared as the web root (GET /led.state), exits on SIGTERM.
bundle led 'trap "exit 0" TERM; busybox httpd -f -p 127.0.0.1:8080 -h /shared & wait'
# The button: asks the LED for its state; 127.0.0.1 is the LED's loopback
# (the supervisor starts it in the LED's network namespace).
bundle button 'trap "exit 0" TERM
while :; do
  state=$(busybox wget -q -O - http://127.0.0.1:8080/led.state 2>/dev/null || echo unreachable)
  echo "button sees the led: $state" >>/shared/button.log
  sleep 0.2
done'

cat >"$dir/manifest.json" <<JSON
{"services": [
  {"name": "led", "bundle": "$dir/led", "restart": "always",
   "health": {"exec": ["busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/led.state"]},
   "health_interval_ms": 200},
  {"name": "button", "bundle": "$dir/button", "restart": "always", "network_from": "led"}
]}
JSON
echo "two-services: bundles and manifest in $dir"
