"""Bad modules and bad requests become one-line WasiErrors, the same on every engine."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from tests.support import wat_modules as M
from wasitool.engines import load_engine
from wasitool.errors import InternalError, WasiError
from wasitool.pyruntime import run
from wasitool.runspec import Invoke, RunSpec


def _error(engine_name: str, spec: RunSpec) -> str:
    with pytest.raises(WasiError) as info:
        run(spec, engine_name, capture=True)
    line = info.value.one_line()
    assert "\n" not in line
    return line


def test_not_wasm(engine_name, tmp_path):
    path = tmp_path / "notes.wasm"
    path.write_text("(module)")  # text, which wasmer would otherwise parse as WAT
    assert _error(engine_name, RunSpec(path)).startswith("notes.wasm is not a WebAssembly binary")


def test_empty_file(engine_name, tmp_path):
    path = tmp_path / "empty.wasm"
    path.write_bytes(b"")
    assert _error(engine_name, RunSpec(path)).startswith("empty.wasm is empty")


def test_truncated(engine_name, wat_file):
    path = wat_file(M.HELLO)
    path.write_bytes(path.read_bytes()[:-5])
    line = _error(engine_name, RunSpec(path))
    assert line.startswith("m.wasm is not a valid WebAssembly module: ")
    assert "end" in line.lower() or "eof" in line.lower()


def test_truncated_header(engine_name, tmp_path):
    path = tmp_path / "short.wasm"
    path.write_bytes(b"\0asm\1")
    assert _error(engine_name, RunSpec(path)).startswith("short.wasm is truncated")


def test_invalid_body(engine_name, tmp_path):
    path = tmp_path / "bad.wasm"
    # a function declared to return i32 whose body is empty
    path.write_bytes(bytes.fromhex("0061736d01000000010501600000017f030201000a040102000b"))
    assert _error(engine_name, RunSpec(path)).startswith("bad.wasm is not a valid WebAssembly module: ")


def test_component_header_goes_to_the_component_path(engine_name, tmp_path):
    """A component header (layer 1) is not refused as a core module: wasmtime compiles it as a component
    (this empty one exports no `run`), the others have no component model."""
    path = tmp_path / "comp.wasm"
    path.write_bytes(b"\0asm\x0d\0\x01\0")
    line = _error(engine_name, RunSpec(path))
    if engine_name == "wasmtime":
        assert line.startswith("comp.wasm exports no `wasi:cli/run` interface")
    else:
        assert line.startswith(f"comp.wasm is a component: the {engine_name} engine has no component model")


def test_missing_file(engine_name, tmp_path):
    assert _error(engine_name, RunSpec(tmp_path / "nope.wasm")).startswith("cannot read ")


def test_missing_start(engine_name, wat_file):
    line = _error(engine_name, RunSpec(wat_file(M.NO_START)))
    assert line.startswith("m.wasm has no `_start` export")
    assert "--invoke" in line


@pytest.mark.parametrize(("wat", "name"), [(M.UNKNOWN_IMPORT, "env.host_log"),
                                           (M.UNKNOWN_WASI, "wasi_snapshot_preview1.no_such_call")])
def test_unknown_import(engine_name, wat_file, wat, name):
    assert f"`{name}`" in _error(engine_name, RunSpec(wat_file(wat)))


def test_wrong_wasi_signature(engine_name, wat_file):
    line = _error(engine_name, RunSpec(wat_file(M.WRONG_SIG)))
    assert "proc_exit` with type (i64)" in line
    assert "WASI defines (i32)" in line


def test_invoke_unknown_export(engine_name, wat_file):
    line = _error(engine_name, RunSpec(wat_file(M.LIBRARY), invoke=Invoke("sub", (1, 2))))
    assert "no export `sub`" in line
    assert "add" in line


def test_invoke_wrong_arity(engine_name, wat_file):
    line = _error(engine_name, RunSpec(wat_file(M.LIBRARY), invoke=Invoke("add", (1,))))
    assert "takes 2 argument(s) (i32, i32) -> (i32), got 1" in line


@pytest.mark.parametrize(("args", "problem"), [((1.5, 2), "must be an integer"),
                                               ((2**32, 0), "out of range"),
                                               (("x", 0), "must be a number, got 'x'")])
def test_invoke_bad_argument(engine_name, wat_file, args, problem):
    assert problem in _error(engine_name, RunSpec(wat_file(M.LIBRARY), invoke=Invoke("add", args)))


def test_invoke_a_memory_export(engine_name, wat_file):
    assert "is a memory, not a function" in _error(
        engine_name, RunSpec(wat_file(M.LIBRARY), invoke=Invoke("memory")))


def test_compile_from_bytes(engine_name):
    module = load_engine(engine_name).compile(bytes(wasmtime.wat2wasm(M.LIBRARY)))
    assert str(module.exports["swap"]) == "(i32, i64) -> (i64, i32)"
    assert module.exports["memory"] == "memory"


def test_host_exception_is_an_internal_error_not_a_trap(engine_name, wat_file):
    from wasitool.engines.values import WasiHost
    from wasitool.wasi import SIGNATURES, ProcExit

    def broken(*_args: int) -> int:
        raise RuntimeError("RuntimeError: looks like a trap")

    engine = load_engine(engine_name)
    module = engine.compile(Path(wat_file(M.HELLO)))
    host = WasiHost({"fd_write": broken}, SIGNATURES, lambda memory: None, ProcExit)
    with pytest.raises(InternalError, match=r"^RuntimeError: looks like a trap") as info:
        engine.run(module, host)
    # in this process the original is the cause; from wasmer's forked child, its traceback text
    assert isinstance(info.value.__cause__, RuntimeError) or "in broken" in info.value.details
