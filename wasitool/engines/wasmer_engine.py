"""wasmer 1.1.0 (Universal engine + Cranelift) adapter.

Host functions get no caller, so the WASI context reaches memory through a holder that is filled
with the instance's exported memory right after instantiation; a start section is hoisted into an
export (`sections.hoist_start`) and called after that, so it sees the memory too.

Limits: wasmer 1.1 can neither interrupt wasm code nor count fuel, and it keeps the GIL while wasm
runs, so a run with a time limit, or one that Ctrl-C must stop (`Limits.interruptible`, as the CLI
asks), happens in a forked child that this process can kill (`supervisor`). `--max-memory` lowers
the declared maximum of the module's memories and tables (`sections.cap_memories`, `cap_tables`:
8 bytes per element): `memory.grow` and `table.grow` past it fail.

Measured (CPython 3.10, x86-64, bench/hostcall.py): a wasm -> Python host call with
fd_write's shape (4 x i32 -> i32) costs ~0.35 us, some 30x less than wasmtime-py's ctypes trampoline.
For the memory view, `memoryview(memory.buffer)` costs ~0.4-1.8 us, `memory.uint8_view()` ~0.18 us
(but is no memoryview), `memory.data_size` ~0.10 us; so the view is cached and rebuilt only when
`data_size` changes: `WasmerMemory.view()` costs ~0.2 us. The memory is `fixed_base` on 64-bit hosts, so
the WASI context's hot calls do not even call `view()` until an access lies beyond their last view
(bench/hostcall_ir.py: 3,407 instructions for the crossing, 12,360 for a linked fd_write).
A Python exception raised in a host function (e.g. `ProcExit`) surfaces unchanged from the call
into wasm; traps surface as `RuntimeError("RuntimeError: <trap>\\n    at ...")` raised from the call
itself (a host function's own RuntimeError keeps its frame in the traceback, which tells them apart).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

import wasmer

from wasitool.engines.base import EngineAdapter
from wasitool.engines.limits import Limits
from wasitool.engines.traps import canonical_trap
from wasitool.engines.values import (
    WASI_MODULE,
    CompiledModule,
    FuncSig,
    MissingMemory,
    Outcome,
    WasiHost,
    not_implemented,
)
from wasitool.errors import WasiError
from wasitool.typed import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_TYPE_NAMES = {wasmer.Type.I32: "i32", wasmer.Type.I64: "i64", wasmer.Type.F32: "f32",
               wasmer.Type.F64: "f64", wasmer.Type.V128: "v128", wasmer.Type.EXTERN_REF: "externref",
               wasmer.Type.FUNC_REF: "funcref"}
_TYPES = {name: t for t, name in _TYPE_NAMES.items()}
_KINDS = {wasmer.FunctionType: "function", wasmer.MemoryType: "memory", wasmer.GlobalType: "global",
          wasmer.TableType: "table"}
_TRAP_PREFIX = "RuntimeError: "


class WasmerMemory:
    """GuestMemory over a wasmer Memory; the view is refreshed only when the memory grows."""

    __slots__ = ("_memory", "_size", "_view")

    def __init__(self) -> None:
        self._memory: wasmer.Memory | None = None
        self._size = -1
        self._view = memoryview(bytearray())

    def attach(self, memory: wasmer.Memory) -> None:
        self._memory = memory

    def view(self) -> memoryview:
        """The whole memory, re-wrapped only when its size changed."""
        memory = self._memory
        if memory is not None:
            size = memory.data_size
            if size != self._size:
                self._view = memoryview(memory.buffer)
                self._size = size
        return self._view

    # On 64-bit hosts wasmer 1.1 gives every wasm32 memory the static style: all of its 4 GiB address space
    # reserved up front, so a grow commits pages in place and never moves the base (the WASI context then
    # reuses its last view; tests/engines/test_engine_hostcall.py checks the address across a grow).
    fixed_base = sys.maxsize > 2**32


def _sig(ftype: wasmer.FunctionType) -> FuncSig:
    return FuncSig(tuple(_TYPE_NAMES.get(t, str(t)) for t in ftype.params),
                   tuple(_TYPE_NAMES.get(t, str(t)) for t in ftype.results))


def _kind_and_sig(extern_type: Any) -> tuple[str, FuncSig | None]:
    kind = _KINDS.get(type(extern_type), type(extern_type).__name__)
    return kind, (_sig(extern_type) if isinstance(extern_type, wasmer.FunctionType) else None)


class WasmerEngine(EngineAdapter):
    """Runs modules on wasmer with the Cranelift compiler."""

    name = "wasmer"

    def __init__(self) -> None:
        super().__init__()
        self._store = wasmer.Store(wasmer.engine.Universal())  # headless: runs compiled modules, every one
        self._compiler: wasmer.Store | None = None

    def _compile(self, data: bytes) -> Any:
        """Compiled by Cranelift in a store of its own, then moved into the headless `_store` (serialized and
        loaded back, as from the compile cache): Cranelift is imported (~1.5 ms) only when a module is not
        in the cache, and the host functions of a run always share the module's store."""
        if self._compiler is None:
            from wasmer_compiler_cranelift import Compiler

            self._compiler = wasmer.Store(wasmer.engine.Universal(Compiler))
        compiled = wasmer.Module(self._compiler, data)
        return wasmer.Module.deserialize(self._store, compiled.serialize())

    _kind_and_sig = staticmethod(_kind_and_sig)

    @staticmethod
    def _wat2wasm(text: str) -> bytes | bytearray:
        return bytes(wasmer.wat2wasm(text))

    def _cache_tag(self) -> str | None:
        return f"wasmer {wasmer.__version__} cranelift universal"

    def _serialize(self, native: Any) -> bytes:
        return bytes(native.serialize())

    def _deserialize(self, artifact: bytes) -> Any:
        return wasmer.Module.deserialize(self._store, artifact)

    def _instantiate(self, module: CompiledModule, host: WasiHost, limits: Limits) -> Any:
        functions = {}
        for imp in module.imports:
            params, results = host.signature(imp.name)
            ftype = wasmer.FunctionType([_TYPES[p] for p in params], [_TYPES[r] for r in results])
            functions[imp.name] = wasmer.Function(self._store, host.functions.get(imp.name, not_implemented), ftype)
        import_object = wasmer.ImportObject()
        import_object.register(WASI_MODULE, functions)
        instance = wasmer.Instance(module.native, import_object)
        if module.exports.get("memory") == "memory":
            memory = WasmerMemory()
            memory.attach(instance.exports.memory)
            host.bind_memory(memory)
        else:
            host.bind_memory(MissingMemory())
        return instance

    def _is_engine_error(self, exc: BaseException) -> bool:
        return type(exc) is RuntimeError and not _raised_in_python(exc)

    def _for_limits(self, module: CompiledModule, limits: Limits) -> CompiledModule:
        """With --max-memory: the module with its memories' and tables' declared maximums lowered to the
        limit (wasmer 1.1 has no resource limiter); a module that starts above it is refused in one line."""
        if limits.max_memory is None:
            return module
        from wasitool.engines.diagnose import check_runnable
        from wasitool.engines.sections import PAGE, cap_memories, cap_tables

        check_runnable(module.label, module.facts, limits.max_memory)  # here too: `prepare` comes first
        variant = ("max_memory", limits.max_memory)
        if module.variant == variant:
            return module
        elements = limits.max_table_elements or 0
        data, initial = cap_tables(cap_memories(module.data, module.facts, limits.max_memory // PAGE),
                                   module.facts, elements)  # memories first: the table section precedes them
        if initial > elements:
            raise WasiError(f"{module.label} starts with a table of {initial} elements, more than --max-memory "
                            f"{limits.max_memory} allows ({elements} at 8 bytes each)",
                            "raise --max-memory, or drop it")
        if data is module.data:
            return module
        return module.recompiled(self._load_cached(data, module.label), data, variant)

    def _execute(self, module: CompiledModule, host: WasiHost, calls: list[tuple[str, Sequence[int | float]]],
                 limits: Limits) -> Outcome:
        if not self.needs_child(limits):
            if limits.timeout is not None:
                raise WasiError("the wasmer engine cannot enforce --timeout without fork()",
                                "use --engine wasmtime")
            return self._run_calls(module, host, calls, limits)
        from wasitool.engines import supervisor

        def work(started: Callable[[], None]) -> Outcome:
            started()
            return self._run_calls(module, host, calls, limits)

        return supervisor.run_in_child(work, limits.timeout, host.flush, module.label)

    def needs_child(self, limits: Limits) -> bool:
        return (limits.timeout is not None or limits.interruptible) and hasattr(os, "fork")

    def _call(self, instance: Any, export: str, args: Sequence[int | float]) -> list[int | float]:
        result = getattr(instance.exports, export)(*args)
        if result is None:
            return []
        return list(result) if isinstance(result, tuple) else [result]

    def _trap_message(self, exc: BaseException) -> str | None:
        text = str(exc)
        if type(exc) is not RuntimeError or not text.startswith(_TRAP_PREFIX) or _raised_in_python(exc):
            return None
        return canonical_trap(text.removeprefix(_TRAP_PREFIX).splitlines()[0])


def _raised_in_python(exc: BaseException) -> bool:
    """True if a host function raised `exc`: its innermost frame is not this adapter's call into wasm."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_globals.get("__name__") != __name__

