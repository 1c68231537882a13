"""Host state stays the host's (engine-free): stdio streams, read-only preopens, `--dir` parsing."""

from __future__ import annotations

import fcntl
import os
import struct
from pathlib import Path

import pytest

from tests.support.wasi_guest import MEM_SIZE, Guest
from wasitool.commands.run import _parse_dir
from wasitool.errors import WasiError
from wasitool.runspec import Preopen
from wasitool.wasi import BytearrayMemory, Errno, WasiConfig, WasiContext
from wasitool.wasi.constants import (
    ALL_RIGHTS,
    FDFLAG_APPEND,
    FDFLAG_NONBLOCK,
    FST_MTIM_NOW,
    OFLAG_CREAT,
    OFLAG_DIRECTORY,
    OFLAG_TRUNC,
    RIGHT_FD_READ,
    RIGHT_FD_WRITE,
    WRITE_RIGHTS,
)


def _fdstat(guest: Guest, fd: int) -> tuple[int, int, int, int]:
    out = guest.alloc(24)
    assert guest.call("fd_fdstat_get", fd, out) == 0
    return struct.unpack_from("<BxHxxxxQQ", guest.mem.data, out)


def test_stdio_rights_are_read_or_write_only(guest: Guest) -> None:
    assert _fdstat(guest, 0) == (0, 0, RIGHT_FD_READ, RIGHT_FD_READ)
    assert _fdstat(guest, 1) == (0, 0, RIGHT_FD_WRITE, RIGHT_FD_WRITE)
    assert _fdstat(guest, 2) == (0, 0, RIGHT_FD_WRITE, RIGHT_FD_WRITE)


@pytest.fixture
def file_stdio(tmp_path: Path):
    """A guest whose stdin is a file and whose stdout is a file opened for appending (`>> log`)."""
    given, log = tmp_path / "in.txt", tmp_path / "log"
    given.write_bytes(b"input")
    log.write_bytes(b"earlier\n")
    os.utime(given, ns=(10**18, 10**18))
    stdin = os.open(given, os.O_RDONLY)
    stdout = os.open(log, os.O_WRONLY | os.O_APPEND)
    ctx = WasiContext(WasiConfig(argv=["p"], stdin=stdin, stdout=stdout, stderr=stdout))
    mem = BytearrayMemory(MEM_SIZE)
    ctx.bind_memory(mem)
    yield Guest(ctx, mem), given, log, (stdin, stdout)
    ctx.close()
    os.close(stdin)
    os.close(stdout)


def test_stdio_files_cannot_be_changed(file_stdio) -> None:
    guest, given, log, (stdin, stdout) = file_stdio
    flags_before = [fcntl.fcntl(fd, fcntl.F_GETFL) for fd in (stdin, stdout)]
    for fd in (0, 1, 2):
        assert guest.call("fd_filestat_set_size", fd, 0) == Errno.EBADF
        assert guest.call("fd_filestat_set_times", fd, 0, 0, FST_MTIM_NOW) == Errno.EBADF
        assert guest.call("fd_fdstat_set_flags", fd, FDFLAG_NONBLOCK) == Errno.EBADF
        assert guest.call("fd_fdstat_set_flags", fd, FDFLAG_APPEND) == Errno.EBADF
        assert guest.call("fd_allocate", fd, 0, 4096) == Errno.EBADF
        assert guest.call("fd_advise", fd, 0, 0, 4) == Errno.EBADF
        assert guest.call("fd_fdstat_set_rights", fd, 0, 0) == Errno.EBADF
        assert guest.seek(fd, 0, 0)[0] == Errno.ESPIPE
    assert [fcntl.fcntl(fd, fcntl.F_GETFL) for fd in (stdin, stdout)] == flags_before
    assert log.read_bytes() == b"earlier\n"
    assert given.stat().st_mtime_ns == 10**18
    assert guest.read(0, 16) == (0, b"input")
    assert guest.write(1, b"more\n") == (0, 5)
    assert log.read_bytes() == b"earlier\nmore\n"


def test_stdio_filestat_reveals_nothing_of_the_file(file_stdio) -> None:
    guest = file_stdio[0]
    buf = guest.alloc(64)
    guest.mem.data[buf:buf + 64] = b"\xff" * 64
    assert guest.call("fd_filestat_get", 0, buf) == 0
    assert guest.bytes(buf, 64) == bytes(64)


