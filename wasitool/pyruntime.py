"""Run a RunSpec on one of the Python engines with wasitool's own WASI implementation."""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, TextIO

from wasitool.engines import load_engine
from wasitool.engines.base import WasiHost
from wasitool.engines.traps import trap_line
from wasitool.runspec import RunResult, RunSpec

if TYPE_CHECKING:
    from wasitool.wasi.trace import Tracer


def run(spec: RunSpec, engine: str | None = None, *, capture: bool = False, trace: Tracer | TextIO | None = None,
        requires: Iterable[str] = ()) -> RunResult:
    """Run `spec` to completion and report its exit status (and output, with `capture=True`).

    The guest sees exactly the spec's argv, env and preopens; nothing of the host's environment.
    Its stdin is `spec.stdin` if given, else this process's stdin; its stdout and stderr are this
    process's unless captured. A trap prints `wasitool: trap: ...` on the guest's stderr (exit 134).
    `requires` names wasm features the module needs: an engine lacking one gives `unsupported`.
    """
    eng = load_engine(engine)
    missing = [f for f in requires if not eng.supports(f)]
    if missing:
        return RunResult(0, unsupported=f"{', '.join(missing)} not supported by engine {eng.name}")
    module = eng.compile(spec.module)
    from wasitool.wasi import WasiConfig, WasiContext

    with ExitStack() as stack:
        wanted = (spec.stdin is not None, capture, capture)
        stdin, out, err = (_temp_file(stack) if w else None for w in wanted)
        if stdin is not None:
            stdin.write(spec.stdin or b"")
            stdin.seek(0)
        config = WasiConfig(
            argv=spec.argv,
            env=list(spec.env),
            preopens=list(spec.dirs),
            stdin=stdin.fileno() if stdin else 0,
            stdout=out.fileno() if out else 1,
            stderr=err.fileno() if err else 2,
        )
        ctx = WasiContext(config, trace=trace)
        try:
            outcome = eng.run(module, WasiHost.from_context(ctx), spec.invoke)
        finally:
            ctx.close()
        if outcome.trap is not None:
            os.write(config.stderr, trap_line(outcome.trap).encode())
        return RunResult(outcome.exit_code, _read(out), _read(err), outcome.results)


def _temp_file(stack: ExitStack) -> IO[bytes]:
    import tempfile  # only when stdin is given or output captured: keeps `wasitool run` startup lean

    return stack.enter_context(tempfile.TemporaryFile())


def _read(f: IO[bytes] | None) -> bytes:
    if f is None:
        return b""
    f.seek(0)
    return f.read()
