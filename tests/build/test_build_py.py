"""wasitool.build: ensure_built's fast path, `wasitool build`, and the reproducibility check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool import build
from wasitool.errors import BuildError

from .conftest import copy_checkout


def _forbid_scons(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("SCons should not run: everything is up to date")

    monkeypatch.setattr(build, "run_scons", refuse)


def test_ensure_built_builds_then_skips_scons(tree: Path, toolchain_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (module,) = build.ensure_built(["first"], root=tree)
    assert module == tree / "out" / "first.wasm" and module.is_file()
    assert not (tree / "out" / "readdir.wasm").exists()
    with monkeypatch.context() as m:
        _forbid_scons(m)  # up to date: answered from the stamp, SCons does not start
        build.ensure_built(["first"], root=tree)
    # a changed source, a deleted or altered output: SCons runs again
    source = tree / "src" / "first.c"
    source.write_text(source.read_text().replace("Hello from C", "Hi from C"))
    build.ensure_built(["first"], root=tree)
    assert b"Hi from C" in module.read_bytes()
    module.write_bytes(b"junk")
    build.ensure_built(["first"], root=tree)
    assert module.read_bytes().startswith(b"\0asm")


def test_ensure_built_native_and_other_names(tree: Path, toolchain_home: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    build.ensure_built(["readdir", "fd_write"], native=True, root=tree)
    assert (tree / "out" / "native" / "readdir").is_file()
    build.ensure_built(["add"], root=tree)  # a different inputs-set: the stamp keeps earlier outputs
    with monkeypatch.context() as m:
        _forbid_scons(m)
        build.ensure_built(["readdir", "fd_write", "add"], native=True, root=tree)
    with pytest.raises(BuildError, match="no example named 'nope'"):
        build.ensure_built(["nope"], root=tree)


def test_build_records_stamp_so_runs_are_free(tree: Path, toolchain_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    build.build([], jobs=2, root=tree)
    with monkeypatch.context() as m:
        _forbid_scons(m)
        build.ensure_built(list(build.load_examples(tree)), native=True, root=tree)
    with pytest.raises(BuildError, match="no example or target named 'bogus'"):
        build.build(["bogus"], root=tree)


def test_failed_compile_is_a_one_line_build_error(tree: Path, toolchain_home: Path) -> None:
    (tree / "src" / "first.c").write_text("int main(void) { return syntax error; }\n")
    with pytest.raises(BuildError) as info:
        build.ensure_built(["first"], root=tree)
    assert "\n" not in info.value.one_line() and "out/first.wasm" in info.value.problem


def test_reproducible_builds(toolchain_home: Path) -> None:
    report = build.check_reproducible(jobs=2)
    assert report.identical, report.differing
    assert "first.wasm" in report.hashes and "SHA256SUMS" in report.hashes
    assert not report.trees[0].exists()


def test_reproducibility_check_detects_an_injected_difference(toolchain_home: Path) -> None:
    def inject(tree: Path, index: int) -> None:
        if index == 1:  # the second build embeds its own build path, as a careless recipe would
            source = tree / "src" / "fd_write.wat"
            marker = "(data (i32.const 16)"
            source.write_text(source.read_text().replace(marker, f'(data (i32.const 256) "{tree}") {marker}'))

    report = build.check_reproducible(prepare=inject)
    assert report.differing == ["SHA256SUMS", "fd_write.p2.wasm", "fd_write.wasm"]  # the component wraps it
    assert report.trees[1].exists()  # kept for inspection
    shutil.rmtree(report.trees[0].parents[1])


def test_cli_check_reproducible(toolchain_home: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "wasitool", "build", "--check-reproducible", "-j", "2"],
                          capture_output=True, text=True, cwd=copy_checkout(tmp_path / "c").parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("reproducible: two clean builds gave identical bytes")
