"""The exact trace format (memory decoded), filters, JSON, the summary, faults, and tracing costing
nothing when off and never changing what the guest sees."""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasitool.runspec import Preopen
from wasitool.wasi import SIGNATURES, BytearrayMemory, ProcExit, WasiConfig, WasiContext
from wasitool.wasi import trace_names as names
from wasitool.wasi.constants import (
    ALL_RIGHTS,
    CLOCK_MONOTONIC,
    EVENTTYPE_FD_READ,
    FDFLAG_APPEND,
    FDFLAG_NONBLOCK,
    FILETYPE_DIRECTORY,
    FILETYPE_REGULAR_FILE,
    FILETYPE_SYMBOLIC_LINK,
    FST_MTIM_NOW,
    LOOKUP_SYMLINK_FOLLOW,
    OFLAG_DIRECTORY,
    OFLAG_TRUNC,
    RIGHT_FD_READ,
    RIGHT_FD_READDIR,
    RIGHT_SOCK_ACCEPT,
    SUBCLOCK_ABSTIME,
    WHENCE_END,
)
from wasitool.wasi.trace import Tracer, select_calls

Traced = tuple[WasiContext, BytearrayMemory, io.StringIO, int]


def _context(sandbox: Path, tracer: Tracer | None, stdout: int) -> WasiContext:
    config = WasiConfig(argv=["p", "arg one"], env=[("HOME", "/h")], preopens=[Preopen(sandbox, ".")], stdout=stdout)
    return WasiContext(config, trace=tracer)


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    r, w = os.pipe()
    yield r, w
    os.close(r)
    os.close(w)


@pytest.fixture
def traced(sandbox: Path, pipe: tuple[int, int]) -> Iterator[Traced]:
    trace = io.StringIO()
    ctx = _context(sandbox, Tracer(trace), pipe[1])
    mem = BytearrayMemory(0x20000)
    ctx.bind_memory(mem)
    yield ctx, mem, trace, pipe[0]
    ctx.close()


def _put(mem: BytearrayMemory, ptr: int, data: bytes) -> int:
    mem.data[ptr : ptr + len(data)] = data
    return len(data)


def test_fd_write_shows_the_bytes(traced: Traced) -> None:
    ctx, mem, trace, out_r = traced
    _put(mem, 0x10000, b"Hello, world\n")
    _put(mem, 0x10100, b"\x00\x01\xff\"\\" + b"x" * 35)
    struct.pack_into("<IIII", mem.data, 0x10FF0, 0x10000, 13, 0x10100, 40)
    assert ctx.host_functions()["fd_write"](1, 0x10FF0, 2, 0x10FEC) == 0
    assert os.read(out_r, 100) == b"Hello, world\n\x00\x01\xff\"\\" + b"x" * 35
    assert trace.getvalue() == (
        'fd_write(fd=1, iovs=[{buf="Hello, world\\n", buf_len=13}, '
        '{buf="\\0\\x01\\xff\\"\\\\' + "x" * 27 + '"..., buf_len=40}], iovs_len=2, nwritten=0x10fec)'
        " -> 0 (ESUCCESS), nwritten=53\n")


def test_path_open_names_flags_and_path(traced: Traced, sandbox: Path) -> None:
    ctx, mem, trace, _ = traced
    (sandbox / "subdir").mkdir()
    n = _put(mem, 0x100, b"subdir")
    funcs = ctx.host_functions()
    assert funcs["path_open"](3, LOOKUP_SYMLINK_FOLLOW, 0x100, n, OFLAG_DIRECTORY, RIGHT_FD_READ | RIGHT_FD_READDIR,
                              0, 0, 0x200) == 0
    n = _put(mem, 0x100, b"missing/x\xff")
    assert funcs["path_open"](3, 0, 0x100, n, OFLAG_TRUNC, ALL_RIGHTS, ALL_RIGHTS & ~RIGHT_SOCK_ACCEPT,
                              FDFLAG_APPEND | FDFLAG_NONBLOCK, 0x200) == 25  # not UTF-8
    assert trace.getvalue().splitlines() == [
        'path_open(fd=3, dirflags=SYMLINK_FOLLOW, path="subdir", path_len=6, oflags=O_DIRECTORY, '
        "fs_rights_base=FD_READ|FD_READDIR, fs_rights_inheriting=0, fdflags=0, opened_fd=0x200) -> 0 (ESUCCESS), "
        "opened_fd=4",
        'path_open(fd=3, dirflags=0, path="missing/x\\xff", path_len=10, oflags=O_TRUNC, fs_rights_base=ALL, '
        "fs_rights_inheriting=ALL&~SOCK_ACCEPT, fdflags=APPEND|NONBLOCK, opened_fd=0x200) -> 25 (EILSEQ)",
    ]


