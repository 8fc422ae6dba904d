# SPDX-License-Identifier: LGPL-2.1-or-later
"""Context, Config and State: the handles of libminirun a host keeps."""
import ctypes
import json
import os
import threading

from . import _lib
from ._lib import lib
from .errors import check, new_err

LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG = range(4)
CGROUP_AUTO, CGROUP_NONE, CGROUP_V1, CGROUP_V2, CGROUP_HYBRID = range(5)
STATUS_NAMES = ("unknown", "creating", "created", "running", "paused", "stopped")


def _b(s):
    """str/bytes/PathLike -> bytes for a `const char *` (None stays NULL)."""
    return None if s is None else os.fsencode(s)


def _fd(f):
    """An fd number from an int or an object with fileno()."""
    return f if isinstance(f, int) else f.fileno()


class Config:
    """A loaded config.json (mr_config). Immutable; may be shared by threads.

    Use as a context manager, or close() it; the garbage collector frees it
    otherwise.
    """

    def __init__(self, handle):
        self._h = handle

    @property
    def handle(self):
        if not self._h:
            raise ValueError("the config is closed")
        return self._h

    @property
    def terminal(self):
        """True when process.terminal asks for a terminal."""
        return bool(lib.mr_config_terminal(self.handle))

    def close(self):
        h, self._h = self._h, None
        if h:
            lib.mr_config_free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class State:
    """A snapshot of a container's state (read once, not live)."""

    def __init__(self, handle):
        self.id = lib.mr_state_id(handle).decode()
        self.status = STATUS_NAMES[lib.mr_state_status(handle)]
        self.pid = lib.mr_state_pid(handle)
        self.bundle = os.fsdecode(lib.mr_state_bundle(handle))
        self.created = lib.mr_state_created(handle).decode()
        self.owner = lib.mr_state_owner(handle)
        out = ctypes.c_void_p()
        err = new_err()
        check(lib.mr_state_to_json(handle, ctypes.byref(out), ctypes.byref(err)), err)
        self.json = json.loads(_lib.take_string(out))

    def __repr__(self):
        return "<minirun.State %s %s pid=%d>" % (self.id, self.status, self.pid)


