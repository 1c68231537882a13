"""Deterministic runs (`wasitool run --deterministic [--seed N]`): the same program and input give
byte-identical output, so the output can be a golden file.

- clocks: every clock_time_get advances one fixed step (1 ms); the realtime clock starts at 2025-01-01
  00:00:00 UTC, the others at 0; clock_res_get says 1 ms;
- random_get: bytes from a `random.Random(seed)` stream (seed 0 unless given);
- file metadata: inode numbers are small integers given in the order the run first sees each file (in
  fd_filestat_get, path_filestat_get and fd_readdir), the device is 1 and every timestamp reads as the
  realtime clock's start;
- directory listings: `.` and `..` first, then the entries sorted by name (bytes).

Each rewrite happens after the real call succeeded, so every check (fds, rights, pointers) is the host's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import pairwise

from .constants import FILETYPE_DIRECTORY, M32, M64
from .interpose import HostEnv, HostFunction
from .layouts import DIRENT, FILESTAT, U32, U64
from .readdir import build_listing
from .signatures import Signature

EPOCH_NS = 1_735_689_600 * 10**9  # 2025-01-01T00:00:00Z
STEP_NS = 1_000_000
CLOCK_REALTIME = 0


class Determinism:
    """The interposer: fixed clocks, seeded randomness, stable inodes, sorted listings."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._random = random.Random(seed)
        self._ticks = 0
        self._inodes: dict[int, int] = {}
        self._wrappers: dict[str, Callable[[HostFunction, Signature, HostEnv], HostFunction]] = {
            "clock_time_get": self._clock_time_get, "clock_res_get": self._clock_res_get,
            "random_get": self._random_get, "fd_filestat_get": self._filestat, "path_filestat_get": self._filestat,
            "fd_readdir": self._fd_readdir,
        }

    def wants(self, name: str) -> bool:
        return name in self._wrappers

    def wrap(self, fn: HostFunction, sig: Signature, env: HostEnv) -> HostFunction:
        return self._wrappers[sig.name](fn, sig, env)

    def inode(self, host_ino: int) -> int:
        """The stable number of a host inode (1, 2, ... in the order first seen)."""
        return self._inodes.setdefault(host_ino, len(self._inodes) + 1)

    def _clock_time_get(self, fn: HostFunction, _sig: Signature, env: HostEnv) -> HostFunction:
        def fixed_clock(clock_id: int, precision: int, time_ptr: int) -> int | None:
            result = fn(clock_id, precision, time_ptr)
            if not result:
                self._ticks += 1
                now = self._ticks * STEP_NS + (EPOCH_NS if clock_id & M32 == CLOCK_REALTIME else 0)
                U64.pack_into(env.view(), time_ptr & M32, now & M64)
            return result

        return fixed_clock

    @staticmethod
    def _clock_res_get(fn: HostFunction, _sig: Signature, env: HostEnv) -> HostFunction:
        def fixed_resolution(clock_id: int, res_ptr: int) -> int | None:
            result = fn(clock_id, res_ptr)
            if not result:
                U64.pack_into(env.view(), res_ptr & M32, STEP_NS)
            return result

        return fixed_resolution

    def _random_get(self, fn: HostFunction, _sig: Signature, env: HostEnv) -> HostFunction:
        def seeded(buf: int, buf_len: int) -> int | None:
            result = fn(buf, buf_len)
            if not result:
                start, length = buf & M32, buf_len & M32
                env.view()[start:start + length] = self._random.randbytes(length)
            return result

        return seeded

    def _filestat(self, fn: HostFunction, sig: Signature, env: HostEnv) -> HostFunction:
        out = sig.index("buf")

        def stable_stat(*args: int) -> int | None:
            result = fn(*args)
            if not result:
                mem, ptr = env.view(), args[out] & M32
                _dev, ino, filetype, nlink, size, *_times = FILESTAT.unpack_from(mem, ptr)
                FILESTAT.pack_into(mem, ptr, 1, self.inode(ino), filetype, nlink, size, EPOCH_NS, EPOCH_NS, EPOCH_NS)
            return result

        return stable_stat

    def _fd_readdir(self, fn: HostFunction, _sig: Signature, env: HostEnv) -> HostFunction:
        def sorted_listing(fd: int, buf: int, buf_len: int, cookie: int, used_ptr: int) -> int | None:
            desc = env.fds.get(fd & M32)
            is_dir = desc is not None and desc.filetype == FILETYPE_DIRECTORY and not desc.inherited
            if desc is not None and is_dir and cookie and desc.dir_cache is None:
                desc.dir_cache = self._sorted(build_listing(desc.host_fd, desc.root_id))
            result = fn(fd, buf, buf_len, cookie, used_ptr)
            if result or desc is None or cookie:
                return result
            assert desc.dir_cache is not None  # a successful call from cookie 0 has just listed the directory
            blob, _offsets = desc.dir_cache = self._sorted(desc.dir_cache)
            chunk = blob[:buf_len & M32]
            mem = env.view()
            mem[buf & M32:(buf & M32) + len(chunk)] = chunk
            U32.pack_into(mem, used_ptr & M32, len(chunk))
            return result

        return sorted_listing

    def _sorted(self, listing: tuple[memoryview, list[int]]) -> tuple[memoryview, list[int]]:
        """The listing with `.` and `..` first, the rest by name, renumbered, inodes made stable."""
        blob, offsets = listing
        entries = []
        for start, end in pairwise(offsets):
            _next, ino, _namlen, d_type = DIRENT.unpack_from(blob, start)
            entries.append((bytes(blob[start + DIRENT.size:end]), ino, d_type))
        ordered = entries[:2] + sorted(entries[2:])
        parts: list[bytes] = []
        positions = [0]
        for cookie, (name, ino, d_type) in enumerate(ordered, 1):
            parts += (DIRENT.pack(cookie, self.inode(ino), len(name), d_type), name)
            positions.append(positions[-1] + DIRENT.size + len(name))
        return memoryview(b"".join(parts)), positions
