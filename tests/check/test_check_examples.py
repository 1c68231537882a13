"""`wasitool check` over the real example table: every example passes on the Python engines this
interpreter has, on node and on the wasmtime CLI when found; a wrong expectation gives a readable diff."""

from __future__ import annotations

import dataclasses
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from wasitool.cli import main
from wasitool.runtimes import get_runtime
from wasitool.runtimes.python import PythonRuntime

# Cells that may be "unsupported", and why: anything else unsupported is a test failure.
MAY_BE_UNSUPPORTED = {
    ("exception", "python-wasmer"): "exceptions",  # wasmer 1.1 predates the exceptions proposal
    ("exception", "node"): "exceptions",  # node 20's V8 has no try_table
    ("exception.p2", "jco"): "exceptions",  # jco runs the core modules on node's V8
}
CORE_ONLY = "runs core modules only"  # why node and python-wasmer skip a component row (`NAME.p2`)
COMPONENTS_ONLY = "runs WASI 0.2 components only"  # why wasmtime-py-wasip2 and jco skip a preview1 row


@pytest.fixture(scope="module")
def built(toolchain_home: Path):
    """Every example built with the suite's real toolchain (tests/conftest.py)."""
    from wasitool.example_table import load_examples
    from wasitool.runtimes.matrix import ensure_built

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WASITOOL_HOME", str(toolchain_home))
        examples = list(load_examples().values())
        ensure_built(examples)
        yield examples


def test_all_examples_on_every_runtime(built, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "check.xml"
    code = main(["check", "--json", "--junit", str(junit)])
    data = json.loads(capsys.readouterr().out)
    failed = [f"{c['example']} on {c['runtime']}: {c['detail']}" for c in data["cells"] if c["status"] == "fail"]
    assert failed == [] and code == 0
    assert data["runtimes"]["node"]["available"], "node must be installed on these machines"
    engines = [r for r in ("python-wasmer", "python-wasmtime") if data["runtimes"][r]["available"]]
    assert engines, "at least one Python engine must import"
    assert {"readdir", "readdir.p2", "hello_p2.p2"} <= set(data["examples"])
    without_components = {"node", *(e for e in engines
                                    if not PythonRuntime(e.removeprefix("python-")).runs_components())}
    for cell in data["cells"]:
        component = cell["example"].endswith(".p2")
        judged = (*engines, "node", "wasmtime-cli", "wasmtime-py-wasip2", "jco")
        if cell["runtime"] in judged and cell["status"] != "pass":
            if cell["runtime"] in ("wasmtime-cli", "jco") and cell["status"] == "not found":
                continue
            if component and cell["runtime"] in without_components:
                assert cell["detail"].startswith(CORE_ONLY), cell
                continue
            if not component and cell["runtime"] in ("wasmtime-py-wasip2", "jco"):
                assert cell["detail"] == COMPONENTS_ONLY, cell
                continue
            key = (cell["example"], cell["runtime"])
            assert key in MAY_BE_UNSUPPORTED and MAY_BE_UNSUPPORTED[key] in cell["detail"], cell
    for name, info in data["runtimes"].items():  # a runtime missing here is "not found", never "fail"
        if not info["available"]:
            assert {c["status"] for c in data["cells"] if c["runtime"] == name} == {"not found"}
    suites = {s.get("name"): s.get("failures") for s in ET.parse(junit).getroot().iter("testsuite")}
    assert set(suites.values()) == {"0"}


def test_wrong_expectation_fails_check_and_diff(built, tmp_path: Path) -> None:
    from wasitool.diffing import diff_run
    from wasitool.examples import OutputCheck
    from wasitool.runtimes.matrix import FAIL, run_matrix

    example = next(e for e in built if e.name == "fd_write")
    wrong = dataclasses.replace(example, expect=dataclasses.replace(
        example.expect, stdout=OutputCheck("exact", "Hello, WASM!\n")))
    runtimes = [get_runtime("node"), get_runtime("python-wasmtime")]
    matrix = run_matrix([wrong], runtimes, only={"fd_write"})
    assert {c.status for c in matrix.cells} == {FAIL}
    assert matrix.cells[0].detail == "stdout line 1: expected 'Hello, WASM!\\n', got 'Hello, WASI!\\n'"
    component = run_matrix([wrong], [get_runtime("wasmtime-cli")], only={"fd_write.p2"})  # its component too
    assert [(c.example, c.status, c.detail) for c in component.cells] == [("fd_write.p2", FAIL, matrix.cells[0].detail)]
    result = runtimes[0].run(wrong.run_spec(tmp_path))
    out = io.StringIO()
    assert diff_run(wrong, result, runtime="node", console=Console(file=out, width=100)) == 1
    assert "-Hello, WASM!\n+Hello, WASI!\n" in out.getvalue()


def test_check_exit_status_is_1_on_failure(built, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from wasitool.runspec import RunResult
    from wasitool.runtimes.node import NodeRuntime

    monkeypatch.setattr(NodeRuntime, "run", lambda self, spec, example=None: RunResult(0, b"nonsense\n"))
    assert main(["check", "fd_write", "--runtime", "node"]) == 1
    out = capsys.readouterr().out
    assert "fd_write on node: stdout line 1: expected 'Hello, WASI!\\n', got 'nonsense\\n'" in out
