"""Project-scoped toolchains: one install record per lock, side by side; a changed lock is noticed.

The store here is filled by hand with tool manifests at the exact install dirs the lock's pins name,
so the record logic runs for real with no download.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wasitool.errors import ToolchainError
from wasitool.platforms import host_platform
from wasitool.shipped import SHIPPED_LOCK
from wasitool.store.installs import Store
from wasitool.store.records import InstalledTool, write_tool_manifest
from wasitool.toolchain.lock import load_lock
from wasitool.toolchain.select import load_toolchain

HOST = host_platform()


def fake_install(store: Path, lock_path: Path, kind: str = "pip") -> None:
    """Put a manifest where `kind`'s pin of every tool of the lock installs (no bytes, no network)."""
    for tool in load_lock(lock_path).tools.values():
        for spec in tool.sources:
            pin = spec.platforms.get(HOST)
            if spec.kind == kind and pin is not None and not pin.unavailable:
                directory = Store(store).install_dir(spec, pin, HOST)
                directory.mkdir(parents=True, exist_ok=True)
                write_tool_manifest(InstalledTool(tool.name, kind, spec.version, str(directory),
                                                  {role: [f"{directory}/{role}"] for role in tool.provides}),
                                    directory)


def project_lock(tmp_path: Path, name: str, edit=None) -> Path:
    lock = tmp_path / name / "wasitool.lock"
    lock.parent.mkdir(parents=True)
    shutil.copyfile(SHIPPED_LOCK, lock)
    if edit:
        lock.write_text(edit(lock.read_text()))
    return lock


def bump_wabt(text: str) -> str:
    return text.replace('version = "1.0.42.0"', 'version = "1.0.43.0"').replace(
        "2dc71ae1a0194e145a2c96796f7ad162135b8a4f4cfda3c2f2864a08cecabe81", "0" * 64)


def test_a_lock_whose_tools_are_in_the_store_is_recorded_without_setup(tmp_path: Path) -> None:
    store = tmp_path / "store"
    lock = project_lock(tmp_path, "a")
    fake_install(store, lock)
    toolchain = load_toolchain(root=store, lock=lock)
    assert {t.source for t in toolchain.tools.values()} == {"pip"}
    assert len(list((store / "records").glob(f"*-{HOST}.json"))) == 1


def test_nothing_installed_says_run_setup(tmp_path: Path) -> None:
    lock = project_lock(tmp_path, "a")
    with pytest.raises(ToolchainError) as info:
        load_toolchain(root=tmp_path / "store", lock=lock)
    assert info.value.one_line() == f"no toolchain installed for {lock} on {HOST} (fix: run `wasitool setup`)"


def test_a_changed_lock_is_noticed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    lock = project_lock(tmp_path, "a")
    fake_install(store, lock)
    before = load_toolchain(root=store, lock=lock)
    lock.write_text(bump_wabt(lock.read_text()))
    with pytest.raises(ToolchainError) as info:
        load_toolchain(root=store, lock=lock)
    assert info.value.one_line() == f"wasitool.lock changed since setup ({lock}) (fix: run `wasitool setup`)"
    lock.write_text("# a comment does not change what is pinned\n" + SHIPPED_LOCK.read_text())
    assert load_toolchain(root=store, lock=lock) == before


def test_two_projects_keep_their_own_toolchains(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = project_lock(tmp_path, "first")
    second = project_lock(tmp_path, "second", bump_wabt)
    fake_install(store, first)
    fake_install(store, second)
    one, two = load_toolchain(root=store, lock=first), load_toolchain(root=store, lock=second)
    assert one.tools["wabt"].version == "1.0.42.0" and two.tools["wabt"].version == "1.0.43.0"
    assert one.tools["wasi-sdk"] == two.tools["wasi-sdk"]  # the same pin is installed once
    assert load_toolchain(root=store, lock=first) == one  # setting up the second changed nothing for the first
