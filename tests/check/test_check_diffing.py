"""Expected vs actual: readable colored diffs, first-difference lines and declared legit differences."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from wasitool.diffing import diff_run, first_difference
from wasitool.examples import Expectation, OutputCheck
from wasitool.legit_differences import DIFFERENCES, adjust
from wasitool.runspec import RunResult
from wasitool.runtimes import RUNTIMES, get_runtime


def recording(color: bool = False) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=color, color_system="standard" if color else None,
                      highlight=False)
    return console, out


def test_wrong_expected_output_fails_with_a_readable_diff(examples) -> None:
    example = examples["echo_wrong"]  # expects "echo\ny\n"; the module prints its argument "x"
    result = get_runtime("node").run(example.run_spec(example.root))
    console, out = recording()
    assert diff_run(example, result, runtime="node", console=console) == 1
    text = out.getvalue()
    assert "--- expected stdout" in text and "+++ actual stdout" in text
    assert "\n-y\n" in text and "\n+x\n" in text
    assert " echo\n" in text  # context line
    assert "exit code" not in text  # the exit status matched: only differences are shown


def test_diff_is_colored() -> None:
    expectation = Expectation(stdout=OutputCheck("exact", "a\nb\n"))
    console, out = recording(color=True)
    assert diff_run(_example(expectation), RunResult(1, b"a\nc\n"), console=console) == 1
    text = out.getvalue()
    assert "\x1b[31m-b" in text and "\x1b[32m+c" in text  # red removed line, green added line
    assert "expected \x1b[32m0\x1b[0m, got \x1b[31m1" in text


def test_matching_run_prints_ok_and_returns_0(examples) -> None:
    example = examples["echo"]
    result = get_runtime("node").run(example.run_spec(example.root))
    console, out = recording()
    assert diff_run(example, result, console=console) == 0
    assert "ok" in out.getvalue()


def test_regex_sorted_and_results_mismatches_are_rendered() -> None:
    console, out = recording()
    regex = Expectation(stdout=OutputCheck("regex", "[0-9]+\n"), results=(1, 2))
    assert diff_run(_example(regex), RunResult(0, b"abc\n", results=[1, 3]), console=console) == 1
    text = out.getvalue()
    assert "/[0-9]+\\n/" in text and "abc" in text and "results: expected [1, 2], got [1, 3]" in text
    console, out = recording()
    assert diff_run(_example(Expectation(stdout=OutputCheck("sorted", "b\na\n"))), RunResult(0, b"a\nc\n"),
                    console=console) == 1
    assert "lines sorted" in out.getvalue() and "\n-b\n" in out.getvalue()


def test_missing_final_newline_is_visible() -> None:
    console, out = recording()
    diff_run(_example(Expectation(stdout=OutputCheck("exact", "hi\n"))), RunResult(0, b"hi"), console=console)
    assert "+hi (no newline at end)" in out.getvalue()


def test_first_difference_names_the_first_differing_line() -> None:
    exact = Expectation(stdout=OutputCheck("exact", "one\ntwo\nthree\n"))
    assert first_difference(exact, RunResult(0, b"one\nTWO\nthree\n")) == \
        "stdout line 2: expected 'two\\n', got 'TWO\\n'"
    assert first_difference(exact, RunResult(0, b"one\n")) == "stdout line 2: expected 'two\\n', got end of output"
    assert first_difference(exact, RunResult(0, b"one\ntwo\nthree\nfour\n")) == "stdout line 4: unexpected 'four\\n'"
    assert first_difference(exact, RunResult(3, b"")) == "exit code: expected 0, got 3"
    assert first_difference(exact, RunResult(0, b"one\ntwo\nthree\n")) is None
    stderr = Expectation(stderr=OutputCheck("exact", ""))
    assert first_difference(stderr, RunResult(0, b"", b"boom\n")) == "stderr line 1: unexpected 'boom\\n'"
    sorted_ = Expectation(stdout=OutputCheck("sorted", "a\nb\n"))
    assert first_difference(sorted_, RunResult(0, b"b\n")) == "stdout (sorted): missing line 'a\\n'"
    assert first_difference(Expectation(), RunResult(0, unsupported="x")) == "not run: x"


def test_every_declared_difference_says_why_and_names_a_runtime() -> None:
    assert DIFFERENCES
    for diff in DIFFERENCES:
        assert len(diff.why.split()) >= 5, diff
        assert any(diff.applies(name, diff.example) for name in RUNTIMES), diff


def test_node_may_omit_dot_entries_but_nothing_else() -> None:
    expectation = Expectation(stdout=OutputCheck("sorted", ".\n..\nalpha.txt\n"))
    node = RunResult(0, b"alpha.txt\n")
    adjusted, result, used = adjust("node", "readdir", expectation, node)
    assert used and "node:wasi" in used[0].why
    assert first_difference(adjusted, result) is None
    # another runtime gets no such allowance, and node still fails on a real difference
    assert adjust("python-wasmtime", "readdir", expectation, node)[2] == []
    adjusted, result, _ = adjust("node", "readdir", expectation, RunResult(0, b"beta.txt\n"))
    assert first_difference(adjusted, result) == "stdout (sorted): missing line 'alpha.txt\\n'"


def test_run_diff_reports_the_allowed_difference() -> None:
    example = _example(Expectation(stdout=OutputCheck("sorted", ".\n..\nalpha.txt\n")), name="readdir")
    console, out = recording()
    assert diff_run(example, RunResult(0, b"alpha.txt\n"), runtime="node", console=console) == 0
    assert "allowed difference (node)" in out.getvalue()


def _example(expectation: Expectation, name: str = "probe"):
    @dataclasses.dataclass
    class Probe:
        name: str
        expect: Expectation

    return Probe(name, expectation)
