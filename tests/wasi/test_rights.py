"""Rights: path_open checks the directory's base and inheriting rights; fds never gain rights."""

from __future__ import annotations

from pathlib import Path

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno
from wasitool.wasi.constants import (
    ALL_RIGHTS,
    DIR_RIGHTS,
    OFLAG_CREAT,
    OFLAG_DIRECTORY,
    OFLAG_TRUNC,
    RIGHT_FD_READ,
    RIGHT_FD_WRITE,
    RIGHT_PATH_CREATE_DIRECTORY,
    RIGHT_PATH_CREATE_FILE,
    RIGHT_PATH_OPEN,
)


def test_path_open_needs_rights(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"data")
    no_open = DIR_RIGHTS & ~RIGHT_PATH_OPEN
    assert guest.call("fd_fdstat_set_rights", 3, no_open, ALL_RIGHTS) == 0
    assert guest.open(3, "f")[0] == Errno.ENOTCAPABLE


def test_create_needs_create_file(guest: Guest, sandbox: Path) -> None:
    assert guest.call("fd_fdstat_set_rights", 3, DIR_RIGHTS & ~RIGHT_PATH_CREATE_FILE, ALL_RIGHTS) == 0
    assert guest.open(3, "new", OFLAG_CREAT)[0] == Errno.ENOTCAPABLE
    assert not (sandbox / "new").exists()
    (sandbox / "f").write_bytes(b"x")
    assert guest.open(3, "f")[0] == 0


def test_trunc_needs_filestat_set_size(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"keep")
    assert guest.call("fd_fdstat_set_rights", 3, DIR_RIGHTS & ~(1 << 19), ALL_RIGHTS) == 0
    assert guest.open(3, "f", OFLAG_TRUNC)[0] == Errno.ENOTCAPABLE
    assert (sandbox / "f").read_bytes() == b"keep"


def test_inheriting_limits_new_fds(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"data")
    (sandbox / "d").mkdir()
    assert guest.call("fd_fdstat_set_rights", 3, DIR_RIGHTS, RIGHT_FD_READ | RIGHT_PATH_OPEN) == 0
    assert guest.open(3, "f", base=RIGHT_FD_READ | RIGHT_FD_WRITE)[0] == Errno.ENOTCAPABLE
    err, fd = guest.open(3, "f", base=RIGHT_FD_READ, inheriting=0)
    assert err == 0
    assert guest.read(fd, 4) == (0, b"data")
    assert guest.write(fd, b"x")[0] == Errno.ENOTCAPABLE
    err, dfd = guest.open(3, "d", OFLAG_DIRECTORY, base=RIGHT_PATH_OPEN, inheriting=RIGHT_FD_READ)
    assert err == 0
    p, n = guest.path("sub")
    assert guest.call("path_create_directory", dfd, p, n) == Errno.ENOTCAPABLE
    assert guest.open(3, "d", OFLAG_DIRECTORY, base=RIGHT_PATH_CREATE_DIRECTORY, inheriting=0)[0] == (
        Errno.ENOTCAPABLE)


def test_preopen_cannot_gain_rights(guest: Guest) -> None:
    assert guest.call("fd_fdstat_set_rights", 3, ALL_RIGHTS, ALL_RIGHTS) == Errno.ENOTCAPABLE
    assert guest.call("fd_fdstat_set_rights", 3, DIR_RIGHTS, ALL_RIGHTS) == 0


def test_rights_reported_by_fdstat(guest: Guest, sandbox: Path) -> None:
    import struct

    (sandbox / "f").write_bytes(b"")
    err, fd = guest.open(3, "f", base=ALL_RIGHTS, inheriting=0)
    assert err == 0
    out = guest.alloc(24)
    assert guest.call("fd_fdstat_get", fd, out) == 0
    _t, _f, base, inheriting = struct.unpack_from("<BxHxxxxQQ", guest.mem.data, out)
    assert base & RIGHT_FD_READ and base & RIGHT_FD_WRITE
    assert not base & RIGHT_PATH_OPEN  # directory-only rights are dropped for files
    assert inheriting == 0
