"""Start sections run with the instance's memory visible to WASI, on every engine, as on the wasmtime CLI.

Both engines instantiate first and hand the memory to WASI afterwards, so the start section is hoisted
into an export (`wasitool.engines.sections`) and called right after instantiation.
"""

from __future__ import annotations

import pytest
import wasmtime

from tests.support import wat_modules as M
from tests.support.wasmtime_cli import run_wasmtime_cli
from wasitool.engines import load_engine
from wasitool.engines.sections import PAGE, cap_memories, export_names, hoist_start, scan
from wasitool.engines.values import START_EXPORT
from wasitool.pyruntime import run
from wasitool.runspec import Invoke, RunSpec


def _valid(data: bytes) -> bool:
    return wasmtime.Module.validate(wasmtime.Engine(), data) is None


def test_a_start_function_can_write_to_stdout(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.START_WRITES)), engine_name, capture=True)
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"from start\nfrom _start\n", b"")


def test_start_section_output_matches_the_wasmtime_cli(engine_name, wat_file, wasmtime_cli):
    path = wat_file(M.START_WRITES)
    reference = run_wasmtime_cli(wasmtime_cli, path)
    result = run(RunSpec(path), engine_name, capture=True)
    assert (result.exit_code, result.stdout) == (reference.returncode, reference.stdout)


def test_a_trap_in_the_start_function_is_a_trap(engine_name, wat_file, wasmtime_cli):
    path = wat_file(M.START_TRAPS)
    result = run(RunSpec(path), engine_name, capture=True)
    assert (result.exit_code, result.trap) == (134, "unreachable instruction executed")
    assert run_wasmtime_cli(wasmtime_cli, path).returncode == 134


def test_the_start_function_runs_before_an_invoked_export(engine_name, wat_file):
    wat = M.START_WRITES.replace('(func (export "_start")', '(func (export "speak")')
    result = run(RunSpec(wat_file(wat), invoke=Invoke("speak")), engine_name, capture=True)
    assert result.stdout == b"from start\nfrom _start\n"


def test_the_hoisted_export_is_hidden(engine_name, wat_file):
    module = load_engine(engine_name).compile(wat_file(M.START_WRITES))
    assert module.start == START_EXPORT
    assert START_EXPORT not in module.exports and "_start" in module.exports


def test_hoisting_keeps_the_module_valid_and_drops_the_start_section():
    data = bytes(wasmtime.wat2wasm(M.START_WRITES))
    facts = scan(data)
    assert facts.parsed and facts.start is not None
    hoisted, name = hoist_start(data, facts, START_EXPORT)
    assert _valid(hoisted)
    assert scan(hoisted).start is None
    assert export_names(hoisted, scan(hoisted)) == [*export_names(data, facts), name]


def test_hoisting_into_a_module_without_exports():
    data = bytes(wasmtime.wat2wasm(M.START_ONLY))
    hoisted, name = hoist_start(data, scan(data), START_EXPORT)
    assert _valid(hoisted)
    assert export_names(hoisted, scan(hoisted)) == [name]


def test_the_hoisted_name_never_clashes():
    wat = M.START_WRITES.replace('(export "_start")', f'(export "_start") (export "{START_EXPORT}")')
    data = bytes(wasmtime.wat2wasm(wat))
    hoisted, name = hoist_start(data, scan(data), START_EXPORT)
    assert name == f"{START_EXPORT}#2"
    assert _valid(hoisted)


def test_scan_gives_up_on_a_truncated_module():
    data = bytes(wasmtime.wat2wasm(M.START_WRITES))
    assert not scan(data[:-3]).parsed


@pytest.mark.parametrize(("wat", "cap", "expected_max"), [
    ('(module (memory 1))', 4, 4),
    ('(module (memory 1 2))', 4, 2),
    ('(module (memory 1 100))', 4, 4),
])
def test_cap_memories_lowers_the_maximum(wat, cap, expected_max):
    data = bytes(wasmtime.wat2wasm(wat))
    capped = cap_memories(data, scan(data), cap)
    assert _valid(capped)
    (memory,) = scan(capped).memories
    assert (memory.minimum, memory.maximum) == (1, expected_max)


def test_scan_reads_memory_kinds():
    shared = scan(bytes(wasmtime.wat2wasm(M.SHARED_MEMORY))).memories[0]
    is64 = scan(bytes(wasmtime.wat2wasm(M.MEMORY64))).memories[0]
    big = scan(bytes(wasmtime.wat2wasm(M.BIG_INITIAL_MEMORY))).memories[0]
    assert (shared.shared, shared.is64, shared.plain) == (True, False, False)
    assert (is64.shared, is64.is64, is64.plain) == (False, True, False)
    assert (big.plain, big.minimum * PAGE) == (True, 100 * PAGE)


GC_MODULE = """(module
  (rec (type $node (struct (field i32) (field (ref null $node)))) (type $list (array (mut i8))))
  (type $f (func (param (ref null $node) v128) (result (ref $list))))
  (import "env" "v" (func (param v128) (result externref)))
  (import "env" "t" (table 1 (ref null $node)))
  (import "env" "g" (global (mut (ref null any))))
  (import "env" "m" (memory i64 1 2))
  (func (export "make") (type $f) (array.new_default $list (i32.const 1)))
  (func (export "plain") (param i32) (result i64) (i64.const 0))
  (export "tbl" (table 0)))"""


def test_interface_reads_gc_and_simd_types_without_losing_its_place():
    """The engines describe modules with this reader (wasmtime's C API aborts on v128 and typed refs)."""
    from wasitool.engines.sections import interface

    data = bytes(wasmtime.wat2wasm(GC_MODULE))
    found = interface(data, scan(data))
    assert found is not None
    imports, exports = found
    assert imports == [("env", "v", "function", (("v128",), ("externref",))), ("env", "t", "table", None),
                       ("env", "g", "global", None), ("env", "m", "memory", None)]
    assert exports == {"make": ("function", (("(ref null 0)", "v128"), ("(ref 1)",))),
                       "plain": ("function", (("i32",), ("i64",))), "tbl": ("table", None)}


def test_interface_of_a_truncated_module_is_none():
    from wasitool.engines.sections import interface

    data = bytes(wasmtime.wat2wasm(GC_MODULE))
    assert interface(data[:-4], scan(data[:-4])) is None


def test_a_malformed_export_section_is_left_to_the_engine(engine_name, tmp_path):
    from wasitool.errors import WasiError

    data = bytearray(wasmtime.wat2wasm(M.START_WRITES))
    export = scan(bytes(data)).section(7)
    assert export is not None
    data[export[2]] = 0x7F  # 127 exports in a section holding one
    path = tmp_path / "bad.wasm"
    path.write_bytes(bytes(data))
    with pytest.raises(WasiError, match=r"bad\.wasm is not a valid WebAssembly module"):
        run(RunSpec(path), engine_name, capture=True)
