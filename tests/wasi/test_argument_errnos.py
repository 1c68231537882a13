"""Exact errnos for hostile arguments, derived from the signature table (as uvwasi's input tests do).

Every call that takes a descriptor answers EBADF for one never opened, whatever else it is given; every
`path_*` call whose path lies outside memory answers EFAULT (checked before anything acts; the
wasmtime CLI ends the run instead: `legit_differences.CALL_DIFFERENCES`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.wasi_guest import MEM_SIZE
from tests.wasi.test_context import BytearrayMemory
from wasitool.runspec import Preopen
from wasitool.wasi import SIGNATURES
from wasitool.wasi.context import WasiConfig, WasiContext
from wasitool.wasi.errno import Errno

FD_PARAMS = {"fd", "old_fd", "new_fd"}
UNOPENED_FD = 0xFFFF
PREOPEN_FD = 3


def _calls_with(predicate: Callable[[str, list[str]], bool]) -> list[str]:
    return [name for name, sig in SIGNATURES.items() if predicate(name, [p for p, _ in sig.params])]


@pytest.fixture
def host(tmp_path: Path) -> Iterator[dict[str, Callable[..., int]]]:
    (tmp_path / "file").write_text("x")
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[Preopen(tmp_path, ".")]))
    ctx.bind_memory(BytearrayMemory(MEM_SIZE))
    yield ctx.host_functions()
    ctx.close()


@pytest.mark.parametrize("name", _calls_with(lambda name, params: bool(FD_PARAMS & set(params))))
def test_an_unopened_descriptor_is_ebadf(host: dict[str, Callable[..., int]], name: str) -> None:
    params = [p for p, _ in SIGNATURES[name].params]
    args = [UNOPENED_FD if p in FD_PARAMS else 1024 for p in params]
    assert host[name](*args) == Errno.EBADF


@pytest.mark.parametrize("name", _calls_with(lambda name, params: name.startswith("path_")))
def test_a_path_outside_memory_is_efault(host: dict[str, Callable[..., int]], name: str) -> None:
    def arg(param: str) -> int:
        if param in FD_PARAMS:
            return PREOPEN_FD
        if param.endswith("path"):
            return MEM_SIZE - 6
        if param.endswith("path_len"):
            return 100
        return 1024

    assert host[name](*[arg(p) for p, _ in SIGNATURES[name].params]) == Errno.EFAULT


def test_every_descriptor_and_path_call_is_covered() -> None:
    """The sweeps above reach every call but the few that take neither a descriptor nor a path."""
    covered = set(_calls_with(lambda name, params: bool(FD_PARAMS & set(params)) or name.startswith("path_")))
    rest = set(SIGNATURES) - covered
    assert rest == {"args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
                    "clock_time_get", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get"}
