"""`wasitool run COMPONENT`: a WASI 0.2 command on the Python host, compared with the wasmtime CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support import wat_modules as M
from tests.wasip2.conftest import reference, wasitool

W = M.W

# Writes "oops\n" to stderr (fd 2).
STDERR = f"""(module {M.FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 8) "oops\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 8)) (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 100)))))"""


def _same(ours, theirs) -> None:
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), (ours.stderr, theirs.stderr)


def test_hello_as_the_cli(hostcall, component, wasmtime_cli):
    path = component(M.HELLO)
    ours = wasitool("run", str(path), "--engine", "wasmtime")
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, b"Hello, WASI!\n", b"")
    _same(ours, reference(wasmtime_cli, path))


def test_stderr(component, wasmtime_cli):
    path = component(STDERR)
    ours = wasitool("run", str(path))
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, b"", b"oops\n")
    assert reference(wasmtime_cli, path).stderr == b"oops\n"


def test_arguments(hostcall, component, wasmtime_cli):
    path = component(M.strings_dump("args"), "prog.wasm")
    ours = wasitool("run", str(path), "--", "a", "--b")
    assert ours.stdout == b"prog.wasm\0a\0--b\0"
    # argc 3 as the exit code: a component's exit is ok/err, so any non-zero status is 1
    assert ours.returncode == 1
    _same(ours, reference(wasmtime_cli, path, "a", "--b"))


def test_environment_only_as_given(hostcall, component, wasmtime_cli, monkeypatch):
    monkeypatch.setenv("HOST_SECRET", "x")
    path = component(M.strings_dump("environ"))
    ours = wasitool("run", str(path), "--env", "K=V", "--env", "E=")
    assert ours.stdout == b"K=V\0E=\0"
    _same(ours, reference(wasmtime_cli, path, flags=("--env", "K=V", "--env", "E=")))


@pytest.mark.parametrize(("code", "status"), [(0, 0), (1, 1), (3, 1), (125, 1)])
def test_exit_codes(component, wasmtime_cli, code, status):
    path = component(M.exit_with(code))
    ours = wasitool("run", str(path))
    assert (ours.returncode, ours.stderr) == (status, b"")
    _same(ours, reference(wasmtime_cli, path))


def test_returning_start_is_success(component):
    assert wasitool("run", str(component(M.RETURNS))).returncode == 0


def test_stdin_read_to_the_end(hostcall, component, wasmtime_cli):
    path = component(M.CAT)
    data = b"line one\nline two\n" * 100
    ours = wasitool("run", str(path), stdin=data)
    assert (ours.returncode, ours.stdout) == (0, data)
    _same(ours, reference(wasmtime_cli, path, stdin=data))


def test_trap_is_one_line_134(component, wasmtime_cli):
    path = component(M.trap_start("unreachable"))
    ours = wasitool("run", str(path))
    assert ours.returncode == 134
    assert ours.stderr == b"wasitool: trap: unreachable instruction executed\n"
    assert reference(wasmtime_cli, path).returncode == 134


def test_only_wasmtime_has_the_component_model(component, engine_name):
    """Every engine importable here: wasmtime runs the component, the others refuse in one line."""
    proc = wasitool("run", str(component(M.HELLO)), "--engine", engine_name)
    if engine_name == "wasmtime":
        assert (proc.returncode, proc.stdout) == (0, b"Hello, WASI!\n")
        return
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    assert err == (f"wasitool: error: c.wasm is a component: the {engine_name} engine has no component model "
                   "(fix: run it with --engine wasmtime)\n")


def test_trace_of_hello_exact(hostcall, component):
    proc = wasitool("run", str(component(M.HELLO)), "--trace")
    assert proc.stdout == b"Hello, WASI!\n"
    assert proc.stderr.decode().splitlines() == [
        "get-stdin() -> input-stream#1",
        "get-stdout() -> output-stream#2",
        "get-stderr() -> output-stream#3",
        "get-directories() -> []",
        '[method]output-stream.blocking-write-and-flush(self=output-stream#2, contents=b"Hello, WASI!\\n") -> ok()',
    ]


# exit 0 when memory.grow(20 pages) succeeds, 1 when it fails (a component's exit status is only ok/err)
GROW_OR_FAIL = f"""(module {M.PROC_EXIT} (memory (export "memory") 1)
  (func (export "_start") (call $proc_exit (i32.lt_s (memory.grow (i32.const 20)) (i32.const 0)))))"""