def test_fd_readdir_shows_the_dirents(traced: Traced, sandbox: Path) -> None:
    ctx, _mem, trace, _ = traced
    (sandbox / "beta.txt").write_text("b")
    funcs = ctx.host_functions()
    assert funcs["fd_readdir"](3, 0x11000, 4096, 0, 0x10FEC) == 0
    assert funcs["fd_readdir"](3, 0x11000, 60, 0, 0x10FEC) == 0  # a buffer that cuts the third entry
    assert funcs["fd_readdir"](9, 0x11000, 4096, 0, 0x10FEC) == 8
    dot, beta = (os.stat(p).st_ino for p in (sandbox, sandbox / "beta.txt"))
    dotdot = dot  # `..` of a preopen root is the root itself
    entries = (f'{{d_next=1, d_ino={dot}, d_namlen=1, d_type=DIRECTORY, name="."}}, '
               f'{{d_next=2, d_ino={dotdot}, d_namlen=2, d_type=DIRECTORY, name=".."}}')
    assert trace.getvalue().splitlines() == [
        "fd_readdir(fd=3, buf=0x11000, buf_len=4096, cookie=0, bufused=0x10fec) -> 0 (ESUCCESS), bufused=83, "
        f'buf=[{entries}, {{d_next=3, d_ino={beta}, d_namlen=8, d_type=REGULAR_FILE, name="beta.txt"}}]',
        "fd_readdir(fd=3, buf=0x11000, buf_len=60, cookie=0, bufused=0x10fec) -> 0 (ESUCCESS), bufused=60, "
        f"buf=[{entries}, ...]",
        "fd_readdir(fd=9, buf=0x11000, buf_len=4096, cookie=0, bufused=0x10fec) -> 8 (EBADF)",
    ]


def test_args_get_shows_pointer_array_and_buffer(traced: Traced) -> None:
    ctx, _mem, trace, _ = traced
    funcs = ctx.host_functions()
    assert funcs["args_sizes_get"](0x10, 0x14) == 0
    assert funcs["args_get"](0x300, 0x400) == 0
    assert funcs["environ_get"](0x500, 0x600) == 0
    assert trace.getvalue().splitlines() == [
        "args_sizes_get(argc=0x10, argv_buf_size=0x14) -> 0 (ESUCCESS), argc=2, argv_buf_size=10",
        'args_get(argv=0x300, argv_buf=0x400) -> 0 (ESUCCESS), argv=[0x400->"p", 0x402->"arg one"], '
        'argv_buf="p\\0arg one\\0"',
        'environ_get(environ=0x500, environ_buf=0x600) -> 0 (ESUCCESS), environ=[0x600->"HOME=/h"], '
        'environ_buf="HOME=/h\\0"',
    ]


def test_poll_oneoff_shows_subscriptions_and_events(traced: Traced, sandbox: Path) -> None:
    ctx, mem, trace, _ = traced
    (sandbox / "data.txt").write_bytes(b"12345")
    funcs = ctx.host_functions()
    n = _put(mem, 0x100, b"data.txt")
    assert funcs["path_open"](3, 0, 0x100, n, 0, ALL_RIGHTS, 0, 0, 0x200) == 0
    struct.pack_into("<QBxxxxxxxIxxxxQQH", mem.data, 0x1000, 7, 0, CLOCK_MONOTONIC, 0, 1000, SUBCLOCK_ABSTIME)
    assert funcs["poll_oneoff"](0x1000, 0x2000, 1, 0x3000) == 0
    struct.pack_into("<QBxxxxxxxI", mem.data, 0x1000, 9, EVENTTYPE_FD_READ, 4)
    assert funcs["poll_oneoff"](0x1000, 0x2000, 1, 0x3000) == 0
    assert trace.getvalue().splitlines()[1:] == [
        "poll_oneoff(in=[{userdata=7, type=CLOCK, id=MONOTONIC, timeout=0, precision=1000, "
        "flags=SUBSCRIPTION_CLOCK_ABSTIME}], out=0x2000, nsubscriptions=1, nevents=0x3000) -> 0 (ESUCCESS), "
        "nevents=1, out=[{userdata=7, error=ESUCCESS, type=CLOCK}]",
        "poll_oneoff(in=[{userdata=9, type=FD_READ, fd=4}], out=0x2000, nsubscriptions=1, nevents=0x3000) -> 0 "
        "(ESUCCESS), nevents=1, out=[{userdata=9, error=ESUCCESS, type=FD_READ, nbytes=5, flags=0}]",
    ]


