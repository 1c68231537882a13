"""--inject: every form on every engine (a probe module makes the call and shows what it got), the legal
errno table, one-line errors listing what is allowed, and the trace marking injected calls."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import pytest

from tests.engines.test_engine_cli import _one_line_error, wasitool
from tests.support import probe_modules as P
from wasitool import pyruntime
from wasitool.errors import WasiError
from wasitool.runspec import Preopen, RunResult, RunSpec
from wasitool.wasi import SIGNATURES
from wasitool.wasi.errno import Errno
from wasitool.wasi.inject import Injector, parse_rule
from wasitool.wasi.inject_errnos import LEGAL_ERRNOS, most_likely

OFFSET = P.BUF - P.OUT  # where the buffer starts in an io/readdir probe's output


def _run(engine: str, module: Path, *specs: str, stdin: bytes | None = None, directory: Path | None = None
         ) -> tuple[RunResult, Injector]:
    injector = Injector([parse_rule(s) for s in specs])
    dirs = (Preopen(directory, "."),) if directory is not None else ()
    spec = RunSpec(module, dirs=dirs, stdin=stdin)
    return pyruntime.run(spec, engine, capture=True, interpose=[injector]), injector


@pytest.fixture
def files(tmp_path: Path) -> Path:
    root = tmp_path / "files"
    root.mkdir()
    for name in ("app.cfg", "data.txt", "zeta", "alpha", "middle"):
        (root / name).write_text(name)
    return root


def test_errno_every_call(engine_name, wat_file, files):
    module = wat_file(P.path_open("data.txt", repeat=2))
    assert _run(engine_name, module, directory=files)[0].exit_code == 0
    result, injector = _run(engine_name, module, "path_open=ENOENT", directory=files)
    assert result.exit_code == Errno.ENOENT
    assert (injector.rules[0].seen, injector.rules[0].fired) == (2, 2)


def test_errno_on_the_nth_call_only(engine_name, wat_file, files):
    module = wat_file(P.path_open("data.txt", repeat=3))
    result, injector = _run(engine_name, module, "path_open=EMFILE@2", directory=files)
    assert result.exit_code == 0  # the third call succeeds again
    assert (injector.rules[0].seen, injector.rules[0].fired) == (3, 1)
    result, _ = _run(engine_name, module, "path_open=EMFILE@3", directory=files)
    assert result.exit_code == Errno.EMFILE


def test_errno_where_the_path_matches(engine_name, wat_file, files):
    spec = "path_open:path~=*.cfg=EACCES"
    assert _run(engine_name, wat_file(P.path_open("app.cfg")), spec, directory=files)[0].exit_code == Errno.EACCES
    result, injector = _run(engine_name, wat_file(P.path_open("data.txt")), spec, directory=files)
    assert result.exit_code == 0 and injector.rules[0].seen == 0


def test_number_filter(engine_name, wat_file):
    module = wat_file(P.io("fd_write", 1, 5, "Hello"))
    assert _run(engine_name, module, "fd_write:fd=2=EIO")[0].exit_code == 0  # only fd 2 fails
    result, _ = _run(engine_name, module, "fd_write:fd=1=ENOSPC@1")
    assert result.exit_code == Errno.ENOSPC


def test_short_write_writes_n_bytes_and_restores_the_iovec(engine_name, wat_file):
    result, _ = _run(engine_name, wat_file(P.io("fd_write", 1, 5, "Hello")), "fd_write=short:2@1")
    # the probe's fd_write sent "He"; the probe's dump (the second fd_write, not injected) follows
    assert result.stdout[:2] == b"He" and result.exit_code == 0
    nwritten, _pad, buf, buf_len = struct.unpack_from("<IIII", result.stdout, 2)
    assert (nwritten, buf, buf_len) == (2, P.BUF, 5)  # the guest's iovec is as it was


def test_short_read(engine_name, wat_file):
    module = wat_file(P.io("fd_read", 0, 8))
    plain, _ = _run(engine_name, module, stdin=b"abcdef")
    assert struct.unpack_from("<I", plain.stdout)[0] == 6
    result, _ = _run(engine_name, module, "fd_read=short:3", stdin=b"abcdef")
    nread, _pad, _buf, buf_len = struct.unpack_from("<IIII", result.stdout)
    assert (nread, buf_len, result.stdout[OFFSET:OFFSET + 4]) == (3, 8, b"abc\0")


def _dirents(buf: bytes, used: int) -> list[tuple[int, int, bytes]]:
    """(d_next, d_namlen, name) of each whole entry, and the truncated one as (d_next, d_namlen, b"")."""
    entries, pos = [], 0
    while pos + 24 <= used:
        d_next, _ino, namlen, _type = struct.unpack_from("<QQIB", buf, pos)
        whole = pos + 24 + namlen <= used
        entries.append((d_next, namlen, bytes(buf[pos + 24:pos + 24 + namlen]) if whole else b""))
        pos += 24 + namlen
    return entries


def test_short_readdir_gives_one_whole_entry_then_a_truncated_one(engine_name, wat_file, files):
    module = wat_file(P.readdir())
    plain, _ = _run(engine_name, module, directory=files)
    used = struct.unpack_from("<I", plain.stdout)[0]
    assert used < 4096 and len(_dirents(plain.stdout[OFFSET:], used)) == 7
    result, _ = _run(engine_name, module, "fd_readdir=short", directory=files)
    assert struct.unpack_from("<I", result.stdout)[0] == 4096  # a full buffer: not the end of the directory
    entries = _dirents(result.stdout[OFFSET:], 4096)
    assert entries[0] == (1, 1, b".") and entries[1][2] == b"" and len(entries) == 2


def test_clock_skew(engine_name, wat_file):
    module = wat_file(P.clock(0))
    before = time.time_ns()
    result, _ = _run(engine_name, module, "clock_time_get=+3650d")
    skewed = struct.unpack("<Q", result.stdout)[0]
    assert skewed - before >= 3650 * 86400 * 10**9
    result, _ = _run(engine_name, module, "clock_time_get:id=1=-1h")  # only the monotonic clock
    assert struct.unpack("<Q", result.stdout)[0] >= before


def test_random_zero(engine_name, wat_file):
    module = wat_file(P.random(64))
    assert _run(engine_name, module)[0].stdout != bytes(64)
    result, injector = _run(engine_name, module, "random_get=zero")
    assert (result.stdout, injector.rules[0].fired) == (bytes(64), 1)


@pytest.mark.parametrize(("spec", "message"), [
    ("fd_write=ENOENT", "--inject 'fd_write=ENOENT': fd_write cannot return ENOENT (fix: fd_write may return "
                        "ENOSPC, EIO, EDQUOT, EFBIG, EPIPE, EAGAIN, EINTR, EINVAL, EPERM, EBADF, ENOTCAPABLE)"),
    ("args_get=EIO", "args_get cannot return EIO (fix: args_get may return no errno"),
    ("path_opne=ENOENT", "`path_opne` is no wasi_snapshot_preview1 function"),
    ("path_open", "is not CALL=ACTION"),
    ("path_open=ENOENT@0", "@0 is not a call number"),
    ("path_open=short:1", "`short:1` is no fault path_open can have (fix: path_open takes ENOENT, EACCES"),
    ("fd_readdir=short:3", "fd_readdir takes EIO, ENOENT, ENOMEM, EOVERFLOW, EINVAL, ENOTDIR, EBADF, ENOTCAPABLE, "
                           "short)"),
    ("fd_write=short:0", "short:0 is not a byte count"),
    ("clock_time_get=+1y", "clock_time_get takes EINVAL, ENOTSUP, EOVERFLOW, +Ns/-Ns (ns us ms s m h d)"),
    ("fd_write:path~=*=EIO", "fd_write has no string parameter `path` (fix: match one of: none)"),
    ("path_open:fdx=3=EIO", "`fdx=3` is no filter path_open has (fix: write PARAM~=GLOB for a string or "
                            "PARAM=NUMBER for one of: fd, dirflags, path_len, oflags"),
])
def test_bad_specs_are_one_line(spec: str, message: str):
    with pytest.raises(WasiError) as info:
        parse_rule(spec)
    assert message in info.value.one_line()


def test_the_legal_table_covers_every_call():
    assert set(LEGAL_ERRNOS) == set(SIGNATURES)
    assert most_likely("path_open") == "ENOENT" and most_likely("fd_write") == "ENOSPC"
    assert most_likely("args_get") is None and most_likely("proc_exit") is None


def test_cli_marks_injected_calls(engine_name, wat_file, files):
    module = str(wat_file(P.path_open("app.cfg", repeat=2)))
    proc = wasitool("run", module, "--engine", engine_name, "--dir", f"{files}::.", "--inject",
                    "path_open:path~=*.cfg=EACCES@2", "--trace=path_open")
    assert proc.returncode == Errno.EACCES
    first, second = proc.stderr.decode().splitlines()
    assert first.endswith("-> 0 (ESUCCESS), opened_fd=4")
    assert second.startswith('path_open(fd=3, dirflags=SYMLINK_FOLLOW, path="app.cfg"')
    assert second.endswith("-> 2 (EACCES) [injected]")
    proc = wasitool("run", module, "--engine", engine_name, "--dir", f"{files}::.", "--inject",
                    "path_open=ENOENT@1", "--trace-format=json")
    records = [json.loads(line) for line in proc.stderr.decode().splitlines()]
    assert records[0]["injected"] == ["path_open=ENOENT@1"] and records[0]["errno"] == "ENOENT"
    assert "injected" not in records[1] and records[1]["errno"] == "ESUCCESS"


def test_cli_bad_spec_is_one_line(engine_name, wat_file):
    err = _one_line_error(wasitool("run", str(wat_file(P.random(4))), "--engine", engine_name,
                                   "--inject", "random_get=EBADF"))
    assert "random_get cannot return EBADF (fix: random_get may return EIO, ENOSYS, EAGAIN, EINTR)" in err


def test_run_json_reports_the_faults_and_the_seed(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(P.random(8))), "--engine", engine_name, "--json", "--inject",
                    "random_get=zero", "--seed", "3")
    report = json.loads(proc.stdout)
    assert (report["inject"], report["seed"], report["stdout"]) == (["random_get=zero"], 3, "\0" * 8)
    plain = json.loads(wasitool("run", str(wat_file(P.random(8))), "--engine", engine_name, "--json").stdout)
    assert "inject" not in plain and "seed" not in plain
