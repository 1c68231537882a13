"""Run a WebAssembly component (a WASI 0.2 command) on wasmtime-py's component API.

The host (`wasitool.wasip2.host.ComponentHost`, given by `pyruntime`) links its interfaces into a
`wasmtime.component.Linker`; this module compiles the component (through the compile cache), makes the
store with the run's limits, instantiates and calls the `run` function of the `wasi:cli/run@0.2.x`
export. The same wasmtime Engine as core modules, so the same limits: epoch interruption for
`--timeout` and Ctrl-C (`epoch_watch`; a Ctrl-C landing in a host call's binding glue, where a
KeyboardInterrupt would escape the ctypes callback, only stops the guest: the host's `in_binding_glue`),
the fuel-metering engine for `--fuel`, the store's memory limit for `--max-memory`. How the run ends:

| the guest | status |
|---|---|
| `run` returns ok / err | 0 / 1 |
| `wasi:cli/exit.exit(ok)` / `exit(err)` / `exit-with-code(n)` | 0 / 1 / n |
| traps (also: calls an import the host lacks, or breaks a host rule such as an oversized write) | 134 |
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol

import wasmtime
from wasmtime import component as wc

from wasitool.engines.base import first_line
from wasitool.engines.limits import Limits
from wasitool.engines.traps import TRAP_EXIT_CODE, canonical_trap
from wasitool.engines.values import Outcome
from wasitool.errors import InternalError, WasiError, WasitoolError
from wasitool.runspec import Invoke

RUN_INTERFACE = "wasi:cli/run@0.2."
_UNKNOWN_IMPORT = "unknown import: "


class ComponentEngine(Protocol):
    """What a component run needs from its engine adapter (`wasmtime_engine.WasmtimeEngine`)."""

    @property
    def wasmtime_engine(self) -> wasmtime.Engine:
        """The wasmtime Engine components compile on."""
        ...

    def cache_tag(self) -> str | None:
        """The compile cache's key for this engine's settings (None: no caching)."""
        ...

    def for_components(self, limits: Limits) -> ComponentEngine:
        """The adapter configured for components under `limits`."""
        ...


class ComponentHostLike(Protocol):
    """What a component run needs from its host (`wasitool.wasip2.host.ComponentHost`)."""

    @property
    def exit_type(self) -> type[Exception]:
        """Ends the run with status `.code`."""
        ...

    @property
    def trap_type(self) -> type[Exception]:
        """A host function's refusal that is a trap (its message is the trap's)."""
        ...

    @property
    def interrupt_type(self) -> type[Exception]:
        """KeyboardInterrupt during a host call."""
        ...

    def link(self, linker: wc.Linker, component: wc.Component, engine: wasmtime.Engine) -> None: ...

    def in_binding_glue(self, frame: FrameType) -> bool:
        """Whether a KeyboardInterrupt raised in `frame` would escape a host-call callback (`epoch_watch`'s
        `defer`: Ctrl-C there only stops the guest at its next epoch check)."""
        ...


def configure(config: wasmtime.Config) -> None:
    """Turn off wasmtime's concurrency support (the component model's async, which WASI 0.2 does not use).

    With it on, wasmtime 50 fails to lift a second borrowed handle into a dynamically defined host function,
    the only kind wasmtime-py offers (docs/components.md, "wasmtime-py limits"): `rename-at`, `link-at`,
    `poll` of two pollables... would trap. wasmtime-py 50 has no setter for it; the C API's is used.
    """
    from wasmtime import _ffi as ffi

    setter = getattr(ffi.dll, "wasmtime_config_concurrency_support_set", None)
    if setter is None:  # a libwasmtime without concurrency support has nothing to turn off
        return
    setter.restype = None
    setter.argtypes = [ctypes.c_void_p, ctypes.c_bool]
    setter(ctypes.cast(config.ptr(), ctypes.c_void_p), False)


def load_component(adapter: ComponentEngine, data: bytes, label: str) -> wc.Component:
    """Compile `data` (or load it back from the compile cache); failures are one-line WasiErrors."""
    from wasitool.engines import compile_cache as cache

    engine = adapter.wasmtime_engine
    tag = adapter.cache_tag()
    path = cache.entry_path(f"{tag} component", data) if tag is not None else None
    artifact = cache.load(path)
    if artifact is not None:
        try:
            return wc.Component.deserialize(engine, artifact)
        except wasmtime.WasmtimeError:  # another wasmtime build wrote it: recompile
            pass
    try:
        component = wc.Component(engine, data)
    except wasmtime.WasmtimeError as exc:
        raise WasiError(f"{label} is not a valid component for wasmtime: {first_line(exc)}",
                        "rebuild it (wasm-tools validate shows the problem)") from None
    if path is not None:
        cache.save(path, bytes(component.serialize()))
    return component


def run_component(adapter: ComponentEngine, data: bytes, label: str, host: ComponentHostLike,
                  limits: Limits, invoke: Invoke | None = None) -> Outcome:
    """Instantiate with the host linked in and call `wasi:cli/run`'s `run` (or the invoked export), within
    `limits`."""
    from wasitool.engines.epoch_watch import EpochWatch

    adapter = adapter.for_components(limits)
    engine = adapter.wasmtime_engine
    call = _prepared(adapter, load_component(adapter, data, label), label, host, limits, invoke)
    watch = EpochWatch(engine.increment_epoch, limits.timeout, host.in_binding_glue)
    return watch.run(call, lambda: Outcome.timed_out(limits.timeout or 0.0))


def instantiate_component(adapter: ComponentEngine, component: wc.Component, label: str, host: ComponentHostLike,
                          limits: Limits, invoke: Invoke | None = None) -> Callable[[], Outcome]:
    """`run_component` split in two, for a batch: the host linked and the store made now (in the parent), the
    returned callable instantiates and calls (in a forked child, which compiles nothing: `component` was
    compiled by `adapter.for_components(limits)` before the fork). No time limit and no Ctrl-C here: the
    batch kills the child."""
    if limits.timeout is not None or limits.interruptible:
        raise InternalError("ValueError", "instantiate_component() takes no time limit and no Ctrl-C")
    return _prepared(adapter.for_components(limits), component, label, host, limits, invoke)


def _prepared(adapter: ComponentEngine, component: wc.Component, label: str, host: ComponentHostLike,
              limits: Limits, invoke: Invoke | None) -> Callable[[], Outcome]:
    """The host linked, the store made with `limits` (but the time limit): the call that runs the component."""
    engine = adapter.wasmtime_engine
    entry = _entry(component, engine, label, invoke)
    linker = wc.Linker(engine)
    host.link(linker, component, engine)
    store = wasmtime.Store(engine)
    store.set_epoch_deadline(1)
    if limits.fuel is not None:
        store.set_fuel(limits.fuel)
    if limits.max_memory is not None:
        store.set_limits(memory_size=limits.max_memory, table_elements=limits.max_table_elements or 0)
    return lambda: _call(linker, store, component, entry, host, label)


class _Entry:
    """The function a run calls: its path of export names, the arguments, and whether it is a command's `run`."""

    __slots__ = ("args", "command", "path")

    def __init__(self, path: list[str], args: list[Any], command: bool) -> None:
        self.path = path
        self.args = args
        self.command = command


