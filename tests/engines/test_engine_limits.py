"""Guest limits on every engine: --timeout (124), --fuel (a trap, 134), --max-memory, Ctrl-C (130).

wasmtime stops a spinning guest through epoch interruption; wasmer 1.1 cannot be interrupted, so a
supervised run happens in a forked child that the parent kills. Compared with the wasmtime CLI where
its behaviour is the reference (fuel, max-memory); wasitool deliberately reports a timeout as 124
where the CLI's `-W timeout` reports a trap (134).
"""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import wat_modules as M
from tests.support.wasmtime_cli import run_wasmtime_cli
from wasitool.engines.limits import Limits, parse_fuel, parse_size, parse_timeout
from wasitool.errors import WasiError
from wasitool.pyruntime import run
from wasitool.runspec import RunSpec

HANG = 120  # seconds: a broken limit must fail the suite, not hang it


@pytest.fixture(autouse=True)
def hang_guard():
    faulthandler.dump_traceback_later(HANG, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def wasitool(*argv: str, stdin: int | bytes = b"", timeout: float = HANG) -> subprocess.CompletedProcess[bytes]:
    kwargs = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], capture_output=True, timeout=timeout,
                          **kwargs)  # type: ignore[call-overload]


# --- --timeout ---------------------------------------------------------------------------------------
def test_timeout_stops_a_spinning_guest(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.SPIN)), engine_name, capture=True, limits=Limits(timeout=0.3))
    assert (result.exit_code, result.timeout, result.trap) == (124, 0.3, None)
    assert result.stderr == b"wasitool: timed out after 0.3s\n"


def test_the_spec_timeout_applies_and_the_limit_wins(engine_name, wat_file):
    spec = RunSpec(wat_file(M.SPIN), timeout=0.2)
    assert run(spec, engine_name, capture=True).timeout == 0.2
    assert run(spec, engine_name, capture=True, limits=Limits(timeout=0.4)).timeout == 0.4


def test_a_run_within_its_timeout_is_unaffected(engine_name, wat_file):
    result = run(RunSpec(wat_file(M.HELLO)), engine_name, capture=True, limits=Limits(timeout=30))
    assert (result.exit_code, result.stdout, result.stderr, result.timeout) == (0, b"Hello, WASI!\n", b"", None)


def test_runs_after_a_timeout_are_clean(engine_name, wat_file):
    run(RunSpec(wat_file(M.SPIN)), engine_name, capture=True, limits=Limits(timeout=0.2))
    result = run(RunSpec(wat_file(M.HELLO)), engine_name, capture=True, limits=Limits(timeout=30))
    assert (result.exit_code, result.stdout) == (0, b"Hello, WASI!\n")


def test_timeout_cli(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.SPIN)), "--engine", engine_name, "--timeout", "0.5")
    assert (proc.returncode, proc.stderr) == (124, b"wasitool: timed out after 0.5s\n")


