# SPDX-License-Identifier: LGPL-2.1-or-later
"""Container: a container created by this process (mr_container)."""
import ctypes
import errno
import select
import time

from ._lib import lib
from .errors import MinirunError, check, new_err

# Without a pidfd (kernels before 5.3) wait() looks this often.
_POLL_FALLBACK_S = 0.05


class Container:
    """A container this process created: the init is our child.

    wait() reaps it (no SIGCHLD handler needed; don't reap it yourself with
    os.waitpid(-1) or by setting SIGCHLD to SIG_IGN). fileno() is the pidfd,
    readable once the init exits, for select/selectors/asyncio.

    As a context manager, leaving the block kills (if still running),
    reaps and deletes the container, then frees the handle. close() or the
    garbage collector only free the handle: the container itself stays.
    """

    def __init__(self, context, handle):
        self.context = context  # keeps the C context alive as long as we are
        self._h = handle
        self.id = lib.mr_container_id(handle).decode()
        self.pid = lib.mr_container_pid(handle)
        self.exit_status = None

    @property
    def handle(self):
        if not self._h:
            raise ValueError("the container handle is closed")
        return self._h

    def fileno(self):
        """The pidfd (readable when the init exits), or -1 without pidfds."""
        return lib.mr_container_pollfd(self.handle)

    def start(self):
        self.context.start(self.id)

    def kill(self, signal="TERM", all=False):
        self.context.kill(self.id, signal, all)

    def delete(self, force=False):
        self.context.delete(self.id, force)

    def state(self):
        return self.context.state(self.id)

    def poll(self):
        """The exit status when the init has exited (reaping it), else None.
        The status is the exit code, or 128 + N when killed by signal N."""
        if self.exit_status is not None:
            return self.exit_status
        status = ctypes.c_int(-1)
        err = new_err()
        rc = lib.mr_container_wait(self.handle, 1, ctypes.byref(status), ctypes.byref(err))
        if rc == -errno.EAGAIN:
            check(0, err)  # frees err
            return None
        check(rc, err)
        self.exit_status = status.value
        return self.exit_status

    def wait(self, timeout=None):
        """Waits for the init to exit and returns its exit status; raises
        TimeoutError after `timeout` seconds (None: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self.fileno()
        poller = None
        if fd >= 0:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
        while True:
            status = self.poll()
            if status is not None:
                return status
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError("container %s still runs after %g s" % (self.id, timeout))
            if poller is not None:
                poller.poll(None if left is None else max(1, int(left * 1000)))
            else:
                time.sleep(_POLL_FALLBACK_S if left is None else min(left, _POLL_FALLBACK_S))

    def close(self):
        """Frees the handle; the container itself is untouched."""
        h, self._h = getattr(self, "_h", None), None
        if h:
            lib.mr_container_free(h)

    def destroy(self):
        """Kills (if needed), reaps and deletes the container."""
        try:
            self.context.delete(self.id, force=True)
        finally:
            if self._h and self.exit_status is None:
                try:
                    self.wait(timeout=10)
                except (MinirunError, TimeoutError):
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.destroy()
        finally:
            self.close()

    def __del__(self):
        self.close()

    def __repr__(self):
        return "<minirun.Container %s pid=%d>" % (self.id, self.pid)
