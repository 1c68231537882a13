"""Fixtures: a WasiContext on a bytearray memory, a sandbox directory, stdio pipes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.wasi_guest import MEM_SIZE, Guest
from wasitool.runspec import Preopen
from wasitool.wasi import BytearrayMemory, WasiConfig, WasiContext


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    root = tmp_path / "sandbox"
    root.mkdir()
    (tmp_path / "outside.txt").write_bytes(b"secret")
    return root


@pytest.fixture
def stdio() -> Iterator[dict[str, int]]:
    """Pipes behind guest stdin/stdout/stderr: {'stdin_w', 'stdin', 'stdout', 'stdout_r', ...}."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    fds = {"stdin": in_r, "stdin_w": in_w, "stdout": out_w, "stdout_r": out_r, "stderr": err_w, "stderr_r": err_r}
    yield fds
    for fd in fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)


@pytest.fixture
def guest(sandbox: Path, stdio: dict[str, int]) -> Iterator[Guest]:
    config = WasiConfig(argv=["prog", "arg one", "ünï"], env=[("A", "1"), ("PATH", "/bin")],
                        preopens=[Preopen(sandbox, "/sandbox")], stdin=stdio["stdin"], stdout=stdio["stdout"],
                        stderr=stdio["stderr"])
    mem = BytearrayMemory(MEM_SIZE)
    ctx = WasiContext(config)
    ctx.bind_memory(mem)
    yield Guest(ctx, mem)
    ctx.close()


# Hypothesis profiles for the property tests (tests/wasi/test_fuzz.py): a bounded number of examples in CI,
# many more on demand with HYPOTHESIS_PROFILE=long.
settings.register_profile("ci", max_examples=60, deadline=None, print_blob=True)
settings.register_profile("long", max_examples=3000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
