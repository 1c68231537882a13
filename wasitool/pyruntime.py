"""Run a RunSpec on one of the Python engines with wasitool's own WASI implementation."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack

from wasitool.engines import load_engine
from wasitool.engines.base import ComponentGiven
from wasitool.engines.limits import Limits, timeout_line
from wasitool.engines.traps import trap_line
from wasitool.engines.values import CompiledModule, Outcome, WasiHost
from wasitool.errors import WasiError
from wasitool.runspec import RunResult, RunSpec
from wasitool.typed import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from typing import IO, TextIO

    from wasitool.engines.protocol import Engine
    from wasitool.wasi import WasiContext
    from wasitool.wasi.interpose import Interposer
    from wasitool.wasi.trace import Tracer


def run(spec: RunSpec, engine: str | None = None, *, capture: bool = False, trace: Tracer | TextIO | None = None,
        limits: Limits | None = None, interpose: Sequence[Interposer] = ()) -> RunResult:
    """Run `spec` to completion and report its exit status (and output, with `capture=True`).

    The guest sees exactly the spec's argv, env and preopens; nothing of the host's environment.
    Its stdin is `spec.stdin` if given, else this process's stdin; its stdout and stderr are this
    process's unless captured. A trap prints `wasitool: trap: ...` on the guest's stderr (exit 134), a
    run stopped at its time limit (`spec.timeout`, or `limits.timeout` which wins) prints
    `wasitool: timed out after Ns` (exit 124); Ctrl-C raises KeyboardInterrupt when
    `limits.interruptible` (as the CLI asks).
    `spec.requires` names wasm features the module needs: an engine lacking one gives `unsupported`.
    A `trace` (a `wasi.trace.Tracer`, or a stream) gets every call, then the Tracer's summary table.
    `interpose`: wrappers around the host calls (`wasi.interpose`: --inject, --deterministic).

    On an engine that needs a child process to enforce the limits (wasmer), the module is compiled
    here and run in the child (`engines.supervisor`), which also writes the trace and its summary:
    the trace's stream must then be a real file.
    """
    eng = load_engine(engine)
    missing = [f for f in spec.requires if not eng.supports(f)]
    if missing:
        return RunResult(0, unsupported=f"{', '.join(missing)} not supported by engine {eng.name}")
    if spec.timeout is not None and (limits is None or limits.timeout is None):
        limits = (limits or Limits()).with_timeout(spec.timeout)
    module: CompiledModule | ComponentGiven
    try:
        module = eng.compile(spec.module, spec.argv0 or None)  # messages name what the user gave
    except ComponentGiven as component:
        _check_component_run(eng, component)
        module = component
    with ExitStack() as stack:
        wanted = (spec.stdin is not None, capture, capture)
        stdin, out, err = (_temp_file(stack) if w else None for w in wanted)
        if stdin is not None:
            stdin.write(spec.stdin or b"")
            stdin.seek(0)
        fds = (stdin.fileno() if stdin else 0, out.fileno() if out else 1, err.fileno() if err else 2)
        if isinstance(module, ComponentGiven):
            outcome = _run_component_here(eng, module, spec, fds, trace, limits)
        elif limits is not None and eng.needs_child(limits):
            # compile any variant the limits need here: wasmer's compiler threads do not survive a fork
            outcome = _run_in_child(eng, eng.prepare(module, limits), spec, fds, trace, limits, interpose)
        else:
            outcome = _run_here(eng, module, spec, fds, trace, limits, _no_flush, interpose)
        if outcome.trap is not None:
            os.write(fds[2], trap_line(outcome.trap).encode())
        elif outcome.timeout is not None:
            os.write(fds[2], timeout_line(outcome.timeout).encode())
        return RunResult(outcome.exit_code, _read(out), _read(err), outcome.results, trap=outcome.trap,
                         timeout=outcome.timeout)


def _run_here(eng: Engine, module: CompiledModule, spec: RunSpec, fds: tuple[int, int, int],
              trace: Tracer | TextIO | None, limits: Limits | None, started: Callable[[], None],
              interpose: Sequence[Interposer]) -> Outcome:
    """Build the WASI context on `fds` (stdin, stdout, stderr) and run the module here (the trace summary
    too: the calls were counted here)."""
    if interpose and limits is not None:  # an interposer may hold the compiled module (`wasi.stacks`): the
        module = eng.prepare(module, limits)  # one the engine runs under these limits (epochs, fuel)
    ctx = _context(module, spec, fds, trace, interpose)
    try:
        host = WasiHost.from_context(ctx, _flusher(trace))
        started()
        outcome = eng.run(module, host, spec.invoke, limits)
    finally:
        ctx.close()
    _write_summary(trace)
    return outcome


def _run_in_child(eng: Engine, module: CompiledModule, spec: RunSpec, fds: tuple[int, int, int],
                  trace: Tracer | TextIO | None, limits: Limits, interpose: Sequence[Interposer]) -> Outcome:
    """Build the context and instantiate here, run the guest in a forked child (`engines.supervisor`), which
    writes the trace summary (the calls are counted there). Instantiated in the parent, the child copies
    fewer of its pages: ~1 ms less per run than building it all in the child."""
    from wasitool.engines import supervisor

    ctx = _context(module, spec, fds, trace, interpose)
    try:
        guest = eng.instantiate(module, WasiHost.from_context(ctx, _flusher(trace)), spec.invoke, limits.for_child())

        def work(started: Callable[[], None]) -> Outcome:  # pragma: no cover - runs in the child
            started()
            try:
                return guest()
            finally:
                ctx.close()
                _write_summary(trace)

        return supervisor.run_in_child(work, limits.timeout, _flusher(trace), module.label)
    finally:
        ctx.close()  # this process's copies of the guest's fds


def _context(module: CompiledModule, spec: RunSpec, fds: tuple[int, int, int], trace: Tracer | TextIO | None,
             interpose: Sequence[Interposer]) -> WasiContext:
    """The WASI context of one run of `module` on `fds` (stdin, stdout, stderr)."""
    from wasitool.wasi import WasiConfig, WasiContext

    config = WasiConfig(argv=spec.argv, env=list(spec.env), preopens=list(spec.dirs), stdin=fds[0],
                        stdout=fds[1], stderr=fds[2])
    ctx = WasiContext(config, trace=trace, interpose=interpose)
    ctx.attach(module)  # an interposer that needs the compiled module (`wasi.stacks`) gets it
    return ctx


def _write_summary(trace: Tracer | TextIO | None) -> None:
    summary = getattr(trace, "write_summary", None)
    if summary is not None:
        summary()


def _check_component_run(eng: Engine, component: ComponentGiven) -> None:
    """A component runs only on an engine with the component model."""
    if not hasattr(eng, "run_component"):
        raise WasiError(f"{component.label} is a component: the {eng.name} engine has no component model",
                        "run it with --engine wasmtime")


def _run_component_here(eng: Engine, component: ComponentGiven, spec: RunSpec, fds: tuple[int, int, int],
                        trace: Tracer | TextIO | None, limits: Limits | None) -> Outcome:
    """Run a WASI 0.2 command component (or call the function `spec.invoke` names) with wasitool's 0.2 host
    (`wasitool.wasip2`) on `fds`."""
    from wasitool.engines.wasmtime_engine import WasmtimeEngine
    from wasitool.wasi.config import WasiConfig
    from wasitool.wasip2.host import ComponentHost

    tracer = None
    if trace is not None:
        from wasitool.wasip2.trace import as_component_tracer

        tracer = as_component_tracer(trace)
    config = WasiConfig(argv=spec.argv, env=list(spec.env), preopens=list(spec.dirs), stdin=fds[0],
                        stdout=fds[1], stderr=fds[2])
    runner = cast(WasmtimeEngine, eng)  # `_check_component_run` refused engines without `run_component`
    host = ComponentHost(config, tracer)
    try:
        outcome = runner.run_component(component.data, component.label, host, limits, spec.invoke)
    finally:
        host.close()
    if tracer is not None:
        tracer.write_summary()
    return outcome


def _flusher(trace: Tracer | TextIO | None) -> Callable[[], None]:
    """What writes out the trace's buffered lines (a forked child must before it exits)."""
    return trace.flush if trace is not None else _no_flush


def _no_flush() -> None:
    pass


def _temp_file(stack: ExitStack) -> IO[bytes]:
    import tempfile  # only when stdin is given or output captured: keeps `wasitool run` startup lean

    return stack.enter_context(tempfile.TemporaryFile())


def _read(f: IO[bytes] | None) -> bytes:
    if f is None:
        return b""
    f.seek(0)
    return f.read()
