"""Python wasm engines behind one interface (the Protocol `wasitool.engines.protocol.Engine`).

`ENGINES` is plain data (a lazy registry, in order of preference): an engine's module is imported only
when that engine is loaded. The WASI host functions receive the engines' native Python ints: i32/i64
arguments arrive signed (pointers above 2 GiB are negative).
"""

from __future__ import annotations

import importlib
import sys
from functools import cache

from wasitool.errors import WasiError
from wasitool.plugins import Registry
from wasitool.typed import TYPE_CHECKING

if TYPE_CHECKING:
    from wasitool.engines.protocol import Engine

ENGINES: Registry[Engine] = Registry("engine", {
    "wasmer": "wasitool.engines.wasmer_engine:WasmerEngine",
    "wasmtime": "wasitool.engines.wasmtime_engine:WasmtimeEngine",
})
# What each engine needs: the first package is imported to tell whether the engine works, the others are only
# looked for (wasmer's compiler is imported on a compile-cache miss: `wasmer_engine.WasmerEngine._compile`).
PACKAGES = {"wasmer": ("wasmer", "wasmer_compiler_cranelift"), "wasmtime": ("wasmtime",)}
# The newest CPython each engine has binary wheels for (wasmer 1.1.0: 3.10; newer ones get an import stub).
NEWEST_PYTHON = {"wasmer": (3, 10)}
INSTALL_HINT = {
    "wasmer": "under Python 3.10: pip install 'wasitool[wasmer]'",
    "wasmtime": "pip install 'wasmtime>=50,<51' (a regular install of wasitool brings it)",
}
NO_ENGINE_FIX = INSTALL_HINT["wasmtime"]


@cache
def unavailable_reason(name: str) -> str | None:
    """None if the engine's packages import, else why not (one line)."""
    if name not in ENGINES:
        return f"unknown engine `{name}`"
    newest = NEWEST_PYTHON.get(name)
    if newest and sys.version_info[:2] > newest:
        running = "{}.{}".format(*sys.version_info[:2])
        return f"{name} has binary wheels only up to CPython {newest[0]}.{newest[1]} (this is {running})"
    first, *others = PACKAGES[name]
    try:
        importlib.import_module(first)
    except Exception as exc:  # a stub wheel may raise ImportError or anything else on import
        return f"`import {first}` failed: {' '.join(str(exc).split()) or type(exc).__name__}"
    from importlib.util import find_spec

    for package in others:
        if find_spec(package) is None:
            return f"`import {package}` failed: No module named '{package}'"
    return None


def available_engines() -> list[str]:
    """Engines whose packages import in this interpreter (imports each one)."""
    return [name for name in ENGINES if unavailable_reason(name) is None]


def choose_engine(requested: str | None = None) -> tuple[str, str]:
    """(engine name, why it was chosen); imports only what it has to."""
    if requested:
        reason = unavailable_reason(requested)
        if reason is not None:
            others = [e for e in ENGINES if e != requested and unavailable_reason(e) is None]
            fix = f"use --engine {others[0]}" if others else ""
            hint = INSTALL_HINT.get(requested)
            fix = f"{fix}, or {hint}" if fix and hint else (fix or hint or f"pick one of: {', '.join(ENGINES.names)}")
            raise WasiError(f"engine {requested} is not available: {reason}", fix)
        return requested, "requested with --engine"
    skipped: list[str] = []
    for name in ENGINES:
        reason = unavailable_reason(name)
        if reason is None:
            why = f"default: {name} is importable"
            return name, f"{why} ({'; '.join(skipped)})" if skipped else why
        skipped.append(f"{name}: {reason}")
    raise WasiError(f"no Python wasm engine is importable ({'; '.join(skipped)})", NO_ENGINE_FIX)


def default_engine() -> str:
    """wasmer if importable, else wasmtime."""
    return choose_engine()[0]


@cache
def load_engine(name: str | None = None) -> Engine:
    """The engine instance for `name` (default engine if None), created once per process."""
    return ENGINES.create(choose_engine(name)[0])