def test_timeout_while_blocked_in_a_host_call(engine_name, wat_file):
    """A guest waiting in fd_read on a pipe that never delivers never reaches wasm code again."""
    read_end, write_end = os.pipe()
    try:
        proc = wasitool("run", str(wat_file(M.CAT)), "--engine", engine_name, "--timeout", "0.5", stdin=read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (124, b"wasitool: timed out after 0.5s\n")


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
def test_bad_timeout_is_one_line(value):
    with pytest.raises(WasiError, match="--timeout"):
        parse_timeout(value)


# --- Ctrl-C --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("to_group", [False, True], ids=["pid", "process-group"])
@pytest.mark.parametrize("wat", [M.SPIN, M.CAT], ids=["spinning", "blocked-in-fd_read"])
def test_sigint_stops_the_guest(engine_name, wat_file, to_group, wat):
    """As a terminal's Ctrl-C (the whole process group) or `kill -INT` (the process only)."""
    read_end, write_end = os.pipe()
    argv = [sys.executable, "-m", "wasitool", "run", str(wat_file(wat)), "--engine", engine_name]
    proc = subprocess.Popen(argv, stdin=read_end, stderr=subprocess.PIPE, start_new_session=to_group)
    try:
        time.sleep(1.5)  # let it reach the guest (no assertion depends on this being long enough)
        if to_group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
        os.close(read_end)
        os.close(write_end)
    assert (proc.returncode, err) == (130, b"wasitool: interrupted\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_a_killed_wasitool_leaves_no_guest_running(wat_file):
    """wasmer runs the guest in a child: SIGKILL to wasitool must take the child with it."""
    from wasitool.engines import unavailable_reason

    if unavailable_reason("wasmer") is not None:
        pytest.skip("wasmer is not importable here")
    argv = [sys.executable, "-m", "wasitool", "run", str(wat_file(M.SPIN)), "--engine", "wasmer"]
    proc = subprocess.Popen(argv)
    try:
        children: list[str] = []
        deadline = time.monotonic() + HANG
        while not children and time.monotonic() < deadline:
            time.sleep(0.2)
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert children, "wasitool started no child"
    finally:
        proc.kill()
        proc.wait()
    for child in children:
        deadline = time.monotonic() + HANG
        while _alive(int(child)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(int(child))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- --fuel ---------------------------------------------------------------------------------------------
def test_fuel_runs_out_like_the_wasmtime_cli(engine_name, wat_file, wasmtime_cli):
    path = wat_file(M.SPIN)
    if engine_name != "wasmtime":
        with pytest.raises(WasiError, match="cannot count fuel"):
            run(RunSpec(path), engine_name, capture=True, limits=Limits(fuel=1000))
        return
    result = run(RunSpec(path), engine_name, capture=True, limits=Limits(fuel=1000))
    assert (result.exit_code, result.trap) == (134, "out of fuel")
    assert result.stderr == b"wasitool: trap: out of fuel\n"
    assert run_wasmtime_cli(wasmtime_cli, path, "-W", "fuel=1000").returncode == 134


def test_enough_fuel_runs_to_the_end(wasmtime_only, wat_file):
    result = run(RunSpec(wat_file(M.HELLO)), "wasmtime", capture=True, limits=Limits(fuel=100_000))
    assert (result.exit_code, result.stdout) == (0, b"Hello, WASI!\n")
    # and a run without fuel right after on the same engine is unmetered
    assert run(RunSpec(wat_file(M.SPIN)), "wasmtime", capture=True, limits=Limits(timeout=0.2)).exit_code == 124


def test_fuel_cli(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.SPIN)), "--engine", engine_name, "--fuel", "5000")
    if engine_name == "wasmtime":
        assert (proc.returncode, proc.stderr) == (134, b"wasitool: trap: out of fuel\n")
    else:
        assert proc.returncode == 2
        assert proc.stderr.startswith(b"wasitool: error: the wasmer engine cannot count fuel") and \
            proc.stderr.count(b"\n") == 1


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_bad_fuel_is_one_line(value):
    with pytest.raises(WasiError, match="--fuel"):
        parse_fuel(value)


# --- --max-memory ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("limit", "reference_flag"), [(None, None), (200_000, "200000"), (2_000_000, "2000000")])
def test_max_memory_fails_a_grow_like_the_wasmtime_cli(engine_name, wat_file, wasmtime_cli, limit, reference_flag):
    path = wat_file(M.GROW_REPORTS)
    limits = Limits(max_memory=limit) if limit is not None else None
    result = run(RunSpec(path), engine_name, capture=True, limits=limits)
    flags = ("-W", f"max-memory-size={reference_flag}") if reference_flag else ()
    reference = run_wasmtime_cli(wasmtime_cli, path, *flags)
    assert result.exit_code == reference.returncode
    assert result.exit_code == (11 if limit is None or limit >= 21 * 65536 else 9)


def test_an_initial_memory_above_the_limit_is_refused(engine_name, wat_file, wasmtime_cli):
    path = wat_file(M.BIG_INITIAL_MEMORY)
    with pytest.raises(WasiError, match=r"starts with 6553600 bytes of memory \(100 pages\), more than "
                                        r"--max-memory 204800"):
        run(RunSpec(path), engine_name, capture=True, limits=Limits(max_memory=200 * 1024))
    assert run_wasmtime_cli(wasmtime_cli, path, "-W", "max-memory-size=204800").returncode != 0


def test_max_memory_cli(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.GROW_REPORTS)), "--engine", engine_name, "--max-memory", "1M")
    assert proc.returncode == 9
    proc = wasitool("run", str(wat_file(M.BIG_INITIAL_MEMORY)), "--engine", engine_name, "--max-memory", "64K")
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1


@pytest.mark.parametrize(("text", "size"), [("65536", 65536), ("64K", 65536), ("64k", 65536), ("64KiB", 65536),
                                            ("2M", 2 << 20), ("2MB", 2 << 20), ("1G", 1 << 30)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "-1M", "1.5M", "12Q", "M"])
def test_bad_size_is_one_line(text):
    with pytest.raises(WasiError, match="--max-memory"):
        parse_size(text)


@pytest.fixture
def wasmtime_only(engine_name):
    if engine_name != "wasmtime":
        pytest.skip("fuel is a wasmtime feature")
    return engine_name
