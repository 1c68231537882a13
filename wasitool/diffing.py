"""Expected vs actual: a colored unified diff (rich) for `wasitool run NAME --diff`, and the one-line
summaries `wasitool check` shows in its matrix.

Whether a run matches is decided by `wasitool.expect` alone; this module only renders.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from wasitool.examples import Expectation, OutputCheck
from wasitool.expect import differences
from wasitool.runspec import RunResult

if TYPE_CHECKING:
    from rich.console import Console

    from wasitool.legit_differences import LegitDifference

_STREAMS = ("stdout", "stderr")


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _short(text: str, limit: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else f"{shown[: limit - 4]}...{shown[0]}"


def _pattern(check: OutputCheck) -> str:
    """A regex as one line: newlines shown as `\\n`."""
    return "/" + check.text.replace("\n", "\\n") + "/"


def _compared(check: OutputCheck, actual: str) -> tuple[list[str], list[str]]:
    """The expected and actual lines as compared (sorted for a `sorted` check)."""
    want, got = check.text.splitlines(True), actual.splitlines(True)
    if check.mode == "sorted":
        want, got = sorted(want), sorted(got)
    return want, got


def stream_differs(check: OutputCheck, data: bytes) -> bool:
    """True when one stream fails its check."""
    text = _text(data)
    if check.mode == "regex":
        return re.fullmatch(check.text, text) is None
    want, got = _compared(check, text)
    return want != got if check.mode == "sorted" else check.text != text


def first_difference(expectation: Expectation, result: RunResult) -> str | None:
    """One line naming the first thing that differs (None when the run matches)."""
    if result.unsupported:
        return f"not run: {result.unsupported}"
    if not differences(expectation, result):
        return None
    if result.exit_code != expectation.exit_code:
        return f"exit code: expected {expectation.exit_code}, got {result.exit_code}"
    for stream in _STREAMS:
        check: OutputCheck = getattr(expectation, stream)
        data: bytes = getattr(result, stream)
        if not stream_differs(check, data):
            continue
        if check.mode == "regex":
            return f"{stream}: {_short(_text(data))} does not match {_pattern(check)}"
        want, got = _compared(check, _text(data))
        if check.mode == "sorted":
            missing, extra = Counter(want) - Counter(got), Counter(got) - Counter(want)
            if missing:
                return f"{stream} (sorted): missing line {_short(min(missing))}"
            return f"{stream} (sorted): unexpected line {_short(min(extra))}"
        label = stream
        for number, (w, g) in enumerate(zip(want, got, strict=False), 1):
            if w != g:
                return f"{label} line {number}: expected {_short(w)}, got {_short(g)}"
        number = min(len(want), len(got)) + 1
        if len(want) > len(got):
            return f"{label} line {number}: expected {_short(want[number - 1])}, got end of output"
        return f"{label} line {number}: unexpected {_short(got[number - 1])}"
    if expectation.results is not None:
        return f"results: expected {list(expectation.results)}, got {list(result.results)}"
    return "differs"  # expect found something this module does not know how to name


def _line(text: str, style: str) -> Any:
    from rich.text import Text

    body = text.rstrip("\n")
    line = Text(body, style=style)
    if not text.endswith("\n") and style in ("red", "green"):
        line.append(" (no newline at end)", style="dim")
    return line


def render(expectation: Expectation, result: RunResult, console: Console, title: str = "") -> None:
    """Print every difference: exit status, a colored unified diff per stream, invoked results."""
    if title:
        console.rule(title, style="bold")
    if result.unsupported:
        console.print(f"[yellow]not run:[/] {result.unsupported}", highlight=False)
        return
    if result.exit_code != expectation.exit_code:
        console.print(
            f"[bold]exit code:[/] expected [green]{expectation.exit_code}[/], got [red]{result.exit_code}[/]",
            highlight=False,
        )
    for stream in _STREAMS:
        check: OutputCheck = getattr(expectation, stream)
        data: bytes = getattr(result, stream)
        if stream_differs(check, data):
            _render_stream(stream, check, _text(data), console)
    if expectation.results is not None and list(result.results) != list(expectation.results):
        console.print(
            f"[bold]results:[/] expected [green]{list(expectation.results)}[/], "
            f"got [red]{list(result.results)}[/]",
            highlight=False,
        )


def _render_stream(stream: str, check: OutputCheck, actual: str, console: Console) -> None:
    if check.mode == "regex":
        console.print(f"[bold]{stream}[/] does not match the expected pattern:", highlight=False)
        console.print(_line(f"  {_pattern(check)}\n", "green"))
        console.print("[bold]actual:[/]", highlight=False)
        for line in actual.splitlines(True) or [""]:
            console.print(_line(f"  {line}", "red"))
        return
    want, got = _compared(check, actual)
    label = f"{stream} (lines sorted before comparing)" if check.mode == "sorted" else stream
    console.print(f"[bold]{label}[/]", highlight=False)
    for text in difflib.unified_diff(want, got, f"expected {stream}", f"actual {stream}"):
        if text.startswith(("---", "+++")):
            console.print(_line(text, "bold"))
        elif text.startswith("@@"):
            console.print(_line(text, "cyan"))
        elif text.startswith("-"):
            console.print(_line(text, "red"))
        elif text.startswith("+"):
            console.print(_line(text, "green"))
        else:
            console.print(_line(text, "default"))


def diff_run(example: Any, result: RunResult, *, runtime: str | None = None,
             console: Console | None = None) -> int:
    """Compare `result` with `example.expect` (after the runtime's declared legitimate differences).

    Prints `ok` or the colored diff; returns the exit status for `wasitool run NAME --diff`: 0 when the
    run matches, 1 when it does not.
    """
    from wasitool.console import console as make_console
    from wasitool.legit_differences import adjust

    console = console or make_console(highlight=False)
    expectation: Expectation = example.expect
    used: list[LegitDifference] = []
    if runtime:
        expectation, result, used = adjust(runtime, example.name, expectation, result)
    for diff in used:
        console.print(f"[dim]allowed difference ({diff.runtime}): {diff.why}[/]", highlight=False)
    if not differences(expectation, result):
        console.print(f"[green]ok[/]: {example.name} matches its expected output", highlight=False)
        return 0
    render(expectation, result, console, title=f"{example.name}: expected vs actual")
    return 1
