/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcontainer.c - container handles of the Lua module: a container this
 * process created (its init is our child). __gc frees only the handle;
 * __close (a `local c <close> = ctx:run(...)` going out of scope) kills,
 * reaps and deletes the container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "lminirun.h"

/* Without a pidfd (kernels before 5.3) wait looks this often. */
#define FALLBACK_POLL_MS 50
/* How long destroy waits for a killed init to become reapable. */
#define DESTROY_REAP_MS 2000

struct lmr_container {
  mr_container *c;
  int reaped;
  int exit_status;
};

static struct lmr_container *check_container(lua_State *L, int idx)
{
  struct lmr_container *u = luaL_checkudata(L, idx, LMR_CONTAINER);
  if (u->c == NULL)
    luaL_error(L, "minirun: the container handle is closed");
  return u;
}

void lmr_push_container(lua_State *L, int ctx_idx, mr_container *c)
{
  ctx_idx = lua_absindex(L, ctx_idx);
  /* lua_newuserdatauv may raise: the handle must not leak then. */
  if (!lua_checkstack(L, 4)) {
    mr_container_free(c);
    luaL_error(L, "minirun: out of stack");
  }
  struct lmr_container *u = lua_newuserdatauv(L, sizeof *u, 1);
  u->c = c;
  u->reaped = 0;
  u->exit_status = -1;
  luaL_setmetatable(L, LMR_CONTAINER);
  lua_pushvalue(L, ctx_idx);
  lua_setiuservalue(L, -2, 1);
}

/* Pushes the container's context (its user value) and checks it. */
static struct lmr_context *container_context(lua_State *L, int idx)
{
  lua_getiuservalue(L, idx, 1);
  return lmr_check_context(L, -1);
}

/* Reaps the init when it has exited: 1 (status in u), 0 while it runs. */
static int try_reap(lua_State *L, struct lmr_container *u)
{
  int status = -1;
  mr_error *err = NULL;
  if (u->reaped)
    return 1;
  int rc = mr_container_wait(u->c, 1, &status, &err);
  if (rc == -EAGAIN) {
    mr_error_free(err);
    return 0;
  }
  lmr_check(L, rc, &err);
  u->reaped = 1;
  u->exit_status = status;
  return 1;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* c:wait([timeout seconds]): the exit status (128 + N for signal N), or
 * nil, "timeout" when the time ran out first. */
static int container_wait(lua_State *L)
{
  struct lmr_container *u = check_container(L, 1);
  lua_Number t = luaL_optnumber(L, 2, -1);
  long long deadline = t < 0 ? -1 : now_ms() + (long long)(t * 1000.0);
  struct pollfd pfd = {.fd = mr_container_pollfd(u->c), .events = POLLIN};
  while (!try_reap(L, u)) {
    int ms = deadline < 0 ? -1 : (int)(deadline - now_ms());
    if (deadline >= 0 && ms <= 0) {
      lua_pushnil(L);
      lua_pushliteral(L, "timeout");
      return 2;
    }
    if (pfd.fd < 0 && (ms < 0 || ms > FALLBACK_POLL_MS))
      ms = FALLBACK_POLL_MS;
    if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
      lmr_check(L, -errno, NULL);
  }
  lua_pushinteger(L, u->exit_status);
  return 1;
}

/* c:poll(): the exit status once the init exited (reaping it), else nil. */
static int container_poll(lua_State *L)
{
  struct lmr_container *u = check_container(L, 1);
  if (try_reap(L, u))
    lua_pushinteger(L, u->exit_status);
  else
    lua_pushnil(L);
  return 1;
}

static int container_id(lua_State *L)
{
  lua_pushstring(L, mr_container_id(check_container(L, 1)->c));
  return 1;
}

static int container_pid(lua_State *L)
{
  lua_pushinteger(L, mr_container_pid(check_container(L, 1)->c));
  return 1;
}

/* c:pollfd(): readable once the init exits (a pidfd), or -1. */
static int container_pollfd(lua_State *L)
{
  lua_pushinteger(L, mr_container_pollfd(check_container(L, 1)->c));
  return 1;
}

/* c:start(), c:kill([sig [, all]]), c:delete([force]), c:state(): the
 * context's methods for this container's id. */
static int forward(lua_State *L, const char *method)
{
  int nargs = lua_gettop(L) - 1;
  struct lmr_container *u = check_container(L, 1);
  container_context(L, 1); /* ctx */
  lua_getfield(L, -1, method);
  lua_insert(L, -2); /* method, ctx */
  lua_pushstring(L, mr_container_id(u->c));
  for (int i = 0; i < nargs; i++)
    lua_pushvalue(L, 2 + i);
  lua_call(L, nargs + 2, 1);
  return 1;
}

static int container_start(lua_State *L)
{
  return forward(L, "start");
}
static int container_kill(lua_State *L)
{
  return forward(L, "kill");
}
static int container_delete(lua_State *L)
{
  return forward(L, "delete");
}
static int container_state(lua_State *L)
{
  return forward(L, "state");
}

/* Frees the handle only (the container stays). */
static int container_free(lua_State *L)
{
  struct lmr_container *u = luaL_checkudata(L, 1, LMR_CONTAINER);
  mr_container_free(u->c);
  u->c = NULL;
  return 0;
}

/* c:destroy(): kill if needed, delete, reap. Also the __close handler. */
static int container_destroy(lua_State *L)
{
  struct lmr_container *u = luaL_checkudata(L, 1, LMR_CONTAINER);
  if (u->c == NULL)
    return 0;
  struct lmr_context *ctx = container_context(L, 1);
  mr_error *err = NULL;
  int rc = mr_container_delete(ctx->ctx, mr_container_id(u->c), 1, &err);
  /* delete --force waited for the init to die: reap it (bounded, in case
   * something else killed or deleted it behind our back). */
  if (!u->reaped && rc == 0) {
    struct pollfd pfd = {.fd = mr_container_pollfd(u->c), .events = POLLIN};
    if (pfd.fd >= 0)
      poll(&pfd, 1, DESTROY_REAP_MS);
  }
  if (!u->reaped && mr_container_wait(u->c, 1, &u->exit_status, NULL) == 0)
    u->reaped = 1;
  if (lua_gettop(L) >= 2 && !lua_isnil(L, 2)) {
    /* __close during an error: keep the original error. */
    mr_error_free(err);
    return container_free(L);
  }
  container_free(L);
  lmr_check(L, rc, &err);
  return 0;
}

static const luaL_Reg container_methods[] = {
    {"id", container_id},           {"pid", container_pid},       {"pollfd", container_pollfd},
    {"wait", container_wait},       {"poll", container_poll},     {"start", container_start},
    {"kill", container_kill},       {"delete", container_delete}, {"state", container_state},
    {"destroy", container_destroy}, {"close", container_free},    {NULL, NULL},
};

void lmr_open_container(lua_State *L)
{
  luaL_newmetatable(L, LMR_CONTAINER);
  luaL_newlib(L, container_methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, container_free);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, container_destroy);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
}
