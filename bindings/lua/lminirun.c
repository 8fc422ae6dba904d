/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lminirun.c - the Lua 5.4 module `minirun`: errors, contexts and configs
 * (containers: lcontainer.c). Only include/minirun.h is used.
 *
 * No Lua error may unwind through libminirun: errors are raised only after
 * a library call returned, and the log sink runs the Lua function under
 * lua_pcall.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lminirun.h"

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

static int error_tostring(lua_State *L)
{
  lua_getfield(L, 1, "message");
  return 1;
}

int lmr_check(lua_State *L, int rc, mr_error **errp)
{
  mr_error *err = errp != NULL ? *errp : NULL;
  if (errp != NULL)
    *errp = NULL;
  if (rc >= 0) {
    mr_error_free(err);
    return rc;
  }
  lua_createtable(L, 0, 4);
  if (err != NULL)
    lua_pushstring(L, mr_error_message(err));
  else
    lua_pushstring(L, strerror(-rc));
  lua_setfield(L, -2, "message");
  lua_pushinteger(L, -rc);
  lua_setfield(L, -2, "errno");
  lua_pushinteger(L, rc);
  lua_setfield(L, -2, "code");
  lua_pushinteger(L, err != NULL ? mr_error_errno(err) : 0);
  lua_setfield(L, -2, "sys_errno");
  mr_error_free(err);
  luaL_setmetatable(L, LMR_ERROR);
  return lua_error(L);
}

/* ------------------------------------------------------------------------ */
/* Contexts                                                                  */
/* ------------------------------------------------------------------------ */

struct lmr_context *lmr_check_context(lua_State *L, int idx)
{
  struct lmr_context *u = luaL_checkudata(L, idx, LMR_CONTEXT);
  if (u->ctx == NULL)
    luaL_error(L, "minirun: the context is closed");
  u->L = L;
  return u;
}

static const char *const log_levels[] = {"error", "warning", "info", "debug", NULL};

/* Runs under lua_pcall from log_sink: (function ref, level, message). */
static int log_call(lua_State *L)
{
  lua_rawgeti(L, LUA_REGISTRYINDEX, (int)lua_tointeger(L, 1));
  lua_pushstring(L, log_levels[lua_tointeger(L, 2) & 3]);
  lua_pushstring(L, lua_touserdata(L, 3));
  lua_call(L, 2, 0);
  return 0;
}

/* The C log callback: everything that can raise (allocation, the Lua
 * function) happens inside lua_pcall; errors there are dropped. */
static void log_sink(void *userdata, enum mr_log_level level, const char *message)
{
  struct lmr_context *u = userdata;
  lua_State *L = u->L;
  if (L == NULL || u->log_ref == LUA_NOREF || !lua_checkstack(L, 6))
    return;
  lua_pushcfunction(L, log_call);
  lua_pushinteger(L, u->log_ref);
  lua_pushinteger(L, level);
  lua_pushlightuserdata(L, (void *)message);
  if (lua_pcall(L, 3, 0, 0) != LUA_OK)
    lua_pop(L, 1);
}

/* ctx:set_log(fn [, level]): fn(level, message) receives diagnostics at or
 * below level ("error", "warning" (default), "info", "debug"); nil drops. */
static int context_set_log(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  int level = luaL_checkoption(L, 3, "warning", log_levels);
  if (!lua_isnil(L, 2))
    luaL_checktype(L, 2, LUA_TFUNCTION);
  luaL_unref(L, LUA_REGISTRYINDEX, u->log_ref);
  u->log_ref = LUA_NOREF;
  if (lua_isnil(L, 2)) {
    mr_context_set_log(u->ctx, NULL, NULL, MR_LOG_ERROR);
    return 0;
  }
  lua_pushvalue(L, 2);
  u->log_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  mr_context_set_log(u->ctx, log_sink, u, (enum mr_log_level)level);
  return 0;
}

/* ctx:set_timeout(seconds): how long create/run wait for the init (0:
 * forever). */
static int context_set_timeout(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  lua_Number s = luaL_checknumber(L, 2);
  luaL_argcheck(L, s >= 0 && s <= 4294967.0, 2, "expected 0 .. 4294967 seconds");
  unsigned int ms = (unsigned int)(s * 1000.0 + 0.5);
  if (s > 0 && ms == 0)
    ms = 1;
  mr_context_set_timeout(u->ctx, ms);
  return 0;
}

/* ctx:set_cancel_fd(fd or nil) */
static int context_set_cancel_fd(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  mr_context_set_cancel_fd(u->ctx, (int)luaL_optinteger(L, 2, -1));
  return 0;
}

