-- SPDX-License-Identifier: LGPL-2.1-or-later
--
-- test.lua - tests of the Lua bindings against real containers (TAP).
--
--   MINIRUN_TEST_BUNDLE=DIR MINIRUN_TEST_STATE=DIR lua5.4 test.lua
--
-- DIR/config.json runs `sh -c @CMD@` in a busybox rootfs
-- (tests/integration/test-bindings.sh makes it); each test substitutes its
-- command. Needs root; the module is found through LUA_CPATH.
local minirun = require "minirun"

local BUNDLE = assert(os.getenv("MINIRUN_TEST_BUNDLE"), "MINIRUN_TEST_BUNDLE")
local STATE = assert(os.getenv("MINIRUN_TEST_STATE"), "MINIRUN_TEST_STATE")
local TMP = assert(os.getenv("MINIRUN_TEST_TMP"), "MINIRUN_TEST_TMP")

local n, failed = 0, 0
local function ok(cond, what, ...)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(string.format("%s %d - %s", cond and "ok" or "not ok", n, string.format(what, ...)))
  return cond
end

local function read(path)
  local f = assert(io.open(path))
  local s = f:read("a")
  f:close()
  return s
end

local base = read(BUNDLE .. "/config.json")
assert(base:find('"@CMD@"', 1, true), "the test bundle's args must be sh -c @CMD@")

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- A config text running `sh -c CMD`.
local function config_text(cmd)
  return (base:gsub('"@CMD@"', function() return json_string(cmd) end))
end

