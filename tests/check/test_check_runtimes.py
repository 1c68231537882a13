"""Each runtime runs the same RunSpec: argv, a clean env, preopens, invoke results and traps."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest

from tests.check.conftest import ECHO_OUT, TRAP_LINE
from tests.conftest import importable_engines
from tests.plugin_conformance import cli_choices, mismatches
from wasitool.errors import RuntimeNotFound
from wasitool.runspec import Invoke, Preopen, RunSpec
from wasitool.runtimes import RUNTIMES, all_runtimes, get_runtime
from wasitool.runtimes.base import NOT_FOUND, Runtime
from wasitool.runtimes.signature import export_signature

# Python engines this interpreter lacks are covered by the other interpreter's run (tests/conftest.py).
WASM_RUNTIMES = [*(f"python-{engine}" for engine in importable_engines()), "node", "wasmtime-cli", "wasmer-cli"]


def usable(name: str):
    runtime = get_runtime(name)
    reason = runtime.available()
    if reason is not None:
        pytest.skip(f"{name}: {reason}")
    return runtime


@pytest.mark.parametrize("name", RUNTIMES.names)
def test_every_runtime_conforms(name: str) -> None:
    runtime = RUNTIMES.create(name)
    assert mismatches(runtime, Runtime) == []
    assert runtime.name == name


def test_cli_runtime_choices_come_from_the_registry() -> None:
    assert cli_choices("check", "--runtime") == RUNTIMES.names


def test_registry_lists_every_runtime_once() -> None:
    assert list(RUNTIMES) == ["python-wasmer", "python-wasmtime", "native", "node", "wasmtime-cli", "wasmer-cli",
                              "wasmtime-py-wasip2", "jco"]
    assert [r.name for r in all_runtimes()] == list(RUNTIMES)
    with pytest.raises(RuntimeNotFound, match="unknown runtime"):
        get_runtime("v8-shell")


def test_export_signature(echo_wasm: Path) -> None:
    assert export_signature(echo_wasm, "add64") == (["i64", "i64"], ["i64"])
    assert export_signature(echo_wasm, "_start") == ([], [])
    assert export_signature(echo_wasm, "missing") is None


@pytest.mark.parametrize("name", WASM_RUNTIMES)
def test_same_argv_and_only_declared_env(name: str, examples, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_LEAK_CHECK", "host value")
    runtime = usable(name)
    example = examples["echo"]
    result = runtime.run(example.run_spec(example.root))
    assert result.unsupported is None
    assert (result.exit_code, result.stdout.decode(), result.stderr) == (3, ECHO_OUT, b"")


@pytest.mark.parametrize("name", WASM_RUNTIMES)
def test_invoke_returns_i64_results(name: str, examples) -> None:
    runtime = usable(name)
    example = examples["adder"]
    result = runtime.run(example.run_spec(example.root))
    assert (result.exit_code, result.results, result.stdout) == (0, [2**53 + 1], b"")


@pytest.mark.parametrize("name", WASM_RUNTIMES)
def test_trap_is_exit_134_and_one_line(name: str, examples) -> None:
    runtime = usable(name)
    example = examples["trapper"]
    result = runtime.run(example.run_spec(example.root))
    assert (result.exit_code, result.stderr.decode()) == (134, TRAP_LINE)


@pytest.mark.parametrize("name", ["node", "wasmtime-cli"])
def test_missing_feature_is_unsupported(name: str, examples) -> None:
    runtime = usable(name)
    example = dataclasses.replace(examples["echo"], requires=("no-such-feature",))
    result = runtime.run(example.run_spec(example.root))
    assert result.unsupported == "lacks wasm feature(s): no-such-feature"


@pytest.mark.parametrize(("name", "var"), [("node", "WASITOOL_NODE"), ("wasmtime-cli", "WASITOOL_WASMTIME"),
                                           ("wasmer-cli", "WASITOOL_WASMER")])
def test_missing_cli_is_not_found(name: str, var: str, monkeypatch: pytest.MonkeyPatch, echo_wasm: Path) -> None:
    monkeypatch.setenv(var, "/nonexistent/runtime-binary")
    runtime = get_runtime(name)
    assert runtime.available() == NOT_FOUND
    assert runtime.run(RunSpec(echo_wasm)).unsupported == NOT_FOUND


def test_wasmtime_cli_flags(echo_wasm: Path, tmp_path: Path) -> None:
    from wasitool.runtimes.cli import WasmtimeCli

    spec = RunSpec(echo_wasm, args=("a",), env=(("K", "V"),), dirs=(Preopen(tmp_path, "/sandbox"),), argv0="x")
    argv = WasmtimeCli().argv(Path("wasmtime"), spec)
    assert argv == ["wasmtime", "run", "--dir", f"{tmp_path.resolve()}::/sandbox", "--env", "K=V",
                    "--argv0", "x", str(echo_wasm), "a"]
    invoke = WasmtimeCli().argv(Path("wasmtime"), RunSpec(echo_wasm, invoke=Invoke("add", (1, 2))))
    assert invoke[2:] == ["--invoke", "add", str(echo_wasm), "1", "2"]


def test_wasmer_cli_flags(echo_wasm: Path, tmp_path: Path) -> None:
    from wasitool.runtimes.cli import WasmerCli

    spec = RunSpec(echo_wasm, args=("a",), env=(("K", "V"),), dirs=(Preopen(tmp_path, "."),))
    assert WasmerCli().argv(Path("wasmer"), spec) == [
        "wasmer", "run", "--mapdir", f".:{tmp_path.resolve()}", "--env", "K=V", str(echo_wasm), "--", "a"]


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as the native build")
def test_native_runs_in_the_dot_preopen_with_only_declared_env(examples, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_LEAK_CHECK", "host value")
    example = dataclasses.replace(examples["echo"], native=True)
    binary = example.native_binary
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\nprintf '%s\\n' \"$@\"\n/usr/bin/env\npwd\n")
    binary.chmod(0o755)
    fixture = tmp_path / "fixture"
    fixture.mkdir()
    spec = example.run_spec(example.root)._replace(dirs=(Preopen(fixture, "."),))
    result = get_runtime("native").run(spec)
    lines = result.stdout.decode().splitlines()
    assert result.exit_code == 0
    assert lines[:2] == ["a b", "c"]
    assert "GREETING=hi" in lines and "EMPTY=" in lines
    assert not any("WASITOOL_LEAK_CHECK" in line for line in lines)
    assert lines[-1] == str(fixture.resolve())


def test_native_unsupported_cases(examples) -> None:
    native = get_runtime("native")
    echo = examples["echo"]
    assert native.run(echo.run_spec(echo.root)).unsupported == "no native build"
    adder = dataclasses.replace(examples["adder"], native=True)
    assert "not built" in native.run(adder.run_spec(adder.root)).unsupported


def test_timeout_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from wasitool.runtimes.base import TIMEOUT_EXIT, run_process

    monkeypatch.setenv("WASITOOL_TIMEOUT", "0.5")
    result = run_process([sys.executable, "-c", "import time; time.sleep(5)"], stdin=None, env={})
    assert result.exit_code == TIMEOUT_EXIT
    assert b"timed out after 0.5s" in result.stderr