static int context_state_root(lua_State *L)
{
  lua_pushstring(L, mr_context_state_root(lmr_check_context(L, 1)->ctx));
  return 1;
}

static int context_close(lua_State *L)
{
  struct lmr_context *u = luaL_checkudata(L, 1, LMR_CONTEXT);
  if (u->ctx != NULL) {
    mr_context_free(u->ctx);
    u->ctx = NULL;
  }
  luaL_unref(L, LUA_REGISTRYINDEX, u->log_ref);
  u->log_ref = LUA_NOREF;
  return 0;
}

/* minirun.context([state_root]) */
static int context_new(lua_State *L)
{
  const char *root = luaL_optstring(L, 1, NULL);
  struct lmr_context *u = lua_newuserdatauv(L, sizeof *u, 0);
  mr_error *err = NULL;
  u->ctx = NULL;
  u->L = L;
  u->log_ref = LUA_NOREF;
  luaL_setmetatable(L, LMR_CONTEXT);
  lmr_check(L, mr_context_new(root, &u->ctx, &err), &err);
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Configs                                                                   */
/* ------------------------------------------------------------------------ */

static mr_config **push_config_slot(lua_State *L)
{
  mr_config **slot = lua_newuserdatauv(L, sizeof *slot, 0);
  *slot = NULL;
  luaL_setmetatable(L, LMR_CONFIG);
  return slot;
}

static mr_config *check_config(lua_State *L, int idx)
{
  mr_config **slot = luaL_checkudata(L, idx, LMR_CONFIG);
  if (*slot == NULL)
    luaL_error(L, "minirun: the config is closed");
  return *slot;
}

/* ctx:load_bundle(dir) */
static int context_load_bundle(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  const char *bundle = luaL_checkstring(L, 2);
  mr_config **slot = push_config_slot(L);
  mr_error *err = NULL;
  lmr_check(L, mr_config_load_bundle(u->ctx, bundle, slot, &err), &err);
  return 1;
}

/* ctx:load_json(text [, bundle]) */
static int context_load_json(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  size_t len;
  const char *json = luaL_checklstring(L, 2, &len);
  const char *bundle = luaL_optstring(L, 3, NULL);
  mr_config **slot = push_config_slot(L);
  mr_error *err = NULL;
  lmr_check(L, mr_config_load_json(u->ctx, json, len, bundle, slot, &err), &err);
  return 1;
}

static int config_terminal(lua_State *L)
{
  lua_pushboolean(L, mr_config_terminal(check_config(L, 1)));
  return 1;
}

static int config_close(lua_State *L)
{
  mr_config **slot = luaL_checkudata(L, 1, LMR_CONFIG);
  mr_config_free(*slot);
  *slot = NULL;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Create options and containers                                             */
/* ------------------------------------------------------------------------ */

/* An fd from an integer or an io file (io.open, io.stdout...). */
static int opt_fd(lua_State *L, int opts, const char *key)
{
  int fd = -1;
  lua_getfield(L, opts, key);
  if (lua_isinteger(L, -1)) {
    fd = (int)lua_tointeger(L, -1);
  } else if (!lua_isnil(L, -1)) {
    luaL_Stream *s = luaL_testudata(L, -1, LUA_FILEHANDLE);
    if (s == NULL || s->f == NULL)
      luaL_error(L, "minirun: option %s: expected an fd or an open file", key);
    fd = fileno(s->f);
  }
  lua_pop(L, 1);
  return fd;
}

static const char *opt_string(lua_State *L, int opts, const char *key)
{
  lua_getfield(L, opts, key);
  const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  lua_pop(L, 1); /* the string stays referenced by the options table */
  return s;
}

static lua_Integer opt_int(lua_State *L, int opts, const char *key)
{
  lua_getfield(L, opts, key);
  lua_Integer v = luaL_optinteger(L, -1, 0);
  lua_pop(L, 1);
  return v;
}

static int opt_bool(lua_State *L, int opts, const char *key)
{
  lua_getfield(L, opts, key);
  int v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

static const char *const create_keys[] = {
    "pid_file",       "console_socket", "preserve_fds", "listen_fds", "no_pivot",
    "no_new_keyring", "stdin",          "stdout",       "stderr",     NULL,
};

/* Everything is read from the Lua table (which may raise) before the
 * library allocates anything. */
struct create_args {
  const char *pid_file, *console_socket;
  int preserve_fds, listen_fds, no_pivot, no_new_keyring, stdio[3];
};

static void read_create_args(lua_State *L, int opts, struct create_args *a)
{
  memset(a, 0, sizeof *a);
  a->stdio[0] = a->stdio[1] = a->stdio[2] = -1;
  if (lua_isnoneornil(L, opts))
    return;
  luaL_checktype(L, opts, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, opts) != 0) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    int known = 0;
    for (int i = 0; create_keys[i] != NULL; i++)
      known |= strcmp(k, create_keys[i]) == 0;
    if (!known)
      luaL_error(L, "minirun: unknown create option '%s'", k);
  }
  a->pid_file = opt_string(L, opts, "pid_file");
  a->console_socket = opt_string(L, opts, "console_socket");
  a->preserve_fds = (int)opt_int(L, opts, "preserve_fds");
  a->listen_fds = (int)opt_int(L, opts, "listen_fds");
  a->no_pivot = opt_bool(L, opts, "no_pivot");
  a->no_new_keyring = opt_bool(L, opts, "no_new_keyring");
  a->stdio[0] = opt_fd(L, opts, "stdin");
  a->stdio[1] = opt_fd(L, opts, "stdout");
  a->stdio[2] = opt_fd(L, opts, "stderr");
}

static int make_opts(const struct create_args *a, mr_create_opts **out, mr_error **err)
{
  mr_create_opts *o = NULL;
  int rc = mr_create_opts_new(&o, err);
  if (rc == 0 && a->pid_file != NULL)
    rc = mr_create_opts_set_pid_file(o, a->pid_file, err);
  if (rc == 0 && a->console_socket != NULL)
    rc = mr_create_opts_set_console_socket(o, a->console_socket, err);
  if (rc < 0) {
    mr_create_opts_free(o);
    return rc;
  }
  mr_create_opts_set_preserve_fds(o, a->preserve_fds);
  mr_create_opts_set_listen_fds(o, a->listen_fds);
  mr_create_opts_set_no_pivot(o, a->no_pivot);
  mr_create_opts_set_no_new_keyring(o, a->no_new_keyring);
  mr_create_opts_set_stdio(o, a->stdio[0], a->stdio[1], a->stdio[2]);
  *out = o;
  return 0;
}

typedef int (*create_fn)(mr_context *, const char *, const mr_config *, const mr_create_opts *,
                         mr_container **, mr_error **);

static int do_create(lua_State *L, create_fn fn)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  const char *id = luaL_checkstring(L, 2);
  mr_config *cfg = check_config(L, 3);
  struct create_args a;
  mr_create_opts *o = NULL;
  mr_container *c = NULL;
  mr_error *err = NULL;
  read_create_args(L, 4, &a);
  int rc = make_opts(&a, &o, &err);
  if (rc == 0)
    rc = fn(u->ctx, id, cfg, o, &c, &err);
  mr_create_opts_free(o);
  lmr_check(L, rc, &err);
  lmr_push_container(L, 1, c);
  return 1;
}

