"""Every bundled command example, turned into a component, meets its own expectation on wasitool's 0.2 host
and on the wasmtime CLI (a non-zero exit code becomes 1: a component's exit is ok or err)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool import pyruntime
from wasitool.example_table import load_examples
from wasitool.examples import Example
from wasitool.expect import differences
from wasitool.project import bundled_project
from wasitool.runspec import RunResult

EXAMPLES = load_examples(project=bundled_project())
COMMANDS = sorted(name for name, example in EXAMPLES.items() if example.invoke is None)


def _core_module(example: Example, out: Path) -> Path:
    """The example built as a preview1 module (C with the bundled headers; WAT with its features)."""
    source = example.sources / example.source
    include = example.sources / "include"
    argv = [sys.executable, "-m", "wasitool", "build", str(source), "-o", str(out)]
    if example.language != "wat":
        argv[4:4] = [f"-X=-I{include}"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


def _component_expectation(example: Example):
    expect = example.expect
    return dataclasses.replace(expect, exit_code=0 if expect.exit_code == 0 else 1)


@pytest.mark.parametrize("name", COMMANDS)
def test_bundled_example_as_a_component(name, use_toolchain, p2kit, tmp_path, wasmtime_cli):
    example = EXAMPLES[name]
    path = p2kit.adapt(_core_module(example, tmp_path / f"{name}.core.wasm"), tmp_path / f"{name}.wasm")
    expectation = _component_expectation(example)
    ours = pyruntime.run(example.run_spec(tmp_path / "ours", module=path), "wasmtime", capture=True)
    assert differences(expectation, ours) == []
    spec = example.run_spec(tmp_path / "theirs", module=path)
    flags = [f for key, value in spec.env for f in ("--env", f"{key}={value}")]
    flags += [f for pre in spec.dirs for f in ("--dir", f"{pre.host}::{pre.guest}")]
    flags += ["--argv0", spec.argv0] if spec.argv0 else []
    proc = subprocess.run([str(wasmtime_cli), "run", "-W", "exceptions=y", *flags, str(path), *spec.args],
                          input=spec.stdin or b"", capture_output=True, timeout=60)
    theirs = RunResult(proc.returncode, proc.stdout, proc.stderr)
    assert differences(expectation, theirs) == []
