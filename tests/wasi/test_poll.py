"""poll_oneoff: clock subscriptions sleep, files are ready at once, stdin readiness via select."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno
from wasitool.wasi.constants import (
    EVENT_FD_READWRITE_HANGUP,
    EVENTTYPE_CLOCK,
    EVENTTYPE_FD_READ,
    EVENTTYPE_FD_WRITE,
    SUBCLOCK_ABSTIME,
)


def _clock_sub(userdata: int, timeout_ns: int, clock: int = 1, flags: int = 0) -> bytes:
    return struct.pack("<QB7xI4xQQH6x", userdata, EVENTTYPE_CLOCK, clock, timeout_ns, 0, flags)


def _fd_sub(userdata: int, tag: int, fd: int) -> bytes:
    return struct.pack("<QB7xI28x", userdata, tag, fd)


def _poll(guest: Guest, subs: list[bytes]) -> tuple[int, list[tuple[int, int, int, int, int]]]:
    blob = b"".join(subs)
    assert all(len(s) == 48 for s in subs)
    in_ = guest.put(blob)
    out = guest.alloc(32 * max(1, len(subs)))
    nevents = guest.alloc(4)
    err = guest.call("poll_oneoff", in_, out, len(subs), nevents)
    if err:
        return err, []
    return 0, [struct.unpack_from("<QHB5xQH6x", guest.mem.data, out + 32 * i) for i in range(guest.u32(nevents))]


def test_relative_clock_sleeps(guest: Guest) -> None:
    start = time.monotonic()
    err, events = _poll(guest, [_clock_sub(7, 50_000_000)])
    elapsed = time.monotonic() - start
    assert err == 0
    assert events == [(7, 0, EVENTTYPE_CLOCK, 0, 0)]
    assert 0.045 <= elapsed < 1.0


def test_absolute_clock(guest: Guest) -> None:
    deadline = time.time_ns() + 40_000_000
    start = time.monotonic()
    err, events = _poll(guest, [_clock_sub(1, deadline, clock=0, flags=SUBCLOCK_ABSTIME)])
    assert err == 0 and events == [(1, 0, EVENTTYPE_CLOCK, 0, 0)]
    assert time.monotonic() - start >= 0.035
    err, events = _poll(guest, [_clock_sub(2, 1, clock=1, flags=SUBCLOCK_ABSTIME)])  # in the past
    assert err == 0 and events == [(2, 0, EVENTTYPE_CLOCK, 0, 0)]


def test_earliest_clock_wins(guest: Guest) -> None:
    start = time.monotonic()
    err, events = _poll(guest, [_clock_sub(1, 2_000_000_000), _clock_sub(2, 20_000_000)])
    assert err == 0
    assert [e[0] for e in events] == [2]
    assert time.monotonic() - start < 1.0


def test_regular_file_ready_at_once(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"0123456789")
    err, fd = guest.open(3, "f")
    assert err == 0
    assert guest.read(fd, 4)[0] == 0
    start = time.monotonic()
    err, events = _poll(guest, [_fd_sub(10, EVENTTYPE_FD_READ, fd), _fd_sub(11, EVENTTYPE_FD_WRITE, fd),
                                _clock_sub(12, 5_000_000_000)])
    assert time.monotonic() - start < 0.5
    assert err == 0
    assert events == [(10, 0, EVENTTYPE_FD_READ, 6, 0), (11, 0, EVENTTYPE_FD_WRITE, 0, 0)]


def test_stdin_readiness(guest: Guest, stdio: dict[str, int]) -> None:
    # nothing to read: the clock fires
    err, events = _poll(guest, [_fd_sub(1, EVENTTYPE_FD_READ, 0), _clock_sub(2, 30_000_000)])
    assert err == 0 and events == [(2, 0, EVENTTYPE_CLOCK, 0, 0)]
    os.write(stdio["stdin_w"], b"abc")
    err, events = _poll(guest, [_fd_sub(1, EVENTTYPE_FD_READ, 0), _clock_sub(2, 5_000_000_000)])
    assert err == 0 and events == [(1, 0, EVENTTYPE_FD_READ, 3, 0)]
    assert guest.read(0, 3) == (0, b"abc")
    os.close(stdio["stdin_w"])
    err, events = _poll(guest, [_fd_sub(1, EVENTTYPE_FD_READ, 0)])
    assert err == 0 and events == [(1, 0, EVENTTYPE_FD_READ, 0, EVENT_FD_READWRITE_HANGUP)]


def test_stdout_writable(guest: Guest) -> None:
    err, events = _poll(guest, [_fd_sub(5, EVENTTYPE_FD_WRITE, 1)])
    assert err == 0 and events == [(5, 0, EVENTTYPE_FD_WRITE, 0, 0)]


def test_bad_subscriptions(guest: Guest) -> None:
    err, events = _poll(guest, [_fd_sub(1, EVENTTYPE_FD_READ, 99)])
    assert err == 0 and events == [(1, Errno.EBADF, EVENTTYPE_FD_READ, 0, 0)]
    err, events = _poll(guest, [_clock_sub(3, 0, clock=9)])
    assert err == 0 and events == [(3, Errno.EINVAL, EVENTTYPE_CLOCK, 0, 0)]
    assert _poll(guest, [struct.pack("<QB39x", 1, 7)])[0] == Errno.EINVAL
    assert _poll(guest, [])[0] == Errno.EINVAL
    size = len(guest.mem.data)
    assert guest.call("poll_oneoff", size - 40, 1024, 1, 2048) == Errno.EFAULT
    assert guest.call("poll_oneoff", guest.put(_clock_sub(1, 0)), size - 16, 1, 2048) == Errno.EFAULT


def test_stdio_polled_the_way_it_does_not_go_fails_the_call_with_ebadf(guest: Guest) -> None:
    """stdout/stderr polled for reading and stdin for writing never become ready: the call fails with EBADF
    at once, as in the wasmtime CLI (waiting on them hung before)."""
    for fd, tag in ((1, EVENTTYPE_FD_READ), (2, EVENTTYPE_FD_READ), (0, EVENTTYPE_FD_WRITE)):
        assert _poll(guest, [_fd_sub(4, tag, fd), _clock_sub(5, 0)])[0] == Errno.EBADF


def test_a_directory_subscription_fails_the_call_with_ebadf(guest: Guest) -> None:
    """The wasmtime CLI fails the whole poll_oneoff with EBADF for a directory descriptor."""
    assert _poll(guest, [_fd_sub(4, EVENTTYPE_FD_READ, 3)])[0] == Errno.EBADF
    assert _poll(guest, [_fd_sub(4, EVENTTYPE_FD_WRITE, 3), _clock_sub(5, 0)])[0] == Errno.EBADF
