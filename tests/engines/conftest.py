"""Fixtures: every test runs once per engine importable in this venv (the others are skipped)."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from wasitool.engines import ENGINES, unavailable_reason


@pytest.fixture(scope="session", autouse=True)
def compile_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Keep compiled modules out of the user's cache (subprocesses inherit the variable)."""
    path = tmp_path_factory.mktemp("engine-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WASITOOL_ENGINE_CACHE", str(path))
        yield path


@pytest.fixture(params=list(ENGINES))
def engine_name(request: pytest.FixtureRequest) -> str:
    reason = unavailable_reason(request.param)
    if reason is not None:
        pytest.skip(f"engine {request.param} is not importable in this Python: {reason}")
    return request.param


@pytest.fixture
def wat_file(tmp_path: Path):
    """wat_file(text, name="m.wasm") -> path of the compiled module."""

    def build(text: str, name: str = "m.wasm") -> Path:
        path = tmp_path / name
        path.write_bytes(bytes(wasmtime.wat2wasm(text)))
        return path

    return build