/* ctx:create(id, config [, opts]) / ctx:run(id, config [, opts]) */
static int context_create(lua_State *L)
{
  return do_create(L, mr_container_create);
}
static int context_run(lua_State *L)
{
  return do_create(L, mr_container_run);
}

static int context_start(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  mr_error *err = NULL;
  lmr_check(L, mr_container_start(u->ctx, luaL_checkstring(L, 2), &err), &err);
  return 0;
}

/* ctx:kill(id [, signal = "TERM" [, all]]) */
static int context_kill(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  const char *id = luaL_checkstring(L, 2);
  int sig = lua_isnoneornil(L, 3) ? 15 : lmr_check_signal(L, 3);
  int all = lua_toboolean(L, 4);
  mr_error *err = NULL;
  lmr_check(L, mr_container_kill(u->ctx, id, sig, all, &err), &err);
  return 0;
}

/* ctx:delete(id [, force]) */
static int context_delete(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  const char *id = luaL_checkstring(L, 2);
  int force = lua_toboolean(L, 3);
  mr_error *err = NULL;
  lmr_check(L, mr_container_delete(u->ctx, id, force, &err), &err);
  return 0;
}

/* Pushes a table of the state; frees st. */
static void push_state(lua_State *L, mr_state *st)
{
  char *json = NULL;
  mr_error *err = NULL;
  int rc = mr_state_to_json(st, &json, &err);
  if (rc < 0) {
    mr_state_free(st);
    lmr_check(L, rc, &err);
  }
  lua_createtable(L, 0, 7);
  lua_pushstring(L, mr_state_id(st));
  lua_setfield(L, -2, "id");
  lua_pushstring(L, mr_status_name(mr_state_status(st)));
  lua_setfield(L, -2, "status");
  lua_pushinteger(L, mr_state_pid(st));
  lua_setfield(L, -2, "pid");
  lua_pushstring(L, mr_state_bundle(st));
  lua_setfield(L, -2, "bundle");
  lua_pushstring(L, mr_state_created(st));
  lua_setfield(L, -2, "created");
  lua_pushinteger(L, mr_state_owner(st));
  lua_setfield(L, -2, "owner");
  lua_pushstring(L, json);
  lua_setfield(L, -2, "json");
  free(json);
  mr_state_free(st);
}

