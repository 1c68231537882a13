"""Construction, preopen numbering and errors, close(), and the never-raise guarantee."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from wasitool.errors import WasiError
from wasitool.runspec import Preopen
from wasitool.wasi import SIGNATURES, BytearrayMemory, Errno, ProcExit, WasiConfig, WasiContext, guard


def test_preopens_numbered_from_3(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(b, "/b"), Preopen(a, ".")]))
    mem = BytearrayMemory()
    ctx.bind_memory(mem)
    funcs = ctx.host_functions()
    assert funcs["fd_prestat_dir_name"](3, 0, 16) == 0
    assert bytes(mem.data[:2]) == b"/b"
    assert funcs["fd_prestat_dir_name"](4, 0, 16) == 0
    assert bytes(mem.data[:1]) == b"."
    assert funcs["fd_prestat_get"](5, 0) == Errno.EBADF
    ctx.close()


def test_missing_preopen_raises_with_fix(tmp_path: Path) -> None:
    with pytest.raises(WasiError) as info:
        WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(tmp_path / "nope", "/data")]))
    assert "nope" in info.value.problem
    assert info.value.fix
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(WasiError):
        WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(tmp_path / "file", "/f")]))


def _open_fds() -> int:
    gc.collect()  # earlier tests' unreachable file objects would otherwise close their fds at a random moment
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1


def test_close_releases_everything_but_stdio(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    r, w = os.pipe()
    before = _open_fds()
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(tmp_path, ".")], stdout=w))
    mem = BytearrayMemory()
    ctx.bind_memory(mem)
    mem.data[100:101] = b"f"
    funcs = ctx.host_functions()
    assert funcs["path_open"](3, 0, 100, 1, 0, 2, 0, 0, 200) == 0
    assert _open_fds() in (before + 2, -1)
    ctx.close()
    assert _open_fds() in (before, -1)
    os.write(w, b"still open")
    assert os.read(r, 20) == b"still open"
    os.close(r)
    os.close(w)


def test_garbage_never_raises(tmp_path: Path) -> None:
    """Every host function with hostile arguments returns an errno (or raises ProcExit)."""
    (tmp_path / "f").write_bytes(b"x")
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(tmp_path, ".")]))
    mem = BytearrayMemory(4096)
    ctx.bind_memory(mem)
    funcs = ctx.host_functions()
    values = [0, 3, -1, 0xFFFFFFFF, 1 << 40, -(1 << 63), 4095]
    for name, sig in SIGNATURES.items():
        if name in ("proc_exit", "sched_yield"):
            continue
        for v in values:
            args = [v if i % 2 else (3 if t == "i32" else v) for i, (_, t) in enumerate(sig.params)]
            result = funcs[name](*args)
            assert isinstance(result, int) and 0 <= result <= 76, (name, args, result)
    with pytest.raises(ProcExit):
        funcs["proc_exit"](-1)
    ctx.close()


class _BrokenMemory:
    def view(self) -> memoryview:
        raise RuntimeError("engine bug")


def test_a_bug_in_a_host_call_raises_in_strict_mode(tmp_path: Path) -> None:
    """The suite runs strict (tests/conftest.py): a bug cannot hide behind an errno."""
    assert guard.strict()
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(tmp_path, ".")]))
    ctx.bind_memory(_BrokenMemory())
    funcs = ctx.host_functions()
    for name, args in (("fd_write", (1, 0, 1, 0)), ("args_get", (0, 0)), ("fd_readdir", (3, 0, 10, 0, 0))):
        with pytest.raises(RuntimeError, match="engine bug"):
            funcs[name](*args)
    ctx.close()


def test_a_bug_in_a_host_call_is_eio_and_logged_once_in_production(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(guard.STRICT_ENV, "0")
    monkeypatch.setattr(guard, "_logged", [])
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "store"))
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(tmp_path, ".")]))
    ctx.bind_memory(_BrokenMemory())
    funcs = ctx.host_functions()
    assert funcs["args_get"](0, 0) == Errno.EIO
    assert funcs["fd_write"](1, 0, 1, 0) == Errno.EIO
    assert funcs["fd_readdir"](3, 0, 10, 0, 0) == Errno.EIO
    ctx.close()
    logs = list((tmp_path / "store" / "logs").iterdir())
    assert len(logs) == 1 and logs[0].name.startswith("wasitool-hostcall-")
    text = logs[0].read_text()
    assert text.startswith("### host call args_get(0, 0) failed on a wasitool bug (the guest got EIO)")
    assert "RuntimeError: engine bug" in text


def test_a_self_guarded_call_names_itself_in_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(guard.STRICT_ENV, "0")
    monkeypatch.setattr(guard, "_logged", [])
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "store"))
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[]))
    ctx.bind_memory(_BrokenMemory())
    assert ctx.host_functions()["fd_write"](1, 0, 1, 0) == Errno.EIO
    ctx.close()
    (log,) = (tmp_path / "store" / "logs").iterdir()
    assert log.read_text().startswith("### host call fd_write failed")


FAMILIES = """
import sys
from wasitool.wasi import BytearrayMemory, WasiConfig, WasiContext
ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[]))
ctx.bind_memory(BytearrayMemory())
funcs = ctx.host_functions()
families = ("wasitool.wasi.calls_path", "wasitool.wasi.sandbox", "wasitool.wasi.calls_poll", "wasitool.wasi.readdir")
loaded = lambda: tuple(name for name in families if name in sys.modules)
assert callable(funcs["fd_write"]) and funcs.get("nope") is None and loaded() == (), loaded()
assert funcs["path_open"](3, 0, 0, 1, 0, 0, 0, 0, 0) == 8  # EBADF: no fd 3
assert loaded() == families[:2], loaded()
assert funcs["poll_oneoff"](0, 0, 0, 0) == 28  # EINVAL: no subscriptions
assert loaded() == families[:3], loaded()
assert funcs["path_open"] is funcs["path_open"] and sorted(funcs) == sorted(ctx.host_functions())
"""


def test_call_families_are_imported_when_first_linked() -> None:
    """The path_* and poll_oneoff families (and fd_readdir's lister) are imported only when a guest links
    one of their calls; then they work on the context like the others."""
    import subprocess
    import sys

    env = {**os.environ, "WASITOOL_STRICT_HOST_CALLS": "1"}
    proc = subprocess.run([sys.executable, "-c", FAMILIES], capture_output=True, text=True, check=False, env=env)
    assert proc.returncode == 0, proc.stderr
