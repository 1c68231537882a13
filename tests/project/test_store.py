"""`wasitool store list|gc|clean|path` and the engine compile cache's size cap.

The fast tests fill a store by hand with tool manifests at the install dirs the locks' pins name (as
tests/project/test_records.py does); the slow one installs and builds for real, gc's, then builds again
offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool.engines import compile_cache
from wasitool.platforms import host_platform
from wasitool.shipped import SHIPPED_LOCK
from wasitool.store.installs import Store
from wasitool.store.records import InstalledTool, write_tool_manifest
from wasitool.toolchain.lock import load_lock
from wasitool.toolchain.select import load_toolchain

HOST = host_platform()
WABT_SHA = "2dc71ae1a0194e145a2c96796f7ad162135b8a4f4cfda3c2f2864a08cecabe81"


def wasitool(*args: str, store: Path, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "WASITOOL_HOME": str(store), **env}, timeout=900, check=False)


def lock_copy(path: Path, summary: str = "", bump_wabt: bool = False) -> Path:
    text = SHIPPED_LOCK.read_text()
    if summary:
        text = text.replace('summary = "clang,', f'summary = "{summary} clang,', 1)
    if bump_wabt:
        text = text.replace('version = "1.0.42.0"', 'version = "1.0.43.0"').replace(WABT_SHA, "1" * 64)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fake_install(store: Path, lock_path: Path) -> None:
    """A manifest where every reproducible pin of the lock installs; wasi-sdk points zig's cache into the store."""
    for tool in load_lock(lock_path).tools.values():
        spec = tool.ordered_sources[0]
        directory = Store(store).install_dir(spec, spec.platforms[HOST], HOST)
        if directory.is_dir():
            continue
        directory.mkdir(parents=True)
        (directory / "payload.bin").write_bytes(b"x" * 1000)
        env = {"ZIG_GLOBAL_CACHE_DIR": f"{store}/cache/zig"} if tool.name == "wasi-sdk" else {}
        write_tool_manifest(InstalledTool(tool.name, spec.kind, spec.version, str(directory),
                                          {role: [f"{directory}/{role}"] for role in tool.provides}, env=env),
                            directory)


