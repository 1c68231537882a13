"""Ctrl-C ends the process at once, for a run whose guest need not be stopped in its wasm code.

The wasmtime CLI dies of a Ctrl-C (status 130 in a shell) without checking for it in the guest's code; wasitool
does the same for a plain run (`Limits.exit_on_interrupt`, no time limit), so that wasmtime can run code compiled
without epoch checks (10-25% faster on compute-bound guests). Python runs its SIGINT handler only between the
main thread's bytecodes, and the main thread is busy in wasm; with `signal.set_wakeup_fd` the C-level handler
also writes the signal number to a pipe, which wakes a thread that writes `wasitool: interrupted` on stderr and
ends the process with status 130, what the CLI prints and returns after a Ctrl-C it catches.

Nothing is lost: the guest's output goes straight to its file descriptors, and runs that keep state in this
process (a trace, a recording, injected faults) or have a time limit stop the guest instead (`EpochWatch`).
A process started with SIGINT ignored (`nohup`) keeps ignoring it. Costs per run: a pipe and a thread.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal's C core: `signal` builds enums (~0.4 ms)
import contextlib
import os
import select
from types import FrameType

from wasitool import exitcodes
from wasitool.engines.wakeup_pipe import STOP, WakeupPipe

LINE = b"wasitool: interrupted\n"


class ExitOnInterrupt:
    """Context manager around one run in the main thread: a Ctrl-C during it ends the process (status 130)."""

    def __init__(self) -> None:
        self._pipe: WakeupPipe | None = None
        self._old_handler: object = None

    def __enter__(self) -> ExitOnInterrupt:
        if _signal.getsignal(_signal.SIGINT) is not _signal.default_int_handler:
            return self  # SIGINT ignored, or handled by the embedding program: not ours to act on
        pipe = WakeupPipe()
        if not pipe.open():  # not the main thread
            pipe.close()
            return self
        self._pipe = pipe
        # The thread acts on the signal; a KeyboardInterrupt raised in a host call as well would print twice.
        self._old_handler = _signal.signal(_signal.SIGINT, _leave_to_the_thread)
        pipe.start(_watch)
        return self

    def __exit__(self, *exc: object) -> None:
        pipe, self._pipe = self._pipe, None
        if pipe is None:
            return
        pipe.restore()
        _signal.signal(_signal.SIGINT, self._old_handler)
        pipe.stop()
        pipe.close()


def _watch(read_fd: int) -> None:
    while True:
        select.select([read_fd], [], [])
        data = os.read(read_fd, 512)
        if _signal.SIGINT in data:
            with contextlib.suppress(OSError):
                os.write(2, LINE)
            os._exit(exitcodes.INTERRUPTED)
        if STOP in data:
            return


def _leave_to_the_thread(_signum: int, _frame: FrameType | None) -> None:
    """The main thread's SIGINT handler during such a run: nothing (the watching thread ends the process)."""