class Context:
    """A libminirun context (mr_context): a state root, a log sink, limits.

    All methods serialise on a lock, so a Context may be shared by Python
    threads (the C context is for one thread at a time). Methods raise
    MinirunError on failure. As a context manager it closes on exit; closing
    leaves the containers alone.
    """

    def __init__(self, state_root=None, log=None, log_level=LOG_WARNING, timeout=None):
        """state_root: None for /run/minirun. log: a callable (level, message)
        receiving the library's diagnostics at or below log_level. timeout:
        seconds create/run may wait for the container's init (None: the
        library default of 60 s; 0: forever)."""
        self._lock = threading.RLock()
        self._log_cb = None
        h = ctypes.POINTER(_lib.mr_context)()
        err = new_err()
        check(lib.mr_context_new(_b(state_root), ctypes.byref(h), ctypes.byref(err)), err)
        self._h = h
        if log is not None:
            self.set_log(log, log_level)
        if timeout is not None:
            self.timeout = timeout

    @property
    def handle(self):
        if not self._h:
            raise ValueError("the context is closed")
        return self._h

    def close(self):
        h, self._h = getattr(self, "_h", None), None
        if h:
            lib.mr_context_free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    # -- settings ------------------------------------------------------------

    @property
    def state_root(self):
        return os.fsdecode(lib.mr_context_state_root(self.handle))

    def set_log(self, fn, level=LOG_WARNING):
        """fn(level, message) receives diagnostics; None drops them. It runs
        in the thread making the call, during the call."""

        def trampoline(_userdata, lvl, message):
            fn(lvl, message.decode(errors="replace"))

        with self._lock:
            cb = _lib.LOG_FN(trampoline) if fn is not None else _lib.LOG_FN()
            lib.mr_context_set_log(self.handle, cb, None, level)
            self._log_cb = cb  # ctypes must keep the trampoline alive

    @property
    def cgroup_mode(self):
        return lib.mr_context_cgroup_mode(self.handle)

    @cgroup_mode.setter
    def cgroup_mode(self, mode):
        with self._lock:
            lib.mr_context_set_cgroup_mode(self.handle, mode)

    @property
    def timeout(self):
        return self._timeout_ms / 1000.0 if hasattr(self, "_timeout_ms") else None

    @timeout.setter
    def timeout(self, seconds):
        ms = int(round(seconds * 1000))
        if ms < 0 or ms > 0xFFFFFFFF or (seconds > 0 and ms == 0):
            raise ValueError("timeout: expected 0 (forever) or 0.001 .. 4294967 seconds")
        with self._lock:
            lib.mr_context_set_timeout(self.handle, ms)
            self._timeout_ms = ms

    def set_cancel_fd(self, fd):
        """An fd whose readability cancels a waiting create/run (ECANCELED);
        None disables it. The caller keeps it open."""
        with self._lock:
            lib.mr_context_set_cancel_fd(self.handle, -1 if fd is None else _fd(fd))

    def set_seccomp_cache(self, directory):
        with self._lock:
            err = new_err()
            check(lib.mr_context_set_seccomp_cache(self.handle, _b(directory), ctypes.byref(err)),
                  err)

    # -- configs -------------------------------------------------------------

    def load_bundle(self, bundle):
        """Config from BUNDLE/config.json."""
        h = ctypes.POINTER(_lib.mr_config)()
        err = new_err()
        with self._lock:
            check(lib.mr_config_load_bundle(self.handle, _b(bundle), ctypes.byref(h),
                                            ctypes.byref(err)), err)
        return Config(h)

    def load_json(self, config, bundle=None):
        """Config from a JSON text (str/bytes) or a dict; bundle anchors a
        relative root.path (None: the current directory)."""
        if isinstance(config, dict):
            config = json.dumps(config)
        data = config.encode() if isinstance(config, str) else bytes(config)
        h = ctypes.POINTER(_lib.mr_config)()
        err = new_err()
        with self._lock:
            check(lib.mr_config_load_json(self.handle, data, len(data), _b(bundle),
                                          ctypes.byref(h), ctypes.byref(err)), err)
        return Config(h)

    # -- containers ----------------------------------------------------------

    def create(self, id, config, **opts):
        """Creates container `id`; its init waits for start(). Returns a
        Container (this process is the init's parent). Options: pid_file,
        console_socket, preserve_fds, listen_fds, no_pivot, no_new_keyring,
        stdin, stdout, stderr (fds or objects with fileno())."""
        return self._create(lib.mr_container_create, id, config, opts)

    def run(self, id, config, **opts):
        """create + start; options as for create()."""
        return self._create(lib.mr_container_run, id, config, opts)

    def _create(self, fn, id, config, opts):
        from .container import Container

        o = _create_opts(opts)
        try:
            h = ctypes.POINTER(_lib.mr_container)()
            err = new_err()
            with self._lock:
                check(fn(self.handle, _b(id), config.handle, o, ctypes.byref(h),
                         ctypes.byref(err)), err)
        finally:
            lib.mr_create_opts_free(o)
        return Container(self, h)

    def start(self, id):
        self._call(lib.mr_container_start, _b(id))

    def kill(self, id, signal="TERM", all=False):
        """Signal (a number or a name like "KILL", "SIGRTMIN+3") to the init,
        or to every process of the container with all=True."""
        self._call(lib.mr_container_kill, _b(id), signal_number(signal), int(bool(all)))

    def delete(self, id, force=False):
        """Removes a stopped or created container; force kills a running one
        and ignores an unknown id."""
        self._call(lib.mr_container_delete, _b(id), int(bool(force)))

    def state(self, id):
        h = ctypes.POINTER(_lib.mr_state)()
        self._call(lib.mr_state_get, _b(id), ctypes.byref(h))
        try:
            return State(h)
        finally:
            lib.mr_state_free(h)

    def list(self):
        """The States of every container of the state root, sorted by id."""
        arr = ctypes.POINTER(ctypes.POINTER(_lib.mr_state))()
        n = ctypes.c_size_t()
        self._call(lib.mr_state_list, ctypes.byref(arr), ctypes.byref(n))
        try:
            return [State(arr[i]) for i in range(n.value)]
        finally:
            lib.mr_state_list_free(arr, n)

    def _call(self, fn, *args):
        err = new_err()
        with self._lock:
            return check(fn(self.handle, *args, ctypes.byref(err)), err)


def _create_opts(opts):
    o = ctypes.POINTER(_lib.mr_create_opts)()
    err = new_err()
    check(lib.mr_create_opts_new(ctypes.byref(o), ctypes.byref(err)), err)
    try:
        opts = dict(opts)
        for key, setter in (("pid_file", lib.mr_create_opts_set_pid_file),
                            ("console_socket", lib.mr_create_opts_set_console_socket)):
            value = opts.pop(key, None)
            if value is not None:
                err = new_err()
                check(setter(o, _b(value), ctypes.byref(err)), err)
        lib.mr_create_opts_set_preserve_fds(o, int(opts.pop("preserve_fds", 0)))
        lib.mr_create_opts_set_listen_fds(o, int(opts.pop("listen_fds", 0)))
        lib.mr_create_opts_set_no_pivot(o, int(bool(opts.pop("no_pivot", False))))
        lib.mr_create_opts_set_no_new_keyring(o, int(bool(opts.pop("no_new_keyring", False))))
        stdio = [opts.pop(k, None) for k in ("stdin", "stdout", "stderr")]
        if any(f is not None for f in stdio):
            lib.mr_create_opts_set_stdio(o, *[-1 if f is None else _fd(f) for f in stdio])
        if opts:
            raise TypeError("unknown create option(s): " + ", ".join(sorted(opts)))
        return o
    except BaseException:
        lib.mr_create_opts_free(o)
        raise


def signal_number(sig):
    """A signal number from an int, a signal.Signals or a name ("TERM",
    "SIGKILL", "9", "RTMIN+3")."""
    if isinstance(sig, int):
        return int(sig)
    n = ctypes.c_int()
    err = new_err()
    check(lib.mr_signal_parse(_b(sig), ctypes.byref(n), ctypes.byref(err)), err)
    return n.value
