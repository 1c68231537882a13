"""Fault sweeps (`wasitool faults`): record a program's host calls, then rerun it once per call site (or
per call), failing that one call with its most likely errno, and flag what looks like a bug.

Like libfiu or `strace --inject`, for WASI. Every run is deterministic (`wasi.deterministic`) and starts
from fresh copies of its preopened directories, so the recorded run is the baseline each rerun's output
is compared with and the N-th call of a kind is the same call in every run. A call site is the call's
name and where the guest made it (`where`: the two outermost guest functions on its stack, `main>fopen`,
on the wasmtime engine; on wasmer `-`, and the site is the call's name alone). Calls that cannot fail
for valid arguments (`inject_errnos.most_likely` is None: args_get, proc_exit, ...) are not swept.

A rerun looks like a bug when it traps, hangs (its time limit stopped it), or exits 0 with output
that differs from the baseline (the failure was swallowed and something else was printed); a non-zero
exit means the program noticed and said so. All reruns go through `rerun`, one function, so they can
move to a batch runner without touching the sweep.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wasitool.engines.limits import Limits
from wasitool.errors import WasiError
from wasitool.runspec import RunResult, RunSpec
from wasitool.wasi.interpose import Interposer

if TYPE_CHECKING:
    from wasitool.wasi.trace import Tracer

SpecFactory = Callable[[Path], RunSpec]  # a fresh workdir -> the run (its preopens materialised there)
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RUNS = 200


@dataclass(frozen=True)
class Call:
    """One recorded host call: its position in the run, name, decoded arguments, result, guest function."""

    index: int  # 1-based, over every call of the run
    name: str
    nth: int  # 1-based, over the calls of this name (the `@N` of its --inject rule)
    args: dict[str, object]
    errno: str | None  # None: the call did not return (proc_exit)
    where: str = "-"


@dataclass(frozen=True)
class Outcome:
    """One rerun with one injected fault."""

    call: Call
    errno: str
    exit_code: int
    trap: str | None
    timeout: bool
    output_changed: bool

    @property
    def suspect(self) -> str | None:
        """Why this looks like a bug, or None."""
        if self.trap is not None:
            return f"trap: {self.trap}"
        if self.timeout:
            return "hang"
        if self.exit_code == 0 and self.output_changed:
            return "exit 0, output changed"
        return None

    def json(self) -> dict[str, object]:
        return {"index": self.call.index, "call": self.call.name, "nth": self.call.nth, "where": self.call.where,
                "args": self.call.args, "errno": self.errno, "exit_code": self.exit_code, "trap": self.trap,
                "timeout": self.timeout, "output_changed": self.output_changed, "suspect": self.suspect}


@dataclass(frozen=True)
class Sweep:
    baseline: RunResult
    calls: list[Call]
    outcomes: list[Outcome]
    skipped: int  # sites (or calls) left out by max_runs


def sweep(make_spec: SpecFactory, engine: str, *, per_call: bool = False, max_runs: int = DEFAULT_MAX_RUNS,
          timeout: float = DEFAULT_TIMEOUT, progress: Callable[[int, int], None] | None = None) -> Sweep:
    """Record one run of the program, then rerun it once per call site (every call with `per_call`), up to
    `max_runs` reruns, each failing one call with its most likely errno."""
    from wasitool.wasi.inject_errnos import most_likely

    baseline, calls = record(make_spec, engine, timeout)
    targets: list[Call] = []
    sites: set[tuple[str, str]] = set()
    for call in calls:
        site = (call.name, call.where)
        if most_likely(call.name) is None or (not per_call and site in sites):
            continue
        sites.add(site)
        targets.append(call)
    outcomes = []
    for done, call in enumerate(targets[:max_runs]):
        if progress is not None:
            progress(done, min(len(targets), max_runs))
        errno = most_likely(call.name)
        assert errno is not None
        result = rerun(make_spec, engine, f"{call.name}={errno}@{call.nth}", timeout)
        changed = (result.stdout, result.stderr) != (baseline.stdout, baseline.stderr)
        outcomes.append(Outcome(call, errno, result.exit_code, result.trap, result.timeout is not None, changed))
    return Sweep(baseline, calls, outcomes, max(0, len(targets) - max_runs))


def record(make_spec: SpecFactory, engine: str, timeout: float) -> tuple[RunResult, list[Call]]:
    """The baseline run and its calls, from a JSON trace in a file (a forked run writes it too)."""
    from wasitool.wasi.signatures import SIGNATURES
    from wasitool.wasi.stacks import Stacks, where
    from wasitool.wasi.trace import Tracer

    with _workdir() as workdir, tempfile.TemporaryFile("w+", encoding="utf-8") as stream:
        tracer = Tracer(stream, max_bytes=64, fmt="json")
        stacks: list[Interposer] = [Stacks(SIGNATURES)] if engine == "wasmtime" else []  # who made the calls
        result = _run(make_spec(workdir), engine, timeout, stacks, tracer)
        stream.seek(0)
        lines = [json.loads(line) for line in stream]
    if result.unsupported:
        raise WasiError(f"the program cannot run here: {result.unsupported}", "try another engine with --engine")
    if result.timeout is not None:
        raise WasiError(f"the program itself did not finish within {timeout:g}s, so no rerun could be judged",
                        "raise --timeout above its normal running time")
    calls, seen = [], dict[str, int]()
    for index, line in enumerate(lines, 1):
        seen[line["call"]] = seen.get(line["call"], 0) + 1
        calls.append(Call(index, line["call"], seen[line["call"]], line["args"], line.get("errno"),
                          where(line.get("stack", []))))
    return result, calls


def rerun(make_spec: SpecFactory, engine: str, inject: str, timeout: float) -> RunResult:
    """One run with the --inject rule `inject`, in this process (the seam for a batch runner)."""
    from wasitool.wasi.inject import Injector, parse_rule

    with _workdir() as workdir:
        return _run(make_spec(workdir), engine, timeout, [Injector([parse_rule(inject)])], None)


def _run(spec: RunSpec, engine: str, timeout: float, interposers: list[Interposer], trace: Tracer | None
         ) -> RunResult:
    from wasitool import pyruntime
    from wasitool.wasi.deterministic import Determinism
    spec = spec._replace(stdin=spec.stdin or b"")  # never the terminal: every run reads the same input
    return pyruntime.run(spec, engine, capture=True, trace=trace, limits=Limits(timeout),
                         interpose=[*interposers, Determinism()])


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="wasitool-faults-") as name:
        yield Path(name)
