"""One place writes results (engine-free): out-pointers are checked before a call acts, and the hand-written
hot calls answer exactly as the generic `outputs.with_outputs` path does."""

from __future__ import annotations

import itertools
import os
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.wasi_guest import MEM_SIZE, Guest
from wasitool.runspec import Preopen
from wasitool.wasi import SIGNATURES, BytearrayMemory, Errno, WasiConfig, WasiContext
from wasitool.wasi.calls_fd import _u64_arg
from wasitool.wasi.calls_misc import _CLOCKS
from wasitool.wasi.constants import (
    ALL_RIGHTS,
    FILETYPE_DIRECTORY,
    FILETYPE_UNKNOWN,
    I64_MAX,
    RIGHT_FD_READ,
    RIGHT_FD_SEEK,
    RIGHT_FD_TELL,
    RIGHT_FD_WRITE,
)
from wasitool.wasi.errno import EINVAL
from wasitool.wasi.fdtable import FileDesc
from wasitool.wasi.guard import SELF_GUARDED, guard
from wasitool.wasi.iovec import iov_buffers, pread_buffers, pwrite_buffers, write_buffers
from wasitool.wasi.layouts import OUT_LAYOUTS
from wasitool.wasi.outputs import with_outputs
from wasitool.wasi.signatures import OUT_KINDS

# Out-pointer values that must fail (EFAULT) before the call does anything.
BAD_OUT = {"misaligned": 0x1001, "past the end": MEM_SIZE - 1, "far away": 0xFFFF_FFF0}


def test_signature_table_declares_every_out_pointer() -> None:
    for sig in SIGNATURES.values():
        for name, kind in sig.outputs:
            assert kind in OUT_KINDS and name in sig.pointers
    for kind, (size, align) in OUT_KINDS.items():
        assert OUT_LAYOUTS[kind].size == size and size % align == 0


def _args_for(guest: Guest, name: str, out: int) -> list[int]:
    """Arguments for `name` that would succeed (given the sandbox of `guest`), with every out-pointer = out."""
    sig = SIGNATURES[name]
    path, path_len = guest.path("f")
    iov = guest.iovs([b"xy"])[0]
    values = {"fd": 3, "path": path, "path_len": path_len, "iovs": iov, "iovs_len": 1, "id": 0, "buf": guest.alloc(64),
              "buf_len": 64, "in": guest.alloc(48), "nsubscriptions": 1, "out": guest.alloc(32),
              "fs_rights_base": RIGHT_FD_READ | RIGHT_FD_WRITE | RIGHT_FD_SEEK, "oflags": 1}
    if name in ("fd_pread", "fd_pwrite", "fd_filestat_get", "fd_fdstat_get"):
        values["fd"] = 4
    struct.pack_into("<QB7xI4xQQH6x", guest.mem.data, values["in"], 1, 0, 1, 0, 0, 0)
    outputs = {n for n, _ in sig.outputs}
    return [out if p in outputs else values.get(p, 0) for p, _ in sig.params]


GENERIC = sorted(n for n, s in SIGNATURES.items() if s.outputs and n not in SELF_GUARDED)


@pytest.mark.parametrize("name", GENERIC)
@pytest.mark.parametrize("where", sorted(BAD_OUT))
def test_bad_out_pointer_fails_before_the_call_acts(guest: Guest, sandbox: Path, name: str, where: str) -> None:
    (sandbox / "f").write_bytes(b"")
    assert guest.open(3, "f")[0] == 0  # fd 4, every right
    args = _args_for(guest, name, BAD_OUT[where])
    before = bytes(guest.mem.data)
    fds = set(guest.ctx._fds)
    assert guest.call(name, *args) == Errno.EFAULT
    assert set(guest.ctx._fds) == fds  # path_open made no fd
    assert (sandbox / "f").read_bytes() == b""  # fd_pwrite wrote nothing
    assert sorted(p.name for p in sandbox.iterdir()) == ["f"]
    assert bytes(guest.mem.data) == before  # nothing was read into memory either


@pytest.mark.parametrize("name", GENERIC)
def test_good_out_pointer_succeeds(guest: Guest, sandbox: Path, name: str) -> None:
    (sandbox / "f").write_bytes(b"")
    assert guest.open(3, "f")[0] == 0
    out = guest.alloc(64)
    expected = Errno.ENOTSOCK if name.startswith("sock_") else Errno.EINVAL if name == "path_readlink" else 0
    assert guest.call(name, *_args_for(guest, name, out)) == expected