def test_renumbered_stdio_stays_a_stream(file_stdio) -> None:
    guest = file_stdio[0]
    assert guest.call("fd_renumber", 1, 0) == 0  # stdout's stream now at fd 0
    assert guest.call("fd_filestat_set_size", 0, 0) == Errno.EBADF
    assert guest.write(0, b"x") == (0, 1)
    assert guest.write(1, b"x")[0] == Errno.EBADF
    assert file_stdio[2].read_bytes() == b"earlier\nx"


@pytest.fixture
def ro_guest(tmp_path: Path):
    root = tmp_path / "ro"
    (root / "d").mkdir(parents=True)
    (root / "f").write_bytes(b"keep")
    ctx = WasiContext(WasiConfig(argv=["p"], preopens=[Preopen(root, "/ro", readonly=True)]))
    mem = BytearrayMemory(MEM_SIZE)
    ctx.bind_memory(mem)
    yield Guest(ctx, mem), root
    ctx.close()


def test_readonly_preopen_holds_no_write_right(ro_guest) -> None:
    guest, _root = ro_guest
    _, _, base, inheriting = _fdstat(guest, 3)
    assert not base & WRITE_RIGHTS and not inheriting & WRITE_RIGHTS
    err, sub = guest.open(3, "d", OFLAG_DIRECTORY, base=ALL_RIGHTS & ~WRITE_RIGHTS,
                          inheriting=ALL_RIGHTS & ~WRITE_RIGHTS)
    assert err == 0
    _, _, base, inheriting = _fdstat(guest, sub)
    assert not base & WRITE_RIGHTS and not inheriting & WRITE_RIGHTS
    assert guest.call("fd_fdstat_set_rights", 3, ALL_RIGHTS, ALL_RIGHTS) == Errno.ENOTCAPABLE


def test_readonly_preopen_refuses_every_change(ro_guest) -> None:
    guest, root = ro_guest
    nc = Errno.ENOTCAPABLE
    assert guest.open(3, "f", base=RIGHT_FD_READ | RIGHT_FD_WRITE, inheriting=0)[0] == nc
    assert guest.open(3, "new", OFLAG_CREAT, base=RIGHT_FD_READ, inheriting=0)[0] == nc
    assert guest.open(3, "f", OFLAG_TRUNC, base=RIGHT_FD_READ, inheriting=0)[0] == nc
    for call, *paths in [("path_create_directory", "x"), ("path_unlink_file", "f"),
                         ("path_remove_directory", "d")]:
        p, n = guest.path(paths[0])
        assert guest.call(call, 3, p, n) == nc
    f, fn = guest.path("f")
    x, xn = guest.path("d/x")
    assert guest.call("path_rename", 3, f, fn, 3, x, xn) == nc
    assert guest.call("path_link", 3, 0, f, fn, 3, x, xn) == nc
    assert guest.call("path_symlink", f, fn, 3, x, xn) == nc
    assert guest.call("path_filestat_set_times", 3, 0, f, fn, 0, 0, FST_MTIM_NOW) == nc
    err, fd = guest.open(3, "f", base=RIGHT_FD_READ, inheriting=0)
    assert err == 0
    assert guest.write(fd, b"x")[0] == nc
    assert guest.call("fd_filestat_set_size", fd, 0) == nc
    assert guest.read(fd, 8) == (0, b"keep")
    assert sorted(p.name for p in root.iterdir()) == ["d", "f"]
    assert list((root / "d").iterdir()) == []
    assert (root / "f").read_bytes() == b"keep"


def test_parse_dir(tmp_path: Path) -> None:
    assert _parse_dir(f"{tmp_path}::/data") == Preopen(tmp_path, "/data", False)
    assert _parse_dir(f"{tmp_path}::/data:ro") == Preopen(tmp_path, "/data", True)
    assert _parse_dir(f"{tmp_path}::/data:rw") == Preopen(tmp_path, "/data", False)
    assert _parse_dir(f"{tmp_path}:ro") == Preopen(tmp_path, str(tmp_path), True)
    assert _parse_dir(str(tmp_path)) == Preopen(tmp_path, str(tmp_path), False)
    with pytest.raises(WasiError, match="not a directory"):
        _parse_dir(f"{tmp_path}/missing::/x")


@pytest.mark.parametrize("item", ["", "::/x", "::", ":ro", "::/x:ro"])
def test_parse_dir_refuses_an_empty_host(item: str) -> None:
    with pytest.raises(WasiError) as info:
        _parse_dir(item)
    assert info.value.problem == f"--dir {item!r} names no host directory"
    assert "\n" not in info.value.one_line()


def test_parse_dir_refuses_an_empty_guest(tmp_path: Path) -> None:
    with pytest.raises(WasiError, match="no guest path"):
        _parse_dir(f"{tmp_path}::")
