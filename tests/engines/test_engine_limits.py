"""Guest limits on every engine: --timeout (124), --fuel (a trap, 134), --max-memory, Ctrl-C (130).

wasmtime stops a spinning guest through epoch interruption; wasmer 1.1 cannot be interrupted, so a
supervised run happens in a forked child that the parent kills. Compared with the wasmtime CLI where
its behaviour is the reference (fuel, max-memory); wasitool deliberately reports a timeout as 124
where the CLI's `-W timeout` reports a trap (134).
"""

from __future__ import annotations

import faulthandler
import math
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import wat_modules as M
from tests.support.wasmtime_cli import run_wasmtime_cli
from wasitool.engines.limits import MAX_FUEL, MAX_MEMORY, MAX_TIMEOUT, Limits, parse_fuel, parse_size, parse_timeout
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


def test_timeout_while_blocked_with_sigint_ignored(engine_name, wat_file):
    """Started with SIGINT ignored (`nohup`, `cmd &` in a script, some CI runners), the time limit still ends a
    guest blocked in a host call: the watch interrupts the call with a signal of its own."""
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.run([sys.executable, "-m", "wasitool", "run", str(wat_file(M.CAT)), "--engine", engine_name,
                               "--timeout", "0.5"], stdin=read_end, capture_output=True, timeout=HANG,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    finally:
        os.close(read_end)
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (124, b"wasitool: timed out after 0.5s\n")


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
def test_bad_timeout_is_one_line(value):
    with pytest.raises(WasiError, match="--timeout"):
        parse_timeout(value)


# --- Ctrl-C --------------------------------------------------------------------------------------------
def start_until_ready(argv: list[str], stdin: int, new_session: bool = False) -> subprocess.Popen[bytes]:
    """`wasitool` started and its guest running: it has printed the READY_* modules' "ready" line."""
    proc = subprocess.Popen([sys.executable, "-m", "wasitool", *argv], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=new_session)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], HANG)
    line = proc.stdout.readline() if ready else b""
    if line != b"ready\n":
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"the guest did not start: {line!r} {err!r}")
    return proc


def interrupt(proc: subprocess.Popen[bytes], to_group: bool = False) -> bytes:
    """SIGINT (to the process, or to its process group as a terminal's Ctrl-C does); its stderr."""
    if to_group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"SIGINT did not stop wasitool: {err!r}")
    return err


@pytest.mark.parametrize("to_group", [False, True], ids=["pid", "process-group"])
@pytest.mark.parametrize("wat", [M.READY_SPIN, M.READY_CAT], ids=["spinning", "blocked-in-fd_read"])
def test_sigint_stops_the_guest(engine_name, wat_file, to_group, wat):
    """As a terminal's Ctrl-C (the whole process group) or `kill -INT` (the process only)."""
    read_end, write_end = os.pipe()
    try:
        proc = start_until_ready(["run", str(wat_file(wat)), "--engine", engine_name], read_end, to_group)
        err = interrupt(proc, to_group)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert (proc.returncode, err) == (130, b"wasitool: interrupted\n")


@pytest.mark.slow
def test_sigint_during_host_calls_never_shows_a_traceback(engine_name, wat_file):
    """A guest calling the host in a loop: the signal often lands inside the ctypes callback (wasmtime)."""
    path = str(wat_file(M.READY_HOSTCALLS))
    for attempt in range(12):
        proc = start_until_ready(["run", path, "--engine", engine_name], subprocess.DEVNULL)
        time.sleep(attempt * 0.004)  # spread the signal over the loop
        err = interrupt(proc)
        assert (proc.returncode, err) == (130, b"wasitool: interrupted\n"), attempt


@pytest.mark.parametrize("timeout", ["1e10", "1e308"])
def test_a_huge_timeout_saturates_and_ctrl_c_still_works(engine_name, wat_file, timeout):
    proc = start_until_ready(["run", str(wat_file(M.READY_SPIN)), "--engine", engine_name, "--timeout", timeout],
                             subprocess.DEVNULL)
    err = interrupt(proc)
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


@pytest.mark.parametrize("value", ["0", "-5", "lots", str(1 << 64), str((1 << 64) + 5), "9" * 5000])
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


