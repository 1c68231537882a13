"""`wasitool setup` end to end against a local HTTP server serving a small archive with wasi-sdk's layout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.toolchain.conftest import HOST as HOST_PLATFORM
from tests.toolchain.conftest import Scenario, make_sdk_archive, sha256_of


def _assert_clean_failure(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_install_from_archive(scenario: Scenario) -> None:
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    sdk = report["tools"]["wasi-sdk"]
    assert sdk["source"] == "archive" and sdk["version"] == "33.0" and not sdk["reused"]
    clang = sdk["commands"]["cc"][0]
    assert clang.endswith("/bin/clang")
    assert sdk["commands"]["cc"][2] == f"--sysroot={sdk['root']}/share/wasi-sysroot"
    # the tar symlink bin/clang -> clang-99 survived and the program runs
    assert subprocess.run([clang], capture_output=True, text=True).stdout.startswith("clang version 99.1.0")
    assert report["tools"]["wabt"]["source"] == "pip"
    wat2wasm = report["tools"]["wabt"]["commands"]["wat2wasm"][0]
    assert subprocess.run([wat2wasm], capture_output=True, text=True).stdout.strip() == "wat2wasm 1.0.99"
    assert scenario.server.count(scenario.archive.name) == 1
    assert scenario.leftovers() == []
    toolchain = scenario.run("toolchain", "--lock", str(scenario.lock), "--json")
    assert json.loads(toolchain.stdout)["tools"]["wasi-sdk"]["root"] == sdk["root"]


def test_warm_setup_only_reads_the_manifest(scenario: Scenario) -> None:
    args = ("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--json")
    assert scenario.run(*args).returncode == 0
    warm = scenario.run(*args)
    assert warm.returncode == 0
    assert all(tool["reused"] for tool in json.loads(warm.stdout)["tools"].values())
    assert scenario.server.count(scenario.archive.name) == 1


def test_sha256_mismatch_installs_nothing(scenario: Scenario) -> None:
    scenario.lock_for(sha="ab" * 32)
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk")
    _assert_clean_failure(proc, "could not install wasi-sdk", "sha256 mismatch", "expected " + "ab" * 32,
                          sha256_of(scenario.archive))
    assert scenario.installed_dirs() == [] and scenario.leftovers() == []


def test_http_404(scenario: Scenario) -> None:
    scenario.lock_for(name="missing.tar.gz", sha="cd" * 32)
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk")
    _assert_clean_failure(proc, "archive: HTTP 404", "missing.tar.gz", "fix:")
    assert scenario.installed_dirs() == []


@pytest.mark.parametrize("route", ["truncated/", "drop/"])
def test_interrupted_body_is_retried_then_refused(scenario: Scenario, route: str) -> None:
    scenario.lock_for(route=route)
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk")
    size = scenario.archive.stat().st_size
    _assert_clean_failure(proc, "after 3 attempts")
    assert re.search(rf"wasi-sdk-33.0-x86_64-linux.tar.gz was cut short \(\d+ of {size} bytes", proc.stderr)
    assert scenario.server.count(scenario.archive.name) == 3
    assert scenario.installed_dirs() == [] and scenario.leftovers() == []


@pytest.mark.parametrize(
    "member, kind, target, needle",
    [
        ("wasi-sdk-33.0-x86_64-linux/../../evil", "file", b"x", "climbs out with `..`"),
        ("/tmp/wasitool-evil-absolute", "file", b"x", "is absolute"),
        ("wasi-sdk-33.0-x86_64-linux/bin/escape", tarfile.SYMTYPE, "../../../../etc/passwd",
         "outside the destination"),
    ],
)
def test_unsafe_members_are_refused(scenario: Scenario, member: str, kind, target, needle: str) -> None:
    name = "evil.tar.gz"
    make_sdk_archive(scenario.server.root / name, extra=[(member, kind, target)])
    scenario.lock_for(name=name)
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk")
    _assert_clean_failure(proc, "refused archive member", needle)
    assert scenario.installed_dirs() == [] and scenario.leftovers() == []
    assert not (scenario.store.parent / "evil").exists()


def test_wrong_layout_is_reported(scenario: Scenario) -> None:
    scenario.lock_for(strip="wasi-sdk-34.0-x86_64-linux")
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk")
    _assert_clean_failure(proc, "no top-level directory 'wasi-sdk-34.0-x86_64-linux'")


def test_concurrent_setups_install_once(scenario: Scenario) -> None:
    scenario.lock_for(route="slow/")
    command = [sys.executable, "-m", "wasitool", "setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk", "--json"]
    env = {"WASITOOL_HOME": str(scenario.store), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    reused = sorted(json.loads(out)["tools"]["wasi-sdk"]["reused"] for out, _ in outputs)
    assert reused == [False, True]
    assert scenario.server.count(scenario.archive.name) == 1
    assert len(scenario.installed_dirs()) == 1


def test_killed_setup_leaves_nothing_and_rerun_succeeds(scenario: Scenario) -> None:
    scenario.lock_for(route="slow/")
    command = [sys.executable, "-m", "wasitool", "setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk"]
    proc = subprocess.Popen(command, env={"WASITOOL_HOME": str(scenario.store), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while scenario.server.count(scenario.archive.name) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    proc.kill()
    proc.wait()
    assert scenario.installed_dirs() == []
    rerun = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk")
    assert rerun.returncode == 0, rerun.stderr
    assert len(scenario.installed_dirs()) == 1 and scenario.leftovers() == []


def test_offline_with_empty_store_fails_without_network(scenario: Scenario) -> None:
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--offline")
    _assert_clean_failure(proc, "could not install wasi-sdk", "offline, and neither the store nor a mirror holds",
                          "--mirror")
    assert scenario.server.requests == []


def test_offline_uses_an_installed_store(scenario: Scenario) -> None:
    assert scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror)).returncode == 0
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--offline")
    assert proc.returncode == 0, proc.stderr


def test_mirror_dir_serves_archives_by_file_name(scenario: Scenario) -> None:
    shutil.copy(scenario.archive, scenario.mirror / scenario.archive.name)
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--offline")
    assert proc.returncode == 0, proc.stderr
    assert scenario.server.requests == []


def test_mirror_url_is_tried_first(scenario: Scenario, tmp_path) -> None:
    scenario.lock_for(name="missing-upstream.tar.gz", sha=sha256_of(scenario.archive))
    shutil.copy(scenario.archive, scenario.server.root / "missing-upstream.tar.gz")
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk", "--mirror", scenario.server.url)
    assert proc.returncode == 0, proc.stderr
    assert scenario.server.requests == ["/missing-upstream.tar.gz"]


def test_failing_source_falls_back_to_the_next(scenario: Scenario) -> None:
    lock = scenario.lock.read_text().replace('provides = ["cc", "wasm-ld"]', 'provides = ["cc", "wasm-ld"]', 1)
    broken = f'kind = "archive"\nversion = "0.1"\ncommands.cc = ["{{root}}/bin/clang"]\ncommands.wasm-ld = ["x"]\n' \
             f'platforms.{scenario.lock.read_text().split("platforms.")[1].split(" ")[0]} = ' \
             f'{{ url = "{scenario.server.url}/nope.tar.gz", sha256 = "{"e" * 64}" }}\n\n[[tools.wasi-sdk.sources]]\n'
    lock = lock.replace('[[tools.wasi-sdk.sources]]\n', '[[tools.wasi-sdk.sources]]\n' + broken, 1)
    scenario.lock.write_text(lock)
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "wasi-sdk archive: HTTP 404 File not found for" in proc.stderr and "trying archive" in proc.stderr
    assert json.loads(proc.stdout)["tools"]["wasi-sdk"]["version"] == "33.0"


def test_store_keeps_verified_downloads_for_offline_reinstalls(scenario: Scenario) -> None:
    assert scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror)).returncode == 0
    downloads = scenario.store / "downloads"
    assert sorted(p.name for p in downloads.iterdir()) == sorted([scenario.archive.name, scenario.wheel.name])
    again = scenario.run("setup", "--lock", str(scenario.lock), "--offline", "--force", "--json")
    assert again.returncode == 0, again.stderr
    assert not any(tool["reused"] for tool in json.loads(again.stdout)["tools"].values())
    assert scenario.server.count(scenario.archive.name) == 1


def test_a_stores_downloads_serve_as_a_mirror(scenario: Scenario, tmp_path) -> None:
    assert scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror)).returncode == 0
    other = Scenario(scenario.server, scenario.archive, scenario.mirror, scenario.wheel, scenario.lock,
                     tmp_path / "other-store")
    proc = other.run("setup", "--lock", str(scenario.lock), "--offline", "--mirror", str(scenario.store / "downloads"))
    assert proc.returncode == 0, proc.stderr
    assert scenario.server.count(scenario.archive.name) == 1


def test_corrupt_kept_download_is_fetched_again(scenario: Scenario) -> None:
    assert scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror)).returncode == 0
    (scenario.store / "downloads" / scenario.archive.name).write_bytes(b"corrupt")
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--force")
    assert proc.returncode == 0, proc.stderr
    assert scenario.server.count(scenario.archive.name) == 2


def test_terminated_setup_cleans_its_staging(scenario: Scenario) -> None:
    scenario.lock_for(route="slow/")
    command = [sys.executable, "-m", "wasitool", "setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk"]
    proc = subprocess.Popen(command, env={"WASITOOL_HOME": str(scenario.store), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while scenario.server.count(scenario.archive.name) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and "Traceback" not in err
    assert scenario.installed_dirs() == [] and scenario.leftovers() == []
    assert not (scenario.store / "downloads").exists() or list((scenario.store / "downloads").iterdir()) == []


def test_wabt_archive_layout(scenario: Scenario) -> None:
    """wabt's release layout: wabt-<ver>/bin/<tool>, commands derived from `bin` for every role."""
    tools = ("wat2wasm", "wasm2wat", "wasm-objdump", "wasm-validate", "wasm-interp", "wasm-strip")
    name = "wabt-1.0.41-linux-x64.tar.gz"
    make_sdk_archive(scenario.server.root / name, top="unused",
                     extra=[(f"wabt-1.0.41/bin/{t}", "file", f"#!/bin/sh\necho {t}\n".encode()) for t in tools])
    lock = scenario.lock.read_text().split("[tools.wabt]")[0] + (
        '[tools.wabt]\nprovides = ["' + '", "'.join(tools) + '"]\n[[tools.wabt.sources]]\nkind = "archive"\n'
        f'version = "1.0.41"\nbin = "bin"\nplatforms.{HOST_PLATFORM} = {{ url = "{scenario.server.url}/{name}", '
        f'sha256 = "{sha256_of(scenario.server.root / name)}", strip = "wabt-1.0.41" }}\n'
    )
    scenario.lock.write_text(lock)
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--tool", "wabt", "--json")
    assert proc.returncode == 0, proc.stderr
    wabt = json.loads(proc.stdout)["tools"]["wabt"]
    assert set(wabt["commands"]) == set(tools)
    assert wabt["commands"]["wat2wasm"] == [f"{wabt['root']}/bin/wat2wasm"]
    assert sorted(p.name for p in Path(wabt["root"]).iterdir()) == ["bin", "toolchain.json"]
    assert subprocess.run(wabt["commands"]["wasm-strip"], capture_output=True, text=True).stdout == "wasm-strip\n"
