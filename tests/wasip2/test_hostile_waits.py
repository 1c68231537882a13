"""A guest sleeping until the end of time (`subscribe-duration(2^64-1)` through the adapter's
poll_oneoff): the host waits, as the wasmtime CLI does, until --timeout or Ctrl-C ends the run with its
one line, never an internal error."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.wasip2.conftest import wasitool

# One poll_oneoff on a monotonic-clock subscription whose relative timeout is TIMEOUT ns.
SLEEP = """(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const TIMEOUT))
    (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200)))))
"""
FOREVER = ["-1", "9223372036854775807"]  # 2^64-1 ns (past every time_t) and 2^63-1 ns


@pytest.mark.parametrize("timeout", FOREVER)
def test_timeout_ends_an_endless_sleep(component, hostcall, timeout):
    proc = wasitool("run", "--timeout", "1", str(component(SLEEP.replace("TIMEOUT", timeout))))
    assert (proc.returncode, proc.stdout, proc.stderr) == (124, b"", b"wasitool: timed out after 1s\n")


def test_ctrl_c_ends_an_endless_sleep(component):
    proc = subprocess.Popen([sys.executable, "-m", "wasitool", "run", str(component(SLEEP.replace("TIMEOUT", "-1")))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)  # the status does not depend on when the signal lands
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (130, b"wasitool: interrupted\n")
