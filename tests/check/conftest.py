"""Fixtures for check/diff/inspect tests: small WAT modules and an examples-like table of our own."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasitool.examples import Example, Expectation, OutputCheck
from wasitool.runspec import Invoke

HERE = Path(__file__).parent
ECHO_OUT = "echo\na b\nc\nGREETING=hi\nEMPTY=\n"
TRAP_LINE = "wasitool: trap: unreachable instruction executed\n"


def wat2wasm(wat: str) -> bytes:
    import wasmtime

    return wasmtime.wat2wasm(wat)


@pytest.fixture(scope="session")
def echo_wasm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/check/echo.wat compiled: prints argv then environ, exits with argc; exports add/add64/boom."""
    path = tmp_path_factory.mktemp("wasm") / "echo.wasm"
    path.write_bytes(wat2wasm((HERE / "echo.wat").read_text()))
    return path


@pytest.fixture
def project(tmp_path: Path, echo_wasm: Path) -> Path:
    """A checkout-shaped directory whose out/ holds the echo module under a few example names."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("echo", "echo_wrong", "adder", "trapper"):
        (out / f"{name}.wasm").write_bytes(echo_wasm.read_bytes())
    return tmp_path


def make_examples(root: Path) -> dict[str, Example]:
    """A tiny examples table in the shape of wasitool.examples, over the echo module."""
    common = dict(source="echo.wat", teaches="test", root=root)
    return {
        "echo": Example(name="echo", args=("a b", "c"), env=(("GREETING", "hi"), ("EMPTY", "")), argv0="echo",
                        expect=Expectation(exit_code=3, stdout=OutputCheck("exact", ECHO_OUT)),
                        **common),
        "echo_wrong": Example(name="echo_wrong", args=("x",), argv0="echo",
                              expect=Expectation(exit_code=2, stdout=OutputCheck("exact", "echo\ny\n")), **common),
        "adder": Example(name="adder", kind="library", invoke=Invoke("add64", (2**53, 1)),
                         expect=Expectation(results=(2**53 + 1,)), **common),
        "trapper": Example(name="trapper", kind="library", invoke=Invoke("boom"),
                           expect=Expectation(exit_code=134,
                                              stderr=OutputCheck("exact", TRAP_LINE)),
                           **common),
    }


@pytest.fixture
def examples(project: Path) -> dict[str, Example]:
    return make_examples(project)
