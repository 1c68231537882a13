"""Running modules through pyruntime on each engine: output, exit codes, argv/env, invoke, traps."""

from __future__ import annotations

import pytest

from tests.support import wat_modules as M
from wasitool.pyruntime import run
from wasitool.runspec import Invoke, RunSpec


def test_hello_fd_write(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.HELLO)), engine_name, capture=True)
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"Hello, WASI!\n", b"")


@pytest.mark.parametrize("code", [0, 1, 3, 42, 125])
def test_proc_exit_code(engine_name, wat_file, code):
    assert run(RunSpec(wat_file(M.exit_with(code))), engine_name, capture=True).exit_code == code


def test_start_returning_is_exit_zero(engine_name, wat_file):
    assert run(RunSpec(wat_file(M.RETURNS)), engine_name, capture=True).exit_code == 0


def test_args_reach_the_guest(engine_name, wat_file):
    spec = RunSpec(wat_file(M.strings_dump("args"), "prog.wasm"), args=("one", "two words"))
    result = run(spec, engine_name, capture=True)
    assert result.stdout == b"prog.wasm\0one\0two words\0"
    assert result.exit_code == 3


def test_argv0_override(engine_name, wat_file):
    spec = RunSpec(wat_file(M.strings_dump("args")), argv0="tool")
    assert run(spec, engine_name, capture=True).stdout == b"tool\0"


def test_env_is_only_what_the_spec_gives(engine_name, wat_file, monkeypatch):
    monkeypatch.setenv("HOST_SECRET", "leak")
    spec = RunSpec(wat_file(M.strings_dump("environ")), env=(("A", "1"), ("EMPTY", "")))
    result = run(spec, engine_name, capture=True)
    assert result.stdout == b"A=1\0EMPTY=\0"
    assert result.exit_code == 2


def test_invoke_i32(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.LIBRARY), invoke=Invoke("add", (2, 3))), engine_name, capture=True)
    assert (result.exit_code, result.results) == (0, [5])


def test_invoke_i32_wraps_unsigned_and_negative(engine_name, wat_file):
    spec = RunSpec(wat_file(M.LIBRARY), invoke=Invoke("add", (0xFFFFFFFF, -1)))
    assert run(spec, engine_name, capture=True).results == [-2]


def test_invoke_i64(engine_name, wat_file):
    spec = RunSpec(wat_file(M.LIBRARY), invoke=Invoke("add64", (2**40, -(2**41))))
    assert run(spec, engine_name, capture=True).results == [2**40 - 2**41]


def test_invoke_multi_value(engine_name, wat_file):
    spec = RunSpec(wat_file(M.LIBRARY), invoke=Invoke("swap", (7, 2**33)))
    assert run(spec, engine_name, capture=True).results == [2**33, 7]


def test_invoke_floats_accept_ints(engine_name, wat_file):
    spec = RunSpec(wat_file(M.LIBRARY), invoke=Invoke("mix", (1, 0.25)))
    assert run(spec, engine_name, capture=True).results == [1.25]


def test_invoke_no_results(engine_name, wat_file):
    assert run(RunSpec(wat_file(M.LIBRARY), invoke=Invoke("nothing")), engine_name).results == []


def test_invoke_runs_initialize_first(engine_name, wat_file):
    assert run(RunSpec(wat_file(M.LIBRARY), invoke=Invoke("get")), engine_name).results == [40]


@pytest.mark.parametrize(("export", "message"), [
    ("unreachable", "unreachable instruction executed"),
    ("div", "integer divide by zero"),
    ("oob", "out of bounds memory access"),
    ("recurse", "call stack exhausted"),
])
def test_trap_is_134_with_one_line(engine_name, wat_file, export, message):
    result = run(RunSpec(wat_file(M.TRAPS), invoke=Invoke(export)), engine_name, capture=True)
    assert result.exit_code == 134
    assert result.stderr == f"wasitool: trap: {message}\n".encode()


def test_trap_in_start(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.trap_start("unreachable"))), engine_name, capture=True)
    assert (result.exit_code, result.stderr) == (134, b"wasitool: trap: unreachable instruction executed\n")


def test_writes_after_memory_grow_are_seen(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.GROW)), engine_name, capture=True)
    assert (result.exit_code, result.stdout) == (0, b"grown!\n")


def test_stdin_bytes_do_not_break_a_run(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.HELLO), stdin=b"ignored"), engine_name, capture=True)
    assert result.stdout == b"Hello, WASI!\n"


def test_unsupported_feature_is_reported(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.HELLO), requires=("memory64", "multi-value")), engine_name, capture=True)
    engine_has = {"wasmer": False, "wasmtime": True}[engine_name]
    assert (result.unsupported is None) == engine_has
    if not engine_has:
        assert result.unsupported == f"memory64 not supported by engine {engine_name}"


def test_stdin_bytes_reach_fd_read(engine_name, wat_file):
    data = b"first line\nsecond, longer than the 7-byte buffer\n"
    result = run(RunSpec(wat_file(M.CAT), stdin=data), engine_name, capture=True)
    assert (result.exit_code, result.stdout) == (0, data)


def test_preopen_is_visible_under_its_guest_name(engine_name, wat_file, tmp_path):
    from wasitool.runspec import Preopen

    spec = RunSpec(wat_file(M.PREOPEN_NAME), dirs=(Preopen(tmp_path, "/sandbox"),))
    result = run(spec, engine_name, capture=True)
    assert (result.exit_code, result.stdout) == (0, b"/sandbox")
    assert run(RunSpec(wat_file(M.PREOPEN_NAME)), engine_name, capture=True).exit_code == 1


def test_trace_stream_gets_the_calls(engine_name, wat_file):
    import io

    trace = io.StringIO()
    run(RunSpec(wat_file(M.HELLO)), engine_name, capture=True, trace=trace)
    assert "fd_write" in trace.getvalue()
