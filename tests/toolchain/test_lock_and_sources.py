"""Lock-file validation, source selection flags, the system source and `lock refresh`."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.toolchain.conftest import HOST, Scenario, sha256_of

REPO = Path(__file__).resolve().parents[2]
DEFAULT_LOCK = REPO / "wasitool" / "bundled" / "wasitool.lock"


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda t: t.replace('kind = "archive"\n', "", 1), "wasitool.lock: tools.wasi-sdk.sources[0].kind is missing"),
        (lambda t: t.replace(f"platforms.{HOST} =", "platforms.plan9-mips =", 1),
         "platforms.plan9-mips is not a known platform"),
        (lambda t: t.replace('sha256 = "', 'sha256 = "XYZ', 1), "sha256 is 'XYZ"),
        (lambda t: t.replace("schema = 1", "schema = 7"), "schema must be 1"),
        (lambda t: t + "\n[[[broken", "is not valid TOML"),
    ],
)
def test_bad_lock_files_give_one_line(scenario: Scenario, edit, needle: str) -> None:
    scenario.lock.write_text(edit(scenario.lock.read_text()))
    proc = scenario.run("setup", "--lock", str(scenario.lock))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wasitool: error: ") and "(fix: " in lines[0]
    assert needle.replace("wasitool.lock", scenario.lock.name) in lines[0]


def test_missing_lock_file(scenario: Scenario, tmp_path: Path) -> None:
    proc = scenario.run("setup", "--lock", str(tmp_path / "nope.lock"))
    assert proc.returncode == 2 and "cannot read lock file" in proc.stderr and "Traceback" not in proc.stderr


def test_the_project_lock_is_valid_and_complete() -> None:
    from wasitool.platforms import PLATFORMS
    from wasitool.toolchain.lock import load_lock

    lock = load_lock(DEFAULT_LOCK)
    assert set(lock.tools) == {"wasi-sdk", "wabt", "wasm-tools", "wasi-adapters"}
    assert [s.kind for s in lock.tools["wasm-tools"].sources] == ["pip"]
    assert [s.kind for s in lock.tools["wasi-adapters"].sources] == ["npm"]
    for name in ("wasm-tools", "wasi-adapters"):
        assert lock.tools[name].optional  # a machine without npm still sets up the preview1 toolchain
        (source,) = lock.tools[name].sources
        assert set(source.platforms) == set(PLATFORMS)
        assert all(pin.sha256 and (pin.wheel or pin.tarball) for pin in source.platforms.values())
    for tool in (lock.tools["wasi-sdk"], lock.tools["wabt"]):
        assert not tool.optional
        assert [s.kind for s in tool.sources] == ["archive", "pip", "system"]
        for source in tool.sources[:2]:
            assert set(source.platforms) == set(PLATFORMS)
            for pin in source.platforms.values():
                assert pin.unavailable or (pin.sha256 and (pin.url or pin.wheel))
            if source.kind == "archive":
                assert all(p.url.startswith("https://github.com/WebAssembly/") for p in source.platforms.values()
                           if not p.unavailable)


def test_unavailable_pin_is_refused_with_its_reason() -> None:
    proc = _wasitool("setup", "--tool", "wabt", "--source", "archive", "--platform", "macos-x86_64",
                     home=Path("/nonexistent-wasitool-store"))
    assert proc.returncode == 2 and "publishes no macOS x86_64 binary" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_frozen_refuses_system_sources(tmp_path: Path) -> None:
    proc = _wasitool("setup", "--source", "system", "--frozen", home=tmp_path)
    assert proc.returncode == 2
    assert "wasitool.lock lists no hash-pinned system source for wasi-sdk" in proc.stderr


def test_unknown_platform(tmp_path: Path) -> None:
    proc = _wasitool("setup", "--platform", "beos-ppc", home=tmp_path)
    assert proc.returncode == 2 and "unknown platform 'beos-ppc'" in proc.stderr


def test_no_toolchain_installed(tmp_path: Path) -> None:
    proc = _wasitool("toolchain", home=tmp_path)
    assert proc.returncode == 2
    expected = f"no toolchain installed for {DEFAULT_LOCK} on {HOST} (fix: run `wasitool setup`)"
    assert proc.stderr.strip() == f"wasitool: error: {expected}"


def _fake_program(path: Path, output: str) -> None:
    path.write_text(f"#!/bin/sh\necho '{output}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_system_source_detects_wasi_sdk_path_and_wabt(tmp_path: Path) -> None:
    sdk = tmp_path / "wasi-sdk"
    (sdk / "bin").mkdir(parents=True)
    (sdk / "share" / "wasi-sysroot").mkdir(parents=True)
    _fake_program(sdk / "bin" / "clang", "clang version 19.1.5-wasi-sdk")
    _fake_program(sdk / "bin" / "wasm-ld", "LLD 19.1.5")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("wat2wasm", "wasm2wat", "wasm-objdump", "wasm-validate", "wasm-interp", "wasm-strip"):
        _fake_program(bindir / tool, "1.0.36")
    proc = _wasitool("setup", "--source", "system", "--tool", "wasi-sdk", "--tool", "wabt", "--json",
                     home=tmp_path / "store", env={"WASI_SDK_PATH": str(sdk), "PATH": f"{bindir}:/bin"})
    assert proc.returncode == 0, proc.stderr
    tools = json.loads(proc.stdout)["tools"]
    assert tools["wasi-sdk"]["commands"]["cc"] == [str(sdk / "bin" / "clang"), "--target=wasm32-wasip1",
                                                   f"--sysroot={sdk}/share/wasi-sysroot"]
    assert tools["wasi-sdk"]["version"] == "19.1.5" and tools["wasi-sdk"]["pinned"] is False
    assert tools["wabt"]["commands"]["wat2wasm"] == [str(bindir / "wat2wasm")]


def test_system_source_checks_versions(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _fake_program(bindir / "wat2wasm", "1.0.13")
    proc = _wasitool("setup", "--source", "system", "--tool", "wabt", home=tmp_path / "store",
                     env={"PATH": f"{bindir}:/bin"})
    assert proc.returncode == 2
    assert "is version 1.0.13; wasitool.lock needs >= 1.0.36" in proc.stderr


def test_lock_refresh_rewrites_only_changed_checksums(scenario: Scenario) -> None:
    shutil.copy(scenario.archive, scenario.mirror / scenario.archive.name)
    scenario.lock_for(sha="ab" * 32)
    before = scenario.lock.read_text()
    proc = scenario.run("lock", "refresh", "--tool", "wasi-sdk", "--version", "33.0", "--lock", str(scenario.lock),
                        "--mirror", str(scenario.mirror))
    assert proc.returncode == 0, proc.stderr
    after = scenario.lock.read_text()
    assert after == before.replace("ab" * 32, sha256_of(scenario.archive))
    assert scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror)).returncode == 0


def test_lock_refresh_of_unknown_version(scenario: Scenario) -> None:
    proc = scenario.run("lock", "refresh", "--tool", "wasi-sdk", "--version", "99", "--lock", str(scenario.lock))
    assert proc.returncode == 2 and "has no pinned wasi-sdk source at version 99 (it has 33.0)" in proc.stderr


@pytest.mark.slow
def test_lock_refresh_confirms_the_real_wabt_wheels(tmp_path: Path) -> None:
    lock = tmp_path / "wasitool.lock"
    shutil.copy(DEFAULT_LOCK, lock)
    proc = _wasitool("lock", "refresh", "--tool", "wabt", "--version", "1.0.42.0", "--lock", str(lock), home=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert lock.read_text() == (DEFAULT_LOCK).read_text()
    assert proc.stdout.count("same") == 5


def _wasitool(*args: str, home: Path, env: dict[str, str] | None = None):
    import subprocess
    import sys

    full_env = {**os.environ, "WASITOOL_HOME": str(home), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "wasitool", *args], cwd=REPO, capture_output=True, text=True,
                          env=full_env, timeout=300, check=False)
