"""Host calls on every engine variant (wasmtime: unchecked fast path and `Func`): values, exceptions, lifetime."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import wat_modules as M
from wasitool.engines import load_engine
from wasitool.engines.limits import NO_LIMITS
from wasitool.engines.values import WasiHost
from wasitool.errors import InternalError, WasiError
from wasitool.pyruntime import run
from wasitool.runspec import Invoke, RunSpec
from wasitool.wasi import SIGNATURES, ProcExit

W = M.W

# `go` calls fd_seek (i32, i64, i32, i32) and clock_time_get (i32, i64, i32) with values at the edges of
# their types, and sched_yield () -> i32; it returns the three results.
CONVERSIONS = f"""(module
  (import "{W}" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "{W}" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "{W}" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (func (export "go") (result i32 i32 i32)
    (call $seek (i32.const -1) (i64.const 0x8000000000000000) (i32.const 2) (i32.const 0x80000000))
    (call $clock (i32.const 0x7fffffff) (i64.const -1) (i32.const 0))
    (call $yield)))"""

START_EXITS = f"""(module {M.PROC_EXIT} (memory (export "memory") 1)
  (func $init (call $proc_exit (i32.const 7)))
  (start $init)
  (func (export "_start") unreachable))"""


def _host(**functions: object) -> WasiHost:
    return WasiHost(functions, SIGNATURES, lambda memory: None, ProcExit)  # type: ignore[arg-type]


def test_params_arrive_signed_and_results_go_back(engine_name, wat_file):
    calls: list[tuple[int, ...]] = []

    def record(result: int):
        def fn(*args: int) -> int:
            calls.append(args)
            return result
        return fn

    engine = load_engine(engine_name)
    module = engine.compile(Path(wat_file(CONVERSIONS)))
    host = _host(fd_seek=record(-1), clock_time_get=record(76), sched_yield=record(2**31 - 1))
    outcome = engine.run(module, host, Invoke("go"))
    assert calls == [(-1, -(2**63), 2, -(2**31)), (2**31 - 1, -1, 0), ()]
    assert (outcome.exit_code, outcome.results) == (0, [-1, 76, 2**31 - 1])


def test_proc_exit_in_a_start_function(engine_name, wat_file):
    assert run(RunSpec(wat_file(START_EXITS)), engine_name, capture=True).exit_code == 7


def test_proc_exit_after_many_calls_keeps_its_code(engine_name, wat_file):
    spec = RunSpec(wat_file(M.strings_dump("args")), args=tuple(f"a{i}" for i in range(124)))
    assert run(spec, engine_name, capture=True).exit_code == 125  # the highest code proc_exit keeps


def test_keyboard_interrupt_in_a_host_function_propagates(engine_name, wat_file):
    def interrupted(*_args: int) -> int:
        raise KeyboardInterrupt

    engine = load_engine(engine_name)
    with pytest.raises(KeyboardInterrupt):
        engine.run(engine.compile(Path(wat_file(M.HELLO))), _host(fd_write=interrupted))


def test_non_integer_result_is_an_internal_error(wasmtime_engine, wat_file):
    # wasmtime only: wasmer 1.1 itself accepts None for an i32 result
    engine = load_engine("wasmtime")
    with pytest.raises(InternalError, match="TypeError"):
        engine.run(engine.compile(Path(wat_file(M.HELLO))), _host(fd_write=lambda *_args: None))


def test_runs_after_a_host_exception_are_clean(engine_name, wat_file):
    def broken(*_args: int) -> int:
        raise ValueError("bug")

    engine = load_engine(engine_name)
    module = engine.compile(Path(wat_file(M.HELLO)))
    with pytest.raises(InternalError, match="ValueError: bug"):
        engine.run(module, _host(fd_write=broken))
    assert engine.run(module, _host(fd_write=lambda *_args: 0)).exit_code == 0
    result = run(RunSpec(wat_file(M.HELLO)), engine_name, capture=True)
    assert (result.exit_code, result.stdout) == (0, b"Hello, WASI!\n")


def test_many_stores_and_collection(engine_name, wat_file):
    path = wat_file(M.CAT)
    for i in range(100):
        data = f"run {i}\n".encode()
        assert run(RunSpec(path, stdin=data), engine_name, capture=True).stdout == data
    gc.collect()
    assert run(RunSpec(path, stdin=b"after gc\n"), engine_name, capture=True).stdout == b"after gc\n"


def test_interpreter_exit_with_live_stores(engine_name, wat_file):
    """Stores still referenced at interpreter exit (module globals, a cycle) are torn down cleanly."""
    script = f"""
import gc, sys
from pathlib import Path
from wasitool.engines import load_engine
from wasitool.engines.values import WasiHost
from wasitool.engines.limits import NO_LIMITS
from wasitool.wasi import WasiConfig, WasiContext
engine = load_engine({engine_name!r})
module = engine.compile(Path({str(wat_file(M.HELLO))!r}))
KEEP = []
for _ in range(3):
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[], stdin=0, stdout=1, stderr=2))
    host = WasiHost.from_context(ctx)
    KEEP.append((engine._instantiate(module, host, NO_LIMITS), ctx))
    engine._call(KEEP[-1][0], "_start", [])
gc.disable()
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"Hello, WASI!\n" * 3, b"")