def test_names_of_whence_stat_and_times(traced: Traced, sandbox: Path) -> None:
    ctx, mem, trace, _ = traced
    (sandbox / "f").write_bytes(b"abc")
    funcs = ctx.host_functions()
    n = _put(mem, 0x100, b"f")
    assert funcs["path_open"](3, 0, 0x100, n, 0, ALL_RIGHTS, 0, 0, 0x200) == 0
    assert funcs["fd_seek"](4, -1, WHENCE_END, 0x208) == 0
    assert funcs["fd_filestat_set_times"](4, 0, 0, FST_MTIM_NOW) == 0
    assert funcs["fd_read"](4, 0x300, 1, 0x20C) == 0  # iovec at 0x300 is {0, 0}: reads nothing
    lines = trace.getvalue().splitlines()[1:]
    assert lines[0] == "fd_seek(fd=4, offset=-1, whence=END, newoffset=0x208) -> 0 (ESUCCESS), newoffset=2"
    assert lines[1] == "fd_filestat_set_times(fd=4, atim=0, mtim=0, fst_flags=MTIM_NOW) -> 0 (ESUCCESS)"
    assert lines[2] == ('fd_read(fd=4, iovs=[{buf=0x0, buf_len=0}], iovs_len=1, nread=0x20c) -> 0 (ESUCCESS), '
                        'nread=0, data=""')


def test_bad_pointers_print_fault_and_the_call_decides(traced: Traced) -> None:
    ctx, _mem, trace, _ = traced
    funcs = ctx.host_functions()
    assert funcs["path_open"](3, 0, 0xFFFFFF00, 6, 0, 0, 0, 0, 0x200) == 21
    assert funcs["fd_write"](1, 0x1FFFC, 1, 0x10) == 21
    assert trace.getvalue().splitlines() == [
        "path_open(fd=3, dirflags=0, path=<fault>, path_len=6, oflags=0, fs_rights_base=0, fs_rights_inheriting=0, "
        "fdflags=0, opened_fd=0x200) -> 21 (EFAULT)",
        "fd_write(fd=1, iovs=<fault>, iovs_len=1, nwritten=0x10) -> 21 (EFAULT)",
    ]


@pytest.mark.parametrize("max_bytes", [0, 32])
def test_a_length_past_memory_is_a_fault_whatever_the_byte_limit(sandbox: Path, pipe: tuple[int, int],
                                                                  max_bytes: int) -> None:
    """path_len = 2^32-1 once printed 4 KiB of memory as the path, and as path_len=-1."""
    trace = io.StringIO()
    ctx = _context(sandbox, Tracer(trace, max_bytes=max_bytes), pipe[1])
    ctx.bind_memory(BytearrayMemory(0x20000))
    funcs = ctx.host_functions()
    assert funcs["path_open"](3, 0, 0x100, -1, 0, 0, 0, 0, 0x200) == 21
    assert funcs["poll_oneoff"](0x100, 0x200, -1, 0x300) == 21
    ctx.close()
    assert trace.getvalue().splitlines() == [
        "path_open(fd=3, dirflags=0, path=<fault>, path_len=4294967295, oflags=0, fs_rights_base=0, "
        "fs_rights_inheriting=0, fdflags=0, opened_fd=0x200) -> 21 (EFAULT)",
        "poll_oneoff(in=<fault>, out=0x200, nsubscriptions=4294967295, nevents=0x300) -> 21 (EFAULT)",
    ]


