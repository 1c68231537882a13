"""wasmtime-py adapter.

Host functions: by default each import is created through wasmtime's unchecked C entry point with a
ctypes callback (`wasitool.engines.wasmtime_unchecked`: ~0.43 us per call on Python 3.11 instead of
~10 us through `Func`; it uses non-public wasmtime-py API and is only enabled on the verified major
version). `Func` is the fallback, and can be selected with `WASITOOL_WASMTIME_HOSTCALL=func`
(`unchecked` forces the fast path, `auto` or unset picks it when available). Neither path gives the
host function caller access; the WASI context reaches memory through the instance's exported memory
and the run's `Store`, via a ctypes view rebuilt only when `data_len` changes (a grow may move the
memory, and only a grow changes its length).

Measured per wasm -> Python host call through the public API with fd_write's shape (4 x i32 -> i32),
wasmtime 50.0.1, x86-64, best of 3 x 500k calls (bench/hostcall.py; shared machine, +-10%):

    path                        Python 3.11   Python 3.10
    Func                        ~10.0 us      ~14.1 us
    Func(access_caller=True)    ~10.0 us      ~14.8 us
    Linker.define_func          ~10.6 us      ~13.9 us

All three go through wasmtime-py's one ctypes trampoline (which boxes every parameter in a `Val`), so
they are within noise of each other; plain `Func` needs no `Caller` object and is the fallback.
Memory: `WasmtimeMemory.view()` with an unchanged size costs ~0.8 us through `data_len`, ~0.2 us with
the fast path's direct `wasmtime_memory_data_size` call.

Limits: a run that may have to be stopped in its wasm code (a time limit; Ctrl-C in a run that keeps a
trace or a recording) runs on a second engine built with epoch interruption (every store's deadline is
one tick ahead): `epoch_watch.EpochWatch` bumps the epoch at the time limit or on Ctrl-C, so a spinning
guest traps at its next loop back-edge. The checks cost 10-25% on compute-bound guests (SHA-256, Lua), so
other runs, as the wasmtime CLI's without `-W timeout`, have none: a plain `wasitool run` ends the process
on Ctrl-C (`interrupt_exit`), a batch's child is killed by its parent. `--fuel` runs on an engine with
fuel metering and epochs (compiled code differs), `--max-memory` is the store's limiter for memories and
table elements (a `memory.grow` or `table.grow` past it fails with -1, an initial memory above it is
refused earlier).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import wasmtime

from wasitool.engines import wasmtime_unchecked as unchecked
from wasitool.engines.base import EngineAdapter, first_line
from wasitool.engines.limits import Limits
from wasitool.engines.traps import canonical_trap
from wasitool.engines.values import CompiledModule, FuncSig, MissingMemory, Outcome, WasiHost, not_implemented
from wasitool.errors import WasiError

if TYPE_CHECKING:
    from wasitool.engines.wasmtime_component import ComponentHostLike
    from wasitool.runspec import Invoke

HOSTCALL_ENV = "WASITOOL_WASMTIME_HOSTCALL"  # auto (default) | unchecked | func

# Proposals switched on when the Config exposes them; `features()` reports what actually compiles.
_PROPOSALS = ("wasm_multi_value", "wasm_reference_types", "wasm_bulk_memory", "wasm_simd",
              "wasm_tail_call", "wasm_multi_memory", "wasm_memory64", "wasm_threads",
              "wasm_function_references", "gc_support", "wasm_gc", "wasm_exceptions")
_KINDS = {wasmtime.FuncType: "function", wasmtime.MemoryType: "memory", wasmtime.GlobalType: "global",
          wasmtime.TableType: "table"}
_VALTYPES = {"i32": wasmtime.ValType.i32, "i64": wasmtime.ValType.i64, "f32": wasmtime.ValType.f32,
             "f64": wasmtime.ValType.f64}
_TRAP_MARK = "wasm trap: "


def _config(fuel: bool = False, components: bool = False, epochs: bool = True) -> tuple[wasmtime.Config, bool]:
    """The engine's Config, and whether linear memories keep their base address when they grow (`components`:
    the settings the component host needs, `wasmtime_component.configure`; `epochs`: epoch interruption)."""
    config = wasmtime.Config()
    config.epoch_interruption = epochs
    if fuel:
        config.consume_fuel = True
    if components:
        from wasitool.engines.wasmtime_component import configure

        configure(config)
    for option in _PROPOSALS:
        with contextlib.suppress(AttributeError, wasmtime.WasmtimeError):
            setattr(config, option, True)
    # A memory then grows in place within its reservation (4 GiB on 64-bit hosts: all of wasm32's address
    # space, so no wasm32 grow that would have succeeded fails), and an older view stays a live prefix.
    try:
        config.memory_may_move = False
    except (AttributeError, wasmtime.WasmtimeError):
        return config, False
    return config, True


class WasmtimeMemory:
    """GuestMemory over a wasmtime Memory: a ctypes array at the memory's base as a memoryview.

    `view()` asks for the current size on every call and rebuilds the view when it changed. With the
    verified bindings (`direct_size`, default: when available) that is one direct C call (~0.2 us),
    else the public `Memory.data_len` (~0.65 us on Python 3.11). When the engine keeps memories in place
    (`fixed_base`), the WASI context reuses its last view until an access lies beyond it.
    """

    __slots__ = ("_direct", "_len", "_memory", "_size", "_store", "_view", "fixed_base")

    def __init__(self, store: wasmtime.Store, direct_size: bool | None = None, fixed_base: bool = False) -> None:
        self._store = store
        self._direct = unchecked.unavailable_reason() is None if direct_size is None else direct_size
        self.fixed_base = fixed_base  # only if the engine's Config has memory_may_move = False
        self._memory: wasmtime.Memory | None = None
        self._size: Callable[[], int] | None = None
        self._len = -1
        self._view = memoryview(bytearray())

    @property
    def store(self) -> wasmtime.Store:
        """The store the memory lives in (what `engines.wasmtime_stacks` samples the guest's stack from)."""
        return self._store

    def attach(self, memory: wasmtime.Memory) -> None:
        self._memory = memory
        self._size = (unchecked.data_size_function(self._store, memory) if self._direct
                      else functools.partial(memory.data_len, self._store))

    def view(self) -> memoryview:
        size = self._size
        if size is not None:
            length = size()
            if length != self._len:
                memory = self._memory
                assert memory is not None  # `_size` is set by `attach`, with it
                address = ctypes.cast(memory.data_ptr(self._store), ctypes.c_void_p).value
                self._view = memoryview((ctypes.c_ubyte * length).from_address(address or 0)).cast("B")
                self._len = length
        return self._view


def _sig(ftype: wasmtime.FuncType) -> FuncSig:
    return FuncSig(tuple(str(t) for t in ftype.params), tuple(str(t) for t in ftype.results))


def _kind_and_sig(extern_type: Any) -> tuple[str, FuncSig | None]:
    kind = _KINDS.get(type(extern_type), type(extern_type).__name__)
    return kind, (_sig(extern_type) if isinstance(extern_type, wasmtime.FuncType) else None)


def hostcall_path() -> str:
    """How host functions are created: "unchecked" (the fast path) or "func" (wasmtime-py's `Func`)."""
    wanted = os.environ.get(HOSTCALL_ENV) or "auto"
    if wanted == "func":
        return "func"
    if wanted not in ("auto", "unchecked"):
        raise WasiError(f"{HOSTCALL_ENV}={wanted} is not a host-call path", "use auto, unchecked or func")
    reason = unchecked.unavailable_reason()
    if reason is None:
        return "unchecked"
    if wanted == "unchecked":
        raise WasiError(f"{HOSTCALL_ENV}=unchecked, but the fast path is unavailable: {reason}",
                        f"unset {HOSTCALL_ENV} to fall back to wasmtime.Func")
    return "func"


class WasmtimeEngine(EngineAdapter):
    """Runs modules on wasmtime with every proposal its Config exposes enabled."""

    name = "wasmtime"
    has_fuel = True

    def __init__(self, fuel: bool = False, components: bool = False, epochs: bool = False) -> None:
        super().__init__()
        self._epochs = epochs or fuel or components  # fuel runs and components are stopped by epochs too
        config, self._fixed_base = _config(fuel, components, self._epochs)
        self._engine = wasmtime.Engine(config)
        self._fuel = fuel
        self._components = components
        self._variants: dict[str, WasmtimeEngine] = {}  # "fuel", "epoch": engines compiled code differs on
        self._functypes: dict[tuple[int, tuple[str, ...], tuple[str, ...]], wasmtime.FuncType] = {}
        self._component_variants: dict[bool, WasmtimeEngine] = {}  # fuel -> the engine components run on

    def _compile(self, data: bytes) -> Any:
        return wasmtime.Module(self._engine, data)

    _kind_and_sig = staticmethod(_kind_and_sig)

    @staticmethod
    def _wat2wasm(text: str) -> bytes | bytearray:
        return wasmtime.wat2wasm(text)

    def _cache_tag(self) -> str | None:
        # wasmtime itself rejects artifacts of another version; the install's mtime is a cheap extra key
        # (importlib.metadata would cost milliseconds on every run).
        tag = (f"wasmtime {os.stat(wasmtime.__file__).st_mtime_ns} {','.join(_PROPOSALS)} "
               f"fixed-base={self._fixed_base} {'epoch' if self._epochs else 'no-epoch'} fuel={self._fuel}")
        return f"{tag} components" if self._components else tag  # core modules keep their cached artifacts

    def _serialize(self, native: Any) -> bytes:
        return bytes(native.serialize())

    def _deserialize(self, artifact: bytes) -> Any:
        return wasmtime.Module.deserialize(self._engine, artifact)

    def _for_limits(self, module: CompiledModule, limits: Limits) -> CompiledModule:
        """The module compiled by the engine `limits` need (each created once): with --fuel, one that meters
        fuel; for a run that may have to be stopped in its wasm code (`Limits.stops_guest`), one with epoch
        checks; else this engine's own."""
        if limits.fuel is not None:
            wanted = "fuel"
        elif limits.stops_guest:
            wanted = "epoch"
        else:
            return module
        already = self._fuel if wanted == "fuel" else self._epochs  # what this engine's own code has
        if module.variant == wanted or (module.variant is None and already):
            return module
        variant = self._variant(wanted)
        return module.recompiled(variant._load_cached(module.data, module.label), module.data, wanted)

    def _variant(self, name: str) -> WasmtimeEngine:
        if name not in self._variants:
            self._variants[name] = WasmtimeEngine(fuel=name == "fuel", epochs=True)
        return self._variants[name]

    def _engine_of(self, module: CompiledModule) -> WasmtimeEngine:
        """The engine that compiled `module` (this one, or the variant `_for_limits` made)."""
        variant = module.variant
        return self._variants.get(variant, self) if isinstance(variant, str) else self

    def for_components(self, limits: Limits) -> WasmtimeEngine:
        """The engine a component runs on under `limits` (created once each: with or without fuel metering)."""
        fuel = limits.fuel is not None
        if fuel not in self._component_variants:
            self._component_variants[fuel] = WasmtimeEngine(fuel=fuel, components=True)
        return self._component_variants[fuel]

    @property
    def wasmtime_engine(self) -> wasmtime.Engine:
        return self._engine

    def cache_tag(self) -> str | None:
        """What identifies this engine's compiled artifacts in the compile cache."""
        return self._cache_tag()

    def run_component(self, data: bytes, label: str, host: ComponentHostLike, limits: Limits | None = None,
                      invoke: Invoke | None = None) -> Outcome:
        """Run a WASI 0.2 command component, or call one of its functions (`engines.wasmtime_component`,
        imported only for components)."""
        from wasitool.engines.wasmtime_component import run_component

        return run_component(self, data, label, host, limits or Limits(), invoke)

    def compile_component(self, data: bytes, label: str, limits: Limits) -> Any:
        """A component compiled (or loaded from the compile cache) for runs under `limits` (a batch: before
        the fork)."""
        from wasitool.engines.wasmtime_component import load_component

        return load_component(self.for_components(limits), data, label)

    def instantiate_component(self, component: Any, label: str, host: ComponentHostLike, limits: Limits,
                              invoke: Invoke | None = None) -> Callable[[], Outcome]:
        """`run_component` split in two (`compile_component`'s result; a batch runs the callable in a child)."""
        from wasitool.engines.wasmtime_component import instantiate_component

        return instantiate_component(self, component, label, host, limits, invoke)

    def _instantiate(self, module: CompiledModule, host: WasiHost, limits: Limits) -> Any:
        compiled_by = self._engine_of(module)
        engine = compiled_by._engine
        store = unchecked.HostStore(engine)  # owns the fast path's callbacks
        if compiled_by._epochs:
            store.set_epoch_deadline(1)
        if limits.fuel is not None:
            store.set_fuel(limits.fuel)
        if limits.max_memory is not None:  # tables too, at wasmtime's 8 bytes per element
            store.set_limits(memory_size=limits.max_memory, table_elements=limits.max_table_elements or 0)
        fast = hostcall_path() == "unchecked"
        calls = store.host_calls if fast else None
        externs = []
        for imp in module.imports:
            params, results = host.signature(imp.name)
            ftype = self._functype(engine, params, results)
            fn = host.functions.get(imp.name, not_implemented)
            if calls is not None and unchecked.supports(params, results):
                externs.append(calls.func(store, ftype, params, results, fn))
            else:
                externs.append(wasmtime.Func(store, ftype, fn))
        try:
            instance = wasmtime.Instance(store, module.native, externs)  # runs no guest code: start is hoisted
        except Exception:
            store.host_calls.reraise()
            raise
        exports = instance.exports(store)
        if module.exports.get("memory") == "memory":
            memory = WasmtimeMemory(store, direct_size=fast, fixed_base=self._fixed_base)
            exported = exports["memory"]
            assert isinstance(exported, wasmtime.Memory)  # module.exports names its kind; shared ones are refused
            memory.attach(exported)
            host.bind_memory(memory)
        else:
            host.bind_memory(MissingMemory())
        return store, exports

    def _functype(self, engine: wasmtime.Engine, params: tuple[str, ...],
                  results: tuple[str, ...]) -> wasmtime.FuncType:
        """The FuncType of a host function, made once per signature and wasmtime Engine (a batch instantiates
        the same imports again and again). Per Engine: wasmtime aborts the process when a FuncType first
        used with one Engine makes a function in a store of another (the --fuel engine)."""
        key = (id(engine), params, results)
        ftype = self._functypes.get(key)
        if ftype is None:
            ftype = wasmtime.FuncType([_VALTYPES[p]() for p in params], [_VALTYPES[r]() for r in results])
            self._functypes[key] = ftype
        return ftype

    def _is_engine_error(self, exc: BaseException) -> bool:
        return isinstance(exc, wasmtime.WasmtimeError)

    def _execute(self, module: CompiledModule, host: WasiHost, calls: list[tuple[str, Sequence[int | float]]],
                 limits: Limits) -> Outcome:
        if limits.timeout is None and not limits.interruptible:  # nothing to watch for (e.g. a batch's child)
            return self._run_calls(module, host, calls, limits)
        compiled_by = self._engine_of(module)
        if not compiled_by._epochs:  # no time limit, and Ctrl-C may end the process (`_for_limits`)
            from wasitool.engines.interrupt_exit import ExitOnInterrupt

            with ExitOnInterrupt():
                return self._run_calls(module, host, calls, limits)
        from wasitool.engines.epoch_watch import EpochWatch

        watch = EpochWatch(compiled_by._engine.increment_epoch, limits.timeout, unchecked.in_binding_glue)
        return watch.run(lambda: self._run_calls(module, host, calls, limits),
                         lambda: Outcome.timed_out(limits.timeout or 0.0))

    def _call(self, instance: Any, export: str, args: Sequence[int | float]) -> list[int | float]:
        store, exports = instance
        try:
            result = exports[export](store, *args)
        except Exception:
            store.host_calls.reraise()  # a host function's exception (e.g. ProcExit) rather than its trap
            raise
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
        return canonical_trap(code.name.replace("_", " ") if code is not None else first_line(exc))