-- The open fds (below 1024) as text: /proc/self/fdinfo/N exists iff fd N
-- is open (probing it takes a new fd only when N is open).
local function fds()
  local open = {}
  for fd = 0, 1023 do
    local f = io.open("/proc/self/fdinfo/" .. fd)
    if f then
      f:close()
      open[#open + 1] = fd
    end
  end
  return table.concat(open, " ")
end

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

-- Runs f and returns its error object (nil when it did not fail).
local function error_of(f, ...)
  local good, e = pcall(f, ...)
  if good then return nil end
  return e
end

local logs = {}
local ctx = minirun.context(STATE)
ctx:set_log(function(level, msg) logs[#logs + 1] = level .. ": " .. msg end, "debug")
local fds_before = fds()

local function list_ids()
  local ids = {}
  for _, st in ipairs(ctx:list()) do ids[#ids + 1] = st.id end
  return table.concat(ids, " ")
end

-- values and errors -------------------------------------------------------
ok(minirun.version():match("^%d+%.%d+%.%d+$"), "version %s", minirun.version())
ok(minirun.default_spec():find('"args"', 1, true), "default_spec is config.json text")
ok(minirun.signal("SIGKILL") == 9 and minirun.signal(15) == 15, "signal names")

local e = error_of(minirun.validate_id, "a/b")
ok(type(e) == "table" and e.errno == 22 and e.code == -22, "invalid id: errno EINVAL")
ok(e and tostring(e):find("invalid container id", 1, true), "invalid id: message '%s'", tostring(e))
e = error_of(ctx.load_bundle, ctx, TMP .. "/nope")
ok(e and e.errno == 2 and e.message:find(TMP .. "/nope/config.json", 1, true),
  "missing bundle: ENOENT naming config.json (%s)", tostring(e))
e = error_of(ctx.load_json, ctx, (base:gsub('"@CMD@"', '"x", 1')), BUNDLE)
e = e or error_of(ctx.load_json, ctx, '{"ociVersion": "1.0.2", "process": {"args": "true"}}', BUNDLE)
ok(e and e.errno == 22 and e.message:find("process.args", 1, true),
  "bad config: EINVAL naming process.args (%s)", tostring(e))
e = error_of(ctx.state, ctx, "no-such")
ok(e and e.errno == 2, "state of an unknown container: ENOENT")
e = error_of(ctx.run, ctx, "x", ctx:load_json(config_text("true"), BUNDLE), {bogus = 1})
ok(e and tostring(e):find("unknown create option 'bogus'", 1, true), "unknown option refused")
ok(list_ids() == "", "nothing created by the failures")

-- run, output, exit status ------------------------------------------------
do
  local out = assert(io.open(TMP .. "/out", "w+"))
  local cfg <close> = ctx:load_json(config_text("echo hello $((6*7)); exit 3"), BUNDLE)
  local c = ctx:run("lua-run", cfg, {stdout = out, stderr = out})
  local pid = c:pid()
  ok(pid > 0 and c:id() == "lua-run", "run: pid %d", pid)
  ok(c:wait(10) == 3, "run: exit status 3")
  ok(c:state().status == "stopped", "run: stopped after wait")
  c:delete()
  c:close()
  out:close()
  ok(read(TMP .. "/out") == "hello 42\n", "run: the container's stdout reached the file")
  ok(not exists("/proc/" .. pid), "run: the init is reaped")
end
local has_debug = false
for _, l in ipairs(logs) do has_debug = has_debug or l:find("^debug: ") ~= nil end
ok(has_debug, "the log function got debug messages (%d)", #logs)

-- create, state, start ----------------------------------------------------
do
  local cfg <close> = ctx:load_json(config_text("exit 0"), BUNDLE)
  local c <close> = ctx:create("lua-cs", cfg)
  local st = ctx:state("lua-cs")
  ok(st.status == "created" and st.pid == c:pid() and st.json:find('"created"', 1, true),
    "create: state created, pid %d", st.pid)
  ok(list_ids() == "lua-cs", "create: listed")
  e = error_of(ctx.create, ctx, "lua-cs", cfg)
  ok(e and e.errno == 17, "create: a duplicate id fails with EEXIST")
  ok(c:poll() == nil, "create: the init waits")
  c:start()
  ok(c:wait(10) == 0, "start: exit status 0")
end
ok(list_ids() == "", "<close> deleted the container")

-- wait timeout, kill, <close> ---------------------------------------------
local sleeper_pid
do
  local cfg <close> = ctx:load_json(config_text("exec sleep 100"), BUNDLE)
  local c <close> = ctx:run("lua-sleep", cfg)
  sleeper_pid = c:pid()
  local status, why = c:wait(0.3)
  ok(status == nil and why == "timeout", "wait(0.3) times out on a sleeping container")
  ok(c:state().status == "running", "still running after the timeout")
end
ok(list_ids() == "" and not exists("/proc/" .. sleeper_pid),
  "<close> killed, reaped and deleted a running container")
do
  local cfg <close> = ctx:load_json(config_text("exec sleep 100"), BUNDLE)
  local c <close> = ctx:run("lua-kill", cfg)
  -- Without pidfd_open (before Linux 5.3, or the old-kernel test mode of
  -- tests/enosys-launcher) there is no pollfd: -1, as documented.
  if (os.getenv("MR_ENOSYS_SYSCALLS") or ""):find("pidfd_open", 1, true) then
    ok(c:pollfd() == -1, "pollfd %d without pidfd_open", c:pollfd())
  else
    ok(c:pollfd() >= 0, "pollfd %d", c:pollfd())
  end
  c:kill("KILL")
  ok(c:wait(10) == 137, "kill KILL: status 137")
end

-- limits ------------------------------------------------------------------
do
  ctx:set_timeout(0.001)
  local cfg <close> = ctx:load_json(config_text("true"), BUNDLE)
  e = error_of(ctx.create, ctx, "lua-timeout", cfg)
  ok(e and e.errno == 110, "a 1 ms create timeout: ETIMEDOUT (%s)", tostring(e))
  ctx:set_timeout(60)
  ok(list_ids() == "", "the timed-out create left nothing")
end

-- garbage collection ------------------------------------------------------
do
  local c = ctx:run("lua-gc", ctx:load_json(config_text("exit 4"), BUNDLE))
  local pid = c:pid()
  collectgarbage()
  ok(c:wait(10) == 4, "the config may be collected while the container runs")
  c = nil
  collectgarbage()
  ok(ctx:state("lua-gc").status == "stopped", "collecting the handle leaves the container")
  ctx:delete("lua-gc")
  ok(not exists("/proc/" .. pid), "the init was reaped before its handle went")
  local ctx2 = minirun.context(TMP .. "/state2")
  ctx2:set_log(function() end, "debug")
  ctx2 = nil
  collectgarbage()
end
local fds_after = fds()
ok(fds_after == fds_before, "no fd leaked (before: %s; after: %s)", fds_before, fds_after)

ctx:close()
print("1.." .. n)
os.exit(failed == 0 and 0 or 1)
