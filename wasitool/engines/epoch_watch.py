"""Stop wasm code on wasmtime at a deadline or on Ctrl-C, by bumping the engine's epoch from a thread.

The engine is built with epoch interruption and every store's deadline is one tick ahead, so one
`Engine.increment_epoch()` makes the running guest trap at its next loop back-edge or function entry.
wasmtime releases the GIL while wasm runs, so a plain thread can do it:

- the time limit: the thread waits for it and bumps the epoch (`reason = "timeout"`);
- Ctrl-C: Python's C-level SIGINT handler only sets a flag that the main thread, busy in wasm, would
  not look at; with `signal.set_wakeup_fd` it also writes the signal number to a pipe, which wakes the
  thread, which bumps the epoch (`reason = "interrupt"`); the main thread then raises KeyboardInterrupt.
- a guest blocked in a host call (a `poll_oneoff` sleep, a read) never reaches an epoch check: past the
  deadline, or after a Ctrl-C, the thread sends the main thread `KICK` (SIGUSR2, handled by this watch
  during the run) every `GRACE` seconds, which interrupts the call (it raises KeyboardInterrupt there; a
  timed-out run is reported as such, since `reason` says so). Not SIGINT: a process started with SIGINT
  ignored (`nohup`, `cmd &` in a script, some CI runners) would never be kicked, and its time limit
  would never end a blocked guest.
- where KeyboardInterrupt may be raised: a host call is a ctypes callback, and an exception escaping
  the callback's own frame (before its `try`, or in its exception handler) cannot be caught: ctypes
  prints "Exception ignored on calling ctypes callback function" with a traceback and wasm goes on.
  So during a run the main thread's SIGINT handler asks `defer(frame)` (the engine's binding glue:
  `wasmtime_unchecked.in_binding_glue`) and, when the signal landed there, only returns: the epoch is
  bumped already, and the next kick lands in the host function or in the caller of the export.

The epoch is engine-wide: runs sharing an engine in concurrent threads would interrupt each other
(wasitool runs one guest at a time). Costs per run: a pipe and a thread (`_thread`, no `threading` import).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal's C core: `signal` builds enums (~0.4 ms)
import _thread
import os
import select
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

from wasitool.engines.wakeup_pipe import STOP, WakeupPipe

T = TypeVar("T")

KICK = getattr(_signal, "SIGUSR2", _signal.SIGINT)  # interrupts a host call blocking the main thread
GRACE = 0.5  # seconds after the deadline before a guest stuck in a host call is interrupted by a signal


class EpochWatch:
    """Context manager around one run; afterwards `reason` is None, "timeout" or "interrupt"."""

    def __init__(self, bump: Callable[[], None], timeout: float | None,
                 defer: Callable[[FrameType], bool] | None = None) -> None:
        self.reason: str | None = None
        self._bump = bump
        self._defer = defer
        self._old_handler: object = None
        self._old_kick: tuple[object] | None = None  # KICK's handler before the run, while ours is installed
        self._timeout = timeout
        self._done = False
        self._lock = _thread.allocate_lock()  # held while the thread may still signal the main thread
        self._pipe: WakeupPipe | None = None
        self._main: int | None = _thread.get_ident()  # None unless this is the main thread (see __enter__)

    def run(self, call: Callable[[], T], timed_out: Callable[[], T]) -> T:
        """`call()` under this watch: past the deadline the run's outcome is `timed_out()`; after a Ctrl-C,
        KeyboardInterrupt (also when the guest stopped at the epoch without one being raised in it)."""
        try:
            with self:
                outcome = call()
        except KeyboardInterrupt:
            if self.reason != "timeout":
                raise
            return timed_out()
        if self.reason == "interrupt":
            raise KeyboardInterrupt
        return timed_out() if self.reason == "timeout" else outcome

    def __enter__(self) -> EpochWatch:
        self._pipe = pipe = WakeupPipe()
        if not pipe.open():  # only the main thread gets signals there (and runs Python's SIGINT handler)
            self._main = None
        if self._main is not None and self._defer is not None and \
                _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
            self._old_handler = _signal.signal(_signal.SIGINT, self._on_sigint)
        if self._main is not None:
            self._old_kick = (_signal.signal(KICK, self._on_sigint),)
        if self._main is None and self._timeout is None:
            return self  # nothing to watch for
        pipe.start(self._watch)
        return self

    def __exit__(self, *exc: object) -> None:
        pipe, self._pipe = self._pipe, None
        if pipe is None:
            return
        pipe.restore()
        if self._old_handler is not None:
            _signal.signal(_signal.SIGINT, self._old_handler)
            self._old_handler = None
        with self._lock:
            self._done = True
        pipe.stop()  # a pipe full of signal bytes: the thread sees `_done`
        if self._old_kick is not None:  # the thread is gone: no kick can arrive after this
            _signal.signal(KICK, self._old_kick[0])
            self._old_kick = None
        pipe.close()

    def _watch(self, read_fd: int) -> None:
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        while not self._done:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([read_fd], [], [], wait)
            if ready:
                data = os.read(read_fd, 512)
                if STOP in data or self._done:
                    return
                if _signal.SIGINT in data and self.reason is None:
                    self.reason = "interrupt"
                    self._bump()
                    deadline = time.monotonic() + GRACE  # kick a guest blocked in a host call
                continue
            if self.reason is None:  # the deadline passed
                self.reason = "timeout"
                self._bump()
            else:  # still running GRACE seconds later: stuck in a host call
                self._kick()
            deadline = time.monotonic() + GRACE

    def _on_sigint(self, _signum: int, frame: FrameType | None) -> None:
        """The main thread's SIGINT handler during a run: KeyboardInterrupt, unless that would escape."""
        if frame is not None and self._defer is not None and self._defer(frame):
            return  # the watcher has the signal too: the epoch stops the guest, a kick follows
        raise KeyboardInterrupt

    def _kick(self) -> None:
        with self._lock:
            if not self._done and self._main is not None:
                _signal.pthread_kill(self._main, KICK)

