# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python bindings of libminirun (ctypes over libminirun.so.0).

    import minirun
    with minirun.Context("/run/my-host") as ctx, ctx.load_bundle("/srv/app") as cfg:
        with ctx.run("app", cfg) as c:
            print("exit status", c.wait(timeout=30))

See bindings/python/README.md.
"""
import ctypes
import json as _json

from . import _lib
from ._lib import lib
from .container import Container
from .context import (CGROUP_AUTO, CGROUP_HYBRID, CGROUP_NONE, CGROUP_V1, CGROUP_V2, LOG_DEBUG,
                      LOG_ERROR, LOG_INFO, LOG_WARNING, Config, Context, State, signal_number)
from .errors import MinirunError, check, new_err

__all__ = [
    "Context", "Config", "Container", "State", "MinirunError", "version", "default_spec",
    "validate_id", "signal_number", "LOG_ERROR", "LOG_WARNING", "LOG_INFO", "LOG_DEBUG",
    "CGROUP_AUTO", "CGROUP_NONE", "CGROUP_V1", "CGROUP_V2", "CGROUP_HYBRID"
]


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return lib.mr_version().decode()


def default_spec(rootless=False):
    """The config.json `minirun spec` writes, as a dict."""
    out = ctypes.c_void_p()
    err = new_err()
    check(lib.mr_config_default_json(int(bool(rootless)), ctypes.byref(out), ctypes.byref(err)),
          err)
    return _json.loads(_lib.take_string(out))


def validate_id(id):
    """Raises MinirunError (EINVAL) when `id` is not a valid container id."""
    err = new_err()
    check(lib.mr_id_validate(id.encode(), ctypes.byref(err)), err)
