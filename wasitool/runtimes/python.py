"""wasitool's own Python WASI runtime on one wasm engine (wasmer or wasmtime)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wasitool.runspec import RunResult, RunSpec

if TYPE_CHECKING:
    from wasitool.examples import Example


class PythonRuntime:
    """`wasitool.pyruntime.run(spec, engine)` in this process; available when the engine's packages import."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.name = f"python-{engine}"

    def available(self) -> str | None:
        from wasitool.engines import unavailable_reason

        return unavailable_reason(self.engine)

    def run(self, spec: RunSpec, example: Example | None = None) -> RunResult:
        from wasitool import pyruntime

        return pyruntime.run(spec, self.engine, capture=True, requires=(example.requires if example else ()))
