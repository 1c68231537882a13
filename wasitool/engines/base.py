"""The base class every engine adapter derives from (`EngineAdapter`, satisfying `protocol.Engine`) and
the engine-independent checks of a run (its values are in `values`).

An adapter only knows how to compile, link, instantiate and call; everything a user sees (which
imports are allowed, what `_start` missing means, how invoke arguments are typed, how a trap or
`proc_exit` becomes an exit status) is decided here, so both engines behave the same.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

from wasitool.engines.limits import NO_LIMITS, Limits
from wasitool.engines.sections import ModuleFacts, scan
from wasitool.engines.traps import TRAP_EXIT_CODE
from wasitool.engines.values import (
    MISSING_MEMORY_FIX,
    START_EXPORT,
    VALUE_TYPES,
    WASI_MODULE,
    WASM_MAGIC,
    CompiledModule,
    FuncSig,
    ImportDesc,
    NoMemoryExport,
    Outcome,
    WasiHost,
)
from wasitool.errors import InternalError, WasiError, WasitoolError
from wasitool.runspec import Invoke
from wasitool.typed import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    _T = TypeVar("_T")


class EngineAdapter(ABC):
    """A thin adapter over one Python wasm engine package: the shared behaviour of every `Engine`."""

    name: ClassVar[str]
    has_fuel: ClassVar[bool] = False  # whether `Limits.fuel` can be enforced

    def __init__(self) -> None:
        self._features: dict[str, bool] = {}

    # --- adapter hooks -------------------------------------------------------------------------
    @abstractmethod
    def _compile(self, data: bytes) -> Any:
        """Compile and validate; raise any exception on failure (its message is reported)."""

    @staticmethod
    @abstractmethod
    def _kind_and_sig(extern_type: Any) -> tuple[str, FuncSig | None]:
        """The kind (`func`, `memory`, ...) of an engine's import/export type, and a function's signature."""

    def _describe(self, native: Any, data: bytes,
                  facts: ModuleFacts) -> tuple[list[ImportDesc], dict[str, FuncSig | str]]:
        """The imports and exports of a compiled module, read from its binary (`sections.interface`):
        wasmtime's C API aborts the process when asked about a v128 or typed-reference value type. The
        engine's reflection is the fallback for an encoding that reader does not know."""
        from wasitool.engines.sections import interface

        found = interface(data, facts)
        if found is None:
            return self._reflect(native)
        imports_found, exports_found = found
        imports = [ImportDesc(module, name, kind, FuncSig(*sig) if sig is not None else None)
                   for module, name, kind, sig in imports_found]
        exports: dict[str, FuncSig | str] = {
            name: FuncSig(*sig) if sig is not None else kind for name, (kind, sig) in exports_found.items()}
        return imports, exports

    def _reflect(self, native: Any) -> tuple[list[ImportDesc], dict[str, FuncSig | str]]:
        """The imports and exports as the engine describes them (both engines expose `.imports`/`.exports`)."""
        imports = [ImportDesc(i.module, i.name or "", *self._kind_and_sig(i.type)) for i in native.imports]
        exports: dict[str, FuncSig | str] = {}
        for e in native.exports:
            kind, sig = self._kind_and_sig(e.type)
            exports[e.name] = sig or kind
        return imports, exports

    def _cache_tag(self) -> str | None:
        """Identifies the engine build and configuration for the compile cache; None: no caching."""
        return None

    def _serialize(self, native: Any) -> bytes:
        raise NotImplementedError

    def _deserialize(self, artifact: bytes) -> Any:
        raise NotImplementedError

    @staticmethod
    @abstractmethod
    def _wat2wasm(text: str) -> bytes | bytearray:
        """Assemble WebAssembly text with the engine's own parser; raise any exception on a syntax error."""

    @abstractmethod
    def _instantiate(self, module: CompiledModule, host: WasiHost, limits: Limits) -> Any:
        """Link the WASI imports, instantiate and bind the exported memory (or a `MissingMemory`);
        return the instance. Runs no guest code (start sections are hoisted into `module.start`)."""

    def _is_engine_error(self, exc: BaseException) -> bool:
        """Whether `exc` is the engine refusing something (a resource limit, ...) rather than a bug."""
        return False

    def _for_limits(self, module: CompiledModule, limits: Limits) -> CompiledModule:
        """The module to run under `limits` (an adapter may recompile it, e.g. with fuel metering); a module
        already compiled for them (`module.variant`) is returned as is."""
        return module

    def prepare(self, module: CompiledModule, limits: Limits) -> CompiledModule:
        """`module` compiled as `limits` need (`run` does it too; a forked child must not compile)."""
        return self._for_limits(module, limits)

    def needs_child(self, limits: Limits) -> bool:
        """Whether enforcing `limits` takes a supervising parent process (`engines.supervisor`)."""
        return False

    def _execute(self, module: CompiledModule, host: WasiHost, calls: list[tuple[str, Sequence[int | float]]],
                 limits: Limits) -> Outcome:
        """Run `calls` on a new instance, enforcing the time limit and Ctrl-C (adapters add how)."""
        return self._run_calls(module, host, calls, limits)

    @abstractmethod
    def _call(self, instance: Any, export: str, args: Sequence[int | float]) -> list[int | float]:
        """Call an export and return its results as a list."""

    @abstractmethod
    def _trap_message(self, exc: BaseException) -> str | None:
        """The normalized trap text if `exc` is a wasm trap, else None."""

    def compiles(self, data: bytes) -> bool:
        """Whether this engine compiles `data` (no diagnosis, no error)."""
        try:
            self._compile(data)
        except Exception:
            return False
        return True

    # --- public API ----------------------------------------------------------------------------
    def compile(self, source: bytes | Path | str, label: str | None = None) -> CompiledModule:
        """Load and validate a module from bytes or a path; failures become one-line WasiErrors."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            data, label = bytes(source), label or "module"
        else:
            path = Path(source)
            label = label or path.name
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise WasiError(f"cannot read {path}: {exc.strerror or exc}") from None
        check_header(data, label)
        facts = scan(data)
        start = None
        original = data
        if facts.start is not None and facts.parsed:
            from wasitool.engines.sections import hoist_start

            try:
                data, start = hoist_start(data, facts, START_EXPORT)
                facts = scan(data)
            except (ValueError, IndexError):  # a malformed export section: the engine will say what is wrong
                data, start = original, None
        native = self._load_cached(data, label, original)
        imports, exports = self._describe(native, data, facts)
        exports.pop(start or "", None)
        return CompiledModule(label, native, imports, exports, data, facts, start)

    def _load_cached(self, data: bytes, label: str, original: bytes | None = None) -> Any:
        tag = self._cache_tag()
        path = None
        if tag is not None:
            from wasitool.engines import compile_cache as cache

            path = cache.entry_path(tag, data)
            artifact = cache.load(path)
            if artifact is not None:
                try:
                    return self._deserialize(artifact)
                except Exception:  # another engine build wrote it, or it is damaged: recompile
                    pass
        try:
            native = self._compile(data)
        except Exception as exc:
            hoisted = original is not None and original is not data
            raise (self._compile_error(label, original) if hoisted else self._diagnosis(label, data, exc)) from None
        if path is not None:
            try:
                artifact = self._serialize(native)
            except Exception:
                return native
            cache.save(path, artifact)
        return native

    def wat2wasm(self, text: str, label: str) -> bytes:
        """WebAssembly text to binary, as `wasmtime run x.wat` does; WatSyntaxError with the parser's text."""
        try:
            return bytes(self._wat2wasm(text))
        except Exception as exc:
            raise WatSyntaxError(label, str(exc).replace("<anon>", label)) from None

    def _diagnosis(self, label: str, data: bytes, exc: BaseException) -> WasiError:
        from wasitool.engines.diagnose import compile_error

        return compile_error(self, label, data, first_line(exc))

    def _compile_error(self, label: str, original: bytes | None) -> WasiError:
        """The error for the module as the user gave it (offsets then match their file)."""
        try:
            self._compile(original or b"")
        except Exception as exc:
            return self._diagnosis(label, original or b"", exc)
        return WasiError(f"{label} cannot be compiled once its start section is moved into an export",
                         "report it: this is a wasitool bug")  # pragma: no cover - hoisting keeps validity

    def run(self, module: CompiledModule, host: WasiHost, invoke: Invoke | None = None,
            limits: Limits | None = None) -> Outcome:
        """Instantiate with WASI linked in and run the start function, then `_start` (or `_initialize`
        and the invoked export) to completion, within `limits`."""
        limits = limits or NO_LIMITS
        module, calls = self._plan(module, host, invoke, limits)
        return self._execute(module, host, calls, limits)

    def instantiate(self, module: CompiledModule, host: WasiHost, invoke: Invoke | None = None,
                    limits: Limits | None = None) -> Callable[[], Outcome]:
        """Everything `run` does before guest code runs, now; the returned callable runs the guest.

        For a batch: the instance is made in the parent, the guest runs in a forked child (which then
        copies only the pages it writes). `limits` may hold no time limit and no Ctrl-C: the caller
        enforces those (by killing the child)."""
        limits = limits or NO_LIMITS
        if limits.timeout is not None or limits.interruptible:
            raise InternalError("ValueError", "instantiate() takes no time limit and no Ctrl-C")
        module, calls = self._plan(module, host, invoke, limits)
        ready = self._guarded(module, host, lambda: self._instance(module, host, limits))
        if isinstance(ready, Outcome):  # a trap, or proc_exit, while instantiating
            return lambda: ready
        return lambda: self._guarded(module, host, lambda: self._calls(ready, calls))

    def _plan(self, module: CompiledModule, host: WasiHost, invoke: Invoke | None,
              limits: Limits) -> tuple[CompiledModule, list[tuple[str, Sequence[int | float]]]]:
        """Check the module can run under `limits`; the module to run (`_for_limits`) and the calls to make."""
        check_imports(module, host)
        entry, args = resolve_entry(module, invoke)
        if limits.max_memory is not None or not all(m.plain for m in module.facts.memories):
            from wasitool.engines.diagnose import check_runnable

            check_runnable(module.label, module.facts, limits.max_memory)
        if limits.fuel is not None and not self.has_fuel:
            raise WasiError(f"the {self.name} engine cannot count fuel (--fuel)",
                            "use --engine wasmtime, or limit the run with --timeout SECONDS")
        module = self._for_limits(module, limits)
        calls: list[tuple[str, Sequence[int | float]]] = [(module.start, ())] if module.start else []
        if invoke is not None and "_initialize" in module.exports:
            calls.append(("_initialize", ()))
        calls.append((entry, args))
        return module, calls

    def _run_calls(self, module: CompiledModule, host: WasiHost, calls: list[tuple[str, Sequence[int | float]]],
                   limits: Limits) -> Outcome:
        """Instantiate and make `calls` in order; the last one's results are the run's. A trap or
        `proc_exit` ends the run; an engine refusing the instance is a one-line WasiError; anything
        else is a wasitool bug (InternalError)."""
        return self._guarded(module, host, lambda: self._calls(self._instance(module, host, limits), calls))

    def _instance(self, module: CompiledModule, host: WasiHost, limits: Limits) -> Any:
        try:
            return self._instantiate(module, host, limits)
        except Exception as exc:
            if self._trap_message(exc) is None and self._is_engine_error(exc):
                raise WasiError(f"the {self.name} engine cannot instantiate {module.label}: {first_line(exc)}",
                                "check the module's memory and table sizes, or try the other --engine") from None
            raise

    def _calls(self, instance: Any, calls: list[tuple[str, Sequence[int | float]]]) -> Outcome:
        results: list[int | float] = []
        for export, args in calls:
            results = self._call(instance, export, args)
        return Outcome(0, results)

    def _guarded(self, module: CompiledModule, host: WasiHost, step: Callable[[], _T]) -> _T | Outcome:
        """`step()`, with a trap or `proc_exit` turned into the run's Outcome and errors into one line."""
        try:
            return step()
        except host.exit_type as exc:
            return Outcome(int(getattr(exc, "code", 1)))
        except NoMemoryExport:
            raise WasiError(f"{module.label} makes WASI calls that need its memory, but exports no memory "
                            "named `memory`", MISSING_MEMORY_FIX) from None
        except (WasitoolError, KeyboardInterrupt):
            raise
        except Exception as exc:
            trap = self._trap_message(exc)
            if trap is not None:
                return Outcome(TRAP_EXIT_CODE, trap=trap)
            if self._is_engine_error(exc):  # e.g. wasmtime's "GC heap out of memory": an error, not a trap
                raise WasiError(f"the {self.name} engine stopped {module.label}: {first_line(exc)}",
                                "give it more memory (--max-memory), or run it on another runtime") from None
            raise InternalError(type(exc).__name__, f"{first_line(exc)} (running {module.label} on "
                                f"{self.name})") from exc

    def supports(self, feature: str) -> bool:
        """Whether this engine compiles modules using a post-MVP proposal (probed once, cached)."""
        from wasitool.engines.features import FEATURE_PROBES  # only when features are asked about

        if feature not in FEATURE_PROBES:
            raise WasiError(f"unknown wasm feature `{feature}`",
                            f"known features: {', '.join(sorted(FEATURE_PROBES))}")
        if feature not in self._features:
            self._features[feature] = self.compiles(FEATURE_PROBES[feature])
        return self._features[feature]

    def features(self) -> frozenset[str]:
        """Every known proposal this engine supports."""
        from wasitool.engines.features import FEATURE_PROBES

        return frozenset(f for f in FEATURE_PROBES if self.supports(f))


