"""`wasitool verify` and `build --write-sums` on real clean builds of the bundled examples (slow)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit

from wasitool.sums import buildinfo_path, read_buildinfo, read_sums
from wasitool.verify import verify

from .conftest import ROOT, copy_checkout

pytestmark = pytest.mark.slow


def wasitool(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=900, check=False)


def test_the_committed_sums_verify_in_this_checkout(toolchain_home: Path) -> None:
    proc = wasitool("verify", "-j", "2", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    count = len(read_sums(ROOT / "SHA256SUMS"))
    assert proc.stdout == f"verified: the {count} modules built from clean match {ROOT / 'SHA256SUMS'}\n"
    info = read_buildinfo(ROOT / "SHA256SUMS")
    assert info is not None and {t.source for t in info.toolchain.values()} == {"pip", "npm"}  # npm: the adapters
    assert {name: t.source for name, t in info.toolchain.items()}["wasi-adapters"] == "npm"


def test_a_source_change_names_the_module_and_its_sections(toolchain_home: Path) -> None:
    def edit(tree: Path) -> None:
        source = tree / "src" / "first.c"
        source.write_text(source.read_text().replace("Hello from C", "Hi from C!"))

    report = verify(ROOT / "SHA256SUMS", root=ROOT, jobs=2, prepare=edit)
    differing = {d.name: d for d in report.differing}  # first.p2.wasm: the component wrapping the same code
    assert {(name, d.status) for name, d in differing.items()} == {("first.wasm", "changed"),
                                                                   ("first.p2.wasm", "changed")}
    assert "data" in differing["first.wasm"].sections and report.same_toolchain is True
    assert len(report.matched) == len(read_sums(ROOT / "SHA256SUMS")) - 2


def test_write_sums_then_verify_then_a_change_exits_1(toolchain_home: Path, tmp_path: Path) -> None:
    tree = copy_checkout(tmp_path / "project")
    wrote = wasitool("build", "--write-sums", "-j", "2", cwd=tree)
    assert wrote.returncode == 0, wrote.stderr
    assert read_sums(tree / "SHA256SUMS") == read_sums(ROOT / "SHA256SUMS")  # the committed ones: reproducible
    assert buildinfo_path(tree / "SHA256SUMS").is_file()
    source = tree / "src" / "readdir.c"
    source.write_text(source.read_text().replace('"closedir"', '"closedir failed"'))
    proc = wasitool("verify", "--json", cwd=tree)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False and report["same_toolchain"] is True
    assert [d["module"] for d in report["differing"]] == ["readdir.p2.wasm", "readdir.wasm"]  # and its component
    text = wasitool("verify", cwd=tree)
    assert text.returncode == 1 and "  readdir.wasm: section" in text.stdout
    assert "same toolchain, different bytes" in text.stdout


def test_missing_sums_is_one_line_with_the_fix(toolchain_home: Path, tmp_path: Path) -> None:
    tree = copy_checkout(tmp_path / "project")
    proc = wasitool("verify", cwd=tree)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (f"wasitool: error: no checksum file {tree / 'SHA256SUMS'} (fix: run `wasitool build "
                           "--write-sums` to make it from this build, then commit it)\n")


def _system_clang_lock(lock: Path) -> None:
    """Keep only the `system` source of wasi-sdk (Debian's clang) in the lock."""
    document = tomlkit.parse(lock.read_text())
    sources = document["tools"]["wasi-sdk"]["sources"]
    for index in reversed(range(len(sources))):
        if sources[index]["kind"] != "system":
            del sources[index]
    document["tools"]["wasi-sdk"].pop("reproducible-source", None)
    lock.write_text(tomlkit.dumps(document))


def test_another_toolchain_is_named(toolchain_home: Path, tmp_path: Path) -> None:
    if not shutil.which("clang-16") and not list(Path("/usr/bin").glob("clang-[0-9]*")):
        pytest.skip("no distribution clang for the system source (CI installs Debian's clang-16)")
    tree = copy_checkout(tmp_path / "project")
    _system_clang_lock(tree / "wasitool.lock")
    for name in ("SHA256SUMS", "SHA256SUMS.buildinfo.json"):
        shutil.copyfile(ROOT / name, tree / name)
    setup = wasitool("setup", "--offline", cwd=tree)
    if setup.returncode != 0:
        pytest.skip(f"the system source is not usable here: {setup.stderr.strip()}")
    proc = wasitool("verify", cwd=tree)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "built with another toolchain (wasi-sdk pip ziglang 0.17.0.post0 (" in proc.stdout
    assert "you have wasi-sdk system clang-" in proc.stdout
    assert "fix: run `wasitool setup --source pip`, then verify again" in proc.stdout
