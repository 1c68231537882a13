"""Replaying a recording (`wasitool replay FILE`): the module runs against the recorded host calls only.

No file, clock or random source of the host is touched: each call the guest makes is checked against
the next recorded one (its name and decoded arguments, as `--trace-format json` shows them), then gets
the recorded result, and the recorded bytes are written into its memory. What the guest writes to fds 1
and 2 is passed to this process's stdout and stderr. The first call that differs (another call, other
arguments, or a call after the recording ended) stops the run: `Replayer.divergence` says where.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any, NamedTuple

from .config import ProcExit, exit_status
from .constants import M32
from .layouts import IOVEC
from .memory import GuestMemory
from .signatures import SIGNATURES, Signature
from .trace_decode import TraceEnv, decode_params

DIVERGED_EXIT = 1  # the exit status of a run stopped at a divergence
DECODED_BYTES = 64  # as record.DECODED_BYTES: arguments are compared as they were recorded


class Divergence(NamedTuple):
    """Where the replay and the recording part: the call's 1-based index, what was recorded there (None:
    the recording had ended), what the guest called."""

    number: int
    recorded: dict[str, Any] | None
    actual: dict[str, Any]


class Replayer:
    """Host functions that serve a recording; bind the guest's memory before the first call."""

    def __init__(self, calls: list[dict[str, Any]], stdout: int = 1, stderr: int = 2) -> None:
        self.calls = calls
        self.position = 0
        self.divergence: Divergence | None = None
        self._memory: GuestMemory | None = None
        self._streams = {1: stdout, 2: stderr}

    def bind_memory(self, memory: GuestMemory) -> None:
        self._memory = memory

    def host_functions(self) -> dict[str, Callable[..., int | None]]:
        return {name: self._serve(sig) for name, sig in SIGNATURES.items()}

    def close(self) -> None:
        """Nothing to close (it opens no files): a replay is a WASI context to `wasitool.batch` too."""

    def view(self) -> memoryview:
        """The guest's memory (bound before its first call)."""
        assert self._memory is not None
        return self._memory.view()

    def _serve(self, sig: Signature) -> Callable[..., int | None]:
        env = TraceEnv(self.view, DECODED_BYTES, 0, 0)

        def replayed(*args: int) -> int | None:
            actual = {"call": sig.name, "args": {k: v.json() for k, v in decode_params(sig, args, env)}}
            index = self.position
            recorded = self.calls[index] if index < len(self.calls) else None
            if recorded is None or (recorded["call"], recorded["args"]) != (actual["call"], actual["args"]):
                self.divergence = Divergence(index + 1, recorded, actual)
                raise ProcExit(DIVERGED_EXIT)
            if not sig.results:
                self.position += 1
                raise ProcExit(exit_status(args[0] & M32), args[0] & M32)
            mem = self.view()
            writes = [(ptr, base64.b64decode(data)) for ptr, data in recorded.get("writes", ())]
            if any(ptr + len(raw) > len(mem) for ptr, raw in writes):  # a smaller memory than recorded
                self.divergence = Divergence(index + 1, recorded, actual)
                raise ProcExit(DIVERGED_EXIT)
            self.position += 1
            for ptr, raw in writes:
                mem[ptr:ptr + len(raw)] = raw
            if sig.name == "fd_write" and recorded["result"] == 0:
                self._echo(args, recorded["out"].get("nwritten", 0), mem)
            return int(recorded["result"])

        return replayed

    def _echo(self, args: tuple[int, ...], count: int, mem: memoryview) -> None:
        """Pass what the guest wrote to fd 1 or 2 (the recorded count of bytes) to this process."""
        stream = self._streams.get(args[0] & M32)
        if stream is None:
            return
        chunks: list[bytes] = []
        left = count
        for i in range(args[2] & M32):
            buf, length = IOVEC.unpack_from(mem, (args[1] & M32) + IOVEC.size * i)
            chunks.append(bytes(mem[buf:buf + min(length, left)]))
            left -= len(chunks[-1])
        os.write(stream, b"".join(chunks))
