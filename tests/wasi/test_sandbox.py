"""Nothing outside a preopen is reachable: `..`, absolute paths, symlinks, rename/link/symlink targets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.wasi_guest import Guest
from wasitool.wasi import Errno
from wasitool.wasi.constants import LOOKUP_SYMLINK_FOLLOW, OFLAG_CREAT, OFLAG_DIRECTORY

ESCAPE = (Errno.EPERM,)  # what wasmtime returns for escapes


@pytest.mark.parametrize("path", [
    "../outside.txt", "..", "sub/../../outside.txt", "./../outside.txt", "sub/../..", "/etc/passwd", "/",
    "sub/./../../sandbox/../outside.txt",
])
def test_dotdot_and_absolute(guest: Guest, sandbox: Path, path: str) -> None:
    (sandbox / "sub").mkdir()
    err, fd = guest.open(3, path)
    assert err in ESCAPE
    assert fd == 0xFFFFFFFF
    assert guest.filestat(3, path)[0] in ESCAPE
    p, n = guest.path(path)
    assert guest.call("path_create_directory", 3, p, n) in ESCAPE


def test_dotdot_inside_is_fine(guest: Guest, sandbox: Path) -> None:
    (sandbox / "sub").mkdir()
    (sandbox / "f").write_bytes(b"ok")
    err, fd = guest.open(3, "sub/../f")
    assert err == 0 and guest.read(fd, 2) == (0, b"ok")


def test_subdir_fd_cannot_climb(guest: Guest, sandbox: Path) -> None:
    (sandbox / "sub").mkdir()
    (sandbox / "f").write_bytes(b"ok")
    err, dfd = guest.open(3, "sub", OFLAG_DIRECTORY)
    assert err == 0
    assert guest.open(dfd, "../f")[0] in ESCAPE  # each fd is its own root, like wasmtime


def test_symlink_out_last_component(guest: Guest, sandbox: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "outside.txt", sandbox / "abs")
    os.symlink("../outside.txt", sandbox / "rel")
    for name in ("abs", "rel"):
        assert guest.open(3, name)[0] in ESCAPE
        assert guest.filestat(3, name, follow=True)[0] in ESCAPE
        # without following, the link itself is what is looked at
        assert guest.open(3, name, dirflags=0)[0] == Errno.ELOOP
        assert guest.filestat(3, name, follow=False)[0] == 0


def test_symlink_out_middle_component(guest: Guest, sandbox: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path, sandbox / "absdir")
    os.symlink("..", sandbox / "reldir")
    (sandbox / "sub").mkdir()
    os.symlink("../..", sandbox / "sub" / "deep")
    for path in ("absdir/outside.txt", "reldir/outside.txt", "sub/deep/outside.txt", "reldir/sandbox/x"):
        assert guest.open(3, path, dirflags=0)[0] in ESCAPE, path
        assert guest.filestat(3, path, follow=False)[0] in ESCAPE, path
        p, n = guest.path(path)
        assert guest.call("path_unlink_file", 3, p, n) in ESCAPE, path
    assert guest.open(3, "absdir/new", OFLAG_CREAT)[0] in ESCAPE
    assert not (tmp_path / "new").exists()


def test_rename_out(guest: Guest, sandbox: Path, tmp_path: Path) -> None:
    (sandbox / "mine").write_bytes(b"m")
    op, on = guest.path("mine")
    np_, nn = guest.path("../stolen")
    assert guest.call("path_rename", 3, op, on, 3, np_, nn) in ESCAPE
    op2, on2 = guest.path("../outside.txt")
    np2, nn2 = guest.path("got")
    assert guest.call("path_rename", 3, op2, on2, 3, np2, nn2) in ESCAPE
    assert (sandbox / "mine").exists() and not (tmp_path / "stolen").exists()
    assert (tmp_path / "outside.txt").exists() and not (sandbox / "got").exists()


def test_hard_link_out(guest: Guest, sandbox: Path, tmp_path: Path) -> None:
    op, on = guest.path("../outside.txt")
    np_, nn = guest.path("copy")
    assert guest.call("path_link", 3, 0, op, on, 3, np_, nn) in ESCAPE
    os.symlink("../outside.txt", sandbox / "lnk")
    op, on = guest.path("lnk")
    assert guest.call("path_link", 3, LOOKUP_SYMLINK_FOLLOW, op, on, 3, np_, nn) in ESCAPE
    assert not (sandbox / "copy").exists()
    (sandbox / "in").write_bytes(b"")
    op, on = guest.path("in")
    np_, nn = guest.path("../linked")
    assert guest.call("path_link", 3, 0, op, on, 3, np_, nn) in ESCAPE
    assert not (tmp_path / "linked").exists()


def test_symlink_creation_out_then_follow(guest: Guest, sandbox: Path, tmp_path: Path) -> None:
    np_, nn = guest.path("evil")
    for target in ("../outside.txt", "/etc/passwd", "a/../../outside.txt"):
        tp, tn = guest.path(target)
        assert guest.call("path_symlink", tp, tn, 3, np_, nn) in ESCAPE, target
    assert not os.path.lexists(sandbox / "evil")
    (sandbox / "sub").mkdir()
    tp, tn = guest.path("../x")
    np2, nn2 = guest.path("sub/ok")
    assert guest.call("path_symlink", tp, tn, 3, np2, nn2) == 0  # stays inside: sandbox/x
    # a link planted from outside (or created by a lenient runtime) still cannot be followed
    os.symlink("../outside.txt", sandbox / "planted")
    assert guest.open(3, "planted")[0] in ESCAPE
    assert guest.open(3, "planted/..")[0] in ESCAPE


def test_symlink_swapped_in_stays_inside(guest: Guest, sandbox: Path, tmp_path: Path) -> None:
    """After the guest opened a subdirectory, replacing it by a symlink out does not lead out."""
    (sandbox / "sub").mkdir()
    err, dfd = guest.open(3, "sub", OFLAG_DIRECTORY)
    assert err == 0
    os.rename(sandbox / "sub", sandbox / "moved")
    os.symlink(tmp_path, sandbox / "sub")
    assert guest.open(3, "sub/outside.txt")[0] in ESCAPE
    assert guest.open(dfd, "outside.txt")[0] == Errno.ENOENT  # the fd still names the real directory
