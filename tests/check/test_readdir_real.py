"""The classic bug this project was born from, end to end: wasi-libc's readdir over 10,000 files.

The real `readdir` example (opendir/readdir, compiled by the installed toolchain) lists a preopened
directory on every importable engine; the listing must equal `os.listdir`, each name exactly once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import importable_engines
from wasitool import pyruntime
from wasitool.build import ensure_built
from wasitool.runspec import Preopen, RunSpec


@pytest.fixture(scope="module")
def readdir_wasm(toolchain_home: Path) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WASITOOL_HOME", str(toolchain_home))
        (module,) = ensure_built(["readdir"])
    return module


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("many")
    for i in range(10_000):
        os.close(os.open(root / f"f{i:05d}{'-' * (i % 41)}", os.O_CREAT | os.O_WRONLY, 0o644))
    (root / "a-directory").mkdir()
    return root


@pytest.mark.parametrize("engine", importable_engines())
def test_ten_thousand_files_through_wasi_libc(engine: str, readdir_wasm: Path, many_files: Path) -> None:
    spec = RunSpec(readdir_wasm, dirs=(Preopen(many_files, "."),))
    result = pyruntime.run(spec, engine, capture=True)
    assert (result.exit_code, result.stderr) == (0, b"")
    listed = result.stdout.decode().splitlines()
    expected = [name + ("/" if (many_files / name).is_dir() else "") for name in os.listdir(many_files)]
    assert len(listed) == len(set(listed)) == 10_001
    assert sorted(listed) == sorted(expected)