def test_the_byte_limit_bounds_every_buffer(sandbox: Path, pipe: tuple[int, int]) -> None:
    trace = io.StringIO()
    ctx = _context(sandbox, Tracer(trace, max_bytes=4), pipe[1])
    mem = BytearrayMemory(0x20000)
    ctx.bind_memory(mem)
    funcs = ctx.host_functions()
    (sandbox / "a-long-file-name").write_bytes(b"")
    n = _put(mem, 0x100, b"a-long-file-name")
    assert funcs["path_open"](3, 0, 0x100, n, 0, RIGHT_FD_READ, 0, 0, 0x200) == 0
    assert funcs["args_get"](0x300, 0x400) == 0
    assert funcs["fd_prestat_dir_name"](3, 0x500, 1) == 0
    assert funcs["fd_seek"](4, -1, 0, 0x600) == 76  # offset is the one signed parameter
    ctx.close()
    lines = trace.getvalue().splitlines()
    assert lines[0].startswith('path_open(fd=3, dirflags=0, path="a-lo"..., path_len=16,')
    assert lines[1] == ('args_get(argv=0x300, argv_buf=0x400) -> 0 (ESUCCESS), '
                        'argv=[0x400->"p", 0x402->"arg "...], argv_buf="p\\0ar"...')
    assert lines[2] == 'fd_prestat_dir_name(fd=3, path=0x500, path_len=1) -> 0 (ESUCCESS), path="."'
    assert lines[3] == "fd_seek(fd=4, offset=-1, whence=SET, newoffset=0x600) -> 76 (ENOTCAPABLE)"


def test_struct_outputs_and_proc_exit(traced: Traced) -> None:
    ctx, _mem, trace, _ = traced
    funcs = ctx.host_functions()
    assert funcs["fd_prestat_get"](3, 0x100) == 0
    assert funcs["fd_prestat_dir_name"](3, 0x200, 1) == 0
    assert funcs["sched_yield"]() == 0
    with pytest.raises(ProcExit):
        funcs["proc_exit"](3)
    assert trace.getvalue().splitlines() == [
        "fd_prestat_get(fd=3, buf=0x100) -> 0 (ESUCCESS), buf={tag=DIR, name_len=1}",
        'fd_prestat_dir_name(fd=3, path=0x200, path_len=1) -> 0 (ESUCCESS), path="."',
        "sched_yield() -> 0 (ESUCCESS)",
        "proc_exit(rval=3)",
    ]


def test_filter_json_and_summary(sandbox: Path, pipe: tuple[int, int]) -> None:
    out = io.StringIO()
    tracer = Tracer(out, select_calls("fd_*,!fd_write"), fmt="json", summary=True)
    ctx = _context(sandbox, tracer, pipe[1])
    mem = BytearrayMemory(0x20000)
    ctx.bind_memory(mem)
    funcs = ctx.host_functions()
    untraced = WasiContext(WasiConfig(argv=["p"], env=[], preopens=[])).host_functions()
    assert type(funcs["fd_write"]) is type(untraced["fd_write"])  # not wrapped: a bound method
    assert type(funcs["args_get"]) is type(untraced["args_get"])
    funcs["fd_write"](1, 0, 0, 0x10)
    funcs["fd_readdir"](3, 0x1000, 200, 0, 0x10)
    funcs["fd_close"](77)
    funcs["fd_close"](78)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["call"] for r in records] == ["fd_readdir", "fd_close", "fd_close"]
    assert records[0]["args"] == {"fd": 3, "buf": 0x1000, "buf_len": 200, "cookie": 0, "bufused": 0x10}
    assert [e["name"] for e in records[0]["out"]["buf"]] == [".", ".."]
    assert records[0]["out"]["buf"][0]["d_type"] == "DIRECTORY"
    assert (records[1]["result"], records[1]["errno"], records[1]["out"]) == (8, "EBADF", {})
    tracer.write_summary()
    summary = json.loads(out.getvalue().splitlines()[-1])
    assert {s["call"]: (s["calls"], s["errors"]) for s in summary["summary"]} == {
        "fd_readdir": (1, 0), "fd_close": (2, 2)}
    assert (summary["total"]["calls"], summary["total"]["errors"]) == (3, 2)
    ctx.close()


def test_text_summary_table(sandbox: Path, pipe: tuple[int, int]) -> None:
    out = io.StringIO()
    tracer = Tracer(out, lines=False, summary=True)
    ctx = _context(sandbox, tracer, pipe[1])
    ctx.bind_memory(BytearrayMemory(0x20000))
    funcs = ctx.host_functions()
    for _ in range(3):
        funcs["fd_readdir"](3, 0x1000, 200, 0, 0x10)
    funcs["fd_close"](77)
    assert out.getvalue() == ""  # summary only: no lines
    tracer.write_summary()
    table = out.getvalue().splitlines()
    assert table[0].split() == ["%", "time", "seconds", "usecs/call", "calls", "errors", "call"]
    rows = {line.split()[-1]: line.split() for line in table[2:-2]}
    assert rows["fd_readdir"][3:] == ["3", "fd_readdir"] and rows["fd_close"][3:] == ["1", "1", "fd_close"]
    assert table[-1].split()[-3:] == ["4", "1", "total"]
    ctx.close()


