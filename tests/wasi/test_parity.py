"""Spec edge cases (engine-free): trailing slashes, O_DIRECTORY, readlink, `..`, ENAMETOOLONG, EILSEQ, poll."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno, calls_poll
from wasitool.wasi.constants import OFLAG_CREAT, OFLAG_DIRECTORY, RIGHT_FD_READ, RIGHT_FD_READDIR, RIGHT_FD_WRITE


@pytest.fixture
def tree(sandbox: Path) -> Path:
    (sandbox / "realdir").mkdir()
    (sandbox / "realdir" / "keep").write_bytes(b"")
    (sandbox / "f").write_bytes(b"data")
    os.symlink("realdir", sandbox / "linkdir")
    os.symlink("f", sandbox / "linkf")
    return sandbox


def _call_path(guest: Guest, name: str, *paths: str | bytes, fd: int = 3) -> int:
    args: list[int] = []
    for path in paths:
        args += guest.path(path)
    if name in ("path_link",):
        return guest.call(name, fd, 0, *args[:2], fd, *args[2:])
    if name == "path_rename":
        return guest.call(name, fd, *args[:2], fd, *args[2:])
    if name == "path_symlink":
        return guest.call(name, *args[:2], fd, *args[2:])
    return guest.call(name, fd, *args)


def test_trailing_slash_on_a_symlink_acts_on_the_link_not_its_target(guest: Guest, tree: Path) -> None:
    """rmdir/unlink/rename of `link/` never reach the directory the link points to (ENOTDIR, as Linux)."""
    assert _call_path(guest, "path_remove_directory", "linkdir/") == Errno.ENOTDIR
    assert _call_path(guest, "path_unlink_file", "linkdir/") == Errno.ENOTDIR
    assert _call_path(guest, "path_rename", "linkdir/", "moved") == Errno.ENOTDIR
    assert _call_path(guest, "path_link", "linkdir/", "hard") == Errno.ENOTDIR
    assert (tree / "realdir" / "keep").exists() and (tree / "linkdir").is_symlink()
    assert not (tree / "moved").exists() and not (tree / "hard").exists()
    assert guest.filestat(3, "linkdir/", follow=False)[0] == 0  # a lookup follows it, as lstat("linkdir/")


def test_create_with_a_trailing_slash(guest: Guest, tree: Path) -> None:
    assert guest.open(3, "new/", OFLAG_CREAT)[0] == Errno.EISDIR
    assert _call_path(guest, "path_link", "f", "new/") == Errno.ENOENT
    assert _call_path(guest, "path_link", "f", "realdir/") == Errno.EEXIST
    assert _call_path(guest, "path_symlink", b"f", "new/") == Errno.ENOENT
    assert _call_path(guest, "path_symlink", b"f", "f/") == Errno.ENOTDIR
    assert _call_path(guest, "path_symlink", b"f", "linkdir/") == Errno.EEXIST
    assert _call_path(guest, "path_rename", "f", "new/") == Errno.ENOTDIR
    assert _call_path(guest, "path_create_directory", "new/") == 0
    assert _call_path(guest, "path_rename", "new", "newer/") == 0
    assert sorted(p.name for p in tree.iterdir()) == ["f", "linkdir", "linkf", "newer", "realdir"]


def test_directory_with_write_rights(guest: Guest, tree: Path) -> None:
    assert guest.open(3, "realdir", OFLAG_DIRECTORY, base=RIGHT_FD_READ | RIGHT_FD_WRITE)[0] == Errno.EISDIR
    assert guest.open(3, "f", OFLAG_DIRECTORY, base=RIGHT_FD_WRITE)[0] == Errno.ENOTDIR
    assert guest.open(3, "realdir", OFLAG_DIRECTORY | OFLAG_CREAT, base=RIGHT_FD_READ)[0] == Errno.EINVAL
    assert guest.open(3, "realdir", OFLAG_DIRECTORY, base=RIGHT_FD_READ)[0] == 0


def test_readlink_never_shows_a_host_path(guest: Guest, tree: Path) -> None:
    os.symlink(str(tree.parent / "outside.txt"), tree / "abs")
    os.symlink("../outside.txt", tree / "rel")
    buf, used = guest.alloc(256), guest.alloc(4)
    for name, expected in [("abs", Errno.EPERM), ("rel", 0), ("linkf", 0), ("linkf/", Errno.ENOTDIR),
                           ("linkdir/", Errno.EINVAL), ("f", Errno.EINVAL)]:
        guest.mem.data[buf:buf + 256] = bytes(256)
        p, n = guest.path(name)
        assert guest.call("path_readlink", 3, p, n, buf, 256, used) == expected, name
        if name == "abs":
            assert guest.bytes(buf, 256) == bytes(256)
    p, n = guest.path("rel")
    assert guest.call("path_readlink", 3, p, n, buf, 256, used) == 0
    assert guest.bytes(buf, guest.u32(used)) == b"../outside.txt"


def test_non_utf8_paths_are_eilseq_before_anything_else(guest: Guest, tree: Path) -> None:
    for raw in (b"x\xff", b"\xed\xa0\x80", b"\xc3", b"../\xff", b"ok/\x80"):
        assert guest.open(3, raw, OFLAG_CREAT)[0] == Errno.EILSEQ
        assert guest.open(99, raw)[0] == Errno.EILSEQ  # before EBADF
        assert _call_path(guest, "path_create_directory", raw) == Errno.EILSEQ
        assert _call_path(guest, "path_symlink", raw, "s") == Errno.EILSEQ
    assert sorted(p.name for p in tree.iterdir()) == ["f", "linkdir", "linkf", "realdir"]
    assert guest.open(3, "ünï", OFLAG_CREAT)[0] == 0


def test_path_max(guest: Guest, tree: Path) -> None:
    ok = b"./" * 2046 + b"f"  # 4093 bytes
    too_long = b"./" * 2047 + b"ff"  # 4096 bytes
    assert guest.open(3, ok)[0] == 0
    assert guest.open(3, too_long)[0] == Errno.ENAMETOOLONG
    assert _call_path(guest, "path_create_directory", too_long) == Errno.ENAMETOOLONG
    assert _call_path(guest, "path_unlink_file", b"./" * 2047 + b"ff") == Errno.ENAMETOOLONG
    assert guest.open(99, too_long)[0] == Errno.EBADF  # a bad fd first
    assert guest.open(3, "a" * 256, OFLAG_CREAT)[0] == Errno.ENAMETOOLONG  # one component over 255


def _listing(guest: Guest, fd: int) -> dict[str, int]:
    buf, used = guest.alloc(4096), guest.alloc(4)
    assert guest.call("fd_readdir", fd, buf, 4096, 0, used) == 0
    out, pos = {}, 0
    while pos + 24 <= guest.u32(used):
        _n, ino, namlen, _t = struct.unpack_from("<QQIB3x", guest.mem.data, buf + pos)
        out[guest.bytes(buf + pos + 24, namlen).decode()] = ino
        pos += 24 + namlen
    return out


def test_dotdot_of_the_root_is_the_root(guest: Guest, tree: Path) -> None:
    root_ino, parent_ino = tree.stat().st_ino, tree.parent.stat().st_ino
    assert _listing(guest, 3)[".."] == root_ino != parent_ino
    rights = RIGHT_FD_READ | RIGHT_FD_READDIR
    for path in (".", "realdir/..", "linkdir/.."):  # the root reached another way
        err, fd = guest.open(3, path, OFLAG_DIRECTORY, base=rights)
        assert err == 0, path
        assert _listing(guest, fd)[".."] == root_ino, path
    err, fd = guest.open(3, "realdir", OFLAG_DIRECTORY, base=rights)
    assert _listing(guest, fd)[".."] == root_ino  # the real parent, inside the preopen


class _Stop(BaseException):
    pass


def _clock_sub(guest: Guest, timeout: int, flags: int = 0) -> int:
    sub = guest.alloc(48)
    struct.pack_into("<QB7xI4xQQH6x", guest.mem.data, sub, 7, 0, 1, timeout, 0, flags)
    return sub


def test_poll_huge_timeout_sleeps_in_steps(guest: Guest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock 2**64-1 ns away sleeps (in steps Python accepts) instead of failing with EIO at once."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise _Stop

    monkeypatch.setattr(calls_poll.time, "sleep", sleep)
    for flags in (0, 1):  # relative, absolute
        slept.clear()
        with pytest.raises(_Stop):
            guest.call("poll_oneoff", _clock_sub(guest, 2**64 - 1, flags), guest.alloc(32), 1, guest.alloc(4))
        assert slept == [calls_poll.MAX_WAIT] * 3


def test_poll_huge_timeout_with_a_stream_waits_in_steps(guest: Guest, stdio: dict[str, int],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    timeouts: list[float | None] = []

    def wait(reads: list[int], writes: list[int], timeout: float | None) -> tuple[set[int], set[int]]:
        timeouts.append(timeout)
        return (set(reads), set()) if len(timeouts) == 3 else (set(), set())

    monkeypatch.setattr(calls_poll, "_wait", wait)
    subs = guest.alloc(96)
    struct.pack_into("<QB7xI4xQQH6x", guest.mem.data, subs, 7, 0, 1, 2**64 - 1, 0, 0)
    struct.pack_into("<QB7xI", guest.mem.data, subs + 48, 8, 1, 0)
    out, nevents = guest.alloc(64), guest.alloc(4)
    os.write(stdio["stdin_w"], b"x")
    assert guest.call("poll_oneoff", subs, out, 2, nevents) == 0
    assert timeouts == [calls_poll.MAX_WAIT] * 3
    assert guest.u32(nevents) == 1
    assert struct.unpack_from("<QHB", guest.mem.data, out) == (8, 0, 1)
