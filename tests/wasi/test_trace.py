"""The exact trace format, and tracing costing nothing when off."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import pytest

from wasitool.runspec import Preopen
from wasitool.wasi import BytearrayMemory, ProcExit, WasiConfig, WasiContext


@pytest.fixture
def traced(sandbox: Path) -> tuple[WasiContext, BytearrayMemory, io.StringIO, int]:
    out_r, out_w = os.pipe()
    trace = io.StringIO()
    ctx = WasiContext(WasiConfig(argv=["p"], env=[], preopens=[Preopen(sandbox, ".")], stdout=out_w), trace=trace)
    mem = BytearrayMemory(0x20000)
    ctx.bind_memory(mem)
    yield ctx, mem, trace, out_r
    ctx.close()
    os.close(out_r)
    os.close(out_w)


def test_fd_write_line(traced: tuple[WasiContext, BytearrayMemory, io.StringIO, int]) -> None:
    ctx, mem, trace, out_r = traced
    mem.data[0x10000:0x1000D] = b"Hello, world\n"
    struct.pack_into("<II", mem.data, 0x10FF0, 0x10000, 13)
    assert ctx.host_functions()["fd_write"](1, 0x10FF0, 1, 0x10FEC) == 0
    assert os.read(out_r, 100) == b"Hello, world\n"
    assert trace.getvalue() == (
        "fd_write(fd=1, iovs=0x10ff0, iovs_len=1, nwritten=0x10fec) -> 0 (ESUCCESS), nwritten=13\n")


def test_fd_readdir_line(traced: tuple[WasiContext, BytearrayMemory, io.StringIO, int], sandbox: Path) -> None:
    ctx, _mem, trace, _ = traced
    for i in range(200):
        (sandbox / f"entry-{i:03d}").touch()
    funcs = ctx.host_functions()
    assert funcs["fd_readdir"](3, 0x11000, 4096, 0, 0x10FEC) == 0
    assert funcs["fd_readdir"](9, 0x11000, 4096, 0, 0x10FEC) == 8
    assert trace.getvalue().splitlines() == [
        "fd_readdir(fd=3, buf=0x11000, buf_len=4096, cookie=0, bufused=0x10fec) -> 0 (ESUCCESS), bufused=4096",
        "fd_readdir(fd=9, buf=0x11000, buf_len=4096, cookie=0, bufused=0x10fec) -> 8 (EBADF)",
    ]


def test_struct_outputs_and_proc_exit(traced: tuple[WasiContext, BytearrayMemory, io.StringIO, int]) -> None:
    ctx, _mem, trace, _ = traced
    funcs = ctx.host_functions()
    assert funcs["fd_prestat_get"](3, 0x100) == 0
    assert funcs["sched_yield"]() == 0
    with pytest.raises(ProcExit):
        funcs["proc_exit"](3)
    assert trace.getvalue().splitlines() == [
        "fd_prestat_get(fd=3, buf=0x100) -> 0 (ESUCCESS), buf={tag=0, name_len=1}",
        "sched_yield() -> 0 (ESUCCESS)",
        "proc_exit(rval=3)",
    ]


def test_no_wrapping_when_off(sandbox: Path) -> None:
    ctx = WasiContext(WasiConfig(argv=["p"], env=[], preopens=[]))
    funcs = ctx.host_functions()
    # hot calls are the bound methods themselves: no wrapper frame at all
    for name in ("fd_write", "fd_read", "fd_seek", "clock_time_get"):
        assert getattr(funcs[name], "__self__", None) is ctx, name
    ctx.close()
