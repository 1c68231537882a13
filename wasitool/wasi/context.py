"""WasiContext: the preview1 host functions over one fd table and one guest memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from wasitool.typed import TYPE_CHECKING

from .calls_fd import FdCalls
from .calls_misc import MiscCalls
from .config import WasiConfig
from .fdtable import FdTable
from .guard import SELF_GUARDED, guard
from .outputs import with_outputs
from .signatures import SIGNATURES, Signature

if TYPE_CHECKING:
    from typing import Any, TextIO

    from .interpose import Interposer
    from .trace import Tracer
    from .trace_decode import TraceEnv


HostFunction = Callable[..., "int | None"]


class WasiContext(MiscCalls, FdCalls):
    """One guest's WASI state. Raises `WasiError` at construction if a preopen cannot be opened.

    The fd_* and misc calls are its methods; the path_* calls (`calls_path`, with `sandbox`) and poll_oneoff
    (`calls_poll`) are families imported only when a guest links one of them (`host_functions`), so that a
    run that never opens a path or polls never imports them. Their methods run on this context all the same
    (each family is a `ContextBase` mixin).
    """

    def __init__(self, config: WasiConfig, trace: Tracer | TextIO | None = None,
                 interpose: Sequence[Interposer] = ()) -> None:
        """`trace`: a `wasi.trace.Tracer`, or a stream to trace every call to (nothing is wrapped if None);
        `interpose`: `wasi.interpose.Interposer`s (--inject, --deterministic, --record, --trace-stack), wrapped
        inside the trace."""
        table = FdTable((config.stdin, config.stdout, config.stderr), list(config.preopens))
        self._init_base(table)
        self._init_misc(list(config.argv), list(config.env), config.stderr)
        self._tracer: Tracer | None = None
        if trace is not None:
            from .trace import as_tracer  # only traced runs import the tracer and its decoders

            self._tracer = as_tracer(trace)
        self._interposers = tuple(interpose)

    def host_functions(self) -> Mapping[str, HostFunction]:
        """One callable per SIGNATURES entry: ints in wasm param order in, errno out.

        Each is made when first looked up (`HostFunctions`): an engine looks up only what the module imports.
        A call with out-pointers is its implementation (inputs in, outputs or an errno out) made whole by
        `outputs.with_outputs`, except the hand-written hot calls of `guard.SELF_GUARDED`; then the
        interposers and the tracer wrap it, if any.
        """
        return HostFunctions(self._host_function)

    def _host_function(self, name: str) -> HostFunction:
        sig = SIGNATURES[name]
        method = self._implementation(name)  # with out-pointers (not self-guarded): an `outputs.Implementation`
        fn: HostFunction = method
        if name not in SELF_GUARDED:
            if sig.outputs:
                fn = with_outputs(method, sig, self._view)
            fn = guard(fn)
        if self._interposers:
            fn = self._interpose(fn, sig)
        if self._tracer is not None and self._tracer.wants(name):
            fn = self._tracer.wrap(fn, sig, self._trace_env())
        return fn

    def _implementation(self, name: str) -> Any:
        """The method implementing the call `name`, bound to this context; its family imported if need be."""
        family: type
        if name.startswith("path_"):
            from .calls_path import PathCalls as family
        elif name == "poll_oneoff":
            from .calls_poll import PollCalls as family
        else:
            return getattr(self, name)
        return getattr(family, name).__get__(self)

    def _interpose(self, fn: Callable[..., int | None], sig: Signature) -> Callable[..., int | None]:
        from .interpose import HostEnv, Unmarked, interpose

        traced = self._tracer is not None and self._tracer.wants(sig.name)
        marks = self._tracer.marks if traced and self._tracer is not None else Unmarked()
        extra = self._tracer.extra if traced and self._tracer is not None else {}
        env = HostEnv(self._view, self._fds, marks, lambda: self._memory, extra, self._args.sizes(),
                      self._environ.sizes())
        return interpose(fn, sig, env, self._interposers)

    def _view(self) -> memoryview:
        return self._memory.view()

    def _trace_env(self) -> TraceEnv:
        from .trace_decode import TraceEnv

        assert self._tracer is not None
        return TraceEnv(self._view, self._tracer.max_bytes, self._args.count, self._environ.count)

    def attach(self, module: object) -> None:
        """Give the module the run instantiates (an engine's `CompiledModule`) to the interposers that need it
        (`wasi.stacks`)."""
        for interposer in self._interposers:
            attach = getattr(interposer, "attach", None)
            if attach is not None:
                attach(module)

    def flush(self) -> None:
        """Write out the trace's buffered lines (a forked run's child does before it exits)."""
        if self._tracer is not None:
            self._tracer.flush()

    def close(self) -> None:
        """Close every host fd the context opened (preopens, files); stdio fds stay open."""
        self._table.close_all()

    def __enter__(self) -> WasiContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HostFunctions(Mapping[str, HostFunction]):
    """`WasiContext.host_functions()`: every preview1 call by name, each made (`make(name)`) when first
    looked up and kept."""

    __slots__ = ("_made", "_make")

    def __init__(self, make: Callable[[str], HostFunction]) -> None:
        self._make = make
        self._made: dict[str, HostFunction] = {}

    def __getitem__(self, name: str) -> HostFunction:
        fn = self._made.get(name)
        if fn is None:
            if name not in SIGNATURES:
                raise KeyError(name)
            fn = self._made[name] = self._make(name)
        return fn

    def __iter__(self) -> Iterator[str]:
        return iter(SIGNATURES)

    def __len__(self) -> int:
        return len(SIGNATURES)


def import_call_families() -> None:
    """Import the families `WasiContext` otherwise imports on first use (a batch does before it forks, so
    that no child imports them)."""
    from . import calls_path, calls_poll  # noqa: F401
