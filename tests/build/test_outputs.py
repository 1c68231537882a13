"""The built examples meet their own expectations: on wasmtime's WASI, and natively where built.

This checks the table against real runtimes (the project's own runners are tested elsewhere).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wasitool.example_table import load_examples
from wasitool.examples import Example
from wasitool.expect import differences
from wasitool.runspec import RunResult, RunSpec

from .conftest import ROOT

wasmtime = pytest.importorskip("wasmtime")
EXAMPLES = load_examples(ROOT)


def run_wasmtime(spec: RunSpec, workdir: Path) -> RunResult:
    config = wasmtime.Config()
    config.wasm_exceptions = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = spec.argv
    wasi.env = [list(pair) for pair in spec.env]
    for preopen in spec.dirs:
        wasi.preopen_dir(str(preopen.host), preopen.guest)
    out, err, inp = workdir / "stdout", workdir / "stderr", workdir / "stdin"
    wasi.stdout_file, wasi.stderr_file = str(out), str(err)
    if spec.stdin is not None:
        inp.write_bytes(spec.stdin)
        wasi.stdin_file = str(inp)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wasmtime.Module.from_file(engine, str(spec.module)))
    code, results = 0, []
    try:
        if spec.invoke:
            value = instance.exports(store)[spec.invoke.export](store, *spec.invoke.args)
            results = list(value) if isinstance(value, (list, tuple)) else [value]
        else:
            instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as exit_trap:
        code = exit_trap.code
    return RunResult(code, out.read_bytes(), err.read_bytes(), results)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_meets_its_expectation_on_wasmtime(built: Path, tmp_path: Path, name: str) -> None:
    example = EXAMPLES[name]
    spec = example.run_spec(tmp_path / "dirs", module=built / "out" / f"{name}.wasm")
    assert differences(example.expect, run_wasmtime(spec, tmp_path)) == []


@pytest.mark.parametrize("name", [n for n, ex in EXAMPLES.items() if ex.native])
def test_native_build_meets_the_same_expectation(built: Path, tmp_path: Path, name: str) -> None:
    example: Example = EXAMPLES[name]
    spec = example.run_spec(tmp_path / "dirs")
    cwd = spec.dirs[0].host if spec.dirs else tmp_path  # the preopen "." is the working directory
    proc = subprocess.run(
        spec.argv, executable=built / "out" / "native" / name, cwd=cwd, env=dict(spec.env),
        input=spec.stdin or b"", capture_output=True, check=False,
    )
    result = RunResult(proc.returncode, proc.stdout, proc.stderr)
    assert differences(example.expect, result) == []
