"""args_*, environ_*, clock_*, random_get, proc_*, sched_yield and the sock_* calls."""

from __future__ import annotations

import contextlib
import os
import struct
import time

from .base import ContextBase, span
from .config import EXIT_CODE_MAX, ProcExit, exit_status
from .constants import M32
from .errno import EBADF, EFAULT, EINVAL, ENOSYS, ENOTSOCK, ErrnoError
from .guard import errno_of
from .layouts import U64

_CLOCKS = (time.time_ns, time.monotonic_ns, time.process_time_ns, time.thread_time_ns)
_u64_pack = U64.pack_into


def _clock_resolutions() -> tuple[int, ...]:
    names = ("CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID")
    out = []
    for name in names:
        try:
            out.append(max(1, round(time.clock_getres(getattr(time, name)) * 1e9)))
        except (AttributeError, OSError):
            out.append(1000)
    return tuple(out)


class StringBlock:
    """NUL-terminated strings laid out for args_get / environ_get."""

    def __init__(self, items: list[str]) -> None:
        encoded = [s.encode("utf-8", "surrogateescape") + b"\0" for s in items]
        self.count = len(encoded)
        self.blob = b"".join(encoded)
        self.offsets = []
        pos = 0
        for item in encoded:
            self.offsets.append(pos)
            pos += len(item)
        self.pointers = struct.Struct(f"<{self.count}I")

    def write(self, mem: memoryview, ptrs: int, buf: int) -> None:
        """Write the pointer array at `ptrs` and the strings at `buf`."""
        ptrs &= M32
        buf &= M32
        if ptrs & 3:  # an array of u32 pointers (wasmtime fails a misaligned one too)
            raise ErrnoError(EFAULT)
        span(mem, ptrs, self.pointers.size)
        span(mem, buf, len(self.blob))[:] = self.blob
        self.pointers.pack_into(mem, ptrs, *[(buf + o) & M32 for o in self.offsets])

    def sizes(self) -> tuple[int, int]:
        """The count and the total buffer size."""
        return self.count, len(self.blob)


class MiscCalls(ContextBase):
    """Process-level calls that do not touch the filesystem."""

    _args: StringBlock
    _environ: StringBlock
    _resolutions: tuple[int, ...]
    _host_stderr: int

    def _init_misc(self, argv: list[str], env: list[tuple[str, str]], host_stderr: int = 2) -> None:
        self._host_stderr = host_stderr  # where wasitool's own notes go (not the guest's fd 2, which may move)
        self._args = StringBlock(argv)
        self._environ = StringBlock([f"{k}={v}" for k, v in env])
        self._resolutions = _clock_resolutions()

    def args_get(self, argv: int, argv_buf: int) -> int:
        self._args.write(self._memory.view(), argv, argv_buf)
        return 0

    def args_sizes_get(self) -> tuple[int, int]:
        return self._args.sizes()

    def environ_get(self, environ: int, environ_buf: int) -> int:
        self._environ.write(self._memory.view(), environ, environ_buf)
        return 0

    def environ_sizes_get(self) -> tuple[int, int]:
        return self._environ.sizes()

    def clock_res_get(self, clock_id: int) -> int | tuple[int]:
        if not 0 <= clock_id < 4:
            return EINVAL
        return (self._resolutions[clock_id],)

    def clock_time_get(self, clock_id: int, precision: int, time_ptr: int) -> int:
        """Hot: guards itself and checks its out-pointer as `outputs.with_outputs` does."""
        try:
            time_ptr &= M32
            mem = self._mem
            if time_ptr + 8 > len(mem):
                mem = self._fresh_view()
            if time_ptr & 7 or time_ptr + 8 > len(mem):
                return EFAULT
            if not 0 <= clock_id < 4:
                return EINVAL
            _u64_pack(mem, time_ptr, _CLOCKS[clock_id]())
            return 0
        except Exception as exc:
            return errno_of(exc)

    def random_get(self, buf: int, buf_len: int) -> int:
        target = span(self._memory.view(), buf, buf_len)
        target[:] = os.urandom(len(target))
        return 0

    def proc_exit(self, rval: int) -> None:
        """Exit status `exit_status(rval)`; a code outside 0..125 also gets one line on the host's stderr."""
        rval &= M32
        status = exit_status(rval)
        if status != rval:
            with contextlib.suppress(OSError):
                os.write(self._host_stderr, f"wasitool: proc_exit({rval}): exit code outside 0..{EXIT_CODE_MAX}, "
                                            f"exiting with status {status}\n".encode())
        raise ProcExit(status, rval)

    def proc_raise(self, _sig: int) -> int:
        return ENOSYS

    def sched_yield(self) -> int:
        return 0

    # No socket is ever preopened, and none can be opened: an open fd is never a socket. The arguments
    # after `fd` are unused (a leading underscore); the signature table names them for engines and traces.
    def _sock(self, fd: int) -> int:
        return ENOTSOCK if fd in self._fds else EBADF

    def sock_accept(self, fd: int, _flags: int) -> int:
        return self._sock(fd)

    def sock_recv(self, fd: int, _ri_data: int, _ri_data_len: int, _ri_flags: int) -> int:
        return self._sock(fd)

    def sock_send(self, fd: int, _si_data: int, _si_data_len: int, _si_flags: int) -> int:
        return self._sock(fd)

    def sock_shutdown(self, fd: int, _how: int) -> int:
        return self._sock(fd)
