"""Run a guest in a forked child, so that it can be stopped while it spins in wasm code (wasmer).

wasmer 1.1 keeps the GIL while wasm runs and offers no way to interrupt it (no epochs, no fuel, no
metering in its Python API): no thread or signal handler of this process runs until the guest returns.
So the guest runs in a child process and this one waits: at the time limit, or on Ctrl-C, it kills
the child (SIGKILL) and reports a timeout (exit 124) or raises KeyboardInterrupt (the CLI prints one
line and exits 130).

The child ignores SIGINT (a terminal sends it to the whole process group; the parent decides), asks
the kernel to kill it when the parent dies (Linux `PR_SET_PDEATHSIG`: a killed `wasitool` never leaves
a spinning guest behind), and sends back its Outcome, or the error it raised, through a pipe with
`marshal`. Guest output goes straight to the inherited file descriptors. Cost: a fork and the
child's copy-on-write faults, ~2-3 ms of CPU per run (the CLI wins it back by skipping interpreter
finalization: `cli.main`). Every page the child writes is a copy, so the child does as little as it can:
callers instantiate before the fork (`Engine.instantiate`; `pyruntime`, `batch`) and the child only runs
the guest, `prctl` is looked up before it too, and the collector is frozen (`gc.freeze`) so that the
child's never walks the parent's objects.

Anything to compile is compiled before the fork, because the process may have other threads (wasmer's
parallel compiler pool among them) that the child lacks, and a compile in the child would wait for them
forever.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal's C core: `signal` builds enums (~0.4 ms)
import contextlib
import gc
import marshal
import os
import select
import sys
import time
from collections.abc import Callable
from functools import cache

from wasitool.engines.values import Outcome
from wasitool.errors import InternalError, WasiError, WasitoolError
from wasitool.typed import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_PR_SET_PDEATHSIG = 1


STARTED = b"S"  # the child is about to run guest code: the time limit counts from here


def run_in_child(work: Callable[[Callable[[], None]], Outcome], timeout: float | None,
                 flush: Callable[[], None], label: str) -> Outcome:
    """`work(started)` in a forked child; its Outcome, or the exception it raised, comes back here.

    `work` calls `started()` just before guest code runs (after loading the module), so that the
    time limit does not count compilation.
    """
    pid, read_fd = fork_child(work, flush)
    try:
        payload = _receive(read_fd, timeout)
    except BaseException:  # KeyboardInterrupt (Ctrl-C), or a signal handler's exception
        _kill(pid)
        raise
    finally:
        os.close(read_fd)
    if payload is None:
        _kill(pid)
        return Outcome.timed_out(timeout or 0.0)
    _, status = os.waitpid(pid, 0)
    return result_of(payload, status, label, "wasmer")


def fork_child(work: Callable[[Callable[[], None]], Outcome], flush: Callable[[], None]) -> tuple[int, int]:
    """Start `work(started)` in a forked child without waiting for it: (its pid, the read end of its pipe).

    The pipe carries `STARTED` (guest code is about to run), then the marshalled result (`result_of`).
    """
    _flush(flush)
    prctl = _prctl()
    gc.freeze()  # what exists now is never walked (so never copied) by the child's garbage collector
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process (coverage does not follow it)
        os.close(read_fd)
        _child(work, write_fd, parent, prctl, flush)
    os.close(write_fd)
    return pid, read_fd


def result_of(payload: bytes, status: int, label: str, engine: str) -> Outcome:
    """The Outcome a child sent after its start mark (`status`: its `waitpid` status), or the error it
    raised, raised here; a child that died without a result is a one-line WasiError."""
    if not payload:
        fix = "try --engine wasmtime" if engine == "wasmer" else "run it alone to see more"
        raise WasiError(f"the {engine} engine died while running {label} ({_describe(status)})", fix)
    return _unpack(marshal.loads(payload))


def _receive(read_fd: int, timeout: float | None) -> bytes | None:
    """What the child writes after its start mark, until it exits; None if `timeout` passes first
    (counted from the start mark)."""
    deadline = None
    data = b""
    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return None
        ready, _, _ = select.select([read_fd], [], [], wait)
        if not ready:
            return None
        chunk = os.read(read_fd, 65536)
        if not chunk:
            return data[1:] if data[:1] == STARTED else data
        if not data and timeout is not None:
            deadline = time.monotonic() + timeout
        data += chunk


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, _signal.SIGKILL)
    os.waitpid(pid, 0)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        signal = os.WTERMSIG(status)
        return f"killed by signal {signal}" + (" - out of memory?" if signal == _signal.SIGKILL else "")
    return f"exit status {os.WEXITSTATUS(status)}, no result"


def _flush(flush: Callable[[], None]) -> None:
    """Write out buffered output, so that it is neither lost nor written twice across the fork."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    flush()