def _entry(component: wc.Component, engine: wasmtime.Engine, label: str, invoke: Invoke | None) -> _Entry:
    if invoke is not None:
        from wasitool.engines import component_invoke

        path, fty = component_invoke.find_export(component, engine, invoke, label)
        return _Entry(path, component_invoke.arguments(fty, invoke), command=False)
    run_name = next((n for n in component.type.exports(engine) if n.startswith(RUN_INTERFACE)), None)
    if run_name is None:
        raise WasiError(f"{label} exports no `wasi:cli/run` interface (is it a library component?)",
                        "call one of its functions with --invoke NAME [ARGS...], or build it as a command")
    return _Entry([run_name, "run"], [], command=True)


def _call(linker: wc.Linker, store: wasmtime.Store, component: wc.Component, entry: _Entry,
          host: ComponentHostLike, label: str) -> Outcome:
    try:
        try:
            instance = linker.instantiate(store, component)
        except wasmtime.WasmtimeError as exc:
            if _trap(exc) is None:
                raise WasiError(f"the wasmtime engine cannot instantiate {label}: {first_line(exc)}",
                                "give it more memory (--max-memory), or check it with `wasm-tools validate`") from None
            raise
        index = None
        for name in entry.path:
            index = instance.get_export_index(store, name, index)
            if index is None:
                break
        func = instance.get_func(store, index) if index is not None else None
        if func is None:
            raise WasiError(f"{label} has no function `{'#'.join(entry.path)}`", "build it as a WASI command")
        result: Any = func(store, *entry.args)
        func.post_return(store)
        if entry.command:
            return Outcome(0 if getattr(result, "tag", "ok") == "ok" else 1)
        from wasitool.engines.component_invoke import results

        return Outcome(0, results(result))
    except host.exit_type as exc:
        return Outcome(int(getattr(exc, "code", 1)))
    except host.trap_type as exc:
        return Outcome(TRAP_EXIT_CODE, trap=str(exc))
    except host.interrupt_type:
        raise KeyboardInterrupt from None
    except (WasitoolError, KeyboardInterrupt):
        raise
    except Exception as exc:
        trap = _call_failure(exc)
        if trap is not None:
            return Outcome(TRAP_EXIT_CODE, trap=trap)
        raise InternalError(type(exc).__name__, f"{first_line(exc)} (running {label} on wasmtime)") from exc


def _trap(exc: BaseException) -> str | None:
    """The trap text of a wasm trap (or a call to an import the host does not define), else None."""
    if not isinstance(exc, wasmtime.WasmtimeError):
        return None
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith(_UNKNOWN_IMPORT):
            return line.replace("has not been defined", "is not provided by wasitool's WASI 0.2 host")
        if "wasm trap: " in line:
            return canonical_trap(line.split("wasm trap: ", 1)[1])
    if isinstance(exc, wasmtime.Trap):
        code = exc.trap_code
        return canonical_trap(code.name.replace("_", " ") if code is not None else first_line(exc))
    return None


def _call_failure(exc: BaseException) -> str | None:
    """What ended a call: `_trap`, or wasmtime refusing what the guest passed (a bad discriminant, a handle
    it does not hold), which is a trap too; None if it is not wasmtime's."""
    trap = _trap(exc)
    if trap is None and isinstance(exc, wasmtime.WasmtimeError):
        return first_line(exc)
    return trap
