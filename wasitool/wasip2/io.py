"""`wasi:io` 0.2: `error`, `poll` and `streams` over host fds.

Streams are synchronous: a write is done when `write` returns (so `flush` has nothing to do and
`check-write` always grants `WRITE_BUDGET` bytes), a read returns what one read(2) gives (`read` on stdin
returns nothing at once when no data is ready; `blocking-read` waits). A stream over a
file keeps its own offset and its own duplicate of the file's fd, so dropping the descriptor first does
not pull the file from under it. `blocking-write-and-flush` refuses more than 4096 bytes with a trap,
as the specification allows and the wasmtime CLI does.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from typing import Any

from wasmtime.component import Variant

from wasitool.wasi.errno import ErrnoError
from wasitool.wasip2.convert import Err
from wasitool.wasip2.error_codes import error_code
from wasitool.wasip2.resources import Resource

WRITE_BUDGET = 1 << 20  # bytes `check-write` grants
READ_MAX = 64 << 10  # bytes one read returns at most (a guest may ask for gigabytes; short reads are allowed)
BLOCKING_WRITE_MAX = 4096  # bytes one `blocking-write-and-flush` may carry (the WIT's limit)


class GuestTrap(Exception):
    """A host function's refusal that ends the run as a trap (the message is the trap's)."""


class IoError(Resource):
    """`wasi:io/error.error`: why a stream operation failed; `code` is its filesystem error-code."""

    kind = "error"
    type_id = 3

    def __init__(self, message: str, code: str) -> None:
        self.message = message
        self.code = code


def closed() -> Err:
    """The `closed` stream error (end of input, or a reader gone)."""
    return Err(Variant("closed"))


def _failed(exc: OSError | ErrnoError) -> Err:
    code = error_code(exc)
    return Err(Variant("last-operation-failed", IoError(f"{code}: {exc}", code)))


class Pollable(Resource):
    """`wasi:io/poll.pollable`: ready now, at a monotonic deadline (ns), or when an fd is readable."""

    kind = "pollable"
    type_id = 4

    def __init__(self, deadline: int | None = None, read_fd: int | None = None) -> None:
        self.deadline = deadline
        self.read_fd = read_fd

    def ready(self) -> bool:
        if self.deadline is not None:
            return time.monotonic_ns() >= self.deadline
        if self.read_fd is not None:
            return bool(select.select([self.read_fd], [], [], 0)[0])
        return True


def poll(pollables: list[Pollable]) -> list[int]:
    """Block until at least one is ready; the indexes of the ready ones (`wasi:io/poll.poll`)."""
    if not pollables:
        raise GuestTrap("poll: an empty list of pollables")
    while True:
        ready = [i for i, p in enumerate(pollables) if p.ready()]
        if ready:
            return ready
        deadlines = [p.deadline for p in pollables if p.deadline is not None]
        fds = [p.read_fd for p in pollables if p.read_fd is not None]
        wait = max(0, min(deadlines) - time.monotonic_ns()) / 1e9 if deadlines else None
        if fds:
            select.select(fds, [], [], wait)
        elif wait is not None:
            time.sleep(wait)


class InputStream(Resource):
    """`wasi:io/streams.input-stream` over an fd: a stream (stdin) or a file read from `offset` on."""

    kind = "input-stream"
    type_id = 2

    def __init__(self, fd: int, offset: int | None = None, owned: bool = False) -> None:
        self.fd = fd
        self.offset = offset
        self.owned = owned

    def read(self, length: int) -> bytes:
        """What is there now, up to `length` bytes: nothing when a stream (stdin) has no data ready."""
        if self.offset is None and length and not select.select([self.fd], [], [], 0)[0]:
            return b""
        return self.blocking_read(length)

    def blocking_read(self, length: int) -> bytes:
        """Wait for data, then what one read gives, up to `length` bytes; `closed` at the end."""
        if length == 0:
            return b""
        try:
            if self.offset is None:
                data = os.read(self.fd, min(length, READ_MAX))
            else:
                data = os.pread(self.fd, min(length, READ_MAX), self.offset)
                self.offset += len(data)
        except OSError as exc:
            raise _failed(exc) from None
        if not data:
            raise closed()
        return data

    def skip(self, length: int) -> int:
        return len(self.read(length))

    def blocking_skip(self, length: int) -> int:
        return len(self.blocking_read(length))

    def subscribe(self) -> Pollable:
        return Pollable(read_fd=self.fd if self.offset is None else None)

    def close(self) -> None:
        if self.owned:
            self.owned = False
            os.close(self.fd)


class OutputStream(Resource):
    """`wasi:io/streams.output-stream` over an fd: a stream (stdout, stderr), a file from `offset` on,
    or a file's end (`append`)."""

    kind = "output-stream"
    type_id = 1

    def __init__(self, fd: int, offset: int | None = None, append: bool = False, owned: bool = False) -> None:
        self.fd = fd
        self.offset = offset
        self.append = append
        self.owned = owned

    def write(self, data: bytes) -> None:
        try:
            view = memoryview(data)
            while view:
                if self.append:
                    done = os.pwrite(self.fd, view, os.fstat(self.fd).st_size)
                elif self.offset is not None:
                    done = os.pwrite(self.fd, view, self.offset)
                    self.offset += done
                else:
                    done = os.write(self.fd, view)
                view = view[done:]
        except BrokenPipeError:
            raise closed() from None
        except OSError as exc:
            raise _failed(exc) from None

    def blocking_write_and_flush(self, data: bytes) -> None:
        if len(data) > BLOCKING_WRITE_MAX:
            raise GuestTrap(f"Buffer too large for blocking-write-and-flush (expected at most {BLOCKING_WRITE_MAX})")
        self.write(data)

    def check_write(self) -> int:
        return WRITE_BUDGET

    def flush(self) -> None:
        pass

    def write_zeroes(self, length: int) -> None:
        self.write(bytes(length))

    def splice(self, src: InputStream, length: int) -> int:
        data = src.read(length)
        self.write(data)
        return len(data)

    def subscribe(self) -> Pollable:
        return Pollable()

    def close(self) -> None:
        if self.owned:
            self.owned = False
            os.close(self.fd)