# --- the hot calls against the generic path -----------------------------------------------------------


def _generic(ctx: WasiContext) -> dict[str, Callable[..., int]]:
    """The hot calls written as plain implementations and made whole by `with_outputs` (the reference)."""

    def fd_write(fd: int, iovs: int, iovs_len: int) -> tuple[int]:
        desc = ctx._desc(fd, RIGHT_FD_WRITE)
        return (write_buffers(desc.host_fd, iov_buffers(ctx._view(), iovs, iovs_len)),)

    def fd_read(fd: int, iovs: int, iovs_len: int) -> tuple[int]:
        desc = ctx._desc(fd, RIGHT_FD_READ)
        bufs = iov_buffers(ctx._view(), iovs, iovs_len)
        return (os.readv(desc.host_fd, bufs) if bufs else 0,)

    def fd_seek(fd: int, offset: int, whence: int) -> int | tuple[int]:
        desc = ctx._desc(fd, 0)
        if not 0 <= whence <= 2:
            return EINVAL
        offset = offset - (1 << 64) if offset > I64_MAX else offset
        ctx._desc(fd, RIGHT_FD_TELL if offset == 0 and whence == 1 and desc.rights_base & RIGHT_FD_TELL
                  else RIGHT_FD_SEEK)
        return (os.lseek(desc.host_fd, offset, whence),)

    def fd_tell(fd: int) -> tuple[int]:
        return (os.lseek(ctx._desc(fd, RIGHT_FD_TELL).host_fd, 0, os.SEEK_CUR),)

    def fd_pread(fd: int, iovs: int, iovs_len: int, offset: int) -> tuple[int]:
        desc = ctx._desc(fd, RIGHT_FD_READ | RIGHT_FD_SEEK)
        offset = _u64_arg(offset)
        return (pread_buffers(desc.host_fd, iov_buffers(ctx._view(), iovs, iovs_len), offset),)

    def fd_pwrite(fd: int, iovs: int, iovs_len: int, offset: int) -> tuple[int]:
        desc = ctx._desc(fd, RIGHT_FD_WRITE | RIGHT_FD_SEEK)
        offset = _u64_arg(offset)
        return (pwrite_buffers(desc.host_fd, iov_buffers(ctx._view(), iovs, iovs_len), offset),)

    def clock_time_get(clock_id: int, precision: int) -> int | tuple[int]:
        return (_CLOCKS[clock_id](),) if 0 <= clock_id < 4 else EINVAL

    impls = {"fd_write": fd_write, "fd_read": fd_read, "fd_pread": fd_pread, "fd_pwrite": fd_pwrite,
             "fd_seek": fd_seek, "fd_tell": fd_tell, "clock_time_get": clock_time_get}
    return {name: guard(with_outputs(impl, SIGNATURES[name], ctx._view)) for name, impl in impls.items()}