class ComponentGiven(WasiError):
    """`check_header` found a component, not a core module: `data` is its binary (`pyruntime` runs it
    on an engine with the component model; everyone else reports this error)."""

    def __init__(self, label: str, data: bytes) -> None:
        super().__init__(f"{label} is a component, not a core module",
                         "run it with `wasitool run` on the wasmtime engine, or build a core module for wasm32-wasip1")
        self.label = label
        self.data = data


class WatSyntaxError(WasiError):
    """The engine's text parser rejected a `.wat` file; `message` is the parser's full report."""

    def __init__(self, label: str, message: str) -> None:
        super().__init__(f"{label} is not valid WebAssembly text", "fix the error shown above")
        self.message = message


def first_line(exc: BaseException) -> str:
    """The most informative single line of an engine's (often multi-line) error text."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[0]
    if "Caused by:" in lines:  # wasmtime: context first, root cause last
        causes = lines[lines.index("Caused by:") + 1 :]
        if causes:
            text = causes[-1]
            if text[:1].isdigit() and ": " in text:  # "1: wasm trap: ..." numbered chains
                text = text.split(": ", 1)[1]
    for prefix in ("RuntimeError: ", "Validation error: ", "WebAssembly translation error: "):
        text = text.removeprefix(prefix)
    return text


def check_header(data: bytes, label: str) -> None:
    """Reject non-wasm files and components before an engine tries (wasmer would parse text as WAT)."""
    if data[:4] != WASM_MAGIC:
        what = "empty" if not data else "not a WebAssembly binary (no \\0asm magic)"
        raise WasiError(f"{label} is {what}", "pass a .wasm file built for wasm32-wasi")
    if len(data) < 8:
        raise WasiError(f"{label} is truncated (the header is incomplete)", "rebuild it")
    if data[4:8] != b"\x01\0\0\0":
        if data[6:8] == b"\x01\0":
            raise ComponentGiven(label, data)
        raise WasiError(f"{label} is an unknown wasm version", "build a core module for wasm32-wasip1")


def check_imports(module: CompiledModule, host: WasiHost) -> None:
    """Every import must be a preview1 function with exactly the preview1 signature."""
    for imp in module.imports:
        qualified = f"{imp.module}.{imp.name}"
        if imp.module != WASI_MODULE or imp.name not in host.signatures:
            raise WasiError(f"{module.label} imports unknown {imp.kind} `{qualified}`",
                            f"only {WASI_MODULE} functions are provided")
        if imp.sig is None:
            raise WasiError(f"{module.label} imports `{qualified}` as a {imp.kind}, but it is a function")
        expected = FuncSig(*host.signature(imp.name))
        if imp.sig != expected:
            raise WasiError(f"{module.label} imports `{qualified}` with type {imp.sig}, "
                            f"but WASI defines {expected}")


def resolve_entry(module: CompiledModule, invoke: Invoke | None) -> tuple[str, list[int | float]]:
    """The export to call and its arguments converted to the export's parameter types."""
    if invoke is None:
        start = module.exports.get("_start")
        if not isinstance(start, FuncSig):
            raise WasiError(f"{module.label} has no `_start` export (is it a library?)",
                            "call one of its exports with --invoke EXPORT [ARGS...]")
        if start.params:
            raise WasiError(f"`_start` of {module.label} takes parameters {start}, but a WASI command's "
                            "`_start` takes none", "call it with --invoke _start ARGS...")
        _check_results(module, "_start", start)
        return "_start", []
    sig = module.exports.get(invoke.export)
    if sig is None:
        funcs = sorted(n for n, s in module.exports.items() if isinstance(s, FuncSig))
        raise WasiError(f"{module.label} has no export `{invoke.export}`",
                        f"exported functions: {', '.join(funcs) or 'none'}")
    if not isinstance(sig, FuncSig):
        raise WasiError(f"export `{invoke.export}` of {module.label} is a {sig}, not a function")
    _check_results(module, invoke.export, sig)
    if len(invoke.args) != len(sig.params):
        raise WasiError(f"`{invoke.export}` takes {len(sig.params)} argument(s) {sig}, "
                        f"got {len(invoke.args)}")
    return invoke.export, [fit_argument(v, t, invoke.export, i) for i, (v, t) in
                           enumerate(zip(invoke.args, sig.params, strict=True), 1)]


