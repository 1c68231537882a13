"""`reproducible-source`: one compiler per lock. Setup tries that source first; `--frozen` installs only it.

The lock here lists wasi-sdk's served archive first and a pip source (a small fake wheel, found in the
mirror) second, with `reproducible-source = "pip"`.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.toolchain.conftest import HOST, Scenario, sha256_of
from wasitool.errors import ToolchainError
from wasitool.toolchain.lock import parse_lock

ZIG_WHEEL = "fakezig-9.9.9-py3-none-any.whl"


def make_zig_wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ziglang/zig", "#!/bin/sh\necho 'zig 9.9.9'\n")
    return path


def reproducible_lock(scenario: Scenario, reproducible: str = "pip") -> Path:
    """The scenario's lock plus a pip source for wasi-sdk and `reproducible-source`."""
    wheel = make_zig_wheel(scenario.mirror / ZIG_WHEEL)
    text = scenario.lock.read_text()
    text = text.replace('provides = ["cc", "wasm-ld"]\n',
                        f'provides = ["cc", "wasm-ld"]\nreproducible-source = "{reproducible}"\n', 1)
    text = text.replace("\n[tools.wabt]", f"""
[[tools.wasi-sdk.sources]]
kind = "pip"
package = "fakezig"
version = "9.9.9"
unpack = ["ziglang/"]
executables = ["ziglang/zig{{exe}}"]
commands.cc = ["{{root}}/ziglang/zig{{exe}}", "cc", "-target", "wasm32-wasi"]
commands.wasm-ld = ["{{root}}/ziglang/zig{{exe}}", "wasm-ld"]
platforms.{HOST} = {{ wheel = "{ZIG_WHEEL}", sha256 = "{sha256_of(wheel)}" }}

[tools.wabt]""", 1)
    scenario.lock.write_text(text)
    return scenario.lock


def setup(scenario: Scenario, *args: str) -> tuple[int, dict, str]:
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--json", *args)
    return proc.returncode, json.loads(proc.stdout) if proc.returncode == 0 else {}, proc.stderr


@pytest.mark.parametrize("value, needle", [
    ('"system"', "is 'system'; expected the kind of one of this tool's hash-pinned sources (archive, pip)"),
    ('"wheel"', "is 'wheel'; expected the kind of one of this tool's hash-pinned sources"),
    ("3", "must be a non-empty string"),
])
def test_bad_reproducible_source_is_one_line(scenario: Scenario, value: str, needle: str) -> None:
    lock = reproducible_lock(scenario)
    lock.write_text(lock.read_text().replace('reproducible-source = "pip"', f"reproducible-source = {value}"))
    with pytest.raises(ToolchainError) as info:
        parse_lock(lock.read_text(), lock)
    assert info.value.problem.startswith("wasitool.lock: tools.wasi-sdk.reproducible-source ")
    assert needle in info.value.problem and "\n" not in info.value.one_line()
    proc = scenario.run("setup", "--lock", str(lock))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_setup_tries_the_reproducible_source_first(scenario: Scenario) -> None:
    reproducible_lock(scenario)
    code, result, stderr = setup(scenario)
    assert code == 0, stderr
    assert result["tools"]["wasi-sdk"]["source"] == "pip"  # though the archive comes first in the lock
    assert scenario.server.count(scenario.archive.name) == 0


def test_fallback_to_another_source_says_so(scenario: Scenario) -> None:
    reproducible_lock(scenario)
    (scenario.mirror / ZIG_WHEEL).unlink()
    shutil.copyfile(scenario.archive, scenario.mirror / scenario.archive.name)
    code, result, stderr = setup(scenario, "--offline")
    assert code == 0, stderr
    assert result["tools"]["wasi-sdk"]["source"] == "archive"
    assert "wasi-sdk: using the archive source, not the reproducible pip source" in " ".join(stderr.split())


def test_frozen_fails_in_one_line_when_the_reproducible_source_cannot_install(scenario: Scenario) -> None:
    reproducible_lock(scenario)
    (scenario.mirror / ZIG_WHEEL).unlink()
    code, _, stderr = setup(scenario, "--frozen", "--offline")
    assert code == 2
    (line,) = stderr.strip().splitlines()
    assert line.startswith("wasitool: error: --frozen: wasi-sdk must come from its reproducible source pip "
                           "(wasitool.lock), which failed: ")
    assert f"{ZIG_WHEEL} does not exist (fix: " in line
    assert scenario.server.count(scenario.archive.name) == 0  # no other source was tried


def test_frozen_replaces_a_fallback_install_with_the_reproducible_source(scenario: Scenario) -> None:
    reproducible_lock(scenario)
    wheel = (scenario.mirror / ZIG_WHEEL).rename(scenario.mirror.parent / ZIG_WHEEL)
    assert setup(scenario)[1]["tools"]["wasi-sdk"]["source"] == "archive"  # pip failed: fell back
    assert setup(scenario)[1]["tools"]["wasi-sdk"]["source"] == "archive"  # warm: still the fallback
    wheel.rename(scenario.mirror / ZIG_WHEEL)
    code, result, stderr = setup(scenario, "--frozen")
    assert code == 0, stderr
    assert result["tools"]["wasi-sdk"]["source"] == "pip" and not result["tools"]["wasi-sdk"]["reused"]
    assert setup(scenario)[1]["tools"]["wasi-sdk"]["source"] == "pip"  # and plain setup now keeps it


def test_frozen_with_another_source_kind_is_refused(scenario: Scenario) -> None:
    reproducible_lock(scenario)
    code, _, stderr = setup(scenario, "--frozen", "--source", "archive")
    assert code == 2
    assert stderr.strip() == ("wasitool: error: --frozen installs wasi-sdk only from its reproducible source pip "
                              "(wasitool.lock), not archive (fix: drop --source, or drop --frozen)")


def test_the_shipped_lock_names_the_source_of_the_committed_sums() -> None:
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.sums import read_buildinfo
    from wasitool.toolchain.lock import load_lock

    lock = load_lock(SHIPPED_LOCK)
    info = read_buildinfo(Path(__file__).resolve().parents[2] / "SHA256SUMS")
    assert info is not None
    assert {name: lock.tools[name].reproducible_source for name in info.toolchain} == {
        name: identity.source for name, identity in info.toolchain.items()}
    assert {name for name, tool in lock.tools.items() if not tool.optional} <= set(info.toolchain)
