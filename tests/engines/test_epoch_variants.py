"""wasmtime compiles epoch checks only into runs that something may have to stop inside their wasm code: a time
limit, or Ctrl-C in a run that keeps state in this process (a trace, a recording). A plain `wasitool run` and a
batch's child run without them (10-25% faster on compute-bound guests), as the wasmtime CLI without
`-W timeout`; Ctrl-C still ends a plain run with one line and status 130 (`engines.interrupt_exit`), and an
interposer holding the compiled module gets the one the engine runs (`--trace-stack` with `--fuel`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.engines.test_engine_limits import interrupt, start_until_ready, wasitool
from tests.faults.test_stacks import NESTED
from tests.support import wat_modules as M
from wasitool.engines import load_engine
from wasitool.engines.limits import Limits
from wasitool.engines.wasmtime_engine import WasmtimeEngine
from wasitool.runspec import RunSpec


@pytest.fixture
def wasmtime_engine() -> WasmtimeEngine:
    """wasmtime's engine (the suite installs wasmtime-py on every Python it runs; wasmer stops a guest by
    killing the child it runs in, whatever it was compiled with)."""
    engine = load_engine("wasmtime")
    assert isinstance(engine, WasmtimeEngine)
    return engine


@pytest.mark.parametrize(("limits", "variant"), [
    (Limits(), None),  # a library call with no limits, a batch's child
    (Limits(interruptible=True, exit_on_interrupt=True), None),  # a plain `wasitool run`
    (Limits(interruptible=True), "epoch"),  # Ctrl-C must return here (a trace, a recording)
    (Limits(timeout=5.0), "epoch"),
    (Limits(timeout=5.0, interruptible=True, exit_on_interrupt=True), "epoch"),
    (Limits(fuel=1000), "fuel"),
], ids=["none", "plain-run", "graceful-ctrl-c", "timeout", "timeout-plain-run", "fuel"])
def test_epoch_checks_only_where_a_guest_may_be_stopped(wasmtime_engine: WasmtimeEngine, wat_file, limits: Limits,
                                                        variant: str | None) -> None:
    module = wasmtime_engine.compile(wat_file(M.READY_SPIN))
    prepared = wasmtime_engine.prepare(module, limits)
    assert prepared.variant == variant
    assert wasmtime_engine.prepare(prepared, limits) is prepared  # compiled once per variant
    if variant is None:
        assert prepared is module and "no-epoch" in (wasmtime_engine.cache_tag() or "")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="batches fork a child per run")
def test_a_batch_with_a_time_limit_runs_its_children_without_epoch_checks(wasmtime_engine: WasmtimeEngine, wat_file,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's parent kills a child at its time limit: the children run the engine's own code, and the batch
    makes no epoch-checked variant of the module (before, it made one for the parent's limits and ran it)."""
    from wasitool.batch import run_batch

    made: list[str] = []
    variant = WasmtimeEngine._variant
    monkeypatch.setattr(WasmtimeEngine, "_variant", lambda self, name: made.append(name) or variant(self, name))
    hello, spin = wat_file(M.HELLO, "hello.wasm"), wat_file(M.READY_SPIN, "spin.wasm")
    runs = list(run_batch([RunSpec(hello), RunSpec(spin, timeout=0.5)], "wasmtime", limits=Limits(timeout=30.0)))
    results = [run.result for run in runs]
    assert results[0] is not None and results[0].exit_code == 0
    assert results[1] is not None and (results[1].exit_code, results[1].timeout) == (124, 0.5)
    assert made == []


def test_a_spinning_plain_run_and_a_traced_one_both_end_on_ctrl_c(wasmtime_engine: WasmtimeEngine, wat_file):
    """The plain run ends the process from its watching thread; the traced one stops the guest at an epoch
    check and returns through the CLI (its trace of the `ready` write is on stderr before the line)."""
    path = str(wat_file(M.READY_SPIN))
    plain = start_until_ready(["run", path, "--engine", "wasmtime"], subprocess.DEVNULL)
    assert (interrupt(plain), plain.returncode) == (b"wasitool: interrupted\n", 130)
    traced = start_until_ready(["run", path, "--engine", "wasmtime", "--trace=fd_write"], subprocess.DEVNULL)
    assert traced.stderr is not None and traced.stderr.readline().startswith(b"fd_write(fd=1, ")  # then spins
    assert (interrupt(traced), traced.returncode) == (b"wasitool: interrupted\n", 130)


def test_ctrl_c_ignored_at_start_stays_ignored(wasmtime_engine: WasmtimeEngine, wat_file):
    """`nohup`: a plain run started with SIGINT ignored is not ended by one (it ends at its own exit)."""
    argv = [sys.executable, "-m", "wasitool", "run", str(wat_file(M.READY_CAT)), "--engine", "wasmtime"]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(b"abc", timeout=60)  # the guest reads stdin to its end, then exits
    assert (proc.returncode, err) == (0, b"")


def test_trace_stack_with_fuel_samples_the_module_that_runs(wasmtime_engine: WasmtimeEngine, wat_file):
    """--fuel runs code compiled by another engine: the stack sampler must be given that module (before,
    wasmtime aborted the process on the mismatch)."""
    proc = wasitool("run", str(wat_file(NESTED)), "--engine", "wasmtime", "--trace-stack", "--fuel", "1000000")
    assert (proc.returncode, proc.stdout) == (0, b"hi\nhi\n"), proc.stderr[-2000:]
    stacks = [line for line in proc.stderr.decode().splitlines() if line.startswith("    stack: ")]
    assert stacks == ["    stack: inner <- middle <- main", "    stack: inner <- main"]
