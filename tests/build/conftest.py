"""Fixtures for the build tests: a real toolchain, copies of the checkout, one shared full build.

The toolchain is the suite's one (`wasitool setup --source pip` into a shared test store, see
tests/conftest.py), exported as WASITOOL_HOME for the session so SCons subprocesses find it.
Every build runs in a standalone copy of the checkout's project (SConstruct, wasitool.toml, src/, lock),
never in the checkout's own out/.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from wasitool.build import scons_argv
from wasitool.project import active_lock_path, export_project, load_project
from wasitool.toolchain.manifest import Toolchain
from wasitool.toolchain.select import load_toolchain

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def toolchain_home(toolchain_home: Path) -> Iterator[Path]:
    """The suite's store (tests/conftest.py), exported as WASITOOL_HOME for the whole session."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WASITOOL_HOME", str(toolchain_home))
        yield toolchain_home


@pytest.fixture(scope="session")
def toolchain(toolchain_home: Path) -> Toolchain:
    return load_toolchain(root=toolchain_home, lock=active_lock_path())


def copy_checkout(dest: Path) -> Path:
    """Copy the checkout's project (what a build reads) to `dest` as a standalone project; returns `dest`."""
    export_project(load_project(ROOT), dest)
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
