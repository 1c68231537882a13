"""The Windows `.cmd` compiler wrappers: what they run, and that it does what the sh wrappers do.

A `.cmd` compiler wrapper runs `python -m wasitool.toolchain.compiler_wrapper SPEC.json %*`. These tests read
that command from the generated file and run it here with the recorder of tests/toolchain/fake_toolchain.py
as the compiler (the spec's argv), so the Python side is exercised for real; cmd.exe itself is not run.
The parity test runs the sh wrapper and the Python wrapper on the same arguments: both follow
`compiler_wrapper.RULES`, so they pass on the same argv and strip the same outputs.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.toolchain.fake_toolchain import SJLJ, FakeStore, make_fake_store
from tests.toolchain.test_link_output import MODULE, STRIP_CASES, _sections
from wasitool.toolchain import compiler_wrapper, posix, wrappers
from wasitool.toolchain.manifest import Toolchain

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the recorder standing in for the compiler is sh")


@pytest.fixture
def store(tmp_path: Path) -> FakeStore:
    return make_fake_store(tmp_path / "store")


def _windows(store: FakeStore) -> dict[str, Path]:
    return wrappers.write_wrappers(Toolchain("windows-x86_64", store.toolchain.tools), store.root / "win")


def _cmd_argv(cmd: Path) -> list[str]:
    """The command line a `.cmd` compiler wrapper runs, without its `%*`."""
    lines = cmd.read_bytes().decode().split("\r\n")
    (line,) = [line for line in lines if line.endswith(" %*")]
    return shlex.split(line[: -len(" %*")])


def _run(store: FakeStore, cmd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_cmd_argv(cmd), *args], env=store.env(**env), capture_output=True, text=True,
                          check=False, cwd=store.root.parent)


def test_a_cmd_compiler_wrapper_runs_its_spec_in_python(store: FakeStore) -> None:
    written = _windows(store)
    for role in ("cc", "c++", "posix-cc", "posix-c++"):
        cmd = written[role]
        assert cmd.name == f"wasm32-wasi-{role}.cmd"
        text = cmd.read_bytes().decode()
        assert text.startswith("@echo off\r\n") and text.endswith("exit /b %ERRORLEVEL%\r\n")
        spec_path = cmd.with_suffix(".json")
        assert _cmd_argv(cmd) == [sys.executable, "-m", wrappers.DRIVER_MODULE, str(spec_path)]
        spec = compiler_wrapper.Spec(**json.loads(spec_path.read_text(encoding="utf-8")))
        tool = store.toolchain.tools["wasi-sdk"]
        assert spec.name == f"wasm32-wasi-{role}" and spec.env == tool.env and spec.zig
        base = tool.commands[role.removeprefix("posix-")]
        assert spec.argv[: len(base)] == base
    assert "\r\nset \"ZIG_GLOBAL_CACHE_DIR=" in written["ar"].read_bytes().decode()  # other roles: the command


@pytest.mark.parametrize("args, stripped", STRIP_CASES)
def test_a_cmd_link_without_g_loses_its_dwarf_and_keeps_its_names(store: FakeStore, args: list[str],
                                                                   stripped: bool) -> None:
    out = store.root.parent / "prog.wasm"
    out.write_bytes(MODULE)  # what the link left (the recorder writes nothing without FAKE_OUTPUT)
    proc = _run(store, _windows(store)["cc"], "main.o", *args, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert ("custom:.debug_info" not in _sections(out)) is stripped
    assert "custom:name" in _sections(out)
    assert store.calls()[0] == ["cc", "-target", "wasm32-wasi", "main.o", *args, "-o", str(out), *SJLJ["link"]]


def test_a_failed_cmd_link_keeps_its_status_and_its_output(store: FakeStore) -> None:
    out = store.root.parent / "prog.wasm"
    out.write_bytes(MODULE)
    proc = _run(store, _windows(store)["cc"], "main.o", "-o", str(out), FAKE_STATUS="5")
    assert proc.returncode == 5 and "custom:.debug_info" in _sections(out)


def test_the_cmd_porting_layer_adds_the_emulations(store: FakeStore) -> None:
    posix_cc = _windows(store)["posix-cc"]
    assert _run(store, posix_cc, "-c", "x.c", "-o", "x.o").returncode == 0
    args, _ = store.calls()
    assert args[3 : 3 + len(posix.DEFINES)] == list(posix.DEFINES) and args[-4:] == ["-c", "x.c", "-o", "x.o"]
    assert _run(store, posix_cc, "x.o", "-o", "x.wasm", FAKE_OUTPUT="1").returncode == 0
    args, _ = store.calls()
    library = str(store.root / "win" / "lib" / posix.LIBRARY)
    assert args[-len(posix.LIBS) - 1 :] == [*posix.LIBS, library]


def test_a_slow_cmd_link_says_why(store: FakeStore, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from wasitool.toolchain import firstuse

    monkeypatch.setattr(firstuse, "WATCH_SECONDS", 0.2)
    for name, value in store.env(FAKE_SLEEP="1", FAKE_OUTPUT="1").items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(store.root.parent)
    spec = str(_windows(store)["cc"].with_suffix(".json"))
    assert compiler_wrapper.main([spec, "-c", "x.c", "-o", "x.o"]) == 0
    assert capsys.readouterr().err == ""  # a compile builds no C library
    assert compiler_wrapper.main([spec, "x.o", "-o", "x.wasm"]) == 0
    assert capsys.readouterr().err.startswith("wasm32-wasi-cc: still building after 0.2 s: zig builds its C library")


def test_a_cmd_wrapper_refuses_setjmp_where_the_source_has_none(tmp_path: Path) -> None:
    from dataclasses import replace

    store = make_fake_store(tmp_path / "s", sdk_extra={"sjlj": None})
    sdk = replace(store.toolchain.tools["wasi-sdk"], unavailable={"setjmp": "this libc has no setjmp.h"})
    store.toolchain = Toolchain(store.toolchain.platform, {**store.toolchain.tools, "wasi-sdk": sdk})
    proc = _run(store, _windows(store)["cc"], "-mllvm", "-wasm-enable-sjlj", "-c", "x.c")
    assert proc.returncode == 1 and not store.log.exists()
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("wasm32-wasi-cc: error: setjmp/longjmp") and "this libc has no setjmp.h" in line


ARGUMENT_CASES = [
    ["main.o", "libfoo.a", "-o", "prog.wasm"],
    ["-O2", "main.c", "-lm"],
    ["-c", "main.c", "-o", "main.o"],
    ["-E", "main.c"],
    ["--version"],
    ["-v"],
    ["-print-file-name=libc.a"],
    ["-oprog.wasm", "main.o"],
    ["main.o", "-g", "-o", "prog.wasm"],
    ["main.o", "-g", "-g0", "-o", "prog.wasm"],
    ["main.o", "-gno-column-info", "-o", "prog.wasm"],
    ["main.o", "-Wl,--relocatable", "-o", "prog.wasm"],
    ["main.o", "-o", "-"],
    ["-O2", "-mllvm", "-wasm-enable-sjlj", "-c", "x.c", "-o", "x.o"],
    ["-mllvm", "-wasm-enable-sjlj", "-mllvm", "-wasm-use-legacy-eh=true", "x.c", "-o", "prog.wasm"],
    ["-o", "main.c", "-c"],  # the output is not an input
]


@pytest.mark.parametrize("args", ARGUMENT_CASES, ids=" ".join)
def test_the_sh_and_the_python_wrapper_decide_alike(store: FakeStore, args: list[str]) -> None:
    cwd = store.root.parent
    sh_cc = wrappers.write_wrappers(store.toolchain, store.root / "bin")["cc"]
    spec = wrappers.compiler_spec("cc", store.toolchain.command("cc"), store.toolchain.tools["wasi-sdk"],
                                  list(SJLJ["link"]))
    found = compiler_wrapper.scan(args)
    outcomes = []
    for argv in ([str(sh_cc)], [sys.executable, "-m", wrappers.DRIVER_MODULE, str(_write_spec(spec, cwd))]):
        (cwd / found.output).write_bytes(MODULE)
        proc = subprocess.run([*argv, *args], env=store.env(), capture_output=True, text=True, check=False,
                              cwd=cwd)
        assert proc.returncode == 0, proc.stderr
        outcomes.append((store.calls()[0], "custom:.debug_info" not in _sections(cwd / found.output)))
    expected = compiler_wrapper.command(spec, args)
    assert expected is not None
    assert outcomes[0] == outcomes[1] == (expected[1:], found.strips)  # the recorder logs what follows its path


def _write_spec(spec: compiler_wrapper.Spec, directory: Path) -> Path:
    path = directory / "cc.json"
    path.write_text(spec.to_json(), encoding="utf-8")
    return path


def test_scan_reads_the_arguments_as_the_rules_say() -> None:
    assert compiler_wrapper.scan(["main.o", "-o", "p.wasm"]) == (True, False, False, False, "p.wasm")
    assert compiler_wrapper.scan(["x.c"]).output == "a.out"
    assert not compiler_wrapper.scan(["-c", "x.c"]).links and not compiler_wrapper.scan(["-v"]).links
    assert compiler_wrapper.scan(["-mllvm", "-wasm-enable-sjlj", "-mllvm", "-wasm-use-legacy-eh"])[1:3] == (True, True)
    assert not compiler_wrapper.scan(["x.o", "-o", "-"]).strips and compiler_wrapper.scan(["x.o", "-g0"]).strips
