"""path_* calls inside the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno
from wasitool.wasi.constants import (
    FILETYPE_DIRECTORY,
    FILETYPE_REGULAR_FILE,
    FILETYPE_SYMBOLIC_LINK,
    FST_ATIM,
    FST_MTIM,
    LOOKUP_SYMLINK_FOLLOW,
    OFLAG_CREAT,
    OFLAG_DIRECTORY,
    OFLAG_EXCL,
    OFLAG_TRUNC,
)


def _call_path(guest: Guest, name: str, fd: int, path: str) -> int:
    p, n = guest.path(path)
    return guest.call(name, fd, p, n)


def test_open_create_excl_trunc(guest: Guest, sandbox: Path) -> None:
    assert guest.open(3, "missing")[0] == Errno.ENOENT
    err, fd = guest.open(3, "new", OFLAG_CREAT | OFLAG_EXCL)
    assert err == 0 and fd == 4
    assert guest.open(3, "new", OFLAG_CREAT | OFLAG_EXCL)[0] == Errno.EEXIST
    assert guest.write(fd, b"content") == (0, 7)
    err, fd2 = guest.open(3, "new", OFLAG_TRUNC)
    assert err == 0
    assert (sandbox / "new").read_bytes() == b""
    assert guest.open(3, "new", OFLAG_DIRECTORY)[0] == Errno.ENOTDIR
    assert guest.open(3, "new", 1 << 5)[0] == Errno.EINVAL
    assert guest.open(3, "new", fdflags=1 << 6)[0] == Errno.EINVAL
    assert guest.open(fd2, "x")[0] == Errno.ENOTDIR
    assert guest.open(99, "x")[0] == Errno.EBADF
    assert guest.open(3, "")[0] == Errno.ENOENT


def test_nested_dirs_and_filestat(guest: Guest, sandbox: Path) -> None:
    assert _call_path(guest, "path_create_directory", 3, "d") == 0
    assert _call_path(guest, "path_create_directory", 3, "d/e/") == 0
    assert _call_path(guest, "path_create_directory", 3, "d") == Errno.EEXIST
    assert _call_path(guest, "path_create_directory", 3, "nope/e") == Errno.ENOENT
    assert (sandbox / "d" / "e").is_dir()
    err, fd = guest.open(3, "d/e/./../e/f.txt", OFLAG_CREAT)
    assert err == 0
    assert guest.write(fd, b"abc") == (0, 3)
    assert (sandbox / "d" / "e" / "f.txt").read_bytes() == b"abc"
    err, st = guest.filestat(3, "d/e/f.txt")
    assert err == 0
    assert st[1] == os.stat(sandbox / "d/e/f.txt").st_ino
    assert (st[2], st[4]) == (FILETYPE_REGULAR_FILE, 3)
    assert guest.filestat(3, "d")[1][2] == FILETYPE_DIRECTORY
    assert guest.filestat(3, ".")[1][2] == FILETYPE_DIRECTORY
    assert guest.filestat(3, "d/e/f.txt/")[0] == Errno.ENOTDIR
    assert guest.filestat(3, "d/nope")[0] == Errno.ENOENT
    # open a subdirectory and resolve relative to it
    err, dfd = guest.open(3, "d", OFLAG_DIRECTORY)
    assert err == 0
    assert guest.filestat(dfd, "e/f.txt")[1][4] == 3


def test_remove_unlink(guest: Guest, sandbox: Path) -> None:
    (sandbox / "dir").mkdir()
    (sandbox / "dir" / "file").write_bytes(b"")
    assert _call_path(guest, "path_remove_directory", 3, "dir") == Errno.ENOTEMPTY
    assert _call_path(guest, "path_unlink_file", 3, "dir") in (Errno.EISDIR, Errno.EPERM)
    assert _call_path(guest, "path_unlink_file", 3, "dir/file/") == Errno.ENOTDIR
    assert _call_path(guest, "path_remove_directory", 3, "dir/file") == Errno.ENOTDIR
    assert _call_path(guest, "path_unlink_file", 3, "dir/file") == 0
    assert _call_path(guest, "path_unlink_file", 3, "dir/file") == Errno.ENOENT
    assert _call_path(guest, "path_remove_directory", 3, "dir") == 0
    assert not (sandbox / "dir").exists()


def test_symlink_readlink_follow(guest: Guest, sandbox: Path) -> None:
    (sandbox / "target.txt").write_bytes(b"T")
    tp, tn = guest.path("target.txt")
    lp, ln = guest.path("link")
    assert guest.call("path_symlink", tp, tn, 3, lp, ln) == 0
    assert os.readlink(sandbox / "link") == "target.txt"
    assert guest.call("path_symlink", tp, tn, 3, lp, ln) == Errno.EEXIST
    buf, used = guest.alloc(64), guest.alloc(4)
    assert guest.call("path_readlink", 3, lp, ln, buf, 64, used) == 0
    assert guest.bytes(buf, guest.u32(used)) == b"target.txt"
    assert guest.call("path_readlink", 3, lp, ln, buf, 4, used) == 0  # truncated
    assert (guest.u32(used), guest.bytes(buf, 4)) == (4, b"targ")
    tp2, tn2 = guest.path("target.txt")
    assert guest.call("path_readlink", 3, tp2, tn2, buf, 64, used) == Errno.EINVAL
    assert guest.filestat(3, "link", follow=False)[1][2] == FILETYPE_SYMBOLIC_LINK
    assert guest.filestat(3, "link", follow=True)[1][2] == FILETYPE_REGULAR_FILE
    err, fd = guest.open(3, "link")
    assert err == 0 and guest.read(fd, 5) == (0, b"T")
    assert guest.open(3, "link", dirflags=0)[0] == Errno.ELOOP


def test_symlink_loop(guest: Guest, sandbox: Path) -> None:
    os.symlink("b", sandbox / "a")
    os.symlink("a", sandbox / "b")
    assert guest.open(3, "a")[0] == Errno.ELOOP
    assert guest.open(3, "a/x")[0] == Errno.ELOOP


def test_symlink_to_dir_inside(guest: Guest, sandbox: Path) -> None:
    (sandbox / "real" / "sub").mkdir(parents=True)
    (sandbox / "real" / "sub" / "f").write_bytes(b"deep")
    os.symlink("real/sub", sandbox / "shortcut")
    (sandbox / "other").mkdir()
    os.symlink("../real", sandbox / "other" / "up")
    err, fd = guest.open(3, "shortcut/f")
    assert err == 0 and guest.read(fd, 10) == (0, b"deep")
    err, fd = guest.open(3, "other/up/sub/f")
    assert err == 0 and guest.read(fd, 10) == (0, b"deep")


def test_rename(guest: Guest, sandbox: Path) -> None:
    (sandbox / "a").write_bytes(b"A")
    (sandbox / "d").mkdir()
    op, on = guest.path("a")
    np_, nn = guest.path("d/b")
    assert guest.call("path_rename", 3, op, on, 3, np_, nn) == 0
    assert (sandbox / "d" / "b").read_bytes() == b"A" and not (sandbox / "a").exists()
    assert guest.call("path_rename", 3, op, on, 3, np_, nn) == Errno.ENOENT


def test_hard_link(guest: Guest, sandbox: Path) -> None:
    (sandbox / "a").write_bytes(b"A")
    op, on = guest.path("a")
    np_, nn = guest.path("b")
    assert guest.call("path_link", 3, 0, op, on, 3, np_, nn) == 0
    assert os.stat(sandbox / "b").st_ino == os.stat(sandbox / "a").st_ino
    assert guest.call("path_link", 3, 0, op, on, 3, np_, nn) == Errno.EEXIST


def test_path_set_times(guest: Guest, sandbox: Path) -> None:
    (sandbox / "f").write_bytes(b"")
    p, n = guest.path("f")
    assert guest.call("path_filestat_set_times", 3, LOOKUP_SYMLINK_FOLLOW, p, n, 7_000_000_000, 8_000_000_000,
                      FST_ATIM | FST_MTIM) == 0
    st = os.stat(sandbox / "f")
    assert (st.st_atime_ns, st.st_mtime_ns) == (7_000_000_000, 8_000_000_000)
    assert guest.call("path_filestat_set_times", 3, 0, p, n, 0, 0, 1 << 4) == Errno.EINVAL


def test_invalid_path_bytes(guest: Guest) -> None:
    assert guest.open(3, "a\0b")[0] == Errno.EINVAL
