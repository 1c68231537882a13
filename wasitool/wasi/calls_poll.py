"""poll_oneoff: clock subscriptions (relative and absolute) and fd read/write readiness."""

from __future__ import annotations

import os
import select
import sys
import time

from .base import ContextBase, span
from .constants import (
    EVENT_FD_READWRITE_HANGUP,
    EVENTTYPE_CLOCK,
    EVENTTYPE_FD_READ,
    EVENTTYPE_FD_WRITE,
    FILETYPE_DIRECTORY,
    FILETYPE_REGULAR_FILE,
    M32,
    RIGHT_FD_READ,
    RIGHT_FD_WRITE,
    RIGHT_POLL_FD_READWRITE,
    SUBCLOCK_ABSTIME,
)
from .errno import EBADF, EFAULT, EINVAL, ENOTCAPABLE
from .layouts import EVENT, SUB_CLOCK, SUB_FD, SUB_HEAD, SUBSCRIPTION_SIZE

_CLOCKS = (time.time_ns, time.monotonic_ns, time.process_time_ns, time.thread_time_ns)

MAX_WAIT = 3600.0  # seconds per select() or sleep(); longer waits take several

# (userdata, error, type, nbytes, flags)
Event = tuple[int, int, int, int, int]


def _pending_bytes(host_fd: int) -> tuple[int, int]:
    """(nbytes, flags) for a readable stream: FIONREAD when available; 0 bytes means hangup."""
    try:
        import fcntl
        import termios

        buf = bytearray(4)
        fcntl.ioctl(host_fd, termios.FIONREAD, buf)
        count = int.from_bytes(buf, sys.byteorder)
    except (ImportError, OSError, AttributeError):
        return 1, 0
    return count, (0 if count else EVENT_FD_READWRITE_HANGUP)


def _wait(reads: list[int], writes: list[int], timeout: float | None) -> tuple[set[int], set[int]]:
    """Host fds ready for reading / writing within `timeout` seconds (all, if select can't tell)."""
    try:
        ready_r, ready_w, _ = select.select(reads, writes, [], timeout)
    except (OSError, ValueError):
        return set(reads), set(writes)
    return set(ready_r), set(ready_w)


_STREAM_RIGHT = {EVENTTYPE_FD_READ: RIGHT_FD_READ, EVENTTYPE_FD_WRITE: RIGHT_FD_WRITE}


class PollCalls(ContextBase):
    """poll_oneoff (bound to a `WasiContext`, which does not inherit it: it may use only `ContextBase`)."""

    def poll_oneoff(self, in_: int, out: int, nsubscriptions: int) -> int | tuple[int]:
        count = nsubscriptions & M32
        if count == 0:
            return EINVAL
        mem = self._memory.view()
        in_ &= M32
        out &= M32
        if in_ & 7 or out & 7:  # arrays of structs holding u64s (wasmtime fails a misaligned one too)
            return EFAULT
        span(mem, in_, count * SUBSCRIPTION_SIZE)
        span(mem, out, count * EVENT.size)
        events: list[Event] = []
        clocks: list[tuple[int, int]] = []  # (monotonic deadline ns, userdata)
        waits: list[tuple[int, int, int]] = []  # (userdata, type, host fd)
        for i in range(count):
            at = in_ + i * SUBSCRIPTION_SIZE
            userdata, tag = SUB_HEAD.unpack_from(mem, at)
            if tag == EVENTTYPE_CLOCK:
                clock_id, timeout, _precision, flags = SUB_CLOCK.unpack_from(mem, at + 16)
                if clock_id >= len(_CLOCKS):
                    events.append((userdata, EINVAL, tag, 0, 0))
                    continue
                remaining = timeout - _CLOCKS[clock_id]() if flags & SUBCLOCK_ABSTIME else timeout
                clocks.append((time.monotonic_ns() + max(0, remaining), userdata))
            elif tag in (EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE):
                (fd,) = SUB_FD.unpack_from(mem, at + 16)
                desc = self._fds.get(fd)
                if desc is None:
                    events.append((userdata, EBADF, tag, 0, 0))
                elif desc.inherited and not desc.rights_base & _STREAM_RIGHT[tag]:
                    return EBADF  # a stdio stream polled the way it does not go (stdout for reading), as the CLI
                elif not desc.rights_base & RIGHT_POLL_FD_READWRITE and not desc.inherited:
                    events.append((userdata, ENOTCAPABLE, tag, 0, 0))
                elif desc.filetype == FILETYPE_DIRECTORY:  # not pollable: the call fails, as in the wasmtime CLI
                    return EBADF
                elif desc.filetype == FILETYPE_REGULAR_FILE:
                    events.append((userdata, 0, tag, _file_nbytes(desc.host_fd, tag), 0))
                else:
                    waits.append((userdata, tag, desc.host_fd))
            else:
                return EINVAL
        _block(events, clocks, waits)
        for n, event in enumerate(events):
            EVENT.pack_into(mem, out + n * EVENT.size, *event)
        return (len(events),)


def _file_nbytes(host_fd: int, tag: int) -> int:
    """Regular files are always ready: bytes left to read, or 0 for writes."""
    if tag != EVENTTYPE_FD_READ:
        return 0
    try:
        return max(0, os.fstat(host_fd).st_size - os.lseek(host_fd, 0, os.SEEK_CUR))
    except OSError:
        return 0


def _block(events: list[Event], clocks: list[tuple[int, int]], waits: list[tuple[int, int, int]]) -> None:
    """Wait for the first stream to become ready or the first clock to expire; append events.

    Any timeout is honoured, up to 2**64 ns: the host waits in steps of at most MAX_WAIT seconds
    (Python's select and sleep refuse huge timeouts), so a far deadline sleeps instead of failing.
    """
    deadline = min(d for d, _ in clocks) if clocks else None
    if waits:
        reads = [h for _, t, h in waits if t == EVENTTYPE_FD_READ]
        writes = [h for _, t, h in waits if t == EVENTTYPE_FD_WRITE]
        while True:
            timeout = MAX_WAIT
            if events:
                timeout = 0.0
            elif deadline is not None:
                timeout = min(MAX_WAIT, max(0, deadline - time.monotonic_ns()) / 1e9)
            ready_r, ready_w = _wait(reads, writes, timeout)
            for userdata, tag, host_fd in waits:
                if tag == EVENTTYPE_FD_READ and host_fd in ready_r:
                    events.append((userdata, 0, tag, *_pending_bytes(host_fd)))
                elif tag == EVENTTYPE_FD_WRITE and host_fd in ready_w:
                    events.append((userdata, 0, tag, 0, 0))
            if events or (deadline is not None and deadline <= time.monotonic_ns()):
                break
    elif not events and deadline is not None:
        while (left := deadline - time.monotonic_ns()) > 0:
            time.sleep(min(left / 1e9, MAX_WAIT))
    now = time.monotonic_ns()
    for due, userdata in clocks:
        if due <= now:
            events.append((userdata, 0, EVENTTYPE_CLOCK, 0, 0))
