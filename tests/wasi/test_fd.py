"""fd_* calls on stdio pipes and real files."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno
from wasitool.wasi.constants import (
    FDFLAG_APPEND,
    FDFLAG_SYNC,
    FILETYPE_DIRECTORY,
    FILETYPE_REGULAR_FILE,
    FST_ATIM,
    FST_MTIM,
    FST_MTIM_NOW,
    OFLAG_CREAT,
    OFLAG_TRUNC,
    RIGHT_FD_READ,
    RIGHT_FD_SEEK,
    RIGHT_FD_TELL,
    RIGHT_FD_WRITE,
)


def test_stdout_stderr_write_raw(guest: Guest, stdio: dict[str, int]) -> None:
    assert guest.write(1, b"hello ", b"", b"world\n") == (0, 12)
    assert os.read(stdio["stdout_r"], 100) == b"hello world\n"
    assert guest.write(2, b"oops") == (0, 4)
    assert os.read(stdio["stderr_r"], 100) == b"oops"


def test_large_write_loops(guest: Guest, stdio: dict[str, int], sandbox: Path) -> None:
    data = bytes(range(256)) * 2048  # 512 KiB: more than a pipe buffer, so use a file
    err, fd = guest.open(3, "big", OFLAG_CREAT)
    assert err == 0
    assert guest.write(fd, data) == (0, len(data))
    assert (sandbox / "big").read_bytes() == data


def test_stdin_read(guest: Guest, stdio: dict[str, int]) -> None:
    os.write(stdio["stdin_w"], b"input data")
    assert guest.read(0, 5) == (0, b"input")
    assert guest.read(0, 100) == (0, b" data")
    os.close(stdio["stdin_w"])
    assert guest.read(0, 100) == (0, b"")


def test_read_multiple_iovecs(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"abcdefgh")
    err, fd = guest.open(3, "f")
    assert err == 0
    arr, count, bufs = guest.iovs([3, 10])
    out = guest.alloc(4)
    assert guest.call("fd_read", fd, arr, count, out) == 0
    assert guest.u32(out) == 8
    assert guest.bytes(bufs[0], 3) == b"abc"
    assert guest.bytes(bufs[1], 5) == b"defgh"


def test_file_roundtrip_seek_tell(guest: Guest, sandbox: Path) -> None:
    err, fd = guest.open(3, "data.txt", OFLAG_CREAT)
    assert (err, fd) == (0, 4)
    assert guest.write(fd, b"0123456789") == (0, 10)
    assert guest.seek(fd, 0, 1) == (0, 10)
    assert guest.seek(fd, 2, 0) == (0, 2)
    assert guest.read(fd, 3) == (0, b"234")
    assert guest.seek(fd, -4, 2) == (0, 6)
    assert guest.seek(fd, (1 << 64) - 1, 1) == (0, 5)  # unsigned encoding of -1
    out = guest.alloc(8)
    assert guest.call("fd_tell", fd, out) == 0
    assert guest.u64(out) == 5
    assert guest.seek(fd, -100, 0)[0] == Errno.EINVAL
    assert guest.seek(fd, 0, 3)[0] == Errno.EINVAL
    assert (sandbox / "data.txt").read_bytes() == b"0123456789"


def test_seek_on_pipe(guest: Guest) -> None:
    assert guest.seek(0, 0, 1)[0] == Errno.ESPIPE


def test_pread_pwrite(guest: Guest, sandbox: Path) -> None:
    (sandbox / "p").write_bytes(b"abcdefgh")
    err, fd = guest.open(3, "p")
    assert err == 0
    arr, count, bufs = guest.iovs([4])
    out = guest.alloc(4)
    assert guest.call("fd_pread", fd, arr, count, 2, out) == 0
    assert (guest.u32(out), guest.bytes(bufs[0], 4)) == (4, b"cdef")
    assert guest.seek(fd, 0, 1) == (0, 0)  # position unchanged
    arr, count, _ = guest.iovs([b"XY", b"Z"])
    assert guest.call("fd_pwrite", fd, arr, count, 5, out) == 0
    assert guest.u32(out) == 3
    assert (sandbox / "p").read_bytes() == b"abcdeXYZ"
    assert guest.call("fd_pread", fd, arr, count, 1 << 63, out) == Errno.EINVAL


def test_efault(guest: Guest, sandbox: Path) -> None:
    size = len(guest.mem.data)
    out = guest.alloc(4)
    arr = guest.alloc(8)
    struct.pack_into("<II", guest.mem.data, arr, size - 2, 10)  # buffer crosses the end
    assert guest.call("fd_write", 1, arr, 1, out) == Errno.EFAULT
    assert guest.call("fd_read", 0, arr, 1, out) == Errno.EFAULT
    assert guest.call("fd_write", 1, size - 4, 1, out) == Errno.EFAULT  # iovec array itself
    assert guest.call("fd_write", 1, 0xFFFFFFF8, 1, out) == Errno.EFAULT
    assert guest.call("fd_write", 1, -8, 1, out) == Errno.EFAULT  # engines may pass i32 as signed
    (sandbox / "f").write_bytes(b"x")
    _err, fd = guest.open(3, "f")
    assert guest.call("fd_seek", fd, 0, 0, size - 4) == Errno.EFAULT
    assert guest.call("fd_fdstat_get", fd, size - 8) == Errno.EFAULT
    assert guest.call("fd_filestat_get", fd, size - 32) == Errno.EFAULT
    assert guest.call("path_open", 3, 0, size - 1, 5, 0, 0, 0, 0, out) == Errno.EFAULT


def test_unbound_memory_is_efault(sandbox: Path) -> None:
    from wasitool.wasi import WasiConfig, WasiContext

    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[]))
    funcs = ctx.host_functions()
    assert funcs["fd_write"](1, 0, 1, 8) == Errno.EFAULT
    assert funcs["args_sizes_get"](0, 4) == Errno.EFAULT
    ctx.close()


def test_ebadf(guest: Guest) -> None:
    out = guest.alloc(64)
    assert guest.write(42, b"x")[0] == Errno.EBADF
    assert guest.read(42, 1)[0] == Errno.EBADF
    assert guest.seek(42, 0, 0)[0] == Errno.EBADF
    for name, args in [("fd_close", (42,)), ("fd_fdstat_get", (42, out)), ("fd_filestat_get", (42, out)),
                       ("fd_sync", (42,)), ("fd_datasync", (42,)), ("fd_tell", (42, out)),
                       ("fd_prestat_get", (42, out)), ("fd_prestat_get", (1, out)),
                       ("fd_readdir", (42, out, 64, 0, out)), ("fd_renumber", (42, 3)), ("fd_renumber", (3, 42)),
                       ("fd_advise", (42, 0, 0, 0)), ("fd_allocate", (42, 0, 1)), ("fd_filestat_set_size", (42, 0)),
                       ("path_create_directory", (42, out, 1)), ("fd_fdstat_set_flags", (42, 0)),
                       ("fd_close", (-1,))]:
        assert guest.call(name, *args) == Errno.EBADF, name


def test_close_and_renumber(guest: Guest, sandbox: Path) -> None:
    (sandbox / "a").write_bytes(b"A")
    (sandbox / "b").write_bytes(b"B")
    _, fa = guest.open(3, "a")
    _, fb = guest.open(3, "b")
    assert (fa, fb) == (4, 5)
    assert guest.call("fd_renumber", fa, fb) == 0
    assert guest.read(fb, 1) == (0, b"A")
    assert guest.read(fa, 1)[0] == Errno.EBADF
    assert guest.call("fd_close", fb) == 0
    assert guest.call("fd_close", fb) == Errno.EBADF
    _, fc = guest.open(3, "b")
    assert fc == 4  # lowest free number is reused


def test_fdstat(guest: Guest, sandbox: Path) -> None:
    out = guest.alloc(24)
    assert guest.call("fd_fdstat_get", 3, out) == 0
    filetype, _flags, base, inheriting = struct.unpack_from("<BxHxxxxQQ", guest.mem.data, out)
    assert filetype == FILETYPE_DIRECTORY
    assert base & (1 << 13)  # path_open
    assert inheriting == (1 << 30) - 1
    err, fd = guest.open(3, "f", OFLAG_CREAT, base=RIGHT_FD_READ | RIGHT_FD_WRITE, fdflags=FDFLAG_APPEND)
    assert err == 0
    assert guest.call("fd_fdstat_get", fd, out) == 0
    assert struct.unpack_from("<BxHxxxxQQ", guest.mem.data, out)[:3] == (
        FILETYPE_REGULAR_FILE, FDFLAG_APPEND, RIGHT_FD_READ | RIGHT_FD_WRITE)


def test_fdstat_set_flags_append(guest: Guest, sandbox: Path) -> None:
    (sandbox / "log").write_bytes(b"start;")
    err, fd = guest.open(3, "log")
    assert err == 0
    assert guest.call("fd_fdstat_set_flags", fd, FDFLAG_APPEND) == 0
    assert guest.write(fd, b"more") == (0, 4)
    assert (sandbox / "log").read_bytes() == b"start;more"
    assert guest.call("fd_fdstat_set_flags", fd, 1 << 7) == Errno.EINVAL
    assert guest.call("fd_fdstat_set_flags", fd, FDFLAG_SYNC) == Errno.EINVAL  # as the wasmtime CLI


def test_set_rights_only_drops(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"abc")
    err, fd = guest.open(3, "f", base=RIGHT_FD_READ | RIGHT_FD_SEEK | RIGHT_FD_TELL)
    assert err == 0
    assert guest.call("fd_fdstat_set_rights", fd, RIGHT_FD_READ | RIGHT_FD_WRITE, 0) == Errno.ENOTCAPABLE
    assert guest.call("fd_fdstat_set_rights", fd, RIGHT_FD_SEEK, 0) == 0
    assert guest.read(fd, 1)[0] == Errno.ENOTCAPABLE
    assert guest.seek(fd, 1, 0) == (0, 1)
    assert guest.call("fd_fdstat_set_rights", fd, RIGHT_FD_SEEK | RIGHT_FD_READ, 0) == Errno.ENOTCAPABLE


def test_filestat_and_size_times(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"12345")
    _err, fd = guest.open(3, "f")
    buf = guest.alloc(64)
    assert guest.call("fd_filestat_get", fd, buf) == 0
    _dev, ino, ftype, nlink, size, _atim, mtim, _ctim = struct.unpack_from("<QQB7xQQQQQ", guest.mem.data, buf)
    st = os.stat(sandbox / "f")
    assert (ino, ftype, nlink, size, mtim) == (st.st_ino, FILETYPE_REGULAR_FILE, 1, 5, st.st_mtime_ns)
    assert guest.call("fd_filestat_set_size", fd, 2) == 0
    assert (sandbox / "f").read_bytes() == b"12"
    assert guest.call("fd_filestat_set_times", fd, 1_000_000_000, 2_000_000_000, FST_ATIM | FST_MTIM) == 0
    st = os.stat(sandbox / "f")
    assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_000, 2_000_000_000)
    assert guest.call("fd_filestat_set_times", fd, 0, 5_000_000_000, FST_MTIM) == 0
    st = os.stat(sandbox / "f")
    assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_000, 5_000_000_000)
    assert guest.call("fd_filestat_set_times", fd, 0, 0, FST_MTIM_NOW) == 0
    assert os.stat(sandbox / "f").st_mtime_ns > 5_000_000_000
    assert guest.call("fd_filestat_set_times", fd, 0, 0, FST_MTIM | FST_MTIM_NOW) == Errno.EINVAL


def test_advise_allocate_sync(guest: Guest, sandbox: Path) -> None:
    err, fd = guest.open(3, "f", OFLAG_CREAT | OFLAG_TRUNC)
    assert err == 0
    assert guest.call("fd_advise", fd, 0, 100, 1) == 0
    assert guest.call("fd_advise", fd, 0, 100, 6) == Errno.EINVAL
    assert guest.call("fd_allocate", fd, 0, 4096) == Errno.ENOTSUP  # as the wasmtime CLI: no disk to fill
    assert (sandbox / "f").stat().st_size == 0
    assert guest.call("fd_sync", fd) == 0
    assert guest.call("fd_datasync", fd) == 0


def test_prestat(guest: Guest) -> None:
    buf = guest.alloc(8)
    assert guest.call("fd_prestat_get", 3, buf) == 0
    assert struct.unpack_from("<B3xI", guest.mem.data, buf) == (0, len("/sandbox"))
    name = guest.alloc(16)
    assert guest.call("fd_prestat_dir_name", 3, name, 16) == 0
    assert guest.bytes(name, 8) == b"/sandbox"
    assert guest.call("fd_prestat_dir_name", 3, name, 3) == Errno.ENAMETOOLONG
    assert guest.call("fd_prestat_get", 4, buf) == Errno.EBADF
    assert guest.call("fd_prestat_get", 2, buf) == Errno.EBADF


def test_directory_and_readonly_rights(guest: Guest, sandbox: Path) -> None:
    (sandbox / "ro").write_bytes(b"x")
    err, fd = guest.open(3, "ro", base=RIGHT_FD_READ)
    assert err == 0
    assert guest.write(fd, b"y")[0] == Errno.ENOTCAPABLE
    err, dfd = guest.open(3, ".", base=RIGHT_FD_READ)
    assert err == 0
    assert guest.read(dfd, 10)[0] == Errno.ENOTCAPABLE  # directory fds never carry fd_read


def test_nonblocking_partial_write(guest: Guest, stdio: dict[str, int]) -> None:
    os.set_blocking(stdio["stdout"], False)
    chunk = b"a" * 40_000
    err, written = guest.write(1, chunk, chunk, chunk, chunk)
    assert err == 0
    assert 0 < written < 160_000
    got = b""
    while True:
        try:
            data = os.read(stdio["stdout_r"], 1 << 20)
        except BlockingIOError:
            break
        got += data
        if len(got) >= written:
            break
    assert len(got) == written
    os.set_blocking(stdio["stdout_r"], False)
    err, written = guest.write(1, chunk, chunk, chunk, chunk)  # fill the pipe again
    assert guest.write(1, b"x")[0] == Errno.EAGAIN


def test_blocking_big_multi_iovec_write(guest: Guest, stdio: dict[str, int]) -> None:
    import threading

    received = bytearray()

    def drain() -> None:
        while len(received) < 600_000:
            data = os.read(stdio["stdout_r"], 65536)
            if not data:
                break
            received.extend(data)

    reader = threading.Thread(target=drain)
    reader.start()
    parts = [bytes([i]) * 200_000 for i in range(3)]
    assert guest.write(1, *parts) == (0, 600_000)
    reader.join(5)
    assert bytes(received) == b"".join(parts)
