"""The archives the wrappers build on first use (`wrappers._build_archive`): zig's setjmp/longjmp support library
and the porting layer's library, built once into their directory with the real toolchain and linked into programs
that run; a step that fails (the fake toolchain's recorder) says which archive in one line and leaves nothing.

The shared test store already holds both archives, so the port tests reuse them: only this file builds them.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from tests.onefile.test_onefile_ports import SJLJ_C
from tests.toolchain.fake_toolchain import make_fake_store
from tests.toolchain.real_sources import wasitool
from tests.toolchain.test_ports_real import POSIX_C, _runs_with_a_temp_dir
from wasitool.errors import ToolchainError
from wasitool.onefile import current_toolchain
from wasitool.store.records import InstalledTool
from wasitool.toolchain import posix, wrappers

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the fake toolchain's recorder is sh")


def _cc(tool: InstalledTool, *args: str, cwd: Path) -> None:
    proc = subprocess.run([*tool.commands["cc"], *args], cwd=cwd, env={**os.environ, **tool.env},
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow
def test_both_archives_build_once_into_place_and_link(use_toolchain: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # outside any project: the shipped lock's toolchain
    tool = current_toolchain().roles()["cc"]
    lib = tmp_path / "lib"
    inputs = wrappers.link_inputs(tool, lib)
    library = wrappers.posix_library(tool, lib)
    assert str(lib / wrappers.SJLJ_LIB) in inputs and library == lib / posix.LIBRARY  # zig: its sjlj archive
    assert sorted(p.name for p in lib.iterdir()) == sorted([wrappers.SJLJ_LIB, posix.LIBRARY])  # no temp dir left
    built = {p.name: p.stat().st_mtime_ns for p in lib.iterdir()}
    assert all(p.read_bytes()[:8] == b"!<arch>\n" for p in lib.iterdir())
    assert wrappers.link_inputs(tool, lib) == inputs and wrappers.posix_library(tool, lib) == library
    assert {p.name: p.stat().st_mtime_ns for p in lib.iterdir()} == built  # once

    (tmp_path / "sj.c").write_text(SJLJ_C)
    sjlj = ["-mllvm", "-wasm-enable-sjlj"]
    _cc(tool, "-O2", *wrappers.sjlj_compile_flags(tool, sjlj), *sjlj, "sj.c", "-o", "sj.wasm", *inputs, cwd=tmp_path)
    run = wasitool(use_toolchain, "run", "--engine", "wasmtime", str(tmp_path / "sj.wasm"))
    assert (run.returncode, run.stdout) == (0, "longjmp gave 42\n"), run.stderr

    (tmp_path / "px.c").write_text(POSIX_C)
    _cc(tool, "-O2", *posix.DEFINES, "px.c", "-o", "px.wasm", *posix.LIBS, str(library), cwd=tmp_path)
    _runs_with_a_temp_dir(use_toolchain, tmp_path / "px.wasm", tmp_path)


def test_a_failed_step_names_the_archive_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_fake_store(tmp_path / "s", sdk_extra={"sjlj": {"compile": [], "link": [], "library": [],
                                                                "define_c_longjmp": True}})
    tool = store.toolchain.tools["wasi-sdk"]
    monkeypatch.setenv("FAKE_LOG", str(store.log))
    monkeypatch.setenv("FAKE_STATUS", "3")  # the recorder standing in for cc fails, saying nothing
    lib = tmp_path / "lib"
    for build, what in ((lambda: wrappers.link_inputs(tool, lib), "the setjmp/longjmp support library"),
                        (lambda: wrappers.posix_library(tool, lib), "the porting layer's library")):
        with pytest.raises(ToolchainError) as failed:
            build()
        assert (failed.value.problem, failed.value.fix) == (f"cannot build {what} with {tool.origin}: no message",
                                                            "run `wasitool setup --force`")
        assert list(lib.iterdir()) == []
    without_ar = dataclasses.replace(tool, commands={"cc": tool.commands["cc"]})
    for build, needs in ((lambda: wrappers.link_inputs(without_ar, lib), "its setjmp/longjmp support library"),
                         (lambda: wrappers.posix_library(without_ar, lib), "the porting layer's library")):
        with pytest.raises(ToolchainError) as refused:
            build()
        assert refused.value.problem == f"{tool.origin} needs cc and ar to build {needs}"
