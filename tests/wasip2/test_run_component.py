"""`wasitool run COMPONENT`: a WASI 0.2 command on the Python host, compared with the wasmtime CLI."""

from __future__ import annotations

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


def test_hello_as_the_cli(component, wasmtime_cli):
    path = component(M.HELLO)
    ours = wasitool("run", str(path), "--engine", "wasmtime")
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, b"Hello, WASI!\n", b"")
    _same(ours, reference(wasmtime_cli, path))


def test_stderr(component, wasmtime_cli):
    path = component(STDERR)
    ours = wasitool("run", str(path))
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, b"", b"oops\n")
    assert reference(wasmtime_cli, path).stderr == b"oops\n"


def test_arguments(component, wasmtime_cli):
    path = component(M.strings_dump("args"), "prog.wasm")
    ours = wasitool("run", str(path), "--", "a", "--b")
    assert ours.stdout == b"prog.wasm\0a\0--b\0"
    # argc 3 as the exit code: a component's exit is ok/err, so any non-zero status is 1
    assert ours.returncode == 1
    _same(ours, reference(wasmtime_cli, path, "a", "--b"))


def test_environment_only_as_given(component, wasmtime_cli, monkeypatch):
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


def test_stdin_read_to_the_end(component, wasmtime_cli):
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


def test_trace_of_hello_exact(component):
    proc = wasitool("run", str(component(M.HELLO)), "--trace")
    assert proc.stdout == b"Hello, WASI!\n"
    assert proc.stderr.decode().splitlines() == [
        "get-stdin() -> input-stream#1",
        "get-stdout() -> output-stream#2",
        "get-stderr() -> output-stream#3",
        "get-directories() -> []",
        '[method]output-stream.blocking-write-and-flush(self=output-stream#2, contents=b"Hello, WASI!\\n") -> ok()',
    ]