def _check_results(module: CompiledModule, export: str, sig: FuncSig) -> None:
    """Results must be numbers wasitool can print (wasmer 1.1 cannot even return a v128)."""
    odd = [t for t in sig.results if t not in VALUE_TYPES]
    if odd:
        raise WasiError(f"`{export}` of {module.label} returns {', '.join(odd)}, which wasitool cannot print",
                        f"call an export returning only {', '.join(VALUE_TYPES)}")


_INT_RANGE = {"i32": 32, "i64": 64}


def fit_argument(value: int | float, wasm_type: str, export: str, index: int) -> int | float:
    """One invoke argument (a number: the command line's text is parsed by the command, `runspec.parse_number`)
    as the engines take it for a parameter of `wasm_type`: an integer in range, signed; a float."""
    where = f"argument {index} of `{export}` ({wasm_type})"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WasiError(f"{where} must be a number, got {value!r}")
    if wasm_type in _INT_RANGE:
        if isinstance(value, float):
            if not value.is_integer():
                raise WasiError(f"{where} must be an integer, got {value}")
            value = int(value)
        bits = _INT_RANGE[wasm_type]
        if not -(1 << (bits - 1)) <= value < (1 << bits):
            raise WasiError(f"{where} is out of range: {value}")
        return value - (1 << bits) if value >= (1 << (bits - 1)) else value  # engines take signed
    if wasm_type in ("f32", "f64"):
        return float(value)
    raise WasiError(f"{where}: cannot pass a {wasm_type} from the command line")
