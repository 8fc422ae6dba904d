#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run-oldkernel.sh - the integration suite a second time in the old-kernel
# mode (`make check` runs both): every system call newer than Linux 4.14
# (clone3, openat2, close_range, mount_setattr, the new mount API, pidfds)
# fails with ENOSYS (ioctl LOOP_CONFIGURE with EINVAL, as before 5.8) for
# minirun and everything the tests start, through tests/enosys-launcher.
# Each fallback is used as on a 4.14 kernel; tests of features without one
# skip, naming the kernel they need.
#
#   tests/integration/run-oldkernel.sh [run.sh options]
#
# MR_OLD_KERNEL_TESTS=ERE restricts it to the tests matching ERE (default:
# all of them). Output as run.sh, test names prefixed "oldkernel:".
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export MR_OLD_KERNEL=1
exec bash "$HERE/run.sh" ${MR_OLD_KERNEL_TESTS:+-k "$MR_OLD_KERNEL_TESTS"} "$@"