def engine_entries(directory: Path, sizes_and_ages: list[tuple[int, int]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (size, age) in enumerate(sizes_and_ages):
        path = directory / f"{i:064x}.bin"
        path.write_bytes(b"e" * size)
        stamp = 1_700_000_000 - age
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


@pytest.fixture
def littered_store(tmp_path: Path) -> dict[str, Path]:
    """A store used by project `a` (edited since its setup), with the leftovers of a deleted project `gone`."""
    store = tmp_path / "store"
    a = lock_copy(tmp_path / "a" / "wasitool.lock", summary="first")
    fake_install(store, a)
    load_toolchain(root=store, lock=a)  # recorded for a's first content
    old_record = next((store / "records").glob("*.json"))
    lock_copy(a, summary="second")  # edited since: no record for its present content yet
    gone = lock_copy(tmp_path / "gone" / "wasitool.lock", bump_wabt=True)
    fake_install(store, gone)
    load_toolchain(root=store, lock=gone)
    shutil.rmtree(gone.parent)
    (store / "tmp" / "wasi-sdk-pip-x-123").mkdir(parents=True)
    (store / "downloads").mkdir()
    (store / "downloads" / "unrelated-1.0-py3-none-any.whl").write_bytes(b"w")
    pinned = load_lock(a).tools["wabt"].sources[1].platforms[HOST].file_name
    (store / "downloads" / pinned).write_bytes(b"w")
    (store / "cache" / "zig").mkdir(parents=True)
    (store / "cache" / "other-tool").mkdir()
    engine = engine_entries(tmp_path / "engine", [(60, 300), (60, 200), (60, 100)])
    return {"store": store, "a": a, "old_record": old_record, "engine": tmp_path / "engine",
            "oldest": engine[0], "pinned_download": store / "downloads" / pinned}


def test_gc_dry_run_lists_and_gc_removes_what_no_known_lock_uses(littered_store: dict[str, Path]) -> None:
    store = littered_store["store"]
    env = {"WASITOOL_ENGINE_CACHE": str(littered_store["engine"]), "WASITOOL_ENGINE_CACHE_MAX": "100"}
    dry = wasitool("store", "gc", "--dry-run", "--json", store=store, **env)
    assert dry.returncode == 0, dry.stderr
    planned = {Path(r["path"]).relative_to(store).as_posix() if store in Path(r["path"]).parents
               else Path(r["path"]).name for r in json.loads(dry.stdout)["removed"]}
    wabt_gone = f"tools/wabt-pip-1.0.43.0-{HOST}-{'1' * 12}"
    expected = {wabt_gone, littered_store["old_record"].relative_to(store).as_posix(),
                "tmp/wasi-sdk-pip-x-123", "downloads/unrelated-1.0-py3-none-any.whl", "cache/other-tool",
                littered_store["oldest"].name, sorted(littered_store["engine"].iterdir())[1].name}
    assert expected <= planned
    assert len([p for p in planned if p.startswith("records/")]) == 2  # a's old content and gone's
    assert len([p for p in planned if p.startswith("locks/")]) == 1  # gone's index entry
    assert not planned & {"cache/zig", f"downloads/{littered_store['pinned_download'].name}"}
    assert (store / wabt_gone).is_dir() and littered_store["oldest"].is_file()  # a dry run removes nothing

    text = wasitool("store", "gc", store=store, **env)
    assert text.returncode == 0 and f"removed {store / wabt_gone} (" in text.stdout
    assert not (store / wabt_gone).exists() and not littered_store["oldest"].exists()
    assert not (store / "tmp" / "wasi-sdk-pip-x-123").exists() and (store / "cache" / "zig").is_dir()
    assert sum(p.stat().st_size for p in littered_store["engine"].glob("*.bin")) <= 100
    toolchain = load_toolchain(root=store, lock=littered_store["a"])  # a's tools were kept
    assert {t.version for t in toolchain.tools.values()} == {"0.17.0.post0", "1.0.42.0", "1.262.0.0", "1.35.0"}
    assert wasitool("store", "gc", "--dry-run", store=store, **env).stdout.strip() == "nothing to remove"


def test_store_list_json(littered_store: dict[str, Path]) -> None:
    proc = wasitool("store", "list", "--json", store=littered_store["store"])
    assert proc.returncode == 0, proc.stderr
    listing = json.loads(proc.stdout)
    assert listing["ok"] is True and listing["store"] == str(littered_store["store"])
    by_version = {t["version"]: t for t in listing["tools"]}
    assert str(littered_store["a"]) in by_version["1.0.42.0"]["used_by"]  # (and the lock shipped with wasitool)
    assert by_version["1.0.43.0"]["used_by"] == []
    assert by_version["1.0.42.0"]["size"] >= 1000 and by_version["1.0.42.0"]["last_used"].endswith("Z")
    assert listing["engine_cache"]["cap"] == compile_cache.DEFAULT_MAX_BYTES
    human = wasitool("store", "list", store=littered_store["store"], COLUMNS="200")
    assert "no known lock (gc removes it)" in human.stdout


def test_a_copy_of_the_shipped_lock_is_listed_and_the_onefile_cache_kept(tmp_path: Path) -> None:
    """Issue 18: `init` copies the shipped lock, so its record is the shipped lock's too; `store list` names
    both. `<store>/cache/onefile` is wasitool's own cache (one-file builds), not a tool's: gc keeps it."""
    store = tmp_path / "store"
    same = lock_copy(tmp_path / "proj" / "wasitool.lock")
    fake_install(store, same)
    load_toolchain(root=store, lock=same)
    (store / "cache" / "onefile").mkdir(parents=True)
    (store / "cache" / "onefile" / f"{'0' * 64}.wasm").write_bytes(b"\0asm")
    (store / "cache" / "stale-tool").mkdir()
    listing = json.loads(wasitool("store", "list", "--json", store=store).stdout)
    assert listing["tools"] and all(
        {str(same.resolve()), str(SHIPPED_LOCK.resolve())} <= set(t["used_by"]) for t in listing["tools"])
    human = wasitool("store", "list", store=store, COLUMNS="300")
    assert str(same.resolve()) in human.stdout and str(SHIPPED_LOCK.resolve()) in human.stdout
    gc = wasitool("store", "gc", "--json", store=store)
    assert gc.returncode == 0, gc.stderr
    assert [Path(r["path"]).name for r in json.loads(gc.stdout)["removed"]] == ["stale-tool"]
    assert (store / "cache" / "onefile" / f"{'0' * 64}.wasm").is_file()


def test_store_path_and_clean(tmp_path: Path) -> None:
    store = tmp_path / "store"
    fake_install(store, lock_copy(tmp_path / "p" / "wasitool.lock"))
    (store / "notes.txt").write_text("not the store's")
    assert wasitool("store", "path", store=store).stdout == f"{store}\n"
    refused = wasitool("store", "clean", store=store)
    assert refused.returncode == 2 and refused.stderr.startswith("wasitool: error: store clean removes every")
    assert refused.stderr.strip().endswith("(fix: pass --yes to confirm)") and (store / "tools").is_dir()
    done = wasitool("store", "clean", "--yes", store=store, WASITOOL_ENGINE_CACHE="off")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in store.iterdir()) == [".lock", "notes.txt"]


def test_engine_cache_evicts_least_recently_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(tmp_path / "ec"))
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE_MAX", "250")
    old, middle, new = engine_entries(tmp_path / "ec", [(100, 3_000_000), (100, 2_000_000), (100, 1_000_000)])
    assert compile_cache.load(old) == b"e" * 100  # a hit on a long-unused entry marks it used
    compile_cache.save(tmp_path / "ec" / f"{9:064x}.bin", b"n" * 100)  # 400 bytes now: prune to 250
    assert sorted(p.name for p in (tmp_path / "ec").glob("*.bin")) == sorted([old.name, f"{9:064x}.bin"])
    assert not middle.exists() and not new.exists()
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE_MAX", "64M")
    assert compile_cache.max_bytes() == 64 << 20
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE_MAX", "lots")
    assert compile_cache.max_bytes() == compile_cache.DEFAULT_MAX_BYTES


