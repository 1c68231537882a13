"""Modules that load but cannot run here get one line naming the problem, the engine and the fix.

Never an "internal error", never a traceback; compared with the wasmtime CLI, which refuses (or runs)
the same modules.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import wat_modules as M
from tests.support.wasmtime_cli import run_wasmtime_cli
from wasitool.engines import load_engine, unavailable_reason
from wasitool.engines.diagnose import feature_of
from wasitool.errors import WasiError
from wasitool.pyruntime import run
from wasitool.runspec import Invoke, RunSpec


def _error(engine_name: str, path, invoke: Invoke | None = None) -> str:
    with pytest.raises(WasiError) as info:
        run(RunSpec(path, invoke=invoke), engine_name, capture=True)
    line = info.value.one_line()
    assert "\n" not in line and "internal error" not in line
    return line


def _legacy_eh(tmp_path):
    path = tmp_path / "legacy.wasm"
    path.write_bytes(M.legacy_eh_module())
    return path


def test_exceptions_name_the_feature_and_the_engine(engine_name, wat_file):
    path = wat_file(M.EXCEPTIONS)
    if load_engine(engine_name).supports("exceptions"):
        assert run(RunSpec(path), engine_name, capture=True).exit_code == 0
        return
    line = _error(engine_name, path)
    assert line.startswith(f"m.wasm needs wasm exception handling, which the {engine_name} engine lacks")
    if unavailable_reason("wasmtime") is None:
        assert line.endswith("(fix: use --engine wasmtime)")


def test_legacy_exception_encoding_says_how_to_rebuild(engine_name, tmp_path, wasmtime_cli):
    path = _legacy_eh(tmp_path)
    line = _error(engine_name, path)
    assert line.startswith(f"legacy.wasm needs the legacy wasm exception-handling encoding (try/catch/delegate), "
                           f"which the {engine_name} engine lacks")
    assert "-mllvm -wasm-use-legacy-eh=false" in line
    assert run_wasmtime_cli(wasmtime_cli, path).returncode != 0  # the reference refuses it too


def test_tail_calls_on_an_engine_without_them(engine_name, wat_file):
    path = wat_file(M.TAIL_CALL)
    if load_engine(engine_name).supports("tail-call"):
        assert run(RunSpec(path), engine_name, capture=True).exit_code == 0
    else:
        assert "needs tail calls, which the wasmer engine lacks" in _error(engine_name, path)


@pytest.mark.parametrize(("wat", "problem"), [
    (M.SHARED_MEMORY, "m.wasm defines a shared memory (threads), which wasitool's WASI runtime does not support"),
    (M.MEMORY64, "m.wasm defines a 64-bit memory (memory64), but WASI preview1 addresses 32-bit memories"),
    (M.START_PARAMS, "`_start` of m.wasm takes parameters (i32), but a WASI command's `_start` takes none"),
])
def test_unrunnable_on_any_engine(engine_name, wat_file, wat, problem):
    assert _error(engine_name, wat_file(wat)).startswith(problem)


def test_shared_memory_and_start_parameters_are_refused_by_the_wasmtime_cli_too(wat_file, wasmtime_cli):
    for wat in (M.SHARED_MEMORY, M.START_PARAMS):
        assert run_wasmtime_cli(wasmtime_cli, wat_file(wat)).returncode != 0


def test_missing_memory_export_fails_at_the_first_call_needing_it(engine_name, wat_file, wasmtime_cli):
    path = wat_file(M.NO_MEMORY_WRITE)
    line = _error(engine_name, path)
    assert line.startswith("m.wasm makes WASI calls that need its memory, but exports no memory named `memory`")
    assert run_wasmtime_cli(wasmtime_cli, path).returncode != 0


def test_calls_without_memory_work_without_a_memory_export(engine_name, wat_file):
    assert run(RunSpec(wat_file(M.NO_MEMORY_EXIT)), engine_name, capture=True).exit_code == 4


def test_start_results_are_printed_like_the_wasmtime_cli(engine_name, wat_file, wasmtime_cli):
    path = wat_file(M.START_RESULTS)
    result = run(RunSpec(path), engine_name, capture=True)
    reference = run_wasmtime_cli(wasmtime_cli, path)
    assert (result.exit_code, result.results) == (reference.returncode, [5])
    assert reference.stdout == b"5\n"


def test_a_v128_result_cannot_be_printed(engine_name, wat_file):
    line = _error(engine_name, wat_file(M.V128_RESULT), Invoke("v"))
    assert line.startswith("`v` of m.wasm returns v128, which wasitool cannot print")


def test_an_uncaught_exception_is_a_trap(engine_name, wat_file):
    path = wat_file(M.UNCAUGHT_THROW)
    if not load_engine(engine_name).supports("exceptions"):
        assert "exception handling" in _error(engine_name, path)
        return
    result = run(RunSpec(path), engine_name, capture=True)
    assert (result.exit_code, result.trap) == (134, "uncaught exception")


def test_a_data_segment_out_of_bounds_is_a_trap_at_instantiation(engine_name, wat_file, wasmtime_cli):
    path = wat_file(M.DATA_OUT_OF_BOUNDS)
    result = run(RunSpec(path), engine_name, capture=True)
    assert (result.exit_code, result.trap) == (134, "out of bounds memory access")
    assert run_wasmtime_cli(wasmtime_cli, path).returncode == 134


@pytest.mark.parametrize(("message", "feature"), [
    ("Validation error: Unknown opcode: 0x1f (at offset 56)", "exceptions"),
    ("Invalid input WebAssembly code at offset 54: legacy_exceptions feature required for try instruction",
     "legacy-exceptions"),
    ("threads must be enabled for shared memories (at offset 66)", "threads"),
    ("memory64 must be enabled for 64-bit memories (at offset 63)", "memory64"),
    ("tail calls support is not enabled (at offset 50)", "tail-call"),
    ("invalid leading byte in type definition (at offset 11)", "gc"),
    ("type mismatch: expected i32, found i64 (at offset 40)", None),
])
def test_feature_of_engine_messages(message, feature):
    assert feature_of(message) == feature


def test_wasmer_says_exceptions_for_the_legacy_opcode_it_knows():
    """wasmer's validator reports legacy `try` as "Exceptions support is not enabled": the byte at the
    offset it gives tells the legacy encoding apart."""
    data = M.legacy_eh_module()
    offset = data.index(bytes([0x06, 0x40]))
    assert feature_of(f"Exceptions support is not enabled (at offset {offset})", data) == "legacy-exceptions"
    assert feature_of("Exceptions support is not enabled (at offset 3)", data) == "exceptions"


HOSTILE = {
    "exceptions": M.EXCEPTIONS, "uncaught-throw": M.UNCAUGHT_THROW, "tail-call": M.TAIL_CALL,
    "shared-memory": M.SHARED_MEMORY, "memory64": M.MEMORY64, "start-params": M.START_PARAMS,
    "start-results": M.START_RESULTS, "no-memory-write": M.NO_MEMORY_WRITE, "start-traps": M.START_TRAPS,
    "data-oob": M.DATA_OUT_OF_BOUNDS, "unknown-import": M.UNKNOWN_IMPORT, "no-start": M.NO_START,
    "v128-import": M.V128_IMPORT, "typed-ref-export": M.TYPED_REF_EXPORT,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_no_module_reaches_an_internal_error(engine_name, wat_file, name):
    proc = subprocess.run([sys.executable, "-m", "wasitool", "run", str(wat_file(HOSTILE[name])),
                           "--engine", engine_name], capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err
    assert proc.returncode in (0, 2, 134), err
    assert err.count("\n") <= 1


def test_v128_invoke_is_one_line_from_the_cli(engine_name, wat_file):
    proc = subprocess.run([sys.executable, "-m", "wasitool", "run", str(wat_file(M.V128_RESULT)),
                           "--engine", engine_name, "--invoke", "v"], capture_output=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith(b"wasitool: error: `v` of m.wasm returns v128") and proc.stderr.count(b"\n") == 1


def test_a_v128_import_is_described_not_fatal(engine_name, wat_file):
    """wasmtime's C API aborts the process when asked the kind of a v128: signatures come from the binary."""
    assert "imports unknown function `env.f`" in _error(engine_name, wat_file(M.V128_IMPORT))


def test_a_typed_reference_export(engine_name, wat_file):
    path = wat_file(M.TYPED_REF_EXPORT)
    if not load_engine(engine_name).supports("gc"):
        assert "needs wasm GC types" in _error(engine_name, path)
        return
    assert run(RunSpec(path), engine_name, capture=True).exit_code == 0
    assert "returns (ref 0), which wasitool cannot print" in _error(engine_name, path, Invoke("make"))


def test_an_engine_error_during_the_run_is_one_line(engine_name, wat_file):
    """wasmtime reports a GC heap exhausted (here: under --max-memory) as an error rather than a trap."""
    from wasitool.engines.limits import Limits

    path = wat_file(M.GC_BIG_ARRAY)
    if not load_engine(engine_name).supports("gc"):
        assert "needs wasm GC types" in _error(engine_name, path)
        return
    with pytest.raises(WasiError) as info:
        run(RunSpec(path), engine_name, capture=True, limits=Limits(max_memory=64 << 20))
    assert info.value.one_line().startswith("the wasmtime engine stopped m.wasm: GC heap out of memory")
