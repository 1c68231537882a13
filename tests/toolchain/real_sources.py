"""Real toolchains for the build-system tests: the shared pip store, and a store using Debian's clang.

`source_store(kind)` gives WASITOOL_HOME for a store whose wasi-sdk comes from that kind of source
(wabt always from the pinned pip wheel). The system kind needs Debian's clang-NN, lld-NN, llvm-NN,
wasi-libc and libc++-NN-dev-wasm32 (CI installs them; WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN=1 turns the skip
into a failure).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import importable_engines, shared_store_path

SOURCES = ("pip", "system")


def require_debian_toolchain() -> None:
    have = glob.glob("/usr/bin/clang-[0-9]*") and Path("/usr/include/wasm32-wasi/stdio.h").is_file()
    if not have:
        reason = "Debian clang-NN + wasi-libc are not installed (CI installs them)"
        if os.environ.get("WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN"):
            pytest.fail(reason)
        pytest.skip(reason)


def source_store(kind: str, pip_store: Path, tmp_root: Path) -> Path:
    """WASITOOL_HOME of a store whose wasi-sdk comes from `kind` (`pip`: the shared test store)."""
    if kind == "pip":
        return pip_store
    require_debian_toolchain()
    store = tmp_root / "system-store"
    env = {**os.environ, "WASITOOL_HOME": str(store)}
    mirror = pip_store / "downloads"
    for args in (["--source", "system", "--tool", "wasi-sdk"],
                 ["--source", "pip", "--tool", "wabt", *(["--mirror", str(mirror)] if mirror.is_dir() else [])]):
        proc = subprocess.run([sys.executable, "-m", "wasitool", "setup", *args], env=env, capture_output=True,
                              text=True, timeout=900, check=False)
        assert proc.returncode == 0, proc.stderr
    return store


def wasitool(home: Path, *args: str, cwd: Path | None = None, stdin: str | None = None,
             timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env={**os.environ, "WASITOOL_HOME": str(home)}, timeout=timeout, check=False)


def engines() -> list[str]:
    return importable_engines()


def wasmtime_cli() -> Path | None:
    from wasitool.runtimes.cli import _pip_wasmtime

    return _pip_wasmtime()


def require_program(program: str) -> None:
    """Skip without `program`, or fail where CI installs it (WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN)."""
    if shutil.which(program) is None:
        reason = f"{program} is not installed (CI installs it)"
        if os.environ.get("WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN"):
            pytest.fail(reason)
        pytest.skip(reason)


def pinned_npm_tarball(package: str, version: str, sha256: str) -> Path:
    """The npm tarball `package@version` (third-party sources for real builds), from `build/third-party` or
    `npm pack`, verified against its pin; a mismatching file is removed and the test fails."""
    cache = shared_store_path().parent / "third-party"
    tarball = cache / f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not tarball.is_file():
        require_program("npm")
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"{package}@{version}", "--pack-destination", str(cache), "--silent"],
                       cwd=cache, check=True, capture_output=True, timeout=300)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != sha256:
        tarball.unlink()
        pytest.fail(f"{tarball.name} has sha256 {digest}, pinned {sha256}")
    return tarball
