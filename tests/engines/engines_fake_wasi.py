"""A tiny stand-in for `wasitool.wasi` (args, environ, fd_write, proc_exit) used until the real one lands.

It follows the public contract: WasiConfig with host fds, `bind_memory`, `host_functions`, `close`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import Any, TextIO

from wasitool.wasi.config import ProcExit, WasiConfig
from wasitool.wasi.signatures import SIGNATURES

__all__ = ["SIGNATURES", "ProcExit", "WasiConfig", "WasiContext"]

_U32 = 0xFFFFFFFF


class WasiContext:
    """args_*, environ_*, fd_write on fds 1 and 2, proc_exit."""

    def __init__(self, config: WasiConfig, trace: TextIO | None = None) -> None:
        self.config = config
        self.trace = trace
        self.memory: Any = None

    def bind_memory(self, memory: Any) -> None:
        self.memory = memory

    def close(self) -> None:
        pass

    def host_functions(self) -> dict[str, Callable[..., int | None]]:
        return {"args_sizes_get": self._args_sizes_get, "args_get": self._args_get,
                "environ_sizes_get": self._environ_sizes_get, "environ_get": self._environ_get,
                "fd_write": self._fd_write, "proc_exit": self._proc_exit}

    def _strings(self, items: list[bytes], ptrs: int, buf: int) -> int:
        mem = self.memory.view()
        ptrs, buf = ptrs & _U32, buf & _U32
        for item in items:
            struct.pack_into("<I", mem, ptrs, buf)
            mem[buf : buf + len(item) + 1] = item + b"\0"
            ptrs += 4
            buf += len(item) + 1
        return 0

    def _sizes(self, items: list[bytes], count: int, size: int) -> int:
        mem = self.memory.view()
        struct.pack_into("<I", mem, count & _U32, len(items))
        struct.pack_into("<I", mem, size & _U32, sum(len(i) + 1 for i in items))
        return 0

    def _argv(self) -> list[bytes]:
        return [a.encode() for a in self.config.argv]

    def _env(self) -> list[bytes]:
        return [f"{k}={v}".encode() for k, v in self.config.env]

    def _args_sizes_get(self, count: int, size: int) -> int:
        return self._sizes(self._argv(), count, size)

    def _args_get(self, ptrs: int, buf: int) -> int:
        return self._strings(self._argv(), ptrs, buf)

    def _environ_sizes_get(self, count: int, size: int) -> int:
        return self._sizes(self._env(), count, size)

    def _environ_get(self, ptrs: int, buf: int) -> int:
        return self._strings(self._env(), ptrs, buf)

    def _fd_write(self, fd: int, iovs: int, iovs_len: int, nwritten: int) -> int:
        host = {1: self.config.stdout, 2: self.config.stderr}.get(fd)
        if host is None:
            return 8  # EBADF
        mem = self.memory.view()
        total = 0
        for i in range(iovs_len):
            ptr, length = struct.unpack_from("<II", mem, (iovs & _U32) + 8 * i)
            total += os.write(host, mem[ptr : ptr + length])
        struct.pack_into("<I", mem, nwritten & _U32, total)
        return 0

    def _proc_exit(self, code: int) -> None:
        raise ProcExit(code & _U32)
