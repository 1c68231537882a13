"""Real builds with the installed toolchain: validity, imports, incremental behaviour, errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool.example_table import load_examples
from wasitool.toolchain.manifest import Toolchain
from wasitool.wasmbin import read_interface

from .conftest import ROOT, copy_checkout, scons

EXAMPLES = load_examples(ROOT)
C_WITH_HEADER = sorted(
    name for name, ex in EXAMPLES.items()
    if ex.language == "c" and '#include "examples.h"' in ex.source_path.read_text(encoding="utf-8")
)


def test_every_module_and_the_sums_are_built(built: Path) -> None:
    out = built / "out"
    modules = sorted(path.name for ex in EXAMPLES.values() for path in ex.modules.values())
    assert sorted(p.name for p in out.glob("*.wasm")) == modules
    assert any(name.endswith(".p2.wasm") for name in modules)  # a bundled example is also a component
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in sums] == modules
    import hashlib

    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    for name, ex in EXAMPLES.items():
        if ex.native:
            assert (out / "native" / name).is_file()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_module_validates(built: Path, toolchain: Toolchain, name: str) -> None:
    validate = toolchain.command("wasm-validate")
    help_text = subprocess.run([*validate, "--help"], capture_output=True, text=True).stdout
    flags = [f"--enable-{f}" for f in EXAMPLES[name].features if f"--enable-{f} " in help_text]
    proc = subprocess.run([*validate, *flags, str(built / "out" / f"{name}.wasm")],
                          capture_output=True, text=True, env={**os.environ, **toolchain.env()})
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_module_imports_only_wasi_and_exports_its_entry(built: Path, name: str) -> None:
    example = EXAMPLES[name]
    module = read_interface((built / "out" / f"{name}.wasm").read_bytes())
    assert all(m == "wasi_snapshot_preview1" and kind == "func" for m, _, kind in module.imports), module.imports
    imported = {field for _, field, _ in module.imports}
    assert set(example.calls) <= imported, f"{name} should import {set(example.calls) - imported}"
    if example.kind == "library":
        assert "_start" not in module.exports and module.exports.get(example.invoke.export) == "func"
    else:
        assert module.exports.get("_start") == "func" and module.exports.get("memory") == "memory"


def test_noop_rebuild_does_nothing(built: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (built / "out").rglob("*") if p.is_file() and "sconsign" not in p.name}
    proc = scons(built)
    assert proc.stdout.strip() == "scons: `examples' is up to date.", proc.stdout
    after = {p: p.stat().st_mtime_ns for p in before}
    assert before == after


def test_changing_a_header_rebuilds_exactly_its_dependents(tree: Path, toolchain_home: Path) -> None:
    assert C_WITH_HEADER, "some C examples include examples.h"
    scons(tree, "-j2")
    header = tree / "src" / "include" / "examples.h"
    header.write_text(header.read_text() + "/* edited */\n")
    planned = scons(tree, "-n").stdout
    compiled = set(re.findall(r"^wasm-cc src/(\w+)\.c", planned, re.M))
    assert compiled == set(C_WITH_HEADER), planned
    hosts = set(re.findall(r"^host-cc src/(\w+)\.c", planned, re.M))
    assert hosts == {n for n in C_WITH_HEADER if EXAMPLES[n].native}
    assert "wat2wasm" not in planned
    # the objects come out identical (only a comment changed): SCons' content signatures stop there
    done = scons(tree).stdout
    assert "wasm-link" not in done and "wasm-cc src/readdir.c" in done


def test_one_target_builds_only_that_module(tree: Path, toolchain_home: Path) -> None:
    scons(tree, "out/readdir.wasm")
    assert [p.name for p in (tree / "out").glob("*.wasm")] == ["readdir.wasm"]
    assert not (tree / "out" / "native").exists()


def test_clean_removes_the_outputs(tree: Path, toolchain_home: Path) -> None:
    scons(tree, "fd_write", "first")
    assert (tree / "out" / "first.wasm").is_file()
    scons(tree, "-c", "fd_write", "first")
    assert not list((tree / "out").glob("*.wasm")) and not (tree / "out" / "native" / "first").exists()


def test_missing_toolchain_is_one_line(tree: Path, tmp_path: Path) -> None:
    env = {**os.environ, "WASITOOL_HOME": str(tmp_path / "empty-store")}
    proc = scons(tree, check=False, env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `wasitool setup`" in lines[0], proc.stderr
    assert not (tree / "out" / "first.wasm").exists()
    # help and clean still work without a toolchain
    assert "readdir" in scons(tree, "-h", env=env).stdout
    scons(tree, "-c", env=env)
    cli = subprocess.run([sys.executable, "-m", "wasitool", "build"], cwd=tree, env=env,
                         capture_output=True, text=True)
    assert cli.returncode == 2 and cli.stderr.count("\n") == 1
    assert cli.stderr.startswith("wasitool: error: no toolchain installed") and "wasitool setup" in cli.stderr


def test_help_describes_targets_and_examples(tree: Path, toolchain_home: Path) -> None:
    text = scons(tree, "-h").stdout
    for word in ("examples", "out/<name>.wasm", "-c", "-j", *EXAMPLES):
        assert word in text


def test_parallel_build_matches_serial(tmp_path: Path, built: Path) -> None:
    serial = copy_checkout(tmp_path / "serial")
    scons(serial, "-j1", "wasm")
    assert (serial / "out" / "SHA256SUMS").read_bytes() == (built / "out" / "SHA256SUMS").read_bytes()
