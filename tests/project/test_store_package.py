"""`wasitool/store/`: where the store is, the one atomic write, the typed files as current stores hold them,
and gc under the store lock."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from wasitool.errors import ToolchainError
from wasitool.store.atomic import move_into_place, replacing, write_atomic, write_json_atomic
from wasitool.store.filelock import exclusive_lock
from wasitool.store.layout import Layout, store_root
from wasitool.store.records import (
    InstalledTool,
    LockIndexEntry,
    Record,
    lock_index_or_none,
    read_record,
    record_or_none,
    write_lock_index,
    write_record,
)


def test_store_root_is_wasitool_home_resolved(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "link"))
    assert store_root() == tmp_path / "real"
    assert Layout().engine_cache == tmp_path / "real" / "engine-cache"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick answer is Linux's")
@pytest.mark.parametrize("xdg", [None, "", "/somewhere/cache", "relative/cache"])
def test_store_root_without_wasitool_home_is_what_platformdirs_answers(monkeypatch: pytest.MonkeyPatch,
                                                                        xdg: str | None) -> None:
    from platformdirs import user_cache_dir

    monkeypatch.delenv("WASITOOL_HOME", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert store_root() == Path(user_cache_dir("wasitool", appauthor=False))


def test_write_atomic_replaces_the_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    write_json_atomic(target, {"b": 1, "a": [2]})
    assert target.read_text() == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'
    write_atomic(target, "text\r\n", mode=0o640)
    assert target.read_bytes() == b"text\r\n" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "kept"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]
    with pytest.raises(FileNotFoundError), replacing(tmp_path / "no-such-dir" / "x") as tmp:
        tmp.write_bytes(b"x")  # `replacing` makes no directories: a caller's wrong path stays an error


def test_move_into_place_moves_a_directory_once(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for made in (first, second):
        made.mkdir()
        (made / "f").write_text(made.name)
    move_into_place(first, tmp_path / "final" / "x")
    with pytest.raises(OSError):  # another process made it first: the caller keeps what is there
        move_into_place(second, tmp_path / "final" / "x")
    assert (tmp_path / "final" / "x" / "f").read_text() == "a"


# A record and an index entry exactly as wasitool wrote them before the store package (stores users have).
RECORD_OF_MAIN = {
    "lock": "/p/wasitool.lock", "lock_digest": "ab" * 32, "platform": "linux-x86_64", "schema": 1,
    "tools": {"wabt": {"commands": {"wat2wasm": ["/s/tools/w/bin/wat2wasm"]}, "env": {}, "files": {},
                       "name": "wabt", "package": "wabt", "pinned": True, "root": "/s/tools/w", "sjlj": None,
                       "source": "pip", "sysroot": None, "unavailable": {}, "version": "1.0.42.0"}},
}
INDEX_OF_MAIN = {"digest": "ab" * 32, "lock": "/p/wasitool.lock", "schema": 1}


def test_the_typed_files_read_and_write_what_earlier_stores_hold(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    path = layout.record("ab" * 32, "linux-x86_64")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(RECORD_OF_MAIN, indent=2, sort_keys=True) + "\n")
    record = read_record(path)
    assert record.lock == "/p/wasitool.lock" and record.tools["wabt"].commands["wat2wasm"][0].endswith("wat2wasm")
    assert record.gone() == record.tools["wabt"]  # /s/tools/w is not there
    before = path.read_text()
    write_record(path, record)
    assert path.read_text() == before
    index = layout.lock_index(Path("/p/wasitool.lock"))
    write_lock_index(index, LockIndexEntry(lock="/p/wasitool.lock", digest="ab" * 32))
    assert json.loads(index.read_text()) == INDEX_OF_MAIN
    assert lock_index_or_none(index) == LockIndexEntry("/p/wasitool.lock", "ab" * 32)


@pytest.mark.parametrize("text", ["{", '{"schema": 2, "platform": "x", "tools": {}}', '{"schema": 1, "tools": {}}',
                                  '{"schema": 1, "platform": "x", "tools": {"t": {"name": "t"}}}'])
def test_a_damaged_record_is_one_line_or_skipped(tmp_path: Path, text: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text)
    assert record_or_none(path) is None
    with pytest.raises(ToolchainError) as raised:
        read_record(path)
    assert "\n" not in raised.value.one_line() and "wasitool setup" in raised.value.one_line()


def test_a_record_names_its_tools_as_installed_tools(tmp_path: Path) -> None:
    tool = InstalledTool("wabt", "pip", "1.0", str(tmp_path), {"wat2wasm": ["w"]})
    write_record(tmp_path / "r.json", Record("linux-x86_64", {"wabt": tool}))
    assert read_record(tmp_path / "r.json") == Record("linux-x86_64", {"wabt": tool})


def test_store_gc_waits_for_the_store_lock(tmp_path: Path) -> None:
    from wasitool.toolchain.gc import collect

    layout = Layout(tmp_path)
    (layout.tmp / "setup-in-progress").mkdir(parents=True)
    waiting = threading.Event()
    result: list[object] = []
    with exclusive_lock(layout.lock_file):  # a setup holding the store
        worker = threading.Thread(target=lambda: result.append(collect(tmp_path, dry_run=False,
                                                                       on_wait=waiting.set)))
        worker.start()
        assert waiting.wait(60)
        assert (layout.tmp / "setup-in-progress").is_dir() and result == []  # nothing removed while it waits
    worker.join(60)
    removals, _ = result[0]  # type: ignore[misc]
    assert [r.path for r in removals] == [layout.tmp / "setup-in-progress"]
    assert not (layout.tmp / "setup-in-progress").exists()


@pytest.mark.skipif(os.name != "posix", reason="the exec bit")
def test_a_runtime_without_its_exec_bit_is_copied_into_the_store(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.machinery
    import importlib.util

    from wasitool.runtimes import cli

    package = tmp_path / "site" / "wasmtime_cli"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "wasmtime").write_bytes(b"#!/bin/sh\necho hi\n")
    (package / "wasmtime").chmod(0o644)
    spec = importlib.machinery.ModuleSpec("wasmtime_cli", None, origin=str(package / "__init__.py"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec if name == "wasmtime_cli" else None)
    real_chmod = Path.chmod

    def read_only_wheel(self: Path, mode: int) -> None:
        if self == package / "wasmtime":
            raise PermissionError("read-only install")
        real_chmod(self, mode)

    monkeypatch.setattr(Path, "chmod", read_only_wheel)
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "store"))
    copy = cli._pip_wasmtime()
    assert copy is not None and copy.parent == tmp_path / "store" / "runtimes"
    assert os.access(copy, os.X_OK) and copy.read_bytes() == (package / "wasmtime").read_bytes()
    assert cli._pip_wasmtime() == copy and sorted(p.name for p in copy.parent.iterdir()) == [copy.name]