def test_engine_cache_prunes_at_most_every_few_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(tmp_path / "ec"))
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE_MAX", "150")
    compile_cache.save(tmp_path / "ec" / f"{1:064x}.bin", b"a" * 100)  # prunes (nothing to do), marks the time
    compile_cache.save(tmp_path / "ec" / f"{2:064x}.bin", b"b" * 100)  # over the cap, but pruned just now
    assert len(list((tmp_path / "ec").glob("*.bin"))) == 2
    assert len(compile_cache.prune(tmp_path / "ec")) == 1  # `store gc` prunes whenever it runs


@pytest.mark.slow
def test_after_gc_every_project_lock_still_builds_offline(tmp_path: Path, toolchain_home: Path) -> None:
    store, mirror = tmp_path / "store", toolchain_home / "downloads"
    projects = {}
    for name, summary in (("a", ""), ("b", "second project's"), ("gone", "deleted project's")):
        root = tmp_path / name
        assert wasitool("init", str(root), store=store).returncode == 0
        if summary:
            lock_copy(root / "wasitool.lock", summary=summary)
        setup = wasitool("setup", "--offline", "--mirror", str(mirror), store=store, cwd=root)
        assert setup.returncode == 0, setup.stderr
        projects[name] = root
    shutil.rmtree(projects.pop("gone"))
    (store / "tmp" / "leftover").mkdir(parents=True)
    gc = wasitool("store", "gc", "--json", store=store)
    assert gc.returncode == 0, gc.stderr
    removed = {Path(r["path"]).parent.name for r in json.loads(gc.stdout)["removed"]}
    assert {"records", "locks", "tmp"} <= removed and "tools" not in removed  # the tools are shared
    listing = json.loads(wasitool("store", "list", "--json", store=store).stdout)
    # a (a copy of the shipped lock, so its record is the shipped lock's too), the shipped lock, and b
    assert all(len(t["used_by"]) == 3 for t in listing["tools"]), listing
    first_use = "building the C library for wasm32-wasi, first use only"
    for index, root in enumerate(projects.values()):  # offline: no mirror, no network, nothing to install
        for argv in (["setup", "--offline"], ["build"]):
            proc = wasitool(*argv, store=store, cwd=root)
            assert proc.returncode == 0, (root, argv, proc.stdout, proc.stderr)
        assert (root / "out" / "hello.wasm").is_file()
        assert (first_use in proc.stdout) == (index == 0)  # zig's libc is built once, and says so
