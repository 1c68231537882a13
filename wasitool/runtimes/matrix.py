"""Run examples on runtimes and judge every cell of the (rows × runtimes) matrix.

A row is one module an example's build makes (`Row`): the example's name for its preview1 core module, and
`NAME.p2` for its WASI 0.2 component (`wasi = ["p1", "p2"]` in the table), judged by the same expectation
(with the component differences of `wasitool.legit_differences`).

A cell is `pass`, `fail` (with the first differing line), `unsupported` (the runtime cannot run the
example: a missing wasm feature, no native build, a declared skip) or `not found` (the runtime is not
on this machine). Only `fail` cells make `wasitool check` fail.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, runtime_checkable

from wasitool.errors import WasitoolError
from wasitool.runspec import RunResult, RunSpec
from wasitool.runtimes.base import Runtime, timeout_seconds

if TYPE_CHECKING:
    from wasitool.examples import Example, Expectation
    from wasitool.runspec import RunSpec

CheckStatus = Literal["pass", "fail", "unsupported", "not found"]
PASS: CheckStatus = "pass"
FAIL: CheckStatus = "fail"
UNSUPPORTED: CheckStatus = "unsupported"
NOT_FOUND: CheckStatus = "not found"


class Judged(Protocol):
    """What a cell is made from: a name, an expectation and the RunSpec of a run (an `Example` or a `Row`)."""

    @property
    def name(self) -> str: ...

    @property
    def expect(self) -> Expectation: ...

    def run_spec(self, workdir: Path) -> RunSpec: ...


class Row(NamedTuple):
    """One row of the matrix: an example built for one WASI target."""

    name: str  # the example's name (p1), or `NAME.p2` (p2)
    example: Example
    module: Path

    @property
    def expect(self) -> Expectation:
        return self.example.expect

    def run_spec(self, workdir: Path) -> RunSpec:
        return self.example.run_spec(workdir, self.module)


def rows(examples: Sequence[Example]) -> list[Row]:
    """Every module the examples' builds make, in table order: `NAME` (p1) then `NAME.p2` (p2)."""
    return [Row(example.name if target == "p1" else f"{example.name}.{target}", example, module)
            for example in examples for target, module in example.modules.items()]


@runtime_checkable
class BatchRuntime(Protocol):
    """A runtime that also runs many specs in one go (the Python engines: `wasitool.batch`)."""

    name: str

    def run_many(self, specs: Sequence[RunSpec]) -> Iterable[tuple[RunResult | BaseException, float]]:
        """Each spec's result (or the exception that stopped it) and its seconds, in order, as they end."""
        ...


@dataclass
class Cell:
    """The verdict of one example on one runtime."""

    example: str
    runtime: str
    status: CheckStatus
    detail: str = ""  # the first differing line, or why it was not run
    differences: list[str] = field(default_factory=list)  # every difference (wasitool.expect wording)
    allowed: list[str] = field(default_factory=list)  # declared legitimate differences that applied
    seconds: float = 0.0
    exit_code: int | None = None  # how the run ended (None: not run)
    trap: str | None = None  # the wasm trap that ended it, told apart from a guest's proc_exit(134)
    timeout: float | None = None  # the time limit, when the run was stopped by it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Matrix:
    examples: list[str]
    runtimes: list[str]
    unavailable: dict[str, str]  # runtime -> why it is not usable here
    cells: list[Cell]

    @property
    def failed(self) -> list[Cell]:
        return [c for c in self.cells if c.status == FAIL]

    def cell(self, example: str, runtime: str) -> Cell:
        return next(c for c in self.cells if c.example == example and c.runtime == runtime)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.failed,
            "examples": self.examples,
            "runtimes": {r: {"available": r not in self.unavailable, "reason": self.unavailable.get(r)}
                         for r in self.runtimes},
            "cells": [c.to_json() for c in self.cells],
        }


def judge(example: Judged, runtime: Runtime) -> Cell:
    """Run `example` once on `runtime` (fresh preopen copies) and judge the result; a run gets the
    example's `timeout`, else `$WASITOOL_TIMEOUT` or 60 s."""
    skip = _skip(example, runtime.name)
    if skip is not None:
        return skip
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"wasitool-check-{example.name}-") as workdir:
        spec = _spec(example, Path(workdir))
        try:
            result: RunResult | BaseException = runtime.run(spec)
        except Exception as exc:
            result = exc
    return verdict(example, runtime.name, result, time.perf_counter() - started)


def _skip(example: Judged, runtime: str) -> Cell | None:
    """The `unsupported` cell of a declared skip, else None."""
    from wasitool.legit_differences import skipped

    skip = skipped(runtime, example.name)
    return None if skip is None else Cell(example.name, runtime, UNSUPPORTED, skip.why, allowed=[skip.why])


def _spec(example: Judged, workdir: Path) -> RunSpec:
    spec = example.run_spec(workdir)
    return spec if spec.timeout is not None else spec._replace(timeout=timeout_seconds())


