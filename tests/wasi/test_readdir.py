"""fd_readdir: dirent layout, cookies, the full-buffer rule, and O(n) listing of 10,000 files."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno
from wasitool.wasi.constants import (
    FILETYPE_DIRECTORY,
    FILETYPE_REGULAR_FILE,
    FILETYPE_SYMBOLIC_LINK,
    OFLAG_DIRECTORY,
)


def _entries(guest: Guest, buf: int, used: int) -> list[tuple[int, int, int, int, bytes]]:
    out, pos = [], 0
    while used - pos >= 24:
        d_next, ino, namlen, dtype = struct.unpack_from("<QQIB3x", guest.mem.data, buf + pos)
        out.append((d_next, ino, namlen, dtype, guest.bytes(buf + pos + 24, min(namlen, used - pos - 24))))
        pos += 24 + namlen
    return out


def test_layout_and_types(guest: Guest, sandbox: Path) -> None:
    (sandbox / "file").write_bytes(b"12")
    (sandbox / "dir").mkdir()
    os.symlink("file", sandbox / "link")
    buf, used = guest.alloc(4096), guest.alloc(4)
    assert guest.call("fd_readdir", 3, buf, 4096, 0, used) == 0
    total = guest.u32(used)
    assert total == 5 * 24 + len(". .. file dir link".replace(" ", ""))
    entries = _entries(guest, buf, total)
    assert [e[0] for e in entries] == [1, 2, 3, 4, 5]
    by_name = {e[4]: e for e in entries}
    assert set(by_name) == {b".", b"..", b"file", b"dir", b"link"}
    assert by_name[b"."][3] == by_name[b".."][3] == FILETYPE_DIRECTORY
    assert by_name[b"file"][3] == FILETYPE_REGULAR_FILE
    assert by_name[b"dir"][3] == FILETYPE_DIRECTORY
    assert by_name[b"link"][3] == FILETYPE_SYMBOLIC_LINK
    assert by_name[b"file"][1] == os.lstat(sandbox / "file").st_ino
    assert by_name[b"."][1] == os.stat(sandbox).st_ino
    assert all(e[2] == len(e[4]) for e in entries)


def test_full_buffer_and_cookies(guest: Guest, sandbox: Path) -> None:
    for name in ("alpha", "beta", "gamma"):
        (sandbox / name).write_bytes(b"")
    buf, used = guest.alloc(4096), guest.alloc(4)
    assert guest.call("fd_readdir", 3, buf, 4096, 0, used) == 0
    full = guest.bytes(buf, guest.u32(used))
    assert len(full) == 5 * 24 + 1 + 2 + 5 + 4 + 5
    # A buffer that ends inside an entry is filled completely, so bufused == buf_len.
    for size in (1, 24, 30, 50, 60, len(full) - 1):
        guest.mem.data[buf:buf + 4096] = bytes(4096)
        assert guest.call("fd_readdir", 3, buf, size, 0, used) == 0
        assert guest.u32(used) == size
        assert guest.bytes(buf, size) == full[:size]
    # Exactly the whole listing: not "full" in the retry sense, but the same bytes.
    assert guest.call("fd_readdir", 3, buf, len(full), 0, used) == 0
    assert guest.u32(used) == len(full)
    # Resuming at each cookie gives the tail of the listing.
    entries = _entries(guest, buf, len(full))
    offset = 0
    for d_next, _ino, namlen, _t, _n in entries:
        offset += 24 + namlen
        assert guest.call("fd_readdir", 3, buf, 4096, d_next, used) == 0
        assert guest.bytes(buf, guest.u32(used)) == full[offset:]
    assert guest.call("fd_readdir", 3, buf, 4096, 5, used) == 0
    assert guest.u32(used) == 0
    assert guest.call("fd_readdir", 3, buf, 4096, 1 << 40, used) == 0
    assert guest.u32(used) == 0


def test_rescan_on_cookie_zero(guest: Guest, sandbox: Path) -> None:
    assert sorted(guest.readdir_names(3)) == [".", ".."]
    (sandbox / "later").write_bytes(b"")
    assert sorted(guest.readdir_names(3)) == [".", "..", "later"]


def test_errors(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"")
    _err, fd = guest.open(3, "f")
    buf, used = guest.alloc(64), guest.alloc(4)
    assert guest.call("fd_readdir", fd, buf, 64, 0, used) == Errno.EBADF  # a file: EBADF, as the wasmtime CLI
    assert guest.call("fd_readdir", 77, buf, 64, 0, used) == Errno.EBADF
    assert guest.call("fd_readdir", 3, len(guest.mem.data) - 10, 64, 0, used) == Errno.EFAULT
    assert guest.call("fd_readdir", 3, buf, 64, 0, len(guest.mem.data) - 2) == Errno.EFAULT
    assert guest.call("fd_fdstat_set_rights", 3, 0, 0) == 0
    assert guest.call("fd_readdir", 3, buf, 64, 0, used) == Errno.ENOTCAPABLE


def test_subdirectory_listing(guest: Guest, sandbox: Path) -> None:
    (sandbox / "d").mkdir()
    (sandbox / "d" / "x").write_bytes(b"")
    err, dfd = guest.open(3, "d", OFLAG_DIRECTORY)
    assert err == 0
    assert sorted(guest.readdir_names(dfd)) == [".", "..", "x"]


def test_ten_thousand_files(guest: Guest, sandbox: Path) -> None:
    big = sandbox / "big"
    big.mkdir()
    flags = os.O_CREAT | os.O_WRONLY
    for i in range(10_000):
        os.close(os.open(big / f"file-{i:05d}-{'x' * (i % 37)}", flags, 0o644))
    err, dfd = guest.open(3, "big", OFLAG_DIRECTORY)
    assert err == 0
    names = guest.readdir_names(dfd, buf_len=4096)  # ~ 190 refills, like wasi-libc (bench/ times it)
    assert len(names) == 10_002
    assert sorted(names) == sorted([".", "..", *os.listdir(big)])


def test_small_buffers_resume_exactly(guest: Guest, sandbox: Path) -> None:
    for i in range(300):
        (sandbox / f"n{i}").touch()
    names = guest.readdir_names(3, buf_len=40)  # forces growth and many partial refills
    assert sorted(names) == sorted([".", "..", *os.listdir(sandbox)])
    assert len(names) == len(set(names))
