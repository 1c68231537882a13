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
import _thread
import contextlib
import os
import select
from types import FrameType

from wasitool import exitcodes

LINE = b"wasitool: interrupted\n"
_STOP = b"\0"  # written by the main thread; signal numbers are never 0


class ExitOnInterrupt:
    """Context manager around one run in the main thread: a Ctrl-C during it ends the process (status 130)."""

    def __init__(self) -> None:
        self._fds: tuple[int, int] | None = None
        self._old_wakeup = -1
        self._old_handler: object = None
        self._finished = _thread.allocate_lock()  # held by the thread until it returns

    def __enter__(self) -> ExitOnInterrupt:
        if _signal.getsignal(_signal.SIGINT) is not _signal.default_int_handler:
            return self  # SIGINT ignored, or handled by the embedding program: not ours to act on
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        try:  # only the main thread may set the wakeup fd
            self._old_wakeup = _signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        except ValueError:
            os.close(read_fd)
            os.close(write_fd)
            return self
        self._fds = (read_fd, write_fd)
        # The thread acts on the signal; a KeyboardInterrupt raised in a host call as well would print twice.
        self._old_handler = _signal.signal(_signal.SIGINT, _leave_to_the_thread)
        self._finished.acquire()
        _thread.start_new_thread(self._watch, (read_fd,))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fds is None:
            return
        read_fd, write_fd = self._fds
        _signal.set_wakeup_fd(self._old_wakeup)
        _signal.signal(_signal.SIGINT, self._old_handler)
        with contextlib.suppress(BlockingIOError):  # a pipe full of signal bytes: the thread sees a SIGINT
            os.write(write_fd, _STOP)
        self._finished.acquire()
        self._finished.release()
        os.close(read_fd)
        os.close(write_fd)
        self._fds = None

    def _watch(self, read_fd: int) -> None:
        try:
            while True:
                select.select([read_fd], [], [])
                data = os.read(read_fd, 512)
                if _signal.SIGINT in data:
                    with contextlib.suppress(OSError):
                        os.write(2, LINE)
                    os._exit(exitcodes.INTERRUPTED)
                if _STOP in data:
                    return
        finally:
            self._finished.release()


def _leave_to_the_thread(_signum: int, _frame: FrameType | None) -> None:
    """The main thread's SIGINT handler during such a run: nothing (the watching thread ends the process)."""
