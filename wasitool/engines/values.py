"""The engine-independent values of a run: the WASI host an engine links, a compiled module and its
import/export types, how a run ended. Plain slotted classes: this module is on `wasitool run`'s start-up path."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wasitool.engines.limits import TIMEOUT_EXIT
from wasitool.engines.sections import ModuleFacts
from wasitool.typed import TYPE_CHECKING
from wasitool.wasi.errno import ENOSYS

if TYPE_CHECKING:
    from typing import Any

    from wasitool.wasi.memory import GuestMemory

WASI_MODULE = "wasi_snapshot_preview1"
WASM_MAGIC = b"\0asm"
VALUE_TYPES = ("i32", "i64", "f32", "f64")
START_EXPORT = "wasitool:start"  # the start function, exported by `sections.hoist_start`
MISSING_MEMORY_FIX = 'export the linear memory as `memory` (wasm-ld does; in WAT: (memory (export "memory") 1))'


class NoMemoryExport(BaseException):
    """A host call needed the guest's memory and the module exports none. A BaseException, so that the
    WASI layer's errno guard lets it through; `EngineAdapter.run` turns it into a one-line WasiError."""


class MissingMemory:
    """The GuestMemory of a module without a `memory` export: any access ends the run (as on the
    wasmtime CLI: "missing required memory export"); calls that need no memory still work."""

    __slots__ = ()

    def view(self) -> memoryview:
        raise NoMemoryExport


def _no_flush() -> None:
    pass


def not_implemented(*_args: int) -> int:
    """The host function linked for a preview1 import the WasiHost has no callable for: ENOSYS."""
    return ENOSYS


class WasiHost:
    """What an engine needs from the WASI side: callables, their signatures, the exit exception, and
    `flush` (write out buffered host output, e.g. a trace, before a forked run's child exits)."""

    __slots__ = ("bind_memory", "exit_type", "flush", "functions", "signatures")

    def __init__(self, functions: Mapping[str, Callable[..., Any]], signatures: Mapping[str, Any],
                 bind_memory: Callable[[GuestMemory], None], exit_type: type[BaseException],
                 flush: Callable[[], None] = _no_flush) -> None:
        self.functions = functions
        self.signatures = signatures  # name -> object with .params ((name, type), ...) and .results
        self.bind_memory = bind_memory
        self.exit_type = exit_type  # raised by proc_exit; carries `.code`
        self.flush = flush

    @classmethod
    def from_context(cls, ctx: Any, flush: Callable[[], None] | None = None) -> WasiHost:
        """Adapt a `wasitool.wasi.WasiContext` (`flush`: e.g. the trace stream's)."""
        from wasitool import wasi

        return cls(ctx.host_functions(), wasi.SIGNATURES, ctx.bind_memory, wasi.ProcExit, flush or _no_flush)

    def signature(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(param types, result types) of a preview1 function, as value-type strings."""
        sig = self.signatures[name]
        params = tuple(p[1] if isinstance(p, tuple) else str(p) for p in sig.params)
        return params, tuple(str(r) for r in sig.results)


class FuncSig:
    """A function type as value-type strings."""

    __slots__ = ("params", "results")

    def __init__(self, params: tuple[str, ...], results: tuple[str, ...]) -> None:
        self.params = params
        self.results = results

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FuncSig) and (self.params, self.results) == (other.params, other.results)

    def __hash__(self) -> int:
        return hash((self.params, self.results))

    def __str__(self) -> str:
        results = f" -> ({', '.join(self.results)})" if self.results else ""
        return f"({', '.join(self.params)}){results}"

    __repr__ = __str__


class ImportDesc:
    """One import of a module; `sig` is None for non-function imports."""

    __slots__ = ("kind", "module", "name", "sig")

    def __init__(self, module: str, name: str, kind: str, sig: FuncSig | None = None) -> None:
        self.module = module
        self.name = name
        self.kind = kind
        self.sig = sig


class CompiledModule:
    """A validated module plus its import and export types, ready to instantiate.

    `data` is what was compiled (a start section hoisted into the export `start`), `facts` its layout.
    """

    __slots__ = ("data", "exports", "facts", "imports", "label", "native", "start", "variant")

    def __init__(self, label: str, native: Any, imports: list[ImportDesc],
                 exports: dict[str, FuncSig | str], data: bytes = b"",
                 facts: ModuleFacts | None = None, start: str | None = None, variant: object = None) -> None:
        self.label = label  # file name, for messages
        self.native = native
        self.imports = imports
        self.exports = exports  # function exports map to their type, others to their kind (not `start`)
        self.data = data
        self.facts = facts or ModuleFacts(False)
        self.start = start
        self.variant = variant  # what `EngineAdapter._for_limits` compiled it for (None: as given)

    def recompiled(self, native: Any, data: bytes, variant: object) -> CompiledModule:
        """The same module compiled again (other bytes or engine settings) for `variant`."""
        return CompiledModule(self.label, native, self.imports, self.exports, data, self.facts, self.start, variant)


class Outcome:
    """How a run ended: the exit status, the values an invoked export returned, the trap if any, and
    the time limit if the run was stopped by it."""

    __slots__ = ("exit_code", "results", "timeout", "trap")

    def __init__(self, exit_code: int, results: list[int | float] | None = None,
                 trap: str | None = None, timeout: float | None = None) -> None:
        self.exit_code = exit_code
        self.results = results or []
        self.trap = trap
        self.timeout = timeout

    @classmethod
    def timed_out(cls, seconds: float) -> Outcome:
        return cls(TIMEOUT_EXIT, timeout=seconds)
