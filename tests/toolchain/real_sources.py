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
import requests

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


def apt_archive_bases() -> list[str]:
    """Base URLs of the Debian archives this machine's apt is configured with (deb822 and one-line forms)."""
    bases: list[str] = []
    for listing in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in listing.read_text(errors="replace").splitlines():
            if line.startswith("URIs:"):
                bases.extend(line.split()[1:])
    legacy = Path("/etc/apt/sources.list")
    if legacy.is_file():
        for line in legacy.read_text(errors="replace").splitlines():
            words = line.split()
            if words[:1] == ["deb"]:
                bases.append(next(w for w in words[1:] if not w.startswith("[")))
    return [b.rstrip("/") for b in bases if b.startswith(("http://", "https://"))]


def pinned_debian_source(directory: str, filename: str, sha256: str) -> Path:
    """A file of a Debian source package (`pool/main/z/zlib`, `zlib_1.2.13.dfsg.orig.tar.bz2`), from
    `build/third-party` or the archive apt is configured with, verified against its pin; a mismatching file
    is removed and the test fails. Skips on machines without a Debian archive (fails where CI requires it)."""
    cache = shared_store_path().parent / "third-party"
    target = cache / filename
    if not target.is_file():
        bases = apt_archive_bases()
        if not bases:
            reason = "no Debian archive is configured for apt (CI has one)"
            if os.environ.get("WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN"):
                pytest.fail(reason)
            pytest.skip(reason)
        cache.mkdir(parents=True, exist_ok=True)
        failures = []
        for base in bases:
            try:
                response = requests.get(f"{base}/{directory}/{filename}", timeout=120)
            except requests.RequestException as exc:
                failures.append(f"{base}: {exc}")
                continue
            if response.status_code == 200:
                partial = target.with_suffix(target.suffix + ".part")
                partial.write_bytes(response.content)
                partial.replace(target)
                break
            failures.append(f"{base}: HTTP {response.status_code}")
        else:
            pytest.fail(f"{filename} is in no configured Debian archive: {'; '.join(failures)}")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if digest != sha256:
        target.unlink()
        pytest.fail(f"{target.name} has sha256 {digest}, pinned {sha256}")
    return target


def guest_runners(module: Path, guest_dir: str = ".") -> dict[str, list[str]]:
    """The command (before the guest's arguments) that runs `module` on each engine this Python has and on the
    wasmtime CLI, with the host directory `{dir}` preopened as `guest_dir` (see `run_guest`)."""
    preopen = f"{{dir}}::{guest_dir}"
    runners = {engine: ["wasitool", "run", str(module), "--engine", engine, "--dir", preopen, "--"]
               for engine in engines()}
    cli = wasmtime_cli()
    if cli is not None:
        runners["wasmtime-cli"] = [str(cli), "run", "--dir", preopen, str(module)]
    assert runners, "neither a wasm engine nor the wasmtime CLI is installed"
    return runners


def run_guest(home: Path, command: list[str], directory: Path, *args: str,
              stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one of `guest_runners`' commands with `directory` as `{dir}`."""
    argv = [part.replace("{dir}", str(directory)) for part in command] + list(args)
    if argv[0] == "wasitool":
        return wasitool(home, *argv[1:], stdin=stdin, timeout=300)
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False, timeout=300)