@pytest.fixture(params=["unchecked", "func"], ids=["wasmtime", "wasmtime-func"])
def wasmtime_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """The wasmtime adapter module and the host-call path selected for this test (wasmtime imports everywhere)."""
    from wasitool.engines import wasmtime_engine, wasmtime_unchecked

    hostcall = request.param
    if hostcall == "unchecked" and wasmtime_unchecked.unavailable_reason() is not None:
        pytest.skip(f"wasmtime fast path unavailable: {wasmtime_unchecked.unavailable_reason()}")
    monkeypatch.setenv("WASITOOL_WASMTIME_HOSTCALL", hostcall)
    return wasmtime_engine, hostcall


def test_the_selected_path_is_used(wasmtime_engine, wat_file):
    module, hostcall = wasmtime_engine
    assert module.hostcall_path() == hostcall
    engine = load_engine("wasmtime")
    compiled = engine.compile(Path(wat_file(M.HELLO)))
    store, _exports = engine._instantiate(compiled, _host(fd_write=lambda *_args: 0), NO_LIMITS)
    assert len(store.host_calls.callbacks) == (1 if hostcall == "unchecked" else 0)


def test_path_selection(wasmtime_engine, monkeypatch):
    module, _ = wasmtime_engine
    from wasitool.engines import wasmtime_unchecked

    monkeypatch.setenv(module.HOSTCALL_ENV, "bogus")
    with pytest.raises(WasiError, match="not a host-call path"):
        module.hostcall_path()
    monkeypatch.delenv(module.HOSTCALL_ENV)
    assert module.hostcall_path() == "unchecked"
    monkeypatch.setattr(wasmtime_unchecked, "_UNAVAILABLE", ["wasmtime-py 51.0.0 is not the verified 50.x"])
    assert module.hostcall_path() == "func"
    monkeypatch.setenv(module.HOSTCALL_ENV, "unchecked")
    with pytest.raises(WasiError, match=r"fast path is unavailable: wasmtime-py 51\.0\.0"):
        module.hostcall_path()


def test_bindings_check(wasmtime_engine, monkeypatch):
    from wasitool.engines import wasmtime_unchecked

    assert wasmtime_unchecked._check_bindings() is None  # the installed wasmtime-py is the verified one
    monkeypatch.setattr(wasmtime_unchecked, "VERIFIED_MAJOR", 49)
    assert "is not the verified 49.x" in (wasmtime_unchecked._check_bindings() or "")


# Writes "a\n" from the first page (so the memory's view is built), grows by 2 pages, writes "grown!\n"
# with its iovec, buffer and nwritten in the new pages, and exits with the nwritten it got back.
GROW_BETWEEN_CALLS = f"""(module {M.FD_WRITE} {M.PROC_EXIT}
  (memory (export "memory") 1)
  (data (i32.const 0) "a\\ngrown!\\n")
  (func (export "_start") (local $base i32)
    (i32.store (i32.const 16) (i32.const 0)) (i32.store (i32.const 20) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (local.set $base (i32.mul (memory.grow (i32.const 2)) (i32.const 65536)))
    (memory.copy (i32.add (local.get $base) (i32.const 65530)) (i32.const 2) (i32.const 7))
    (i32.store (i32.add (local.get $base) (i32.const 70000)) (i32.add (local.get $base) (i32.const 65530)))
    (i32.store (i32.add (local.get $base) (i32.const 70004)) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.add (local.get $base) (i32.const 70000)) (i32.const 1)
                          (i32.add (local.get $base) (i32.const 70008))))
    (call $proc_exit (i32.load (i32.add (local.get $base) (i32.const 70008))))))"""


def test_memory_grown_between_host_calls_is_seen(engine_name, wat_file):
    result = run(RunSpec(wat_file(GROW_BETWEEN_CALLS)), engine_name, capture=True)
    assert (result.exit_code, result.stdout) == (7, b"a\ngrown!\n")


def test_wasmtime_memories_keep_their_base(wasmtime_engine):
    assert load_engine("wasmtime")._fixed_base  # what `fixed_base` memories (a reused view) rely on


# `go` calls sched_yield, grows its memory by 1,000 pages (64 MiB) and calls sched_yield again.
GROW_BIG = f"""(module
  (import "{W}" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (func (export "go")
    (drop (call $yield))
    (drop (memory.grow (i32.const 1000)))
    (drop (call $yield))))"""


def test_a_fixed_base_memory_keeps_its_address_across_a_grow(engine_name, wat_file):
    """What lets the WASI context reuse a view of a `fixed_base` memory after a grow: the base is where it was,
    and the view taken before is still a prefix of the memory."""
    import ctypes

    bound: list[object] = []
    seen: list[tuple[int, int]] = []

    def sched_yield() -> int:
        view = bound[0].view()  # type: ignore[attr-defined]
        seen.append((ctypes.addressof(ctypes.c_char.from_buffer(view)), len(view)))
        return 0

    engine = load_engine(engine_name)
    module = engine.compile(Path(wat_file(GROW_BIG)))
    host = WasiHost({"sched_yield": sched_yield}, SIGNATURES, bound.append, ProcExit)
    assert engine.run(module, host, Invoke("go")).exit_code == 0
    assert [size for _, size in seen] == [65536, 1001 * 65536]
    if getattr(bound[0], "fixed_base", False):
        assert seen[0][0] == seen[1][0]
    assert engine_name == "wasmtime" or bound[0].fixed_base == (sys.maxsize > 2**32)  # type: ignore[attr-defined]
