"""Judging run results: exact, regex, sorted lines, exit codes, results, unsupported runs."""

from __future__ import annotations

from wasitool.examples import Expectation, OutputCheck
from wasitool.expect import check_output, differences, matches
from wasitool.runspec import RunResult


def test_exact_match_and_readable_diff() -> None:
    check = OutputCheck("exact", "a\nb\nc\n")
    assert check_output("stdout", check, b"a\nb\nc\n") == []
    found = check_output("stdout", check, b"a\nB\nc\n")
    assert found[0].startswith("stdout: expected") and "  - 'b'" in found and "  + 'B'" in found


def test_regex_is_a_full_match() -> None:
    check = OutputCheck("regex", "[0-9a-f]{4}\n")
    assert check_output("stdout", check, b"beef\n") == []
    assert check_output("stdout", check, b"beef\nmore\n")
    assert "does not match" in check_output("stdout", check, b"xyz\n")[0]


def test_sorted_lines_ignore_order_but_not_content() -> None:
    check = OutputCheck("sorted", "a\nb\nc\n")
    assert check_output("stdout", check, b"c\na\nb\n") == []
    assert check_output("stdout", check, b"c\na\n")
    assert check_output("stdout", check, b"c\na\nb\nb\n")


def test_differences_cover_exit_code_stderr_and_results() -> None:
    want = Expectation(exit_code=3, stderr=OutputCheck("exact", ""), results=(5,))
    assert matches(want, RunResult(3, results=[5]))
    found = differences(want, RunResult(1, stderr=b"boom\n", results=[4]))
    assert found[0] == "exit code: expected 3, got 1"
    assert any(line.startswith("stderr:") for line in found)
    assert found[-1] == "results: expected [5], got [4]"


def test_unsupported_never_matches() -> None:
    assert differences(Expectation(), RunResult(0, unsupported="engine X lacks exceptions")) == [
        "not run: engine X lacks exceptions"
    ]


def test_long_output_is_shortened() -> None:
    found = check_output("stdout", OutputCheck("exact", ""), b"x\n" * 500)
    assert len(found) < 30 and "more lines" in found[-1]
