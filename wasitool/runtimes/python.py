"""wasitool's own Python WASI runtime on one wasm engine (wasmer or wasmtime)."""

from __future__ import annotations

import importlib
from typing import Any

from wasitool.runspec import RunResult, RunSpec


class PythonRuntime:
    """`wasitool.pyruntime.run(spec, engine)` in this process; available when the engine imports."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.name = f"python-{engine}"

    def available(self) -> str | None:
        try:
            importlib.import_module(self.engine)
        except Exception:  # an import stub or a broken wheel raises anything
            return f"{self.engine} is not importable in this Python"
        try:
            importlib.import_module("wasitool.pyruntime")
        except ImportError:
            return "wasitool.pyruntime is missing"
        return None

    def run(self, spec: RunSpec, example: Any = None) -> RunResult:
        from wasitool import pyruntime

        return pyruntime.run(spec, self.engine, capture=True)
