"""Fixtures for the build tests: a real toolchain, copies of the checkout, one shared full build.

The toolchain: `$WASITOOL_HOME` if it already holds one; otherwise `wasitool setup --source pip`
into a store kept in pytest's cache dir (reused by later sessions); if that cannot install (no
network), the developers' store at /tmp/devstore when present; else the tests needing it skip.
Every build runs in a copy of SConstruct, recipes/ and src/, never in the checkout's own out/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool.build import INPUTS, scons_argv
from wasitool.errors import WasitoolError
from wasitool.toolchain.manifest import Toolchain
from wasitool.toolchain.paths import load_toolchain

ROOT = Path(__file__).resolve().parents[2]
DEV_STORE = Path("/tmp/devstore")


def _loads(home: Path) -> Toolchain | None:
    try:
        return load_toolchain(root=home)
    except WasitoolError:
        return None


def _install_with_setup(home: Path) -> str | None:
    """Run `wasitool setup --source pip` into `home`; None on success, else the reason."""
    env = {**os.environ, "WASITOOL_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "wasitool", "setup", "--source", "pip"], env=env,
                          capture_output=True, text=True, cwd=ROOT, check=False)
    return None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["failed"])[-1]


@pytest.fixture(scope="session")
def toolchain_home(pytestconfig: pytest.Config) -> Path:
    """A store holding a toolchain; exported as WASITOOL_HOME for the whole session."""
    chosen = None
    if os.environ.get("WASITOOL_HOME") and _loads(Path(os.environ["WASITOOL_HOME"])):
        chosen = Path(os.environ["WASITOOL_HOME"])
    else:
        home = Path(pytestconfig.cache.mkdir("wasitool-store"))
        reason = None if _loads(home) else _install_with_setup(home)
        if reason is None and _loads(home):
            chosen = home
        elif _loads(DEV_STORE):
            chosen = DEV_STORE
        else:
            pytest.skip(f"no toolchain and `wasitool setup --source pip` failed: {reason}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WASITOOL_HOME", str(chosen))
        yield chosen


@pytest.fixture(scope="session")
def toolchain(toolchain_home: Path) -> Toolchain:
    return load_toolchain(root=toolchain_home)


def copy_checkout(dest: Path) -> Path:
    """Copy what a build reads (SConstruct, recipes/, src/) to `dest`; returns `dest`."""
    for name in INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def scons(tree: Path, *args: str, check: bool = True, env: dict[str, str] | None = None):
    """Run SCons in `tree`; returns the CompletedProcess (text output)."""
    proc = subprocess.run(scons_argv("-Q", *args), cwd=tree, capture_output=True, text=True,
                          env=env or dict(os.environ), check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"scons {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A fresh, unbuilt copy of the checkout."""
    return copy_checkout(tmp_path / "checkout")


@pytest.fixture(scope="session")
def built(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full `scons -j2` build of a copy of the checkout, shared by the read-only tests."""
    root = copy_checkout(tmp_path_factory.mktemp("built") / "checkout")
    scons(root, "-j2")
    return root
