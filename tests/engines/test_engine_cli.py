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


def test_stdin_is_the_processes(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.CAT)), "--engine", engine_name, stdin=b"piped\n")
    assert (proc.returncode, proc.stdout) == (0, b"piped\n")


def test_dir_flag(engine_name, wat_file, tmp_path):
    proc = wasitool("run", str(wat_file(M.PREOPEN_NAME)), "--engine", engine_name,
                    "--dir", f"{tmp_path}::/data")
    assert (proc.returncode, proc.stdout) == (0, b"/data")
    assert "is not a directory" in _one_line_error(
        wasitool("run", str(wat_file(M.PREOPEN_NAME)), "--engine", engine_name, "--dir", str(tmp_path / "no")))


def test_trace_file(engine_name, wat_file, tmp_path):
    trace = tmp_path / "trace.txt"
    proc = wasitool("run", str(wat_file(M.HELLO)), "--engine", engine_name, "--trace-file", str(trace))
    assert proc.stdout == b"Hello, WASI!\n"
    assert "fd_write" in trace.read_text()


def _project(tmp_path, wat_file):
    """A checkout with one example, `greet`, whose recipe passes args and env; its module is prebuilt."""
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "out").mkdir()
    (root / "wasitool.lock").write_text("")
    (root / "SConstruct").write_text("")
    (root / "src" / "greet.wat").write_text(M.strings_dump("args"))
    (root / "out" / "greet.wasm").write_bytes(wat_file(M.strings_dump("args")).read_bytes())
    (root / "wasitool.toml").write_text(
        '[examples.greet]\nsource = "greet.wat"\nteaches = "args"\n'
        '[examples.greet.run]\nargs = ["from-recipe"]\nargv0 = "greet"\n'
        '[examples.greet.expect]\nstdout = "greet\\u0000from-recipe\\u0000"\nexit_code = 2\n')
    return root


def test_example_by_name_with_recipe_and_overrides(engine_name, wat_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WASITOOL_PROJECT", str(_project(tmp_path, wat_file)))
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "store"))  # no toolchain: the prebuilt module runs
    proc = wasitool("run", "greet", "--engine", engine_name)
    assert (proc.returncode, proc.stdout) == (2, b"greet\0from-recipe\0")
    proc = wasitool("run", "greet", "--engine", engine_name, "--", "x", "y")
    assert (proc.returncode, proc.stdout) == (3, b"greet\0x\0y\0")
    proc = wasitool("run", "greet", "--engine", engine_name, "--diff")
    assert proc.returncode == 0, proc.stdout
