# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests of the Python bindings against real containers (plain unittest).

    MINIRUN_TEST_BUNDLE=DIR MINIRUN_TEST_STATE=DIR python3 -m unittest -v test_minirun

DIR is a bundle with a busybox rootfs (tests/integration/test-bindings.sh
makes one); the tests derive their configs from its config.json. Needs root.
MINIRUN_LIBRARY may name the libminirun.so.0 to test.
"""
import errno
import json
import os
import selectors
import shutil
import signal
import tempfile
import threading
import time
import unittest

import minirun

BUNDLE = os.environ.get("MINIRUN_TEST_BUNDLE")
STATE = os.environ.get("MINIRUN_TEST_STATE")


def open_fds():
    return sorted(int(f) for f in os.listdir("/proc/self/fd"))


@unittest.skipUnless(BUNDLE and STATE and os.geteuid() == 0,
                     "needs root, MINIRUN_TEST_BUNDLE and MINIRUN_TEST_STATE")
class TestContainers(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(BUNDLE, "config.json")) as f:
            cls.base = json.load(f)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="minirun-py.")
        self.logs = []
        self.ctx = minirun.Context(STATE, log=lambda lvl, msg: self.logs.append((lvl, msg)),
                                   log_level=minirun.LOG_DEBUG)
        self.fds_before = open_fds()

    def tearDown(self):
        for st in self.ctx.list():
            self.ctx.delete(st.id, force=True)
        self.ctx.close()
        shutil.rmtree(self.tmp)

    def config(self, *args, **changes):
        """A config running `sh -c ARGS...` in the busybox bundle."""
        c = json.loads(json.dumps(self.base))
        c["process"]["args"] = ["sh", "-c", " ".join(args)]
        c.update(changes)
        return self.ctx.load_json(c, bundle=BUNDLE)

    def outfile(self, name):
        return open(os.path.join(self.tmp, name), "w+")

    def assert_reaped(self, pid):
        with self.assertRaises(ChildProcessError, msg="pid %d is still our child" % pid):
            os.waitpid(pid, os.WNOHANG)

    def assert_state_root_empty(self):
        self.assertEqual([s.id for s in self.ctx.list()], [])

    # -- values and errors -----------------------------------------------------

    def test_version_and_spec(self):
        self.assertRegex(minirun.version(), r"^\d+\.\d+\.\d+$")
        spec = minirun.default_spec()
        self.assertEqual(spec["process"]["args"], ["sh"])
        self.assertIn("user", [ns["type"] for ns in minirun.default_spec(True)["linux"]
                                 ["namespaces"]])
        self.assertEqual(minirun.signal_number("SIGKILL"), signal.SIGKILL)
        self.assertEqual(minirun.signal_number(signal.SIGTERM), signal.SIGTERM)

    def test_errors_carry_errno_and_message(self):
        with self.assertRaises(minirun.MinirunError) as cm:
            minirun.validate_id("a/b")
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertEqual(cm.exception.code, -errno.EINVAL)
        self.assertIn("invalid container id", cm.exception.message)
        self.assertIsInstance(cm.exception, OSError)

        missing = os.path.join(self.tmp, "nope")
        with self.assertRaises(minirun.MinirunError) as cm:
            self.ctx.load_bundle(missing)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertIn(missing + "/config.json", str(cm.exception))

        bad = json.loads(json.dumps(self.base))
        bad["process"]["args"] = "true"
        with self.assertRaises(minirun.MinirunError) as cm:
            self.ctx.load_json(bad, bundle=BUNDLE)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertIn("process.args", cm.exception.message)

        with self.assertRaises(minirun.MinirunError) as cm:
            self.ctx.state("no-such-container")
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        with self.assertRaises(minirun.MinirunError) as cm:
            minirun.signal_number("NOSUCHSIG")
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        with self.assertRaises(TypeError):
            self.ctx.run("x", self.config("true"), no_such_option=1)
        self.assert_state_root_empty()
        self.assertEqual(open_fds(), self.fds_before)

    # -- lifecycles ------------------------------------------------------------

    def test_run_wait_output(self):
        with self.outfile("out") as out, self.config("echo hello $((6*7)); exit 3") as cfg:
            c = self.ctx.run("py-run", cfg, stdout=out, stderr=out)
            pid = c.pid
            self.assertGreater(pid, 0)
            self.assertEqual(c.wait(timeout=10), 3)
            self.assertEqual(c.state().status, "stopped")
            c.delete()
            c.close()
            out.seek(0)
            self.assertEqual(out.read(), "hello 42\n")
        self.assert_reaped(pid)
        self.assert_state_root_empty()
        self.assertTrue(any(lvl == minirun.LOG_DEBUG for lvl, _ in self.logs), self.logs)
        self.assertEqual(open_fds(), self.fds_before)

    def test_create_start_state(self):
        with self.outfile("out") as out, self.config("echo started") as cfg:
            c = self.ctx.create("py-cs", cfg, stdout=out)
            st = self.ctx.state("py-cs")
            self.assertEqual((st.id, st.status, st.pid), ("py-cs", "created", c.pid))
            self.assertEqual(st.bundle, os.path.realpath(BUNDLE))
            self.assertEqual(st.json["status"], "created")
            self.assertEqual([s.id for s in self.ctx.list()], ["py-cs"])
            with self.assertRaises(minirun.MinirunError) as cm:
                self.ctx.create("py-cs", cfg)
            self.assertEqual(cm.exception.errno, errno.EEXIST)
            self.assertIsNone(c.poll())
            c.start()
            self.assertEqual(c.wait(timeout=10), 0)
            out.seek(0)
            self.assertEqual(out.read(), "started\n")
            c.delete()
        self.assert_state_root_empty()

    def test_wait_timeout_and_context_manager_cleanup(self):
        with self.config("exec sleep 100") as cfg:
            with self.ctx.run("py-sleep", cfg) as c:
                pid = c.pid
                t0 = time.monotonic()
                with self.assertRaises(TimeoutError):
                    c.wait(timeout=0.3)
                self.assertGreaterEqual(time.monotonic() - t0, 0.3)
                self.assertEqual(self.ctx.state("py-sleep").status, "running")
            # Leaving the block killed, reaped and deleted it.
        self.assert_reaped(pid)
        self.assert_state_root_empty()
        self.assertEqual(open_fds(), self.fds_before)

    def test_kill_and_pollfd_in_selector(self):
        with self.config("exec sleep 100") as cfg, self.ctx.run("py-kill", cfg) as c:
            sel = selectors.DefaultSelector()
            if c.fileno() < 0:
                self.skipTest("no pidfd on this kernel")
            sel.register(c, selectors.EVENT_READ)
            self.assertEqual(sel.select(timeout=0.2), [])
            c.kill("KILL")
            self.assertEqual(len(sel.select(timeout=10)), 1)
            sel.close()
            self.assertEqual(c.wait(timeout=10), 128 + signal.SIGKILL)
        self.assert_state_root_empty()

    def test_create_timeout(self):
        self.ctx.timeout = 0.001
        self.assertEqual(self.ctx.timeout, 0.001)
        with self.config("true") as cfg, self.assertRaises(minirun.MinirunError) as cm:
            self.ctx.create("py-timeout", cfg)
        self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
        self.assert_state_root_empty()
        self.assertEqual(open_fds(), self.fds_before)

    def test_cancel_fd(self):
        r, w = os.pipe2(os.O_CLOEXEC)
        try:
            os.write(w, b"x")
            self.ctx.set_cancel_fd(r)
            with self.config("true") as cfg, self.assertRaises(minirun.MinirunError) as cm:
                self.ctx.create("py-cancel", cfg)
            self.assertEqual(cm.exception.errno, errno.ECANCELED)
            self.ctx.set_cancel_fd(None)
        finally:
            os.close(r)
            os.close(w)
        self.assert_state_root_empty()

    def test_threads_share_a_context(self):
        results, errors = [], []
        cfg = self.config("exit 7")

        def worker(n):
            try:
                for i in range(3):
                    with self.ctx.run("py-thr-%d-%d" % (n, i), cfg) as c:
                        results.append(c.wait(timeout=10))
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cfg.close()
        self.assertEqual(errors, [])
        self.assertEqual(results, [7] * 9)
        self.assert_state_root_empty()

    def test_handles_garbage_collected(self):
        cfg = self.config("exit 0")
        c = self.ctx.run("py-gc", cfg)
        pid = c.pid
        del cfg
        self.assertEqual(c.wait(timeout=10), 0)
        del c  # the handle goes; the container stays until deleted
        self.assertEqual(self.ctx.state("py-gc").status, "stopped")
        self.ctx.delete("py-gc")
        self.assert_reaped(pid)
        ctx2 = minirun.Context(os.path.join(self.tmp, "state2"))
        del ctx2
        self.assertEqual(open_fds(), self.fds_before)


if __name__ == "__main__":
    unittest.main()
