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
exit means the program noticed and said so. The baseline and the reruns are one batch (`wasitool.batch`):
the engine loaded and the module compiled once, each run a forked child with its own interposers, `-j N`
at once; without `os.fork` each run is made in this process.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from wasitool.engines.limits import Limits
from wasitool.errors import WasiError
from wasitool.runspec import RunResult, RunSpec
from wasitool.wasi.interpose import Interposer

if TYPE_CHECKING:
    from wasitool.wasi.trace import Tracer

SpecFactory = Callable[[Path], RunSpec]  # a fresh workdir (made if need be) -> the run, its preopens put there
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
          timeout: float = DEFAULT_TIMEOUT, progress: Callable[[int, int], None] | None = None, jobs: int = 1,
          fork: bool | None = None) -> Sweep:
    """Record one run of the program, then rerun it once per call site (every call with `per_call`), up to
    `max_runs` reruns, each failing one call with its most likely errno.

    Every run is a forked child of one batch (`wasitool.batch`: the engine loaded once, the module compiled
    once, `jobs` reruns at once); with `fork=False` (the default where there is no `os.fork`) each run is
    made in this process, one after the other."""
    from wasitool.wasi.inject_errnos import most_likely

    runs = _Runs(make_spec, engine, timeout, jobs, hasattr(os, "fork") if fork is None else fork)
    baseline, calls = record(runs)
    targets: list[Call] = []
    sites: set[tuple[str, str]] = set()
    for call in calls:
        site = (call.name, call.where)
        if most_likely(call.name) is None or (not per_call and site in sites):
            continue
        sites.add(site)
        targets.append(call)
    targets, skipped = targets[:max_runs], max(0, len(targets) - max_runs)
    errnos = [most_likely(call.name) or "" for call in targets]  # `targets` are the calls that have one
    rules = [f"{call.name}={errno}@{call.nth}" for call, errno in zip(targets, errnos, strict=True)]
    outcomes = []
    if progress is not None and targets:
        progress(0, len(targets))
    with contextlib.closing(runs.reruns(rules)) as reruns:  # a failed run stops the batch's other children
        for call, errno, result in zip(targets, errnos, reruns, strict=True):
            changed = (result.stdout, result.stderr) != (baseline.stdout, baseline.stderr)
            outcomes.append(Outcome(call, errno, result.exit_code, result.trap, result.timeout is not None, changed))
            if progress is not None and len(outcomes) < len(targets):
                progress(len(outcomes), len(targets))
    return Sweep(baseline, calls, outcomes, skipped)


def record(runs: _Runs) -> tuple[RunResult, list[Call]]:
    """The baseline run and its calls, from a JSON trace in a file (a forked run writes it too)."""
    from wasitool.wasi.signatures import SIGNATURES
    from wasitool.wasi.stacks import Stacks, where
    from wasitool.wasi.trace import Tracer

    with tempfile.TemporaryFile("w+", encoding="utf-8") as stream:
        tracer = Tracer(stream, max_bytes=64, fmt="json")
        stacks = runs.engine == "wasmtime"  # who made the calls

        def plan() -> _Plan:
            return _Plan([Stacks(SIGNATURES)] if stacks else [], tracer)

        [result] = list(runs.run([plan]))
        stream.seek(0)
        lines = [json.loads(line) for line in stream]
    if result.unsupported:
        raise WasiError(f"the program cannot run here: {result.unsupported}", "try another engine with --engine")
    if result.timeout is not None:
        raise WasiError(f"the program itself did not finish within {runs.timeout:g}s, so no rerun could be judged",
                        "raise --timeout above its normal running time")
    calls, seen = [], dict[str, int]()
    for index, line in enumerate(lines, 1):
        seen[line["call"]] = seen.get(line["call"], 0) + 1
        calls.append(Call(index, line["call"], seen[line["call"]], line["args"], line.get("errno"),
                          where(line.get("stack", []))))
    return result, calls


class _Plan(NamedTuple):
    """One run's interposers (fresh for each run: they count calls) and trace."""

    interposers: list[Interposer]
    trace: Tracer | None


class _Runs:
    """The sweep's runs, each deterministic and in a fresh workdir: a batch of forked children, or (without
    fork) one run after the other in this process."""

    def __init__(self, make_spec: SpecFactory, engine: str, timeout: float, jobs: int, fork: bool) -> None:
        self.make_spec = make_spec
        self.engine = engine
        self.timeout = timeout
        self.jobs = jobs
        self.fork = fork

    def reruns(self, rules: Sequence[str]) -> Generator[RunResult, None, None]:
        """One run per --inject rule, in order."""
        from wasitool.wasi.inject import Injector, parse_rule

        parsed = [parse_rule(rule) for rule in rules]  # a bad rule stops the sweep before anything runs
        yield from self.run([functools.partial(_injecting, Injector([rule])) for rule in parsed])

    def run(self, plans: Sequence[Callable[[], _Plan]]) -> Iterator[RunResult]:
        """The result of each run, in order (`plans[i]()` makes run i's interposers)."""
        if not self.fork:
            for plan in plans:
                with _workdir() as workdir:
                    made = plan()
                    yield _run(_fixed(self.make_spec(workdir)), self.engine, self.timeout, made.interposers,
                               made.trace)
            return
        yield from self._batch(plans)

    def _batch(self, plans: Sequence[Callable[[], _Plan]]) -> Iterator[RunResult]:
        from wasitool.batch import run_batch
        from wasitool.wasi import WasiConfig, WasiContext
        from wasitool.wasi.deterministic import Determinism

        top = Path(tempfile.mkdtemp(prefix="wasitool-faults-"))

        def specs() -> Iterator[RunSpec]:  # taken one by one as the batch starts runs
            for index in range(len(plans)):
                yield _fixed(self.make_spec(top / str(index)))  # made only if the run has directories

        def context(spec: RunSpec, index: int, fds: tuple[int, int, int]) -> WasiContext:
            made = plans[index]()
            config = WasiConfig(argv=spec.argv, env=list(spec.env), preopens=list(spec.dirs), stdin=fds[0],
                                stdout=fds[1], stderr=fds[2])
            return WasiContext(config, trace=made.trace, interpose=[*made.interposers, Determinism()])

        try:
            for item in run_batch(specs(), self.engine, jobs=self.jobs, limits=Limits(self.timeout),
                                  context=context):
                workdir = top / str(item.position)
                if os.path.lexists(workdir):
                    shutil.rmtree(workdir, ignore_errors=True)
                if item.result is None:
                    raise item.error or WasiError("a run of the sweep gave no result")
                yield item.result
        finally:
            shutil.rmtree(top, ignore_errors=True)


def _injecting(injector: Interposer) -> _Plan:
    return _Plan([injector], None)


def _fixed(spec: RunSpec) -> RunSpec:
    """Never the terminal: every run reads the same input."""
    return spec._replace(stdin=spec.stdin or b"")


def _run(spec: RunSpec, engine: str, timeout: float, interposers: list[Interposer], trace: Tracer | None
         ) -> RunResult:
    from wasitool import pyruntime
    from wasitool.wasi.deterministic import Determinism

    return pyruntime.run(spec, engine, capture=True, trace=trace, limits=Limits(timeout),
                         interpose=[*interposers, Determinism()])


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="wasitool-faults-") as name:
        yield Path(name)
