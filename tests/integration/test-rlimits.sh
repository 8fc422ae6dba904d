# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2016,SC2086,SC2153
#
# test-rlimits.sh - process.rlimits and linux.personality, seen from inside
# (/proc/self/limits, uname -m, /proc/self/personality).
#
# This machine's root lacks CAP_SYS_RESOURCE: the tests lower limits below
# the runner's own and check that raising a hard limit fails clearly.

# limit_line OUTPUT "Max open files" -> "SOFT HARD" as /proc/self/limits shows.
limit_line() {
  echo "$1" | awk -v n="$2" 'index($0, n) == 1 { s = substr($0, length(n) + 1); split(s, f, " "); print f[1], f[2] }'
}

# set_rlimits DIR JSON-ARRAY: the array's text goes into config.json as is
# (jq would round integers above 2^53 through a double). Call it last.
set_rlimits() {
  jqset "$1" '.process.rlimits = "@RLIMITS@"'
  local text
  text=$(cat "$1/config.json")
  printf '%s\n' "${text/\"@RLIMITS@\"/$2}" >"$1/config.json"
}

test_rlimits_lowered() {
  make_bundle "$T/b" cat /proc/self/limits
  # Each limit lowered to SOFT/HARD, or to the runner's hard limit where
  # that is lower still (raising a hard limit needs CAP_SYS_RESOURCE).
  local spec="NOFILE:100:200 CORE:0:4096 NPROC:50:60 MSGQUEUE:1000:2000 FSIZE:1048576:2097152 SIGPENDING:11:12"
  local item n soft hard max arr="[" want=()
  for item in $spec; do
    IFS=: read -r n soft hard <<<"$item"
    max=$(ulimit_hard "$n")
    [ "$max" = 18446744073709551615 ] || [ "$max" -ge "$hard" ] || hard=$max
    [ "$soft" -le "$hard" ] || soft=$hard
    [ "$arr" = "[" ] || arr+=","
    arr+="{\"type\": \"RLIMIT_$n\", \"soft\": $soft, \"hard\": $hard}"
    want+=("$n:$soft $hard")
  done
  set_rlimits "$T/b" "$arr]"
  run_ok c1 "$T/b"
  for item in "${want[@]}"; do
    n=${item%%:*}
    assert_eq "${item#*:}" "$(limit_line "$OUT" "$(limits_label "$n")")" "RLIMIT_$n inside"
  done
}

test_rlimits_every_name() {
  # Each of the 16 names is accepted and applied: set every limit to the
  # runner's current values except a lower soft limit where possible, then
  # read them all back.
  make_bundle "$T/b" cat /proc/self/limits
  local names="CPU FSIZE DATA STACK CORE RSS NPROC NOFILE MEMLOCK AS LOCKS SIGPENDING MSGQUEUE NICE RTPRIO RTTIME"
  local arr="[" n hard soft first=1
  for n in $names; do
    hard=$(ulimit_hard "$n")
    soft=$hard
    [ "$hard" = 18446744073709551615 ] || [ "$hard" -eq 0 ] || soft=$((hard - 1))
    [ $first = 1 ] || arr+=","
    first=0
    arr+="{\"type\": \"RLIMIT_$n\", \"soft\": $soft, \"hard\": $hard}"
  done
  arr+="]"
  set_rlimits "$T/b" "$arr"
  run_ok c1 "$T/b"
  local label
  for n in $names; do
    label=$(limits_label "$n")
    hard=$(ulimit_hard "$n")
    soft=$hard
    [ "$hard" = 18446744073709551615 ] || [ "$hard" -eq 0 ] || soft=$((hard - 1))
    [ "$hard" != 18446744073709551615 ] || hard=unlimited
    [ "$soft" != 18446744073709551615 ] || soft=unlimited
    assert_eq "$soft $hard" "$(limit_line "$OUT" "$label")" "RLIMIT_$n inside"
  done
}

# The runner's hard limit of RLIMIT_$1 as a number (2^64-1 for unlimited).
ulimit_hard() {
  local v
  v=$(limit_line "$(cat /proc/self/limits)" "$(limits_label "$1")" | cut -d' ' -f2)
  [ "$v" != unlimited ] || v=18446744073709551615
  echo "$v"
}

limits_label() {
  case $1 in
  CPU) echo "Max cpu time" ;;
  FSIZE) echo "Max file size" ;;
  DATA) echo "Max data size" ;;
  STACK) echo "Max stack size" ;;
  CORE) echo "Max core file size" ;;
  RSS) echo "Max resident set" ;;
  NPROC) echo "Max processes" ;;
  NOFILE) echo "Max open files" ;;
  MEMLOCK) echo "Max locked memory" ;;
  AS) echo "Max address space" ;;
  LOCKS) echo "Max file locks" ;;
  SIGPENDING) echo "Max pending signals" ;;
  MSGQUEUE) echo "Max msgqueue size" ;;
  NICE) echo "Max nice priority" ;;
  RTPRIO) echo "Max realtime priority" ;;
  RTTIME) echo "Max realtime timeout" ;;
  esac
}

