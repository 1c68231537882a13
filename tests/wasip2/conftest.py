"""Fixtures for running components: a component built from WAT, `wasitool run` in a subprocess, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.engines.conftest import (  # noqa: F401 - fixtures used here
    compile_cache_dir,
    engine_name,
    engine_variant,
    pytest_generate_tests,
    wasmtime_cli,
)
from tests.support.components import P2Kit


@pytest.fixture(params=["unchecked", "func"])
def hostcall(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways into the host functions: `wasip2.fastcall` (default) and wasmtime-py's `add_func`
    (`WASITOOL_WASMTIME_HOSTCALL=func`); subprocesses inherit the choice."""
    monkeypatch.setenv("WASITOOL_WASMTIME_HOSTCALL", request.param)
    return str(request.param)


@pytest.fixture
def component(p2kit: P2Kit, tmp_path: Path):
    """component(wat, name="c.wasm") -> the path of a command component made from that preview1 core module."""

    def build(text: str, name: str = "c.wasm") -> Path:
        return p2kit.wat_component(text, tmp_path, name)

    return build


@pytest.fixture
def text_component(p2kit: P2Kit, tmp_path: Path):
    """text_component(wat, name="c.wasm") -> the path of a component written in the component text format."""

    def build(text: str, name: str = "c.wasm") -> Path:
        return p2kit.parse(text, tmp_path / name)

    return build


def wasitool(*argv: str, stdin: bytes = b"", timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], input=stdin, capture_output=True,
                          timeout=timeout)


def reference(cli: Path, path: Path, *argv: str, flags: tuple[str, ...] = (),
              stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The wasmtime CLI running the same component."""
    return subprocess.run([str(cli), "run", *flags, str(path), *argv], input=stdin, capture_output=True,
                          timeout=60)
