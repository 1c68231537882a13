"""Component rows in `check`: an example built for WASI 0.2 too is judged twice, `NAME` (its core module) and
`NAME.p2` (its component), by the same expectation with the declared component differences."""

from __future__ import annotations

import argparse
import dataclasses
import io
from pathlib import Path

import pytest
from rich.console import Console

from tests.check.conftest import ECHO_OUT
from wasitool.commands import check
from wasitool.errors import BuildError
from wasitool.examples import Expectation, OutputCheck
from wasitool.legit_differences import adjust
from wasitool.runspec import RunResult
from wasitool.runtimes import get_runtime
from wasitool.runtimes.matrix import PASS, UNSUPPORTED, judge, rows, run_matrix


@pytest.fixture
def both(examples, project: Path, p2kit):
    """The echo example built both ways: out/echo.wasm and its component out/echo.p2.wasm."""
    p2kit.adapt(project / "out" / "echo.wasm", project / "out" / "echo.p2.wasm")
    return dataclasses.replace(examples["echo"], wasi=("p1", "p2"))


def test_rows_name_each_module(both, project: Path) -> None:
    assert [(row.name, row.module) for row in rows([both])] == [
        ("echo", project / "out" / "echo.wasm"), ("echo.p2", project / "out" / "echo.p2.wasm")]
    only_p2 = dataclasses.replace(both, wasi=("p2",))
    assert [row.name for row in rows([only_p2])] == ["echo.p2"]
    row = rows([both])[1]
    assert row.expect == both.expect and row.run_spec(project).module == project / "out" / "echo.p2.wasm"


def test_the_component_row_passes_with_the_exit_status_difference(both) -> None:
    runtimes = [get_runtime(name) for name in ("python-wasmtime", "node", "wasmtime-cli", "wasmtime-py-wasip2")]
    matrix = run_matrix([both], runtimes)
    assert matrix.examples == ["echo", "echo.p2"]
    status = {(c.example, c.runtime): (c.status, c.exit_code) for c in matrix.cells}
    assert status == {
        ("echo", "python-wasmtime"): (PASS, 3), ("echo.p2", "python-wasmtime"): (PASS, 1),
        ("echo", "node"): (PASS, 3), ("echo", "wasmtime-cli"): (PASS, 3),
        ("echo", "wasmtime-py-wasip2"): (UNSUPPORTED, None),
        ("echo.p2", "node"): (UNSUPPORTED, None), ("echo.p2", "wasmtime-cli"): (PASS, 1),
        ("echo.p2", "wasmtime-py-wasip2"): (PASS, 1),
    }
    assert "wasi:cli/exit" in matrix.cell("echo.p2", "wasmtime-cli").allowed[0]
    assert matrix.cell("echo", "wasmtime-cli").allowed == []


def test_the_python_columns_batch_the_component_row_as_one_run_judges_it(both) -> None:
    """`run_matrix` gives a Python engine's rows, the component's too, to its batch (`run_many`): the cells
    are those of one `judge` per row (on wasmer, without the component model, `unsupported` both ways)."""
    from tests.conftest import importable_engines

    fields = ("example", "runtime", "status", "detail", "differences", "allowed", "exit_code", "trap", "timeout")
    for engine in importable_engines():
        runtime = get_runtime(f"python-{engine}")
        batched = run_matrix([both], [runtime]).cells
        single = [judge(row, runtime) for row in rows([both])]
        assert [[getattr(c, f) for f in fields] for c in batched] == [[getattr(c, f) for f in fields] for c in single]
        assert [c.status for c in batched] == [PASS, PASS if engine == "wasmtime" else UNSUPPORTED]


def test_a_component_row_still_fails_on_a_real_difference(both) -> None:
    wrong = dataclasses.replace(both, expect=dataclasses.replace(both.expect, stdout=OutputCheck("exact", "echo\n")))
    matrix = run_matrix([wrong], [get_runtime("wasmtime-cli")], only={"echo.p2"})
    assert matrix.examples == ["echo.p2"]
    assert matrix.failed and matrix.failed[0].detail == "stdout line 2: unexpected 'a b\\n'"


def test_exit_status_difference_applies_to_component_rows_only() -> None:
    three = Expectation(exit_code=3, stdout=OutputCheck("exact", ECHO_OUT))
    adjusted, _, used = adjust("wasmtime-cli", "echo.p2", three, RunResult(1))
    assert adjusted.exit_code == 1 and len(used) == 1
    assert adjust("wasmtime-cli", "echo", three, RunResult(1))[0].exit_code == 3  # the preview1 row
    for kept in (0, 124, 134):  # ok, a time limit, a trap: the same status from a component
        adjusted, _, used = adjust("jco", "x.p2", Expectation(exit_code=kept), RunResult(kept))
        assert (adjusted.exit_code, used) == (kept, [])


def test_check_names_a_row_or_an_example(both, examples) -> None:
    table = {"echo": both, "adder": examples["adder"]}
    assert check._rows_named(["echo"], table) == {"echo", "echo.p2"}
    assert check._rows_named(["echo.p2", "adder"], table) == {"echo.p2", "adder"}
    assert check._rows_named([], table) is None
    with pytest.raises(BuildError, match=r"example adder is not built as a component \(no adder.p2 row\)"):
        check._rows_named(["adder.p2"], table)


def test_unsupported_cells_are_grouped_per_runtime_and_reason(both, examples) -> None:
    matrix = run_matrix([both, examples["adder"]], [get_runtime("wasmtime-py-wasip2")])
    out = io.StringIO()
    check.render(matrix, Console(file=out, width=200, highlight=False))
    text = out.getvalue()
    assert "echo, adder on wasmtime-py-wasip2: runs WASI 0.2 components only" in text
    assert "1 pass, 0 fail, 2 unsupported, 0 not found" in text


def test_check_command_selects_the_component_row(both, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import json

    monkeypatch.setattr("wasitool.example_table.load_examples", lambda *a, **k: {"echo": both})
    monkeypatch.setattr("wasitool.runtimes.matrix.ensure_built", lambda examples: None)
    args = argparse.Namespace(names=["echo.p2"], runtime=["wasmtime-cli"], json=True, junit=None)
    assert check.main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["examples"] == ["echo.p2"] and data["cells"][0]["status"] == PASS


def test_heap_addresses_may_move_up_by_whole_pages_in_a_component_row() -> None:
    expected = Expectation(stdout=OutputCheck("exact", "malloc(100) = 0x1010010\nnext = 0x1010080\n"))
    moved = RunResult(0, b"malloc(100) = 0x1030010\nnext = 0x1030080\n")  # two pages higher
    _, result, used = adjust("wasmtime-cli", "heap.p2", expected, moved)
    assert result.stdout == b"malloc(100) = 0x1010010\nnext = 0x1010080\n" and len(used) == 1
    assert "64 KiB pages" in used[0].why
    for wrong in (b"malloc(100) = 0x1010011\nnext = 0x1010080\n",  # not whole pages
                  b"malloc(100) = 0x1000010\nnext = 0x1010080\n",  # lower
                  b"malloc(200) = 0x1020010\nnext = 0x1020080\n"):  # other text
        assert adjust("wasmtime-cli", "heap.p2", expected, RunResult(0, wrong))[1].stdout == wrong
    assert adjust("wasmtime-cli", "heap", expected, moved)[1].stdout == moved.stdout  # the preview1 row
