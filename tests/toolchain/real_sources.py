"""Real toolchains for the build-system tests: the shared pip store, and a store using Debian's clang.

`source_store(kind)` gives WASITOOL_HOME for a store whose wasi-sdk comes from that kind of source
(wabt always from the pinned pip wheel). The system kind needs Debian's clang-NN, lld-NN, llvm-NN,
wasi-libc and libc++-NN-dev-wasm32 (CI installs them; WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN=1 turns the skip
into a failure).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import importable_engines
from tests.support import third_party
from tests.support.third_party import PinMismatch, SourceUnavailable

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


def _fetched(fetch: Callable[[], Path]) -> Path:
    """`fetch()` from tests.support.third_party: skips where the source cannot be fetched (fails where CI
    requires it), fails on a file that does not match its pin."""
    try:
        return fetch()
    except SourceUnavailable as exc:
        if os.environ.get("WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    except PinMismatch as exc:
        pytest.fail(str(exc))


def pinned_npm_tarball(package: str, version: str, sha256: str) -> Path:
    """The npm tarball `package@version` (third-party sources for real builds), from `build/third-party` or
    `npm pack`, verified against its pin; a mismatching file is removed and the test fails."""
    return _fetched(lambda: third_party.npm_tarball(package, version, sha256))


def pinned_debian_source(directory: str, filename: str, sha256: str) -> Path:
    """A file of a Debian source package (`pool/main/z/zlib`, `zlib_1.2.13.dfsg.orig.tar.bz2`), from
    `build/third-party` or the archive apt is configured with, verified against its pin; a mismatching file
    is removed and the test fails. Skips on machines without a Debian archive (fails where CI requires it)."""
    return _fetched(lambda: third_party.debian_source(directory, filename, sha256))


def require_sources(program: third_party.Program) -> Path:
    """`program`'s pinned archive and the host programs its build runs (skipping or failing as above)."""
    for needed in program.needs:
        require_program(needed)
    return _fetched(lambda: third_party.fetch_sources(program))


def third_party_sources(program: third_party.Program, work: Path) -> Path:
    """`program`'s pinned sources extracted under `work` (skipping or failing as the fetches above)."""
    require_sources(program)
    return _fetched(lambda: third_party.extract_sources(program, work))


def pinned_debian_work(orig: tuple[str, str, str], name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh temporary directory with `orig` (a pinned Debian source file: directory, name, sha256) extracted
    into it (skipping or failing as `pinned_debian_source`)."""
    from wasitool.toolchain.extract import extract_archive
    from wasitool.toolchain.reporter import SilentReporter

    work = tmp_path_factory.mktemp(name)
    extract_archive(pinned_debian_source(*orig), work, SilentReporter())
    return work


def build_step(home: Path, argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A build tool's command (cmake, ctest, make) run with `home`'s toolchain; it must succeed."""
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900, check=False,
                          env={**os.environ, "WASITOOL_HOME": str(home)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def built_port(program: third_party.Program, home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `program`'s build (`wasitool exec [--posix] -- sh -c BUILD`) made from its pinned sources, extracted
    into a fresh temporary directory (skipping or failing as the fetches above; a failed build fails the test)."""
    tree = third_party_sources(program, tmp_path_factory.mktemp(program.name))
    proc = wasitool(home, *third_party.exec_args(program), cwd=tree)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return tree / program.output


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
