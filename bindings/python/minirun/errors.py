# SPDX-License-Identifier: LGPL-2.1-or-later
"""MinirunError: a failed libminirun call, with its errno and message."""
import ctypes
import errno as _errno
import os

from ._lib import lib, mr_error


class MinirunError(OSError):
    """A libminirun call failed.

    errno is the error number of the negative code the call returned
    (ENOENT for an unknown container, EINVAL for bad input, ETIMEDOUT when a
    create timed out, ...), strerror/message the library's message naming
    what failed (e.g. "config.json: process.args: expected array of
    strings"), code the negative return value itself and sys_errno the
    system errno behind the failure (0 when there was none, e.g. malformed
    JSON).
    """

    def __init__(self, code, message, sys_errno=0):
        super().__init__(-code, message)
        self.code = code
        self.message = message
        self.sys_errno = sys_errno

    def __str__(self):
        name = _errno.errorcode.get(self.errno, str(self.errno))
        return "%s (%s)" % (self.message, name)


def new_err():
    """An out-parameter for the `mr_error **err` argument."""
    return ctypes.POINTER(mr_error)()


def check(rc, err):
    """Raises MinirunError for a negative rc (taking over and freeing err)."""
    try:
        if rc >= 0:
            return rc
        if err:
            message = lib.mr_error_message(err).decode(errors="replace")
            raise MinirunError(rc, message, lib.mr_error_errno(err))
        raise MinirunError(rc, os.strerror(-rc))
    finally:
        if err:
            lib.mr_error_free(err)