def _describe(err: IoError) -> str:
    return err.message


def _block(pollable: Pollable) -> None:
    poll([pollable])


def functions() -> dict[str, dict[str, Callable[..., Any]]]:
    """wasi:io's functions by interface, over plain values."""
    return {
        "wasi:io/error": {"[method]error.to-debug-string": _describe},
        "wasi:io/poll": {
            "[method]pollable.ready": Pollable.ready,
            "[method]pollable.block": _block,
            "poll": poll,
        },
        "wasi:io/streams": {
            "[method]input-stream.read": InputStream.read,
            "[method]input-stream.blocking-read": InputStream.blocking_read,
            "[method]input-stream.skip": InputStream.skip,
            "[method]input-stream.blocking-skip": InputStream.blocking_skip,
            "[method]input-stream.subscribe": InputStream.subscribe,
            "[method]output-stream.check-write": OutputStream.check_write,
            "[method]output-stream.write": OutputStream.write,
            "[method]output-stream.blocking-write-and-flush": OutputStream.blocking_write_and_flush,
            "[method]output-stream.flush": OutputStream.flush,
            "[method]output-stream.blocking-flush": OutputStream.flush,
            "[method]output-stream.subscribe": OutputStream.subscribe,
            "[method]output-stream.write-zeroes": OutputStream.write_zeroes,
            "[method]output-stream.blocking-write-zeroes-and-flush": OutputStream.write_zeroes,
            "[method]output-stream.splice": OutputStream.splice,
            "[method]output-stream.blocking-splice": OutputStream.splice,
        },
    }


RESOURCES: dict[str, tuple[type[Resource], ...]] = {
    "wasi:io/error": (IoError,),
    "wasi:io/poll": (Pollable,),
    "wasi:io/streams": (InputStream, OutputStream),
}
