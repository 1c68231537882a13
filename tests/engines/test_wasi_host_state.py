"""Host state stays the host's: stdio streams and read-only preopens, on every engine and the wasmtime CLI."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.wasi_probe import Probe, run_probe, run_probe_cli, wasmtime_cli_available
from wasitool.runspec import Preopen
from wasitool.wasi import Errno
from wasitool.wasi.constants import (
    ALL_RIGHTS,
    FDFLAG_APPEND,
    FDFLAG_NONBLOCK,
    FST_ATIM_NOW,
    FST_MTIM_NOW,
    OFLAG_CREAT,
    OFLAG_DIRECTORY,
    RIGHT_FD_READ,
    RIGHT_FD_WRITE,
)

E = Errno
# (call, args for fd 0, args for fd 1) -> what the wasmtime CLI answers on stdin, on stdout
_STDIO_CALLS = [
    ("fd_seek", lambda fd: (fd, 0, 1, Probe.OUT), E.ESPIPE, E.ESPIPE),
    ("fd_tell", lambda fd: (fd, Probe.OUT), E.ESPIPE, E.ESPIPE),
    ("fd_fdstat_set_flags", lambda fd: (fd, FDFLAG_NONBLOCK), E.EBADF, E.EBADF),
    ("fd_fdstat_set_flags", lambda fd: (fd, FDFLAG_APPEND), E.EBADF, E.EBADF),
    ("fd_filestat_set_size", lambda fd: (fd, 0), E.EBADF, E.EBADF),
    ("fd_filestat_set_times", lambda fd: (fd, 0, 0, FST_ATIM_NOW | FST_MTIM_NOW), E.EBADF, E.EBADF),
    ("fd_allocate", lambda fd: (fd, 0, 10), E.EBADF, E.EBADF),
    ("fd_advise", lambda fd: (fd, 0, 0, 0), E.EBADF, E.EBADF),
    ("fd_sync", lambda fd: (fd,), E.EBADF, E.EBADF),
    ("fd_datasync", lambda fd: (fd,), E.EBADF, E.EBADF),
    ("fd_readdir", lambda fd: (fd, 0x200, 64, 0, Probe.OUT), E.EBADF, E.EBADF),
    ("fd_fdstat_set_rights", lambda fd: (fd, 0, 0), E.EBADF, E.EBADF),
    ("path_create_directory", lambda fd: (fd, 0x1000, 1), E.EBADF, E.EBADF),
    ("fd_filestat_get", lambda fd: (fd, 0x300), E.ESUCCESS, E.ESUCCESS),
    ("fd_fdstat_get", lambda fd: (fd, 0x340), E.ESUCCESS, E.ESUCCESS),
]


def _stdio_probe(fd: int) -> Probe:
    probe = Probe(report_fd=2 if fd == 1 else 1)
    probe.bytes(b"d", at=0x1000)
    for name, args, _, _ in _STDIO_CALLS:
        probe.call(name, *args(fd))
    probe.dump(0x300, 64)
    probe.dump(0x340, 24)
    return probe


@pytest.mark.parametrize("fd", [0, 1, 2])
def test_stdio_changes_nothing_of_the_host(engine_name: str, tmp_path: Path, fd: int) -> None:
    probe = _stdio_probe(fd)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", stdin=b"input")
    expected = [in_ if fd == 0 else out for _, _, in_, out in _STDIO_CALLS]
    assert report.errnos == expected
    assert report.dumps[0] == bytes(64)  # filestat: a stream, filetype unknown (not a terminal)
    rights = RIGHT_FD_READ if fd == 0 else RIGHT_FD_WRITE
    assert struct.unpack("<BxHxxxxQQ", report.dumps[1]) == (0, 0, rights, rights)
    if wasmtime_cli_available():
        cli, _ = run_probe_cli(probe, tmp_path / "p.wasm", stdin=b"input")
        assert cli == report


def test_pread_pwrite_on_stdio(engine_name: str, tmp_path: Path) -> None:
    """pread on stdin / pwrite on stdout: ESPIPE; the other direction: EBADF (not readable/writable)."""
    probe = Probe(report_fd=2)
    buf = probe.bytes(b"12345678")
    iov = probe.iovecs([(buf, 8)])
    for fd in (0, 1):
        probe.call("fd_pread", fd, iov, 1, 0, Probe.OUT)
        probe.call("fd_pwrite", fd, iov, 1, 0, Probe.OUT)
    probe.call("fd_read", 1, iov, 1, Probe.OUT)
    probe.call("fd_write", 0, iov, 1, Probe.OUT)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", stdin=b"")
    assert report.errnos == [E.ESPIPE, E.EBADF, E.EBADF, E.ESPIPE, E.EBADF, E.EBADF]
    if wasmtime_cli_available():
        assert run_probe_cli(probe, tmp_path / "p.wasm", stdin=b"")[0] == report


def test_wasitool_run_leaves_the_shells_files_alone(engine_name: str, tmp_path: Path) -> None:
    """`wasitool run x.wasm < in >> log`: the guest can neither truncate log, touch in, nor set flags."""
    probe = Probe(report_fd=2)
    probe.call("fd_filestat_set_size", 1, 0)
    probe.call("fd_fdstat_set_flags", 1, FDFLAG_NONBLOCK)
    probe.call("fd_fdstat_set_flags", 0, FDFLAG_NONBLOCK | FDFLAG_APPEND)
    probe.call("fd_filestat_set_times", 0, 0, 0, FST_ATIM_NOW | FST_MTIM_NOW)
    probe.call("fd_allocate", 1, 0, 1 << 20)
    module = tmp_path / "p.wasm"
    from tests.support.wasi_probe import compile_probe

    compile_probe(probe, module)
    log, given = tmp_path / "build.log", tmp_path / "in.txt"
    log.write_bytes(b"earlier output\n")
    given.write_bytes(b"input")
    os.utime(given, ns=(10**18, 10**18))
    with open(given, "rb") as stdin, open(log, "ab") as stdout:
        proc = subprocess.run([sys.executable, "-m", "wasitool", "run", str(module), "--engine", engine_name],
                              stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=60)
        import fcntl

        assert not fcntl.fcntl(stdout.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
        assert not fcntl.fcntl(stdin.fileno(), fcntl.F_GETFL) & (os.O_NONBLOCK | os.O_APPEND)
    assert proc.returncode == 0
    assert probe.parse(proc.stderr).errnos == [E.EBADF] * 5
    assert log.read_bytes() == b"earlier output\n"
    assert given.stat().st_mtime_ns == 10**18


def _readonly_probe() -> Probe:
    """On a read-only preopen at fd 3 holding `f` (file) and `d` (dir): reads work, every change fails."""
    probe = Probe()
    f, d, new = probe.bytes(b"f"), probe.bytes(b"d"), probe.bytes(b"new")
    d_new = probe.bytes(b"d/new")
    probe.call("path_open", 3, 0, f, 1, 0, ALL_RIGHTS, ALL_RIGHTS, 0, Probe.OUT)  # ENOTCAPABLE: asks write
    probe.call("path_open", 3, 0, f, 1, 0, RIGHT_FD_READ, 0, 0, Probe.OUT)  # fd 4, read-only
    probe.call("path_open", 3, 0, d, 1, OFLAG_DIRECTORY, 0, 0, 0, Probe.OUT + 4)  # fd 5
    probe.call("path_open", 3, 0, new, 3, OFLAG_CREAT, RIGHT_FD_READ, 0, 0, Probe.OUT + 8)
    probe.call("path_open", 5, 0, new, 3, OFLAG_CREAT, RIGHT_FD_READ, 0, 0, Probe.OUT + 8)
    probe.call("path_create_directory", 3, new, 3)
    probe.call("path_create_directory", 5, new, 3)
    probe.call("path_unlink_file", 3, f, 1)
    probe.call("path_remove_directory", 3, d, 1)
    probe.call("path_rename", 3, f, 1, 3, new, 3)
    probe.call("path_symlink", f, 1, 3, new, 3)
    probe.call("path_link", 3, 0, f, 1, 3, d_new, 5)
    probe.call("path_filestat_set_times", 3, 0, f, 1, 0, 0, FST_MTIM_NOW)
    probe.call("fd_filestat_set_size", 4, 0)
    probe.call("fd_filestat_set_times", 4, 0, 0, FST_MTIM_NOW)
    probe.call("fd_allocate", 4, 0, 100)
    probe.call("fd_fdstat_set_rights", 3, ALL_RIGHTS, ALL_RIGHTS)
    buf = probe.bytes(b"xx")
    probe.call("fd_write", 4, probe.iovecs([(buf, 2)]), 1, Probe.OUT + 12)
    probe.call("fd_read", 4, probe.iovecs([(0x400, 16)]), 1, Probe.OUT + 12)
    probe.dump(0x400, 4)
    return probe


_READONLY_ERRNOS = [E.ENOTCAPABLE, 0, 0, *[E.ENOTCAPABLE] * 15, 0]


def test_readonly_preopen(engine_name: str, tmp_path: Path) -> None:
    root = tmp_path / "ro"
    (root / "d").mkdir(parents=True)
    (root / "f").write_bytes(b"keep")
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    mtime = (root / "f").stat().st_mtime_ns
    report, _ = run_probe(_readonly_probe(), engine_name, tmp_path / "p.wasm",
                          dirs=(Preopen(root, "/ro", readonly=True),))
    assert report.errnos == _READONLY_ERRNOS
    assert report.dumps == [b"keep"]
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before
    assert (root / "f").read_bytes() == b"keep"
    assert (root / "f").stat().st_mtime_ns == mtime


def test_readonly_preopen_cannot_link_into_a_writable_one(engine_name: str, tmp_path: Path) -> None:
    ro, rw = tmp_path / "ro", tmp_path / "rw"
    ro.mkdir()
    rw.mkdir()
    (ro / "f").write_bytes(b"keep")
    probe = Probe()
    f = probe.bytes(b"f")
    probe.call("path_link", 3, 0, f, 1, 4, f, 1)
    probe.call("path_rename", 3, f, 1, 4, f, 1)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm",
                          dirs=(Preopen(ro, "/ro", readonly=True), Preopen(rw, "/rw")))
    assert report.errnos == [E.ENOTCAPABLE, E.ENOTCAPABLE]
    assert list(rw.iterdir()) == []
    assert (ro / "f").stat().st_nlink == 1


def test_dir_flag_readonly(engine_name: str, tmp_path: Path) -> None:
    from tests.support.wasi_probe import compile_probe

    root = tmp_path / "ro"
    (root / "d").mkdir(parents=True)
    (root / "f").write_bytes(b"keep")
    probe = _readonly_probe()
    module = compile_probe(probe, tmp_path / "p.wasm")
    proc = subprocess.run([sys.executable, "-m", "wasitool", "run", str(module), "--engine", engine_name,
                           "--dir", f"{root}::/ro:ro"], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert probe.parse(proc.stdout).errnos == _READONLY_ERRNOS
    assert (root / "f").read_bytes() == b"keep"


@pytest.mark.parametrize("runtime", ["wasmtime-cli", "node", "native"])
def test_other_runtimes_say_they_cannot_preopen_read_only(tmp_path: Path, runtime: str) -> None:
    from wasitool.runspec import RunSpec
    from wasitool.runtimes import get_runtime

    module = tmp_path / "m.wasm"
    module.write_bytes(b"\0asm\1\0\0\0")
    native = tmp_path / "prog"  # just enough of a native build to get past "no native build"
    native.write_bytes(b"")
    spec = RunSpec(module, dirs=(Preopen(tmp_path, "/d", readonly=True),), native_binary=native)
    result = get_runtime(runtime).run(spec)
    assert result.unsupported and ("read-only" in result.unsupported or result.unsupported == "not found")
