"""A lock whose pin disagrees with a verified download in the store fails in one line and leaves the file
where it is (issue 18): the store's downloads stay usable, as the kept file and as a `--mirror`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.toolchain.conftest import Scenario, sha256_of, write_lock

WRONG = "ab" * 32


def wrong_lock(scenario: Scenario, tool: str) -> Path:
    """The scenario's lock with a wrong sha256 for `tool` (wasi-sdk: archive source; wabt: pip source)."""
    sdk_sha = WRONG if tool == "wasi-sdk" else sha256_of(scenario.archive)
    wabt_sha = WRONG if tool == "wabt" else sha256_of(scenario.wheel)
    return write_lock(scenario.lock.with_name("wrong.lock"), f"{scenario.server.url}/{scenario.archive.name}",
                      sdk_sha, wabt_wheel=scenario.wheel.name, wabt_sha=wabt_sha)


def kept(scenario: Scenario) -> dict[str, str]:
    downloads = scenario.store / "downloads"
    return {p.name: sha256_of(p) for p in downloads.iterdir()}


@pytest.fixture
def set_up(scenario: Scenario) -> dict[str, str]:
    """The scenario set up once with the right lock: its downloads are kept in the store."""
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror))
    assert proc.returncode == 0, proc.stderr
    files = kept(scenario)
    assert files == {scenario.archive.name: sha256_of(scenario.archive), scenario.wheel.name: sha256_of(scenario.wheel)}
    return files


@pytest.mark.parametrize("tool", ["wasi-sdk", "wabt"])
def test_offline_wrong_pin_keeps_the_verified_file(scenario: Scenario, set_up: dict[str, str], tool: str,
                                                   tmp_path: Path) -> None:
    name = scenario.archive.name if tool == "wasi-sdk" else scenario.wheel.name
    proc = scenario.run("setup", "--lock", str(wrong_lock(scenario, tool)), "--tool", tool, "--offline")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"wasitool.lock pins {name} with sha256 {WRONG}, but the store's verified copy has sha256 " \
           f"{set_up[name]} (kept)" in proc.stderr, proc.stderr
    assert "lock refresh" in proc.stderr
    assert kept(scenario) == set_up
    # the downloads dir is still a complete mirror for another store, offline
    other = Scenario(scenario.server, scenario.archive, scenario.mirror, scenario.wheel, scenario.lock,
                     tmp_path / "other-store")
    mirrored = other.run("setup", "--lock", str(scenario.lock), "--offline", "--mirror",
                         str(scenario.store / "downloads"))
    assert mirrored.returncode == 0, mirrored.stderr


def test_online_wrong_pin_fails_and_keeps_the_verified_file(scenario: Scenario, set_up: dict[str, str]) -> None:
    proc = scenario.run("setup", "--lock", str(wrong_lock(scenario, "wasi-sdk")), "--tool", "wasi-sdk")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"sha256 mismatch for {scenario.archive.name}" in proc.stderr and f"expected {WRONG}" in proc.stderr
    assert "the store keeps its own" in proc.stderr, proc.stderr
    assert kept(scenario) == set_up
    again = scenario.run("setup", "--lock", str(scenario.lock), "--offline", "--force")
    assert again.returncode == 0, again.stderr


def test_a_wrong_pin_through_the_stores_own_mirror(scenario: Scenario, set_up: dict[str, str]) -> None:
    """`--mirror <store>/downloads` (what setup advertises) with a wrong pin: the mirror's file is only read."""
    proc = scenario.run("setup", "--lock", str(wrong_lock(scenario, "wasi-sdk")), "--tool", "wasi-sdk",
                        "--offline", "--mirror", str(scenario.store / "downloads"))
    assert proc.returncode != 0 and "sha256 mismatch" in proc.stderr and "the store keeps its own" in proc.stderr
    assert kept(scenario) == set_up
