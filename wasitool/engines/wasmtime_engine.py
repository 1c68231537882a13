"""wasmtime-py adapter.

Host functions are plain `Func`s without caller access; the WASI context reaches memory through
the instance's exported memory and the run's `Store`, via a ctypes view rebuilt only when
`data_len` changes (a grow may move the memory, and only a grow changes its length).

Measured per wasm -> Python host call with fd_write's shape (4 x i32 -> i32), wasmtime 50.0.1, x86-64,
best of 3 x 500k calls (tests/engines/bench_hostcall.py; the machine was shared, so +-10%):

    path                        Python 3.11   Python 3.10
    Func                        ~10.0 us      ~14.1 us
    Func(access_caller=True)    ~10.0 us      ~14.8 us
    Linker.define_func          ~10.6 us      ~13.9 us

All three go through wasmtime-py's one ctypes trampoline (which boxes every parameter in a `Val`), so
they are within noise of each other; plain `Func` needs no `Caller` object and is what we use.
Memory: `WasmtimeMemory.view()` with an unchanged size costs ~0.8 us (the `data_len` check).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Sequence
from typing import Any

import wasmtime

from wasitool.engines.base import ENOSYS, CompiledModule, Engine, FuncSig, ImportDesc, WasiHost
from wasitool.engines.traps import canonical_trap

# Proposals switched on when the Config exposes them; `features()` reports what actually compiles.
_PROPOSALS = ("wasm_multi_value", "wasm_reference_types", "wasm_bulk_memory", "wasm_simd",
              "wasm_tail_call", "wasm_multi_memory", "wasm_memory64", "wasm_threads",
              "wasm_function_references", "gc_support", "wasm_gc", "wasm_exceptions")
_KINDS = {wasmtime.FuncType: "function", wasmtime.MemoryType: "memory", wasmtime.GlobalType: "global",
          wasmtime.TableType: "table"}
_VALTYPES = {"i32": wasmtime.ValType.i32, "i64": wasmtime.ValType.i64, "f32": wasmtime.ValType.f32,
             "f64": wasmtime.ValType.f64}
_TRAP_MARK = "wasm trap: "


def _config() -> wasmtime.Config:
    config = wasmtime.Config()
    for option in _PROPOSALS:
        with contextlib.suppress(AttributeError, wasmtime.WasmtimeError):
            setattr(config, option, True)
    return config


class WasmtimeMemory:
    """GuestMemory over a wasmtime Memory: a ctypes array at the memory's base as a memoryview."""

    __slots__ = ("_len", "_memory", "_store", "_view")

    def __init__(self, store: wasmtime.Store) -> None:
        self._store = store
        self._memory: wasmtime.Memory | None = None
        self._len = -1
        self._view = memoryview(bytearray())

    def attach(self, memory: wasmtime.Memory) -> None:
        self._memory = memory

    def view(self) -> memoryview:
        memory = self._memory
        if memory is not None:
            length = memory.data_len(self._store)
            if length != self._len:
                address = ctypes.cast(memory.data_ptr(self._store), ctypes.c_void_p).value
                self._view = memoryview((ctypes.c_ubyte * length).from_address(address or 0)).cast("B")
                self._len = length
        return self._view


def _sig(ftype: wasmtime.FuncType) -> FuncSig:
    return FuncSig(tuple(str(t) for t in ftype.params), tuple(str(t) for t in ftype.results))


def _kind_and_sig(ty: Any) -> tuple[str, FuncSig | None]:
    kind = _KINDS.get(type(ty), type(ty).__name__)
    return kind, (_sig(ty) if isinstance(ty, wasmtime.FuncType) else None)


def _enosys(*_args: int) -> int:
    return ENOSYS


class WasmtimeEngine(Engine):
    """Runs modules on wasmtime with every proposal its Config exposes enabled."""

    name = "wasmtime"

    def __init__(self) -> None:
        super().__init__()
        self._engine = wasmtime.Engine(_config())

    def _compile(self, data: bytes) -> Any:
        return wasmtime.Module(self._engine, data)

    def _describe(self, native: Any) -> tuple[list[ImportDesc], dict[str, FuncSig | str]]:
        imports = [ImportDesc(i.module, i.name or "", *_kind_and_sig(i.type)) for i in native.imports]
        exports: dict[str, FuncSig | str] = {}
        for e in native.exports:
            kind, sig = _kind_and_sig(e.type)
            exports[e.name] = sig or kind
        return imports, exports

    def _cache_tag(self) -> str | None:
        # wasmtime itself rejects artifacts of another version; the install's mtime is a cheap extra key
        # (importlib.metadata would cost milliseconds on every run).
        return f"wasmtime {os.stat(wasmtime.__file__).st_mtime_ns} {','.join(_PROPOSALS)}"

    def _serialize(self, native: Any) -> bytes:
        return bytes(native.serialize())

    def _deserialize(self, artifact: bytes) -> Any:
        return wasmtime.Module.deserialize(self._engine, artifact)

    def _instantiate(self, module: CompiledModule, host: WasiHost) -> Any:
        store = wasmtime.Store(self._engine)
        externs = []
        for imp in module.imports:
            params, results = host.signature(imp.name)
            ftype = wasmtime.FuncType([_VALTYPES[p]() for p in params], [_VALTYPES[r]() for r in results])
            externs.append(wasmtime.Func(store, ftype, host.functions.get(imp.name, _enosys)))
        memory = WasmtimeMemory(store)
        host.bind_memory(memory)
        instance = wasmtime.Instance(store, module.native, externs)
        exports = instance.exports(store)
        if module.exports.get("memory") == "memory":
            memory.attach(exports["memory"])
        return store, exports

    def _call(self, instance: Any, export: str, args: Sequence[int | float]) -> list[int | float]:
        store, exports = instance
        result = exports[export](store, *args)
        if result is None:
            return []
        return list(result) if isinstance(result, list) else [result]

    def _trap_message(self, exc: BaseException) -> str | None:
        if not isinstance(exc, wasmtime.Trap):
            return None
        for line in reversed(str(exc).splitlines()):
            if _TRAP_MARK in line:
                return canonical_trap(line.split(_TRAP_MARK, 1)[1])
        code = exc.trap_code
        return canonical_trap(code.name.replace("_", " ")) if code is not None else "unknown trap"


ENGINE = WasmtimeEngine
