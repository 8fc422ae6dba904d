# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ctypes declarations of include/minirun.h (nothing else is used).

libminirun.so.0 is found, in this order: the path in $MINIRUN_LIBRARY (a
build tree's .libs/libminirun.so.0, say), the dynamic loader's search path,
then the libdir this package was installed for (_libdir.py, written by
`make install`).
"""
import ctypes
import os

c_int_p = ctypes.POINTER(ctypes.c_int)


class _Opaque(ctypes.Structure):
    pass


class mr_error(_Opaque):
    pass


class mr_context(_Opaque):
    pass


class mr_config(_Opaque):
    pass


class mr_create_opts(_Opaque):
    pass


class mr_container(_Opaque):
    pass


class mr_state(_Opaque):
    pass


P = ctypes.POINTER
ERR = P(P(mr_error))

# void (*mr_log_fn)(void *userdata, enum mr_log_level level, const char *message)
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)

# name: (restype, argtypes)
_PROTOTYPES = {
    "mr_version": (ctypes.c_char_p, []),
    "mr_error_errno": (ctypes.c_int, [P(mr_error)]),
    "mr_error_code": (ctypes.c_int, [P(mr_error)]),
    "mr_error_message": (ctypes.c_char_p, [P(mr_error)]),
    "mr_error_free": (None, [P(mr_error)]),
    "mr_context_new": (ctypes.c_int, [ctypes.c_char_p, P(P(mr_context)), ERR]),
    "mr_context_free": (None, [P(mr_context)]),
    "mr_context_state_root": (ctypes.c_char_p, [P(mr_context)]),
    "mr_context_set_log": (None, [P(mr_context), LOG_FN, ctypes.c_void_p, ctypes.c_int]),
    "mr_context_set_cgroup_mode": (None, [P(mr_context), ctypes.c_int]),
    "mr_context_cgroup_mode": (ctypes.c_int, [P(mr_context)]),
    "mr_context_set_seccomp_cache": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, ERR]),
    "mr_context_set_timeout": (None, [P(mr_context), ctypes.c_uint]),
    "mr_context_set_cancel_fd": (None, [P(mr_context), ctypes.c_int]),
    "mr_config_load_bundle": (ctypes.c_int,
                              [P(mr_context), ctypes.c_char_p, P(P(mr_config)), ERR]),
    "mr_config_load_json": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, ctypes.c_size_t,
                                           ctypes.c_char_p, P(P(mr_config)), ERR]),
    "mr_config_free": (None, [P(mr_config)]),
    "mr_config_terminal": (ctypes.c_int, [P(mr_config)]),
    "mr_config_default_json": (ctypes.c_int, [ctypes.c_int, P(ctypes.c_void_p), ERR]),
    "mr_create_opts_new": (ctypes.c_int, [P(P(mr_create_opts)), ERR]),
    "mr_create_opts_free": (None, [P(mr_create_opts)]),
    "mr_create_opts_set_pid_file": (ctypes.c_int, [P(mr_create_opts), ctypes.c_char_p, ERR]),
    "mr_create_opts_set_console_socket": (ctypes.c_int,
                                          [P(mr_create_opts), ctypes.c_char_p, ERR]),
    "mr_create_opts_set_preserve_fds": (None, [P(mr_create_opts), ctypes.c_int]),
    "mr_create_opts_set_listen_fds": (None, [P(mr_create_opts), ctypes.c_int]),
    "mr_create_opts_set_no_pivot": (None, [P(mr_create_opts), ctypes.c_int]),
    "mr_create_opts_set_no_new_keyring": (None, [P(mr_create_opts), ctypes.c_int]),
    "mr_create_opts_set_stdio": (None, [P(mr_create_opts), ctypes.c_int, ctypes.c_int,
                                        ctypes.c_int]),
    "mr_status_name": (ctypes.c_char_p, [ctypes.c_int]),
    "mr_id_validate": (ctypes.c_int, [ctypes.c_char_p, ERR]),
    "mr_container_create": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, P(mr_config),
                                           P(mr_create_opts), P(P(mr_container)), ERR]),
    "mr_container_start": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, ERR]),
    "mr_container_run": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, P(mr_config),
                                        P(mr_create_opts), P(P(mr_container)), ERR]),
    "mr_container_pid": (ctypes.c_int, [P(mr_container)]),
    "mr_container_id": (ctypes.c_char_p, [P(mr_container)]),
    "mr_container_pollfd": (ctypes.c_int, [P(mr_container)]),
    "mr_container_wait": (ctypes.c_int, [P(mr_container), ctypes.c_int, c_int_p, ERR]),
    "mr_container_free": (None, [P(mr_container)]),
    "mr_container_kill": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, ctypes.c_int,
                                         ctypes.c_int, ERR]),
    "mr_container_delete": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, ctypes.c_int, ERR]),
    "mr_state_get": (ctypes.c_int, [P(mr_context), ctypes.c_char_p, P(P(mr_state)), ERR]),
    "mr_state_free": (None, [P(mr_state)]),
    "mr_state_id": (ctypes.c_char_p, [P(mr_state)]),
    "mr_state_status": (ctypes.c_int, [P(mr_state)]),
    "mr_state_pid": (ctypes.c_int, [P(mr_state)]),
    "mr_state_bundle": (ctypes.c_char_p, [P(mr_state)]),
    "mr_state_created": (ctypes.c_char_p, [P(mr_state)]),
    "mr_state_owner": (ctypes.c_uint, [P(mr_state)]),
    "mr_state_to_json": (ctypes.c_int, [P(mr_state), P(ctypes.c_void_p), ERR]),
    "mr_state_list": (ctypes.c_int, [P(mr_context), P(P(P(mr_state))), P(ctypes.c_size_t),
                                     ERR]),
    "mr_state_list_free": (None, [P(P(mr_state)), ctypes.c_size_t]),
    "mr_signal_parse": (ctypes.c_int, [ctypes.c_char_p, c_int_p, ERR]),
}


def _candidates():
    env = os.environ.get("MINIRUN_LIBRARY")
    if env:
        yield env
    yield "libminirun.so.0"
    try:
        from . import _libdir  # written by `make install`
        yield os.path.join(_libdir.LIBDIR, "libminirun.so.0")
    except ImportError:
        pass


def _load():
    tried = []
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name, use_errno=True)
        except OSError as e:
            tried.append(str(e))
            continue
        for fn, (restype, argtypes) in _PROTOTYPES.items():
            f = getattr(lib, fn)
            f.restype = restype
            f.argtypes = argtypes
        return lib
    raise ImportError("libminirun.so.0 not found (set MINIRUN_LIBRARY): " + "; ".join(tried))


lib = _load()
# Strings the library allocates with malloc() (mr_config_default_json,
# mr_state_to_json) go back with the C library's free().
libc = ctypes.CDLL(None)
libc.free.restype = None
libc.free.argtypes = [ctypes.c_void_p]


def take_string(ptr):
    """Copies a malloc()ed C string into a str and frees it."""
    try:
        return ctypes.string_at(ptr.value).decode()
    finally:
        libc.free(ptr)
