"""wasitool's own Python WASI runtime on one wasm engine (wasmer or wasmtime)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from wasitool.runspec import RunResult, RunSpec


class PythonRuntime:
    """`wasitool.pyruntime.run(spec, engine)` in this process (`run_many`: a batch, a forked child per run);
    available when the engine's packages import."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.name = f"python-{engine}"

    def available(self) -> str | None:
        from wasitool.engines import unavailable_reason

        return unavailable_reason(self.engine)

    def runs_components(self) -> bool:
        """True when the engine runs components (wasitool's WASI 0.2 host: the engine's `run_component`)."""
        from wasitool.engines import ENGINES, unavailable_reason

        return unavailable_reason(self.engine) is None and hasattr(ENGINES.factory(self.engine), "run_component")

    def run(self, spec: RunSpec) -> RunResult:
        from wasitool import pyruntime

        if not self.runs_components():
            from wasitool.runtimes.base import no_components

            refused = no_components(spec, f"the {self.engine} engine has no component model")
            if refused is not None:
                return refused
        return pyruntime.run(spec, self.engine, capture=True)

    def run_many(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunResult | BaseException, float]]:
        """Every spec as one batch (`wasitool.batch`: the engine loaded once, a forked child per run; a
        component is `unsupported` on an engine without the component model, as in `run`)."""
        from wasitool.batch import run_batch

        for item in run_batch(specs, self.engine):
            yield (item.result if item.result is not None else item.error or RuntimeError("no result"),
                   item.duration)


def on_wasmer() -> PythonRuntime:
    """The `python-wasmer` runtime."""
    return PythonRuntime("wasmer")


def on_wasmtime() -> PythonRuntime:
    """The `python-wasmtime` runtime."""
    return PythonRuntime("wasmtime")
