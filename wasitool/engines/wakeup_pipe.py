"""How a thread hears of a signal while the main thread is busy in wasm code.

Python runs its signal handlers only between the main thread's bytecodes. With `signal.set_wakeup_fd` the
C-level handler also writes the signal number to a pipe, which a thread of ours reads at once. Used by
`epoch_watch` (bump the epoch on Ctrl-C, or at a deadline) and `interrupt_exit` (end the process on Ctrl-C).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal's C core: `signal` builds enums (~0.4 ms)
import _thread
import contextlib
import os
from collections.abc import Callable

STOP = b"\0"  # written by the main thread to end the watching thread; signal numbers are never 0


class WakeupPipe:
    """The pipe, where the wakeup fd points while it is open, and the one thread that reads it."""

    def __init__(self) -> None:
        self.read_fd = -1
        self._write_fd = -1
        self._old_wakeup: int | None = None  # set while the wakeup fd points here
        self._finished = _thread.allocate_lock()  # held by the thread until it returns

    def open(self) -> bool:
        """Make the pipe and point the wakeup fd at it; False outside the main thread, where only `STOP` and
        the owner's own deadline can wake the thread (only the main thread may set the wakeup fd)."""
        self.read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        try:
            self._old_wakeup = _signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        except ValueError:
            return False
        return True

    def start(self, watch: Callable[[int], None]) -> None:
        """Run `watch(read_fd)` in a thread; it must return when it reads `STOP`."""
        self._finished.acquire()
        _thread.start_new_thread(self._run, (watch,))

    def _run(self, watch: Callable[[int], None]) -> None:
        try:
            watch(self.read_fd)
        finally:
            self._finished.release()

    def restore(self) -> None:
        """Point the wakeup fd back where it was: signals no longer reach the pipe."""
        if self._old_wakeup is not None:
            _signal.set_wakeup_fd(self._old_wakeup)
            self._old_wakeup = None

    def stop(self) -> None:
        """End the thread, if it runs: `STOP`, then wait for it to return."""
        if self._finished.locked():
            with contextlib.suppress(BlockingIOError):  # a pipe full of signal bytes: the thread reads them first
                os.write(self._write_fd, STOP)
            self._finished.acquire()
            self._finished.release()

    def close(self) -> None:
        """Close both ends (after `restore` and `stop`)."""
        os.close(self.read_fd)
        os.close(self._write_fd)
        self.read_fd = self._write_fd = -1
