"""Smoke test of bench/run.py: tiny sizes, one run; checks the table, the JSON and every output.

Timings are never asserted (the machine may be busy); a row's `error` is set when a run exits
non-zero or prints the wrong output, so "no errors" means every workload ran correctly everywhere.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "run.py"
ROW_KEYS = {"workload", "label", "runtime", "times", "cpu_times", "median", "min", "max", "cpu_median",
            "ratio_native", "ratio_wasmtime_cli", "target", "passed", "error",
            "unsupported"}


@pytest.fixture(scope="module")
def report(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("bench")
    out = work / "quick.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--runs", "1", "--work", str(work / "build"), "--json", str(out)],
        env={**__import__("os").environ, "WASITOOL_HOME": str(toolchain_home)},
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert out.is_file(), proc.stderr
    data = json.loads(out.read_text())
    data["_proc"] = proc
    return data


def test_exit_status_and_table(report: dict) -> None:
    proc = report["_proc"]
    errors = [(r["label"], r["runtime"], r["error"]) for r in report["rows"] if r["error"]]
    assert not errors
    assert proc.returncode == 0, proc.stderr
    for header in ("workload", "runtime", "median", "min-max", "x native", "x wasmtime-cli", "target"):
        assert header in proc.stdout


def test_json_shape(report: dict) -> None:
    assert report["mode"] == "quick"
    assert report["runs"] == 1
    assert {"cores", "cpu", "memory_gib"} <= set(report["machine"])
    assert "zig" in report["versions"]
    for row in report["rows"]:
        assert set(row) == ROW_KEYS
        assert len(row["times"]) == 1 and row["median"] == row["times"][0]


def test_every_workload_on_every_available_runtime(report: dict) -> None:
    runtimes = {"python-wasmer", "python-wasmtime", "native", "node", "wasmtime-cli"} - set(report["unavailable"])
    assert "native" in runtimes
    labels = {r["label"] for r in report["rows"] if r["runtime"] == "native"}
    assert len(labels) == 10  # startup, fd_write, file I/O, readdir x2, fd table x2, sha256, args + env, batch
    for label in labels - {"batch 10 x hello"}:
        assert {r["runtime"] for r in report["rows"] if r["label"] == label} == runtimes, label
    assert any(r["label"].startswith("readdir 100") for r in report["rows"])
    assert any(r["label"] == "fd table 1000 opens" and r["target"] for r in report["rows"])
    python = {r for r in runtimes if r.startswith("python-")}
    batch = {r["runtime"] for r in report["rows"] if r["workload"] == "batch"}
    assert batch == (runtimes - {"node"}) | {f"{r} -j2" for r in python}
    assert {r["runtime"] for r in report["rows"] if r["workload"] == "check"} == python


def test_ratios_and_targets(report: dict) -> None:
    rows = {(r["label"], r["runtime"]): r for r in report["rows"]}
    for (_label, runtime), row in rows.items():
        if runtime == "native":
            assert row["ratio_native"] == pytest.approx(1.0)
        if runtime.startswith("python-") and row["workload"] in ("startup", "fd_write", "file_io", "sha256", "args_env",
                                                                  "batch", "check"):
            assert row["target"] and row["passed"] in (True, False)
    build = [r for r in report["rows"] if r["workload"] in ("build", "setup")]
    assert {r["label"] for r in build} == {"scons examples (full)", "scons examples (no-op)", "wasitool setup (warm)"}
    assert all(r["target"] for r in build if "full" not in r["label"])