def test_timeout_stops_a_spinning_component(component):
    proc = wasitool("run", str(component(M.SPIN)), "--timeout", "0.5")
    assert (proc.returncode, proc.stderr) == (124, b"wasitool: timed out after 0.5s\n")


def test_timeout_stops_a_component_blocked_on_stdin(component):
    reader, writer = os.pipe()  # the writer stays open: the guest waits in a read
    proc = subprocess.Popen([sys.executable, "-m", "wasitool", "run", str(component(M.CAT)), "--timeout", "0.5"],
                            stdin=reader, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(reader)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        os.close(writer)
    assert (proc.returncode, err) == (124, b"wasitool: timed out after 0.5s\n")


def test_fuel_runs_out(component):
    proc = wasitool("run", str(component(M.SPIN)), "--fuel", "100000")
    assert (proc.returncode, proc.stderr) == (134, b"wasitool: trap: out of fuel\n")


def test_max_memory_makes_grow_fail(component):
    path = component(GROW_OR_FAIL)
    assert wasitool("run", str(path)).returncode == 0
    assert wasitool("run", str(path), "--max-memory", "1M").returncode == 1


def test_ctrl_c_is_130(component):
    proc = subprocess.Popen([sys.executable, "-m", "wasitool", "run", str(component(M.SPIN))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)  # let it start spinning; the status does not depend on when the signal lands
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (130, b"wasitool: interrupted\n")


def test_json_report(component):
    proc = wasitool("run", str(component(M.HELLO)), "--json", "--env", "A=1")
    report = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert report == {"engine": "wasmtime", "exit_code": 0, "trap": None, "timeout": None, "results": [],
                      "stdout": "Hello, WASI!\n", "stderr": ""}


def test_json_report_of_a_trap(component):
    report = json.loads(wasitool("run", str(component(M.trap_start("unreachable"))), "--json").stdout)
    assert (report["exit_code"], report["trap"]) == (134, "unreachable instruction executed")


def test_trace_of_exit_and_summary(component):
    proc = wasitool("run", str(component(M.exit_with(3))), "--trace=exit", "--trace-summary")
    lines = proc.stderr.decode().splitlines()
    assert proc.returncode == 1
    assert lines[0] == "exit(status=err())"
    assert lines[1].split() == ["%", "time", "seconds", "usecs/call", "calls", "errors", "call"]
    assert lines[3].split()[-2:] == ["1", "exit"]


def test_trace_json(component):
    proc = wasitool("run", str(component(M.HELLO)), "--trace=*write*", "--trace-format", "json")
    record = json.loads(proc.stderr.decode().splitlines()[0])
    assert record.pop("time_ns") >= 0
    assert record == {"call": "[method]output-stream.blocking-write-and-flush", "interface": "wasi:io/streams",
                      "args": {"self": "output-stream#2", "contents": "Hello, WASI!\n"}, "result": {"ok": None}}


def test_trace_selection_matching_nothing_is_an_error(component):
    proc = wasitool("run", str(component(M.HELLO)), "--trace=fd_write")
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "wasitool: error: --trace=fd_write: `fd_write` matches no WASI 0.2 function of this host "
        "(fix: name WASI 0.2 functions or globs, e.g. --trace='open-at,*write*')\n")


def test_compiled_component_is_cached(component, tmp_path, monkeypatch):
    cache = tmp_path / "engine-cache"
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(cache))
    path = component(M.HELLO)
    assert wasitool("run", str(path)).stdout == b"Hello, WASI!\n"
    [entry] = cache.glob("*.bin")
    entry.write_bytes(b"not an artifact")  # a damaged entry is compiled again
    assert wasitool("run", str(path)).stdout == b"Hello, WASI!\n"
    assert entry.read_bytes() != b"not an artifact"


def test_ctrl_c_while_blocked_on_stdin_is_130(component):
    reader, writer = os.pipe()  # the writer stays open: the guest waits in a read
    proc = subprocess.Popen([sys.executable, "-m", "wasitool", "run", str(component(M.CAT))],
                            stdin=reader, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(reader)
    try:
        time.sleep(1.0)  # let it reach the read; the status does not depend on when the signal lands
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        os.close(writer)
    assert (proc.returncode, err) == (130, b"wasitool: interrupted\n")


def test_missing_preopen_is_one_line(component, tmp_path):
    proc = wasitool("run", str(component(M.HELLO)), "--dir", f"{tmp_path / 'nope'}::/x")
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("wasitool: error: --dir ") and proc.stderr.count(b"\n") == 1