def _child(work: Callable[[Callable[[], None]], Outcome], write_fd: int, parent: int, prctl: int | None,
           flush: Callable[[], None]) -> None:  # pragma: no cover - runs in the child
    try:
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
        _die_with(parent, prctl)
        marked: list[int] = []

        def started() -> None:
            if not marked:
                marked.append(os.write(write_fd, STARTED))

        payload = _pack(work, started)
        started()
        _flush(flush)
        data = memoryview(marshal.dumps(payload))
        while data:
            data = data[os.write(write_fd, data):]
    finally:
        os._exit(0)


def _pack(work: Callable[[Callable[[], None]], Outcome],
          started: Callable[[], None]) -> tuple[Any, ...]:  # pragma: no cover - runs in the child
    try:
        outcome = work(started)
        return ("ok", outcome.exit_code, list(outcome.results), outcome.trap, outcome.timeout)
    except WasitoolError as exc:
        return ("error", type(exc).__name__, exc.problem, exc.fix)
    except KeyboardInterrupt:
        return ("interrupt",)
    except BaseException as exc:
        import traceback

        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if isinstance(exc, InternalError):
            return ("bug", exc.kind, exc.message, details)
        return ("bug", type(exc).__name__, str(exc), details)


def _unpack(payload: tuple[Any, ...]) -> Outcome:
    kind = payload[0]
    if kind == "ok":
        return Outcome(payload[1], payload[2], payload[3], payload[4])
    if kind == "error":
        from wasitool import errors

        error_type = getattr(errors, payload[1], WasitoolError)
        if not (isinstance(error_type, type) and issubclass(error_type, WasitoolError)):
            error_type = WasitoolError
        raise error_type(payload[2], payload[3])
    if kind == "interrupt":
        raise KeyboardInterrupt
    raise InternalError(payload[1], payload[2], payload[3])


@cache
def _prctl() -> int | None:
    """The address of Linux's `prctl` (None elsewhere, or when it cannot be found), looked up once, in the parent.

    Through `_ctypes` (CPython's ctypes core, private) rather than `ctypes`: importing ctypes costs ~1.5 ms,
    `_ctypes` ~0.5 ms; and here rather than in each child, where the import costs ~2 ms: every object the
    import machinery touches there is a page the child copies from the parent.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import _ctypes

        return int(_ctypes.dlsym(_ctypes.dlopen(None), "prctl"))  # type: ignore[arg-type]  # None: the process
    except Exception:
        return None


def _die_with(parent: int, prctl: int | None) -> None:  # pragma: no cover - runs in the child
    """Have the kernel SIGKILL this child when the parent dies (`prctl(PR_SET_PDEATHSIG)`, Linux); any failure
    only loses the guarantee."""
    if prctl is None:
        return
    try:
        import _ctypes  # imported by the parent already (`_prctl`): a lookup in sys.modules

        _ctypes.call_function(prctl, (_PR_SET_PDEATHSIG, int(_signal.SIGKILL), 0, 0, 0))
    except Exception:
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
