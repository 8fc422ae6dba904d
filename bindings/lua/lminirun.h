/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lminirun.h - what the files of the Lua module share. */
#ifndef LMINIRUN_H
#define LMINIRUN_H

#include <lauxlib.h>
#include <lua.h>

#include <minirun.h>

#define LMR_CONTEXT   "minirun.context"
#define LMR_CONFIG    "minirun.config"
#define LMR_CONTAINER "minirun.container"
#define LMR_ERROR     "minirun.error"

/* The userdata behind a context. The log sink reaches Lua through `L`, set
 * to the running coroutine before every library call. */
struct lmr_context {
  mr_context *ctx;
  lua_State *L;
  int log_ref; /* registry ref of the Lua log function, or LUA_NOREF */
};

struct lmr_context *lmr_check_context(lua_State *L, int idx);
/* Raises a minirun.error (a table: message, errno, code, sys_errno) for
 * rc < 0; returns rc otherwise. Takes over and frees *errp (may be NULL).
 * Pass &err (not err): in `lmr_check(L, f(&err), &err)` the order in which
 * C evaluates the arguments must not matter. */
int lmr_check(lua_State *L, int rc, mr_error **errp);
/* Pushes a new container userdata for `c` (taking it over), keeping the
 * context at stack index ctx_idx alive as its user value. */
void lmr_push_container(lua_State *L, int ctx_idx, mr_container *c);
/* A signal number from an integer or a name ("TERM", "SIGKILL", "RTMIN+3"). */
int lmr_check_signal(lua_State *L, int idx);
void lmr_open_container(lua_State *L);

#endif
