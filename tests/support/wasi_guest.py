"""A guest-side helper for driving WasiContext host calls directly (no engine)."""

from __future__ import annotations

import struct

from wasitool.wasi import BytearrayMemory, WasiContext
from wasitool.wasi.constants import ALL_RIGHTS, LOOKUP_SYMLINK_FOLLOW, OFLAG_DIRECTORY, RIGHT_FD_WRITE

MEM_SIZE = 1 << 20


class Guest:
    """Plays the guest: a bump allocator in linear memory and typed wrappers around host calls."""

    def __init__(self, ctx: WasiContext, mem: BytearrayMemory) -> None:
        self.ctx = ctx
        self.mem = mem
        self.fn = ctx.host_functions()
        self.top = 1024

    def alloc(self, size: int, align: int = 8) -> int:
        self.top = (self.top + align - 1) & ~(align - 1)
        ptr = self.top
        self.top += size
        assert self.top <= len(self.mem.data)
        return ptr

    def put(self, data: bytes) -> int:
        ptr = self.alloc(max(1, len(data)))
        self.mem.data[ptr:ptr + len(data)] = data
        return ptr

    def path(self, text: str | bytes) -> tuple[int, int]:
        raw = text.encode() if isinstance(text, str) else text
        return self.put(raw), len(raw)

    def u32(self, ptr: int) -> int:
        return struct.unpack_from("<I", self.mem.data, ptr)[0]

    def u64(self, ptr: int) -> int:
        return struct.unpack_from("<Q", self.mem.data, ptr)[0]

    def bytes(self, ptr: int, size: int) -> bytes:
        return bytes(self.mem.data[ptr:ptr + size])

    def call(self, name: str, *args: int) -> int:
        return self.fn[name](*args)

    def iovs(self, sizes_or_data: list[int] | list[bytes]) -> tuple[int, int, list[int]]:
        bufs = []
        for item in sizes_or_data:
            bufs.append(self.put(item) if isinstance(item, bytes) else self.alloc(max(1, item)))
        arr = self.alloc(8 * len(bufs))
        for i, (ptr, item) in enumerate(zip(bufs, sizes_or_data, strict=True)):
            struct.pack_into("<II", self.mem.data, arr + 8 * i, ptr, len(item) if isinstance(item, bytes) else item)
        return arr, len(bufs), bufs

    def open(self, dirfd: int, path: str | bytes, oflags: int = 0, base: int | None = None,
             inheriting: int = ALL_RIGHTS, fdflags: int = 0, dirflags: int = LOOKUP_SYMLINK_FOLLOW) -> tuple[int, int]:
        """path_open; `base` defaults to every right, but fd_write for a directory (as wasi-libc asks)."""
        if base is None:
            base = ALL_RIGHTS & ~RIGHT_FD_WRITE if oflags & OFLAG_DIRECTORY else ALL_RIGHTS
        p, n = self.path(path)
        out = self.alloc(4)
        self.mem.data[out:out + 4] = b"\xff\xff\xff\xff"
        err = self.call("path_open", dirfd, dirflags, p, n, oflags, base, inheriting, fdflags, out)
        return err, self.u32(out)

    def write(self, fd: int, *chunks: bytes) -> tuple[int, int]:
        arr, count, _ = self.iovs(list(chunks))
        out = self.alloc(4)
        err = self.call("fd_write", fd, arr, count, out)
        return err, self.u32(out)

    def read(self, fd: int, size: int) -> tuple[int, bytes]:
        arr, count, bufs = self.iovs([size])
        out = self.alloc(4)
        err = self.call("fd_read", fd, arr, count, out)
        return err, self.bytes(bufs[0], self.u32(out)) if err == 0 else b""

    def seek(self, fd: int, offset: int, whence: int) -> tuple[int, int]:
        out = self.alloc(8)
        err = self.call("fd_seek", fd, offset, whence, out)
        return err, self.u64(out)

    def filestat(self, dirfd: int, path: str, follow: bool = True) -> tuple[int, tuple[int, ...]]:
        p, n = self.path(path)
        buf = self.alloc(64)
        err = self.call("path_filestat_get", dirfd, LOOKUP_SYMLINK_FOLLOW if follow else 0, p, n, buf)
        return err, struct.unpack_from("<QQB7xQQQQQ", self.mem.data, buf)

    def readdir_names(self, fd: int, buf_len: int = 4096) -> list[str]:
        """List a directory the way wasi-libc's readdir does: refill with the last full cookie."""
        names: list[str] = []
        cookie = 0
        buf = self.alloc(buf_len)
        used_ptr = self.alloc(4)
        while True:
            assert self.call("fd_readdir", fd, buf, buf_len, cookie, used_ptr) == 0
            used = self.u32(used_ptr)
            pos = 0
            progressed = False
            while used - pos >= 24:
                d_next, _ino, namlen, _type = struct.unpack_from("<QQIB3x", self.mem.data, buf + pos)
                if used - pos < 24 + namlen:
                    break
                names.append(self.bytes(buf + pos + 24, namlen).decode())
                cookie = d_next
                pos += 24 + namlen
                progressed = True
            if used < buf_len:
                return names
            if not progressed:
                buf_len *= 2
                buf = self.alloc(buf_len)
