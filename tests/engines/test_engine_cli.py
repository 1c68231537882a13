"""`wasitool run FILE.wasm` end to end, in a subprocess: exit status, stdout, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import wat_modules as M


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


def test_invoke_arguments_are_parsed_by_the_command(engine_name, wat_file):
    library = str(wat_file(M.LIBRARY))
    assert wasitool("run", library, "--engine", engine_name, "--invoke", "add", "0x10", "-1").stdout == b"15\n"
    proc = wasitool("run", library, "--engine", engine_name, "--invoke", "add", "x", "0")
    assert proc.returncode == 2
    assert _one_line_error(proc).startswith("wasitool: error: invoke argument `x` is not a number")


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


# --- how a run ended, in JSON (issue 12) ----------------------------------------------------------------
def _json(proc: subprocess.CompletedProcess[bytes]) -> dict:
    import json

    return json.loads(proc.stdout)


def test_run_json_tells_a_trap_from_proc_exit_134(engine_name, wat_file):
    trapped = wasitool("run", str(wat_file(M.trap_start("unreachable"), "t.wasm")), "--engine", engine_name, "--json")
    exited = wasitool("run", str(wat_file(M.exit_with(134), "e.wasm")), "--engine", engine_name, "--json")
    assert trapped.returncode == 134
    assert _json(trapped) == {"engine": engine_name, "exit_code": 134, "trap": "unreachable instruction executed",
                              "timeout": None, "results": [], "stdout": "",
                              "stderr": "wasitool: trap: unreachable instruction executed\n"}
    # proc_exit(134) is outside 0..125: status 1, as the wasmtime CLI; either way no trap is reported
    assert (exited.returncode, _json(exited)["exit_code"], _json(exited)["trap"]) == (1, 1, None)


def test_run_json_captures_output_and_results(engine_name, wat_file):
    report = _json(wasitool("run", str(wat_file(M.HELLO)), "--engine", engine_name, "--json"))
    assert (report["exit_code"], report["stdout"], report["trap"]) == (0, "Hello, WASI!\n", None)
    report = _json(wasitool("run", str(wat_file(M.LIBRARY)), "--engine", engine_name, "--json", "--invoke", "add",
                            "2", "3"))
    assert report["results"] == [5]


def _spin_project(tmp_path, wat_file):
    """A checkout with `spin` (never ends; run.timeout = 0.5) and `crash` (traps; expects exit 134)."""
    root = tmp_path / "proj"
    for sub in ("src", "out"):
        (root / sub).mkdir(parents=True)
    (root / "wasitool.lock").write_text("")
    (root / "SConstruct").write_text("")
    for name, wat in (("spin", M.SPIN), ("crash", M.trap_start("unreachable"))):
        (root / "src" / f"{name}.wat").write_text(wat)
        (root / "out" / f"{name}.wasm").write_bytes(wat_file(wat, f"{name}.wasm").read_bytes())
    (root / "wasitool.toml").write_text(
        '[examples.spin]\nsource = "spin.wat"\nteaches = "never ends"\n[examples.spin.run]\ntimeout = 0.5\n'
        '[examples.crash]\nsource = "crash.wat"\nteaches = "traps"\n[examples.crash.expect]\nexit_code = 134\n'
        'stderr = "wasitool: trap: unreachable instruction executed\\n"\n')
    return root


def test_the_example_timeout_applies_to_run(engine_name, wat_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WASITOOL_PROJECT", str(_spin_project(tmp_path, wat_file)))
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "store"))  # no toolchain: the prebuilt module runs
    proc = wasitool("run", "spin", "--engine", engine_name)
    assert (proc.returncode, proc.stderr) == (124, b"wasitool: timed out after 0.5s\n")
    proc = wasitool("run", "spin", "--engine", engine_name, "--timeout", "0.2")  # the flag wins
    assert (proc.returncode, proc.stderr) == (124, b"wasitool: timed out after 0.2s\n")


def _judged(engine_name, root):
    """`check`'s cells for both examples on this engine's Python runtime (in this process, as check runs it)."""
    from wasitool.example_table import load_examples
    from wasitool.runtimes.matrix import Matrix, judge
    from wasitool.runtimes.python import PythonRuntime

    runtime = PythonRuntime(engine_name)
    cells = [judge(example, runtime) for example in load_examples(root).values()]
    return {c.example: c for c in cells}, Matrix([c.example for c in cells], [runtime.name], {}, cells)


def test_check_cells_tell_timeouts_and_traps(engine_name, wat_file, tmp_path):
    from wasitool.runtimes.matrix import to_junit

    cells, matrix = _judged(engine_name, _spin_project(tmp_path, wat_file))
    spin, crash = cells["spin"], cells["crash"]
    assert (spin.status, spin.exit_code, spin.timeout, spin.trap) == ("fail", 124, 0.5, None)
    assert spin.detail.startswith("timed out after 0.5s")
    assert (crash.status, crash.exit_code, crash.trap) == ("pass", 134, "unreachable instruction executed")
    assert matrix.to_json()["cells"][0]["timeout"] == 0.5
    assert "stopped after the 0.5s time limit (exit 124)" in to_junit(matrix)


def test_check_has_a_default_timeout(engine_name, wat_file, tmp_path, monkeypatch):
    root = _spin_project(tmp_path, wat_file)
    table = root / "wasitool.toml"
    table.write_text(table.read_text().replace("timeout = 0.5\n", ""))
    monkeypatch.setenv("WASITOOL_TIMEOUT", "0.3")
    cells, _ = _judged(engine_name, root)
    assert (cells["spin"].exit_code, cells["spin"].timeout) == (124, 0.3)


@pytest.mark.parametrize("value", ["0", "-2", "\"soon\"", "true"])
def test_a_bad_example_timeout_is_one_line(wat_file, tmp_path, value):
    from wasitool.errors import BuildError
    from wasitool.example_table import load_examples

    root = _spin_project(tmp_path, wat_file)
    table = root / "wasitool.toml"
    table.write_text(table.read_text().replace("timeout = 0.5", f"timeout = {value}"))
    with pytest.raises(BuildError, match=r"run\.timeout must be a positive number of seconds"):
        load_examples(root)


# --- the catch-all: a bug is one line, a log and exit 3 --------------------------------------------------
_FORCED_BUG = """
import sys
import wasitool.commands.examples as handler

