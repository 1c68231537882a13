"""The WASI 0.2 host of one run: every interface, linked under the versions the component imports.

`ComponentHost(config)` holds the run's state (argv, environment, stdio fds, preopens, the resource
table). `link(linker, component, engine)` reads the component's imports and defines each interface this
host implements (`wasi:cli/*`, `wasi:io/*`, `wasi:clocks/*`, `wasi:random/*`, `wasi:filesystem/*`) under
the exact name it is imported as, any 0.2.x version: the resource types it owns and the functions of its
type, each wrapped to convert wasmtime-py's values (`convert`) and, when traced, to report the call.
Everything else the component imports (sockets, a function this host lacks) traps when called, naming it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from wasmtime import Engine, StoreContext
from wasmtime.component import Component, ComponentInstanceType, FuncType, Linker, ResourceType, ResultType, Variant

from wasitool.errors import WasiError
from wasitool.wasi.config import WasiConfig
from wasitool.wasip2 import cli, clocks, fastcall, filesystem, io, random
from wasitool.wasip2.convert import Err, Lift, Lower, lifter, lowerer
from wasitool.wasip2.resources import Resource, ResourceTable

if TYPE_CHECKING:
    from wasitool.wasip2.trace import CallTrace, ComponentTracer

SUPPORTED_MAJOR_MINOR = "0.2."


# (module, function) of the ctypes callbacks a host call (or a resource's destructor) runs under, and of
# the bound host functions whose whole body turns KeyboardInterrupt into HostInterrupted
_CALLBACKS = {("wasitool.wasip2.fastcall", "_trampoline"), ("wasitool.wasip2.fastcall", "_finalize"),
              ("wasmtime.component._linker", "func_impl"), ("wasmtime.component._linker", "func_finalize"),
              ("wasmtime.component._linker", "resource_dtor_impl"),
              ("wasmtime.component._linker", "resource_dtor_finalize")}
_GUARDS = {(__name__, "host_function"), (__name__, "traced_function")}


class HostInterrupted(Exception):
    """Ctrl-C (or the time limit's signal) arrived during a host call: wasmtime-py passes on only
    Exceptions from host functions, so the engine turns this back into KeyboardInterrupt."""


def _no_result(_value: Any) -> None:
    return None


def _fast_path() -> bool:
    """Whether host functions go in through `fastcall` (the choice preview1's host calls make too)."""
    from wasitool.engines.wasmtime_engine import hostcall_path

    return hostcall_path() == "unchecked" and fastcall.unavailable_reason() is None


def split_name(name: str) -> tuple[str, str]:
    """`wasi:io/streams@0.2.12` -> (`wasi:io/streams`, `0.2.12`); no version -> ''."""
    base, _, version = name.partition("@")
    return base, version


class ComponentHost:
    """One guest's WASI 0.2 state. Raises `WasiError` at construction if a preopen cannot be opened.

    What ends a run from a host call: `exit_type` (`wasi:cli/exit`, with `.code`), `trap_type` (a host rule
    broken: a trap) and `interrupt_type` (Ctrl-C during the call).
    """

    exit_type = cli.Exit
    trap_type = io.GuestTrap
    interrupt_type = HostInterrupted

    def __init__(self, config: WasiConfig, tracer: ComponentTracer | None = None) -> None:
        self.table = ResourceTable()
        self.preopens = filesystem.Preopens(list(config.preopens))
        self.tracer = tracer
        self.interfaces: dict[str, dict[str, Callable[..., Any]]] = {
            **cli.functions(list(config.argv), list(config.env), (config.stdin, config.stdout, config.stderr)),
            **io.functions(), **clocks.functions(), **random.functions(), **filesystem.functions(self.preopens)}
        self.resources: dict[str, tuple[type[Resource], ...]] = {
            **io.RESOURCES, **cli.RESOURCES, **filesystem.RESOURCES}
        if tracer is not None:
            try:
                tracer.select_from((i, n) for i, functions in self.interfaces.items() for n in functions)
            except ValueError as exc:
                self.preopens.close()
                raise WasiError(f"--trace={tracer.spec}: {exc}",
                                "name WASI 0.2 functions or globs, e.g. --trace='open-at,*write*'") from None

    def link(self, linker: Linker, component: Component, engine: Engine) -> None:
        """Define every interface of this host the component imports; the rest trap when called.

        Functions go in through `fastcall` where it is available (and not turned off with
        `WASITOOL_WASMTIME_HOSTCALL=func`), else through wasmtime-py's `add_func`.
        """
        fast = _fast_path()
        with linker.root() as root:
            for name, extern in component.type.imports(engine).items():
                base, version = split_name(name)
                ty = extern.ty
                if base not in self.interfaces or not version.startswith(SUPPORTED_MAJOR_MINOR) or \
                        not isinstance(ty, ComponentInstanceType):
                    continue
                functions = self.interfaces[base]
                with root.add_instance(name) as instance:
                    for cls in self.resources.get(base, ()):
                        instance.add_resource(cls.kind, ResourceType.host(cls.type_id), self._drop)
                    for item_name, item in ty.exports(engine).items():
                        fty = item.ty
                        if isinstance(fty, FuncType) and item_name in functions:
                            bound = self._bind(base, item_name, functions[item_name], fty)
                            if fast:
                                fastcall.add_func(instance, item_name, bound, fty, HostInterrupted)
                            else:
                                instance.add_func(item_name, bound)
        linker.define_unknown_imports_as_traps(component)

    def _drop(self, _store: StoreContext, rep: int) -> None:
        self.table.drop(rep)

    def _bind(self, interface: str, name: str, fn: Callable[..., Any], fty: FuncType) -> Callable[..., Any]:
        """`fn` (plain values) as a wasmtime-py host function of type `fty`."""
        lifts = [lifter(ty, self.table) for _, ty in fty.params]
        result = fty.result
        lower = lowerer(result, self.table) if result is not None else _no_result
        returns_result = isinstance(result, ResultType)
        if self.tracer is not None and self.tracer.traces(interface, name):
            return self._bind_traced(self.tracer.call(interface, name, fty), fn, lifts, lower, returns_result)

        def host_function(store: StoreContext, *args: Any) -> Any:
            try:
                values = [lift(store, arg) for lift, arg in zip(lifts, args, strict=True)]
                if not returns_result:
                    return lower(fn(*values))
                try:
                    value = Variant("ok", fn(*values))
                except Err as err:
                    value = Variant("err", err.payload)
                return lower(value)
            except KeyboardInterrupt:
                raise HostInterrupted from None

        return host_function

    def _bind_traced(self, trace: CallTrace, fn: Callable[..., Any], lifts: list[Lift], lower: Lower,
                     returns_result: bool) -> Callable[..., Any]:
        """As `_bind`, reporting each call to the tracer (after the result is lowered: new handles are numbered)."""

        def traced_function(store: StoreContext, *args: Any) -> Any:
            try:
                values = [lift(store, arg) for lift, arg in zip(lifts, args, strict=True)]
                start = time.perf_counter_ns()
                try:
                    try:
                        value = fn(*values)
                        if returns_result:
                            value = Variant("ok", value)
                    except Err as err:
                        if not returns_result:
                            raise
                        value = Variant("err", err.payload)
                except cli.Exit:
                    trace.failed(values, None)
                    raise
                except io.GuestTrap as exc:
                    trace.failed(values, str(exc))
                    raise
                lowered = lower(value)
                trace.done(values, value, time.perf_counter_ns() - start)
                return lowered
            except KeyboardInterrupt:
                raise HostInterrupted from None

        return traced_function

    @staticmethod
    def in_binding_glue(frame: FrameType) -> bool:
        """Whether a KeyboardInterrupt raised in `frame` would escape a host-call callback (`fastcall`'s, or
        wasmtime-py's component trampolines) instead of becoming `HostInterrupted` in a bound host function:
        `frame` runs under a callback but not inside a bound function's body (`_bind`'s functions catch it
        there; their own frame is not safe, it may be in the handler already), or in a finalizer."""
        child: FrameType | None = None
        current: FrameType | None = frame
        while current is not None:
            key = (current.f_globals.get("__name__"), current.f_code.co_name)
            if key[1] == "__del__":  # a finalizer (wasmtime-py's handles): Python ignores what escapes it
                return True
            if key in _GUARDS and child is not None:
                return False
            if key in _CALLBACKS:
                return True
            child, current = current, current.f_back
        return False

    def close(self) -> None:
        """Release every handle and preopen (stdio stays open)."""
        self.table.close_all()
        self.preopens.close()
