"""One-line errors for modules that load but cannot run here: which feature, which engine, what to do.

`compile_error` turns an engine's validation failure into either "needs <feature>, which the <engine>
engine lacks" (with the other engine, or a rebuild, as the fix) or "not a valid WebAssembly module".
`check_runnable` refuses, before anything runs, what wasitool's WASI runtime cannot give a module on
any engine: shared memories, 64-bit memories, an initial memory above `--max-memory`.
Only imported on those paths (and for modules that declare memories: cheap attribute checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wasitool.engines.sections import PAGE, ModuleFacts
from wasitool.errors import WasiError

if TYPE_CHECKING:
    from wasitool.engines.protocol import Engine

LEGACY_EH_FIX = ("rebuild with `-fwasm-exceptions -mllvm -wasm-use-legacy-eh=false` (the standard exnref "
                 "encoding, which --engine wasmtime runs)")

FEATURE_NAMES = {
    "exceptions": "wasm exception handling",
    "legacy-exceptions": "the legacy wasm exception-handling encoding (try/catch/delegate)",
    "threads": "shared memory and atomics (the threads proposal)",
    "memory64": "64-bit memories (memory64)",
    "multi-memory": "multiple memories",
    "tail-call": "tail calls",
    "simd": "128-bit SIMD",
    "gc": "wasm GC types",
    "function-references": "typed function references",
    "reference-types": "reference types",
    "bulk-memory": "bulk memory operations",
    "extended-const": "extended constant expressions",
    "multi-value": "multiple results (multi-value)",
    "sign-ext": "sign-extension operators",
    "nontrapping-float-to-int": "non-trapping float-to-int conversions",
}

# Lower-cased wording of the engines' validators (wasmparser of several ages) -> the feature it names.
# Checked in order: the legacy encoding before exceptions in general.
_MESSAGES = (
    ("legacy_exceptions", "legacy-exceptions"),
    ("legacy exceptions", "legacy-exceptions"),
    ("exceptions support is not enabled", "exceptions"),
    ("exceptions proposal not enabled", "exceptions"),
    ("unknown opcode: 0x1f", "exceptions"),  # try_table
    ("unknown opcode: 0xa ", "exceptions"),  # throw_ref
    ("unknown opcode: 0x0a", "exceptions"),
    ("threads must be enabled", "threads"),
    ("threads support is not enabled", "threads"),
    ("unknown opcode: 0xfe", "threads"),
    ("memory64 must be enabled", "memory64"),
    ("memory64 support is not enabled", "memory64"),
    ("multiple memories", "multi-memory"),
    ("multi-memory support is not enabled", "multi-memory"),
    ("tail calls support is not enabled", "tail-call"),
    ("simd support is not enabled", "simd"),
    ("unknown opcode: 0xfd", "simd"),
    ("invalid leading byte in type definition", "gc"),
    ("gc support is not enabled", "gc"),
    ("gc proposal", "gc"),
    ("function references", "function-references"),
    ("reference types support is not enabled", "reference-types"),
    ("bulk memory support is not enabled", "bulk-memory"),
    ("saturating float to int conversions support is not enabled", "nontrapping-float-to-int"),
    ("sign extension operations support is not enabled", "sign-ext"),
    ("extended const", "extended-const"),
    ("multi-value", "multi-value"),
)
# Opcodes that exist only in the legacy exception encoding: try, catch, rethrow, delegate, catch_all.
_LEGACY_EH_OPCODES = frozenset({0x06, 0x07, 0x09, 0x18, 0x19})


def feature_of(message: str, data: bytes = b"") -> str | None:
    """The feature a validation error names, if any (the module bytes resolve the legacy encoding)."""
    text = message.lower()
    feature = next((f for pattern, f in _MESSAGES if pattern in text), None)
    if feature == "exceptions" and _legacy_opcode_at(text, data):
        return "legacy-exceptions"
    return feature


def _legacy_opcode_at(text: str, data: bytes) -> bool:
    """wasmer's validator knows only the legacy opcodes: the byte at the offset it reports tells."""
    marker = "(at offset "
    if marker not in text:
        return False
    digits = text.split(marker, 1)[1].split(")", 1)[0].strip()
    try:
        offset = int(digits, 0)
    except ValueError:
        return False
    return 0 <= offset < len(data) and data[offset] in _LEGACY_EH_OPCODES


def compile_error(engine: Engine, label: str, data: bytes, message: str) -> WasiError:
    """The one-line error for a module `engine` refused to compile (memories no engine could run
    here are named as such first: "use --engine X" would only lead to that error)."""
    from wasitool.engines.sections import scan

    try:
        check_runnable(label, scan(data), None)
    except WasiError as exc:
        return exc
    feature = feature_of(message, data)
    if feature is None:
        return WasiError(f"{label} is not a valid WebAssembly module: {message}",
                         "rebuild it, or check it with `wasm-validate`")
    needs = f"{label} needs {FEATURE_NAMES.get(feature, feature)}, which the {engine.name} engine lacks"
    if feature == "legacy-exceptions":
        return WasiError(needs, LEGACY_EH_FIX)
    other = _other_engine_supporting(engine.name, feature, data)
    if other is not None:
        return WasiError(needs, f"use --engine {other}")
    return WasiError(needs, "rebuild it without that feature, or run it on a runtime that has it "
                            "(`wasitool check` lists the runtimes found)")


def _other_engine_supporting(name: str, feature: str, data: bytes) -> str | None:
    """Another engine importable here that compiles this very module (so the advice is tested)."""
    from wasitool.engines import ENGINES, load_engine, unavailable_reason

    for other in ENGINES:
        if other == name or unavailable_reason(other) is not None:
            continue
        engine = load_engine(other)
        if engine.compiles(data):
            return other
    return None


def check_runnable(label: str, facts: ModuleFacts, max_memory: int | None) -> None:
    """Refuse memories WASI preview1 cannot use here, and an initial memory above the limit."""
    for memory in facts.memories:
        if memory.shared:
            raise WasiError(f"{label} defines a shared memory (threads), which wasitool's WASI runtime "
                            "does not support", "build it without threads (no -pthread, no --shared-memory)")
        if memory.is64:
            raise WasiError(f"{label} defines a 64-bit memory (memory64), but WASI preview1 addresses "
                            "32-bit memories", "build it for wasm32-wasip1")
        if max_memory is not None and memory.minimum * PAGE > max_memory:
            raise WasiError(f"{label} starts with {memory.minimum * PAGE} bytes of memory "
                            f"({memory.minimum} pages), more than --max-memory {max_memory}",
                            "raise --max-memory, or drop it")
