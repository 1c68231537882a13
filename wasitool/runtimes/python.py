"""wasitool's own Python WASI runtime on one wasm engine (wasmer or wasmtime)."""

from __future__ import annotations

from wasitool.runspec import RunResult, RunSpec


class PythonRuntime:
    """`wasitool.pyruntime.run(spec, engine)` in this process; available when the engine's packages import."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.name = f"python-{engine}"

    def available(self) -> str | None:
        from wasitool.engines import unavailable_reason

        return unavailable_reason(self.engine)

    def run(self, spec: RunSpec) -> RunResult:
        from wasitool import pyruntime

        return pyruntime.run(spec, self.engine, capture=True)


def on_wasmer() -> PythonRuntime:
    """The `python-wasmer` runtime."""
    return PythonRuntime("wasmer")


def on_wasmtime() -> PythonRuntime:
    """The `python-wasmtime` runtime."""
    return PythonRuntime("wasmtime")
