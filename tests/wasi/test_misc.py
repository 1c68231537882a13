"""args, environ, clocks, random, proc_*, sched_yield, sockets, errno mapping."""

from __future__ import annotations

import errno
import os
import struct
import time

import pytest

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno, ProcExit
from wasitool.wasi.errno import from_oserror


def test_args(guest: Guest) -> None:
    argc, size = guest.alloc(4), guest.alloc(4)
    assert guest.call("args_sizes_get", argc, size) == 0
    expected = b"prog\0arg one\0" + "ünï".encode() + b"\0"
    assert guest.u32(argc) == 3
    assert guest.u32(size) == len(expected)
    argv, buf = guest.alloc(12), guest.alloc(len(expected))
    assert guest.call("args_get", argv, buf) == 0
    assert guest.bytes(buf, len(expected)) == expected
    ptrs = struct.unpack_from("<3I", guest.mem.data, argv)
    assert ptrs == (buf, buf + 5, buf + 13)


def test_environ(guest: Guest) -> None:
    count, size = guest.alloc(4), guest.alloc(4)
    assert guest.call("environ_sizes_get", count, size) == 0
    assert (guest.u32(count), guest.u32(size)) == (2, len(b"A=1\0PATH=/bin\0"))
    env, buf = guest.alloc(8), guest.alloc(16)
    assert guest.call("environ_get", env, buf) == 0
    assert guest.bytes(buf, 14) == b"A=1\0PATH=/bin\0"
    assert struct.unpack_from("<2I", guest.mem.data, env) == (buf, buf + 4)


def test_args_out_of_bounds(guest: Guest) -> None:
    size = len(guest.mem.data)
    assert guest.call("args_get", size - 4, 100) == Errno.EFAULT
    assert guest.call("args_get", 100, size - 3) == Errno.EFAULT
    assert guest.call("args_sizes_get", size, 100) == Errno.EFAULT


def test_clock_time(guest: Guest) -> None:
    out = guest.alloc(8)
    assert guest.call("clock_time_get", 0, 1, out) == 0
    assert abs(guest.u64(out) - time.time_ns()) < 1_000_000_000
    assert guest.call("clock_time_get", 1, 1, out) == 0
    first = guest.u64(out)
    time.sleep(0.01)
    assert guest.call("clock_time_get", 1, 1, out) == 0
    assert guest.u64(out) - first >= 9_000_000
    for clock in (2, 3):
        assert guest.call("clock_time_get", clock, 0, out) == 0
        assert guest.u64(out) > 0
    assert guest.call("clock_time_get", 4, 0, out) == Errno.EINVAL
    assert guest.call("clock_time_get", 0, 0, len(guest.mem.data) - 4) == Errno.EFAULT


def test_clock_res(guest: Guest) -> None:
    out = guest.alloc(8)
    for clock in range(4):
        assert guest.call("clock_res_get", clock, out) == 0
        assert 1 <= guest.u64(out) <= 1_000_000_000
    assert guest.call("clock_res_get", 9, out) == Errno.EINVAL


def test_random(guest: Guest) -> None:
    buf = guest.alloc(64)
    assert guest.call("random_get", buf, 64) == 0
    assert guest.bytes(buf, 64) != bytes(64)
    assert guest.call("random_get", len(guest.mem.data) - 10, 64) == Errno.EFAULT


def test_proc(guest: Guest) -> None:
    with pytest.raises(ProcExit) as info:
        guest.call("proc_exit", 42)
    assert info.value.code == 42
    assert guest.call("proc_raise", 9) == Errno.ENOSYS
    assert guest.call("sched_yield") == 0


@pytest.mark.parametrize(("rval", "status"), [(0, 0), (125, 125), (126, 1), (255, 1), (256, 1), (512, 1),
                                              (0x80000000, 1), (0xFFFFFFFF, 1), (-1, 1)])
def test_proc_exit_status_follows_wasmtime(guest: Guest, stdio: dict[str, int], rval: int, status: int) -> None:
    """0..125 is the exit status; anything else exits 1 (never 0: 256 must not read as success)."""
    with pytest.raises(ProcExit) as info:
        guest.call("proc_exit", rval)
    assert (info.value.code, info.value.rval) == (status, rval & 0xFFFFFFFF)
    os.close(stdio["stderr"])
    note = os.read(stdio["stderr_r"], 4096).decode()
    if status == rval:
        assert note == ""
    else:
        assert note == (f"wasitool: proc_exit({rval & 0xFFFFFFFF}): exit code outside 0..125, "
                        f"exiting with status 1\n")


def test_sockets(guest: Guest) -> None:
    out = guest.alloc(8)
    assert guest.call("sock_accept", 3, 0, out) == Errno.ENOTSOCK
    assert guest.call("sock_accept", 99, 0, out) == Errno.EBADF
    assert guest.call("sock_recv", 1, out, 1, 0, out, out + 4) == Errno.ENOTSOCK
    assert guest.call("sock_send", 77, out, 1, 0, out) == Errno.EBADF
    assert guest.call("sock_shutdown", 0, 3) == Errno.ENOTSOCK
    assert guest.call("sock_shutdown", 12345, 3) == Errno.EBADF


@pytest.mark.parametrize(("host", "wasi"), [
    (errno.ENOENT, Errno.ENOENT), (errno.EEXIST, Errno.EEXIST), (errno.ENOTDIR, Errno.ENOTDIR),
    (errno.EISDIR, Errno.EISDIR), (errno.ENOTEMPTY, Errno.ENOTEMPTY), (errno.EACCES, Errno.EACCES),
    (errno.ELOOP, Errno.ELOOP), (errno.EPERM, Errno.EPERM), (errno.ESPIPE, Errno.ESPIPE),
    (errno.EAGAIN, Errno.EAGAIN), (errno.EOPNOTSUPP, Errno.ENOTSUP), (errno.ENAMETOOLONG, Errno.ENAMETOOLONG),
    (errno.EXDEV, Errno.EXDEV), (errno.EBADF, Errno.EBADF), (errno.EINVAL, Errno.EINVAL),
])
def test_errno_mapping(host: int, wasi: Errno) -> None:
    assert from_oserror(OSError(host, "x")) == wasi


def test_errno_values() -> None:
    assert (Errno.ESUCCESS, Errno.EBADF, Errno.EINVAL, Errno.ENOENT, Errno.EPERM, Errno.ENOTCAPABLE) == (
        0, 8, 28, 44, 63, 76)
    assert from_oserror(OSError(99999, "weird")) == Errno.EIO
