/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sync.h - the parent <-> container-init channel (a SOCK_SEQPACKET pair).
 *
 * The child reports "ready" or "failed: errno + text" as one fixed-size
 * message; the parent answers "go" once it has done what must happen from
 * outside (id maps, later cgroup placement). Child-side functions are
 * async-signal-safe: no allocation, no stdio, no locale.
 */
#ifndef MR_SYNC_H
#define MR_SYNC_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

enum sync_type {
  SYNC_GO = 1, /* parent -> child: continue */
  SYNC_READY,  /* child -> parent: set up, waiting for start */
  SYNC_ERROR,  /* child -> parent: setup failed, text + errnum follow */
  SYNC_PID,    /* stage-1 -> parent: pid of the init it spawned */
  SYNC_HOOKS,  /* child -> parent: run prestart/createRuntime now; the parent
                * answers SYNC_GO with pid = the init's host pid */
};

#define SYNC_TEXT_MAX 1024

struct sync_msg {
  int type;
  int errnum;
  int pid;
  char text[SYNC_TEXT_MAX];
};

/* A bounded string builder that only touches its own buffer. */
struct sbuf {
  char *buf;
  size_t size, len;
};
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_add_int(struct sbuf *b, long v);

/* Child side. */
int sync_send(int fd, int type, int errnum, int pid);
/* Sends SYNC_ERROR with text = concatenation of the non-NULL parts and
 * _exit()s: the child's only way to fail. The parent appends
 * ": strerror(errnum)" when errnum > 0; a negative errnum sets the code
 * without that suffix (the text already says it all). */
__attribute__((noreturn)) void sync_fail(int fd, int errnum, const char *a, const char *b,
                                         const char *c, const char *d);
/* Blocks for a message of `type`; -1 on EOF or error. */
int sync_wait(int fd, int type);
/* The same, also returning the message's pid field. */
int sync_wait_pid(int fd, int type, int *pid);

/* Parent side: receive one message; 0 on EOF (the child died). */
int sync_recv(int fd, struct sync_msg *msg);
/* Turns a SYNC_ERROR message into an mr_error. */
int sync_error_to_err(const struct sync_msg *msg, mr_error **err);

#endif /* MR_SYNC_H */
