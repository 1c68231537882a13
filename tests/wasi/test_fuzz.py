"""Property test: random sequences of preview1 calls with random and hostile arguments, engine-free.

Each example builds a fresh sandbox (files, a directory, symlinks pointing out of it, a loop) next to a
canary directory, runs up to 40 calls through `WasiContext.host_functions()` and checks:
- nothing but `ProcExit` escapes a host call, and every call returns an errno of the spec;
- the canary is neither read (its secret never reaches guest memory, no fd is ever open on it), written,
  created nor deleted, and nothing appears next to the sandbox;
- no host fd leaks once the context is closed, and the host's Python memory stays bounded.

`HYPOTHESIS_PROFILE=long` runs many more examples (tests/wasi/conftest.py has the profiles).
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wasitool.runspec import Preopen
from wasitool.wasi import SIGNATURES, BytearrayMemory, ProcExit, WasiConfig, WasiContext, calls_poll
from wasitool.wasi.constants import ALL_RIGHTS, M32, M64

MEM = 1 << 16
SECRET = b"CANARY-SECRET-7f3a"
PATHS = [b"f", b"d", b"d/", b"d/g", b".", b"..", b"../canary/secret", b"/etc/passwd", b"link_out", b"link_out/x",
         b"link_abs", b"link_dir_out/secret", b"link_dir_out/", b"loop", b"d/../..", b"d/../f", b"new", b"d/new/",
         b"", b"a" * 300, b"\xff", b"f\x00x", b"./" * 2100 + b"f", b"link_in", b"link_in/", b"d/link_up/secret"]
PATH_AT = 0x1000
IOVS_AT, BUF_AT, SUBS_AT, SCRATCH_AT = 0x6000, 0x7000, 0x9000, 0xA000


def _layout() -> tuple[bytes, list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]]]:
    """Initial memory, (ptr, len) of each path, iovec arrays (ptr, count), subscription arrays (ptr, count)."""
    mem = bytearray(MEM)
    paths, at = [], PATH_AT
    for raw in PATHS:
        mem[at:at + len(raw)] = raw
        paths.append((at, len(raw)))
        at = (at + len(raw) + 8) & ~7
    assert at < IOVS_AT
    iov_arrays = [[(BUF_AT, 16)], [(BUF_AT, 4), (BUF_AT + 64, 0), (BUF_AT + 128, 8)], [(0xFFFF_FF00, 0)] * 3,
                  [(MEM - 4, 16)], [(BUF_AT, 4096)] * 2]
    iovs, at = [], IOVS_AT
    for array in iov_arrays:
        for i, (ptr, length) in enumerate(array):
            struct.pack_into("<II", mem, at + 8 * i, ptr, length)
        iovs.append((at, len(array)))
        at += 8 * len(array) + 8
    mem[BUF_AT:BUF_AT + 16] = b"guest-data-12345"
    subs = [(SUBS_AT, 1), (SUBS_AT, 3)]
    struct.pack_into("<QB7xI4xQQH6x", mem, SUBS_AT, 1, 0, 1, 1000, 0, 0)  # clock, 1 us
    struct.pack_into("<QB7xI", mem, SUBS_AT + 48, 2, 1, 0)  # fd_read on stdin
    struct.pack_into("<QB7xI", mem, SUBS_AT + 96, 3, 2, 5)  # fd_write on fd 5
    return bytes(mem), paths, iovs, subs


INITIAL, PATH_ARGS, IOV_ARGS, SUB_ARGS = _layout()

_u32 = st.one_of(st.integers(0, 16), st.sampled_from([0x7FFF_FFFF, 0x8000_0000, M32]), st.integers(0, M32))
_u64 = st.one_of(st.integers(0, 16), st.sampled_from([ALL_RIGHTS, 1 << 63, (1 << 63) - 1, M64]),
                 st.integers(0, M64))
_fd = st.one_of(st.integers(0, 9), st.sampled_from([0x8000_0000, M32]))
_out = st.one_of(st.sampled_from([SCRATCH_AT, SCRATCH_AT + 0x100, SCRATCH_AT + 0x200]),
                 st.sampled_from([SCRATCH_AT + 1, MEM - 2, M32 - 3]), st.integers(0, MEM))
_any_ptr = st.one_of(st.sampled_from([SCRATCH_AT, BUF_AT]), st.integers(0, MEM), st.sampled_from([MEM - 1, M32]))
_PAIRS = {"path": "path_len", "old_path": "old_path_len", "new_path": "new_path_len", "iovs": "iovs_len",
          "ri_data": "ri_data_len", "si_data": "si_data_len", "buf": "buf_len", "in": "nsubscriptions"}
_FDS = {"fd", "old_fd", "new_fd", "to"}


@st.composite
def _pair(draw: st.DrawFn, name: str) -> tuple[int, int]:
    if draw(st.integers(0, 5)) == 0:  # hostile: any pointer, any length
        return draw(_any_ptr), draw(_u32)
    if name in ("path", "old_path", "new_path"):
        return draw(st.sampled_from(PATH_ARGS))
    if name in ("iovs", "ri_data", "si_data"):
        return draw(st.sampled_from(IOV_ARGS))
    if name == "in":
        return draw(st.sampled_from(SUB_ARGS))
    return BUF_AT, draw(st.sampled_from([0, 1, 24, 64, 4096]))


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, tuple[int, ...]]:
    """One call: a preview1 function and arguments for it (prepared, plausible or hostile)."""
    name = draw(st.sampled_from(sorted(SIGNATURES)))
    sig = SIGNATURES[name]
    outputs = {p for p, _ in sig.outputs}
    values: dict[str, int] = {}
    for pname, wasm_type in sig.params:
        if pname in values:
            continue
        if pname in _PAIRS:
            values[pname], values[_PAIRS[pname]] = draw(_pair(pname))
        elif pname in _FDS:
            values[pname] = draw(_fd)
        elif pname in outputs or pname == "out":
            values[pname] = draw(_out)
        elif pname in sig.pointers:
            values[pname] = draw(_any_ptr)
        else:
            values[pname] = draw(_u64 if wasm_type == "i64" else _u32)
    return name, tuple(values[p] for p, _ in sig.params)


class _FakeClock:
    """poll_oneoff's view of time: sleeping moves it on at once (a guest may ask for 2**64 ns)."""

    def __init__(self) -> None:
        self.now = 0

    def monotonic_ns(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += int(seconds * 1e9) + 1


@pytest.fixture(scope="module", autouse=True)
def fake_poll_clock() -> Iterator[None]:
    clock = _FakeClock()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(calls_poll, "time", clock)
        mp.setattr(calls_poll, "MAX_WAIT", 1e9)  # select() still gets a timeout it accepts
        yield


def _build(root: Path) -> tuple[Path, Path]:
    sandbox, canary = root / "sandbox", root / "canary"
    (canary / "sub").mkdir(parents=True)
    (canary / "secret").write_bytes(SECRET)
    (sandbox / "d").mkdir(parents=True)
    (sandbox / "f").write_bytes(b"file data")
    (sandbox / "d" / "g").write_bytes(b"")
    os.symlink("../canary/secret", sandbox / "link_out")
    os.symlink(str(canary / "secret"), sandbox / "link_abs")
    os.symlink("../canary", sandbox / "link_dir_out")
    os.symlink("loop", sandbox / "loop")
    os.symlink("f", sandbox / "link_in")
    os.symlink("../..", sandbox / "d" / "link_up")
    return sandbox, canary


def _snapshot(path: Path) -> list[tuple[str, int, int, int, bytes]]:
    out = []
    for item in sorted([path, *path.rglob("*")]):
        st_ = item.lstat()
        body = os.readlink(item).encode() if item.is_symlink() else item.read_bytes() if item.is_file() else b""
        out.append((str(item.relative_to(path)), st_.st_mode, st_.st_size, st_.st_mtime_ns, body))
    return out


def _open_fds() -> set[int]:
    return {int(n) for n in os.listdir("/proc/self/fd")}


@pytest.fixture(scope="module")
def fuzz_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd to count and name host fds")
@given(st.lists(calls(), max_size=40))
def test_random_call_sequences(fuzz_base: Path, sequence: list[tuple[str, tuple[int, ...]]]) -> None:
    root = Path(tempfile.mkdtemp(dir=fuzz_base))
    try:
        sandbox, canary = _build(root)
        before = _snapshot(canary)
        null_r, null_w = os.open(os.devnull, os.O_RDONLY), os.open(os.devnull, os.O_WRONLY)
        fds_before = _open_fds()
        tracemalloc.start()
        try:
            ctx = WasiContext(WasiConfig(argv=["fuzz", "a"], env=[("K", "V")], preopens=[Preopen(sandbox, "/s")],
                                         stdin=null_r, stdout=null_w, stderr=null_w))
            mem = BytearrayMemory(MEM)
            mem.data[:] = INITIAL
            ctx.bind_memory(mem)
            functions = ctx.host_functions()
            for name, args in sequence:
                try:
                    result = functions[name](*args)
                except ProcExit:
                    break
                assert result is None if name == "proc_exit" else isinstance(result, int) and 0 <= result <= 76
                for desc in ctx._fds.values():  # every fd the guest holds is stdio or inside the sandbox
                    if not desc.inherited:
                        target = os.readlink(f"/proc/self/fd/{desc.host_fd}")
                        assert target == str(sandbox) or target.startswith(f"{sandbox}/"), (name, args, target)
            assert SECRET not in mem.data
            ctx.close()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert _open_fds() == fds_before  # nothing leaked
        os.close(null_r)
        os.close(null_w)
        assert peak < 64 * MEM  # the host's Python memory stays a small multiple of the guest's
        assert _snapshot(canary) == before
        assert sorted(p.name for p in root.iterdir()) == ["canary", "sandbox"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
