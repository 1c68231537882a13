"""Fixtures: every test taking `engine_name` runs once per engine importable in this venv.

Engines that cannot import here are not collected (CI runs the suite under Python 3.10 for wasmer and
3.11 for wasmtime; tests/conftest.py reports the engines covered and enforces WASITOOL_REQUIRE_ENGINES).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from tests.conftest import importable_engines


@pytest.fixture(scope="session", autouse=True)
def compile_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Keep compiled modules out of the user's cache (subprocesses inherit the variable)."""
    path = tmp_path_factory.mktemp("engine-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WASITOOL_ENGINE_CACHE", str(path))
        yield path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_name" in metafunc.fixturenames:
        metafunc.parametrize("engine_name", importable_engines())


@pytest.fixture
def wat_file(tmp_path: Path):
    """wat_file(text, name="m.wasm") -> path of the compiled module."""

    def build(text: str, name: str = "m.wasm") -> Path:
        path = tmp_path / name
        path.write_bytes(bytes(wasmtime.wat2wasm(text)))
        return path

    return build
