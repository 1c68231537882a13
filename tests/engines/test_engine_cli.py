"""`wasitool run FILE.wasm` end to end, in a subprocess: exit status, stdout, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
import wat_modules as M


def wasitool(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    cmd = [sys.executable, "-m", "wasitool", *argv]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=60)


def _one_line_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode()
    assert "Traceback" not in err
    assert err.startswith("wasitool: error: ") and err.count("\n") == 1, err
    return err


def test_hello(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.HELLO)), "--engine", engine_name)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"Hello, WASI!\n", b"")


def test_exit_status_is_the_guests(engine_name, wat_file):
    assert wasitool("run", str(wat_file(M.exit_with(7))), "--engine", engine_name).returncode == 7


def test_guest_args_and_env(engine_name, wat_file):
    path = wat_file(M.strings_dump("args"), "prog.wasm")
    proc = wasitool("run", str(path), "--engine", engine_name, "--", "a", "--b")
    assert (proc.returncode, proc.stdout) == (3, b"prog.wasm\0a\0--b\0")
    path = wat_file(M.strings_dump("environ"))
    proc = wasitool("run", str(path), "--engine", engine_name, "--env", "K=V", "--env", "E=")
    assert (proc.returncode, proc.stdout) == (2, b"K=V\0E=\0")


def test_invoke_prints_results(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.LIBRARY)), "--engine", engine_name, "--invoke", "swap", "5", "-3")
    assert (proc.returncode, proc.stdout) == (0, b"-3\n5\n")


def test_trap(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.trap_start("unreachable"))), "--engine", engine_name)
    assert proc.returncode == 134
    assert proc.stderr == b"wasitool: trap: unreachable instruction executed\n"


@pytest.mark.parametrize("wat", [M.NO_START, M.UNKNOWN_IMPORT])
def test_bad_module_is_one_line(engine_name, wat_file, wat):
    proc = wasitool("run", str(wat_file(wat)), "--engine", engine_name)
    assert proc.returncode == 2
    _one_line_error(proc)


def test_not_wasm_is_one_line(engine_name, tmp_path):
    path = tmp_path / "x.wasm"
    path.write_bytes(b"#!/bin/sh\n")
    assert "x.wasm is not a WebAssembly binary" in _one_line_error(wasitool("run", str(path), "--engine",
                                                                           engine_name))


def test_missing_file_is_one_line(engine_name, tmp_path):
    assert "cannot read" in _one_line_error(wasitool("run", str(tmp_path / "gone.wasm"), "--engine",
                                                     engine_name))


def test_unknown_example(engine_name):
    err = _one_line_error(wasitool("run", "no_such_example_xyz", "--engine", engine_name))
    assert "wasitool examples" in err


def test_verbose_names_the_engine(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.RETURNS)), "--engine", engine_name, "-v")
    assert f"wasitool: engine {engine_name} (requested with --engine)" in proc.stderr.decode()


def test_bad_env_flag(engine_name, wat_file):
    assert "is not K=V" in _one_line_error(wasitool("run", str(wat_file(M.RETURNS)), "--engine", engine_name,
                                                    "--env", "NOEQUALS"))