class World:
    """A context over a sandbox with file `f` open as fd 4 (read/write/seek) and fd 5 (read, tell); fds 6 and
    7 hold every right over an empty pipe's read end and over the sandbox directory (the host answers)."""

    def __init__(self, root: Path) -> None:
        root.mkdir()
        (root / "f").write_bytes(b"0123456789")
        self.root = root
        self.out_r, out_w = os.pipe()
        os.set_blocking(self.out_r, False)
        self.ctx = WasiContext(WasiConfig(argv=["p"], preopens=[Preopen(root, ".")], stdin=self.out_r,
                                          stdout=out_w, stderr=out_w))
        self._w = out_w
        self.mem = BytearrayMemory(MEM_SIZE)
        self.ctx.bind_memory(self.mem)
        self.guest = Guest(self.ctx, self.mem)
        assert self.guest.open(3, "f", base=RIGHT_FD_READ | RIGHT_FD_WRITE | RIGHT_FD_SEEK | RIGHT_FD_TELL,
                               inheriting=0) == (0, 4)
        assert self.guest.open(3, "f", base=RIGHT_FD_READ | RIGHT_FD_TELL, inheriting=0) == (0, 5)
        pipe_r, self._pipe_w = os.pipe()
        os.set_blocking(pipe_r, False)
        self.ctx._fds[6] = FileDesc(pipe_r, FILETYPE_UNKNOWN, ALL_RIGHTS, ALL_RIGHTS)
        self.ctx._fds[7] = FileDesc(os.open(root, os.O_RDONLY | os.O_DIRECTORY), FILETYPE_DIRECTORY, ALL_RIGHTS,
                                    ALL_RIGHTS)
        self.mem.data[0x2000:0x2010] = b"abcdefghijklmnop"
        struct.pack_into("<IIIIII", self.mem.data, 0x3000, 0x2000, 4, 0x2004, 0, 0x2008, 3)  # 3 iovecs
        struct.pack_into("<II", self.mem.data, 0x3100, 0xFFFF_FF00, 0)  # an empty iovec, junk pointer
        struct.pack_into("<II", self.mem.data, 0x3200, MEM_SIZE - 2, 4)  # a buffer past the end

    def state(self) -> tuple[bytes, bytes, int, bytes]:
        try:
            piped = os.read(self.out_r, 1 << 16)
        except BlockingIOError:
            piped = b""
        offset = os.lseek(self.ctx._fds[4].host_fd, 0, os.SEEK_CUR) if 4 in self.ctx._fds else -1
        return bytes(self.mem.data), (self.root / "f").read_bytes(), offset, piped

    def close(self) -> None:
        self.ctx.close()
        os.close(self.out_r)
        os.close(self._w)
        os.close(self._pipe_w)


@pytest.fixture
def worlds(tmp_path: Path) -> Iterator[tuple[World, World]]:
    a, b = World(tmp_path / "a"), World(tmp_path / "b")
    yield a, b
    a.close()
    b.close()


OUTS = [0x100, 0x104, 0x101, MEM_SIZE - 4, MEM_SIZE - 2, 0xFFFF_FFFC]
FDS = [1, 4, 5, 0, 99]
POSITIONED_FDS = [*FDS, 3, 6, 7]  # fd_pread/fd_pwrite: also the preopen, a pipe and a directory with every right
OFFSETS = [0, 8, 12, -1, 2**63]  # in the file, near its end, past it; beyond off_t (signed, unsigned)
IOVS = [(0x3000, 1), (0x3000, 3), (0x3100, 1), (0x3200, 1), (0x3001, 1), (MEM_SIZE - 4, 1), (0x3000, 0)]
# Every out-pointer at offset 0, every offset with a good out-pointer.
POSITIONED = [(fd, iovs, n, 0, out) for fd, (iovs, n), out in itertools.product(POSITIONED_FDS, IOVS, OUTS)] + [
    (fd, iovs, n, off, 0x104) for fd, (iovs, n), off in itertools.product(POSITIONED_FDS, IOVS, OFFSETS[1:])]
CASES: dict[str, list[tuple[int, ...]]] = {
    "fd_write": [(fd, iovs, n, out) for fd, (iovs, n), out in itertools.product(FDS, IOVS, OUTS)],
    "fd_read": [(fd, iovs, n, out) for fd, (iovs, n), out in itertools.product(FDS, IOVS, OUTS)],
    "fd_pread": POSITIONED,
    "fd_pwrite": POSITIONED,
    "fd_seek": [(fd, off, whence, out) for fd, off, whence, out in
                itertools.product(FDS, (0, 3, 2**64 - 1, 2**63), (0, 1, 2, 3), OUTS)],
    "fd_tell": [(fd, out) for fd, out in itertools.product(FDS, OUTS)],
    "clock_time_get": [(cid, 0, out) for cid, out in itertools.product((0, 1, 4), OUTS)],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hot_calls_behave_like_the_generic_path(worlds: tuple[World, World], name: str) -> None:
    hot_world, generic_world = worlds
    hot = hot_world.ctx.host_functions()[name]
    generic = _generic(generic_world.ctx)[name]
    for args in CASES[name]:
        got, want = hot(*args), generic(*args)
        if name == "clock_time_get" and got == 0:  # two reads of a clock differ: both wrote one; wipe it
            out = args[2]
            for world in worlds:
                assert world.mem.data[out:out + 8] != bytes(8)
                world.mem.data[out:out + 8] = bytes(8)
        assert (got, hot_world.state()) == (want, generic_world.state()), (name, args)