@pytest.mark.parametrize("text", ["", "0", "-1M", "1.5M", "12Q", "M", "nan", "inf", "9" * 5000])
def test_bad_size_is_one_line(text):
    with pytest.raises(WasiError, match="--max-memory"):
        parse_size(text)


def test_out_of_range_limits_saturate():
    assert parse_timeout("1e308") == parse_timeout("1e10") == MAX_TIMEOUT
    assert parse_fuel(str(MAX_FUEL)) == MAX_FUEL
    assert parse_size("99999999999999999999G") == parse_size("4G") == MAX_MEMORY
    assert Limits(timeout=math.inf, fuel=1 << 70, max_memory=1 << 80).timeout == MAX_TIMEOUT
    assert (Limits(fuel=1 << 70).fuel, Limits(max_memory=1 << 80).max_memory) == (MAX_FUEL, MAX_MEMORY)


@pytest.mark.parametrize("field", ["timeout", "fuel", "max_memory"])
@pytest.mark.parametrize("value", [0, -1, math.nan, -math.inf])
def test_limits_refuse_non_positive_values(field, value):
    with pytest.raises(WasiError, match="is not positive"):
        Limits(**{field: value})


def test_fuel_beyond_the_counter_saturates_instead_of_wrapping(wasmtime_only, wat_file):
    """2^64 + 5 used to wrap to 5 units of fuel: an immediate "out of fuel"."""
    result = run(RunSpec(wat_file(M.HELLO)), "wasmtime", capture=True, limits=Limits(fuel=(1 << 64) + 5))
    assert (result.exit_code, result.stdout, result.trap) == (0, b"Hello, WASI!\n", None)


# --- tables under --max-memory ---------------------------------------------------------------------
@pytest.mark.parametrize(("limit", "exit_code"), [(None, 0), (2 << 20, 104), (8 << 20, 0), (65536, 100)])
def test_table_grow_is_bounded_by_max_memory(engine_name, wat_file, limit, exit_code):
    """8 bytes per element: 2 MiB holds 4 grows of 65536 elements, 8 MiB all 16."""
    limits = Limits(max_memory=limit) if limit is not None else None
    assert run(RunSpec(wat_file(M.TABLE_GROWS)), engine_name, capture=True, limits=limits).exit_code == exit_code


def test_table_grow_under_max_memory_cli(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.TABLE_GROWS)), "--engine", engine_name, "--max-memory", "64M")
    assert (proc.returncode, proc.stderr) == (0, b"")  # 16 x 65536 x 8 bytes = 8 MiB: within the limit
    proc = wasitool("run", str(wat_file(M.TABLE_GROWS)), "--engine", engine_name, "--max-memory", "1M")
    assert (proc.returncode, proc.stderr) == (102, b"")


def test_an_initial_table_above_the_limit_is_refused_in_one_line(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.BIG_INITIAL_TABLE, "tables.wasm")), "--engine", engine_name,
                    "--max-memory", "1M")
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1
    assert proc.stderr.startswith(b"wasitool: error: ") and b"tables.wasm" in proc.stderr


def test_messages_name_the_file_the_user_gave(engine_name, tmp_path):
    """A .wat file runs from the compile cache: messages name the .wat, not the cached module's hash."""
    source = tmp_path / "big-memory.wat"
    source.write_text(M.BIG_INITIAL_MEMORY)
    proc = wasitool("run", str(source), "--engine", engine_name, "--max-memory", "64K")
    assert proc.returncode == 2
    assert proc.stderr == (b"wasitool: error: big-memory.wat starts with 6553600 bytes of memory (100 pages), "
                           b"more than --max-memory 65536 (fix: raise --max-memory, or drop it)\n")


@pytest.fixture
def wasmtime_only(engine_name):
    if engine_name != "wasmtime":
        pytest.skip("fuel is a wasmtime feature")
    return engine_name


@pytest.mark.parametrize(("value", "seconds"), [("1e308", MAX_TIMEOUT), ("inf", MAX_TIMEOUT), ("nan", 60.0),
                                                ("-5", 60.0), ("2.5", 2.5)])
def test_check_time_limit_from_the_environment_saturates(monkeypatch, value, seconds):
    from wasitool.runtimes.base import DEFAULT_TIMEOUT, timeout_seconds

    monkeypatch.setenv("WASITOOL_TIMEOUT", value)
    assert timeout_seconds() == (DEFAULT_TIMEOUT if seconds == 60.0 else seconds)
