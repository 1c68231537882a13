"""The examples × runtimes matrix: verdicts, not-found runtimes, JSON and JUnit for CI."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from wasitool.commands.check import render
from wasitool.runspec import RunResult, RunSpec
from wasitool.runtimes import get_runtime
from wasitool.runtimes.matrix import FAIL, NOT_FOUND, PASS, UNSUPPORTED, run_matrix, to_junit


class Scripted:
    """A runtime that answers from a table (by module name), for matrix tests that need no real runtime."""

    def __init__(self, name: str, answers: dict[str, RunResult | Exception], reason: str | None = None) -> None:
        self.name, self.answers, self.reason = name, answers, reason

    def available(self) -> str | None:
        return self.reason

    def run(self, spec: RunSpec) -> RunResult:
        answer = self.answers[spec.module.stem]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def matrix(examples, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WASITOOL_WASMER", "/nonexistent/wasmer")
    chosen = [examples[n] for n in ("echo", "echo_wrong", "adder")]
    flaky = Scripted("flaky", {"echo": RuntimeError("engine exploded"), "echo_wrong": RunResult(0, unsupported="nope"),
                               "adder": RunResult(0, results=[2**53 + 1])})
    return run_matrix(chosen, [get_runtime("node"), get_runtime("wasmer-cli"), flaky])


def test_cells(matrix) -> None:
    status = {(c.example, c.runtime): c.status for c in matrix.cells}
    assert status == {
        ("echo", "node"): PASS, ("echo_wrong", "node"): FAIL, ("adder", "node"): PASS,
        ("echo", "wasmer-cli"): NOT_FOUND, ("echo_wrong", "wasmer-cli"): NOT_FOUND, ("adder", "wasmer-cli"): NOT_FOUND,
        ("echo", "flaky"): FAIL, ("echo_wrong", "flaky"): UNSUPPORTED, ("adder", "flaky"): PASS,
    }
    assert matrix.cell("echo_wrong", "node").detail == "stdout line 2: expected 'y\\n', got 'x\\n'"
    assert matrix.cell("echo", "flaky").detail == "flaky crashed: RuntimeError: engine exploded"
    assert matrix.unavailable == {"wasmer-cli": NOT_FOUND}


def test_not_found_runtime_is_not_a_failure(examples, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_WASMER", "/nonexistent/wasmer")
    result = run_matrix([examples["echo"]], [get_runtime("node"), get_runtime("wasmer-cli")])
    assert not result.failed
    assert result.cell("echo", "wasmer-cli").status == NOT_FOUND


def test_json(matrix) -> None:
    data = matrix.to_json()
    assert data["ok"] is False
    assert data["runtimes"]["wasmer-cli"] == {"available": False, "reason": NOT_FOUND}
    failed = [c for c in data["cells"] if c["status"] == FAIL and c["runtime"] == "node"]
    assert failed[0]["example"] == "echo_wrong" and failed[0]["differences"]


def test_junit(matrix) -> None:
    root = ET.fromstring(to_junit(matrix))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"node", "wasmer-cli", "flaky"}
    assert (suites["node"].get("tests"), suites["node"].get("failures")) == ("3", "1")
    assert suites["wasmer-cli"].get("skipped") == "3"
    case = suites["node"].find("testcase[@name='echo_wrong']")
    assert case.find("failure").get("message") == "stdout line 2: expected 'y\\n', got 'x\\n'"


def test_rendered_matrix(matrix) -> None:
    out = io.StringIO()
    render(matrix, Console(file=out, width=120, highlight=False))
    text = out.getvalue()
    assert "echo_wrong on node: stdout line 2" in text
    assert "wasmer-cli: not found on this machine" in text
    assert "echo_wrong on flaky: nope" in text
    assert "3 pass, 2 fail, 1 unsupported, 3 not found" in text
