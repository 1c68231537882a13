"""`wasitool run readdir --trace*` on the real example: what the issue promised a learner would see."""

from __future__ import annotations

import json
import re

import pytest

from wasitool.cli import main

pytestmark = pytest.mark.usefixtures("use_toolchain")


def test_trace_shows_path_flags_entries_and_bytes(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "readdir", "--trace"]) == 0
    captured = capfd.readouterr()
    lines = captured.err.splitlines()
    (opendir,) = [ln for ln in lines if ln.startswith("path_open(")]
    assert 'path="."' in opendir and "oflags=O_DIRECTORY" in opendir and opendir.endswith("opened_fd=4")
    (readdir,) = [ln for ln in lines if ln.startswith("fd_readdir(")]
    names = re.findall(r'name="([^"]*)"', readdir)
    assert sorted(names) == [".", "..", "alpha.txt", "beta.txt", "subdir"]
    assert re.search(r'd_namlen=8, d_type=REGULAR_FILE, name="beta.txt"', readdir)
    assert re.search(r'd_namlen=6, d_type=DIRECTORY, name="subdir"', readdir)
    written = "".join(re.findall(r'buf="([^"]*)"', " ".join(ln for ln in lines if ln.startswith("fd_write("))))
    assert sorted(written.replace("\\n", "\n").splitlines()) == sorted(captured.out.splitlines())


def test_summary_and_json(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "readdir", "--trace-summary"]) == 0
    table = capfd.readouterr().err.splitlines()
    assert [row.split()[-2:] for row in table if row.endswith(" fd_readdir")] == [["1", "fd_readdir"]]
    assert main(["run", "readdir", "--trace-format", "json"]) == 0
    records = [json.loads(line) for line in capfd.readouterr().err.splitlines()]
    (call,) = [r for r in records if r["call"] == "fd_readdir"]
    assert call["errno"] == "ESUCCESS" and {e["name"] for e in call["out"]["buf"]} >= {"alpha.txt", "subdir"}
