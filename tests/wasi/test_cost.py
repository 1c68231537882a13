"""Cost bounded by the work (engine-free): iovec arrays of any length, the fd table's lowest free fd.

No timing asserts: memory is measured with tracemalloc (host objects per iovec would show), and the
fd table's work is counted in probes.
"""

from __future__ import annotations

import os
import random
import struct
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.wasi_guest import Guest
from wasitool.runspec import Preopen
from wasitool.wasi import BytearrayMemory, Errno, WasiConfig, WasiContext
from wasitool.wasi.constants import RIGHT_FD_READ, RIGHT_FD_SEEK, RIGHT_FD_WRITE
from wasitool.wasi.fdtable import FdTable, FileDesc
from wasitool.wasi.iovec import IOV_MAX

BIG = 16 << 20  # 16 MiB of guest memory: 2 million iovecs
N_IOVS = (BIG - (1 << 20)) // 8
ARRAY = 1 << 20  # the iovec array starts at 1 MiB


@pytest.fixture
def big(tmp_path: Path, stdio: dict[str, int]) -> Iterator[Guest]:
    config = WasiConfig(argv=["p"], preopens=[Preopen(tmp_path, ".")], stdin=stdio["stdin"],
                        stdout=stdio["stdout"], stderr=stdio["stderr"])
    mem = BytearrayMemory(BIG)
    ctx = WasiContext(config)
    ctx.bind_memory(mem)
    yield Guest(ctx, mem)
    ctx.close()


def _peak(call) -> tuple[int, int]:
    """(result, peak bytes Python allocated during the call)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _set_iov(guest: Guest, index: int, ptr: int, length: int) -> None:
    struct.pack_into("<II", guest.mem.data, ARRAY + 8 * index, ptr, length)


def test_millions_of_empty_iovecs_cost_no_memory(big: Guest, stdio: dict[str, int]) -> None:
    """2 million empty iovecs (with junk pointers) and one real one: the real one is written."""
    big.mem.data[ARRAY:ARRAY + 8 * N_IOVS] = struct.pack("<II", 0xFFFFFFF0, 0) * N_IOVS
    big.mem.data[64:69] = b"hello"
    _set_iov(big, N_IOVS - 1, 64, 5)
    err, peak = _peak(lambda: big.call("fd_write", 1, ARRAY, N_IOVS, 16))
    assert (err, big.u32(16)) == (0, 5)
    assert os.read(stdio["stdout_r"], 100) == b"hello"
    assert peak < 64 << 10  # the old one-view-per-iovec walk took ~400 MB here


@pytest.mark.parametrize("call", ["fd_write", "fd_read", "fd_pwrite", "fd_pread"])
def test_many_small_iovecs_are_a_short_transfer(big: Guest, tmp_path: Path, call: str) -> None:
    """Each of 2 million iovecs holds one byte: at most IOV_MAX of them are moved per call."""
    (tmp_path / "f").write_bytes(b"x" * (2 * IOV_MAX))
    rights = RIGHT_FD_READ | RIGHT_FD_WRITE | RIGHT_FD_SEEK
    err, fd = big.open(3, "f", base=rights, inheriting=0)
    assert err == 0
    big.mem.data[ARRAY:ARRAY + 8 * N_IOVS] = struct.pack("<II", 64, 1) * N_IOVS
    args = (fd, ARRAY, N_IOVS, 0, 16) if call in ("fd_pwrite", "fd_pread") else (fd, ARRAY, N_IOVS, 16)
    err, peak = _peak(lambda: big.call(call, *args))
    assert (err, big.u32(16)) == (0, IOV_MAX)
    assert peak < 1 << 20  # at most IOV_MAX views, never one per iovec


def test_iovecs_are_all_checked_before_any_write(big: Guest, stdio: dict[str, int]) -> None:
    big.mem.data[64:66] = b"ok"
    _set_iov(big, 0, 64, 2)
    _set_iov(big, 1, BIG - 1, 2)  # one byte past the end
    assert big.call("fd_write", 1, ARRAY, 2, 16) == Errno.EFAULT
    _set_iov(big, 1, 0, 0)
    assert big.call("fd_write", 1, ARRAY, 2, 16) == 0
    assert os.read(stdio["stdout_r"], 100) == b"ok"


def test_iovec_array_outside_memory(big: Guest) -> None:
    assert big.call("fd_write", 1, BIG - 8, 2, 16) == Errno.EFAULT
    assert big.call("fd_read", 0, ARRAY, 0x2000_0000, 16) == Errno.EFAULT
    assert big.call("fd_write", 1, 0xFFFF_FFF8, 0xFFFF_FFFF, 16) == Errno.EFAULT


def test_single_empty_iovec_pointer_is_not_looked_at(guest: Guest) -> None:
    arr = guest.alloc(8)
    struct.pack_into("<II", guest.mem.data, arr, 0xFFFF_FF00, 0)
    out = guest.alloc(4)
    assert guest.call("fd_write", 1, arr, 1, out) == 0
    assert guest.u32(out) == 0
    assert guest.call("fd_read", 0, arr, 1, out) == 0


def _desc() -> FileDesc:
    return FileDesc(-1, 0, 0, 0, owned=False)


def test_fd_table_gives_the_lowest_free_number_like_a_model() -> None:
    """Random adds, removes and renumbers agree with the definition "lowest number not in use"."""
    rng = random.Random(12)
    table = FdTable((0, 1, 2), [])
    model = {0, 1, 2}
    for _ in range(5_000):
        action = rng.random()
        if action < 0.5 or not model:
            fd = table.add(_desc())
            assert fd == min(set(range(len(model) + 1)) - model)
            model.add(fd)
        elif action < 0.9:
            fd = rng.choice(sorted(model))
            assert table.remove(fd) is not None
            model.remove(fd)
        else:
            fd, to = rng.choice(sorted(model)), rng.choice(sorted(model))
            table.renumber(fd, to)
            if fd != to:
                model.remove(fd)
        assert set(table.fds) == model


def test_twenty_thousand_opens_probe_the_table_once_each() -> None:
    table = FdTable((0, 1, 2), [])
    n = 20_000
    fds = [table.add(_desc()) for _ in range(n // 2)]
    assert fds == list(range(3, 3 + n // 2))
    for _ in range(n // 2):  # open and close with n/2 held: the old scan probed n/2 numbers each time
        table.remove(table.add(_desc()))
    for fd in reversed(fds):
        table.remove(fd)
    assert table.probes == n
    assert table.add(_desc()) == 3
    table.remove(0)
    assert table.add(_desc()) == 0  # as the wasmtime CLI: a closed stdio number is reused


def test_closed_stdin_number_is_reused_by_path_open(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"")
    assert guest.call("fd_close", 0) == 0
    assert guest.open(3, "f", base=RIGHT_FD_READ, inheriting=0) == (0, 0)
    assert guest.open(3, "f", base=RIGHT_FD_READ, inheriting=0) == (0, 4)