class PanicException(BaseException):  # what pyo3 raises for a Rust panic (wasmer): not an Exception
    pass

def broken(args):
    raise {error}("forced for the test")

handler.main = broken
sys.argv = ["wasitool", "examples"]
from wasitool.cli import main
sys.exit(main())
"""


def _forced_bug(home, error: str = "ZeroDivisionError") -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "WASITOOL_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", _FORCED_BUG.format(error=error)], capture_output=True, text=True,
                          timeout=60, env=env)


def test_a_bug_is_one_line_a_log_and_exit_3(tmp_path):
    proc = _forced_bug(tmp_path / "store")
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    prefix = "wasitool: internal error: ZeroDivisionError: forced for the test (a bug; details in "
    assert proc.stderr.startswith(prefix)
    log = Path(proc.stderr[len(prefix):].rstrip().removesuffix(")"))
    assert log.parent == tmp_path / "store" / "logs"
    text = log.read_text()
    for expected in ("wasitool: 0.", "python: ", "wasmtime: ", "argv: 'wasitool' 'examples'",
                     'in broken', "ZeroDivisionError: forced for the test"):
        assert expected in text


def test_a_rust_panic_is_a_bug_too(tmp_path):
    proc = _forced_bug(tmp_path / "store", "PanicException")
    assert proc.returncode == 3
    assert proc.stderr.startswith("wasitool: internal error: PanicException: forced for the test (a bug; ")


def test_the_log_falls_back_to_a_temporary_directory(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store should be")
    proc = _forced_bug(blocker)
    assert proc.returncode == 3
    log = Path(proc.stderr.rstrip().rsplit("details in ", 1)[1].removesuffix(")"))
    assert log.is_file() and not log.is_relative_to(blocker)
    log.unlink()