test_rlimit_infinity_exact() {
  # 2^64-1 is RLIM_INFINITY, exactly (not rounded through a double).
  make_bundle "$T/b" cat /proc/self/limits
  local hard
  hard=$(ulimit_hard CORE)
  [ "$hard" = 18446744073709551615 ] || skip "the runner's RLIMIT_CORE hard limit is not unlimited"
  set_rlimits "$T/b" '[{"type": "RLIMIT_CORE", "soft": 18446744073709551615, "hard": 18446744073709551615}]'
  run_ok c1 "$T/b"
  assert_eq "unlimited unlimited" "$(limit_line "$OUT" "Max core file size")" "RLIMIT_CORE inside"
}

test_rlimit_raise_hard_fails_clearly() {
  make_bundle "$T/b" cat /proc/self/limits
  local hard
  hard=$(ulimit_hard NOFILE)
  [ "$hard" != 18446744073709551615 ] || skip "RLIMIT_NOFILE is unlimited here"
  if grep -q '^CapEff:.*' /proc/self/status && capsh --has-p=cap_sys_resource 2>/dev/null; then
    skip "the runner has CAP_SYS_RESOURCE: raising a hard limit would succeed"
  fi
  set_rlimits "$T/b" "[{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": $((hard + 1))}]"
  assert_fail_with "config.json: process.rlimits[0]: set RLIMIT_NOFILE to soft 1024, hard $((hard + 1)): Operation not permitted (raising a hard limit" \
    $MR run --bundle "$T/b" c1
  assert_contains "$LAST_ERR" "CAP_SYS_RESOURCE"
  assert_no_state
}

test_rlimit_bad_values() {
  make_bundle "$T/b"
  cp "$T/b/config.json" "$T/good.json"
  local bad
  for bad in \
    '.process.rlimits = [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]|process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"' \
    '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}, {"type": "RLIMIT_NOFILE", "soft": 2, "hard": 2}]|process.rlimits[2].type: RLIMIT_NOFILE is already set by process.rlimits[0]' \
    '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 100}]|process.rlimits[0]: RLIMIT_NOFILE soft limit 200 is above its hard limit 100' \
    '.process.rlimits = [{"type": "nofile", "soft": 1, "hard": 1}]|process.rlimits[0].type: unknown rlimit "nofile"' \
    '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1}]|process.rlimits[0].soft' \
    '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 18446744073709551616}]|process.rlimits[0].hard'; do
    cp "$T/good.json" "$T/b/config.json"
    jqset "$T/b" "${bad%%|*}"
    assert_fail_with "config.json: ${bad#*|}" $MR run --bundle "$T/b" c1
    assert_no_state
  done
}

# ---- personality ----

test_personality_linux32() {
  [ "$(uname -m)" = x86_64 ] || skip "LINUX32 is checked on an x86_64 host (this is $(uname -m))"
  make_bundle "$T/b" uname -m
  jqset "$T/b" '.linux.personality = {"domain": "LINUX32"}'
  run_ok c1 "$T/b"
  assert_eq i686 "$OUT" "uname -m inside with LINUX32"
}

test_personality_linux_and_flags() {
  make_bundle "$T/b" cat /proc/self/personality
  jqset "$T/b" '.linux.personality = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE", "SHORT_INODE"]}'
  run_ok c1 "$T/b"
  # ADDR_NO_RANDOMIZE 0x0040000 | SHORT_INODE 0x1000000, domain PER_LINUX 0
  assert_eq 01040000 "$OUT" "/proc/self/personality inside"
}

test_personality_default_untouched() {
  make_bundle "$T/b" cat /proc/self/personality
  run_ok c1 "$T/b"
  assert_eq "$(cat /proc/self/personality)" "$OUT" "personality without linux.personality"
}

test_personality_bad_values() {
  make_bundle "$T/b"
  cp "$T/b/config.json" "$T/good.json"
  local bad
  for bad in \
    '.linux.personality = {"domain": "LINUX64"}|linux.personality.domain: unknown domain "LINUX64"' \
    '.linux.personality = {"flags": []}|linux.personality.domain: missing' \
    '.linux.personality = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE", "NO_SUCH_FLAG"]}|linux.personality.flags[1]: unknown flag "NO_SUCH_FLAG"'; do
    cp "$T/good.json" "$T/b/config.json"
    jqset "$T/b" "${bad%%|*}"
    assert_fail_with "config.json: ${bad#*|}" $MR run --bundle "$T/b" c1
    assert_no_state
  done
}
