"""Hot calls reuse their last view of a `fixed_base` memory, which is shorter than the memory after a grow."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from wasitool.wasi import BytearrayMemory, Errno, WasiConfig, WasiContext
from wasitool.wasi.constants import ALL_RIGHTS, FILETYPE_REGULAR_FILE
from wasitool.wasi.fdtable import FileDesc

PAGE = 65536


class GrownMemory(BytearrayMemory):
    """Two pages, of which the first `view()` shows one (taken before the "grow"); later views show both.
    `refreshes` counts the views asked for after the first."""

    fixed_base = True

    def __init__(self) -> None:
        super().__init__(2 * PAGE)
        self.views = 0

    @property
    def refreshes(self) -> int:
        return max(self.views - 1, 0)

    def view(self) -> memoryview:
        self.views += 1
        return memoryview(self.data)[:PAGE] if self.views == 1 else memoryview(self.data)


@pytest.fixture
def grown(tmp_path: Path) -> Iterator[tuple[WasiContext, GrownMemory, dict, int, int]]:
    out_r, out_w = os.pipe()
    in_r, in_w = os.pipe()
    (tmp_path / "f").write_bytes(b"0123456789")
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[], stdin=in_r, stdout=out_w, stderr=2))
    mem = GrownMemory()
    ctx.bind_memory(mem)
    ctx._fresh_view()  # the view of one page, before the "grow"
    yield ctx, mem, ctx.host_functions(), out_r, in_w
    ctx.close()
    for fd in (out_r, out_w, in_r, in_w):
        os.close(fd)


# (iovec, buffer, nwritten/nread) addresses: all below the old size, or each one above it.
# The last one straddles the old end with the buffer.
PLACES = [(16, 64, 8), (PAGE + 16, 64, 8), (16, PAGE + 64, 8), (16, 64, PAGE + 8), (PAGE - 16, PAGE - 2, PAGE - 8)]


@pytest.mark.parametrize(("iov", "buf", "out"), PLACES)
def test_fd_write_sees_the_grown_memory(grown, iov, buf, out):
    _, mem, fn, out_r, _ = grown
    mem.data[buf:buf + 3] = b"abc"
    struct.pack_into("<II", mem.data, iov, buf, 3)
    assert fn["fd_write"](1, iov, 1, out) == 0
    assert (os.read(out_r, 10), struct.unpack_from("<I", mem.data, out)[0]) == (b"abc", 3)
    assert (mem.refreshes > 0) == (max(iov + 8, buf + 3, out + 4) > PAGE)


@pytest.mark.parametrize(("iov", "buf", "out"), PLACES)
def test_fd_read_sees_the_grown_memory(grown, iov, buf, out):
    _, mem, fn, _, in_w = grown
    os.write(in_w, b"xyz")
    struct.pack_into("<II", mem.data, iov, buf, 3)
    assert fn["fd_read"](0, iov, 1, out) == 0
    assert (bytes(mem.data[buf:buf + 3]), struct.unpack_from("<I", mem.data, out)[0]) == (b"xyz", 3)


def _open_file(ctx: WasiContext, path: Path) -> int:
    """`path` opened read-write as guest fd 5, every right."""
    ctx._fds[5] = FileDesc(os.open(path, os.O_RDWR), FILETYPE_REGULAR_FILE, ALL_RIGHTS, ALL_RIGHTS)
    return 5


@pytest.mark.parametrize(("iov", "buf", "out"), PLACES)
def test_fd_pread_and_fd_pwrite_see_the_grown_memory(grown, tmp_path, iov, buf, out):
    ctx, mem, fn, _, _ = grown
    fd = _open_file(ctx, tmp_path / "f")
    struct.pack_into("<II", mem.data, iov, buf, 3)
    assert fn["fd_pread"](fd, iov, 1, 4, out) == 0
    assert (bytes(mem.data[buf:buf + 3]), struct.unpack_from("<I", mem.data, out)[0]) == (b"456", 3)
    assert (mem.refreshes > 0) == (max(iov + 8, buf + 3, out + 4) > PAGE)
    mem.data[buf:buf + 3] = b"abc"
    mem.data[out:out + 4] = bytes(4)
    assert fn["fd_pwrite"](fd, iov, 1, 8, out) == 0
    assert ((tmp_path / "f").read_bytes(), struct.unpack_from("<I", mem.data, out)[0]) == (b"01234567abc", 3)


def test_no_refresh_when_everything_is_in_the_old_view(grown, tmp_path):
    ctx, mem, fn, _, _ = grown
    fd = _open_file(ctx, tmp_path / "f")
    struct.pack_into("<II", mem.data, 16, 64, 1)
    for _ in range(3):
        assert fn["fd_write"](1, 16, 1, 8) == 0
        assert fn["clock_time_get"](0, 0, 32) == 0
        assert fn["fd_pread"](fd, 16, 1, 0, 40) == 0
        assert fn["fd_pwrite"](fd, 16, 1, 10, 40) == 0
    assert mem.refreshes == 0
    assert (tmp_path / "f").read_bytes() == b"01234567890"


def test_out_pointers_beyond_the_old_view(grown, tmp_path):
    ctx, mem, fn, _, _ = grown
    assert fn["clock_time_get"](0, 0, PAGE + 8) == 0
    assert struct.unpack_from("<Q", mem.data, PAGE + 8)[0] > 0
    ctx._fds[5] = FileDesc(os.open(tmp_path / "f", os.O_RDONLY), FILETYPE_REGULAR_FILE, ALL_RIGHTS, ALL_RIGHTS)
    assert fn["fd_seek"](5, 4, 0, PAGE + 200) == 0
    assert struct.unpack_from("<Q", mem.data, PAGE + 200)[0] == 4
    assert fn["fd_tell"](5, PAGE + 208) == 0
    assert struct.unpack_from("<Q", mem.data, PAGE + 208)[0] == 4


def test_beyond_the_whole_memory_is_still_efault(grown, tmp_path):
    ctx, mem, fn, _, _ = grown
    struct.pack_into("<II", mem.data, 16, 2 * PAGE - 2, 3)
    assert fn["fd_write"](1, 16, 1, 8) == Errno.EFAULT
    assert fn["fd_read"](0, 16, 1, 8) == Errno.EFAULT
    assert fn["fd_write"](1, 2 * PAGE - 4, 1, 8) == Errno.EFAULT
    assert fn["clock_time_get"](0, 0, 2 * PAGE - 4) == Errno.EFAULT
    fd = _open_file(ctx, tmp_path / "f")
    assert fn["fd_pread"](fd, 16, 1, 0, 8) == Errno.EFAULT
    assert fn["fd_pwrite"](fd, 16, 1, 0, 8) == Errno.EFAULT
    assert fn["fd_pwrite"](fd, 2 * PAGE - 4, 1, 0, 8) == Errno.EFAULT
    assert fn["fd_pread"](0, 16, 1, 0, 2 * PAGE - 2) == Errno.EFAULT  # the out-pointer before stdin's rights
    assert (tmp_path / "f").read_bytes() == b"0123456789"


def test_a_memory_that_may_move_is_asked_on_every_call():
    """Without `fixed_base` no view is kept: a memory that moved (here, a new buffer) is seen at once."""
    out_r, out_w = os.pipe()
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[], stdin=0, stdout=out_w, stderr=2))
    mem = BytearrayMemory(PAGE)
    ctx.bind_memory(mem)
    fd_write = ctx.host_functions()["fd_write"]
    try:
        for text in (b"one", b"two"):
            mem.data = bytearray(2 * PAGE)  # moved (and grown)
            mem.data[PAGE + 64:PAGE + 67] = text
            struct.pack_into("<II", mem.data, 16, PAGE + 64, 3)
            assert fd_write(1, 16, 1, 8) == 0
            assert os.read(out_r, 10) == text
            assert struct.unpack_from("<I", mem.data, 8)[0] == 3
    finally:
        ctx.close()
        os.close(out_r)
        os.close(out_w)


@pytest.mark.parametrize("call", ["fd_write", "fd_read", "fd_pread", "fd_pwrite"])
def test_a_buffer_past_the_memory_is_efault_even_above_the_transfer_cap(grown, tmp_path, monkeypatch, call):
    """The whole buffer must be in memory before a call moves at most MAX_TRANSFER bytes of it (as iov_buffers
    checks): a buffer running past the end is EFAULT, not capped to the part that fits."""
    import wasitool.wasi.calls_fd as calls_fd

    ctx, mem, fn, _, in_w = grown
    monkeypatch.setattr(calls_fd, "MAX_TRANSFER", 16)
    os.write(in_w, b"x" * 64)
    struct.pack_into("<II", mem.data, 16, 2 * PAGE - 20, 100)  # 20 bytes in memory, 80 past its end
    fd = {"fd_write": 1, "fd_read": 0}.get(call) or _open_file(ctx, tmp_path / "f")
    args = (fd, 16, 1, 8) if call in ("fd_write", "fd_read") else (fd, 16, 1, 0, 8)
    assert fn[call](*args) == Errno.EFAULT