def test_select_calls() -> None:
    assert select_calls("path_open,fd_readdir") == {"path_open", "fd_readdir"}
    assert select_calls("all") == select_calls("") == set(SIGNATURES)
    assert "fd_write" not in select_calls("!fd_write") and "fd_read" in select_calls("!fd_write")
    assert select_calls("sock_*") == {"sock_accept", "sock_recv", "sock_send", "sock_shutdown"}
    with pytest.raises(ValueError, match="`fd_wirte` matches no"):
        select_calls("fd_write,fd_wirte")


def test_no_wrapping_when_off(sandbox: Path) -> None:
    ctx = WasiContext(WasiConfig(argv=["p"], env=[], preopens=[]))
    funcs = ctx.host_functions()
    # hot calls are the bound methods themselves: no wrapper frame at all
    for name in ("fd_write", "fd_read", "fd_seek", "clock_time_get"):
        assert getattr(funcs[name], "__self__", None) is ctx, name
    ctx.close()


def test_name_tables_match_the_constants() -> None:
    assert names.OFLAGS[OFLAG_DIRECTORY.bit_length() - 1] == "O_DIRECTORY"
    assert names.FDFLAGS[FDFLAG_NONBLOCK.bit_length() - 1] == "NONBLOCK"
    assert names.RIGHTS[RIGHT_FD_READDIR.bit_length() - 1] == "FD_READDIR" and len(names.RIGHTS) == 30
    assert (names.FILETYPE[FILETYPE_DIRECTORY], names.FILETYPE[FILETYPE_REGULAR_FILE],
            names.FILETYPE[FILETYPE_SYMBOLIC_LINK]) == ("DIRECTORY", "REGULAR_FILE", "SYMBOLIC_LINK")
    assert names.CLOCKID[CLOCK_MONOTONIC] == "MONOTONIC" and names.WHENCE[WHENCE_END] == "END"


# -- the guest sees the same thing traced or not ----------------------------------------------------------

CALLS = {  # call -> number of arguments (calls that could block on random input are left out)
    "path_open": 9, "fd_readdir": 5, "args_get": 2, "environ_get": 2, "fd_prestat_get": 2,
    "fd_prestat_dir_name": 3, "fd_fdstat_get": 2, "path_filestat_get": 5, "fd_write": 4, "path_readlink": 6,
    "fd_seek": 4, "args_sizes_get": 2, "fd_close": 1, "random_get": 2, "sock_recv": 6,
}
small = st.one_of(st.integers(0, 8), st.integers(0, 0x2000), st.integers(0, 0xFFFF_FFFF))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=st.sampled_from(sorted(CALLS)), data=st.data(), noise=st.binary(min_size=64, max_size=64))
def test_tracing_never_changes_what_the_guest_sees(sandbox: Path, tmp_path: Path, call: str, data: st.DataObject,
                                                   noise: bytes) -> None:
    (sandbox / "f").write_bytes(b"xyz")
    args = tuple(data.draw(small) for _ in range(CALLS[call]))
    results = []
    for traced_run in (False, True):
        trace = io.StringIO()
        out_path = tmp_path / f"out-{traced_run}"
        with open(out_path, "w+b") as out, open(os.devnull, "rb") as devnull:
            config = WasiConfig(argv=["p", "arg one"], env=[("HOME", "/h")], preopens=[Preopen(sandbox, ".")],
                                stdin=devnull.fileno(), stdout=out.fileno(), stderr=out.fileno())
            ctx = WasiContext(config, trace=Tracer(trace, max_bytes=8) if traced_run else None)
            mem = BytearrayMemory(0x4000)
            for at in range(0, 0x4000, 64):  # the same garbage (pointers, lengths, strings) everywhere
                mem.data[at : at + 64] = noise
            ctx.bind_memory(mem)
            try:
                result = ctx.host_functions()[call](*args)
            finally:
                ctx.close()
        memory = bytes(mem.data) if call != "random_get" else None  # random bytes differ by nature
        results.append((result, memory, out_path.read_bytes()))
        if traced_run:
            assert trace.getvalue().startswith(f"{call}(") and trace.getvalue().endswith("\n")
    assert results[0] == results[1]
