"""`cli.fast_run`, the argparse-free parse of `wasitool run TARGET` with the common options, gives exactly
what argparse gives, and hands everything else to argparse."""

from __future__ import annotations

import pytest

from wasitool import cli, cli_parser

FAST = [
    ["run"],  # no target: run.main says so
    ["run", "x.wasm"],
    ["run", "./prog"],
    ["run", "hello"],
    ["run", "x.wasm", "--engine", "wasmer"],
    ["run", "--engine=wasmtime", "x.wasm"],
    ["run", "x.wasm", "--timeout", "2.5", "--json", "-v"],
    ["run", "x.wasm", "--timeout=", "--verbose"],
    ["run", "a=b.wasm", "--engine", "wasmer", "--engine", "wasmtime"],
]

ARGPARSE = [
    ["run", "x.wasm", "y.wasm"],  # a second positional: argparse's one-line error
    ["run", "x.wasm", "--eng", "wasmer"],  # an abbreviation
    ["run", "x.wasm", "--engine", "nope"],  # not a choice
    ["run", "x.wasm", "--engine"],  # no value
    ["run", "x.wasm", "--timeout", "-1"],  # a value starting with `-`
    ["run", "-h"],
    ["run", "x.wasm", "--trace=all"],
    ["run", "x.wasm", "--invoke", "f", "1"],
    ["run", "--batch", "b.jsonl"],
    ["check"],
]


def _vars(namespace: object) -> dict[str, object]:
    return dict(vars(namespace))


@pytest.mark.parametrize("argv", FAST, ids=" ".join)
def test_fast_run_is_argparse(argv: list[str]):
    fast = cli.fast_run(argv)
    assert fast is not None
    expected = cli_parser.command_parser("run").parse_args(argv[1:])
    assert _vars(fast) == _vars(expected)


@pytest.mark.parametrize("argv", ARGPARSE, ids=" ".join)
def test_everything_else_goes_to_argparse(argv: list[str]):
    assert cli.fast_run(argv) is None


@pytest.mark.parametrize("argv", [
    ["run", "x.wasm", "--env", "A=1", "--dir", ".", "--env=B=2", "--", "a", "--b"],
    ["run", "x.wasm", "--engine", "wasmer", "--", "--engine", "x"],
], ids=" ".join)
def test_parse_with_and_without_the_fast_path(argv: list[str], monkeypatch: pytest.MonkeyPatch):
    fast = cli.parse(argv)
    monkeypatch.setattr(cli, "fast_run", lambda argv: None)
    assert _vars(fast) == _vars(cli.parse(argv))


def test_fast_run_lists_are_fresh():
    first, second = cli.fast_run(["run", "x.wasm"]), cli.fast_run(["run", "y.wasm"])
    assert first is not None and second is not None
    first.env.append("A=1")
    assert second.env == []
