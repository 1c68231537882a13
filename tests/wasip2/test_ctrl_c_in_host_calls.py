"""Ctrl-C while a component calls the host in a loop (the adapter's fd_write -> `blocking-write-and-flush`):
the signal often lands in a host call's ctypes glue, where a KeyboardInterrupt would escape the callback
("Exception ignored on calling ctypes callback function", then a crash). Every run must end with exit 130
and the one line, on both ways into the host functions (the `hostcall` fixture)."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import time

import pytest

# Writes "ready\n" to stdout, then "x" forever (the pipe fills when the test stops reading: a blocked call).
WRITES_FOREVER = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "ready\\nx")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 22)) (i32.store (i32.const 4) (i32.const 1))
    (loop $l (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br $l))))
"""
ATTEMPTS = 10
HANG = 60.0


@pytest.mark.slow
@pytest.mark.parametrize("trace", [[], ["--trace=*write*"]], ids=["plain", "traced"])
def test_ctrl_c_during_host_calls_never_shows_a_traceback(component, hostcall, trace):
    path = str(component(WRITES_FOREVER))
    for attempt in range(ATTEMPTS):
        proc = subprocess.Popen([sys.executable, "-m", "wasitool", "run", *trace, path], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None
        try:
            ready, _, _ = select.select([proc.stdout], [], [], HANG)
            assert ready and proc.stdout.read(6) == b"ready\n", attempt
            time.sleep(attempt * 0.005)  # spread the signal over the loop (and, later, a full pipe)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=HANG)
        finally:
            proc.kill()
            proc.wait()
        text = err.decode(errors="replace")
        if trace:  # the trace's lines come first
            assert "Traceback" not in text and "Exception ignored" not in text, attempt
            text = text[-len("wasitool: interrupted\n"):]
        assert (proc.returncode, text) == (130, "wasitool: interrupted\n"), attempt
