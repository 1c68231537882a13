"""`wasitool check [NAME...]`: every example on every runtime found, as a pass/fail/unsupported matrix.

An example built for WASI 0.2 too has a second row, `NAME.p2` (its component); `wasitool check NAME.p2`
checks that row alone, `wasitool check NAME` both.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wasitool.runtimes.matrix import FAIL, NOT_FOUND, PASS, UNSUPPORTED, Matrix

if TYPE_CHECKING:
    from rich.console import Console

    from wasitool.examples import Example
    from wasitool.runtimes.base import Runtime

_STYLE = {PASS: "green", FAIL: "bold red", UNSUPPORTED: "yellow", NOT_FOUND: "dim"}


def main(args: argparse.Namespace) -> int:
    from wasitool.example_table import load_examples, select_examples
    from wasitool.runtimes import all_runtimes
    from wasitool.runtimes.matrix import ensure_built, run_matrix, to_junit

    table = load_examples()
    names = dict.fromkeys(map(_example_of, args.names))  # each example once, in the order asked
    examples = select_examples(names, table) if args.names else list(table.values())
    runtimes = all_runtimes(args.runtime)
    _require_an_engine(runtimes)
    ensure_built(examples)
    matrix = run_matrix(examples, runtimes, only=_rows_named(args.names, table))
    if args.junit:
        Path(args.junit).write_text(to_junit(matrix), encoding="utf-8")
    if args.json:
        json.dump(matrix.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render(matrix)
    return 1 if matrix.failed else 0


def _example_of(name: str) -> str:
    """The example a row name belongs to: `readdir.p2` -> `readdir`."""
    return name.removesuffix(".p2")


def _rows_named(names: list[str], table: dict[str, Example]) -> set[str] | None:
    """The rows asked for: every row of a plain example name, just the component's for `NAME.p2` (None: all)."""
    from wasitool.errors import BuildError

    if not names:
        return None
    wanted: set[str] = set()
    for name in names:
        example = table[_example_of(name)]
        if name.endswith(".p2") and "p2" not in example.wasi:
            raise BuildError(f"example {example.name} is not built as a component (no {name} row)",
                             f'add "p2" to wasi in [examples.{example.name}], or check {example.name}')
        wanted |= {name} if name.endswith(".p2") else {
            example.name if target == "p1" else f"{example.name}.{target}" for target in example.wasi}
    return wanted


def _require_an_engine(runtimes: list[Runtime]) -> None:
    """When every Python runtime asked for lacks its engine, the bundled runtime cannot run at all: a broken
    install, not a column of `not found` cells."""
    from wasitool.engines import NO_ENGINE_FIX
    from wasitool.errors import RuntimeNotFound

    reasons = {r.name: r.available() for r in runtimes if r.name.startswith("python-")}
    if reasons and all(reasons.values()):
        why = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
        raise RuntimeNotFound(f"the Python WASI runtime cannot run: no wasm engine imports ({why})", NO_ENGINE_FIX)


def render(matrix: Matrix, console: Console | None = None) -> None:
    """The matrix as a rich table, then the failures, unsupported cells and allowed differences."""
    from rich.console import Console
    from rich.table import Table

    if console is None:
        # wide enough for every column without truncation (a pipe or CI log has no real width)
        needed = max(map(len, matrix.examples), default=7) + 4 + sum(max(len(r), 11) + 3 for r in matrix.runtimes)
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=max(console.width, needed))
    table = Table(title="wasitool check", title_justify="left")
    table.add_column("example", no_wrap=True)
    for runtime in matrix.runtimes:
        table.add_column(runtime, justify="center", no_wrap=True)
    for example in matrix.examples:
        row = [example]
        for runtime in matrix.runtimes:
            cell = matrix.cell(example, runtime)
            mark = "*" if cell.allowed and cell.status == PASS else ""
            row.append(f"[{_STYLE[cell.status]}]{cell.status}{mark}[/]")
        table.add_row(*row)
    console.print(table)
    for runtime, reason in matrix.unavailable.items():
        console.print(f"[dim]{runtime}: not found ({reason})[/]" if reason != NOT_FOUND
                      else f"[dim]{runtime}: not found on this machine[/]")
    _section(console, "failures", "bold red",
             [f"{c.example} on {c.runtime}: {c.detail}" for c in matrix.cells if c.status == FAIL])
    _section(console, "unsupported", "yellow", _unsupported_lines(matrix))
    allowed = sorted({f"{c.example} on {c.runtime}: {why}" for c in matrix.cells for why in c.allowed
                      if c.status == PASS})
    _section(console, "* passed with a declared legitimate difference", "cyan", allowed)
    counts = {s: sum(c.status == s for c in matrix.cells) for s in _STYLE}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    console.print(f"[{'bold red' if matrix.failed else 'bold green'}]{summary}[/]")


def _unsupported_lines(matrix: Matrix) -> list[str]:
    """One line per runtime and reason, naming its rows (a component-only runtime skips every preview1 row)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in matrix.cells:
        if c.status == UNSUPPORTED:
            grouped.setdefault((c.runtime, c.detail), []).append(c.example)
    return [f"{', '.join(rows)} on {runtime}: {detail}" if len(rows) < 4
            else f"{len(rows)} rows on {runtime} ({', '.join(rows[:3])}, …): {detail}"
            for (runtime, detail), rows in grouped.items()]


def _section(console: Console, title: str, style: str, lines: list[str]) -> None:
    if not lines:
        return
    console.print(f"[{style}]{title}:[/]")
    for line in lines:
        console.print(f"  {line}", markup=False)