def verdict(example: Judged, name: str, result: RunResult | BaseException, seconds: float) -> Cell:
    """The cell of one run of `example` on the runtime `name`: its result, or the exception it raised (a
    WasitoolError is that run's one-line failure; anything else a crashed runtime, not a crashed matrix)."""
    from wasitool.diffing import first_difference
    from wasitool.expect import differences
    from wasitool.legit_differences import adjust

    if isinstance(result, WasitoolError):
        return Cell(example.name, name, FAIL, result.one_line(), [result.one_line()], seconds=seconds)
    if isinstance(result, BaseException):
        line = f"{name} crashed: {type(result).__name__}: {' '.join(str(result).split())}"
        return Cell(example.name, name, FAIL, line, [line], seconds=seconds)
    if result.unsupported:
        return Cell(example.name, name, UNSUPPORTED, result.unsupported, seconds=seconds)
    code, trap, limit = result.exit_code, result.trap, result.timeout
    expectation, result, used = adjust(name, example.name, example.expect, result)
    found = differences(expectation, result)
    allowed = [d.why for d in used]
    if not found:
        return Cell(example.name, name, PASS, allowed=allowed, seconds=seconds, exit_code=code, trap=trap,
                    timeout=limit)
    detail = first_difference(expectation, result) or found[0]
    if limit is not None:
        detail = f"timed out after {limit:g}s; {detail}"
    return Cell(example.name, name, FAIL, detail, found, allowed, seconds, code, trap, limit)


def judge_many(examples: Sequence[Judged], runtime: BatchRuntime) -> Iterator[Cell]:
    """`judge` for every example, in order, with all the runs made as one batch (`runtime.run_many`)."""
    cells: dict[int, Cell] = {}
    runs: list[tuple[int, RunSpec]] = []
    with tempfile.TemporaryDirectory(prefix="wasitool-check-") as top:
        for index, example in enumerate(examples):
            skip = _skip(example, runtime.name)
            if skip is not None:
                cells[index] = skip
                continue
            # a fresh workdir each, made only if the example has preopens (`run_spec` creates what it fills)
            runs.append((index, _spec(example, Path(top) / f"{index}-{example.name}")))
        done = iter(runtime.run_many([spec for _, spec in runs]))
        for index, example in enumerate(examples):
            if index not in cells:
                result, seconds = next(done)
                cells[index] = verdict(example, runtime.name, result, seconds)
            yield cells.pop(index)


def run_matrix(examples: Sequence[Example], runtimes: Sequence[Runtime],
               progress: Callable[[Cell], None] | None = None, only: Collection[str] | None = None) -> Matrix:
    """Judge every row of the examples (`rows`; `only` those named) on every runtime; unavailable runtimes give
    `not found` cells. A runtime that runs batches (`run_many`: the Python engines) gets all its
    rows, core modules and components, as one batch)."""
    unavailable: dict[str, str] = {}
    for runtime in runtimes:
        reason = runtime.available()
        if reason is not None:
            unavailable[runtime.name] = reason
    table = [row for row in rows(examples) if only is None or row.name in only]
    batched = {r.name: judge_many(table, r) for r in runtimes
               if r.name not in unavailable and isinstance(r, BatchRuntime)}
    cells = []
    for example in table:
        for runtime in runtimes:
            if runtime.name in unavailable:
                cell = Cell(example.name, runtime.name, NOT_FOUND, unavailable[runtime.name])
            elif runtime.name in batched:
                cell = next(batched[runtime.name])
            else:
                cell = judge(example, runtime)
            cells.append(cell)
            if progress is not None:
                progress(cell)
    return Matrix([row.name for row in table], [r.name for r in runtimes], unavailable, cells)


def to_junit(matrix: Matrix) -> str:
    """JUnit XML: one testsuite per runtime, one testcase per example; unsupported/not found are skipped."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="wasitool check")
    for runtime in matrix.runtimes:
        cells = [c for c in matrix.cells if c.runtime == runtime]
        suite = ET.SubElement(
            root, "testsuite", name=runtime, tests=str(len(cells)),
            failures=str(sum(c.status == FAIL for c in cells)),
            skipped=str(sum(c.status in (UNSUPPORTED, NOT_FOUND) for c in cells)),
            time=f"{sum(c.seconds for c in cells):.3f}",
        )
        for c in cells:
            case = ET.SubElement(suite, "testcase", classname=runtime, name=c.example, time=f"{c.seconds:.3f}")
            if c.status == FAIL:
                failure = ET.SubElement(case, "failure", message=c.detail)
                failure.text = "\n".join([*c.differences, *_ending(c)])
            elif c.status in (UNSUPPORTED, NOT_FOUND):
                ET.SubElement(case, "skipped", message=f"{c.status}: {c.detail}")
            if c.allowed:
                ET.SubElement(case, "system-out").text = "\n".join(f"allowed: {w}" for w in c.allowed)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _ending(cell: Cell) -> list[str]:
    """How a failed run ended, for JUnit: the trap or the time limit (the exit code alone is ambiguous)."""
    if cell.trap is not None:
        return [f"ended by a trap: {cell.trap} (exit {cell.exit_code})"]
    if cell.timeout is not None:
        return [f"stopped after the {cell.timeout:g}s time limit (exit {cell.exit_code})"]
    return [f"exit code {cell.exit_code}"] if cell.exit_code is not None else []


def ensure_built(examples: Sequence[Example]) -> None:
    """Build the examples' modules (and native binaries) through `wasitool.build`; a module that is
    still missing afterwards is a one-line BuildError."""
    from wasitool.build import ensure_built as build
    from wasitool.errors import BuildError

    if examples:
        build([e.name for e in examples], native=any(e.native for e in examples), root=examples[0].root)
    for row in rows(examples):
        if not row.module.is_file():
            raise BuildError(f"example {row.example.name} is not built ({row.module} is missing)",
                             f"run `wasitool build {row.example.name}`")
