/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state.h - the per-container state directory.
 *
 * Layout: <state_root>/<id>/
 *     state.json   written atomically (tmp + fsync + rename)
 *     exec.fifo    exists from create until start: the init blocks reading it
 *     hooks.json   poststart/poststop hooks for start/delete (hooks/hooks-state.c)
 *     config.json  the config.json text create used (exec reads it, as crun)
 *     hooks.fifo   from create until start, with startContainer/poststart hooks:
 *                  start reads the init's hook errors there until it execs
 *
 * The directory itself is the lock: operations on a container hold flock()
 * on an O_DIRECTORY fd of it. mkdir() of the directory is what reserves an id.
 */
#ifndef MR_STATE_H
#define MR_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "context.h"
#include "spec.h"

#define STATE_FILE        "state.json"
#define STATE_EXEC_FIFO   "exec.fifo"
#define STATE_CONFIG_FILE "config.json"
/* "PID PIDSTART\n": a second record of the init, so `delete --force` can
 * still kill it when state.json was damaged. */
#define STATE_INIT_FILE "init.pid"

/* What state.json records. Later capabilities (cgroups, rootfs images) add
 * fields here; unknown fields in an older/newer file are ignored on read. */
struct state_record {
  char *id;
  pid_t pid;                    /* init's host pid */
  unsigned long long pid_start; /* field 22 of /proc/PID/stat: guards against pid reuse */
  char *bundle;                 /* absolute */
  char *rootfs;                 /* absolute */
  char *created;                /* RFC 3339, UTC */
  uid_t owner;
  bool new_pid_ns;     /* the container has its own pid namespace */
  char **cgroup_paths; /* absolute, one per hierarchy (also in CG_PATHS_FILE) */
  size_t n_cgroup_paths;
  struct spec_kv *annotations;
  size_t n_annotations;
};

/* <state_root>/<id> as a new string. */
char *state_dir_path(const mr_context *ctx, const char *id);

/* Reserves `id`: creates the state root if needed, mkdir()s the container
 * directory ("container 'ID' already exists" on EEXIST) and returns a locked
 * O_DIRECTORY fd of it in *dirfd. */
int state_dir_create(const mr_context *ctx, const char *id, int *dirfd, mr_error **err);
/* Opens and locks an existing container directory; -ENOENT with
 * "container 'ID' does not exist" when unknown. */
int state_dir_lock(const mr_context *ctx, const char *id, int *dirfd, mr_error **err);
/* Opens a container directory without locking it (state and list must not
 * wait behind a long create); -ENOENT "container 'ID' does not exist". */
int state_dir_open(const mr_context *ctx, const char *id, int *dirfd, mr_error **err);
/* The same below an open state root (entries met while listing). */
int state_dir_open_at(int rootfd, const char *id, int *dirfd, mr_error **err);
/* True once the directory was removed (a delete won while we held an fd). */
bool state_dir_is_removed(int dirfd);
/* Removes the container directory and everything in it. */
int state_dir_remove(const mr_context *ctx, const char *id, mr_error **err);

/* The init's records other than state.json (STATE_INIT_FILE and the
 * init.PID.START mark): create writes them before the init's last GO, so a
 * create that dies after it leaves the init findable (delete --force). */
int state_write_init(int dirfd, pid_t pid, unsigned long long start, mr_error **err);
/* Writes state.json into the locked directory atomically: the commit of a
 * create (a directory without it is a create in progress or one that died). */
int state_write_record(int dirfd, const struct state_record *rec, mr_error **err);
/* Both, in that order. */
int state_write(int dirfd, const struct state_record *rec, mr_error **err);
/* Reads state.json of a locked directory. */
int state_read(int dirfd, struct state_record **out, mr_error **err);
/* The same for the text of a state.json (what state_read() read; the fuzz
 * target's entry point). */
int state_parse(const char *text, size_t len, struct state_record **out, mr_error **err);
/* Reads STATE_INIT_FILE; -ENOENT/-EINVAL when missing or damaged. */
int state_read_init(int dirfd, pid_t *pid, unsigned long long *start);
/* The third record of the init (state-init.c): an empty file named
 * "init.PID.START", made by state_write() before the other two. */
int state_init_mark(int dirfd, pid_t pid, unsigned long long start, mr_error **err);
/* Reads it back from the name; -ENOENT when there is none. */
int state_init_from_mark(int dirfd, pid_t *pid, unsigned long long *start);
/* The process holding the directory's exec.fifo open read-write (the init
 * of a created container) with its start time; -ENOENT when none does. */
int state_init_fifo_holder(int dirfd, pid_t *pid, unsigned long long *start);
void state_record_free(struct state_record *rec);
/* state_read, with a missing state.json (a create still in progress, or a
 * stray directory) reported as "container 'ID' does not exist" and the id in
 * the file checked against `id`. */
int state_load(int dirfd, const char *id, struct state_record **out, mr_error **err);
/* -ENOENT, "container 'ID' does not exist". */
int state_err_unknown(mr_error **err, const char *id);

/* Current status: stopped when the init is gone or a zombie (or its start
 * time differs: pid reused), created while exec.fifo exists, else running. */
enum mr_status state_status(int dirfd, const struct state_record *rec);

/* Field 22 (starttime) of /proc/PID/stat, and whether the process is a
 * zombie/dead. Returns -ESRCH when there is no such process. */
int proc_stat_read(pid_t pid, unsigned long long *start, bool *dead);

#endif /* MR_STATE_H */
