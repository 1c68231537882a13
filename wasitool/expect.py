"""Judging a `RunResult` against an example's `Expectation`.

`differences(expectation, result)` returns a list of readable lines, empty when the run is correct.
Every runtime (Python engines, node, CLIs, native) is judged by the same function.
"""

from __future__ import annotations

import difflib
import re

from wasitool.examples import Expectation, OutputCheck
from wasitool.runspec import RunResult

MAX_DIFF_LINES = 20


def differences(expectation: Expectation, result: RunResult) -> list[str]:
    """What differs between `result` and `expectation` (empty list: the run matches).

    A result marked `unsupported` never matches: callers that want to report it separately should
    test `result.unsupported` first.
    """
    if result.unsupported:
        return [f"not run: {result.unsupported}"]
    found: list[str] = []
    if result.exit_code != expectation.exit_code:
        found.append(f"exit code: expected {expectation.exit_code}, got {result.exit_code}")
    found += check_output("stdout", expectation.stdout, result.stdout)
    found += check_output("stderr", expectation.stderr, result.stderr)
    if expectation.results is not None and list(result.results) != list(expectation.results):
        found.append(f"results: expected {list(expectation.results)}, got {list(result.results)}")
    return found


def matches(expectation: Expectation, result: RunResult) -> bool:
    """True when `result` has no differences from `expectation`."""
    return not differences(expectation, result)


def check_output(stream: str, check: OutputCheck, data: bytes) -> list[str]:
    """Differences of one stream (`stdout`/`stderr`) from its check, as readable lines."""
    text = data.decode("utf-8", errors="replace")
    if check.mode == "exact":
        return [] if text == check.text else _diff(stream, check.text, text)
    if check.mode == "regex":
        if re.fullmatch(check.text, text):
            return []
        return [f"{stream}: does not match /{check.text}/: got {_short(text)}"]
    if check.mode == "sorted":
        want, got = sorted(check.text.splitlines(True)), sorted(text.splitlines(True))
        return [] if want == got else _diff(f"{stream} (sorted lines)", "".join(want), "".join(got))
    raise ValueError(f"unknown check mode {check.mode!r}")


def _diff(stream: str, want: str, got: str) -> list[str]:
    lines = list(
        difflib.unified_diff(
            want.splitlines(), got.splitlines(), "expected", "actual", lineterm="", n=1
        )
    )
    body = [f"  {line[0]} {line[1:]!r}"[:200] for line in lines[2:] if not line.startswith("@@")]
    if len(body) > MAX_DIFF_LINES:
        body = [*body[:MAX_DIFF_LINES], f"  ... {len(body) - MAX_DIFF_LINES} more lines"]
    return [f"{stream}: expected {_short(want)}, got {_short(got)}", *body]


def _short(text: str, limit: int = 120) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else f"{shown[: limit - 3]}... ({len(text)} chars)"
