"""bench/run.py's real-programs workload at --quick sizes: the SQLite shell, Lua and minigzip built from their
pinned sources, each run on every runtime and its output checked against the bench's Python oracles.

Timings are never asserted; a row's `error` is set when a run exits non-zero or its output (stdout, or the
files it leaves in its preopened directory) is wrong, so "no errors" means every program ran correctly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.third_party import LUA, MINIGZIP, SQLITE
from tests.toolchain.real_sources import require_sources

REPO = Path(__file__).resolve().parents[2]
LABELS = {"sqlite3 2000 rows", "lua 20000", "minigzip 1 MiB", "minigzip -d 1 MiB"}


@pytest.fixture(scope="module")
def report(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    for program in (SQLITE, LUA, MINIGZIP):
        require_sources(program)
    work = tmp_path_factory.mktemp("bench-real")
    out = work / "real.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--only", "real", "--runs", "1",
         "--work", str(work / "build"), "--json", str(out)],
        env={**os.environ, "WASITOOL_HOME": str(toolchain_home)}, cwd=REPO,
        capture_output=True, text=True, timeout=1800, check=False,
    )
    assert out.is_file(), proc.stderr[-3000:]
    data = json.loads(out.read_text())
    data["_proc"] = proc
    return data


def test_every_real_program_runs_right_everywhere(report: dict) -> None:
    rows = report["rows"]
    assert not [(r["label"], r["runtime"], r["error"]) for r in rows if r["error"]]
    assert report["_proc"].returncode == 0, report["_proc"].stderr[-3000:]
    assert {r["label"] for r in rows} == LABELS
    assert "native" not in {r["runtime"] for r in rows}  # no host builds of the real programs
    ran = {(r["label"], r["runtime"]) for r in rows if r["times"]}
    for runtime in ("python-wasmtime", "python-wasmer", "wasmtime-cli"):
        if runtime not in report["unavailable"]:
            expected = LABELS - {"lua 20000"} if runtime == "python-wasmer" else LABELS
            assert {label for label, rt in ran if rt == runtime} == expected, runtime


def test_a_runtime_without_exception_handling_is_reported_unsupported_for_lua(report: dict) -> None:
    if "python-wasmer" in report["unavailable"]:
        pytest.skip("wasmer is not importable by the bench's wasmer venv")
    lua = next(r for r in report["rows"] if r["label"] == "lua 20000" and r["runtime"] == "python-wasmer")
    assert lua["unsupported"] == "lacks wasm feature(s): exceptions"
    assert not lua["times"] and lua["passed"] is None