static int context_state(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  mr_state *st = NULL;
  mr_error *err = NULL;
  lmr_check(L, mr_state_get(u->ctx, luaL_checkstring(L, 2), &st, &err), &err);
  push_state(L, st);
  return 1;
}

/* ctx:list(): an array of state tables, sorted by id. */
static int context_list(lua_State *L)
{
  struct lmr_context *u = lmr_check_context(L, 1);
  mr_state **list = NULL;
  size_t n = 0;
  mr_error *err = NULL;
  lmr_check(L, mr_state_list(u->ctx, &list, &n, &err), &err);
  if (!lua_checkstack(L, 4)) {
    mr_state_list_free(list, n);
    return luaL_error(L, "minirun: out of stack");
  }
  lua_createtable(L, n > 1000000 ? 0 : (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    mr_state *st = list[i];
    list[i] = NULL;
    push_state(L, st);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  mr_state_list_free(list, n);
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Module functions                                                          */
/* ------------------------------------------------------------------------ */

int lmr_check_signal(lua_State *L, int idx)
{
  if (lua_isinteger(L, idx))
    return (int)lua_tointeger(L, idx);
  int sig = 0;
  mr_error *err = NULL;
  lmr_check(L, mr_signal_parse(luaL_checkstring(L, idx), &sig, &err), &err);
  return sig;
}

static int mod_version(lua_State *L)
{
  lua_pushstring(L, mr_version());
  return 1;
}

/* minirun.default_spec([rootless]): the config.json text of `minirun spec`. */
static int mod_default_spec(lua_State *L)
{
  char *json = NULL;
  mr_error *err = NULL;
  lmr_check(L, mr_config_default_json(lua_toboolean(L, 1), &json, &err), &err);
  lua_pushstring(L, json);
  free(json);
  return 1;
}

static int mod_validate_id(lua_State *L)
{
  mr_error *err = NULL;
  lmr_check(L, mr_id_validate(luaL_checkstring(L, 1), &err), &err);
  return 0;
}

static int mod_signal(lua_State *L)
{
  lua_pushinteger(L, lmr_check_signal(L, 1));
  return 1;
}

static const luaL_Reg context_methods[] = {
    {"set_log", context_set_log},
    {"set_timeout", context_set_timeout},
    {"set_cancel_fd", context_set_cancel_fd},
    {"state_root", context_state_root},
    {"load_bundle", context_load_bundle},
    {"load_json", context_load_json},
    {"create", context_create},
    {"run", context_run},
    {"start", context_start},
    {"kill", context_kill},
    {"delete", context_delete},
    {"state", context_state},
    {"list", context_list},
    {"close", context_close},
    {NULL, NULL},
};

static const luaL_Reg config_methods[] = {
    {"terminal", config_terminal},
    {"close", config_close},
    {NULL, NULL},
};

static const luaL_Reg module_functions[] = {
    {"context", context_new},         {"version", mod_version}, {"default_spec", mod_default_spec},
    {"validate_id", mod_validate_id}, {"signal", mod_signal},   {NULL, NULL},
};

/* A metatable NAME whose __index is `methods`, closed by `close`. */
static void new_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction close)
{
  luaL_newmetatable(L, name);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
}

int luaopen_minirun(lua_State *L);

int luaopen_minirun(lua_State *L)
{
  new_class(L, LMR_CONTEXT, context_methods, context_close);
  new_class(L, LMR_CONFIG, config_methods, config_close);
  luaL_newmetatable(L, LMR_ERROR);
  lua_pushcfunction(L, error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  lmr_open_container(L);

  luaL_newlib(L, module_functions);
  static const char *const levels[] = {"ERROR", "WARNING", "INFO", "DEBUG"};
  for (int i = 0; i < 4; i++) {
    lua_pushstring(L, log_levels[i]);
    lua_setfield(L, -2, levels[i]);
  }
  return 1;
}
